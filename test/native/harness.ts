/**
 * Differential runs of the native line engine against the JavaScript path, I/O-free: the same bytes go
 * through an EventAssembler and a NativeAssembler, read the way TailedFile.read reads a file (chunks of a
 * reused buffer, unconsumed bytes read again, batches bounded by records and bytes, drained at the end),
 * then through the redaction stage, and every event is written as a document. The native path must give
 * the same documents: its blocks byte for byte, its fallbacks through the same JavaScript parser.
 */
import { EventAssembler, type Assembler, type BatchRoom } from '../../src/logs/tail/event-assembler';
import { NativeAssembler, NativeScratch } from '../../src/logs/tail/native-assembler';
import { GroupRuntime, type WatchGroup } from '../../src/logs/tail/groups';
import { createParser } from '../../src/logs/parse';
import type { NativeLines } from '../../src/native/native-lines';
import { DOC_END, DOC_START, DOC_STRIDE, type LogRecord } from '../../src/pipeline/records';
import { DocumentEncoder } from '../../src/sinks/elasticsearch/encode';
import type { RedactTransform } from '../../src/redact/redact-transform';

export const NOW_MS = Date.UTC(2026, 10, 21, 12, 0, 0, 0);

export interface ReadShape {
  /** Read buffer size (longer than maxLineBytes). */
  chunk: number;
  maxRecords: number;
  maxBytes: number;
}

export interface Documents {
  /** Every document, sorted by log.offset then text. */
  docs: string[];
  /** Documents the engine wrote itself (native path only). */
  native: number;
  /** Events handed back to JavaScript (native path only). */
  fallbacks: number;
  lines: number;
}

/** Reads `data` to its end through `a`, as a draining file (the last line without a newline is emitted too). */
export function readAll(a: Assembler, data: Buffer, shape: ReadShape): { records: LogRecord[]; lines: number } {
  const buf = Buffer.alloc(shape.chunk);
  const scratch = new NativeScratch();
  const records: LogRecord[] = [];
  let pos = 0;
  let lines = 0;
  for (let round = 0; round < 1_000_000; round++) {
    const rc: BatchRoom = { out: [], maxRecords: shape.maxRecords, maxBytes: shape.maxBytes, nowMs: NOW_MS, nowMonoMs: 1000, native: scratch };
    a.begin(rc);
    let eof = false;
    while (!eof && a.hasRoom()) {
      const n = Math.min(buf.length, data.length - pos);
      data.copy(buf, 0, pos, pos + n);
      const short = n < buf.length;
      const consumed = a.scan(buf, n, pos, short);
      pos += consumed;
      if (short && (consumed === n || a.hasRoom())) eof = true;
    }
    if (eof) a.flush();
    lines += a.end().lines;
    records.push(...rc.out);
    if (eof && !a.busy && pos === data.length) return { records, lines };
  }
  throw new Error('readAll: no end');
}

/** The documents of records, as the sinks would write them (after the redaction stage, when given). */
export function documents(records: LogRecord[], hostName: string, redact?: RedactTransform): Omit<Documents, 'lines'> {
  const batch = redact === undefined ? { records } : redact.apply({ records });
  const enc = new DocumentEncoder(hostName);
  const out: { offset: number; doc: string }[] = [];
  let native = 0;
  let fallbacks = 0;
  for (const r of batch.records) {
    if (r.kind === 'log') {
      fallbacks++;
      out.push({ offset: r.offset, doc: enc.encode(r) });
    } else if (r.kind === 'logblock') {
      for (let k = 0; k < r.count; k++) {
        const i = k * DOC_STRIDE;
        const doc = r.buf.toString('utf8', r.docs[i + DOC_START], (r.docs[i + DOC_END] as number) - 1);
        out.push({ offset: (JSON.parse(doc) as { log: { offset: number } }).log.offset, doc });
        native++;
      }
      r.release();
    }
  }
  out.sort((x, y) => x.offset - y.offset || (x.doc < y.doc ? -1 : x.doc > y.doc ? 1 : 0));
  return { docs: out.map((d) => d.doc), native, fallbacks };
}

/** The same bytes through JavaScript and through the engine: both sets of documents. */
export function bothPaths(
  group: WatchGroup, data: Buffer, shape: ReadShape, lines: NativeLines, redact?: RedactTransform,
): { js: Documents; native: Documents } {
  const path = '/var/log/test.log';
  const jsGroup = new GroupRuntime(group, createParser);
  const js = readAll(new EventAssembler(jsGroup, path), data, shape);
  const nGroup = new GroupRuntime(group, createParser, lines);
  if (nGroup.native === undefined) throw new Error(`the engine does not take group ${group.id} (format ${group.format})`);
  const nat = readAll(new NativeAssembler(nGroup, path, lines), data, shape);
  const jsDocs = documents(js.records, 'node-1.test', redact);
  const natDocs = documents(nat.records, 'node-1.test', redact);
  return { js: { ...jsDocs, native: 0, lines: js.lines }, native: { ...natDocs, lines: nat.lines } };
}
