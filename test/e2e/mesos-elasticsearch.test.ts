/**
 * Issue "Mesos sandboxes to Elasticsearch", end to end: the replayed Mesos agent (recorded /state) with
 * sandboxes on disk, apps writing into them, the built Herald as a real process, the real Elasticsearch.
 * Every event is numbered; the tests read the indices back and check each number, its identity and fields.
 */
import t, { type Test } from 'tap';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { heraldMetric, startHerald, stopHerald, writeConfig, type HeraldProcess } from '../helpers/herald-process';
import { startMesosReplay, type MesosReplay } from '../helpers/mesos-replay/replay-server';
import { requireService } from '../helpers/services';
import { esAllDocs, esCleanup, esCount, esCreateIndex, esOutputYaml, esRun, tally, type Doc, type EsRun } from './e2e-es';
import { HAPROXY_LINE_TIME, SandboxApp, haproxyLine, keepWriting, sandboxConfig, seqOf } from './e2e-sandbox-apps';
import { runToken, sleep, stopService, waitFor } from './e2e-services';

const BATCH = 500;
const IN_FLIGHT = 4;

interface Setup {
  dir: string;
  agent: MesosReplay;
  run: EsRun;
  config: string;
  herald?: HeraldProcess;
}

/** A replayed agent with its work_dir under the test dir, a run of indices, cleanup registered. */
async function setup(tt: Test, opts: { agentDown?: boolean; haproxyLog?: boolean } = {}): Promise<Setup> {
  await requireService(tt, 'elasticsearch');
  const dir = tt.testdir();
  const workDir = join(dir, 'mesos');
  const agent = await startMesosReplay({ workDir });
  const run = esRun(runToken());
  const s: Setup = { dir, agent, run, config: '' };
  tt.teardown(async () => {
    if (s.herald) await stopHerald(s.herald, 'SIGKILL');
    await agent.close();
    const removed = await esCleanup(run);
    tt.comment(`removed ${removed.length} indices of run ${run.token}`);
  });
  s.config = writeConfig(
    dir,
    sandboxConfig({
      dir,
      agentUrl: agent.url,
      esOutput: esOutputYaml(run),
      ...(opts.agentDown ? { workDir } : {}),
      ...(opts.haproxyLog ? { files: `[ { path: "${join(dir, 'haproxy.log')}", format: haproxy, start_at: beginning } ]` } : {}),
    }),
  );
  return s;
}

/** Documents of an app (by its container id, which is in every identity, Mesos-known or path-only). */
const ofApp = (docs: Doc[], app: SandboxApp) => docs.filter((d) => d.container?.id === app.executor.containerId);

const flagsOf = (d: Doc): string[] => (Array.isArray(d.log?.flags) ? (d.log.flags as string[]) : []);

/** Every written seq present exactly `once` (or at least once), by stream; returns the number of duplicates. */
function checkSeqs(tt: Test, app: SandboxApp, docs: Doc[], what: string, exact = true): number {
  const seen = tally(ofApp(docs, app), (d) => seqOf(d.message));
  const missing: number[] = [];
  let dup = 0;
  for (const s of app.written.keys()) {
    const c = seen.get(s) ?? 0;
    if (c === 0) missing.push(s);
    dup += Math.max(0, c - 1);
  }
  const unexpected = [...seen.keys()].filter((s) => !app.written.has(s));
  tt.same(missing.slice(0, 10), [], `${app.appId} ${what}: no event lost (${missing.length} of ${app.written.size} missing)`);
  tt.same(unexpected.slice(0, 10), [], `${app.appId} ${what}: nothing that was not written`);
  if (exact) tt.equal(dup, 0, `${app.appId} ${what}: no duplicate`);
  return dup;
}

