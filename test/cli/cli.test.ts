import t from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN, assertBuilt, readOutputDocs, startHerald, stopHerald, writeConfig } from '../helpers/herald-process';
import { until } from '../helpers/fakes';

assertBuilt();
const herald = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });

void t.test('--version and help', async (t) => {
  const v = herald('--version');
  t.equal(v.status, 0);
  t.match(v.stdout, /^herald \d+\.\d+\.\d+\n$/);
  t.match(herald('help').stdout, /herald run \[--config FILE\]/);
  const bad = herald('frobnicate');
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown command "frobnicate"/);
});

void t.test('validate: ok, or every error with its path and exit code 2', async (t) => {
  const dir = t.testdir();
  const good = writeConfig(dir, `state_dir: ${dir}/state\nlogs: { files: [] }\n`);
  const ok = herald('validate', good);
  t.equal(ok.status, 0);
  t.equal(ok.stdout, `config ${good}: ok\n`);
  const badFile = join(dir, 'bad.yaml');
  writeFileSync(badFile, 'logs:\n  files:\n    - { path: /x, format: xml, colour: red }\noutputs: { file: { max_files: -1 } }\n');
  const bad = herald('validate', badFile);
  t.equal(bad.status, 2);
  t.equal(
    bad.stderr,
    `config ${badFile}: 3 errors\n` +
      '  logs.files[0].format: expected one of syslog|haproxy|json|plain|glog, got "xml"\n' +
      '  logs.files[0].colour: unknown key\n' +
      '  outputs.file.max_files: expected number to be >=1, got -1\n',
  );
});

void t.test('run with a bad config reports it and starts nothing', async (t) => {
  const dir = t.testdir();
  const file = writeConfig(dir, `state_dir: ${dir}/state\npipeline: { batch_max_records: lots }\n`);
  const r = herald('run', '--config', file);
  t.equal(r.status, 2);
  t.match(r.stderr, /pipeline\.batch_max_records: expected number, got "lots"/);
  t.notOk(existsSync(join(dir, 'state')), 'no state directory was created');
});

void t.test('run: endpoints, SIGHUP reload (invalid kept out, valid applied), SIGTERM drains and exits 0', async (t) => {
  const dir = t.testdir({ 'a.log': 'first\n', 'b.log': 'other\n' });
  const base = `state_dir: ${dir}/state\nserver: { port: 0 }\npipeline: { batch_max_wait_ms: 20 }\n`;
  const file = writeConfig(dir, `${base}logs:\n  files: [ { path: ${dir}/a.log, start_at: beginning } ]\n`);
  const p = await startHerald(file);
  t.teardown(() => stopHerald(p, 'SIGKILL'));
  const url = `http://127.0.0.1:${p.port}`;
  await until(() => readOutputDocs(join(dir, 'state', 'output')).length === 1, 10_000, 'first line');
  t.equal((await fetch(`${url}/healthz`)).status, 200);
  t.equal((await fetch(`${url}/ready`)).status, 200);
  t.equal((await fetch(`${url}/nope`)).status, 404);
  // The document is on disk a moment before the runner counts its batch delivered: ask until it has.
  const delivered = /herald_pipeline_records_total\{source="files",outcome="delivered"\} 1/;
  let metrics = '';
  for (let i = 0; i < 100 && !delivered.test(metrics); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 50));
    metrics = await (await fetch(`${url}/metrics`)).text();
  }
  t.match(metrics, delivered);
  t.match(metrics, /herald_process_resident_memory_bytes/);

  writeFileSync(file, `${base}logs: { files: [ { path: ${dir}/a.log, format: nonsense } ] }\n`);
  p.child.kill('SIGHUP');
  await until(() => p.logs.some((l) => l['msg'] === 'new configuration is invalid; keeping the running one'), 10_000, 'invalid reload refused');
  const refused = p.logs.find((l) => l['msg'] === 'new configuration is invalid; keeping the running one') as { problems: { path: string }[] };
  t.equal(refused.problems[0]?.path, 'logs.files[0].format');
  appendFileSync(join(dir, 'a.log'), 'second\n');
  await until(() => readOutputDocs(join(dir, 'state', 'output')).length === 2, 10_000, 'still running on the old config');

  writeFileSync(file, `${base}logs:\n  files: [ { path: "${dir}/{a,b}.log", start_at: beginning } ]\n`);
  p.child.kill('SIGHUP');
  await until(() => readOutputDocs(join(dir, 'state', 'output')).length === 3, 10_000, 'b.log tailed after reload');
  const docs = readOutputDocs(join(dir, 'state', 'output')).map((d) => d['message']);
  t.same(docs, ['first', 'second', 'other'], 'a.log resumed at its offset: nothing read twice');

  t.equal(await stopHerald(p, 'SIGTERM'), 0);
  t.ok(p.logs.some((l) => l['msg'] === 'herald stopped'));
});
