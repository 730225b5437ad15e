/**
 * Issue "Metrics to InfluxDB", end to end: the replayed Mesos agent (recorded /metrics/snapshot and
 * /containers, counters growing per tick, an agent restart), the built Herald as a real process, the real
 * InfluxDB. The stored points are read back with Flux and compared with what the replay's known growth
 * implies; every collection (one /metrics/snapshot request each) must have its point, across an outage and
 * across a Herald restart with points buffered on disk.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { heraldMetric, startHerald, stopHerald, writeConfig, type HeraldProcess } from '../helpers/herald-process';
import { startMesosReplay, type MesosReplay } from '../helpers/mesos-replay/replay-server';
import { bufferedLines, e2eBucket, metricsConfig, type E2eBucket, type Row } from './e2e-influx';
import { runToken, sleep, stopService, waitFor } from './e2e-services';

/**
 * Replay growth (replay-stats.ts): container i grows cpus_user_time_secs by 0.4·r and system by 0.1·r per
 * tick of 10 agent seconds, cpus_nr_periods by 100·r and cpus_nr_throttled by round(3·r), r = 1 + (i mod 5)·0.25.
 */
const rate = (i: number) => 1 + (i % 5) * 0.25;
const TOLERANCE = 1e-9;

async function setup(tt: { testdir(): string; teardown(fn: () => unknown): void; pass(m: string): unknown }) {
  const dir = tt.testdir();
  // Ticks on a real timer: several ticks between two collections (1 s apart), so every rate is defined.
  // Statistics of the 'posix' recording carry `timestamp` (the agent clock): rates are exact per tick.
  const agent = await startMesosReplay({ workDir: join(dir, 'mesos'), autoTickMs: 250, statistics: 'posix' });
  tt.teardown(() => agent.close());
  const bucket = await e2eBucket(tt, runToken());
  const config = writeConfig(dir, metricsConfig({ dir, agentUrl: agent.url, bucket: bucket.name }));
  const env = { E2E_INFLUX_TOKEN: bucket.token };
  return { dir, agent, bucket, config, env };
}

const taskOf = (app: string) => `${app.slice(1).replace(/\//g, '_')}.instance-${randomUUID()}._app.1`;

/** Waits for the next agent collection to be served, then stops Herald (SIGTERM): no collection is cut in half. */
async function stopAfterCollection(agent: MesosReplay, herald: HeraldProcess): Promise<number | null> {
  const n = agent.requestCount('/metrics/snapshot');
  await waitFor(() => agent.requestCount('/metrics/snapshot') > n, 10_000, 'a collection');
  await sleep(200);
  return stopHerald(herald, 'SIGTERM');
}

const num = (r: Row | undefined) => Number(r?.['_value']);

/** Stored points per measurement and app, counted on one field that every point of it has. */
async function counts(bucket: E2eBucket): Promise<{ agent: number; byApp: Map<string, number> }> {
  const agentRows = await bucket.field('mesos_agent', 'slave/uptime_secs');
  const c = await bucket.rows('|> filter(fn: (r) => r._measurement == "mesos_container" and r._field == "containers") |> group(columns: ["app"]) |> count()');
  return { agent: agentRows.length, byApp: new Map(c.map((r) => [String(r['app']), num(r)])) };
}

