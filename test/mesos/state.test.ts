/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- recorded JSON of varying shape, read field by field */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseState } from '../../src/mesos/state';
import { parseLabels, parsePortRanges } from '../../src/mesos/state-task';

const FIX = join(__dirname, '..', 'fixtures', 'mesos');
const fixture = (name: string): any => JSON.parse(readFileSync(join(FIX, name), 'utf8'));
const opts = { marathonFramework: /^marathon/ };

const DD_AGENT = '20150410-134224-16777343-5050-1778-S0';
const DD_FW = '20150403-140128-251789322-5050-6047-0000';
const DD_TASK = 'hello.dc130e23-df88-11e4-b9ec-080027fc1312';
const DD_CONTAINER = 'f67a5e0b-91f9-474a-94a0-e2c6a3b28ea4';

void t.test('datadog /state (Mesos 0.22 era, Marathon command executor): every value', async (t) => {
  const s = normaliseState(fixture('datadog.agent-state.marathon-task.json'), opts);
  t.same(s.agent, { agentId: DD_AGENT, hostname: 'localhost', workDir: '/tmp/mesos', version: '1.7.1' });
  t.same(s.skipped, { framework: 0, executor: 0, task: 0 });
  t.same([...s.frameworks], [[DD_FW, { name: 'marathon', marathon: true }]]);
  t.equal(s.containerAliases.size, 0);
  t.same(s.runs, [
    {
      agentId: DD_AGENT,
      frameworkId: DD_FW,
      frameworkName: 'marathon',
      executorId: DD_TASK,
      executorName: "Command Executor (Task: hello.dc130e23-df88-11e4-b9ec-080027fc1312) (Command: sh -c 'cd hello && ...')",
      containerId: DD_CONTAINER,
      directory: `/tmp/mesos/slaves/${DD_AGENT}/frameworks/${DD_FW}/executors/${DD_TASK}/runs/${DD_CONTAINER}`,
      completed: false,
      tasks: [{ id: DD_TASK, name: 'hello', state: 'TASK_RUNNING', labels: {}, hostPorts: [31915], portNames: {}, ipAddresses: [] }],
      app: '/hello',
      appSource: 'marathon_task_id',
      labels: {},
    },
  ]);
});

void t.test('dcos-metrics /state (trimmed, DC/OS era): labels, container status, agent id from the task', async (t) => {
  const s = normaliseState(fixture('dcos-metrics.agent-state.json'), opts);
  const agentId = '34b46033-69c0-4663-887c-f64b526e47a6-S0';
  t.same(s.agent, { agentId, hostname: undefined, workDir: undefined, version: undefined });
  const run = s.runs[0]!;
  t.same(run, {
    agentId,
    frameworkId: '5349f49b-68b3-4638-aab2-fc4ec845f993-0000',
    frameworkName: 'marathon',
    executorId: 'foo.124b1048-a17a-11e6-9182-080027fb5b88',
    executorName: "Command Executor (Task: foo.124b1048-a17a-11e6-9182-080027fb5b88) (Command: sh -c 'sleep 900')",
    containerId: 'e4c2f9f6-47aa-481d-a183-a21e8435bc06',
    directory: '',
    completed: false,
    tasks: [
      {
        id: 'foo.124b1048-a17a-11e6-9182-080027fb5b88',
        name: 'foo',
        state: 'TASK_RUNNING',
        labels: { somekey: 'someval' },
        hostPorts: [],
        portNames: {},
        ipAddresses: [],
        containerId: 'e4faacb2-f69f-4ea1-9d96-eb06fea75eef',
      },
    ],
    app: '/foo',
    appSource: 'marathon_task_id',
    labels: { somekey: 'someval' },
  });
  t.equal(s.runs.length, 1);
  // /containers of the same recording reports e4faacb2 for this executor: it must lead to the run.
  t.equal(s.containerAliases.get('e4faacb2-f69f-4ea1-9d96-eb06fea75eef'), run);
  // With a work dir known (config override), the missing directory is built from the layout.
  const withWd = normaliseState(fixture('dcos-metrics.agent-state.json'), { ...opts, workDirOverride: '/var/lib/mesos/agent' });
  t.equal(withWd.runs[0]!.directory, `/var/lib/mesos/agent/slaves/${agentId}/frameworks/5349f49b-68b3-4638-aab2-fc4ec845f993-0000/executors/foo.124b1048-a17a-11e6-9182-080027fb5b88/runs/e4c2f9f6-47aa-481d-a183-a21e8435bc06`);
});

