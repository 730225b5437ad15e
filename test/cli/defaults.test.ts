/**
 * The built-in configuration: which system logs it tails by default, and a bare `herald run` (no --config,
 * no HERALD_CONFIG) starting on it and writing to its default output location.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { defaultFiles } from '../../src/logs/config';
import { loadConfigText } from '../../src/config/load';
import { MAIN, assertBuilt } from '../helpers/herald-process';
import { until } from '../helpers/fakes';

assertBuilt();

const SYSLOG = '/var/log/syslog';
const MESSAGES = '/var/log/messages';
const HAPROXY = '/var/log/haproxy.log';
const summary = (exists: (path: string) => boolean) => defaultFiles(exists).map((f) => ({ path: f.path, format: f.format, start_at: f.start_at }));

void t.test('default inputs: the system logs present on the host, in order, read from their end', async (t) => {
  t.same(summary(() => false), [], 'none present: nothing tailed');
  t.same(summary((p) => p === SYSLOG), [{ path: SYSLOG, format: 'syslog', start_at: 'end' }], '/var/log/syslog when present');
  t.same(summary((p) => p === MESSAGES), [{ path: MESSAGES, format: 'syslog', start_at: 'end' }], '/var/log/messages when present');
  t.same(summary((p) => p !== SYSLOG).map((f) => f.path), [MESSAGES, HAPROXY], 'syslog left out when absent');
  t.same(
    summary(() => true),
    [
      { path: SYSLOG, format: 'syslog', start_at: 'end' },
      { path: MESSAGES, format: 'syslog', start_at: 'end' },
      { path: HAPROXY, format: 'haproxy', start_at: 'end' },
    ],
  );
  // The schema takes them when `logs.files` is absent (this host's real files), and only then.
  t.same(loadConfigText('', '(defaults)', {}).config.logs.files, defaultFiles());
  t.same(loadConfigText('logs: { files: [] }', 'f', {}).config.logs.files, []);
});

/** Whether the built-in port is free (a Herald started with `npm start` may hold it). */
async function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Whether `nobody` can run the built agent from where the repository is (not under a private home). */
function nobodyCanRun(): boolean {
  const r = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(MAIN)}, require('fs').constants.R_OK)`], { uid: 65534, gid: 65534, timeout: 10_000 });
  return r.status === 0;
}

void t.test('a bare `herald run` starts on the built-in configuration and writes to <state_dir>/output', async (t) => {
  // A bare run cannot be told another port or state directory: when that is not possible here, say why.
  if (!(await portFree(9275))) return t.plan(0, 'skipped: 127.0.0.1:9275 (the built-in port) is in use, e.g. by `npm start`');
  const asRoot = process.getuid?.() === 0;
  if (asRoot && !nobodyCanRun()) return t.plan(0, 'skipped: running as root, and the user nobody cannot read dist/main.js here');
  const dir = t.testdir();
  chmodSync(dir, 0o777);
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_STATE_HOME: dir, HOME: dir, HERALD_LOG_LEVEL: 'info' };
  delete env['HERALD_CONFIG'];
  // The default state_dir is /var/lib/herald for root and $XDG_STATE_HOME/herald otherwise: as root, run
  // the agent as nobody so that everything it writes stays in the test directory.
  const child = spawn(process.execPath, [MAIN, 'run'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const logs = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const exited = () => child.exitCode !== null || child.signalCode !== null;

  await until(() => exited() || logs().some((l) => l['msg'] === 'herald started'), 20_000, 'herald started');
  t.notOk(exited(), `still running (stderr: ${stderr})`);
  const started = logs().find((l) => l['msg'] === 'herald started');
  const stateDir = join(dir, 'herald');
  t.equal(started?.['state_dir'], stateDir, 'default state_dir: $XDG_STATE_HOME/herald');
  t.match(started?.['server'], { address: '127.0.0.1', port: 9275 }, 'default endpoint');
  t.equal((await fetch('http://127.0.0.1:9275/ready', { signal: AbortSignal.timeout(2000) })).status, 200);

  // Host metrics are on by default and, with no influxdb output, go to the embedded file output.
  const output = join(stateDir, 'output');
  const metricsFile = () => (existsSync(output) ? readdirSync(output).find((f) => /^metrics.*\.lp$/.test(f)) : undefined);
  await until(() => metricsFile() !== undefined && readFileSync(join(output, metricsFile()!), 'utf8').includes('\n'), 20_000, 'metrics in the default output');
  t.match(readFileSync(join(output, metricsFile()!), 'utf8'), new RegExp(`^host_\\w+,host=${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ ,]`, 'm'), 'tagged with the default node_name (hostname)');

  child.kill('SIGTERM');
  await until(exited, 20_000, 'herald to exit');
  t.equal(child.exitCode, 0);
  t.ok(logs().some((l) => l['msg'] === 'herald stopped'));
});