void t.test('agent and container metrics: values from the known growth, counters, the reset marked', async (t) => {
  const t0 = Date.now();
  const s = await setup(t);
  // The recorded executor is container 0 (/hello); ours are 1 and 2 (one app, two tasks) and 3.
  s.agent.addExecutor({ taskId: taskOf('/e2e/web'), containerId: randomUUID() });
  s.agent.addExecutor({ taskId: taskOf('/e2e/web'), containerId: randomUUID() });
  s.agent.addExecutor({ taskId: taskOf('/e2e/db'), containerId: randomUUID(), statistics: 'cgroups' });
  const herald = await startHerald(s.config, s.env);
  t.teardown(() => stopHerald(herald, 'SIGKILL'));
  await waitFor(() => s.agent.requestCount('/metrics/snapshot') >= 5, 20_000, 'five collections');
  const beforeRestart = Date.now();
  s.agent.restartAgent();
  const at = s.agent.requestCount('/metrics/snapshot');
  await waitFor(() => s.agent.requestCount('/metrics/snapshot') >= at + 4, 20_000, 'four more collections');
  t.equal(await heraldMetric(herald, 'herald_metrics_counter_resets_total', { collector: 'agent' }), 1, 'one agent counter reset counted');
  t.equal(await stopAfterCollection(s.agent, herald), 0, 'clean stop');
  const snapshots = s.agent.requestCount('/metrics/snapshot');
  const containerReads = s.agent.requestCount('/containers');

  const c = await counts(s.bucket);
  t.equal(c.agent, snapshots, `one mesos_agent point per collection (${snapshots})`);
  for (const app of ['/hello', '/e2e/web', '/e2e/db']) t.equal(c.byApp.get(app), containerReads, `one ${app} point per collection (${containerReads})`);

  const uptime = await s.bucket.field('mesos_agent', 'slave/uptime_secs');
  const resets = await s.bucket.field('mesos_agent', 'counters_reset');
  t.equal(resets.length, 1, 'counters_reset on exactly one point');
  t.equal(resets[0]?.['_value'], true);
  const resetAt = Date.parse(String(resets[0]?.['_time']));
  t.ok(resetAt >= beforeRestart - 50, 'on the first collection after the restart');
  const i = uptime.findIndex((r) => Date.parse(String(r['_time'])) === resetAt);
  t.ok(i > 0 && num(uptime[i]) < num(uptime[i - 1]), `uptime went down there (${num(uptime[i - 1])} → ${num(uptime[i])})`);
  const downs = uptime.filter((r, k) => k > 0 && num(r) < num(uptime[k - 1]));
  t.equal(downs.length, 1, 'and nowhere else');
  const running = await s.bucket.field('mesos_agent', 'slave/executors_running');
  t.equal(num(running.at(-1)), 4, 'slave/executors_running: the recorded executor and our three');

  // Rates (posix statistics, with the agent's timestamp): per tick of 10 agent seconds user + system time
  // grow by 0.5·r, i.e. 0.05·r cores, whatever the wall time between collections.
  const expected: Record<string, { cores: number; user: number; containers: number }> = {
    '/hello': { cores: 0.05 * rate(0), user: 0.04 * rate(0), containers: 1 },
    '/e2e/web': { cores: 0.05 * (rate(1) + rate(2)), user: 0.04 * (rate(1) + rate(2)), containers: 2 },
  };
  for (const [app, e] of Object.entries(expected)) {
    const f = `and r.app == "${app}"`;
    const cores = await s.bucket.field('mesos_container', 'cpus_time_secs_per_sec', f);
    const user = await s.bucket.field('mesos_container', 'cpus_user_time_secs_per_sec', f);
    const n = await s.bucket.field('mesos_container', 'containers', f);
    t.equal(cores.length, containerReads - 1, `${app}: a CPU rate on every collection but the first`);
    t.same(cores.filter((r) => Math.abs(num(r) - e.cores) > TOLERANCE).map(num), [], `${app}: cpus_time_secs_per_sec = ${e.cores}`);
    t.same(user.filter((r) => Math.abs(num(r) - e.user) > TOLERANCE).map(num), [], `${app}: cpus_user_time_secs_per_sec = ${e.user}`);
    t.ok(n.length > 0 && n.every((r) => num(r) === e.containers), `${app}: ${e.containers} container(s) per point`);
    t.ok(cores.every((r) => r['host'] === 'e2e-node' && typeof r['framework'] === 'string' && r['framework'] !== '' && r['executor'] === undefined), `${app}: tags host, app, framework; no per-task tags`);
  }
  // cgroups statistics (no timestamp: rates by collection time); the throttled ratio is a ratio of counter
  // deltas, independent of time: round(3·1.75) / (100·1.75) per tick.
  const thr = await s.bucket.field('mesos_container', 'cpus_throttled_ratio', 'and r.app == "/e2e/db"');
  t.equal(thr.length, containerReads - 1, '/e2e/db: a throttled ratio on every collection but the first');
  t.same(thr.filter((r) => Math.abs(num(r) - 5 / 175) > TOLERANCE).map(num), [], `/e2e/db: cpus_throttled_ratio = ${5 / 175}`);
  const dbCores = await s.bucket.field('mesos_container', 'cpus_time_secs_per_sec', 'and r.app == "/e2e/db"');
  t.ok(dbCores.length === containerReads - 1 && dbCores.every((r) => num(r) > 0), '/e2e/db: CPU rates by collection time');
  t.comment(`${snapshots} collections in ${Math.round((Date.now() - t0) / 1000)} s`);
});

