/* eslint-disable @typescript-eslint/no-explicit-any -- walking a generated JSON schema */
import t from 'tap';
import { join } from 'node:path';
import { z } from 'zod';
import { mesosSchema } from '../../src/mesos/config';
import { Secret } from '../../src/config/secret';

const issues = (input: unknown) => {
  const r = mesosSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

void t.test('defaults', async (t) => {
  t.same(mesosSchema.parse({}), {
    enabled: true,
    agent_url: 'http://127.0.0.1:5051',
    refresh_interval_ms: 30_000,
    min_refresh_gap_ms: 2_000,
    timeout_ms: 5_000,
    retries: 2,
    retry_backoff_ms: 200,
    retry_max_backoff_ms: 5_000,
    max_body_bytes: 64 * 1024 * 1024,
    marathon_framework_pattern: '^marathon',
  });
  const c = mesosSchema.parse({ refresh_interval_ms: '1m', timeout_ms: '1500ms', max_body_bytes: '8MiB', work_dir: '/var/lib/mesos/agent' });
  t.same([c.refresh_interval_ms, c.timeout_ms, c.max_body_bytes, c.work_dir], [60_000, 1500, 8 * 1024 * 1024, '/var/lib/mesos/agent']);
});

void t.test('secrets from files, never printed', async (t) => {
  const dir = t.testdir({ pw: 'file-secret\n', tok: 'tok-secret\n' });
  const c = mesosSchema.parse({ auth: { username: 'herald', password_file: join(dir, 'pw') } });
  t.ok(c.auth?.password instanceof Secret);
  t.equal(c.auth?.password?.reveal(), 'file-secret');
  t.notMatch(JSON.stringify(c), /file-secret/);
  const b = mesosSchema.parse({ auth: { token_file: join(dir, 'tok') } });
  t.equal(b.auth?.token?.reveal(), 'tok-secret');
  t.equal(b.auth?.username, undefined);
});

void t.test('cross-field checks name their paths', async (t) => {
  t.same(issues({ auth: { username: 'u' } }), ['auth.password: username is set: give password or password_file too']);
  t.same(issues({ auth: { password: 'p' } }), ['auth.username: password is set: give the username too']);
  t.same(issues({ auth: { username: 'u', password: 'p', token: 't' } }), ['auth.token: give either username/password or token, not both']);
  t.same(issues({ auth: { password: 'p', password_file: '/x' } }), ['auth.password_file: give password or password_file, not both']);
  t.same(issues({ tls: { ca_file: '/ca.pem' } }), ['tls: tls is set but agent_url is not https://']);
  t.same(issues({ agent_url: 'https://agent:5051', tls: { cert_file: '/c.pem' } }), ['tls.key_file: cert_file and key_file go together']);
  t.same(issues({ agent_url: 'http://u:secret@agent:5051' }), ['agent_url: must not contain credentials: use mesos.auth']);
  t.same(issues({ agent_url: 'ftp://agent' }), ['agent_url: expected an http:// or https:// URL']);
  t.same(issues({ retry_backoff_ms: 1000, retry_max_backoff_ms: 10 }), ['retry_max_backoff_ms: must be at least retry_backoff_ms']);
  t.same(issues({ work_dir: 'relative' }), ['work_dir: must be an absolute path']);
  t.match(issues({ marathon_framework_pattern: '(' })[0], /^marathon_framework_pattern: not a valid regular expression/);
  t.match(issues({ nope: 1 })[0], /Unrecognized key/);
  t.same(issues({ agent_url: 'https://agent:5051', tls: { ca_file: '/ca.pem', insecure_skip_verify: true } }), []);
});

void t.test('every field is described and the JSON schema can be generated', async (t) => {
  const schema = z.toJSONSchema(mesosSchema, { io: 'input', unrepresentable: 'any' }) as any;
  const walk = (node: any, path: string): void => {
    for (const [key, prop] of Object.entries<any>(node.properties ?? {})) {
      t.ok(typeof prop.description === 'string' && prop.description.length > 10, `${path}${key} has a description`);
      if (prop.properties) walk(prop, `${path}${key}.`);
      for (const alt of prop.anyOf ?? []) if (alt.properties) walk(alt, `${path}${key}.`);
    }
  };
  walk(schema, '');
  t.ok(schema.properties.auth);
});