/** All distinct written events of these apps are in the index (polls; bounded). */
async function waitAllArrived(run: EsRun, apps: SandboxApp[], timeoutMs: number): Promise<Doc[]> {
  let docs: Doc[] = [];
  const want = apps.reduce((n, a) => n + a.written.size, 0);
  await waitFor(
    async () => {
      if ((await esCount(run.dataPattern)) < want) return false;
      docs = await esAllDocs(run.dataPattern);
      return apps.every((a) => {
        const seen = new Set(ofApp(docs, a).map((d) => seqOf(d.message)));
        for (const s of a.written.keys()) if (!seen.has(s)) return false;
        return true;
      });
    },
    timeoutMs,
    `all ${want} events in ${run.dataPattern}`,
    1000,
  ).catch(() => undefined);
  return docs.length > 0 ? docs : esAllDocs(run.dataPattern);
}

void t.test('sandboxes of several apps: every event, its identity and fields; the refused one in the dead letter; tasks come and go', async (t) => {
  const t0 = Date.now();
  const s = await setup(t, { haproxyLog: true });
  const labels = { team: 'shop', 'HAPROXY_0.VHOST': 'api.example.com' };
  const json = new SandboxApp('json', s.agent, '/e2e/json-api', labels);
  const plain = new SandboxApp('plain', s.agent, '/e2e/plain-sh', { team: 'ops' });
  const java = new SandboxApp('java', s.agent, '/e2e/java-svc');
  const binary = new SandboxApp('binary', s.agent, '/e2e/bin-dump');
  json.write(300);
  // An HAProxy log beside the sandboxes, shipped into an index an operator created by hand with
  // haproxy.bytes_read narrowed to integer: its third line (a 3 GB response) does not fit and is refused.
  // Its client address is shaped like an IPv4 address but is not one: it must stay out of source.ip (the
  // ip type would refuse that document too).
  const poison = 3;
  await esCreateIndex(s.run, HAPROXY_LINE_TIME, { properties: { haproxy: { properties: { bytes_read: { type: 'integer' } } } } });
  writeFileSync(join(s.dir, 'haproxy.log'), [1, 2, 3, 4, 5].map((q) => `${q === poison ? haproxyLine('10.0.0.3', q, 3_000_000_000) : haproxyLine(q === 4 ? '999.999.999.999' : `10.0.0.${q}`, q)}\n`).join(''));
  plain.write(200);
  java.write(150);
  binary.write(50);
  s.herald = await startHerald(s.config);
  const writers = keepWriting([json, plain, java, binary], 10, 100, 30);

  // A task appears while Herald runs: found by discovery, read from its first byte. Its lines are written
  // once Herald has its Mesos identity (the agent lists a task before it writes; until Herald's next /state
  // read the sandbox carries its path identity, by design).
  const late = new SandboxApp('plain', s.agent, '/e2e/late-task', { team: 'late' });
  const gone = new SandboxApp('json', s.agent, '/e2e/gc-task');
  await waitFor(async () => (await heraldMetric(s.herald!, 'herald_sandboxes', { state: 'tailed' })) === 6 && (await heraldMetric(s.herald!, 'herald_sandbox_path_identity')) === 0, 20_000, 'six sandboxes tailed with their Mesos identity');
  late.write(400);
  gone.write(200);
  // The late task finishes at once: what it wrote is drained, then (files idle 2 s) the sandbox is released.
  s.agent.completeExecutor(late.executor.executorId);
  await sleep(3100);
  writers.stop();
  const apps = [json, plain, java, binary, late, gone];
  await waitAllArrived(s.run, apps, 60_000);
  // The other finished task is garbage-collected by the agent: gone from /state and from disk.
  s.agent.completeExecutor(gone.executor.executorId);
  s.agent.removeExecutor(gone.executor.executorId);
  rmSync(gone.dir, { recursive: true, force: true });
  await waitFor(async () => ((await heraldMetric(s.herald!, 'herald_sandbox_releases_total', { reason: 'completed' })) ?? 0) >= 1 && ((await heraldMetric(s.herald!, 'herald_sandbox_releases_total', { reason: 'gone' })) ?? 0) >= 1, 20_000, 'releases').catch(() => undefined);
  t.equal(await heraldMetric(s.herald, 'herald_sandbox_releases_total', { reason: 'completed' }), 1, 'the completed task released once its files were idle');
  t.equal(await heraldMetric(s.herald, 'herald_sandbox_releases_total', { reason: 'gone' }), 1, 'the garbage-collected sandbox released');
  t.equal(await heraldMetric(s.herald, 'herald_sandboxes', { state: 'tailed' }), 4, 'four sandboxes still tailed');
  const docs = (await esAllDocs(s.run.dataPattern)).filter((d) => d.event?.dataset !== 'haproxy.log');

  const total = apps.reduce((n, a) => n + a.written.size, 0);
  t.equal(docs.length, total, `exactly one document per event (${total})`);
  for (const a of apps) checkSeqs(t, a, docs, 'all');
  const state = s.agent.state;
  for (const a of apps) {
    const mine = ofApp(docs, a);
    const bad = mine.filter(
      (d) =>
        d.service?.name !== a.appId ||
        d.mesos?.task?.id !== a.taskId ||
        d.mesos?.executor?.id !== a.executor.executorId ||
        d.mesos?.framework?.id !== a.executor.frameworkId ||
        d.mesos?.framework?.name !== 'marathon' ||
        d.mesos?.agent?.id !== state.agentId ||
        d.mesos?.identity_source !== 'marathon_task_id' ||
        d.mesos?.stream !== a.written.get(seqOf(d.message) ?? -1) ||
        d.orchestrator?.type !== 'mesos' ||
        d.host?.name !== 'e2e-node' ||
        d.event?.dataset !== 'mesos.sandbox' ||
        d.log?.file?.path !== join(a.dir, d.mesos?.stream ?? 'none'),
    );
    t.same(bad.slice(0, 2), [], `${a.appId}: identity, stream and origin right on all ${mine.length} documents`);
  }
  const j = ofApp(docs, json);
  t.ok(j.every((d) => d.labels?.team === 'shop' && d.labels?.HAPROXY_0_VHOST === 'api.example.com'), 'task labels, the dotted key sanitised');
  t.ok(ofApp(docs, plain).every((d) => d.labels?.team === 'ops' && d.labels?.HAPROXY_0_VHOST === undefined), 'each app its own labels');
  t.ok(ofApp(docs, java).every((d) => d.labels === undefined), 'no labels, no labels object');
  const j7 = j.find((d) => seqOf(d.message) === 7);
  t.equal(j7?.message, 'json seq=0000007', 'JSON line: msg is the message');
  t.equal(j7?.log?.level, 'info');
  t.same(j7?.json, { seq: 7, req: { path: '/api/v1/items', ms: 7 } }, 'the other keys under json');
  t.ok(j.every((d) => d.log?.flags === undefined), 'JSON lines parsed cleanly');
  const p = ofApp(docs, plain);
  t.equal(p.filter((d) => d.mesos.stream === 'stderr').length, [...plain.written.values()].filter((v) => v === 'stderr').length, 'stderr events with mesos.stream stderr');
  const traces = ofApp(docs, java).filter((d) => String(d.message).includes('ERROR'));
  t.equal(traces.length, [...java.written.keys()].filter((s) => s % 3 === 0).length, 'one document per stack trace');
  t.ok(traces.every((d) => String(d.message).split('\n').length === 7 && String(d.message).includes('\nCaused by: java.io.IOException: disk full\n') && String(d.message).endsWith('\t... 2 more')), 'stack traces whole, 7 lines each');
  const b = ofApp(docs, binary);
  t.ok(b.length > 0 && b.every((d) => flagsOf(d).includes('binary') && flagsOf(d).includes('invalid_utf8') && String(d.message).includes('\u0000\u0001\u001b[31m\ufffd')), 'binary bytes shipped flagged, NUL and escapes kept, invalid UTF-8 replaced');

  // The poison line: Elasticsearch refused it (3 GB in an integer field), the rest of its batch is in.
  await waitFor(async () => (await esAllDocs(s.run.deadLetterPattern)).length >= 1, 30_000, 'the dead-letter document');
  const dead = await esAllDocs(s.run.deadLetterPattern);
  t.equal(dead.length, 1, 'one document in the dead-letter index');
  const d0 = dead[0];
  t.match(d0?.error?.type, /document_parsing_exception|mapper_parsing_exception/, 'with the reason');
  t.match(String(d0?.dead_letter?.index), new RegExp(`^e2e-es-${s.run.token}-`), 'and the index it was meant for');
  const original = JSON.parse(String(d0?.event?.original ?? '{}')) as Doc;
  t.match(String(original.url?.original), `/seq=${poison}`, 'the original document kept');
  t.equal(original.haproxy?.bytes_read, 3_000_000_000);
  const lb = (await esAllDocs(s.run.dataPattern)).filter((d) => d.event?.dataset === 'haproxy.log');
  const garbled = lb.find((d) => String(d.url?.original) === '/seq=4');
  t.same(garbled?.source, { address: '999.999.999.999', port: 51234 }, 'a garbled address: source.address only, the document delivered');
  t.same(lb.map((d) => String(d.url?.original)).sort(), ['/seq=1', '/seq=2', '/seq=4', '/seq=5'], 'its neighbours delivered, it is not in the data index');
  t.comment(`${total} events from ${apps.length} apps in ${Math.round((Date.now() - t0) / 1000)} s`);
  t.equal(await stopHerald(s.herald), 0, 'clean stop');
});

