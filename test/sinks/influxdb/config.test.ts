import t from 'tap';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { checkInfluxdbBufferDir, influxdbBufferDir, influxdbOutputSchema } from '../../../src/sinks/influxdb/config';
import { classifyHttpError, retryDelayMs, unparsableLines } from '../../../src/sinks/influxdb/retry-policy';

const base = { url: 'http://influx:8086', org: 'ops', bucket: 'm', token: 'tok' };
const issues = (input: unknown) => {
  const r = influxdbOutputSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

void t.test('defaults, and the token is a Secret that never prints', async (t) => {
  const c = influxdbOutputSchema.parse(base);
  t.match(c, { precision: 'ms', gzip: true, batch_max_points: 5000, flush_interval_ms: 1000, max_concurrent_requests: 2, request_timeout_ms: 10_000 });
  t.same(c.retry, { initial_backoff_ms: 500, max_backoff_ms: 30_000, max_retry_time_ms: 10_000 });
  t.same(c.buffer, { max_bytes: 256 * 1024 * 1024, overflow: 'drop_oldest' });
  t.equal(c.token?.reveal(), 'tok');
  t.notMatch(JSON.stringify(c) + inspect(c) + String(c.token), /tok"|'tok'| tok\b/);
  t.equal(influxdbBufferDir(c, '/var/lib/herald'), '/var/lib/herald/buffers/influxdb');
  const units = influxdbOutputSchema.parse({ ...base, flush_interval_ms: '2s', buffer: { max_bytes: '1GiB', dir: '/data/buf' } });
  t.equal(units.flush_interval_ms, 2000);
  t.equal(units.buffer.max_bytes, 1024 ** 3);
});

void t.test('token_file, and clear errors with their paths', async (t) => {
  const dir = t.testdir({ token: 'from-file\n', 'ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'bad.pem': 'nope' });
  const { token: _t, ...noToken } = base;
  t.equal(influxdbOutputSchema.parse({ ...noToken, token_file: join(dir, 'token') }).token?.reveal(), 'from-file');
  t.same(issues(noToken), ['token: give token (e.g. ${INFLUX_TOKEN}) or token_file: InfluxDB 2.x refuses unauthenticated writes']);
  t.same(issues({ ...noToken, token_file: join(dir, 'missing') }), [`token_file: cannot read secret file ${JSON.stringify(join(dir, 'missing'))} (ENOENT)`]);
  t.same(issues({ ...base, url: 'influx:8086' }), ['url: expected an http:// or https:// URL']);
  t.same(issues({ ...base, precision: 'm' }).length, 1);
  t.same(issues({ ...base, buffer: { dir: 'relative/dir' } }), ['buffer.dir: must be an absolute path, got "relative/dir"']);
  t.same(issues({ ...base, tls: { ca_file: join(dir, 'ca.pem') } }), ['tls: tls settings need an https:// url']);
  const https = { ...base, url: 'https://influx:8086' };
  t.equal(influxdbOutputSchema.parse({ ...https, tls: { ca_file: join(dir, 'ca.pem') } }).tls_ca?.includes('BEGIN CERTIFICATE'), true);
  t.same(issues({ ...https, tls: { ca_file: join(dir, 'bad.pem') } }), [`tls.ca_file: ${JSON.stringify(join(dir, 'bad.pem'))} holds no PEM certificate`]);
  t.same(issues({ ...base, retry: { initial_backoff_ms: 5000, max_backoff_ms: 100 } }), ['retry.max_backoff_ms: must not be below retry.initial_backoff_ms']);
  t.same(issues({ ...base, extra: 1 }).length, 1, 'unknown keys are errors');
});

void t.test('the buffer directory must not overlap another writer', async (t) => {
  const c = influxdbOutputSchema.parse(base);
  t.equal(checkInfluxdbBufferDir(c, '/s', ['/s/output']), undefined);
  t.match(checkInfluxdbBufferDir(c, '/s', ['/s']) ?? '', /overlaps "\/s"/);
  const inside = influxdbOutputSchema.parse({ ...base, buffer: { dir: '/s/output/buf' } });
  t.match(checkInfluxdbBufferDir(inside, '/s', ['/s/output/']) ?? '', /give outputs.influxdb.buffer.dir a directory of its own/);
});

void t.test('retry policy: classification, and the Retry-After winning over the backoff', async (t) => {
  t.same(classifyHttpError(429, 'x', 1000), { kind: 'transient', status: 429, retryAfterMs: 1000, message: 'x' });
  for (const s of [401, 403, 404, 500, 502, 503, 504]) t.equal(classifyHttpError(s, 'x', undefined).kind, 'transient', `${s}`);
  t.match(classifyHttpError(422, 'partial write: field type conflict: input field "v" ... dropped=3', undefined), { kind: 'partial', dropped: 3 });
  t.equal(classifyHttpError(413, 'too large', undefined).kind, 'too_large');
  t.equal(classifyHttpError(400, 'something else', undefined).kind, 'rejected');
  const msg = "unable to parse 'm v=x 1': invalid boolean\nunable to parse 'm s=\"a': b\" v=y 2': invalid boolean";
  t.same([...unparsableLines(msg)], ['m v=x 1', 'm s="a\': b" v=y 2']);
  const b = { initialMs: 100, maxMs: 1000 };
  t.equal(retryDelayMs(b, 3, 7000), 7000, 'the server said when');
  for (let i = 0; i < 50; i++) {
    const d = retryDelayMs(b, 3, undefined); // third attempt: 400 ms ±20%
    t.ok(d >= 320 && d <= 480, `${d}`);
  }
});
