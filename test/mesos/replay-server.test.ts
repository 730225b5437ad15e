/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- recorded JSON of varying shape, read field by field */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMesosMetadata } from '../../src/mesos/index';
import { mesosSchema } from '../../src/mesos/config';
import { testContext } from '../helpers/context';
import { until } from '../helpers/fakes';
import { startMesosReplay } from '../helpers/mesos-replay/replay-server';
import { portRanges } from '../helpers/mesos-replay/replay-state';

const FIX = join(__dirname, '..', 'fixtures', 'mesos');
const fixture = (name: string): any => JSON.parse(readFileSync(join(FIX, name), 'utf8'));
const TASK = 'shop_web.instance-b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6._app.1';

async function get(url: string): Promise<any> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** Every key path of a JSON value, array indices collapsed ("a[].b"). */
function keyPaths(v: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => keyPaths(x, `${prefix}[]`, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(`${prefix}.${k}`);
      keyPaths(x, `${prefix}.${k}`, out);
    }
  }
  return out;
}

void t.test('serves the recordings; added executors only use recorded fields', async (t) => {
  const dir = t.testdir();
  const agent = await startMesosReplay({ workDir: dir });
  t.teardown(() => agent.close());
  const recorded = fixture('datadog.agent-state.marathon-task.json');
  const state0 = await get(`${agent.url}/state`);
  t.equal(state0.flags.work_dir, dir);
  t.same({ ...state0, flags: { ...state0.flags, work_dir: '/tmp/mesos' } }, recorded, 'only work_dir changed');
  t.same(await get(`${agent.url}/state.json`), state0);
  t.same(await get(`${agent.url}/slave(1)/state`), state0);
  t.same(await get(`${agent.url}/metrics/snapshot`), fixture('docker-practice.agent-metrics-snapshot.json'));
  t.equal((await fetch(`${agent.url}/health`)).status, 200);
  t.equal((await fetch(`${agent.url}/nope`)).status, 404);

  const added = agent.addExecutor({ taskId: TASK, containerId: 'c-1', labels: { team: 'shop', HAPROXY_GROUP: 'external' }, ports: [31001, 31002, 31010], createDirectory: true });
  t.ok(existsSync(added.directory!), 'sandbox created');
  t.equal(added.directory, join(dir, 'slaves', state0.id, 'frameworks', state0.frameworks[0].id, 'executors', TASK, 'runs', 'c-1'));
  agent.addExecutor({ template: 'dcos', taskId: 'foo.00000000-0000-0000-0000-000000000002', containerId: 'c-2', labels: { a: 'b' } });
  agent.addExecutor({ frameworkId: 'other-fw', taskId: 'x.00000000-0000-0000-0000-000000000003', containerId: 'c-3' });
  const state1 = await get(`${agent.url}/state`);
  const allowed = new Set([...keyPaths(recorded), ...keyPaths(fixture('dcos-metrics.agent-state.json'))]);
  for (const p of keyPaths(state1)) t.ok(allowed.has(p), `recorded field ${p}`);
  const ex = state1.frameworks[0].executors[1];
  t.same([ex.id, ex.source, ex.container, ex.tasks[0].id, ex.tasks[0].name, ex.tasks[0].resources.ports, ex.resources.ports, ex.tasks[0].labels],
    [TASK, TASK, 'c-1', TASK, 'web.shop', '[31001-31002, 31010-31010]', '[31001-31002, 31010-31010]', [{ key: 'team', value: 'shop' }, { key: 'HAPROXY_GROUP', value: 'external' }]]);
  t.match(ex.name, `Command Executor (Task: ${TASK})`);
  t.same(state1.frameworks.map((f: any) => f.id), [recorded.frameworks[0].id, 'other-fw']);
  t.throws(() => agent.addExecutor({ template: 'dcos', taskId: 'y.1', containerId: 'c', directory: '/x' }), /template dcos has no "directory" field/);
  t.throws(() => agent.addExecutor({ template: 'dcos', taskId: 'y.1', containerId: 'c', ports: [1] }), /no task "resources" field/);
  t.equal(portRanges([5, 3, 4, 9]), '[3-5, 9-9]');

  agent.completeExecutor(TASK);
  const state2 = await get(`${agent.url}/state`);
  const done = state2.frameworks[0].completed_executors[0];
  t.same([done.id, done.tasks.length, done.completed_tasks[0].state, done.completed_tasks[0].statuses.map((s: any) => s.state)], [TASK, 0, 'TASK_FINISHED', ['TASK_RUNNING', 'TASK_FINISHED']]);
  agent.removeExecutor(TASK);
  t.same((await get(`${agent.url}/state`)).frameworks[0].completed_executors, []);
  t.same(await get(`${agent.url}/flags`), { flags: state2.flags });
});

