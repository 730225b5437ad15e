import { readFileSync, rmSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { LogFlag, type LogEvent } from '../../../src/pipeline/records';
import { systemClock } from '../../../src/pipeline/context';
import { pipelineSchema } from '../../../src/pipeline/config';
import { logsSchema } from '../../../src/logs/config';
import { sandboxesConfigSchema } from '../../../src/logs/sandbox/config';
import { mesosSandboxesSource } from '../../../src/logs/sandbox';
import { SandboxSource } from '../../../src/logs/sandbox/sandbox-source';
import { testContext } from '../../helpers/context';
import { FakeMetadata, loadState, runFromState } from './fake-metadata';
import { Consumer, append, config, counts, identityDoc, lines, makeSandbox, makeSandboxSource, metricValue } from './harness';

const DATADOG = loadState('datadog.agent-state.marathon-task.json');
const DCOS = loadState('dcos-metrics.agent-state.json');
const GLOG_FIXTURE = readFileSync(path.join(__dirname, '../../fixtures/sandbox/datadog.mesos-glog-lines.txt'), 'utf8');

const inDir = (dir: string) => (e: LogEvent) => e.origin.path.startsWith(`${dir}/`) && !e.origin.path.slice(dir.length + 1).includes('/');
const stream = (dir: string, s: string) => (e: LogEvent) => e.origin.path === path.join(dir, s);

void t.test('several apps: every line once, with identity, stream, dataset and flags', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  // Runs from the recorded payloads; only ids (and so the app) and directories differ.
  const web = runFromState(DATADOG, { workDir: work, taskId: 'shop_web.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-web' });
  const java = runFromState(DCOS, { workDir: work, taskId: 'shop_java.124b1048-a17a-11e6-9182-080027fb5b88', containerId: 'c-java' });
  const bin = runFromState(DATADOG, { workDir: work, taskId: 'tools_bin.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-bin' });
  const pod = runFromState(DCOS, { workDir: work, containerId: 'e4c2f9f6-47aa-481d-a183-a21e8435bc06' });
  const old = runFromState(DATADOG, { workDir: work }); // hello.dc130e23-…: the command executor, Mesos < 1.4
  const neu = runFromState(DCOS, { workDir: work, taskId: 'shop_new.124b1048-a17a-11e6-9182-080027fb5b88', containerId: 'c-new' });
  const meta = new FakeMetadata(work, [web, java, bin, pod, old, neu]);

  const json = Array.from({ length: 20 }, (_, i) => JSON.stringify({ level: 'info', msg: `web ${i}`, n: i })).join('\n') + '\n';
  makeSandbox(web, { stdout: json, stderr: lines(5, 'web err') });
  const trace = (i: number) => `Exception in thread "main" java.lang.IllegalStateException: boom ${i}\n\tat com.shop.Main.run(Main.java:${i})\n\tat com.shop.Main.main(Main.java:3)\n`;
  makeSandbox(java, { stdout: lines(3, 'java out'), stderr: trace(1) + 'java plain\n' + trace(2) });
  makeSandbox(bin, { stdout: Buffer.concat([Buffer.from('bin start\n'), Buffer.from([0x00, 0x01, 0x42, 0x0a]), Buffer.from([0xff, 0xfe, 0x41, 0x0a]), Buffer.from('bin end\n')]) });
  const child = 'e4faacb2-f69f-4ea1-9d96-eb06fea75eef'; // the container_status id of the fixture
  makeSandbox(pod, { stdout: lines(2, 'pod executor'), stderr: '', [`containers/${child}/stdout`]: lines(4, 'pod child'), [`containers/${child}/stderr`]: '' });
  const oldStdout = [
    'Registered executor on vagrant-ubuntu-trusty-64',
    `Starting task ${old.executorId}`,
    "sh -c 'cd hello && ./hello'",
    'Forked command at 4242',
    'hello 0', 'Starting task batch-17', 'hello 1',
    'Shutting down',
    'Sending SIGTERM to process tree at pid 4242',
    'Sent SIGTERM to the following process trees:',
    // stout's stringify(list<ProcessTree>): "[ " + trees + " ]", child lines indented by " |" / " \\"
    '[ -+- 4242 sh -c cd hello && ./hello ',
    ' \\--- 4243 ./hello  ]',
    'hello 2',
    'Command terminated with signal Terminated (pid: 4242)',
  ];
  makeSandbox(old, { stdout: oldStdout.join('\n') + '\n', stderr: '' });
  const fetcherLine = "I0301 09:51:40.100000 11 fetcher.cpp:444] Fetching URI '/usr/bin/app'";
  const execLine = 'I0301 09:51:41.000000    12 executor.cpp:188] Starting task shop_new';
  makeSandbox(neu, { stdout: lines(2, 'new out'), stderr: ['WARNING: Logging before InitGoogleLogging() is written to STDERR', fetcherLine, execLine, 'new app line', GLOG_FIXTURE.trimEnd()].join('\n') + '\n' });

  const cfg = config({ multiline: { start_pattern: '^\\S', timeout_ms: 200 } });
  const { source, context } = makeSandboxSource(path.join(root, 'state'), meta, cfg);
  const c = new Consumer(source, t);
  // web 25, java 3 + 3 events, bin 4, pod 2 + 4, old 13 (the tree's indented line joins its first: multiline),
  // new 2 + 7.
  const expected = 25 + 6 + 4 + 6 + (oldStdout.length - 1) + 9;
  await c.waitFor(() => c.events.length >= expected, 'all lines');
  await c.settle(500);

  // web: JSON lines parsed, stderr plain
  const webOut = c.events.filter(stream(web.directory, 'stdout'));
  t.same(webOut.map((e) => e.message), Array.from({ length: 20 }, (_, i) => `web ${i}`));
  t.ok(webOut.every((e) => e.level === 'info' && (e.fields?.['json'] as { n?: number } | undefined)?.n !== undefined && e.flags === 0));
  t.same(c.messages(stream(web.directory, 'stderr')), Array.from({ length: 5 }, (_, i) => `web err ${i}`));
  const doc = identityDoc(webOut[0] as LogEvent);
  t.same(doc['service'], { name: '/shop/web' });
  t.same(doc['container'], { id: 'c-web' });
  t.same(doc['orchestrator'], { type: 'mesos' });
  t.same(doc['mesos'], {
    agent: { id: '20150410-134224-16777343-5050-1778-S0' },
    framework: { id: '20150403-140128-251789322-5050-6047-0000', name: 'marathon' },
    executor: { id: web.executorId, name: web.executorName },
    task: { id: web.executorId, name: 'hello' },
    stream: 'stdout',
    identity_source: 'marathon_task_id',
  });
  t.equal(identityDoc(c.events.find(stream(web.directory, 'stderr')) as LogEvent)['mesos'].stream, 'stderr');
  t.ok(c.events.filter(inDir(web.directory)).every((e) => e.dataset === 'mesos.sandbox' && e.origin.identity.app === '/shop/web'));

  // java: stack traces joined, labels from the task
  const javaErr = c.events.filter(stream(java.directory, 'stderr'));
  t.same(javaErr.map((e) => e.message), [trace(1).trimEnd(), 'java plain', trace(2).trimEnd()]);
  t.same(javaErr.map((e) => (e.flags & LogFlag.multiline) !== 0), [true, false, true]);
  t.same(identityDoc(javaErr[0] as LogEvent)['labels'], { somekey: 'someval' });
  t.same(c.messages(stream(java.directory, 'stdout')), ['java out 0', 'java out 1', 'java out 2']);

  // binary bytes: flagged, nothing lost
  const binOut = c.events.filter(stream(bin.directory, 'stdout'));
  t.equal(binOut.length, 4);
  t.ok((binOut[1] as LogEvent).flags & LogFlag.binary, 'NUL and control bytes flagged binary');
  t.ok((binOut[2] as LogEvent).flags & LogFlag.invalid_utf8, 'bytes that are not UTF-8 flagged');
  t.same([binOut[0]?.message, binOut[3]?.message], ['bin start', 'bin end']);

  // pod: the executor's own sandbox and the nested container, each with its container id
  t.same(c.messages(stream(pod.directory, 'stdout')), ['pod executor 0', 'pod executor 1']);
  const childDir = path.join(pod.directory, 'containers', child);
  const childOut = c.events.filter(stream(childDir, 'stdout'));
  t.same(childOut.map((e) => e.message), ['pod child 0', 'pod child 1', 'pod child 2', 'pod child 3']);
  t.same(identityDoc(childOut[0] as LogEvent)['container'], { id: `e4c2f9f6-47aa-481d-a183-a21e8435bc06.${child}` });
  t.equal(identityDoc(childOut[0] as LogEvent)['mesos'].task?.id, 'foo.124b1048-a17a-11e6-9182-080027fb5b88');

  // old Mesos: the command executor's stdout lines are tagged, the app's are not
  const oldOut = c.events.filter(stream(old.directory, 'stdout'));
  const app = oldOut.filter((e) => e.dataset === 'mesos.sandbox').map((e) => e.message);
  t.same(app, ['hello 0', 'Starting task batch-17', 'hello 1', 'hello 2']);
  const exec = oldOut.filter((e) => e.dataset === 'mesos.executor');
  t.equal(exec.length, oldStdout.length - 4 - 1, 'every executor line, the tree printout included');
  t.ok(exec.every((e) => (e.fields?.['log'] as { logger?: string }).logger === 'mesos-executor'));

  // new Mesos: glog lines of the executor and fetcher on stderr are tagged and parsed; the master's are not ours
  const neuErr = c.events.filter(stream(neu.directory, 'stderr'));
  t.equal(neuErr.length, 7);
  const fetch = neuErr.find((e) => e.message === "Fetching URI '/usr/bin/app'");
  t.ok(fetch, 'glog parsed: the message is the text after "] "');
  t.equal(fetch?.dataset, 'mesos.executor');
  t.equal(fetch?.level, 'info');
  t.match(fetch?.fields, { log: { logger: 'mesos-fetcher', origin: { file: { name: 'fetcher.cpp', line: 444 } } }, process: { thread: { id: 11 } } });
  t.equal(neuErr.find((e) => e.message === 'Starting task shop_new')?.dataset, 'mesos.executor');
  t.equal(neuErr.find((e) => e.message.startsWith('WARNING: Logging before'))?.dataset, 'mesos.executor');
  const foreign = neuErr.filter((e) => e.dataset === 'mesos.sandbox').map((e) => e.message);
  t.same(foreign, ['new app line', ...GLOG_FIXTURE.trimEnd().split('\n')], 'glog lines from other source files stay app lines, unparsed');

  // exactly once, overall
  const all = counts(c.events.map((e) => `${e.origin.path}\0${e.offset}`));
  t.equal([...all.values()].filter((n) => n > 1).length, 0, 'no line twice');
  t.equal(c.events.length, expected, 'exact count');
  t.equal(await metricValue(context.metrics, 'herald_sandboxes', { state: 'tailed' }), 7);
  await c.stop();
});