void t.test('InfluxDB stopped 30 s, then Herald stopped with points on disk and restarted: every collection stored, none replayed twice', async (t) => {
  const s = await setup(t);
  s.agent.addExecutor({ taskId: taskOf('/e2e/outage'), containerId: randomUUID() });
  let herald = await startHerald(s.config, s.env);
  t.teardown(() => stopHerald(herald, 'SIGKILL'));
  await waitFor(async () => ((await heraldMetric(herald, 'herald_influxdb_points_written_total', { path: 'live' })) ?? 0) >= 6, 20_000, 'points flowing');

  // 1. An outage of 30 s while Herald runs: points go to the disk buffer, then are replayed.
  const down = Date.now();
  let restart = await stopService(t, 'influxdb');
  await sleep(Math.max(0, 30_000 - (Date.now() - down)));
  t.ok(herald.child.exitCode === null, 'Herald still running');
  const buffered1 = (await heraldMetric(herald, 'herald_influxdb_points_buffered_total')) ?? 0;
  t.ok(buffered1 > 0, `points buffered during the outage (${buffered1})`);
  const restartMs = await restart();
  t.comment(`InfluxDB down ${Math.round((Date.now() - down) / 1000)} s (start took ${Math.round(restartMs / 1000)} s)`);
  await waitFor(async () => (await heraldMetric(herald, 'herald_influxdb_buffer_points')) === 0 && ((await heraldMetric(herald, 'herald_influxdb_points_written_total', { path: 'replay' })) ?? 0) > 0, 60_000, 'the buffer replayed');
  const [replayed1, bufferedTotal1] = await Promise.all([
    heraldMetric(herald, 'herald_influxdb_points_written_total', { path: 'replay' }),
    heraldMetric(herald, 'herald_influxdb_points_buffered_total'),
  ]);
  t.equal(replayed1, bufferedTotal1, `every buffered point replayed once (${replayed1 ?? 0})`);

  // 2. InfluxDB down again; Herald stops (SIGTERM) with points in its buffer; both come back.
  restart = await stopService(t, 'influxdb');
  const b0 = (await heraldMetric(herald, 'herald_influxdb_points_buffered_total')) ?? 0;
  await waitFor(async () => ((await heraldMetric(herald, 'herald_influxdb_points_buffered_total')) ?? 0) >= b0 + 10, 30_000, 'more points buffered');
  t.equal(await stopAfterCollection(s.agent, herald), 0, 'Herald stopped cleanly while InfluxDB is down');
  const onDisk = bufferedLines(join(s.dir, 'state'));
  t.ok(onDisk.lines > 0, `points left on disk (${onDisk.lines} in ${onDisk.segments} segments)`);
  await restart();
  herald = await startHerald(s.config, s.env);
  await waitFor(async () => (await heraldMetric(herald, 'herald_influxdb_buffer_points')) === 0 && ((await heraldMetric(herald, 'herald_influxdb_points_written_total', { path: 'replay' })) ?? 0) >= onDisk.lines, 60_000, 'the buffer on disk replayed');
  await sleep(2500);
  const text = await Promise.all([
    heraldMetric(herald, 'herald_influxdb_points_written_total', { path: 'replay' }),
    heraldMetric(herald, 'herald_influxdb_points_buffered_total'),
  ]);
  const [replayed2, buffered2] = text.map((v) => v ?? 0) as [number, number];
  t.equal(replayed2, onDisk.lines + buffered2, `the restarted Herald replayed each buffered point once: ${onDisk.lines} from disk + ${buffered2} buffered meanwhile = ${replayed2}`);
  t.equal(bufferedLines(join(s.dir, 'state')).lines, 0, 'the buffer is empty');
  t.equal(await stopAfterCollection(s.agent, herald), 0, 'clean stop');

  const snapshots = s.agent.requestCount('/metrics/snapshot');
  const containerReads = s.agent.requestCount('/containers');
  const c = await counts(s.bucket);
  t.equal(c.agent, snapshots, `one mesos_agent point per collection, none lost (${snapshots})`);
  t.equal(c.byApp.get('/e2e/outage'), containerReads, `one /e2e/outage point per collection (${containerReads})`);
  const times = (await s.bucket.field('mesos_agent', 'slave/uptime_secs')).map((r) => Date.parse(String(r['_time'])));
  const gaps: number[] = [];
  for (let k = 1; k < times.length; k++) gaps.push((times[k] as number) - (times[k - 1] as number));
  t.ok(gaps.filter((g) => g > 2500).length <= 1, `no interval missing (a point every ~1 s; longest gap ${Math.max(...gaps)} ms, while Herald was stopped)`);
});
