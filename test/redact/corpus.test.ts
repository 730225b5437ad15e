/**
 * The synthetic corpus through the redact transform with the default rules: no secret value left anywhere
 * in the record, the expected rule counted, and no near-miss altered by a single character.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedactTransform } from '../../src/redact/redact-transform';
import { redactSchema } from '../../src/redact/config';
import { makeLogEvent, type LogEvent } from '../../src/pipeline/records';
import { testOrigin } from '../helpers/fakes';
import { testContext } from '../helpers/context';
import { generateCorpus, type Corpus } from '../fixtures/redact/generate';

const corpus = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'redact', 'corpus.json'), 'utf8')) as Corpus;

function event(c: { message: string; fields?: Record<string, unknown>; error?: string }): LogEvent {
  const e = makeLogEvent(testOrigin, c.message, 0, c.message.length, 0, 1_700_000_000_000);
  if (c.fields !== undefined) e.fields = structuredClone(c.fields);
  if (c.error !== undefined) e.error = c.error;
  return e;
}

const everything = (e: LogEvent): string => `${e.message}\n${JSON.stringify(e.fields ?? null)}\n${e.error ?? ''}`;

void t.test('corpus.json is what generate.ts produces (deterministic, synthetic)', async (t) => {
  t.same(corpus, generateCorpus());
  t.ok(corpus.secrets.length >= 80, `${corpus.secrets.length} secret cases`);
  t.ok(corpus.nearMisses.length >= 20, `${corpus.nearMisses.length} near-miss cases`);
});

void t.test('no secret is left in clear, each taken by the expected rule', async (t) => {
  const ctx = testContext(t.testdir());
  const redact = new RedactTransform(redactSchema.parse({}), ctx);
  for (const c of corpus.secrets) {
    const e = event(c);
    redact.apply({ records: [e] });
    const out = everything(e);
    for (const secret of c.secrets) t.notOk(out.includes(secret), `${c.id}: ${JSON.stringify(secret)} is gone`);
    const metrics = await ctx.metrics.getSingleMetric('herald_redact_matches_total')!.get();
    const forRule = metrics.values.find((v) => v.labels['rule'] === c.rule)?.value ?? 0;
    t.ok(forRule > 0, `${c.id}: counted under ${c.rule}`);
    ctx.metrics.resetMetrics();
  }
});

void t.test('the whole corpus in one batch: every record counted, output matches case by case', async (t) => {
  const ctx = testContext(t.testdir());
  const redact = new RedactTransform(redactSchema.parse({}), ctx);
  const events = corpus.secrets.map(event);
  const out = redact.apply({ records: events, checkpoint: 'cp' });
  t.equal(out.checkpoint, 'cp');
  t.equal(out.records.length, events.length);
  const leaked = corpus.secrets.filter((c, i) => c.secrets.some((s) => everything(out.records[i] as LogEvent).includes(s)));
  t.same(leaked.map((c) => c.id), []);
  t.match(await ctx.metrics.metrics(), new RegExp(`herald_redact_records_total\\{kind="log"\\} ${events.length}\\b`));
});

void t.test('near-misses stay byte for byte', async (t) => {
  const redact = new RedactTransform(redactSchema.parse({}), testContext(t.testdir()));
  for (const c of corpus.nearMisses) {
    const e = event(c);
    redact.apply({ records: [e] });
    t.equal(e.message, c.message, `${c.id}: message untouched`);
    t.same(e.fields, c.fields, `${c.id}: fields untouched`);
  }
});

void t.test('replacements keep JSON text valid and keep the key names', async (t) => {
  const redact = new RedactTransform(redactSchema.parse({}), testContext(t.testdir()));
  const e = event({ message: '{"user":"bob","password":"x1y2z3","pin_token":1234,"api_key":{"a":[1,"}"]},"ok":true}' });
  redact.apply({ records: [e] });
  t.same(JSON.parse(e.message), {
    user: 'bob',
    password: '[REDACTED:sensitive_key]',
    pin_token: '[REDACTED:sensitive_key]',
    api_key: '[REDACTED:sensitive_key]',
    ok: true,
  });
  const nested = event({ message: JSON.stringify({ msg: JSON.stringify({ token: 'abc123456', n: 5, secret: 99 }) }) });
  redact.apply({ records: [nested] });
  t.same(JSON.parse((JSON.parse(nested.message) as { msg: string }).msg), { token: '[REDACTED:sensitive_key]', n: 5, secret: '[REDACTED:sensitive_key]' });
});
