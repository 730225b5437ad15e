import t, { type Test } from 'tap';
import { CardinalityGuard } from '../../src/metrics/cardinality';
import { ContainersCollector, CONTAINER_MEASUREMENT, isNotFound } from '../../src/metrics/containers/containers-collector';
import { normalisePayload } from '../../src/metrics/containers/statistics';
import { MetricsOwnMetrics } from '../../src/metrics/own-metrics';
import { createRegistry } from '../../src/observability/metrics';
import { ErrorCode, HeraldError } from '../../src/errors';
import type { MetricPoint } from '../../src/pipeline/records';
import { FixtureAgent, fixtureJson, fixtureText, httpClient, stateMetadata } from './mesos-fakes';

const T0 = 'mesos/diamond.agent-monitor-statistics.t0.json';
const T1 = 'mesos/diamond.agent-monitor-statistics.t1.json';
const DCOS = 'mesos/dcos-metrics.container-metrics.json';
const signal = new AbortController().signal;

async function setup(t: Test, over: { perTask?: boolean; state?: string } = {}) {
  const agent = new FixtureAgent();
  await agent.start();
  t.teardown(() => agent.stop());
  const registry = createRegistry(false);
  const own = new MetricsOwnMetrics(registry);
  const metadata = stateMetadata(fixtureJson(over.state ?? 'mesos/dcos-metrics.agent-state.json'));
  const guard = new CardinalityGuard({ perTask: over.perTask ?? false, seriesBudgetPerApp: 100, perApp: {} }, registry);
  const collector = new ContainersCollector({ client: httpClient(agent.url), metadata, cgroups: undefined, guard, hostname: 'node-1', own });
  return { agent, registry, metadata, collector };
}

const byContainer = (points: MetricPoint[], id: string) => points.find((p) => p.tags['container_id'] === id);

void t.test('rates from the recorded t0/t1 samples (older agent: /containers 404 → /monitor/statistics)', async (t) => {
  const { agent, registry, metadata, collector } = await setup(t);
  agent.routes.set('/monitor/statistics', fixtureText(T0));
  const first = await collector.collect(1_000_000, signal);
  t.equal(collector.endpoint, '/monitor/statistics');
  t.equal(agent.hits.get('/containers'), 1, '/containers tried once');
  t.equal(first.length, 1, 'both containers unknown to the metadata: one app "unknown"');
  const p0 = first[0]!;
  t.equal(p0.measurement, CONTAINER_MEASUREMENT);
  t.same(p0.tags, { host: 'node-1', app: 'unknown', framework: '105146' });
  t.equal(p0.fields['containers'], 2);
  t.equal(p0.fields['mem_rss_bytes'], 102981632 + 220176384, 'gauges summed');
  t.equal(p0.fields['cpus_limit'], 0.6 + 1.1);
  t.notOk('cpus_user_time_secs_per_sec' in p0.fields, 'first sample: no rate');
  t.notOk('cpus_user_time_secs' in p0.fields, 'cumulative counters are not shipped per app');
  t.equal(metadata.refreshSoonCalls, 1, 'unknown containers ask for one metadata refresh');

  agent.routes.set('/monitor/statistics', fixtureText(T1));
  const [p1] = await collector.collect(1_010_000, signal);
  // By hand: Δt = 1422535745.82341 − 1422535725.82341 = 20 s (the statistics timestamps, not our clock).
  // Container 09b6…: user 7.52 → 10.52, system 1.11 → 3.11; container 0624…: user 10.65 → 13.65, system 0.56 → 2.56.
  const dt = 1422535745.82341 - 1422535725.82341;
  t.equal(dt, 20);
  const userA = (10.52 - 7.52) / dt; // 0.15 cores
  const userB = (13.65 - 10.65) / dt; // 0.15 cores
  const sysA = (3.11 - 1.11) / dt; // 0.1 cores
  const sysB = (2.56 - 0.56) / dt; // 0.1 cores
  t.equal(p1!.fields['cpus_user_time_secs_per_sec'], userA + userB);
  t.equal(p1!.fields['cpus_system_time_secs_per_sec'], sysA + sysB);
  t.equal(p1!.fields['cpus_time_secs_per_sec'], (10.52 - 7.52 + (3.11 - 1.11)) / dt + (13.65 - 10.65 + (2.56 - 0.56)) / dt);
  t.ok(Math.abs((p1!.fields['cpus_time_secs_per_sec'] as number) - 0.5) < 1e-12, 'half a core in all');
  t.match(await registry.metrics(), /herald_metrics_container_samples_total\{endpoint="\/monitor\/statistics"\} 4/);
  t.match(await registry.metrics(), /herald_metrics_unknown_containers_total 4/);
});

