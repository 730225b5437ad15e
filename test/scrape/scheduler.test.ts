import t from 'tap';
import { systemClock } from '../../src/pipeline/context';
import type { HeraldRecord, MetricPoint } from '../../src/pipeline/records';
import { createRegistry } from '../../src/observability/metrics';
import { jitterFraction, startBudget } from '../../src/scrape/scheduler';
import { ScrapeSource } from '../../src/scrape/scrape-source';
import { HealthStates } from '../../src/scrape/health/health-state';
import { HttpFetcher } from '../../src/scrape/http-fetch';
import { ScrapeMetrics } from '../../src/scrape/scrape-metrics';
import { scrapeTarget } from '../../src/scrape/scrape-once';
import { staticTargets } from '../../src/scrape/targets/static-targets';
import { until } from '../helpers/fakes';
import { testContext } from '../helpers/context';
import { drain, localServer, scrapeConfig } from './helpers';

const ups = (rs: HeraldRecord[], target: string) =>
  rs.filter((r): r is MetricPoint => r.kind === 'metric' && r.measurement === 'scrape_up' && r.tags.scrape_target === target);

void t.test('jitter is deterministic for a seed and spreads targets', async (t) => {
  t.equal(jitterFraction(7, 'static:a'), jitterFraction(7, 'static:a'));
  t.not(jitterFraction(7, 'static:a'), jitterFraction(8, 'static:a'));
  const fractions = Array.from({ length: 500 }, (_, i) => jitterFraction(42, `task:${i}`));
  t.ok(fractions.every((f) => f >= 0 && f < 1));
  const buckets = new Array<number>(10).fill(0);
  for (const f of fractions) buckets[Math.floor(f * 10)]!++;
  t.ok(buckets.every((n) => n > 25 && n < 75), `500 targets spread over the interval: ${buckets.join(',')}`);
});

void t.test('a hanging and a dead target do not delay a healthy one', async (t) => {
  const healthy = await localServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('ok_metric 1\n'));
  const hanging = await localServer(() => undefined);
  const dead = await localServer(() => undefined);
  const deadUrl = dead.url();
  await dead.close();
  t.teardown(() => Promise.all([healthy.close(), hanging.close()]));
  const registry = createRegistry(false);
  const source = new ScrapeSource({
    name: 'scrape',
    context: testContext('/tmp', { clock: systemClock, metrics: registry }),
    config: scrapeConfig({
      concurrency: 3,
      jitter_seed: 1,
      targets: [
        { name: 'hanging', url: hanging.url(), interval_ms: 2000, timeout_ms: 1500 },
        { name: 'dead', url: deadUrl, interval_ms: 100, timeout_ms: 100 },
        { name: 'healthy', url: healthy.url(), interval_ms: 100, timeout_ms: 100 },
      ],
    }),
  });
  const records: HeraldRecord[] = [];
  const d = drain(source, records);
  const start = Date.now();
  await until(() => ups(records, 'healthy').length >= 12, 5000, 'twelve healthy scrapes');
  const elapsed = Date.now() - start;
  await until(() => ups(records, 'hanging').length >= 1, 5000, 'the hanging scrape times out');
  await source.close();
  await d.stop();
  t.ok(elapsed < 2000, `12 healthy scrapes at 100 ms took ${elapsed} ms despite the hanging target`);
  t.ok(ups(records, 'healthy').every((p) => p.fields.value === 1));
  t.ok(ups(records, 'dead').length >= 5 && ups(records, 'dead').every((p) => p.fields.value === 0), 'dead target scraped on its cadence, down');
  t.equal(ups(records, 'hanging')[0]?.fields.value, 0);
  const text = await registry.metrics();
  t.match(text, /herald_scrape_errors_total\{reason="timeout"\} [1-9]/);
  t.match(text, /herald_scrape_errors_total\{reason="connection"\} [1-9]/);
  t.match(text, /herald_scrape_targets\{kind="static"\} 3/);
});

