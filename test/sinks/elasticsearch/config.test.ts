import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elasticsearchOutputSchema, templatePattern } from '../../../src/sinks/elasticsearch/config';

const issues = (input: unknown) => {
  const r = elasticsearchOutputSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

void t.test('defaults: daily indices, 5MiB / 50ms flushes, templates on', async (t) => {
  const c = elasticsearchOutputSchema.parse({ url: 'http://es:9200' });
  t.same(c.urls, ['http://es:9200']);
  t.equal(c.index, 'herald-logs-%Y.%m.%d');
  t.equal(c.mode, 'index');
  t.equal(c.dead_letter_index, 'herald-dead-letter-%Y.%m.%d');
  t.equal(c.flush_bytes, 5 * 1024 * 1024);
  t.equal(c.flush_interval_ms, 50);
  t.same(c.retry, { initial_backoff_ms: 200, max_backoff_ms: 30_000 });
  t.same(c.template, { install: true, name: 'herald-logs', priority: 200 });
  t.equal(c.auth, undefined);
  t.equal(templatePattern(c.index), 'herald-logs-*');
  const units = elasticsearchOutputSchema.parse({ urls: ['https://a:9200', 'https://b:9200'], flush_bytes: '1MiB', flush_interval_ms: '1s', request_timeout_ms: '10s', data_stream: 'logs-herald-default' });
  t.same([units.flush_bytes, units.flush_interval_ms, units.request_timeout_ms, units.mode, units.index], [1048576, 1000, 10000, 'data_stream', 'logs-herald-default']);
});

void t.test('every mistake is reported at its path', async (t) => {
  t.same(issues({}), ['url: give url or urls']);
  t.same(issues({ url: 'http://a:9200', urls: ['http://b:9200'] }), ['urls: give url or urls, not both']);
  t.same(issues({ url: 'ftp://es' }), ['url: must be http:// or https://, got ftp://']);
  t.same(issues({ url: 'http://u:p@es:9200' }), ['url: must not contain credentials: use outputs.elasticsearch.auth']);
  t.same(issues({ url: 'http://es', index: 'Herald-%Y' }), ['index: index must be lower case']);
  t.same(issues({ url: 'http://es', index: 'logs-%H' }), ['index: index unknown placeholder %H (only %Y, %m and %d)']);
  t.same(issues({ url: 'http://es', index: '%Y-logs' }), ['index: index must start with a fixed prefix (the index template matches <prefix>*)']);
  t.same(issues({ url: 'http://es', data_stream: 'logs-%Y' }), ['data_stream: data_stream must not contain % placeholders']);
  t.same(issues({ url: 'http://es', data_stream: 'logs-a', index: 'x' }), ['data_stream: give index or data_stream, not both']);
  t.same(issues({ url: 'http://es', dead_letter_index: 'herald-logs-%Y' }), ['dead_letter_index: must differ from the index, with a different prefix before the first %']);
  t.same(issues({ url: 'http://es', flush_bytes: '5XB' }), ['flush_bytes: expected a size like 65536, "64KiB" or "5MB", got "5XB"']);
  t.same(issues({ url: 'http://es', flush_bytes: 10 }), ['flush_bytes: must be between 1KiB and 64MiB']);
  t.same(issues({ url: 'http://es', retry: { initial_backoff_ms: 1000, max_backoff_ms: 10 } }), ['retry.max_backoff_ms: must be at least initial_backoff_ms']);
  t.same(issues({ url: 'http://es', max_concurrent_requests: 0 }), ['max_concurrent_requests: Too small: expected number to be >=1']);
  t.same(issues({ url: 'http://es', flush: 1 }), [': Unrecognized key: "flush"']);
});

void t.test('auth: basic or api key, secrets from files, never printed', async (t) => {
  const dir = t.testdir({ pw: 's3cret\n', key: 'a2V5\n' });
  const basic = elasticsearchOutputSchema.parse({ url: 'https://es', auth: { username: 'herald', password_file: join(dir, 'pw') } });
  t.equal(basic.auth?.password?.reveal(), 's3cret', 'file read at load, trailing newline stripped');
  t.notMatch(JSON.stringify(basic), /s3cret/, 'the config prints [redacted]');
  t.equal(elasticsearchOutputSchema.parse({ url: 'https://es', auth: { api_key_file: join(dir, 'key') } }).auth?.api_key?.reveal(), 'a2V5');
  t.same(issues({ url: 'http://es', auth: { username: 'u' } }), ['auth.password: username needs password or password_file']);
  t.same(issues({ url: 'http://es', auth: { password: 'p' } }), ['auth.username: password needs username']);
  t.same(issues({ url: 'http://es', auth: { username: 'u', password: 'p', api_key: 'k' } }), ['auth.api_key: give either username + password or api_key, not both']);
  t.same(issues({ url: 'http://es', auth: {} }), ['auth: give username + password, or api_key']);
  t.same(issues({ url: 'http://es', auth: { api_key: 'k', api_key_file: join(dir, 'key') } }), ['auth.api_key_file: give api_key or api_key_file, not both']);
  t.same(issues({ url: 'http://es', auth: { api_key_file: join(dir, 'nope') } }), [`auth.api_key_file: cannot read secret file ${JSON.stringify(join(dir, 'nope'))} (ENOENT)`]);
});

void t.test('tls: the CA file is read at load and must hold a certificate; only for https', async (t) => {
  const dir = t.testdir({ 'bad.pem': 'not a certificate' });
  const pem = join(dir, 'ca.pem');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  t.match(elasticsearchOutputSchema.parse({ url: 'https://es', tls: { ca_file: pem } }).tls, { ca: /BEGIN CERTIFICATE/, insecure_skip_verify: false });
  t.same(issues({ url: 'https://es', tls: { ca_file: join(dir, 'bad.pem') } }), [`tls.ca_file: ${JSON.stringify(join(dir, 'bad.pem'))} holds no PEM certificate`]);
  t.same(issues({ url: 'https://es', tls: { ca_file: join(dir, 'none.pem') } }), [`tls.ca_file: cannot read ${JSON.stringify(join(dir, 'none.pem'))} (ENOENT)`]);
  t.same(issues({ url: 'http://es', tls: { insecure_skip_verify: true } }), ['tls: tls applies to https:// urls only, and none is given']);
});