void t.test('a sandbox appearing while running is read from 0; a deleted one is drained, released and forgotten', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const state = path.join(root, 'state');
  const a = runFromState(DATADOG, { workDir: work, taskId: 'shop_a.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-a' });
  const b = runFromState(DCOS, { workDir: work, taskId: 'shop_b.124b1048-a17a-11e6-9182-080027fb5b88', containerId: 'c-b' });
  const meta = new FakeMetadata(work, [a, b]);
  makeSandbox(a, { stdout: lines(3, 'a'), stderr: '' });
  // start_at: end for sandboxes present at start; the new one must still be read from its first byte
  const { source, context } = makeSandboxSource(state, meta, config({ start_at: 'end' }));
  const c = new Consumer(source, t);
  const open = (n: number) => async () => (await metricValue(context.metrics, 'herald_tail_files_open')) === n;
  await c.waitFor(open(2), 'the engine\'s first scan');
  append(path.join(a.directory, 'stdout'), lines(2, 'a', 3));
  await c.waitFor(() => c.events.length >= 2, 'appended lines of a');

  makeSandbox(b, { stdout: lines(4, 'b'), stderr: lines(1, 'b err') });
  await c.waitFor(() => c.events.length >= 7, 'the new sandbox');
  t.same(c.messages(stream(b.directory, 'stdout')), ['b 0', 'b 1', 'b 2', 'b 3'], 'a new sandbox is read from 0');
  t.equal(identityDoc(c.events.find(stream(b.directory, 'stdout')) as LogEvent)['service'].name, '/shop/b');

  append(path.join(a.directory, 'stdout'), lines(3, 'a', 5) + 'a last, no newline');
  rmSync(path.dirname(path.dirname(a.directory)), { recursive: true, force: true }); // GC: the executor dir goes
  await c.waitFor(() => c.events.filter(stream(a.directory, 'stdout')).length >= 6, 'a drained');
  await c.waitFor(() => !source.snapshot().some((s) => s.path === a.directory), 'a released');
  await c.settle(400);
  t.same(c.messages(stream(a.directory, 'stdout')), ['a 3', 'a 4', 'a 5', 'a 6', 'a 7', 'a last, no newline'], 'drained to its end');
  t.equal(c.events.length, 2 + 5 + 4, 'exact count');
  t.equal(await metricValue(context.metrics, 'herald_sandbox_releases_total', { reason: 'gone' }), 1);
  await c.stop();
  const offsets = JSON.parse(readFileSync(path.join(state, 'offsets', 'sandboxes.json'), 'utf8')) as { files: { path: string }[] };
  t.same(offsets.files.map((f) => path.basename(f.path)).sort(), ['stderr', 'stdout'], 'only b is left in the offsets');
  t.ok(offsets.files.every((f) => f.path.startsWith(b.directory)));
});

