import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { makeLogEvent, type LogEvent } from '../../../src/pipeline/records';
import { StdoutPhrases, glogSourceFile } from '../../../src/logs/sandbox/executor-lines';
import { SandboxLineParser } from '../../../src/logs/sandbox/sandbox-parser';

const TASK = 'hello.dc130e23-df88-11e4-b9ec-080027fc1312'; // datadog.agent-state.marathon-task.json
const GLOG_FIXTURE = readFileSync(path.join(__dirname, '../../fixtures/sandbox/datadog.mesos-glog-lines.txt'), 'utf8').trimEnd().split('\n');
const origin = { path: '/s/stdout', dataset: 'mesos.sandbox', identity: { app: '/hello', docFragment: '', labels: {} } };
const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);

function parse(p: SandboxLineParser, line: string): LogEvent {
  const e = makeLogEvent(origin, line, 0, line.length, 0, NOW);
  const reason = p.parse(e, NOW);
  if (reason !== undefined) e.error = reason;
  return e;
}

void t.test('the command executor stdout phrases (Mesos < 1.4), from src/launcher/executor.cpp', async (t) => {
  const p = new StdoutPhrases(new Set([TASK]));
  const executor = [
    'Registered executor on vagrant-ubuntu-trusty-64', 'Re-registered executor on node-2',
    'Registered docker executor on 172.17.0.8', 'Received SUBSCRIBED event', 'Subscribed executor on node-1',
    'Received LAUNCH event', `Starting task ${TASK}`, "sh -c 'cd hello && ./hello'", 'Forked command at 4242',
    'Received task health update, healthy: true', 'Received killTask for task x', 'Received kill for task x with grace period of 3secs',
    'Shutting down', 'Sending SIGTERM to process tree at pid 4242', 'Scheduling escalation to SIGKILL in 3secs from now',
    'Rescheduling escalation to SIGKILL in 1secs from now',
    'Process 4242 did not terminate after 3secs, sending SIGKILL to process tree at 4242',
    'Command exited with status 0 (pid: 4242)', 'Command terminated with signal Killed (pid: 4242)',
    'Failed to get exit status for Command', 'Forking another process and retrying',
    'Launching health check process: /usr/libexec/mesos/mesos-health-check --executor=x',
  ];
  for (const line of executor) t.ok(p.matches(line), line);
  const app = [
    'Starting task batch-17', 'Starting task ', 'Registered', 'Forked command at 42x', 'Forked command at ',
    'Command exited with status 0', 'Command exited with status 0 (pid: x)', "sh -c 'unterminated", 'Shutting down now',
    'Process 12x did not terminate after 3s', 'Received SUBSCRIBED', 'hello 1', '', 'S', 'Process  did not terminate after ',
    ' indented line', '[ not a tree ]',
  ];
  for (const line of app) t.notOk(p.matches(line), `app line: ${JSON.stringify(line)}`);
});

void t.test('the process tree printout after a kill is followed, and only it', async (t) => {
  const p = new StdoutPhrases(new Set([TASK]));
  t.ok(p.matches('Sent SIGTERM to the following process trees:'));
  t.ok(p.matches('[ -+- 4242 sh -c ./hello '));
  t.ok(p.matches(' |--- 4243 ./worker '));
  t.ok(p.matches(' \\--- 4244 ./hello  ]'));
  t.notOk(p.matches(' indented app line'), 'the tree ended at "]"');
  t.ok(p.matches('Killed the following process trees:'));
  t.ok(p.matches('[ --- 4242 ./hello  ]'), 'a single-process tree on one line');
  t.notOk(p.matches(' after the tree'));
  t.ok(p.matches('Killing the following process trees:'));
  t.notOk(p.matches('app line instead of a tree'), 'no "[ " after the trigger: back to normal');
  t.notOk(p.matches(' indented'));
});

