/**
 * Issue "QoS and redaction", end to end: the redaction corpus (secrets of every rule in every position, and
 * near-misses) written as JSON, plain, syslog and HAProxy lines, tailed by the built Herald as a real
 * process with the default rules, shipped to the real Elasticsearch. Read back: no secret in any document
 * (nor in the dead-letter index), every near-miss byte for byte.
 */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHerald, stopHerald, writeFilesConfig } from '../helpers/herald-process';
import { requireService } from '../helpers/services';
import { generateCorpus } from '../fixtures/redact/generate';
import { esAllDocs, esCleanup, esCount, esOutputYaml, esRun, type Doc } from './e2e-es';
import { runToken, waitFor } from './e2e-services';

const corpus = generateCorpus();
const oneLine = (s: string) => !s.includes('\n') && !s.includes('\r');
/** A value that fits in one HAProxy token (no space or separator of the format). */
const tokenSafe = (s: string) => !/[\s{}|"]/.test(s);

void t.test('the redaction corpus through the real agent into the real Elasticsearch: no secret, near-misses intact', async (t) => {
  await requireService(t, 'elasticsearch');
  const dir = t.testdir();
  const run = esRun(runToken());
  t.teardown(async () => {
    const removed = await esCleanup(run);
    t.comment(`removed ${removed.length} indices of run ${run.token}`);
  });
  const inputs = join(dir, 'in');
  mkdirSync(inputs);

  // JSON lines: every case, its fields as the line's own members (parsed under `json`), its message as msg.
  const jsonLines = [...corpus.secrets, ...corpus.nearMisses].map((c) => {
    const f = c.fields === undefined ? {} : ((c.fields['json'] as Record<string, unknown> | undefined) ?? c.fields);
    return JSON.stringify({ msg: c.message, ...f });
  });
  // Plain and syslog lines: every one-line message (multi-line keys are covered by the JSON lines).
  const plainLines = [...corpus.secrets, ...corpus.nearMisses].map((c) => c.message).filter(oneLine);
  const syslogLines = corpus.secrets.map((c) => c.message).filter(oneLine).map((m, i) => `<34>Nov 21 12:00:${String(i % 60).padStart(2, '0')} node-1 app[7]: ${m}`);
  // HAProxy lines: values that no context is needed to recognise (addresses, JWTs, AWS key ids, cards) in
  // the URL, a captured header and the cookie; bearer tokens after `Bearer` in a captured header.
  const secretsOf = (rules: string[]) => corpus.secrets.filter((c) => rules.includes(c.rule)).flatMap((c) => c.secrets).filter(tokenSafe);
  const bare = secretsOf(['email', 'jwt', 'aws_access_key_id', 'payment_card']);
  const bearer = secretsOf(['bearer_token']);
  const tokenSecrets = [...bare, ...bearer];
  const head = (i: number) => `<134>Nov 21 12:00:00 node-1 haproxy[12]: 10.0.1.${i % 250}:33317 [21/Nov/2026:12:00:00.655] fe be/srv 10/0/30/69/109 200 2750`;
  const haproxyLines = [
    ...bare.flatMap((s, i) => [
      `${head(i)} - - ---- 1/1/1/1/0 0/0 "GET /pay?ref=${s}&x=1 HTTP/1.1"`,
      `${head(i)} - - ---- 1/1/1/1/0 0/0 {host.example|${s}} "GET / HTTP/1.1"`,
      `${head(i)} sid=${s} - ---- 1/1/1/1/0 0/0 "GET /login?user=bob&password=${s} HTTP/1.1"`,
    ]),
    ...bearer.map((s, i) => `${head(i)} - - ---- 1/1/1/1/0 0/0 {Bearer ${s}|-} "GET /api HTTP/1.1"`),
  ];
  const files = { 'app.json': ['json', jsonLines], 'app.log': ['plain', plainLines], 'syslog.log': ['syslog', syslogLines], 'haproxy.log': ['haproxy', haproxyLines] } as const;
  for (const [name, [, lines]] of Object.entries(files)) writeFileSync(join(inputs, name), `${lines.join('\n')}\n`);
  const expected = Object.values(files).reduce((n, [, lines]) => n + lines.length, 0);
  t.ok(tokenSecrets.length >= 10, `${tokenSecrets.length} secrets placed in HAProxy tokens`);

  const config = writeFilesConfig(
    dir,
    Object.entries(files).map(([name, [format]]) => `{ path: ${join(inputs, name)}, format: ${format}, start_at: beginning }`),
    [
      'node_name: e2e-node',
      'metrics: { agent: { enabled: false }, containers: { enabled: false }, host: { enabled: false } }',
      'scrape: { enabled: false }',
      'qos: { enabled: false }',
      'outputs:',
      `  elasticsearch: ${esOutputYaml(run)}`,
    ],
  );
  const herald = await startHerald(config);
  t.teardown(() => stopHerald(herald, 'SIGKILL'));
  const shipped = async () => (await esCount(run.dataPattern)) + (await esCount(run.deadLetterPattern));
  await waitFor(async () => (await shipped()) >= expected, 90_000, `${expected} documents`, 1000).catch(() => undefined);
  const docs = await esAllDocs(run.dataPattern);
  const dead = await esAllDocs(run.deadLetterPattern);
  t.equal(docs.length + dead.length, expected, `every line shipped (${docs.length} indexed, ${dead.length} dead letters)`);

  const text = (d: Doc) => JSON.stringify(d);
  const allSecrets = [...new Set([...corpus.secrets.flatMap((c) => c.secrets), ...tokenSecrets])];
  const leaks: string[] = [];
  for (const d of [...docs, ...dead]) {
    const s = text(d);
    for (const secret of allSecrets) if (s.includes(secret) || s.includes(JSON.stringify(secret).slice(1, -1))) leaks.push(`${secret} in ${s.slice(0, 200)}`);
  }
  t.same(leaks.slice(0, 10), [], `${leaks.length} secrets found in clear in Elasticsearch`);
  t.ok(docs.filter((d) => text(d).includes('[REDACTED:')).length >= corpus.secrets.length, 'the redactions are there');

  // Near-misses: the plain line's document holds the message byte for byte, and the JSON line's too.
  const messages = new Map<string, number>();
  for (const d of docs) if (typeof d['message'] === 'string') messages.set(d['message'], (messages.get(d['message']) ?? 0) + 1);
  const altered = corpus.nearMisses.filter((c) => (messages.get(c.message) ?? 0) < (oneLine(c.message) ? 2 : 1)).map((c) => c.id);
  t.same(altered, [], 'no near-miss altered');
  const path = (name: string) => join(inputs, name);
  const fromHaproxy = docs.filter((d) => d['log']?.file?.path === path('haproxy.log'));
  t.equal(fromHaproxy.length, haproxyLines.length, 'every HAProxy line indexed');
  t.ok(fromHaproxy.every((d) => d['url']?.original !== undefined || d['haproxy']?.http?.request?.captured_headers !== undefined), 'HAProxy fields parsed');
  // Stopped here, not only by the teardown: tap removes the test directory when the test ends, and an agent
  // still writing its state there made that removal fail (ENOTEMPTY) and left the agent running.
  t.equal(await stopHerald(herald), 0, 'a clean stop');
});