void t.test('the agent unreachable: documents carry the sandbox path identity', async (t) => {
  const s = await setup(t, { agentDown: true });
  // A Marathon task (its executor id is a Marathon task id) and a task of another framework.
  const a = new SandboxApp('plain', s.agent, '/e2e/no-agent', { team: 'x' });
  const other = new SandboxApp('plain', s.agent, 'other', {}, 'spark-executor-17');
  await s.agent.setFailure('refuse');
  a.write(300);
  other.write(100);
  s.herald = await startHerald(s.config);
  const docs = await waitAllArrived(s.run, [a, other], 30_000);
  checkSeqs(t, a, docs, 'agent down');
  checkSeqs(t, other, docs, 'agent down');
  const identity = (d: Doc) => ({ source: d.mesos?.identity_source, service: d.service?.name, fw: d.mesos?.framework?.id, ex: d.mesos?.executor?.id, task: d.mesos?.task, labels: d.labels });
  for (const [app, service] of [
    [a, '/e2e/no-agent'], // strict Marathon shape of the executor id (command executor): the app id
    [other, `${other.executor.frameworkId}/spark-executor-17`], // else <framework id>/<executor id>
  ] as const) {
    const mine = ofApp(docs, app);
    const want = { source: 'sandbox_path', service, fw: app.executor.frameworkId, ex: app.executor.executorId, task: undefined, labels: undefined };
    t.ok(mine.length > 0, 'documents');
    t.same(mine.map(identity).filter((i) => JSON.stringify(i) !== JSON.stringify(want)).slice(0, 2), [], `${service}: path identity on all ${mine.length} documents`);
    t.ok(mine.every((d) => d.mesos?.stream === app.written.get(seqOf(d.message) ?? -1)), 'streams still known');
  }
  t.equal(await heraldMetric(s.herald, 'herald_sandbox_path_identity'), 2, 'the gap is reported');
  t.equal(await stopHerald(s.herald), 0);
});