void t.test('per task: one series per container with its cumulative counters and rates', async (t) => {
  const { agent, collector } = await setup(t, { perTask: true });
  agent.routes.set('/monitor/statistics', fixtureText(T0));
  await collector.collect(1_000_000, signal);
  agent.routes.set('/monitor/statistics', fixtureText(T1));
  const points = await collector.collect(1_010_000, signal);
  t.equal(points.length, 2);
  const a = byContainer(points, '105146/task_name.09b6f20c-b6a9-11e4-99f6-fa163ef210c0')!;
  t.same(a.tags, { host: 'node-1', app: 'unknown', framework: '105146', executor: 'task_name.09b6f20c-b6a9-11e4-99f6-fa163ef210c0', container_id: '105146/task_name.09b6f20c-b6a9-11e4-99f6-fa163ef210c0' });
  t.equal(a.fields['cpus_user_time_secs'], 10.52);
  t.equal(a.fields['cpus_user_time_secs_per_sec'], (10.52 - 7.52) / 20);
  t.equal(a.fields['cpus_system_time_secs_per_sec'], (3.11 - 1.11) / 20);
  t.equal(a.fields['containers'], 1);
});

void t.test('/containers with identity; throttling ratio; counter going backwards; time going backwards', async (t) => {
  const { agent, registry, collector } = await setup(t);
  const payload = fixtureJson(DCOS);
  agent.routes.set('/containers', JSON.stringify(payload));
  const [p0] = await collector.collect(1_000_000, signal);
  t.equal(collector.endpoint, '/containers');
  t.same(p0!.tags, { host: 'node-1', app: '/foo', framework: 'marathon' }, 'mapped through byContainerId');
  t.equal(p0!.app, '/foo');
  t.equal(p0!.fields['mem_rss_bytes'], 435118080);
  t.equal(p0!.fields['mem_limit_bytes'], 167772160);
  t.equal(p0!.fields['mem_critical_pressure_counter'], undefined, 'a counter: per task only');
  // The replayed agent's counters grow 10 s later (no statistics.timestamp in /containers: our clock is used).
  const s = payload[0].statistics;
  s.cpus_user_time_secs += 0.5;
  s.cpus_system_time_secs += 0.25;
  s.cpus_nr_periods += 100;
  s.cpus_nr_throttled += 25;
  s.cpus_throttled_time_secs += 1.5;
  agent.routes.set('/containers', JSON.stringify(payload));
  const [p1] = await collector.collect(1_010_000, signal);
  t.equal(p1!.fields['cpus_user_time_secs_per_sec'], (0.22 + 0.5 - 0.22) / 10);
  t.equal(p1!.fields['cpus_nr_throttled_per_sec'], 2.5);
  t.equal(p1!.fields['cpus_nr_periods_per_sec'], 10);
  t.equal(p1!.fields['cpus_throttled_ratio'], 25 / 100, 'Δnr_throttled / Δnr_periods');
  t.equal(p1!.fields['cpus_throttled_time_secs_per_sec'], (98.355904778 + 1.5 - 98.355904778) / 10);
  // Same container id, counters lower: restarted cgroup. No rate, a reset counted.
  s.cpus_user_time_secs = 0.01;
  agent.routes.set('/containers', JSON.stringify(payload));
  const [p2] = await collector.collect(1_020_000, signal);
  t.notOk('cpus_user_time_secs_per_sec' in p2!.fields);
  t.equal(p2!.fields['mem_rss_bytes'], 435118080, 'gauges still shipped');
  // Clock stepped back: no rate.
  const [p3] = await collector.collect(1_015_000, signal);
  t.notOk('cpus_user_time_secs_per_sec' in p3!.fields);
  s.cpus_user_time_secs += 1;
  agent.routes.set('/containers', JSON.stringify(payload));
  const [p4] = await collector.collect(1_025_000, signal);
  t.equal(p4!.fields['cpus_user_time_secs_per_sec'], (0.01 + 1 - 0.01) / 10, 'rates resume from the new baseline');
  const m = await registry.metrics();
  t.match(m, /herald_metrics_counter_resets_total\{collector="containers"\} 1/);
  t.match(m, /herald_metrics_values_skipped_total\{collector="containers",reason="time_backwards"\} 1/);
  t.equal(collector.rates.size, 1);
});

