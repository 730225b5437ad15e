/** Scrapes of the real HAProxy (promex and stats CSV) and Debian's prometheus-node-exporter on this machine. */
import t from 'tap';
import { requireService, URLS } from '../helpers/services';
import { createRegistry } from '../../src/observability/metrics';
import { HealthStates } from '../../src/scrape/health/health-state';
import { HttpFetcher } from '../../src/scrape/http-fetch';
import { ScrapeMetrics } from '../../src/scrape/scrape-metrics';
import { scrapeTarget, type ScrapeDeps } from '../../src/scrape/scrape-once';
import { staticTargets } from '../../src/scrape/targets/static-targets';
import type { MetricPoint } from '../../src/pipeline/records';
import { scrapeConfig } from './helpers';

const cfg = scrapeConfig({
  targets: [
    { name: 'haproxy_promex', url: URLS.haproxyMetrics, format: 'prometheus', app: '/infra/haproxy' },
    { name: 'haproxy_csv', url: URLS.haproxyStatsCsv, format: 'haproxy_csv' },
    { name: 'node', url: URLS.nodeExporterMetrics, format: 'prometheus' },
  ],
});
const targets = staticTargets(cfg, 'node-1.test', undefined);
const byName = (n: string) => targets.find((x) => x.name === n)!;
const fetcher = new HttpFetcher();
const registry = createRegistry(false);
const deps: ScrapeDeps = { fetcher, health: new HealthStates(), metrics: new ScrapeMetrics(registry) };
t.teardown(() => fetcher.close());

function meta(records: unknown[], measurement: string): number | undefined {
  const p = (records as MetricPoint[]).find((r) => r.kind === 'metric' && r.measurement === measurement);
  return p?.fields.value as number | undefined;
}

void t.test('HAProxy built-in exporter (promex): known families, proxies, NaN counted', async (t) => {
  await requireService(t, 'haproxy');
  const now = Date.now();
  const out = await scrapeTarget(byName('haproxy_promex'), deps, now);
  t.equal(out.error, undefined, 'scrape succeeded');
  const points = out.records.filter((r): r is MetricPoint => r.kind === 'metric');
  const names = new Set(points.map((p) => p.measurement));
  for (const n of ['haproxy_process_nbthread', 'haproxy_process_uptime_seconds', 'haproxy_frontend_status', 'haproxy_backend_status', 'haproxy_server_status']) {
    t.ok(names.has(n), `has ${n}`);
  }
  t.ok([...names].filter((n) => n.startsWith('haproxy_process_')).length >= 10, 'many haproxy_process_* families');
  const fe = points.filter((p) => p.measurement === 'haproxy_frontend_status' && p.tags.proxy === 'fe_http');
  t.ok(fe.length >= 1, 'fe_http frontend status series');
  const up = points.find((p) => p.measurement === 'haproxy_server_status' && p.tags.proxy === 'be_app' && p.tags.server === 'app1' && p.tags.state === 'UP');
  t.equal(up?.fields.value, 1, 'be_app/app1 is UP');
  const down = points.find((p) => p.measurement === 'haproxy_server_status' && p.tags.proxy === 'be_down' && p.tags.state === 'DOWN');
  t.equal(down?.fields.value, 1, 'be_down/down1 is DOWN');
  t.ok(points.every((p) => p.tags.host === 'node-1.test' && p.tags.scrape_target === 'haproxy_promex'), 'target tags on every point');
  t.equal(points[0]?.app, '/infra/haproxy');
  t.equal(meta(out.records, 'scrape_up'), 1);
  t.ok((meta(out.records, 'scrape_body_bytes') ?? 0) > 10_000, 'body size reported');
  t.equal(meta(out.records, 'scrape_samples_scraped'), points.length - 4);
  const nan = (await registry.getSingleMetricAsString('herald_scrape_values_skipped_total'));
  t.match(nan, /reason="nan"\} [1-9]/, 'promex NaN values were skipped and counted');
});

void t.test('HAProxy stats CSV of the running version: rows by proxy/server with status', async (t) => {
  await requireService(t, 'haproxy');
  const out = await scrapeTarget(byName('haproxy_csv'), deps, Date.now());
  t.equal(out.error, undefined);
  const rows = out.records.filter((r): r is MetricPoint => r.kind === 'metric' && r.measurement === 'haproxy');
  const key = (p: MetricPoint) => `${p.tags.proxy}/${p.tags.sv}`;
  const fe = rows.find((p) => key(p) === 'fe_http/FRONTEND');
  t.equal(fe?.fields.status, 'OPEN');
  t.equal(fe?.tags.type, 'frontend');
  t.equal(typeof fe?.fields.stot, 'bigint');
  t.equal(rows.find((p) => key(p) === 'be_app/app1')?.fields.status, 'UP');
  t.equal(rows.find((p) => key(p) === 'be_app/app1')?.tags.type, 'server');
  t.equal(rows.find((p) => key(p) === 'be_down/down1')?.fields.status, 'DOWN');
  t.equal(rows.find((p) => key(p) === 'be_down/down1')?.fields.check_status, 'L4CON');
  t.equal(rows.find((p) => key(p) === 'be_app/BACKEND')?.tags.type, 'backend');
  t.ok(rows.every((p) => !('-' in p.fields)), 'the "-" separator column of HAProxy ≥2.x is not a field');
});

void t.test('node_exporter: known series with labels', async (t) => {
  await requireService(t, 'node_exporter');
  const out = await scrapeTarget(byName('node'), deps, Date.now());
  t.equal(out.error, undefined);
  const points = out.records.filter((r): r is MetricPoint => r.kind === 'metric');
  const cpu = points.filter((p) => p.measurement === 'node_cpu_seconds_total');
  t.ok(cpu.length >= 8, 'node_cpu_seconds_total per cpu and mode');
  t.ok(cpu.every((p) => p.tags.cpu !== undefined && p.tags.mode !== undefined && (p.fields.value as number) >= 0));
  t.ok(cpu.some((p) => p.tags.mode === 'idle' && (p.fields.value as number) > 0), 'idle time grows');
  const mem = points.find((p) => p.measurement === 'node_memory_MemTotal_bytes');
  t.ok((mem?.fields.value as number) > 100 * 1024 * 1024, 'MemTotal is plausible');
  const build = points.find((p) => p.measurement === 'node_exporter_build_info');
  t.match(build?.tags.version, /^1\./);
  const gc = points.find((p) => p.measurement === 'go_gc_duration_seconds');
  t.ok(gc !== undefined && 'q_0.5' in gc.fields && 'q_1' in gc.fields && typeof gc.fields.count === 'number', 'the summary is one point with q_* fields');
  t.equal(meta(out.records, 'scrape_up'), 1);
});
