/**
 * Native blocks (src/native) seen as log events, for the tests that read what a source emits: each document
 * is parsed back into the fields a LogEvent has (message, offset, size, flags, level, time, parsed fields),
 * so the same assertions hold whether a file was read through the native engine or in JavaScript.
 */
import { DOC_END, DOC_SIZE, DOC_START, DOC_STRIDE, DOC_TIMESTAMP, LogFlag, makeLogEvent, type LogBlock, type LogEvent, type LogFlagName, type LogOrigin, type LogRecord } from '../../src/pipeline/records';

/** The documents of a block as log events (kept documents only). */
export function blockEvents(b: LogBlock): LogEvent[] {
  const out: LogEvent[] = [];
  for (let k = 0; k < b.count; k++) {
    if (b.dropped?.[k] === 1) continue;
    const i = k * DOC_STRIDE;
    const doc = JSON.parse(b.buf.toString('utf8', b.docs[i + DOC_START], (b.docs[i + DOC_END] as number) - 1)) as Record<string, unknown>;
    const log = (doc['log'] ?? {}) as Record<string, unknown>;
    let flags = 0;
    for (const name of (log['flags'] as LogFlagName[] | undefined) ?? []) flags |= LogFlag[name];
    const e = makeLogEvent(b.origin, doc['message'] as string, (log['offset'] as number | undefined) ?? 0, b.docs[i + DOC_SIZE] as number, flags, Date.parse((doc['@timestamp'] as string | undefined) ?? '1970-01-01T00:00:00Z'));
    e.level = log['level'] as string | undefined;
    const ev = doc['event'] as { dataset: string } | undefined;
    if (ev !== undefined) e.dataset = ev.dataset;
    const fields: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(doc)) {
      if (!['@timestamp', 'message', 'log', 'event', 'host', 'service', 'mesos', 'container', 'orchestrator', 'labels'].includes(key)) fields[key] = v;
    }
    const logRest = Object.fromEntries(Object.entries(log).filter(([key]) => !['file', 'offset', 'level', 'flags'].includes(key)));
    if (Object.keys(logRest).length > 0) fields['log'] = logRest;
    e.fields = Object.keys(fields).length > 0 ? fields : undefined;
    out.push(e);
  }
  return out;
}

/** Log events of a batch, blocks expanded in place. */
export function asEvents(records: readonly LogRecord[]): LogEvent[] {
  const out: LogEvent[] = [];
  for (const r of records) {
    if (r.kind === 'log') out.push(r);
    else out.push(...blockEvents(r));
  }
  return out;
}

/**
 * A block of documents as the native engine makes them (for the stages and sinks' tests): `docs` are whole
 * JSON documents, `sizes` the raw line sizes (default: the document's length). `released` counts release().
 */
export function makeBlock(
  origin: LogOrigin, docs: string[], opts: { sizes?: number[]; timestampMs?: number; judgedBy?: object } = {},
): LogBlock & { released: number } {
  const bufs = docs.map((d) => Buffer.from(`${d}\n`));
  const buf = Buffer.concat(bufs);
  const meta = new Float64Array(docs.length * DOC_STRIDE);
  let at = 0;
  bufs.forEach((b, k) => {
    meta[k * DOC_STRIDE + DOC_START] = at;
    meta[k * DOC_STRIDE + DOC_END] = at + b.length;
    meta[k * DOC_STRIDE + DOC_TIMESTAMP] = opts.timestampMs ?? Date.UTC(2026, 10, 21, 12);
    meta[k * DOC_STRIDE + DOC_SIZE] = opts.sizes?.[k] ?? b.length - 1;
    at += b.length;
  });
  const block = {
    kind: 'logblock' as const, origin, count: docs.length, buf, docs: meta, dropped: undefined, kept: docs.length,
    judgedBy: opts.judgedBy, released: 0,
    release: () => {
      block.released++;
    },
  };
  return block;
}