void t.test('blkio_statistics: the device-less throttling entry is the total, read/write from devices', async (t) => {
  const tally = { badEntries: 0, invalidValues: 0 };
  const [s] = normalisePayload(fixtureJson('mesos/dcos-metrics.container-metrics-blkio.json'), tally);
  t.equal(s!.values.get('blkio_io_service_bytes_total'), 1234567890);
  t.equal(s!.values.get('blkio_io_serviced_total'), 9876543210);
  t.equal(s!.values.get('blkio_io_service_bytes_read'), 567891);
  t.equal(s!.values.get('blkio_io_service_bytes_write'), 567892);
  t.equal(s!.values.get('blkio_io_serviced_read'), 987651);
  t.equal(s!.values.get('blkio_io_serviced_write'), 987652);
  t.same(tally, { badEntries: 0, invalidValues: 0 });
  // Without the device-less entry, TOTAL is summed over devices.
  const payload = fixtureJson('mesos/dcos-metrics.container-metrics-blkio.json');
  (payload[0].statistics.blkio_statistics.throttling as unknown[]).pop();
  const [d] = normalisePayload(payload, tally);
  t.equal(d!.values.get('blkio_io_service_bytes_total'), 567895);
  // The Mesos docs' example uses the key "blkio"; real agents send "blkio_statistics": the doc shape has no blkio values.
  const [doc] = normalisePayload(fixtureJson('mesos/agent-monitor-statistics.blkio.mesos-docs.json'), tally);
  t.same([...doc!.values.keys()].sort(), ['cpus_limit', 'mem_limit_bytes']);
});

void t.test('entries without statistics, network fields, bad entries', async (t) => {
  const { agent, metadata, collector } = await setup(t, { perTask: true });
  agent.routes.set('/containers', fixtureText('mesos/dcos-metrics.container-metrics-no-statistics.json'));
  const points = await collector.collect(1_000_000, signal);
  t.equal(points.length, 1, 'the entry without statistics yields nothing');
  t.same(points[0]!.tags, { host: 'node-1', app: '/foo', framework: 'marathon', executor: 'foo.124b1048-a17a-11e6-9182-080027fb5b88', task: 'foo.124b1048-a17a-11e6-9182-080027fb5b88', container_id: 'e4faacb2-f69f-4ea1-9d96-eb06fea75eef' });
  t.same(Object.keys(points[0]!.fields).sort(), ['containers', 'cpus_limit', 'cpus_system_time_secs', 'cpus_user_time_secs', 'mem_limit_bytes', 'mem_total_bytes']);
  t.equal(metadata.refreshSoonCalls, 1, 'the unknown container 623cd286… asks for a refresh');

  const tally = { badEntries: 0, invalidValues: 0 };
  const [net] = normalisePayload(fixtureJson('mesos/agent-monitor-statistics.network-port-mapping.mesos-docs.json'), tally);
  t.equal(net!.values.get('net_tx_bytes'), 163200529816);
  t.equal(net!.values.get('net_rx_packets'), 143);
  t.equal(net!.containerId, undefined);
  t.equal(net!.timestampSec, 1436300487.41595);
  const bad = fixtureJson(DCOS);
  (bad as unknown[]).push(42, { executor_id: 'x' });
  bad[0].statistics.mem_rss_bytes = 'lots';
  bad[0].statistics.mem_swap_bytes = -1;
  const samples = normalisePayload(bad, tally);
  t.equal(samples.length, 1);
  t.same(tally, { badEntries: 2, invalidValues: 2 });
  t.notOk(samples[0]!.values.has('mem_rss_bytes'));
});

void t.test('agent down and no cgroups: the collection fails (the source counts it)', async (t) => {
  const { agent, collector } = await setup(t);
  await agent.stop();
  await t.rejects(collector.collect(1, signal), { code: ErrorCode.mesosAgent });
  t.equal(collector.endpoint, '/containers', 'a connection error is no reason to fall back');
});

void t.test('isNotFound: by status or by message', async (t) => {
  t.ok(isNotFound(new HeraldError(ErrorCode.mesosAgent, 'GET /containers: HTTP 404')));
  t.ok(isNotFound(Object.assign(new Error('x'), { status: 404 })));
  t.ok(isNotFound(new HeraldError(ErrorCode.mesosAgent, 'failed', { cause: { statusCode: 404 } })));
  t.notOk(isNotFound(new HeraldError(ErrorCode.mesosAgent, 'GET /containers: HTTP 503')));
  t.notOk(isNotFound(new Error('connect ECONNREFUSED 127.0.0.1:5051')));
});
