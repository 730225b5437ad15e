/**
 * The metric points Herald really emits, produced by running the real collectors (for the drift checks of
 * the Grafana dashboards and InfluxDB alerts):
 * - `mesos_agent`: AgentCollector over the recorded /metrics/snapshot payloads (test/fixtures/metrics/mesos);
 * - `mesos_container` and `herald_series_overflow`: ContainersCollector over the recorded /containers and
 *   /monitor/statistics payloads (two samples each, so rates and the throttled ratio exist), per app and
 *   per task with a series budget of 1;
 * - `host_*`: HostCollector on this machine's /proc and /sys, two collections 1 s apart (rates);
 * - `scrape_*`, `health_check` and every `herald_*` measurement: the real scrape of target "herald" (the
 *   self target of staticTargets) over HTTP, serving a registry that holds every metric the source
 *   declares (found by `dash-own-metrics.ts`) plus prom-client's process metrics, then a failing target
 *   and an HTTP health check.
 * Names that the fixtures cannot reach are added from the lists the code exports (the Mesos metric
 * catalogue, CONTAINER_FIELDS and its rate names).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentCollector } from '../../src/metrics/agent/agent-collector';
import { CATALOG_ROWS } from '../../src/metrics/agent/catalog-rows';
import { CardinalityGuard } from '../../src/metrics/cardinality';
import { ContainersCollector } from '../../src/metrics/containers/containers-collector';
import { COUNTER_FIELDS, CONTAINER_FIELDS, DERIVED_FIELDS, rateName } from '../../src/metrics/containers/fields';
import { HostCollector } from '../../src/metrics/host/host-collector';
import { MetricsOwnMetrics } from '../../src/metrics/own-metrics';
import { createRegistry } from '../../src/observability/metrics';
import type { MetricPoint } from '../../src/pipeline/records';
import { HealthStates } from '../../src/scrape/health/health-state';
import { HttpFetcher } from '../../src/scrape/http-fetch';
import { scrapeSchema } from '../../src/scrape/config';
import { ScrapeMetrics } from '../../src/scrape/scrape-metrics';
import { scrapeTarget } from '../../src/scrape/scrape-once';
import { staticTargets } from '../../src/scrape/targets/static-targets';
import { FakeClock } from '../helpers/context';
import { FixtureAgent, fixtureJson, fixtureText, httpClient, stateMetadata } from '../metrics/mesos-fakes';
import { ownMetricsRegistry } from './dash-own-metrics';

export interface Measurement {
  fields: Set<string>;
  tags: Set<string>;
}

/** measurement → the fields and tag keys seen on its points (plus the code's lists where noted). */
export type Catalogue = Map<string, Measurement>;

export function catalogue(points: readonly MetricPoint[]): Catalogue {
  const c: Catalogue = new Map();
  for (const p of points) {
    let m = c.get(p.measurement);
    if (m === undefined) c.set(p.measurement, (m = { fields: new Set(), tags: new Set() }));
    for (const f in p.fields) m.fields.add(f);
    for (const t in p.tags) m.tags.add(t);
  }
  return c;
}

/** Fields the code declares but the recorded payloads do not carry (cgroup v2 only, older isolators). */
export function addDeclaredNames(c: Catalogue): void {
  const agent = c.get('mesos_agent');
  for (const [name, , node] of CATALOG_ROWS) if (node === 'agent') agent?.fields.add(name);
  const container = c.get('mesos_container');
  for (const f of Object.keys(CONTAINER_FIELDS)) container?.fields.add(f);
  for (const f of COUNTER_FIELDS) container?.fields.add(rateName(f));
  for (const f of Object.values(DERIVED_FIELDS)) container?.fields.add(f);
}

const signal = new AbortController().signal;
const HOST = 'dash-node-1';

