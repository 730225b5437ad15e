/**
 * TailSource throughput: lines/s and MB/s reading a deterministic ~200 MB file with a plain parser,
 * committing every batch the way the runner does (offsets writes coalesced).
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/tb && node /tmp/tb/bench/tail.bench.js [sizeMB]
 *
 * The corpus is generated once under bench/.corpus/ (git-ignored) and reused.
 */
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { systemClock } from '../src/pipeline/context';
import { createRegistry } from '../src/observability/metrics';
import type { LineParser, LogFormat } from '../src/logs/parse/contract';
import { TailSource, type WatchGroup } from '../src/logs/tail/tail-source';

const WORDS = ['GET', 'POST', 'user', 'order', 'payment', 'timeout', 'connection', 'reset', 'cache', 'miss', 'hit',
  'request', 'completed', 'in', 'ms', 'status', 'ok', 'error', 'retrying', 'upstream', 'session', 'token', 'ünïcødé'];

/** xorshift32: the same corpus on every machine. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

async function corpus(sizeBytes: number): Promise<{ file: string; lines: number }> {
  const base = path.resolve('bench/.corpus'); // run from the repository root
  await mkdir(base, { recursive: true });
  const file = path.join(base, `tail-${sizeBytes}.log`);
  const meta = `${file}.lines`;
  if (existsSync(file) && existsSync(meta) && statSync(file).size >= sizeBytes) {
    return { file, lines: Number(readFileSync(meta, 'utf8')) };
  }
  const next = rng(0x5eed);
  const out = createWriteStream(file);
  let written = 0;
  let lines = 0;
  let t = Date.UTC(2026, 0, 1);
  while (written < sizeBytes) {
    let chunk = '';
    for (let i = 0; i < 2000; i++) {
      t += next() % 50;
      const words = 5 + (next() % 25);
      let msg = '';
      for (let w = 0; w < words; w++) msg += (w ? ' ' : '') + WORDS[next() % WORDS.length];
      chunk += `${new Date(t).toISOString()} host-${next() % 16} app[${next() % 30000}]: ${msg}\n`;
      lines++;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  writeFileSync(meta, String(lines));
  return { file, lines };
}

async function run(file: string, expected: number, commit: boolean): Promise<{ lines: number; bytes: number; ms: number }> {
  const state = mkdtempSync(path.join(os.tmpdir(), 'herald-tail-bench-'));
  const parserFor = (format: LogFormat): LineParser => ({ format, parse: () => undefined });
  const group: WatchGroup = {
    id: 'bench', include: [file], exclude: [], format: 'plain', dataset: 'bench.log',
    identity: { app: 'bench', docFragment: '', labels: {} }, startAt: 'beginning', maxLineBytes: 64 * 1024,
  };
  const source = new TailSource({
    name: 'bench', groups: [group], parserFor,
    context: { logger: pino({ level: 'silent' }), metrics: createRegistry(false), clock: systemClock, stateDir: state, hostname: 'bench' },
    batchMaxRecords: 2000, batchMaxBytes: 4 * 1024 * 1024, batchMaxWaitMs: 1000,
    rescanIntervalMs: 10_000, readChunkBytes: 256 * 1024,
  });
  const ctl = new AbortController();
  let lines = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  for await (const batch of source.batches(ctl.signal)) {
    lines += batch.records.length;
    for (const r of batch.records) if (r.kind === 'log') bytes += r.sizeBytes + 1; // no native engine here: no blocks
    if (commit) void source.commit(batch.checkpoint);
    if (lines >= expected) break;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await source.close();
  rmSync(state, { recursive: true, force: true });
  return { lines, bytes, ms };
}

async function main(): Promise<void> {
  const sizeMB = Number(process.argv[2] ?? 200);
  const { file, lines } = await corpus(sizeMB * 1024 * 1024);
  console.log(`corpus ${file}: ${lines} lines, ${(statSync(file).size / 1048576).toFixed(0)} MiB`);
  await run(file, Math.min(lines, 200_000), false); // warm-up (JIT, page cache)
  for (const commit of [false, true]) {
    for (let i = 0; i < 3; i++) {
      const r = await run(file, lines, commit);
      const s = r.ms / 1000;
      console.log(
        `tail${commit ? '+commit' : ''}: ${r.lines} lines in ${r.ms.toFixed(0)} ms = ` +
        `${Math.round(r.lines / s).toLocaleString('en')} lines/s, ${(r.bytes / 1048576 / s).toFixed(1)} MiB/s, ` +
        `${((r.ms * 1e6) / r.lines).toFixed(0)} ns/line`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
