/**
 * Where the time of one log line goes, stage by stage, on one core and in one process (no I/O wait, no
 * pipeline bookkeeping): over the foundation corpus, per format, in batches of 2,000 lines like the tail
 * source, it times
 *   decode   bytes → line strings (newline search and UTF-8 decoding, as the line splitter does) + the event
 *   parse    the configured parser
 *   redact   the default rules, as the transform applies them (Redactor.redactEvent)
 *   write    the Elasticsearch document and its bulk action line, written as UTF-8 into an NDJSON body
 *            (DocumentEncoder.write into an NdjsonWriter), as the file output and the Elasticsearch sink do
 * and, as the floor of this machine, the reference loop of the foundation issue: read, split and serialise
 * every line into a bulk body with no parsing (`{"message":...}` documents).
 *
 * The sum per line gives the most one core can do with every stage on (lines/s) and the CPU seconds per GiB
 * it costs, before any I/O, acknowledgement or garbage collection of the real agent.
 * Each round also runs every stage but redaction: the difference of the totals is what redaction really
 * costs, which is less than its own time, since the strings it reads are then in cache for the write.
 *
 * Run:  npx tsc -p tsconfig.json --outDir /tmp/hb && ln -sfn "$PWD/node_modules" /tmp/hb/node_modules
 *       node /tmp/hb/bench/stages.bench.js [MiB=300] [rounds=3] [formats=json,plain,haproxy,syslog]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus } from './corpus';
import { REPO } from './agent-process';
import { createParser, type LogFormat } from '../src/logs/parse';
import { makeLogEvent, type LogEvent, type LogOrigin } from '../src/pipeline/records';
import { redactSchema } from '../src/redact/config';
import { Redaction } from '../src/redact/compile';
import { DocumentEncoder, IndexNamer } from '../src/sinks/elasticsearch/encode';
import { BodySize, NdjsonWriter } from '../src/sinks/ndjson-writer';

const MIB = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 3);
const FORMATS = (process.argv[4] ?? 'json,plain,haproxy,syslog').split(',') as LogFormat[];
const BATCH = 2000;
const STAGES = ['decode', 'parse', 'redact', 'write'] as const;
type Times = Record<(typeof STAGES)[number], number>;

const now = () => Number(process.hrtime.bigint());

/** One pass over a file in batches: ns spent in each stage, summed. */
function timeFile(buf: Buffer, format: LogFormat, origin: LogOrigin, redaction: Redaction | undefined): { t: Times; lines: number } {
  const parser = createParser(format);
  const encoder = new DocumentEncoder('node-1');
  const index = new IndexNamer('herald-logs-%Y.%m.%d');
  const redactor = redaction?.forApp(origin.identity.app);
  const size = new BodySize();
  const t: Times = { decode: 0, parse: 0, redact: 0, write: 0 };
  const nowMs = Date.now();
  let pos = 0;
  let lines = 0;
  while (pos < buf.length) {
    const t0 = now();
    const batch: LogEvent[] = [];
    while (batch.length < BATCH && pos < buf.length) {
      let nl = buf.indexOf(10, pos);
      if (nl === -1) nl = buf.length;
      if (nl > pos) batch.push(makeLogEvent(origin, buf.toString('utf8', pos, nl), pos, nl - pos + 1, 0, nowMs));
      pos = nl + 1;
    }
    const t1 = now();
    for (const e of batch) parser.parse(e, nowMs);
    const t2 = now();
    if (redactor !== undefined) for (const e of batch) redactor.redactEvent(e);
    const t3 = now();
    // Sized as the sinks do: from the bytes per record of the previous batch.
    const w = new NdjsonWriter(size.for(batch.length));
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i] as LogEvent;
      encoder.write(w, e, index.head(e.timestampMs));
    }
    size.observe(w.result().length, batch.length);
    const t4 = now();
    t.decode += t1 - t0;
    t.parse += t2 - t1;
    t.redact += t3 - t2;
    t.write += t4 - t3;
    lines += batch.length;
  }
  return { t, lines };
}

