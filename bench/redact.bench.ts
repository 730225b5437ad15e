/**
 * Redaction throughput with the default rules, one core: MB/s and ns/line on
 *   clean  the benchmark corpus of node log lines (JSON, plain, HAProxy, syslog), no secrets: the pre-check
 *          path, target > 200 MB/s;
 *   mixed  the same lines with 5% replaced by the redaction test corpus (secrets of every rule).
 * Also prints what the default rules matched in the clean corpus (false positives, if any).
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/hb && ln -sfn "$PWD/node_modules" /tmp/hb/node_modules
 *       node /tmp/hb/bench/redact.bench.js [MiB=32] [rounds=7]
 * The clean corpus is generated under $TMPDIR/herald-redact-corpus (bench/corpus.ts, seed 42).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from './corpus';
import { generateCorpus as secretCorpus } from '../test/fixtures/redact/generate';
import { redactSchema } from '../src/redact/config';
import { Redaction } from '../src/redact/compile';

const MIB = Number(process.argv[2] ?? 32);
const ROUNDS = Number(process.argv[3] ?? 7);

function lines(): string[] {
  const c = generateCorpus(join(tmpdir(), 'herald-redact-corpus'), MIB * 1024 * 1024);
  return c.files.flatMap((f) => readFileSync(f.path, 'utf8').split('\n').filter((l) => l !== ''));
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
  const clean = lines();
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
}

main();