void t.test('Elasticsearch stopped for 30 s in mid-stream, writers appending: nothing lost', async (t) => {
  const s = await setup(t);
  const apps = [new SandboxApp('json', s.agent, '/e2e/outage-json'), new SandboxApp('plain', s.agent, '/e2e/outage-plain')];
  s.herald = await startHerald(s.config);
  const writers = keepWriting(apps, 10, 100, 1200);
  await waitFor(async () => (await esCount(s.run.dataPattern)) > 500, 20_000, 'documents flowing');
  const down = Date.now();
  const restart = await stopService(t, 'elasticsearch');
  await sleep(Math.max(0, 30_000 - (Date.now() - down)));
  const writtenDuringOutage = apps.reduce((n, a) => n + a.written.size, 0);
  t.ok(s.herald.child.exitCode === null, 'Herald still running after 30 s without Elasticsearch');
  const restartMs = await restart();
  t.comment(`Elasticsearch down ${Math.round((Date.now() - down) / 1000)} s (restart took ${Math.round(restartMs / 1000)} s), ${writtenDuringOutage} events written by then`);
  await sleep(2000);
  writers.stop();
  const docs = await waitAllArrived(s.run, apps, 90_000);
  let dup = 0;
  for (const a of apps) dup += checkSeqs(t, a, docs, 'across the outage', false);
  t.comment(`${apps.reduce((n, a) => n + a.written.size, 0)} events, ${dup} duplicates (bulk requests whose answer was lost when the node stopped)`);
  t.ok(dup <= IN_FLIGHT * BATCH * apps.length, `duplicates (${dup}) bounded by the requests in flight`);
  t.equal(await stopHerald(s.herald), 0);
});

