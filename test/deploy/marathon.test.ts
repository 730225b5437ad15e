/**
 * The Marathon app definition shipped in deploy/marathon/ is valid against Marathon's own app schema (1.7,
 * the last one published as JSON Schema) and follows the one-instance-per-host rules of FORMATS.md §4:
 * hostname UNIQUE, an upgrade strategy that cannot deadlock, a Mesos-level health check on Herald's /healthz,
 * and the host paths Herald reads (work_dir, /var/log, cgroups) mounted read-only, its state dir read-write.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import Ajv from 'ajv';

const root = join(__dirname, '..', '..');
const app = JSON.parse(readFileSync(join(root, 'deploy', 'marathon', 'herald.json'), 'utf8')) as Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'marathon', 'AppDefinition.json'), 'utf8')) as object;

function validator(): (data: unknown) => string[] {
  // The 1.7 schema names "http://json-schema.org/schema#" (draft-04 in practice): skip meta-validation.
  const ajv = new Ajv({ allErrors: true, validateSchema: false, unknownFormats: 'ignore', schemaId: 'auto' });
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`));
}

void t.test('the app definition validates against the Marathon 1.7 app schema', async (t) => {
  t.same(validator()(app), []);
});

void t.test('the validator is not vacuous: a broken definition is rejected', async (t) => {
  const validate = validator();
  t.not(validate({ ...app, instances: 'three' }).length, 0, 'wrong type rejected');
  t.not(validate({ ...app, upgradeStrategy: { minimumHealthCapacity: 2 } }).length, 0, 'capacity above 1 rejected');
  t.not(validate({ ...app, unknownKey: true }).length, 0, 'unknown key rejected');
});

void t.test('one instance per host, upgrades that cannot deadlock', async (t) => {
  t.same(app.constraints, [['hostname', 'UNIQUE']]);
  const up = app.upgradeStrategy as { minimumHealthCapacity: number; maximumOverCapacity: number };
  // With every host already running an instance there is no host for an extra one: over-capacity must be 0
  // and the health capacity below 1, else deployments and restarts never finish.
  t.equal(up.maximumOverCapacity, 0);
  t.ok(up.minimumHealthCapacity < 1, 'minimumHealthCapacity below 1');
});

void t.test('a Mesos-level health check on /healthz and a drain period', async (t) => {
  const checks = app.healthChecks as { protocol: string; path: string; portIndex: number }[];
  t.equal(checks.length, 1);
  t.match(checks[0], { protocol: 'MESOS_HTTP', path: '/healthz', portIndex: 0 });
  t.ok((app.taskKillGracePeriodSeconds as number) >= 10, 'time to drain and commit offsets on SIGTERM');
  t.same(app.networks, [{ mode: 'host' }], 'host network: reaches the agent and task host ports on loopback');
});

void t.test('host paths: read-only inputs, a read-write state dir on the host', async (t) => {
  const volumes = (app.container as { volumes: { containerPath: string; hostPath: string; mode: string }[] }).volumes;
  const mode = (p: string) => volumes.find((v) => v.containerPath === p)?.mode;
  t.equal(mode('/var/lib/mesos'), 'RO');
  t.equal(mode('/var/log'), 'RO');
  t.equal(mode('/sys/fs/cgroup'), 'RO');
  t.equal(mode('/var/lib/herald'), 'RW');
  const env = app.env as Record<string, string>;
  t.equal(env.HERALD_STATE_DIR, '/var/lib/herald', 'offsets and buffers survive a redeploy');
});
