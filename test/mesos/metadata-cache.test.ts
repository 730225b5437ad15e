/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call -- recorded JSON of varying shape, read field by field */
import t from 'tap';
import { mesosSchema } from '../../src/mesos/config';
import { MetadataCache } from '../../src/mesos/metadata-cache';
import { FakeClock, capturingLogger, testContext } from '../helpers/context';
import { ReplayState } from '../helpers/mesos-replay/replay-state';
import { FakeTimers, ScriptedClient, flush } from './fake-timers';

const AGENT = '20150410-134224-16777343-5050-1778-S0';
const FW = '20150403-140128-251789322-5050-6047-0000';
const HELLO = 'hello.dc130e23-df88-11e4-b9ec-080027fc1312';
const HELLO_DIR = `/tmp/mesos/slaves/${AGENT}/frameworks/${FW}/executors/${HELLO}/runs/f67a5e0b-91f9-474a-94a0-e2c6a3b28ea4`;
const NEW_TASK = 'shop_web.instance-b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6._app.1';

function setup(cfg: Record<string, unknown> = {}) {
  const clock = new FakeClock();
  const timers = new FakeTimers(clock);
  const client = new ScriptedClient();
  const replay = new ReplayState('datadog');
  client.state = replay.doc;
  const { logger, lines } = capturingLogger('info');
  const context = testContext('/nonexistent', { clock, logger });
  const cache = new MetadataCache({ client, config: mesosSchema.parse(cfg), context, timers });
  let changes = 0;
  cache.onChange(() => changes++);
  // Sample lines only: a HELP text may contain digits after the metric name.
  const samples = async () => (await context.metrics.metrics()).split('\n').filter((l) => !l.startsWith('#')).join('\n');
  const metric = async (re: RegExp) => Number(re.exec(await samples())?.[1] ?? NaN);
  return { clock, timers, client, replay, cache, lines, metrics: context.metrics, changes: () => changes, metric };
}