async function mesosPoints(nowMs: number): Promise<MetricPoint[]> {
  const agent = new FixtureAgent();
  await agent.start();
  try {
    const registry = createRegistry(false);
    const own = new MetricsOwnMetrics(registry);
    const points: MetricPoint[] = [];
    const client = httpClient(agent.url);
    for (const snapshot of ['mesos/docker-practice.agent-metrics-snapshot.json', 'mesos/datadog.agent-metrics-snapshot.legacy-and-new-keys.json']) {
      agent.routes.set('/metrics/snapshot', fixtureText(snapshot));
      points.push(...(await new AgentCollector({ client, hostname: HOST, own, snapshotTimeoutMs: 5000 }).collect(nowMs, signal)));
    }
    agent.routes.delete('/metrics/snapshot');
    // /containers with identity (dcos-metrics), two samples 10 s apart so rates and the throttled ratio exist.
    const metadata = stateMetadata(fixtureJson('mesos/dcos-metrics.agent-state.json'));
    const perApp = new ContainersCollector({ client, metadata, cgroups: undefined, own, hostname: HOST, guard: new CardinalityGuard({ perTask: false, seriesBudgetPerApp: 100, perApp: {} }, registry) });
    const payload = fixtureJson('mesos/dcos-metrics.container-metrics.json');
    agent.routes.set('/containers', JSON.stringify(payload));
    await perApp.collect(nowMs - 10_000, signal);
    const s = payload[0].statistics;
    s.cpus_user_time_secs += 0.5;
    s.cpus_nr_periods += 100;
    s.cpus_nr_throttled += 25;
    agent.routes.set('/containers', JSON.stringify(payload));
    points.push(...(await perApp.collect(nowMs, signal)));
    // /monitor/statistics (older agents), per task with a budget of 1: the second container overflows.
    agent.routes.delete('/containers');
    const perTask = new ContainersCollector({ client, metadata, cgroups: undefined, own, hostname: HOST, guard: new CardinalityGuard({ perTask: true, seriesBudgetPerApp: 1, perApp: {} }, registry) });
    agent.routes.set('/monitor/statistics', fixtureText('mesos/diamond.agent-monitor-statistics.t0.json'));
    await perTask.collect(nowMs - 20_000, signal);
    agent.routes.set('/monitor/statistics', fixtureText('mesos/diamond.agent-monitor-statistics.t1.json'));
    points.push(...(await perTask.collect(nowMs, signal)));
    return points;
  } finally {
    await agent.stop();
  }
}

async function hostPoints(nowMs: number): Promise<MetricPoint[]> {
  const clock = new FakeClock(nowMs - 1000);
  const own = new MetricsOwnMetrics(createRegistry(false));
  const c = new HostCollector({ hostname: HOST, clock, own, mounts: ['/'], disksExclude: ['loop*', 'ram*'], interfacesExclude: ['veth*'] });
  await c.collect(nowMs - 1000);
  clock.advance(1000);
  await new Promise((r) => setTimeout(r, 200)); // let counters move a little
  return c.collect(nowMs);
}

/** Serves `body()` on /metrics, 200 "ok" on /healthy and 503 on /sick; anything else 404. */
async function serve(body: () => Promise<string>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') void body().then((text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text));
    else if (req.url === '/healthy') res.writeHead(200).end('ok');
    else if (req.url === '/sick') res.writeHead(503).end('no');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function scrapePoints(nowMs: number): Promise<MetricPoint[]> {
  const own = ownMetricsRegistry();
  const { url, server } = await serve(() => own.registry.metrics());
  const fetcher = new HttpFetcher();
  try {
    const cfg = scrapeSchema.parse({
      targets: [
        { name: 'dash-broken', url: `${url}/nothing-here`, format: 'prometheus', app: '/dash/broken' },
        { name: 'dash-web', url: `${url}/healthy`, format: 'http_health', app: '/dash/web' },
        { name: 'dash-sick', url: `${url}/sick`, format: 'http_health', app: '/dash/sick' },
      ],
    });
    const targets = staticTargets(cfg, HOST, `${url}/metrics`);
    const deps = { fetcher, health: new HealthStates(), metrics: new ScrapeMetrics(createRegistry(false)) };
    const points: MetricPoint[] = [];
    // Two rounds a minute apart so that counters have a rate; Herald's counters move in between.
    for (const [round, at] of [nowMs - 60_000, nowMs].entries()) {
      if (round === 1) own.bump();
      for (const t of targets) {
        const out = await scrapeTarget(t, deps, at);
        for (const r of out.records) if (r.kind === 'metric') points.push(r);
      }
    }
    return points;
  } finally {
    fetcher.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** Every point the collectors emitted for one run, timestamped up to `nowMs`. */
export async function emittedPoints(nowMs: number): Promise<MetricPoint[]> {
  return [...(await mesosPoints(nowMs)), ...(await hostPoints(nowMs)), ...(await scrapePoints(nowMs))];
}
