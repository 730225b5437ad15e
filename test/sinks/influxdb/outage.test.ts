/**
 * The sink through outages of the real InfluxDB 2.8: a loopback proxy cut mid-stream (points go to the disk
 * buffer, writes are acknowledged, then replayed in order), a Herald restart with points buffered, and the
 * buffer bound.
 */
import t from 'tap';
import { appendFileSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../../src/pipeline/context';
import { makeMetricPoint, type MetricPoint } from '../../../src/pipeline/records';
import { InfluxdbSink } from '../../../src/sinks/influxdb/influxdb-sink';
import { PORTS } from '../../helpers/services';
import { testContext } from '../../helpers/context';
import { CuttableProxy, metricValue, sinkConfig, testBucket, waitUntil, type TestBucket } from './influx-helpers';

const T0 = 1_700_000_000_000;

function points(measurement: string, from: number, n: number): MetricPoint[] {
  return Array.from({ length: n }, (_, i) => makeMetricPoint(measurement, { host: 'node-1' }, { seq: BigInt(from + i), load: (from + i) / 7 }, T0 + from + i));
}

/** Fast retries so the outage tests take seconds, not minutes. */
const FAST = { retry: { initial_backoff_ms: 50, max_backoff_ms: 400, max_retry_time_ms: 300 }, request_timeout_ms: 2000 };

async function startProxy(t: { teardown(fn: () => Promise<void>): void }): Promise<{ proxy: CuttableProxy; url: string }> {
  const proxy = new CuttableProxy(PORTS.influxdb);
  const url = await proxy.listen();
  t.teardown(() => proxy.close());
  return { proxy, url };
}

/** seq values of the points the sink sent, in the order their bytes passed the proxy. */
function watchSeqs(proxy: CuttableProxy): number[] {
  const seen: number[] = [];
  const carry = new Map<number, string>();
  proxy.onRequestData = (conn, chunk) => {
    const text = (carry.get(conn) ?? '') + chunk.toString('latin1');
    const re = /seq=(\d+)i[, ]/g;
    let end = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      seen.push(Number(m[1]));
      end = re.lastIndex;
    }
    carry.set(conn, text.slice(Math.max(end, text.length - 64)));
  };
  return seen;
}

async function bufferEmpty(ctx: ReturnType<typeof testContext>): Promise<boolean> {
  const text = await ctx.metrics.metrics();
  return /herald_influxdb_buffer_segments 0\b/.test(text) && /herald_influxdb_buffer_points 0\b/.test(text);
}

async function distinctSeqs(b: TestBucket, measurement: string): Promise<number[]> {
  const rows = await b.rows(`|> filter(fn: (r) => r._measurement == "${measurement}" and r._field == "seq") |> keep(columns: ["_value"])`);
  return rows.map((r) => Number(r._value)).sort((x, y) => x - y);
}

void t.test('an outage mid-stream: writes acknowledged via the disk buffer, replayed in order, count exact', async (t) => {
  const b = await testBucket(t, 'outage');
  const { proxy, url } = await startProxy(t);
  const seqs = watchSeqs(proxy);
  const dir = t.testdir();
  const ctx = testContext(dir, { clock: systemClock });
  const sink = new InfluxdbSink({ config: sinkConfig(b, { url, gzip: false, batch_max_points: 50, flush_interval_ms: 20, max_concurrent_requests: 1, ...FAST }), context: ctx });
  await sink.start();
  const total = 30 * 20;
  let cutAt = 0;
  for (let i = 0; i < 30; i++) {
    if (i === 10) {
      proxy.cut();
      cutAt = Date.now();
    }
    if (i === 20) {
      const bufferedPoints = await metricValue(ctx.metrics.metrics(), /herald_influxdb_buffer_points (\d+)/);
      t.ok(bufferedPoints > 0, `points are in the disk buffer during the outage (${bufferedPoints})`);
      t.ok(readdirSync(sink.bufferDir).some((f) => f.endsWith('.lp')), 'as segment files');
      await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - cutAt))));
      proxy.restore();
    }
    const out = await sink.write({ records: points('outage', i * 20, 20) });
    t.same(out, { delivered: 20, dropped: 0 }, `batch ${i} acknowledged`);
  }
  await waitUntil('the buffer to drain', () => bufferEmpty(ctx));
  await sink.close(5000);
  t.same(await distinctSeqs(b, 'outage'), Array.from({ length: total }, (_, i) => i), 'every point once, none missing');
  t.equal(await b.count('outage'), total * 2, 'two fields per point: no duplicates stored');
  const firstSeen = seqs.filter((s, i) => seqs.indexOf(s) === i);
  t.same(firstSeen, [...firstSeen].sort((x, y) => x - y), 'points reached InfluxDB in the order they were written');
  const text = await ctx.metrics.metrics();
  t.ok((await metricValue(text, /herald_influxdb_points_buffered_total (\d+)/)) >= 200, 'the batches of the outage were buffered');
  t.ok((await metricValue(text, /herald_influxdb_points_written_total\{path="replay"\} (\d+)/)) >= 200, 'and replayed');
});

