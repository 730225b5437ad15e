/**
 * How the sink handles what the server says: Retry-After on 429/503 (a tiny local HTTP server), partial
 * writes (422 field type conflicts) and unparsable lines (400) on the real InfluxDB 2.8.
 */
import t from 'tap';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../../src/pipeline/context';
import { makeMetricPoint } from '../../../src/pipeline/records';
import { influxdbOutputSchema } from '../../../src/sinks/influxdb/config';
import { InfluxdbSink } from '../../../src/sinks/influxdb/influxdb-sink';
import { capturingLogger, testContext } from '../../helpers/context';
import { metricValue, sinkConfig, testBucket, waitUntil } from './influx-helpers';

const T0 = 1_700_000_000_000;

/**
 * Answers the scripted statuses in turn (then 204), recording when each request arrived. Headers given as a
 * function are made when the request arrives.
 */
async function scriptedServer(
  t: { teardown(fn: () => Promise<void>): void },
  script: { status: number; headers?: Record<string, string> | (() => Record<string, string>) }[],
) {
  const arrivals: number[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push(performance.now());
      bodies.push(Buffer.concat(chunks).toString());
      const step = script[arrivals.length - 1] ?? { status: 204 };
      const headers = typeof step.headers === 'function' ? step.headers() : step.headers;
      res.writeHead(step.status, { 'content-type': 'application/json', ...headers });
      res.end(step.status === 204 ? undefined : JSON.stringify({ code: 'too many requests', message: 'slow down' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, arrivals, bodies };
}

void t.test('Retry-After on 429 and 503 is honoured instead of the (much shorter) backoff', async (t) => {
  const srv = await scriptedServer(t, [
    { status: 429, headers: { 'retry-after': '1' } },
    // A date 2.5 s after this answer, which HTTP dates round down to the second: 1.5-2.5 s from now. Made
    // when the request arrives, not when the test starts, so a slow first round cannot eat into it.
    { status: 503, headers: () => ({ 'retry-after': new Date(Date.now() + 2500).toUTCString() }) },
  ]);
  const config = influxdbOutputSchema.parse({
    url: srv.url, org: 'o', bucket: 'b', token: 'secret-token', gzip: false,
    retry: { initial_backoff_ms: 10, max_backoff_ms: 20, max_retry_time_ms: 30_000 }, buffer: { max_bytes: 0 },
  });
  const { logger, lines } = capturingLogger('debug');
  const ctx = testContext(t.testdir(), { clock: systemClock, logger });
  const sink = new InfluxdbSink({ config, context: ctx });
  const out = await sink.write({ records: [makeMetricPoint('ra', {}, { v: 1 }, T0)] });
  t.same(out, { delivered: 1, dropped: 0 });
  t.equal(srv.arrivals.length, 3, 'two refusals, then the write');
  const [a, b, c] = srv.arrivals as [number, number, number];
  t.ok(b - a >= 950 && b - a < 2500, `waited ${Math.round(b - a)} ms after "Retry-After: 1"`);
  t.ok(c - b >= 1000, `waited ${Math.round(c - b)} ms after a Retry-After HTTP date (second resolution)`);
  t.equal(srv.bodies[2], 'ra v=1 1700000000000');
  await sink.close(1000);
  t.notOk(lines.some((l) => l.includes('secret-token')), 'the token never appears in the logs');
  t.ok(lines.some((l) => l.includes('influxdb write failed; retrying')), 'the retries are logged');
});

void t.test('422 partial write: the server kept the other points; the conflicting ones are dropped and counted', async (t) => {
  const b = await testBucket(t, 'partial');
  const ctx = testContext(t.testdir(), { clock: systemClock });
  const sink = new InfluxdbSink({ config: sinkConfig(b), context: ctx });
  t.same(await sink.write({ records: [makeMetricPoint('conflict', {}, { v: 1n }, T0)] }), { delivered: 1, dropped: 0 }, 'v is an integer field now');
  const mixed = [
    makeMetricPoint('conflict', {}, { v: 2n }, T0 + 1),
    makeMetricPoint('conflict', {}, { v: 2.5 }, T0 + 2),
    makeMetricPoint('conflict', {}, { v: 3n }, T0 + 3),
    makeMetricPoint('conflict', {}, { v: 4.5 }, T0 + 4),
  ];
  t.same(await sink.write({ records: mixed }), { delivered: 2, dropped: 2, dropReason: 'field_type_conflict' });
  await sink.close(1000);
  const rows = await b.rows('|> keep(columns: ["_value"])');
  t.same(rows.map((r) => r._value).sort(), [1, 2, 3], 'the integers were written, not retried, not duplicated');
  t.match(await ctx.metrics.metrics(), /herald_influxdb_points_dropped_total\{reason="field_type_conflict"\} 2/);
});

void t.test('400 unparsable lines (a damaged buffer segment): nothing was written, so the rest is sent again', async (t) => {
  const b = await testBucket(t, 'unparsable');
  const dir = t.testdir();
  const bufferDir = join(dir, 'buffers', 'influxdb');
  mkdirSync(bufferDir, { recursive: true });
  const good = (i: number) => `damaged,host=n seq=${i}i ${T0 + i}`;
  // The last line quotes "': " (the separator of the server's error entries) in a string: it must survive.
  const seg = [good(0), 'damaged,host=n seq=notanumber 1700000000001', good(2), 'damaged,host=n seq=1i,seq 1700000000003', good(4), `damaged,host=n note="it's: ok" ${T0 + 5}`];
  writeFileSync(join(bufferDir, '0000000000000001.lp'), `${seg.join('\n')}\n`);
  const { logger, lines } = capturingLogger('info');
  const ctx = testContext(dir, { clock: systemClock, logger });
  const sink = new InfluxdbSink({ config: sinkConfig(b), context: ctx });
  await sink.start();
  await waitUntil('the segment to be replayed', async () => /herald_influxdb_buffer_segments 0\b/.test(await ctx.metrics.metrics()));
  await sink.close(1000);
  const rows = await b.rows('|> map(fn: (r) => ({_time: r._time, _value: string(v: r._value)})) |> group() |> sort(columns: ["_time"])');
  t.same(rows.map((r) => r._value), ['0', '2', '4', "it's: ok"], 'the good lines were written');
  const text = await ctx.metrics.metrics();
  t.equal(await metricValue(text, /herald_influxdb_points_dropped_total\{reason="unparsable"\} (\d+)/), 2, 'the bad lines are counted');
  t.equal(await metricValue(text, /herald_influxdb_points_written_total\{path="replay"\} (\d+)/), 4);
  t.ok(lines.some((l) => l.includes('influxdb refused points; dropped')), 'and logged');
  t.notOk(lines.some((l) => l.includes('notanumber')), 'without the line itself (it may hold customer data) at info level');
});