void t.test('an unknown sandbox is tailed at once with the path identity, refreshSoon is called, and its identity upgraded', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const late = runFromState(DATADOG, { workDir: work, taskId: 'shop_late.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-late' });
  const meta = new FakeMetadata(work, []);
  makeSandbox(late, { stdout: lines(3, 'late'), stderr: '' });
  const { source, context } = makeSandboxSource(path.join(root, 'state'), meta, config());
  const c = new Consumer(source, t);
  await c.waitFor(() => c.events.length >= 3, 'lines with the path identity');
  t.ok(meta.refreshSoonCalls >= 1, 'refreshSoon was called');
  const before = identityDoc(c.events[0] as LogEvent);
  t.equal(before['mesos'].identity_source, 'sandbox_path');
  t.equal(before['service'].name, `${late.frameworkId}/${late.executorId}`);
  t.notOk(before['mesos'].task, 'no task name from the path alone');
  t.equal(await metricValue(context.metrics, 'herald_sandbox_path_identity'), 1);

  meta.setRuns([late]);
  await c.waitFor(() => source.snapshot()[0]?.identitySource === 'marathon_task_id', 'identity upgrade');
  append(path.join(late.directory, 'stdout'), lines(2, 'late', 3));
  await c.waitFor(() => c.events.length >= 5, 'lines after the upgrade');
  await c.settle(300);
  t.same(c.messages(), ['late 0', 'late 1', 'late 2', 'late 3', 'late 4'], 'positions kept: nothing read twice');
  const after = identityDoc(c.events[4] as LogEvent);
  t.equal(after['mesos'].identity_source, 'marathon_task_id');
  t.equal(after['service'].name, '/shop/late');
  t.equal(after['mesos'].task?.name, 'hello');
  t.equal(c.events[4]?.origin.identity.app, '/shop/late');
  t.equal(await metricValue(context.metrics, 'herald_sandbox_path_identity'), 0);
  await c.stop();
});