void t.test('glog lines of the executors, fetcher and launcher on stderr; other glog lines stay the app\'s', async (t) => {
  t.equal(glogSourceFile("I0301 09:51:40.100000 11 fetcher.cpp:444] Fetching URI '/usr/bin/app'"), 'fetcher.cpp');
  t.equal(glogSourceFile('W0301 09:51:40.1 123 exec.cpp:1] x'), 'exec.cpp');
  t.same(GLOG_FIXTURE.map(glogSourceFile), ['group.cpp', 'detector.cpp', 'http.cpp'], 'the recorded master lines');
  for (const bad of ['', 'I0301', 'X0301 09:51:40.1 1 a.cpp:1] x', 'I0301 09:51:40.1 x a.cpp:1] x', 'I0301 09:51:40.1 1 a.cpp] x', 'I0301 09:51:40.1 1 a.cpp:12 x', 'I0301 09:51:40.1 1 :12] x']) {
    t.equal(glogSourceFile(bad), undefined, JSON.stringify(bad));
  }
  const p = new SandboxLineParser({ format: 'auto', executorRule: 'stderr', taskIds: new Set() });
  const fetch = parse(p, "I0301 09:51:40.100000 11 fetcher.cpp:444] Fetching URI '/usr/bin/app'");
  t.equal(fetch.dataset, 'mesos.executor');
  t.equal(fetch.message, "Fetching URI '/usr/bin/app'");
  t.equal(fetch.level, 'info');
  t.equal(new Date(fetch.timestampMs).getMonth(), 2, 'glog time (no year) parsed');
  t.match(fetch.fields, { log: { logger: 'mesos-fetcher', origin: { file: { name: 'fetcher.cpp', line: 444 } } } });
  t.equal(parse(p, 'E0301 09:51:40.1 7 launch.cpp:9] Failed').fields?.['log'] !== undefined, true);
  for (const line of GLOG_FIXTURE) {
    const e = parse(p, line);
    t.equal(e.dataset, 'mesos.sandbox');
    t.equal(e.message, line, 'not parsed: an app line');
    t.equal(e.error, undefined);
  }
  const stdout = new SandboxLineParser({ format: 'auto', executorRule: 'stdout', taskIds: new Set([TASK]) });
  t.equal(parse(stdout, "I0301 09:51:40.100000 11 fetcher.cpp:444] x").dataset, 'mesos.sandbox', 'glog rule on stderr only');
  const none = new SandboxLineParser({ format: 'auto', executorRule: 'none', taskIds: new Set([TASK]) });
  t.equal(parse(none, 'Forked command at 1').dataset, 'mesos.sandbox', 'no rule for extra files and nested stdout');
});

void t.test('formats: auto, json, glog, plain', async (t) => {
  const auto = new SandboxLineParser({ format: 'auto', executorRule: 'none', taskIds: new Set() });
  const j = parse(auto, '{"level":"warn","msg":"hi","k":1}');
  t.same([j.message, j.level, j.fields?.['json'], j.error], ['hi', 'warn', { k: 1 }, undefined]);
  const broken = parse(auto, '{not json');
  t.same([broken.message, broken.error, broken.fields], ['{not json', undefined, undefined], 'auto: not JSON after all is plain, no failure');
  t.same([parse(auto, 'plain text').message, parse(auto, 'plain text').fields], ['plain text', undefined]);
  const json = new SandboxLineParser({ format: 'json', executorRule: 'none', taskIds: new Set() });
  t.match(parse(json, 'plain').error, /json/, 'json: a failure is reported');
  const glog = new SandboxLineParser({ format: 'glog', executorRule: 'none', taskIds: new Set() });
  t.equal(parse(glog, GLOG_FIXTURE[1] as string).message, "Detected a new leader: (id='0')");
  const plain = new SandboxLineParser({ format: 'plain', executorRule: 'none', taskIds: new Set() });
  t.equal(parse(plain, '{"a":1}').fields, undefined);
});

void t.test('hot path: hostile lines cost linear time', async (t) => {
  const stdout = new SandboxLineParser({ format: 'auto', executorRule: 'stdout', taskIds: new Set([TASK]) });
  const stderr = new SandboxLineParser({ format: 'auto', executorRule: 'stderr', taskIds: new Set() });
  const long = [
    'I0301 09:51:40.1 ' + ' '.repeat(60_000) + '1 a.cpp:1] x',
    'I0301 09:51:40.1 1 ' + 'a'.repeat(60_000) + ':1] x',
    'Process ' + '1'.repeat(60_000) + ' did',
    'Command exited with status ' + '('.repeat(60_000),
    "sh -c '" + "'".repeat(60_000),
    'S'.repeat(60_000),
  ];
  const start = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) for (const l of long) { parse(stdout, l); parse(stderr, l); }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.ok(ms < 3000, `2400 lines of 60 KB in ${ms.toFixed(0)} ms (a backtracking storm would take minutes)`);
});
