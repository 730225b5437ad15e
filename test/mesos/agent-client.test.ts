/* eslint-disable @typescript-eslint/no-explicit-any -- recorded JSON of varying shape, read field by field */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentClient, endpointKind } from '../../src/mesos/agent-client';
import { mesosSchema } from '../../src/mesos/config';
import { normaliseState } from '../../src/mesos/state';
import { ErrorCode, HeraldError } from '../../src/errors';
import { createRegistry } from '../../src/observability/metrics';
import { startMesosReplay } from '../helpers/mesos-replay/replay-server';

const PASSWORD = 'pa55-w0rd-never-printed';
const fixtureState = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'mesos', 'datadog.agent-state.marathon-task.json'), 'utf8'));

function client(cfg: Record<string, unknown>, extra: { sleeps?: number[] } = {}) {
  const metrics = createRegistry(false);
  const config = mesosSchema.parse({ retry_backoff_ms: 5, retry_max_backoff_ms: 40, ...cfg });
  const c = new AgentClient({
    config,
    context: { metrics },
    ...(extra.sleeps ? { sleep: async (ms: number) => void extra.sleeps!.push(ms), random: () => 1 } : {}),
  });
  return { c, metrics };
}

async function rejection(p: Promise<unknown>): Promise<HeraldError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HeraldError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

void t.test('GET /state, /slave(1)/state and the other endpoints, parsed; metrics by endpoint and outcome', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  const { c, metrics } = client({ agent_url: agent.url });
  t.teardown(() => c.close());
  const state = await c.getJson('/state');
  t.same(state, fixtureState, 'the recorded document, unchanged');
  t.same(normaliseState(await c.getJson('/slave(1)/state'), { marathonFramework: /^marathon/ }).runs[0]?.app, '/hello');
  t.same(await c.getJson('/version'), { version: '1.7.1', build_date: '2015-03-26 13:35:27', build_time: 1427376927, build_user: 'root', git_sha: 'd5678c3c5500cec72e22e775d9d048c55c128954', git_tag: '1.7.1' });
  t.equal(((await c.getJson('/flags')) as any).flags.work_dir, '/tmp/mesos');
  t.equal(((await c.getJson('/containers')) as any[]).length, 1);
  const text = await metrics.metrics();
  t.match(text, /herald_mesos_agent_requests_total\{endpoint="state",outcome="ok"\} 2/);
  t.match(text, /herald_mesos_agent_requests_total\{endpoint="containers",outcome="ok"\} 1/);
  t.match(text, /herald_mesos_agent_request_duration_seconds_count\{endpoint="state"\} 2/);
  t.equal(endpointKind('/monitor/statistics.json?x=1'), 'monitor_statistics');
  t.equal(endpointKind('/metrics/snapshot?timeout=5secs'), 'metrics_snapshot');
  t.equal(endpointKind('/files/browse'), 'other');
});

void t.test('basic auth: given, missing, wrong; the password never appears in errors', async (t) => {
  const agent = await startMesosReplay({ basicAuth: { username: 'herald', password: PASSWORD } });
  t.teardown(() => agent.close());
  const ok = client({ agent_url: agent.url, auth: { username: 'herald', password: PASSWORD } });
  t.teardown(() => ok.c.close());
  t.same(await ok.c.getJson('/state'), fixtureState);
  t.equal(agent.requests.at(-1)?.authorized, true);

  const missing = client({ agent_url: agent.url });
  t.teardown(() => missing.c.close());
  const before = agent.requests.length;
  const e1 = await rejection(missing.c.getJson('/state'));
  t.equal(e1.code, ErrorCode.mesosAgent);
  t.match(e1.message, /GET \/state: HTTP 401 \(check mesos\.auth\)$/);
  t.equal(agent.requests.length - before, 1, '4xx is not retried');

  const wrong = client({ agent_url: agent.url, auth: { username: 'herald', password: `${PASSWORD}-wrong` } });
  t.teardown(() => wrong.c.close());
  const e2 = await rejection(wrong.c.getJson('/metrics/snapshot'));
  t.match(e2.message, /HTTP 401/);
  for (const e of [e1, e2]) {
    t.notMatch(e.message, PASSWORD);
    t.notMatch(e.message, Buffer.from(`herald:${PASSWORD}`).toString('base64'));
    t.notMatch(JSON.stringify({ ...e, stack: e.stack }), PASSWORD);
  }
  t.notMatch(JSON.stringify(mesosSchema.parse({ auth: { username: 'u', password: PASSWORD } })), PASSWORD, 'config prints redacted');
});

void t.test('bearer token', async (t) => {
  const agent = await startMesosReplay({ bearerToken: 'tok-123' });
  t.teardown(() => agent.close());
  const { c } = client({ agent_url: agent.url, auth: { token: 'tok-123' } });
  t.teardown(() => c.close());
  t.ok(await c.getJson('/state'));
  const bad = client({ agent_url: agent.url, auth: { token: 'tok-999' } });
  t.teardown(() => bad.c.close());
  const e = await rejection(bad.c.getJson('/state'));
  t.notMatch(e.message, /tok-/);
});