void t.test('extra files (config and label), exclusions, Herald itself, and the latest symlinks', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const web = runFromState(DATADOG, { workDir: work, taskId: 'shop_web.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-web' });
  const labelled = runFromState(DCOS, { workDir: work }); // label somekey=someval (recorded)
  const self = runFromState(DATADOG, { workDir: work, taskId: 'ops_other.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-self' });
  const herald = runFromState(DATADOG, { workDir: work, taskId: 'herald.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-herald' });
  const noisy = runFromState(DATADOG, { workDir: work, taskId: 'noisy_a_b.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-noisy' });
  const meta = new FakeMetadata(work, [web, labelled, self, herald, noisy]);
  makeSandbox(web, { stdout: lines(1, 'web'), stderr: '', 'logs/app.log': lines(2, 'web app'), 'logs/debug.txt': lines(1, 'not matched'), 'stdout.logrotate.state': 'state\n' });
  makeSandbox(labelled, { stdout: '', stderr: '', someval: JSON.stringify({ msg: 'from the label' }) + '\n' });
  for (const r of [self, herald, noisy]) makeSandbox(r, { stdout: lines(2, 'must not be read'), stderr: '' });
  const cfg = config({
    extra_files: [{ app: '/shop/*', paths: ['logs/*.log'] }, { app: '/other/**', paths: ['**'] }],
    extra_files_label: 'somekey',
    exclude_apps: ['/noisy/**'],
  });
  const { source, context } = makeSandboxSource(path.join(root, 'state'), meta, cfg, {
    env: { MESOS_DIRECTORY: self.directory, MARATHON_APP_ID: '/herald' },
  });
  const c = new Consumer(source, t);
  await c.waitFor(() => c.events.length >= 4, 'extra files');
  await c.settle(500);
  t.same(c.messages().sort(), ['from the label', 'web 0', 'web app 0', 'web app 1'].sort(), 'exactly these lines');
  const app = c.events.find((e) => e.message === 'web app 0') as LogEvent;
  t.equal(app.origin.path, path.join(web.directory, 'logs/app.log'));
  t.notOk(identityDoc(app)['mesos'].stream, 'extra files have no mesos.stream');
  t.equal(identityDoc(app)['service'].name, '/shop/web');
  const fromLabel = c.events.find((e) => e.message === 'from the label') as LogEvent;
  t.equal(fromLabel.origin.path, path.join(labelled.directory, 'someval'));
  t.equal(fromLabel.fields?.['json'], undefined, 'auto format: parsed as JSON (msg consumed, nothing left)');
  t.ok(c.events.every((e) => !e.origin.path.includes('/latest/')), 'never through a latest symlink');
  t.same(source.snapshot().filter((s) => s.state === 'excluded').map((s) => s.app).sort(), ['/herald', '/noisy/a/b', '/ops/other']);
  t.equal(await metricValue(context.metrics, 'herald_sandboxes', { state: 'excluded' }), 3);
  await c.stop();
});