void t.test('rate_per_sec bounds the starts over all targets (a reservoir refilled each second)', async (t) => {
  t.same(startBudget(100), { reservoir: 100, reservoirRefreshAmount: 100, reservoirRefreshInterval: 1000 });
  t.same(startBudget(2.5), { reservoir: 2, reservoirRefreshAmount: 2, reservoirRefreshInterval: 1000 }, 'at most: rounded down');
  t.same(startBudget(0.1), { reservoir: 1, reservoirRefreshAmount: 1, reservoirRefreshInterval: 10_000 }, 'one start per 10 s');
  const hits: number[] = [];
  const server = await localServer((_req, res) => {
    hits.push(Date.now());
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('m 1\n');
  });
  t.teardown(() => server.close());
  const t0 = Date.now(); // before the limiter exists: its first refill comes 1 s after it, so after t0 + 1 s
  const source = new ScrapeSource({
    name: 'scrape',
    context: testContext('/tmp', { clock: systemClock, metrics: createRegistry(false) }),
    // Twelve targets due within the first 50 ms, four starts a second allowed, plenty of concurrency.
    config: scrapeConfig({
      concurrency: 16,
      rate_per_sec: 4,
      jitter_seed: 1,
      targets: Array.from({ length: 12 }, (_, i) => ({ name: `t${i}`, url: `${server.url()}?t=${i}`, interval_ms: 50, timeout_ms: 1000 })),
    }),
  });
  const records: HeraldRecord[] = [];
  const d = drain(source, records);
  await until(() => hits.length >= 8, 10_000, 'eight scrapes');
  await source.close();
  await d.stop();
  // Upper bounds only: a slow machine starts fewer, never more.
  t.ok(hits.filter((h) => h - t0 < 950).length <= 4, `at most 4 starts in the first second: ${hits.map((h) => h - t0).join(',')}`);
  t.ok(hits.filter((h) => h - t0 < 1950).length <= 8, 'at most 8 in the first two');
});

void t.test('max_body_bytes: the body is cut, what came before is parsed, the cut counted', async (t) => {
  const lines = Array.from({ length: 5000 }, (_, i) => `series_${i} ${i}`).join('\n') + '\n';
  const server = await localServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(lines));
  t.teardown(() => server.close());
  const cfg = scrapeConfig({ targets: [{ name: 'big', url: server.url(), max_body_bytes: '10KiB' }, { name: 'many', url: server.url(), max_series: 100 }] });
  const [big, many] = staticTargets(cfg, 'n', undefined);
  const fetcher = new HttpFetcher();
  t.teardown(() => fetcher.close());
  const registry = createRegistry(false);
  const deps = { fetcher, health: new HealthStates(), metrics: new ScrapeMetrics(registry) };
  const cut = await scrapeTarget(big!, deps, 1000);
  t.equal(cut.error?.reason, 'body_too_large');
  const points = cut.records.filter((r): r is MetricPoint => r.kind === 'metric' && r.measurement.startsWith('series_'));
  const complete = lines.slice(0, 10 * 1024).lastIndexOf('\n');
  t.equal(points.length, lines.slice(0, complete + 1).split('\n').length - 1, 'every complete line before the cut, no partial one');
  t.equal(points.at(-1)?.fields.value, points.length - 1);
  t.equal(ups(cut.records, 'big')[0]?.fields.value, 0);
  const limited = await scrapeTarget(many!, deps, 1000);
  t.equal(limited.error?.reason, 'series_limit');
  t.equal(limited.records.filter((r) => r.kind === 'metric' && r.measurement.startsWith('series_')).length, 100);
  const text = await registry.metrics();
  t.match(text, /herald_scrape_errors_total\{reason="body_too_large"\} 1/);
  t.match(text, /herald_scrape_series_dropped_total 4900/);
  t.match(text, /herald_scrape_body_bytes_total \d+/);
});

void t.test('HTTP status and keep-alive: one connection reused across scrapes', async (t) => {
  const sockets = new Set<unknown>();
  const server = await localServer((req, res) => {
    sockets.add(req.socket);
    if (req.url === '/missing') res.writeHead(404).end('no');
    else res.writeHead(200).end('a 1\n');
  });
  t.teardown(() => server.close());
  const cfg = scrapeConfig({ targets: [{ name: 'a', url: server.url() }, { name: 'b', url: server.url('/missing') }] });
  const [a, b] = staticTargets(cfg, 'n', undefined);
  const fetcher = new HttpFetcher();
  t.teardown(() => fetcher.close());
  const deps = { fetcher, health: new HealthStates(), metrics: new ScrapeMetrics(createRegistry(false)) };
  for (let i = 0; i < 5; i++) t.equal((await scrapeTarget(a!, deps, 1)).error, undefined);
  t.equal(sockets.size, 1, 'five sequential scrapes over one kept-alive connection');
  const missing = await scrapeTarget(b!, deps, 1);
  t.equal(missing.error?.reason, 'http_status');
  t.equal(missing.error?.message, 'HTTP status 404');
});