void t.test('TLS with a CA generated at test time (openssl)', async (t) => {
  const dir = t.testdir();
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=herald-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
  const agent = await startMesosReplay({ tls: { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, basicAuth: { username: 'u', password: PASSWORD } });
  t.teardown(() => agent.close());
  t.match(agent.url, /^https:/);
  const auth = { username: 'u', password: PASSWORD };

  const trusted = client({ agent_url: agent.url, tls: { ca_file: join(dir, 'ca.pem') }, auth });
  t.teardown(() => trusted.c.close());
  t.same(await trusted.c.getJson('/state'), fixtureState);

  const untrusted = client({ agent_url: agent.url, auth, retries: 2 });
  t.teardown(() => untrusted.c.close());
  const before = agent.requests.length;
  const e = await rejection(untrusted.c.getJson('/state'));
  t.match(e.message, /GET \/state: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|DEPTH_ZERO|UNABLE_TO_GET_ISSUER)/);
  t.notMatch(e.message, /after \d attempts/, 'a certificate error is not retried');
  t.notMatch(e.message, PASSWORD);
  t.equal(agent.requests.length, before, 'no request got through');

  const insecure = client({ agent_url: agent.url, tls: { insecure_skip_verify: true }, auth });
  t.teardown(() => insecure.c.close());
  t.match((await rejection(insecure.c.getJson('/health'))).message, /GET \/health: response is not valid JSON \(0 bytes\)$/, '/health answers 200 with an empty body');
  t.same(await insecure.c.getJson('/state'), fixtureState);

  t.throws(() => client({ agent_url: agent.url, tls: { ca_file: join(dir, 'missing.pem') } }), { code: ErrorCode.config, message: /mesos\.tls\.ca_file: cannot read .*missing\.pem.* \(ENOENT\)/ });
});

void t.test('hang: per-attempt timeout, retried, then an error naming the path', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  await agent.setFailure('hang');
  const { c, metrics } = client({ agent_url: agent.url, timeout_ms: 150, retries: 1 });
  t.teardown(() => c.close());
  const started = Date.now();
  const e = await rejection(c.getJson('/state'));
  const took = Date.now() - started;
  t.match(e.message, /^mesos agent http:\/\/127\.0\.0\.1:\d+ GET \/state: no complete answer within 150ms \(after 2 attempts\)$/);
  t.ok(took >= 300 && took < 2000, `two timeouts and a short backoff: ${took}ms`);
  t.equal(agent.requestCount('/state'), 2);
  t.match(await metrics.metrics(), /herald_mesos_agent_requests_total\{endpoint="state",outcome="timeout"\} 2/);
});

void t.test('retries then success; backoff doubles with jitter and is capped', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  await agent.setFailure('status503', { times: 2 });
  const sleeps: number[] = [];
  const { c, metrics } = client({ agent_url: agent.url, retries: 2, retry_backoff_ms: 100, retry_max_backoff_ms: 150 }, { sleeps });
  t.teardown(() => c.close());
  t.same(await c.getJson('/state'), fixtureState);
  t.equal(agent.requestCount('/state'), 3);
  t.same(sleeps, [100, 150], 'random()=1: the top of [d/2, d], d = 100 then min(200, cap 150)');
  const text = await metrics.metrics();
  t.match(text, /herald_mesos_agent_requests_total\{endpoint="state",outcome="http_5xx"\} 2/);
  t.match(text, /herald_mesos_agent_retries_total\{endpoint="state"\} 2/);
});

void t.test('503 until retries run out; reset and refused connections are retried', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  const { c } = client({ agent_url: agent.url, retries: 2 });
  t.teardown(() => c.close());
  await agent.setFailure('status503');
  t.match((await rejection(c.getJson('/state'))).message, /GET \/state: HTTP 503 \(after 3 attempts\)$/);
  await agent.setFailure('reset', { times: 1 });
  t.same(await c.getJson('/state'), fixtureState, 'one reset, then an answer');
  await agent.setFailure('refuse');
  t.match((await rejection(c.getJson('/containers'))).message, /GET \/containers: ECONNREFUSED: .* \(after 3 attempts\)$/);
  await agent.setFailure(null);
  t.same(await c.getJson('/state'), fixtureState, 'listening again on the same port');
});

void t.test('bad JSON and oversized bodies are not retried', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  const { c, metrics } = client({ agent_url: agent.url, retries: 2 });
  t.teardown(() => c.close());
  await agent.setFailure('badJson');
  const before = agent.requestCount('/state');
  const e = await rejection(c.getJson('/state'));
  t.match(e.message, /GET \/state: response is not valid JSON \(\d+ bytes\)$/);
  t.equal(agent.requestCount('/state') - before, 1);
  t.match(await metrics.metrics(), /outcome="bad_json"\} 1/);
  await agent.setFailure(null);
  const small = client({ agent_url: agent.url, max_body_bytes: 1000 });
  t.teardown(() => small.c.close());
  t.match((await rejection(small.c.getJson('/state'))).message, /body of \d+ bytes exceeds max_body_bytes \(1000\)/);
});

void t.test('close() and an abort signal end a request in flight at once', async (t) => {
  const agent = await startMesosReplay();
  t.teardown(() => agent.close());
  await agent.setFailure('hang');
  const { c } = client({ agent_url: agent.url, timeout_ms: 10_000, retries: 3 });
  const ac = new AbortController();
  const started = Date.now();
  const p1 = rejection(c.getJson('/state', ac.signal));
  const p2 = rejection(c.getJson('/containers'));
  setTimeout(() => ac.abort(), 50);
  t.match((await p1).message, /GET \/state: aborted$/);
  c.close();
  t.match((await p2).message, /GET \/containers: aborted$/);
  t.ok(Date.now() - started < 2000);
  c.close();
});