void t.test('a completed sandbox is released once idle; at start, completed idle sandboxes are skipped and start_at applies', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const state = path.join(root, 'state');
  const done = runFromState(DATADOG, { workDir: work, taskId: 'shop_done.dc130e23-df88-11e4-b9ec-080027fc1312', containerId: 'c-done', completed: true });
  const meta = new FakeMetadata(work, [done]);
  makeSandbox(done, { stdout: lines(3, 'done'), stderr: '' });
  const first = makeSandboxSource(state, meta, config({ release_after_ms: 300 }));
  const c = new Consumer(first.source, t);
  await c.waitFor(() => c.events.length >= 3, 'the completed sandbox is read');
  await c.waitFor(() => first.source.snapshot()[0]?.state === 'released', 'released when idle', 5000);
  await c.waitFor(async () => (await metricValue(first.context.metrics, 'herald_tail_files_open')) === 0, 'files drained and closed');
  append(path.join(done.directory, 'stdout'), lines(1, 'after release'));
  await c.settle(500);
  t.same(c.messages(), ['done 0', 'done 1', 'done 2'], 'nothing read after the release');
  t.equal(await metricValue(first.context.metrics, 'herald_sandbox_releases_total', { reason: 'completed' }), 1);
  await c.stop();

  // Restart: the released sandbox (idle, no stored offsets any more) is not tailed again; a running one
  // present at start begins at its end (start_at: end), a new one at 0.
  const idle = new Date(Date.now() - 60_000);
  utimesSync(path.join(done.directory, 'stdout'), idle, idle);
  utimesSync(path.join(done.directory, 'stderr'), idle, idle);
  const running = runFromState(DCOS, { workDir: work, containerId: 'c-running' });
  makeSandbox(running, { stdout: lines(5, 'old'), stderr: '' });
  meta.setRuns([done, running]);
  const second = makeSandboxSource(state, meta, config({ release_after_ms: 300, start_at: 'end' }));
  const c2 = new Consumer(second.source, t);
  await c2.waitFor(async () => (await metricValue(second.context.metrics, 'herald_tail_files_open')) === 2, 'the engine\'s first scan');
  t.same(second.source.snapshot().map((s) => s.state).sort(), ['released', 'tailed']);
  await c2.settle(400);
  append(path.join(running.directory, 'stdout'), lines(1, 'new'));
  await c2.waitFor(() => c2.events.length >= 1, 'new line');
  await c2.settle(300);
  t.same(c2.messages(), ['new 0'], 'start_at end: only what was written after the start');
  await c2.stop();
});

