/**
 * Redaction throughput with the default rules, one core: MB/s and ns/line on
 *   clean  the benchmark corpus of node log lines (JSON, plain, HAProxy, syslog), no secrets: the pre-check
 *          path, target > 200 MB/s;
 *   mixed  the same lines with 5% replaced by the redaction test corpus (secrets of every rule);
 *   parsed the clean lines parsed by their format's parser, as the transform sees them (redactEvent): ns per
 *          record for the message and every string of the parsed fields; syslog and HAProxy events are judged
 *          by their whole line (logs/parse/token-fields.ts), JSON ones walked field by field.
 * Also prints what the default rules matched in the clean corpus (false positives, if any).
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/hb && ln -sfn "$PWD/node_modules" /tmp/hb/node_modules
 *       node /tmp/hb/bench/redact.bench.js [MiB=32] [rounds=7]
 * The clean corpus is generated under $TMPDIR/herald-redact-corpus (bench/corpus.ts, seed 42).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus, type Corpus } from './corpus';
import { generateCorpus as secretCorpus } from '../test/fixtures/redact/generate';
import { redactSchema } from '../src/redact/config';
import { Redaction } from '../src/redact/compile';
import { createParser } from '../src/logs/parse';
import { makeLogEvent, type LogEvent, type LogOrigin } from '../src/pipeline/records';

const MIB = Number(process.argv[2] ?? 32);
const ROUNDS = Number(process.argv[3] ?? 7);

function corpus(): Corpus {
  return generateCorpus(join(tmpdir(), 'herald-redact-corpus'), MIB * 1024 * 1024);
}

function lines(c: Corpus): string[] {
  return c.files.flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter((l) => l !== ''));
}

/** Each line as its own string (as the tail source decodes it), parsed by its file's format. */
function parsed(c: Corpus): LogEvent[] {
  const origin: LogOrigin = { path: '/bench.log', dataset: 'bench', identity: { app: '/bench', docFragment: '', labels: {} } };
  const events: LogEvent[] = [];
  for (const f of c.files) {
    const parser = createParser(f.format);
    for (const l of readFileSync(f.path).toString('utf8').split('\n')) {
      if (l === '') continue;
      const line = Buffer.from(l).toString('utf8');
      const e = makeLogEvent(origin, line, 0, line.length, 0, 0);
      parser.parse(e, 0);
      events.push(e);
    }
  }
  return events;
}

/** Message and fields of clean parsed records (nothing is replaced, so every round does the same work). */
function runParsed(events: LogEvent[], redaction: Redaction): void {
  let strings = 0;
  const count = (o: Record<string, unknown>): void => {
    for (const k in o) {
      const v = o[k];
      if (typeof v === 'string') strings++;
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) count(v as Record<string, unknown>);
    }
  };
  for (const e of events) if (e.fields !== undefined) count(e.fields);
  const ms: number[] = [];
  let changed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (const e of events) {
      if (redaction.base.redactEvent(e)) changed++;
    }
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const ns = (t: number) => ((t * 1e6) / events.length).toFixed(0);
  console.log(
    `parsed ${events.length} records, ${(strings / events.length).toFixed(1)} field strings each: median ${ns(ms[Math.floor(ms.length / 2)] as number)} ns/record, best ${ns(ms[0] as number)} ns/record  [${changed} changed]`,
  );
}

function run(name: string, input: string[], redaction: Redaction): void {
  const bytes = input.reduce((n, l) => n + Buffer.byteLength(l), 0);
  const ms: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (const l of input) sink += redaction.base.redactString(l).length;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)] as number;
  const best = ms[0] as number;
  const mbs = (t: number) => ((bytes / 1e6) / (t / 1000)).toFixed(0);
  console.log(
    `${name.padEnd(6)} ${input.length} lines, ${(bytes / 1e6).toFixed(1)} MB: median ${mbs(median)} MB/s (${((median * 1e6) / input.length).toFixed(0)} ns/line), best ${mbs(best)} MB/s  [${sink % 10}]`,
  );
}

function main(): void {
  const nodeLogs = corpus();
  const clean = lines(nodeLogs);
  const secrets = secretCorpus().secrets.map((c) => c.message);
  const mixed = clean.map((l, i) => (i % 20 === 7 ? (secrets[i % secrets.length] as string) : l));
  const redaction = new Redaction(redactSchema.parse({}));
  for (const l of clean) redaction.base.redactString(l);
  const fp = redaction.ruleNames.map((n, i) => `${n}=${redaction.counts[i]}`).filter((s) => !s.endsWith('=0'));
  console.log(`matches in the clean corpus (default rules): ${fp.length === 0 ? 'none' : fp.join(' ')}`);
  redaction.counts.fill(0);
  // Reference under the same load: a loop that only reads every character code of every line.
  const bytes = clean.reduce((n, l) => n + l.length, 0);
  let best = Infinity;
  let x = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (const l of clean) for (let i = 0; i < l.length; i++) x += l.charCodeAt(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`reference: reading every char code: best ${(bytes / 1e6 / (best / 1000)).toFixed(0)} MB/s  [${x % 10}]`);
  run('clean', clean, redaction);
  run('mixed', mixed, redaction);
  runParsed(parsed(nodeLogs), redaction);
}

main();