void t.test('a restart with points buffered: the new sink replays them, none twice, torn tail cut', async (t) => {
  const b = await testBucket(t, 'restart');
  const { proxy, url } = await startProxy(t);
  proxy.cut(); // InfluxDB unreachable for the first run
  const dir = t.testdir();
  const first = new InfluxdbSink({ config: sinkConfig(b, { url, batch_max_points: 40, flush_interval_ms: 10, ...FAST }), context: testContext(dir, { clock: systemClock }) });
  for (let i = 0; i < 5; i++) t.same(await first.write({ records: points('restart', i * 40, 40) }), { delivered: 40, dropped: 0 });
  // A batch still open when Herald stops goes to the buffer too.
  const late = first.write({ records: points('restart', 200, 7) });
  await first.close(3000);
  t.same(await late, { delivered: 7, dropped: 0 });
  const segments = readdirSync(first.bufferDir).filter((f) => f.endsWith('.lp')).sort();
  t.ok(segments.length >= 1, `segments left for the next run: ${segments.join(', ')}`);
  // A crash mid-append leaves a torn tail; a crash mid-replay re-sends a segment (modelled by a copy of it).
  appendFileSync(join(first.bufferDir, segments.at(-1)!), 'restart,host=node-1 seq=99999i,load=1 17000000');
  copyFileSync(join(first.bufferDir, segments[0]!), join(first.bufferDir, '0000000000009999.lp'));

  const ctx = testContext(dir, { clock: systemClock });
  const second = new InfluxdbSink({ config: sinkConfig(b, FAST), context: ctx });
  await second.start();
  await waitUntil('the buffer to drain', () => bufferEmpty(ctx));
  await second.close(2000);
  t.same(await distinctSeqs(b, 'restart'), Array.from({ length: 207 }, (_, i) => i), 'all 207 points, the torn line not among them');
  t.equal(await b.count('restart'), 207 * 2, 'a re-sent segment overwrote identical points: the count is exact');
  t.same(readdirSync(second.bufferDir).filter((f) => f.endsWith('.lp')), [], 'segments deleted once acknowledged');
});

for (const overflow of ['drop_oldest', 'drop_newest'] as const) {
  void t.test(`the buffer bound (${overflow}): what it forces out is counted exactly`, async (t) => {
    const b = await testBucket(t, overflow.replace('_', '-'));
    const { proxy, url } = await startProxy(t);
    proxy.cut();
    const dir = t.testdir();
    const ctx = testContext(dir, { clock: systemClock });
    const config = sinkConfig(b, { url, batch_max_points: 10, flush_interval_ms: 5, ...FAST, buffer: { max_bytes: 3000, overflow } });
    const sink = new InfluxdbSink({ config, context: ctx });
    let delivered = 0;
    let dropped = 0;
    for (let i = 0; i < 20; i++) {
      const out = await sink.write({ records: points('bound', i * 10, 10) });
      delivered += out.delivered;
      dropped += out.dropped;
    }
    const forcedOut = await metricValue(ctx.metrics.metrics(), /herald_influxdb_buffer_dropped_points_total (\d+)/);
    t.ok(forcedOut > 0 && forcedOut < 200, `the bound forced out ${forcedOut} of 200 points`);
    if (overflow === 'drop_newest') t.equal(dropped, forcedOut, 'refused batches are reported as dropped in their outcome');
    else t.equal(delivered, 200, 'every write was acknowledged (the oldest buffered points made room)');
    proxy.restore();
    await waitUntil('the buffer to drain', () => bufferEmpty(ctx));
    await sink.close(2000);
    const stored = await distinctSeqs(b, 'bound');
    t.equal(stored.length + forcedOut, 200, `stored ${stored.length} + counted ${forcedOut} = written`);
    if (overflow === 'drop_oldest') {
      // The first batch's segment was being replayed (retried) all along, and is never evicted.
      const newest = stored.length - 10;
      const expected = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: newest }, (_, i) => 200 - newest + i)];
      t.same(stored, expected, 'the segment in replay and the newest points survived');
    } else {
      t.same(stored, Array.from({ length: stored.length }, (_, i) => i), 'the oldest points survived');
    }
  });
}