void t.test('lifecycle through the descriptor; work_dir from the config, the agent, or the usual places', async (t) => {
  const root = t.testdir({});
  const work = path.join(root, 'work');
  const run = runFromState(DATADOG, { workDir: work });
  makeSandbox(run, { stdout: lines(2, 'x'), stderr: '' });
  const context = testContext(path.join(root, 'state'), { clock: systemClock });
  const create = (sandboxes: Record<string, unknown>, meta: FakeMetadata) => mesosSandboxesSource.create({
    name: 'sandboxes', sandboxes: sandboxesConfigSchema.parse(sandboxes), logs: logsSchema.parse({ files: [] }),
    pipeline: pipelineSchema.parse({}), metadata: meta,
  }, context);
  t.equal(mesosSandboxesSource.type, 'mesos_sandboxes');
  const unstarted = create({}, new FakeMetadata(work, [run]));
  await unstarted.close?.();
  await unstarted.close?.(); // twice
  t.pass('close works unstarted and twice');

  // Disabled: nothing is read.
  const off = create({ enabled: false, start_at: 'beginning' }, new FakeMetadata(work, [run]));
  const c0 = new Consumer(off as SandboxSource, t);
  await c0.settle(300);
  t.equal(c0.events.length, 0, 'enabled: false tails nothing');
  await c0.stop();

  // The agent has not told the work_dir yet: nothing, then the sandboxes once it does.
  const meta = new FakeMetadata(undefined, [run]);
  const { source } = makeSandboxSource(path.join(root, 'state2'), meta, config());
  const c = new Consumer(source, t);
  await c.settle(300);
  t.equal(c.events.length, 0, 'no work_dir known: waiting');
  meta.workDir = work;
  await c.waitFor(() => c.events.length >= 2, 'sandboxes once the work_dir is known');
  await c.stop();

  // Neither the config nor the agent: the first usual place that has a slaves/ directory.
  const guess = new SandboxSource({
    name: 'sandboxes', config: config(), metadata: new FakeMetadata(undefined, [run]), context: testContext(path.join(root, 'state3'), { clock: systemClock }),
    tail: makeSandboxSource(path.join(root, 'state3'), new FakeMetadata(undefined), config()).tail, env: {},
    workDirCandidates: [path.join(root, 'nowhere'), work],
  });
  const c3 = new Consumer(guess, t);
  await c3.waitFor(() => c3.events.length >= 2, 'sandboxes under the guessed work_dir');
  await c3.stop();
});