void t.test('Herald SIGKILLed and restarted in mid-stream: nothing lost, duplicates bounded', async (t) => {
  const s = await setup(t);
  const apps = [new SandboxApp('json', s.agent, '/e2e/kill-json'), new SandboxApp('java', s.agent, '/e2e/kill-java'), new SandboxApp('plain', s.agent, '/e2e/kill-plain')];
  s.herald = await startHerald(s.config);
  const writers = keepWriting(apps, 20, 50, 600);
  const KILLS = 3;
  for (let k = 0; k < KILLS; k++) {
    await sleep(2000 + k * 700);
    s.herald.child.kill('SIGKILL');
    await s.herald.exited;
    await sleep(300);
    s.herald = await startHerald(s.config);
  }
  await sleep(1500);
  writers.stop();
  const docs = await waitAllArrived(s.run, apps, 60_000);
  let dup = 0;
  for (const a of apps) dup += checkSeqs(t, a, docs, `${KILLS} SIGKILLs`, false);
  const written = apps.reduce((n, a) => n + a.written.size, 0);
  t.comment(`${written} events, ${KILLS} SIGKILLs, ${dup} duplicates`);
  // One tail source reads every sandbox: at a kill, at most its in-flight batches and the one being read
  // were shipped without their positions written. Reading the files again from the start at each restart
  // would exceed this by far.
  const bound = KILLS * BATCH * (IN_FLIGHT + 1);
  t.ok(bound < written, `the bound (${bound}) is below what was written (${written}), so it can fail`);
  t.ok(dup <= bound, `duplicates (${dup}) within what unacknowledged batches can hold (${bound})`);
  t.equal(await stopHerald(s.herald), 0);
});

// A JSON time beyond year 9999 (here 1e22 read as ns) once made the encoder throw and held back the whole
// batch forever. It is not a timestamp: the line is shipped with its read time and the value under json.ts.
void t.test('a JSON line with a time out of Date range does not hold back its neighbours', async (t) => {
  const s = await setup(t);
  const a = new SandboxApp('json', s.agent, '/e2e/far-future');
  a.write(20);
  const far = a.seq++;
  appendFileSync(join(a.dir, 'stdout'), `{"ts":1e22,"msg":"far future seq=${String(far).padStart(7, '0')}"}\n`);
  a.write(20);
  s.herald = await startHerald(s.config);
  const docs = await waitAllArrived(s.run, [a], 10_000);
  const seen = new Set(ofApp(docs, a).map((d) => seqOf(d.message)));
  const missing = [...a.written.keys()].filter((q) => !seen.has(q));
  t.same(missing.slice(0, 10), [], `its neighbours delivered (${missing.length} of ${a.written.size} missing)`);
  const farDoc = ofApp(docs, a).find((d) => seqOf(d.message) === far);
  t.ok(farDoc, 'the line itself delivered');
  t.equal((farDoc?.json as Record<string, unknown> | undefined)?.ts, 1e22, 'its time kept as json.ts');
  t.ok(Math.abs(Date.parse(String(farDoc?.['@timestamp'])) - Date.now()) < 600_000, '@timestamp is the read time');
  t.equal((await esAllDocs(s.run.deadLetterPattern)).length, 0, 'nothing dead-lettered');
  t.equal(await stopHerald(s.herald), 0);
});