void t.test('statistics grow deterministically per tick; snapshot counters grow and reset on restart', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  agent.addExecutor({ taskId: TASK, containerId: 'c-1', statistics: 'network' });
  const c0 = await get(`${agent.url}/containers`);
  t.same(c0.map((e: any) => [e.container_id, e.executor_id]), [['f67a5e0b-91f9-474a-94a0-e2c6a3b28ea4', 'hello.dc130e23-df88-11e4-b9ec-080027fc1312'], ['c-1', TASK]]);
  t.same(c0[0].statistics, fixture('dcos-metrics.container-metrics-blkio.json')[0].statistics, 'recorded statistics before the first tick');
  const m0 = await get(`${agent.url}/monitor/statistics`);
  t.same(m0.map((e: any) => Object.keys(e)), Array(2).fill(['executor_id', 'executor_name', 'framework_id', 'source', 'statistics']), 'no container_id in /monitor/statistics');
  const s0 = await get(`${agent.url}/metrics/snapshot`);
  agent.tick(3);
  const c1 = await get(`${agent.url}/containers`);
  const a0 = c0[0].statistics, a1 = c1[0].statistics;
  t.equal(a1.cpus_user_time_secs, Math.round((a0.cpus_user_time_secs + 1.2) * 1e6) / 1e6, 'rate 1: +0.4 s per tick');
  t.equal(a1.cpus_nr_periods - a0.cpus_nr_periods, 300);
  t.equal(a1.cpus_nr_throttled - a0.cpus_nr_throttled, 9);
  t.equal(a1.blkio_statistics.throttling[0].io_service_bytes[0].value - a0.blkio_statistics.throttling[0].io_service_bytes[0].value, 3 * 4096);
  t.equal(a1.mem_limit_bytes, a0.mem_limit_bytes, 'limits do not move');
  const b0 = c0[1].statistics, b1 = c1[1].statistics;
  t.equal(b1.net_tx_bytes - b0.net_tx_bytes, 3 * 25_000, 'second container: rate 1.25');
  t.equal(b1.timestamp, agent.nowSecs);
  const again = await startMesosReplay();
  t.teardown(() => again.close());
  again.addExecutor({ taskId: TASK, containerId: 'c-1', statistics: 'network' });
  again.tick(3);
  t.same(await get(`${again.url}/containers`), c1, 'deterministic across servers');

  const s1 = await get(`${agent.url}/metrics/snapshot`);
  t.ok(s1['slave/tasks_failed'] > s0['slave/tasks_failed'], 'counter grew');
  t.equal(s1['slave/uptime_secs'], Math.round((s0['slave/uptime_secs'] + 30) * 1e6) / 1e6);
  t.equal(s1['slave/executors_running'], 2, 'gauge follows the replayed executors');
  t.equal(s1['slave/mem_total'], s0['slave/mem_total'], 'constant gauges stay');
  agent.restartAgent();
  agent.tick();
  const s2 = await get(`${agent.url}/metrics/snapshot`);
  t.ok(s2['slave/tasks_failed'] < s1['slave/tasks_failed'], 'counter reset by the restart');
  t.equal(s2['slave/uptime_secs'], 10);
  agent.completeExecutor(TASK);
  t.equal((await get(`${agent.url}/containers`)).length, 1, 'a completed executor has no container any more');
});

void t.test('the metadata service against the replay server, real timers', async (t) => {
  const dir = t.testdir();
  const agent = await startMesosReplay({ workDir: dir });
  t.teardown(() => agent.close());
  const ctx = testContext(dir);
  const { client, metadata } = createMesosMetadata(mesosSchema.parse({ agent_url: agent.url, min_refresh_gap_ms: 50, refresh_interval_ms: 60_000 }), ctx);
  t.teardown(() => {
    metadata.close();
    client.close();
  });
  let changes = 0;
  metadata.onChange(() => changes++);
  t.equal(await metadata.start(), true);
  t.equal(metadata.agent().workDir, dir);
  const added = agent.addExecutor({ taskId: TASK, containerId: 'c-1', labels: { team: 'shop' }, ports: [31001], createDirectory: true });
  const unknown = metadata.bySandbox(join(added.directory!, 'stdout'));
  t.equal(unknown?.appSource, 'sandbox_path', 'not in the last /state yet');
  t.equal(unknown?.app, '/shop/web');
  metadata.refreshSoon();
  await until(() => changes === 2, 5000, 'change after refreshSoon');
  const run = metadata.bySandbox(join(added.directory!, 'stdout'))!;
  t.same([run.app, run.appSource, run.labels, run.tasks[0]?.hostPorts, run.frameworkName], ['/shop/web', 'marathon_task_id', { team: 'shop' }, [31001], 'marathon']);
  t.equal(metadata.byContainerId('c-1'), run);
  await agent.setFailure('refuse');
  t.equal(await metadata.refresh(), false);
  t.equal(metadata.reachable, false);
  t.equal(metadata.bySandbox(join(added.directory!, 'stdout')), run, 'kept while unreachable');
  await agent.setFailure(null);
  t.equal(await metadata.refresh(), true);
  t.equal(changes, 2, 'nothing changed meanwhile');
  t.match(await ctx.metrics.metrics(), /herald_mesos_identity_fallback_total\{reason="unknown"\} 1/);
});
