/* eslint-disable @typescript-eslint/no-unsafe-call -- recorded JSON of varying shape, read field by field */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSandboxPath, runFromSandboxPath } from '../../src/mesos/sandbox-path';

const templates = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'mesos', 'path-templates.json'), 'utf8'));
const ex = templates.examples[0];

void t.test('the executor sandbox of path-templates.json, and files under it', async (t) => {
  const p = parseSandboxPath(ex.executor_sandbox, ex.work_dir);
  t.same(p, {
    workDir: '/tmp/mesos',
    agentId: ex.agent_id,
    frameworkId: ex.framework_id,
    executorId: ex.executor_id,
    containerId: ex.container_id,
    nestedContainerIds: [],
    sandboxDir: ex.executor_sandbox,
    rest: '',
  });
  t.same(parseSandboxPath(`${ex.executor_sandbox}/stdout`, ex.work_dir)?.rest, 'stdout');
  t.same(parseSandboxPath(`${ex.executor_sandbox}/logs/app/x.log`)?.rest, 'logs/app/x.log', 'no work dir: layout found anyway');
  t.same(parseSandboxPath(`${ex.executor_sandbox}//stdout/`, ex.work_dir)?.rest, 'stdout', 'double and trailing slashes');
  t.same(parseSandboxPath(ex.executor_sandbox, '/tmp/mesos/')?.workDir, '/tmp/mesos');
});

void t.test('nested containers, at any depth', async (t) => {
  const p = parseSandboxPath(`${ex.executor_sandbox}/containers/child-1/containers/grandchild/stderr`, ex.work_dir);
  t.same(p?.nestedContainerIds, ['child-1', 'grandchild']);
  t.equal(p?.containerId, ex.container_id);
  t.equal(p?.sandboxDir, ex.executor_sandbox);
  t.equal(p?.rest, 'stderr');
  t.same(parseSandboxPath(`${ex.executor_sandbox}/containers`)?.nestedContainerIds, [], 'a bare "containers" directory is not a child');
});

void t.test('runs/latest is not a container id', async (t) => {
  const latest = ex.executor_sandbox.replace(ex.container_id, 'latest');
  const p = parseSandboxPath(`${latest}/stdout`, ex.work_dir);
  t.equal(p?.containerId, undefined);
  t.equal(p?.executorId, ex.executor_id);
  t.equal(p?.sandboxDir, latest);
  t.equal(parseSandboxPath('/tmp/mesos/slaves/latest/frameworks/f/executors/e/runs/c'), undefined, 'slaves/latest is the agent symlink');
});

void t.test('outside the layout', async (t) => {
  t.equal(parseSandboxPath(ex.executor_sandbox, '/var/lib/mesos'), undefined, 'another work dir');
  t.equal(parseSandboxPath('/tmp/mesos/containers/abc'), undefined, 'standalone container');
  t.equal(parseSandboxPath('/tmp/mesos/slaves/a/frameworks/f/executors/e'), undefined, 'executor dir, no run');
  t.equal(parseSandboxPath('/var/log/syslog'), undefined);
  t.equal(parseSandboxPath('relative/slaves/a/frameworks/f/executors/e/runs/c'), undefined);
  t.equal(parseSandboxPath('/tmp/mesos/meta/slaves/a/frameworks/f/executors/e/runs/c', '/tmp/mesos'), undefined, 'meta dir under the work dir');
  t.equal(parseSandboxPath('/tmp/mesos/meta/slaves/a/frameworks/f/executors/e/runs/c/tasks'), undefined, 'meta dir, work dir unknown');
});

void t.test('ids are taken as they are: nothing decoded', async (t) => {
  const p = parseSandboxPath('/w/slaves/S0/frameworks/fw%201/executors/app_x.y%2Fz/runs/c:1');
  t.equal(p?.frameworkId, 'fw%201');
  t.equal(p?.executorId, 'app_x.y%2Fz');
  t.equal(p?.containerId, 'c:1');
});

void t.test('identity from the path alone', async (t) => {
  const p = parseSandboxPath(`${ex.executor_sandbox}/stdout`, ex.work_dir)!;
  t.same(runFromSandboxPath(p, { name: 'marathon', marathon: true }), {
    agentId: ex.agent_id,
    frameworkId: ex.framework_id,
    frameworkName: 'marathon',
    executorId: ex.executor_id,
    executorName: '',
    containerId: ex.container_id,
    directory: ex.executor_sandbox,
    completed: false,
    tasks: [],
    app: '/hello',
    appSource: 'sandbox_path',
    labels: {},
  });
  t.equal(runFromSandboxPath(p, undefined).app, '/hello', 'framework unknown: a strict Marathon id still gives the app');
  t.equal(runFromSandboxPath(p, { name: 'chronos', marathon: false }).app, `chronos/${ex.executor_id}`);
  const aurora = parseSandboxPath('/w/slaves/S0/frameworks/fw-9/executors/thermos-1424973010419-root-devel-hello_world-0-7e8f47b3/runs/c')!;
  t.equal(runFromSandboxPath(aurora, undefined).app, 'fw-9/thermos-1424973010419-root-devel-hello_world-0-7e8f47b3');
});
