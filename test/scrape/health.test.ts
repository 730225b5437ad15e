import t from 'tap';
import { createServer, type Server } from 'node:net';
import { systemClock } from '../../src/pipeline/context';
import type { HeraldRecord, LogEvent, MetricPoint } from '../../src/pipeline/records';
import { ScrapeSource } from '../../src/scrape/scrape-source';
import { until } from '../helpers/fakes';
import { capturingLogger, testContext } from '../helpers/context';
import { drain, localServer, scrapeConfig } from './helpers';

const events = (rs: HeraldRecord[]) => rs.filter((r): r is LogEvent => r.kind === 'log');
const checks = (rs: HeraldRecord[], name: string) =>
  rs.filter((r): r is MetricPoint => r.kind === 'metric' && r.measurement === 'health_check' && r.tags.scrape_target === name);

void t.test('http_health: a server that goes down and comes back gives exactly one event each way', async (t) => {
  const server = await localServer((_req, res) => res.writeHead(200).end('status: all good'));
  t.teardown(() => server.close());
  const { logger, lines } = capturingLogger('info');
  const source = new ScrapeSource({
    name: 'scrape',
    context: testContext('/tmp', { clock: systemClock, logger }),
    config: scrapeConfig({
      targets: [{ name: 'web', url: server.url('/health'), format: 'http_health', interval_ms: 60, timeout_ms: 500, app: '/shop/web', health: { body_contains: 'all good' } }],
    }),
  });
  const records: HeraldRecord[] = [];
  const d = drain(source, records);
  t.teardown(() => source.close());
  await until(() => checks(records, 'web').length >= 3, 5000, 'three checks up');
  t.same(events(records), [], 'the first observation is not a change');
  server.handler = (_req, res) => res.writeHead(503).end('maintenance');
  await until(() => checks(records, 'web').filter((p) => p.fields.up === 0).length >= 3, 5000, 'three checks down');
  server.handler = (_req, res) => res.writeHead(200).end('status: degraded');
  await until(() => checks(records, 'web').slice(-2).every((p) => p.fields.up === 0) && checks(records, 'web').length > 8, 5000, 'body mismatch is down too');
  server.handler = (_req, res) => res.writeHead(200).end('status: all good');
  await until(() => checks(records, 'web').slice(-3).every((p) => p.fields.up === 1), 5000, 'up again');
  await source.close();
  await d.stop();

  const ev = events(records);
  t.equal(ev.length, 2, 'one event down, one up');
  const [down, up] = ev as [LogEvent, LogEvent];
  t.equal(down.level, 'warn');
  t.equal(down.dataset, 'herald.health');
  t.match(down.message, /^health check web \(http:\/\/127\.0\.0\.1:\d+\/health\) is down: HTTP status 503$/);
  t.equal(down.error, 'HTTP status 503');
  t.same(down.fields?.herald, { health: { target: 'web', check: 'http_health', state: 'down', previous_state: 'up' } });
  t.equal(down.origin.identity.app, '/shop/web');
  t.match(down.origin.identity.docFragment, /"service":\{"name":"\/shop\/web"\}/);
  t.equal(up.level, 'info');
  t.match(up.message, /is up again$/);
  const seq = checks(records, 'web').map((p) => p.fields.up);
  const changes = seq.filter((v, i) => i > 0 && v !== seq[i - 1]).length;
  t.equal(changes, 2, `up/down sequence changes twice: ${seq.join('')}`);
  const sample = checks(records, 'web')[0]!;
  t.equal(sample.tags.check, 'http');
  t.equal(sample.fields.status_code, 200);
  t.ok((sample.fields.latency_seconds as number) >= 0 && (sample.fields.latency_seconds as number) < 1);
  t.notOk(lines.some((l) => l.includes('all good')), 'bodies never logged');
});

async function listenTcp(port = 0): Promise<Server> {
  const s = createServer((sock) => sock.destroy());
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
  return s;
}

void t.test('tcp_health: connect succeeds, refused, succeeds again', async (t) => {
  let tcp = await listenTcp();
  const port = (tcp.address() as { port: number }).port;
  const source = new ScrapeSource({
    name: 'scrape',
    context: testContext('/tmp', { clock: systemClock }),
    config: scrapeConfig({ targets: [{ name: 'db', url: `tcp://127.0.0.1:${port}`, format: 'tcp_health', interval_ms: 60, timeout_ms: 500 }] }),
  });
  const records: HeraldRecord[] = [];
  const d = drain(source, records);
  t.teardown(() => source.close());
  await until(() => checks(records, 'db').length >= 2, 5000, 'two checks');
  await new Promise<void>((r) => tcp.close(() => r()));
  await until(() => checks(records, 'db').filter((p) => p.fields.up === 0).length >= 2, 5000, 'refused');
  tcp = await listenTcp(port);
  t.teardown(() => new Promise<void>((r) => tcp.close(() => r())));
  await until(() => checks(records, 'db').slice(-2).every((p) => p.fields.up === 1), 5000, 'accepted again');
  await source.close();
  await d.stop();
  const ev = events(records);
  t.same(ev.map((e) => e.level), ['warn', 'info']);
  t.match(ev[0]?.error, /ECONNREFUSED/);
  t.equal(checks(records, 'db')[0]?.tags.check, 'tcp');
  t.notOk('status_code' in (checks(records, 'db')[0]?.fields ?? {}));
});

void t.test('a health check that never answers is down after its timeout', async (t) => {
  const server = await localServer(() => undefined); // accepts, never answers
  t.teardown(() => server.close());
  const source = new ScrapeSource({
    name: 'scrape',
    context: testContext('/tmp', { clock: systemClock }),
    config: scrapeConfig({ targets: [{ name: 'hang', url: server.url('/'), format: 'http_health', interval_ms: 400, timeout_ms: 150 }] }),
  });
  const records: HeraldRecord[] = [];
  const d = drain(source, records);
  await until(() => checks(records, 'hang').length >= 1, 5000, 'one check');
  await source.close();
  await d.stop();
  const p = checks(records, 'hang')[0]!;
  t.equal(p.fields.up, 0);
  t.ok((p.fields.latency_seconds as number) >= 0.14 && (p.fields.latency_seconds as number) < 1, `latency ${p.fields.latency_seconds as number}`);
});