void t.test('diamond /state (Mesos 0.21.1): a framework with no executors', async (t) => {
  const s = normaliseState(fixture('diamond.agent-state.mesos-0.21.1.json'), opts);
  t.same(s.agent, { agentId: '20150128-105146-168470720-5050-6603-S1', hostname: undefined, workDir: undefined, version: '0.21.1' });
  t.same(s.runs, []);
  t.same([...s.frameworks], [['105146', { name: 'marathon-0.7.6', marathon: true }]]);
});

void t.test('port ranges: multi-range string of the dcos-metrics master state, and malformed ones', async (t) => {
  const master = fixture('dcos-metrics.master-state.json');
  t.same(parsePortRanges(master.frameworks[0].resources.ports), [1347, 6303, 8958, 24846, 26563, 27062, 27226]);
  t.same(parsePortRanges('[31000-31002, 31005-31005]'), [31000, 31001, 31002, 31005]);
  t.same(parsePortRanges('[5-3, 70000-70001, x]'), [], 'reversed, beyond 65535, garbage');
  t.same(parsePortRanges(31000), []);
  t.equal(parsePortRanges('[0-65535, 0-65535]').length, 65536, 'bounded by the port space');
  t.same(parseLabels([{ key: 'a', value: '1' }, { key: 'a', value: '2' }, { key: 'b' }, { value: 'x' }, 7]), { a: '2', b: '' });
  t.same(parseLabels({ labels: [{ key: 'k', value: 'v' }] }), { k: 'v' }, 'protobuf-JSON form');
});

