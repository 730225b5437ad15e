import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfigFile, loadConfigText } from '../../src/config/load';
import { ConfigError } from '../../src/config/errors';
import { Secret, resolveSecrets, secretKeys } from '../../src/config/secret';

const fixture = (name: string) => join(__dirname, '..', 'fixtures', 'config', name);

void t.test('every mistake of a bad file in one report, each with its path', async (t) => {
  const err = t.throws(() => loadConfigFile(fixture('many-mistakes.yaml'), {})) as unknown as ConfigError;
  t.ok(err instanceof ConfigError);
  t.equal(err.code, 'HERALD_E_CONFIG');
  t.equal(
    err.message,
    [
      `config ${fixture('many-mistakes.yaml')}: 6 errors`,
      '  servr: unknown key (did you mean "server"?)',
      '  pipeline.batch_max_wait_ms: expected a duration like 500, "500ms", "10s" or "5m", got "10 parsecs"',
      '  pipeline.batch_max_bytes: expected a size like 65536, "64KiB" or "5MB", got "5XB"',
      '  logs.files[1].start_at: expected one of beginning|end, got "middle"',
      '  logs.files[2].path: must be an absolute path or glob (starting with "/")',
      '  logs.files[2].format: expected one of syslog|haproxy|json|plain|glog, got "csv"',
    ].join('\n'),
  );
});

void t.test('a valid file: interpolation with defaults, units, nested defaults filled, frozen', async (t) => {
  const { config } = loadConfigFile(fixture('valid.yaml'), { NODE: 'mesos-agent-17' });
  t.equal(config.node_name, 'mesos-agent-17');
  t.equal(config.server.port, 0, 'a whole ${VAR:-default} expression is re-read as a number');
  t.equal(config.server.address, '127.0.0.1');
  t.equal(config.pipeline.batch_max_wait_ms, 1000);
  t.equal(config.pipeline.batch_max_bytes, 2 * 1024 * 1024);
  t.equal(config.pipeline.batch_max_records, 1000, 'defaults');
  t.equal(config.logs.files.length, 2);
  t.equal(config.logs.files[0]?.max_line_bytes, 131072);
  t.equal(config.logs.files[0]?.multiline?.timeout_ms, 2000);
  t.equal(config.outputs.file.max_file_bytes, 50_000_000);
  t.ok(Object.isFrozen(config.logs.files[0]));
});

void t.test('an empty file gives the built-in defaults; logs.files: [] turns the default inputs off', async (t) => {
  const { config } = loadConfigText('', '(defaults)', {});
  t.equal(config.outputs.file.enabled, 'auto');
  t.equal(config.server.port, 9275);
  t.ok(Array.isArray(config.logs.files));
  t.same(loadConfigText('logs: { files: [] }', 'x', {}).config.logs.files, []);
});

void t.test('a missing variable without default is an error with its path; $${ is a literal', async (t) => {
  const err = t.throws(() => loadConfigText('node_name: ${NOPE}\nstate_dir: "/x/$${HOME}"', 'f.yaml', {})) as unknown as ConfigError;
  t.equal(err.message, 'config f.yaml: 1 error\n  node_name: environment variable NOPE is not set and has no default (use ${NOPE:-default})');
  t.equal(loadConfigText('state_dir: "/x/$${HOME}"', 'f', {}).config.state_dir, '/x/${HOME}');
  t.equal(loadConfigText('state_dir: "/x/${H:-/y}/z"', 'f', {}).config.state_dir, '/x//y/z');
});

void t.test('YAML syntax errors and non-mapping documents', async (t) => {
  t.throws(() => loadConfigText('logs: [unclosed', 'bad.yaml', {}), { message: /config bad\.yaml: 1 error\n {2}\(yaml line \d+\): / });
  t.throws(() => loadConfigText('- a\n- b', 'list.yaml', {}), { message: /\(root\): expected a mapping/ });
  t.throws(() => loadConfigText('a: 1\na: 2', 'dup.yaml', {}), { message: /Map keys must be unique/ });
  t.throws(() => loadConfigFile('/nonexistent/herald.yaml', {}), { message: /cannot read \/nonexistent\/herald\.yaml \(ENOENT\)/ });
});

