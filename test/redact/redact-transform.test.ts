/**
 * The transform in place: Herald's own logs hold rule names and counts only; records keep their shape;
 * and end to end through the runner into the real embedded file output, no secret reaches the NDJSON.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactTransform } from '../../src/redact';
import { redactSchema } from '../../src/redact/config';
import { Pipeline } from '../../src/pipeline/runner';
import { FileSink } from '../../src/sinks/file/file-sink';
import { fileOutputSchema } from '../../src/sinks/file/config';
import { makeLogEvent, makeMetricPoint, type HeraldRecord, type LogEvent } from '../../src/pipeline/records';
import { ListSource, testOrigin, until } from '../helpers/fakes';
import { capturingLogger, testContext } from '../helpers/context';
import { makeBlock } from '../helpers/blocks';
import { RedactTransform } from '../../src/redact/redact-transform';
import { ErrorCode } from '../../src/errors';
import { generateCorpus } from '../fixtures/redact/generate';

const corpus = generateCorpus();
const allSecrets = corpus.secrets.flatMap((c) => c.secrets);
const KEY = 'test-hash-key-0123456789';

function events(): LogEvent[] {
  return corpus.secrets.map((c, i) => {
    const e = makeLogEvent(testOrigin, c.message, i * 100, c.message.length, 0, 1_700_000_000_000 + i);
    if (c.fields !== undefined) e.fields = structuredClone(c.fields);
    if (c.error !== undefined) e.error = c.error;
    return e;
  });
}

void t.test('the descriptor creates the transform; Herald logs rule names, never a value or the key', async (t) => {
  const { logger, lines } = capturingLogger('trace');
  const ctx = testContext(t.testdir(), { logger });
  t.equal(redactTransform.kind, 'transform');
  t.equal(redactTransform.type, 'redact');
  const cfg = redactSchema.parse({ hash_key: KEY, rules: { email: { mode: 'hash' } } });
  const tr = redactTransform.create({ config: cfg }, ctx);
  t.equal(tr.name, 'redact');
  const batch = tr.apply({ records: events() });
  t.equal(batch.records.length, corpus.secrets.length);
  const log = lines.join('\n');
  t.match(log, /redaction rules compiled/);
  t.match(log, /"rules":\["private_key","sensitive_key",/);
  for (const s of allSecrets) t.notOk(log.includes(s), 'no secret in Herald logs');
  t.notOk(log.includes(KEY), 'the hash key is not logged');
  const metrics = await ctx.metrics.metrics();
  for (const rule of ['payment_card', 'email', 'jwt', 'private_key', 'secret_pair', 'sensitive_key', 'url_credentials', 'aws_access_key_id', 'aws_secret_access_key', 'bearer_token']) {
    t.match(metrics, new RegExp(`herald_redact_matches_total\\{rule="${rule}"\\} [1-9]`), rule);
  }
  for (const s of allSecrets) t.notOk(metrics.includes(s), 'no secret in metrics');
});

void t.test('records keep their shape: same own keys in the same order, strings stay strings', async (t) => {
  const tr = redactTransform.create({ config: redactSchema.parse({}) }, testContext(t.testdir()));
  const before = events();
  const keysBefore = before.map((e) => Object.keys(e).join(','));
  tr.apply({ records: before });
  t.same(before.map((e) => Object.keys(e).join(',')), keysBefore);
  t.ok(before.every((e) => typeof e.message === 'string' && (e.error === undefined || typeof e.error === 'string')));
  // fields objects keep their keys and order (values replaced in place, nothing added or deleted)
  const e = makeLogEvent(testOrigin, 'x', 0, 1, 0, 0);
  const settings = { theme: 'dark', api_key: 'k-123456789', mail: 'x@example.com' };
  const user = { name: 'bob', Password: 'p4ssw0rd!', settings: [settings], age: 42 };
  e.fields = { json: { user, b: 1 } };
  tr.apply({ records: [e] });
  t.equal(e.fields['json'] !== undefined && (e.fields['json'] as { user: unknown }).user, user, 'same objects');
  t.same(Object.keys(user), ['name', 'Password', 'settings', 'age']);
  t.same(Object.keys(settings), ['theme', 'api_key', 'mail']);
  t.same(user, { name: 'bob', Password: '[REDACTED:sensitive_key]', settings: [{ theme: 'dark', api_key: '[REDACTED:sensitive_key]', mail: '[REDACTED:email]' }], age: 42 });
  const untouched = makeLogEvent(testOrigin, 'nothing to see here at 2026-11-21T12:00:00Z status=200', 0, 1, 0, 0);
  const msg = untouched.message;
  tr.apply({ records: [untouched] });
  t.equal(untouched.message, msg, 'unchanged string is the same string');
});

void t.test('end to end: runner + redact + real file output; the NDJSON holds no secret', async (t) => {
  const dir = t.testdir();
  const { logger, lines } = capturingLogger('debug');
  const ctx = testContext(dir, { logger });
  const sink = new FileSink({ config: fileOutputSchema.parse({ dir: join(dir, 'out'), fsync: 'never' }), context: ctx, logs: true, metrics: true });
  const records: HeraldRecord[] = events();
  const metricSecret = 'carol.secret@example.com';
  records.push(makeMetricPoint('logins', { host: 'n1', user: metricSecret }, { count: 1 }, 1_700_000_000_000, '/shop/web'));
  const source = new ListSource([
    { records: records.slice(0, 40), checkpoint: 1 },
    { records: records.slice(40), checkpoint: 2 },
  ]);
  const redact = redactTransform.create({ config: redactSchema.parse({}) }, ctx);
  const pipeline = new Pipeline({ sources: [source], transforms: [redact], sink, context: ctx, maxInFlightBatches: 2 });
  await pipeline.start();
  await until(() => source.committed.length === 2, 10_000, 'both batches committed');
  await pipeline.stop(2000);
  const ndjson = readFileSync(join(dir, 'out', 'logs.ndjson'), 'utf8');
  const docs = ndjson.trimEnd().split('\n').filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l) as { message: string });
  t.equal(docs.length, corpus.secrets.length, 'every event written');
  const leaked = allSecrets.filter((s) => ndjson.includes(s) || ndjson.includes(JSON.stringify(s).slice(1, -1)));
  t.same(leaked, [], 'no secret value in the written documents');
  t.match(ndjson, /\[REDACTED:payment_card\]|\*{12}\d{4}/);
  const lp = readFileSync(join(dir, 'out', 'metrics.lp'), 'utf8');
  t.notOk(lp.includes(metricSecret), 'metric tag redacted in line protocol');
  t.match(lp, /user=\[REDACTED:email\]/);
  const log = lines.join('\n');
  for (const s of allSecrets) t.notOk(log.includes(s), 'no secret in Herald logs');
});

void t.test('native blocks pass as they are when judged by their app\'s rule set; any other is refused', async (t) => {
  const ctx = testContext(t.testdir());
  const cfg = redactSchema.parse({ overrides: [{ app: '/pay/**', rules: { email: false } }] });
  const tr = new RedactTransform(cfg, ctx);
  const own = tr.redaction.forApp(testOrigin.identity.app);
  const doc = '{"message":"nothing to see"}';
  const block = makeBlock(testOrigin, [doc], { judgedBy: own });
  const out = tr.apply({ records: [block] });
  t.equal(out.records[0], block);
  t.equal(block.buf.toString('utf8', 0, doc.length), doc, 'the bytes are untouched');
  const pay = { ...testOrigin, identity: { ...testOrigin.identity, app: '/pay/api' } };
  t.not(tr.redaction.forApp('/pay/api'), own, 'another rule set for /pay/**');
  t.throws(() => tr.apply({ records: [makeBlock(pay, [doc], { judgedBy: own })] }), { code: ErrorCode.redact }, 'judged by the wrong rule set: refused');
  t.throws(() => tr.apply({ records: [makeBlock(testOrigin, [doc])] }), { code: ErrorCode.redact }, 'not judged at all while redaction is on: refused');
  const off = new RedactTransform(redactSchema.parse({ enabled: false }), ctx);
  const unjudged = makeBlock(testOrigin, [doc]);
  t.equal(off.apply({ records: [unjudged] }).records[0], unjudged, 'redaction off: nothing to judge');
});