/** The foundation issue's reference: read, split, serialise into bulk bodies, nothing else. */
function reference(buf: Buffer): { ns: number; lines: number } {
  const action = '{"create":{"_index":"herald-logs"}}';
  const t0 = now();
  let pos = 0;
  let lines = 0;
  while (pos < buf.length) {
    const w = new NdjsonWriter(BATCH * 256);
    for (let k = 0; k < BATCH && pos < buf.length; k++) {
      let nl = buf.indexOf(10, pos);
      if (nl === -1) nl = buf.length;
      w.line(action).line(JSON.stringify({ message: buf.toString('utf8', pos, nl) }));
      pos = nl + 1;
      lines++;
    }
    w.result();
  }
  return { ns: now() - t0, lines };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const GIB = 2 ** 30;

function main(): void {
  const corpus = generateCorpus(join(REPO, 'bench', '.corpus'), MIB * 1024 * 1024);
  const redaction = new Redaction(redactSchema.parse({}));
  const identity = { app: '/shop/web', docFragment: '"service":{"name":"/shop/web"}', labels: {} };
  const files = corpus.files.map((f) => ({ ...f, buf: readFileSync(f.path), origin: { path: f.path, dataset: `bench.${f.format}`, identity } }));
  console.log(`corpus: ${corpus.lines} lines, ${(corpus.bytes / 1048576).toFixed(0)} MiB; batches of ${BATCH}; median of ${ROUNDS} rounds`);
  console.log(`${'format'.padEnd(8)} ${'lines'.padStart(8)} ${STAGES.map((s) => s.padStart(7)).join(' ')}   total  ns/line`);
  const all: Times = { decode: 0, parse: 0, redact: 0, write: 0 };
  let allLines = 0;
  let allWithout = 0;
  for (const format of FORMATS) {
    const mine = files.filter((f) => f.format === format);
    const rounds: { t: Times; lines: number }[] = [];
    const without: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const sum: Times = { decode: 0, parse: 0, redact: 0, write: 0 };
      let lines = 0;
      let off = 0;
      for (const f of mine) {
        const one = timeFile(f.buf, format, f.origin, redaction);
        for (const s of STAGES) sum[s] += one.t[s];
        lines += one.lines;
        const t = timeFile(f.buf, format, f.origin, undefined).t;
        off += t.decode + t.parse + t.write;
      }
      rounds.push({ t: sum, lines });
      without.push(off);
    }
    const lines = (rounds[0] as { lines: number }).lines;
    const per: Times = { decode: 0, parse: 0, redact: 0, write: 0 };
    for (const s of STAGES) {
      per[s] = median(rounds.map((r) => r.t[s])) / lines;
      all[s] += per[s] * lines;
    }
    allLines += lines;
    allWithout += median(without);
    const total = STAGES.reduce((n, s) => n + per[s], 0);
    console.log(`${format.padEnd(8)} ${String(lines).padStart(8)} ${STAGES.map((s) => per[s].toFixed(0).padStart(7)).join(' ')} ${total.toFixed(0).padStart(7)}   without redaction ${(median(without) / lines).toFixed(0)}`);
  }
  const totalNs = STAGES.reduce((n, s) => n + all[s], 0);
  console.log(`${'mix'.padEnd(8)} ${String(allLines).padStart(8)} ${STAGES.map((s) => (all[s] / allLines).toFixed(0).padStart(7)).join(' ')} ${(totalNs / allLines).toFixed(0).padStart(7)}`);
  console.log(`shares of the mix: ${STAGES.map((s) => `${s} ${((all[s] / totalNs) * 100).toFixed(0)}%`).join(', ')}`);
  const cost = (totalNs - allWithout) / allLines;
  console.log(`redaction's real cost (total with it - total without, same rounds): ${cost.toFixed(0)} ns/line, ${((cost / (totalNs / allLines)) * 100).toFixed(1)}% of the total`);
  const chosen = files.filter((f) => FORMATS.includes(f.format));
  const bytes = chosen.reduce((n, f) => n + f.buf.length, 0);
  const figures = (ns: number, lines: number) => `${((lines / ns) * 1e9).toFixed(0)} lines/s on one core, ${(ns / 1e9 / (bytes / GIB)).toFixed(1)} CPU s/GiB`;
  console.log(`all stages, one core, no I/O: ${figures(totalNs, allLines)}`);
  const refs = Array.from({ length: ROUNDS }, () => chosen.reduce((acc, f) => { const r = reference(f.buf); return { ns: acc.ns + r.ns, lines: acc.lines + r.lines }; }, { ns: 0, lines: 0 }));
  const ref = { ns: median(refs.map((r) => r.ns)), lines: (refs[0] as { lines: number }).lines };
  console.log(`reference loop (read, split, serialise {"message"} bulk bodies): ${figures(ref.ns, ref.lines)}`);
}

main();