/** The recorded datadog document with recorded objects recombined into every list /state can have. */
function combined(): any {
  const doc = fixture('datadog.agent-state.marathon-task.json');
  const fw = doc.frameworks[0];
  const ex = fw.executors[0];
  const dcosTask = fixture('dcos-metrics.agent-state.json').frameworks[0].executors[0].tasks[0];
  // A pod (default executor): two tasks in nested containers, IPs in their latest statuses.
  const pod = structuredClone(ex);
  pod.id = 'instance-shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6';
  pod.container = 'parent-0001';
  pod.directory = `/tmp/mesos/slaves/${DD_AGENT}/frameworks/${DD_FW}/executors/${pod.id}/runs/parent-0001`;
  pod.labels = [{ key: 'team', value: 'shop' }];
  const podTask = (name: string, child: string, ip: unknown) => {
    const task = structuredClone(dcosTask);
    task.id = `shop_web.instance-b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6.${name}`;
    task.executor_id = pod.id;
    task.labels = [{ key: 'container', value: name }];
    task.discovery = { visibility: 'FRAMEWORK', name: 'web', ports: { ports: [{ number: 8080, name: 'http', protocol: 'tcp' }, { number: 8080, name: 'http', protocol: 'udp' }, { number: 9090, name: 'metrics' }] } };
    task.resources = { ports: '[31001-31002]' };
    task.statuses = [
      { state: 'TASK_STARTING', timestamp: 10, container_status: { container_id: { value: 'stale' }, network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.1' }] }] } },
      { state: 'TASK_RUNNING', timestamp: 20, container_status: { container_id: { value: child, parent: { value: 'parent-0001' } }, network_infos: [ip] } },
    ];
    delete task.state;
    return task;
  };
  pod.tasks = [podTask('rails', 'child-a', { ip_addresses: [{ ip_address: '9.0.0.5' }, { protocol: 'IPv6' }] }), podTask('nginx', 'child-b', { ip_address: '9.0.0.6' })];
  pod.queued_tasks = [{ id: 'shop_web.instance-b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6.sidecar', name: 'sidecar' }];
  const done = structuredClone(ex);
  done.id = done.source = 'hello.00000000-0000-0000-0000-000000000001';
  done.container = 'old-run';
  done.directory = done.directory.replace(DD_TASK, done.id).replace(DD_CONTAINER, 'old-run');
  done.completed_tasks = done.tasks.map((task: any) => ({ ...task, id: done.id, state: 'TASK_FINISHED' }));
  done.tasks = [];
  fw.completed_executors = [done];
  fw.executors.push(pod, null, 'x', { name: 'no id' });
  ex.tasks.push({ id: 42 }, null);
  const chronos = structuredClone(fw);
  chronos.id = 'chronos-fw';
  chronos.name = 'chronos';
  chronos.completed_executors = [];
  chronos.executors = [structuredClone(ex)];
  chronos.executors[0].tasks = [];
  chronos.executors[0].id = 'ct:1436298853000:0:job:';
  doc.completed_frameworks = [chronos, { name: 'no id' }];
  return doc;
}

void t.test('every list: frameworks, completed_frameworks, executors, completed_executors, tasks, queued, completed', async (t) => {
  const s = normaliseState(combined(), opts);
  t.same(s.skipped, { framework: 1, executor: 3, task: 2 }, 'malformed objects skipped and counted');
  t.same(s.runs.map((r) => [r.executorId, r.completed, r.app, r.appSource]), [
    [DD_TASK, false, '/hello', 'marathon_task_id'],
    ['instance-shop_web.b6ff5fa5-7714-11e7-a55c-5ecf1c4671f6', false, '/shop/web', 'marathon_task_id'],
    ['hello.00000000-0000-0000-0000-000000000001', true, '/hello', 'marathon_task_id'],
    ['ct:1436298853000:0:job:', true, 'chronos/ct:1436298853000:0:job:', 'framework_executor'],
  ]);
  const pod = s.runs[1]!;
  t.same(pod.labels, { team: 'shop' }, 'a custom executor: its own labels');
  t.same(pod.tasks.map((x) => [x.id.split('.').pop(), x.state, x.containerId, x.ipAddresses, x.hostPorts, x.portNames, x.labels]), [
    ['rails', 'TASK_RUNNING', 'child-a', ['9.0.0.5'], [31001, 31002], { http: 8080, metrics: 9090 }, { container: 'rails' }],
    ['nginx', 'TASK_RUNNING', 'child-b', ['9.0.0.6'], [31001, 31002], { http: 8080, metrics: 9090 }, { container: 'nginx' }],
    ['sidecar', 'TASK_STAGING', undefined, [], [], {}, {}],
  ]);
  t.equal(s.containerAliases.get('child-a'), pod);
  t.equal(s.containerAliases.get('child-b'), pod);
  t.notOk(s.containerAliases.has('parent-0001'), 'the run\'s own container id is not an alias');
  t.same(s.runs[2]!.tasks.map((x) => x.state), ['TASK_FINISHED']);
});

void t.test('work_dir override rewrites the agent work dir prefix of directories', async (t) => {
  const s = normaliseState(fixture('datadog.agent-state.marathon-task.json'), { ...opts, workDirOverride: '/host/tmp/mesos/' });
  t.equal(s.agent.workDir, '/host/tmp/mesos/');
  t.equal(s.runs[0]!.directory, `/host/tmp/mesos/slaves/${DD_AGENT}/frameworks/${DD_FW}/executors/${DD_TASK}/runs/${DD_CONTAINER}`);
});

void t.test('a non-Marathon framework name keys apps by framework name and executor id', async (t) => {
  const s = normaliseState(fixture('datadog.agent-state.marathon-task.json'), { marathonFramework: /^never$/ });
  t.equal(s.runs[0]!.app, `marathon/${DD_TASK}`);
  t.equal(s.runs[0]!.appSource, 'framework_executor');
});

void t.test('never throws: any JSON value', async (t) => {
  const values: unknown[] = [null, 1, 'x', [], {}, { frameworks: 'x' }, { frameworks: [null, 1, { id: 5 }, { id: 'f', executors: { a: 1 } }] },
    { flags: { work_dir: 5 }, frameworks: [{ id: 'f', executors: [{ id: 'e', tasks: [{ id: 't', statuses: 'no', labels: 'no', resources: { ports: 5 }, discovery: { ports: 1 } }] }] }] }];
  for (const v of values) {
    const s = normaliseState(v, opts);
    t.ok(Array.isArray(s.runs));
  }
  const last = normaliseState(values[values.length - 1], opts);
  t.equal(last.agent.workDir, undefined, 'a non-string flag reads as absent');
  t.same(last.runs[0]!.tasks[0], { id: 't', name: '', state: 'TASK_RUNNING', labels: {}, hostPorts: [], portNames: {}, ipAddresses: [] });
});