void t.test('lookups after the first refresh: sandbox (exact, under it, nested, latest) and container ids', async (t) => {
  const s = setup();
  t.equal(await s.cache.start(), true);
  t.equal(s.cache.reachable, true);
  t.same(s.cache.agent(), { agentId: AGENT, hostname: 'localhost', workDir: '/tmp/mesos', version: '1.7.1' });
  const run = s.cache.runs()[0]!;
  t.equal(run.app, '/hello');
  t.equal(s.cache.bySandbox(HELLO_DIR), run);
  t.equal(s.cache.bySandbox(`${HELLO_DIR}/stdout`), run);
  t.equal(s.cache.bySandbox(`${HELLO_DIR}/`), run, 'trailing slash');
  t.equal(s.cache.bySandbox(`${HELLO_DIR}/containers/child-1/containers/grandchild/stderr`), run, 'nested containers share the run');
  t.equal(s.cache.bySandbox(HELLO_DIR.replace(/runs\/.*$/, 'runs/latest/stdout')), run, 'runs/latest: the running run');
  t.equal(s.cache.bySandbox('/var/log/syslog'), undefined);
  t.equal(s.cache.byContainerId('f67a5e0b-91f9-474a-94a0-e2c6a3b28ea4'), run);
  t.equal(s.cache.byContainerId('f67a5e0b-91f9-474a-94a0-e2c6a3b28ea4.nested-child'), run, '"parent.child" form');
  t.equal(s.cache.byContainerId('unknown'), undefined);
  t.equal(s.changes(), 1, 'the first state is a change');
  t.notMatch(await s.metrics.metrics(), /herald_mesos_identity_fallback_total\{/, 'no fallback so far');
  t.equal(await s.metric(/herald_mesos_agent_reachable (\d+)/), 1);
  t.equal(await s.metric(/herald_mesos_executor_runs\{state="running"\} (\d+)/), 1);
});

void t.test('refreshSoon: coalesced, at most one read per min_refresh_gap_ms, and after a read in flight', async (t) => {
  const s = setup({ min_refresh_gap_ms: 2000, refresh_interval_ms: 30_000 });
  await s.cache.start();
  t.equal(s.client.calls, 1);
  for (let i = 0; i < 5; i++) s.cache.refreshSoon();
  t.same(s.timers.pending(), [2000, 30_000], 'one soon timer at the end of the gap, and the periodic one');
  await s.timers.advance(1999);
  t.equal(s.client.calls, 1, 'not before the gap');
  await s.timers.advance(1);
  t.equal(s.client.calls, 2, 'five calls, one read');
  await s.timers.advance(5000);
  s.cache.refreshSoon();
  await s.timers.advance(0);
  t.equal(s.client.calls, 3, 'past the gap: at once');
  // While a read is in flight, a request for another read waits for it, then for the gap.
  s.client.hold = true;
  s.cache.refreshSoon();
  await s.timers.advance(2000);
  t.equal(s.client.calls, 4);
  s.cache.refreshSoon();
  s.cache.refreshSoon();
  await s.timers.advance(500);
  s.client.release();
  await flush();
  t.same(s.timers.pending()[0], 1500, 'the follow-up read waits for the rest of the gap');
  await s.timers.advance(1500);
  t.equal(s.client.calls, 5, 'exactly one follow-up');
  await s.timers.advance(29_999);
  t.equal(s.client.calls, 5);
  await s.timers.advance(1);
  t.equal(s.client.calls, 6, 'periodic refresh, restarted after the last read');
});

void t.test('onChange fires only when runs, tasks or labels change', async (t) => {
  const s = setup();
  await s.cache.start();
  t.equal(s.changes(), 1);
  await s.cache.refresh();
  t.equal(s.changes(), 1, 'same state: no change');
  s.replay.addExecutor({ taskId: NEW_TASK, executorId: NEW_TASK, containerId: 'c-new', labels: { team: 'shop' }, ports: [31001, 31002] }, 1000);
  await s.cache.refresh();
  t.equal(s.changes(), 2, 'new executor');
  const newRun = s.cache.bySandbox(`/tmp/mesos/slaves/${AGENT}/frameworks/${FW}/executors/${NEW_TASK}/runs/c-new/stdout`)!;
  t.same([newRun.app, newRun.appSource, newRun.labels, newRun.tasks[0]?.hostPorts], ['/shop/web', 'marathon_task_id', { team: 'shop' }, [31001, 31002]]);
  t.equal(s.cache.byContainerId('c-new'), newRun);
  // Only a timestamp moves: not a change.
  ((s.replay.doc as any).frameworks[0].executors[0].tasks[0].statuses[0]).timestamp += 5;
  await s.cache.refresh();
  t.equal(s.changes(), 2, 'status timestamps are not identity');
  (s.replay.doc as any).frameworks[0].executors[1].tasks[0].labels[0].value = 'payments';
  await s.cache.refresh();
  t.equal(s.changes(), 3, 'label value changed');
  s.replay.completeExecutor(NEW_TASK, 2000);
  await s.cache.refresh();
  t.equal(s.changes(), 4, 'executor completed');
  const done = s.cache.byContainerId('c-new')!;
  t.same([done.completed, done.tasks[0]?.state], [true, 'TASK_FINISHED']);
  s.replay.removeExecutor(NEW_TASK);
  await s.cache.refresh();
  t.equal(s.changes(), 5, 'executor garbage-collected');
  t.equal(s.cache.byContainerId('c-new'), undefined);
});

void t.test('agent unreachable: identity from the path, counted; recovery; stale state kept', async (t) => {
  const s = setup();
  s.client.error = new Error('connect ECONNREFUSED 127.0.0.1:5051');
  t.equal(await s.cache.start(), false);
  t.equal(s.cache.reachable, false);
  t.equal(await s.metric(/herald_mesos_agent_reachable (\d+)/), 0);
  const fallback = s.cache.bySandbox(`${HELLO_DIR}/stdout`)!;
  t.same([fallback.app, fallback.appSource, fallback.frameworkName, fallback.executorId, fallback.containerId, fallback.directory], ['/hello', 'sandbox_path', '', HELLO, 'f67a5e0b-91f9-474a-94a0-e2c6a3b28ea4', HELLO_DIR]);
  t.equal(s.cache.bySandbox(`${HELLO_DIR}/stderr`), fallback, 'one identity per sandbox');
  t.equal(await s.metric(/herald_mesos_identity_fallback_total\{reason="unreachable"\} (\d+)/), 1);
  await s.cache.refresh();
  t.equal(s.lines.filter((l) => l.includes('mesos agent unreachable')).length, 1, 'logged once, not per failure');
  t.equal(s.changes(), 0);

  s.client.error = undefined;
  t.equal(await s.cache.refresh(), true);
  t.equal(s.changes(), 1);
  t.equal(await s.metric(/herald_mesos_agent_reachable (\d+)/), 1);
  t.same([s.cache.bySandbox(`${HELLO_DIR}/stdout`)?.appSource, s.cache.bySandbox(`${HELLO_DIR}/stdout`)?.frameworkName], ['marathon_task_id', 'marathon']);
  t.ok(s.lines.some((l) => l.includes('mesos agent reachable again')));

  s.client.error = new Error('timeout');
  await s.cache.refresh();
  t.equal(s.cache.bySandbox(`${HELLO_DIR}/stdout`)?.appSource, 'marathon_task_id', 'a known sandbox keeps its identity while unreachable');
  const other = s.cache.bySandbox(`/tmp/mesos/slaves/${AGENT}/frameworks/${FW}/executors/Other_App.x/runs/c9/stdout`)!;
  t.same([other.app, other.frameworkName], ['/Other/App', 'marathon'], 'framework remembered: Marathon\'s own (not the strict) rule applies');
  t.equal(await s.metric(/herald_mesos_identity_fallback_total\{reason="unreachable"\} (\d+)/), 2);
  s.client.error = undefined;
  await s.cache.refresh();
  s.cache.bySandbox(`/tmp/mesos/slaves/${AGENT}/frameworks/${FW}/executors/Other_App.x/runs/c9/stdout`);
  t.equal(await s.metric(/herald_mesos_identity_fallback_total\{reason="unknown"\} (\d+)/), 1, 'reachable but unknown');
});

void t.test('disabled: never asks the agent, identities from paths', async (t) => {
  const s = setup({ enabled: false, work_dir: '/tmp/mesos' });
  t.equal(await s.cache.start(), false);
  s.cache.refreshSoon();
  await s.timers.advance(60_000);
  t.equal(s.client.calls, 0);
  t.same(s.timers.pending(), []);
  t.equal(s.cache.agent().workDir, '/tmp/mesos');
  t.equal(s.cache.bySandbox(HELLO_DIR)?.app, '/hello');
  t.equal(await s.metric(/herald_mesos_identity_fallback_total\{reason="disabled"\} (\d+)/), 1);
});

void t.test('malformed objects are counted; a throwing listener is logged, others still run; close()', async (t) => {
  const s = setup();
  (s.replay.doc as any).frameworks.push(null, { id: 7 });
  (s.replay.doc as any).frameworks[0].executors[0].tasks.push('x');
  let second = 0;
  s.cache.onChange(() => {
    throw new Error('listener bug');
  });
  const off = s.cache.onChange(() => second++);
  await s.cache.start();
  t.equal(second, 1);
  t.equal(await s.metric(/herald_mesos_state_skipped_total\{kind="framework"\} (\d+)/), 2);
  t.equal(await s.metric(/herald_mesos_state_skipped_total\{kind="task"\} (\d+)/), 1);
  t.ok(s.lines.some((l) => l.includes('listener failed')));
  off();
  s.replay.addExecutor({ taskId: NEW_TASK, containerId: 'c2' }, 1);
  await s.cache.refresh();
  t.equal(second, 1, 'unsubscribed');
  s.client.hold = true;
  const inFlight = s.cache.refresh();
  s.cache.close();
  t.equal(await inFlight, false, 'the read in flight is aborted');
  s.cache.close();
  t.same(s.timers.pending(), []);
  t.equal(await s.cache.refresh(), false);
  s.cache.refreshSoon();
  t.same(s.timers.pending(), []);
});