void t.test('cross-checks: no output left', async (t) => {
  t.throws(() => loadConfigText('outputs: { file: { enabled: false } }', 'f', {}), {
    message: /outputs\.file\.enabled: no output left for logs \(outputs\.elasticsearch\) and metrics \(outputs\.influxdb\)/,
  });
  t.throws(() => loadConfigText('outputs: { file: { enabled: false }, elasticsearch: { url: "http://es:9200" } }', 'f', {}), {
    message: /outputs\.file\.enabled: no output left for metrics \(outputs\.influxdb\): configure it/,
  });
  const both = 'outputs: { file: { enabled: false }, elasticsearch: { url: "http://es:9200" }, influxdb: { url: "http://influx:8086", org: o, bucket: b, token: t } }';
  t.equal(loadConfigText(both, 'f', {}).config.outputs.file.enabled, 'never', 'both backends set: the file output may be off');
});

void t.test('secrets: inline or from a *_file key, never printed, both is an error', async (t) => {
  const dir = t.testdir({ 'pw.txt': 's3cr3t-value\n' });
  const schema = z.strictObject(secretKeys(['password'], () => 'the password')).transform((v, ctx) => resolveSecrets(v, ['password'], ctx));
  const fromFile = schema.parse({ password_file: join(dir, 'pw.txt') });
  t.ok(fromFile.password instanceof Secret);
  t.equal(fromFile.password?.reveal(), 's3cr3t-value');
  t.notMatch(JSON.stringify(fromFile), /s3cr3t/);
  t.notMatch(String(fromFile.password), /s3cr3t/);
  const { inspect } = await import('node:util');
  t.notMatch(inspect(fromFile, { depth: 5 }), /s3cr3t/);
  const both = schema.safeParse({ password: 'x', password_file: join(dir, 'pw.txt') });
  t.notOk(both.success);
  t.match(both.error?.issues[0], { path: ['password_file'], message: 'give password or password_file, not both' });
  const missing = schema.safeParse({ password_file: join(dir, 'nope') });
  t.match(missing.error?.issues[0]?.message, /cannot read secret file .*nope.* \(ENOENT\)/);
});

void t.test('a secret of the wrong type is refused by its path, its value never in the message', async (t) => {
  const es = (auth: string) => `outputs: { elasticsearch: { url: "http://es:9200", auth: { username: u, ${auth} } } }`;
  for (const [auth, kind] of [['password: 123456789', 'number'], ['password: true', 'boolean'], ['password: [hunter2x]', 'list'], ['password: { v: hunter2x }', 'mapping']] as const) {
    const err = t.throws(() => loadConfigText(es(auth), 'f', {})) as unknown as ConfigError;
    t.match(err.message, new RegExp(`outputs\\.elasticsearch\\.auth\\.password: .*a ${kind} \\(a secret: value not shown`), kind);
    t.notMatch(err.message, /123456789|true|hunter2x/, `${kind}: the value is not printed`);
  }
  const hash = t.throws(() => loadConfigText('redact: { hash_key: 98765432109876543210 }', 'f', {})) as unknown as ConfigError;
  t.match(hash.message, /redact\.hash_key: .*value not shown; quote it in the YAML/);
  t.notMatch(hash.message, /9876/);
});

void t.test('a secret from the environment stays its text: digits are not a number, 0123 is not 123', async (t) => {
  const yaml = 'outputs: { elasticsearch: { url: "http://es:9200", auth: { username: u, password: "${ES_PW}" } } }';
  for (const pw of ['987654321', '0123', 'true', '1e3']) {
    const { config } = loadConfigText(yaml, 'f', { ES_PW: pw });
    const auth = config.outputs.elasticsearch?.auth as { password?: Secret } | undefined;
    t.equal(auth?.password?.reveal(), pw, pw);
  }
  t.equal(loadConfigText('server: { port: "${P}" }', 'f', { P: '9300' }).config.server.port, 9300, 'other keys are still re-read as numbers');
});

void t.test('reload-style use: the same file re-read gives an equal config', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'h.yaml');
  writeFileSync(file, readFileSync(fixture('valid.yaml')));
  t.same(loadConfigFile(file, {}).config, loadConfigFile(file, {}).config);
});
