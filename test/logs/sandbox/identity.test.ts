import t from 'tap';
import type { ExecutorRun } from '../../../src/mesos/model';
import {
  LABEL_MAX_COUNT, containerIdOf, documentLabels, pathRun, sandboxIdentity, sanitizeLabelKey,
} from '../../../src/logs/sandbox/identity';
import type { SandboxRef } from '../../../src/logs/sandbox/discovery';
import { loadState, runFromState } from './fake-metadata';
import { parseFragment as doc } from './harness';

const WORK = '/var/lib/mesos/agent';

function refOf(run: ExecutorRun, nested: string[] = []): SandboxRef {
  return {
    path: [run.directory, ...nested.map((n) => `containers/${n}`)].join('/'), runPath: run.directory,
    agentId: run.agentId, frameworkId: run.frameworkId, executorId: run.executorId, containerId: run.containerId, nested,
  };
}

void t.test('document identity of a recorded Marathon command-executor run', async (t) => {
  const run = runFromState(loadState('dcos-metrics.agent-state.json'), { workDir: WORK, agentId: '34b46033-69c0-4663-887c-f64b526e47a6-S0' });
  const id = sandboxIdentity(run, refOf(run), 'stderr');
  t.equal(id.app, '/foo');
  t.same(id.labels, { somekey: 'someval' });
  t.same(doc(id.docFragment), {
    service: { name: '/foo' },
    container: { id: 'e4c2f9f6-47aa-481d-a183-a21e8435bc06' },
    orchestrator: { type: 'mesos' },
    mesos: {
      agent: { id: '34b46033-69c0-4663-887c-f64b526e47a6-S0' },
      framework: { id: '5349f49b-68b3-4638-aab2-fc4ec845f993-0000', name: 'marathon' },
      executor: { id: 'foo.124b1048-a17a-11e6-9182-080027fb5b88', name: "Command Executor (Task: foo.124b1048-a17a-11e6-9182-080027fb5b88) (Command: sh -c 'sleep 900')" },
      task: { id: 'foo.124b1048-a17a-11e6-9182-080027fb5b88', name: 'foo' },
      stream: 'stderr',
      identity_source: 'marathon_task_id',
    },
    labels: { somekey: 'someval' },
  });
  t.equal(id.docFragment.startsWith('"service":'), true, 'members only, no braces');
  const nested = sandboxIdentity(run, refOf(run, ['child-1', 'grandchild']), undefined);
  t.same(doc(nested.docFragment)['container'], { id: 'e4c2f9f6-47aa-481d-a183-a21e8435bc06.child-1.grandchild' });
  t.equal(doc(nested.docFragment)['mesos'].stream, undefined, 'extra files: no stream');
});

void t.test('several tasks: named only when one is the command executor\'s', async (t) => {
  const base = runFromState(loadState('datadog.agent-state.marathon-task.json'), { workDir: WORK });
  const task = base.tasks[0];
  if (!task) throw new Error('fixture has a task');
  const other = { ...task, id: 'other-task', name: 'other' };
  const two: ExecutorRun = { ...base, tasks: [other, task] };
  t.equal(doc(sandboxIdentity(two, refOf(two), 'stdout').docFragment)['mesos'].task?.id, base.executorId, 'the task whose id is the executor id');
  const custom: ExecutorRun = { ...base, executorId: 'custom-executor', tasks: [other, { ...other, id: 'third' }] };
  t.equal(doc(sandboxIdentity(custom, refOf(custom), 'stdout').docFragment)['mesos'].task, undefined, 'no single task: absent');
  t.equal(doc(sandboxIdentity(two, refOf(two, ['c1']), 'stdout').docFragment)['mesos'].task, undefined, 'nested container of a multi-task pod, no container ids: absent');
  const pod: ExecutorRun = { ...base, tasks: [{ ...other, containerId: 'c1' }, { ...task, containerId: 'c2' }] };
  t.same(doc(sandboxIdentity(pod, refOf(pod, ['c2']), 'stdout').docFragment)['mesos'].task, { id: task.id, name: task.name }, 'the task whose container is the child');
  t.same(doc(sandboxIdentity(pod, refOf(pod, ['c1']), 'stdout').docFragment)['mesos'].task, { id: 'other-task', name: 'other' });
});

void t.test('path identity: names omitted, source said', async (t) => {
  const ref: SandboxRef = { path: '/w/slaves/S0/frameworks/F1/executors/E1/runs/C1', runPath: '/w/slaves/S0/frameworks/F1/executors/E1/runs/C1', agentId: 'S0', frameworkId: 'F1', executorId: 'E1', containerId: 'C1', nested: [] };
  const id = sandboxIdentity(pathRun(ref), ref, 'stdout');
  t.same(doc(id.docFragment), {
    service: { name: 'F1/E1' }, container: { id: 'C1' }, orchestrator: { type: 'mesos' },
    mesos: { agent: { id: 'S0' }, framework: { id: 'F1' }, executor: { id: 'E1' }, stream: 'stdout', identity_source: 'sandbox_path' },
  });
  t.equal(containerIdOf({ ...ref, nested: ['a', 'b'] }), 'C1.a.b');
});

void t.test('labels are sanitised and bounded for Elasticsearch', async (t) => {
  t.equal(sanitizeLabelKey('HAPROXY_0_VHOST'), 'HAPROXY_0_VHOST');
  t.equal(sanitizeLabelKey('com.example.team'), 'com_example_team');
  t.equal(sanitizeLabelKey('a b/c'), 'a_b_c');
  t.equal(sanitizeLabelKey('...'), undefined);
  t.equal(sanitizeLabelKey('k'.repeat(100))?.length, 64);
  const many: Record<string, string> = {};
  for (let i = 0; i < 50; i++) many[`l${i}`] = 'v';
  t.equal(Object.keys(documentLabels(many)).length, LABEL_MAX_COUNT);
  const out = documentLabels({ 'a.b': 'first', a_b: 'second', long: 'x'.repeat(5000), __proto__x: 'p' });
  t.equal(out['a_b'], 'first', 'a collision after sanitising keeps the first');
  t.equal(out['long']?.length, 1024);
  const proto = documentLabels(JSON.parse('{"__proto__":"v"}') as Record<string, string>);
  t.equal(JSON.stringify(proto), '{"__proto__":"v"}', 'a __proto__ label is a plain member');
});
