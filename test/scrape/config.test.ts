import t from 'tap';
import { inspect } from 'node:util';
import { scrapeSchema } from '../../src/scrape/config';
import { staticTargets } from '../../src/scrape/targets/static-targets';
import { HttpServer } from '../../src/server/http-server';
import { createRegistry, counter } from '../../src/observability/metrics';
import { HttpFetcher } from '../../src/scrape/http-fetch';
import { HealthStates } from '../../src/scrape/health/health-state';
import { ScrapeMetrics } from '../../src/scrape/scrape-metrics';
import { scrapeTarget } from '../../src/scrape/scrape-once';
import { scrapeSource } from '../../src/scrape';
import { testContext } from '../helpers/context';
import type { MetricPoint } from '../../src/pipeline/records';

void t.test('defaults: a bare scrape section scrapes Herald itself every 15 s', async (t) => {
  const cfg = scrapeSchema.parse({});
  t.match(cfg, { enabled: true, self: true, interval_ms: 15_000, timeout_ms: 10_000, max_body_bytes: 10 * 1024 * 1024, max_series: 50_000, concurrency: 16, targets: [] });
  t.match(cfg.discovery, { enabled: true, address: 'loopback', label_prefix: 'HERALD_SCRAPE', instance_tag: true, min_interval_ms: 5000 });
  const [self] = staticTargets(cfg, 'n1', undefined);
  t.match(self, { key: 'self', kind: 'self', name: 'herald', url: 'http://127.0.0.1:9275/metrics', format: 'prometheus', timeoutMs: 10_000 });
});

void t.test('errors name the path; secrets are redacted', async (t) => {
  const r = scrapeSchema.safeParse({
    targets: [
      { name: 'a', url: 'http://x:1/m', format: 'tcp_health' },
      { name: 'a', url: 'tcp://x:1' },
      { name: 'b', url: 'http://x:1/', interval_ms: 'often' },
    ],
  });
  t.notOk(r.success);
  const issues = r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  t.ok(issues.includes('targets.0.url: format tcp_health needs a tcp://host:port URL'), issues.join('\n'));
  t.ok(issues.includes('targets.1.url: tcp:// URLs are only for format tcp_health'));
  t.ok(issues.some((i) => i.startsWith('targets.2.interval_ms: expected a duration')));
  const dup = scrapeSchema.safeParse({ targets: [{ name: 'a', url: 'http://x/' }, { name: 'a', url: 'http://y/' }] });
  t.same(dup.error?.issues.map((i) => i.path.join('.')), ['targets.1.name']);
  const ok = scrapeSchema.parse({ targets: [{ name: 's', url: 'http://x/', bearer_token: 'hunter2', interval_ms: '30s', max_body_bytes: '1MiB' }] });
  t.equal(ok.targets[0]?.interval_ms, 30_000);
  t.equal(ok.targets[0]?.max_body_bytes, 1024 * 1024);
  t.notMatch(JSON.stringify(ok) + inspect(ok, { depth: 9 }), /hunter2/);
  t.equal(ok.targets[0]?.bearer_token?.reveal(), 'hunter2');
});

void t.test("Herald's own /metrics as the built-in target, through the descriptor", async (t) => {
  const registry = createRegistry(false);
  counter(registry, 'herald_test_things_total', 'things').inc(3);
  const server = new HttpServer({ config: { enabled: true, address: '127.0.0.1', port: 0 }, metrics: registry, isReady: () => true });
  const addr = await server.start();
  t.teardown(() => server.close());
  const selfUrl = `http://127.0.0.1:${addr.port}/metrics`;
  const source = scrapeSource.create({ config: scrapeSchema.parse({}), selfUrl }, testContext('/tmp'));
  t.equal(scrapeSource.type, 'scrape');
  t.equal(scrapeSource.kind, 'source');
  t.equal(source.name, 'scrape');
  await source.close?.();
  await source.close?.();
  const [self] = staticTargets(scrapeSchema.parse({}), 'n1', selfUrl);
  const fetcher = new HttpFetcher();
  t.teardown(() => fetcher.close());
  const out = await scrapeTarget(self!, { fetcher, health: new HealthStates(), metrics: new ScrapeMetrics(createRegistry(false)) }, 1);
  t.equal(out.error, undefined);
  const p = out.records.find((r): r is MetricPoint => r.kind === 'metric' && r.measurement === 'herald_test_things_total');
  t.same(p?.fields, { value: 3 });
  t.equal(p?.tags.scrape_target, 'herald');
});
