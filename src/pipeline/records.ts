/**
 * The two record kinds that flow through Herald. Every record of a kind has the same fields in the same
 * order (one V8 shape); optional parts are `undefined`, never absent.
 */

/** Bit flags on a log event; encoded as `log.flags` (names below) in the shipped document. */
export const LogFlag = {
  truncated: 1,      // the line exceeded max_line_bytes and was cut
  invalid_utf8: 2,   // the bytes were not valid UTF-8 (shipped with U+FFFD replacements)
  binary: 4,         // control/NUL bytes found (shipped escaped by JSON)
  parse_failure: 8,  // the configured parser did not match; shipped as plain text
  multiline: 16,     // several physical lines joined into one event
} as const;
export type LogFlagName = keyof typeof LogFlag;
export const LOG_FLAG_NAMES = Object.keys(LogFlag) as LogFlagName[];

/**
 * Who a record belongs to: computed once per file or container and shared by all its records.
 * `docFragment` is the pre-serialised JSON members (no braces, no leading comma) added to every document,
 * e.g. `"service":{"name":"/shop/web"},"mesos":{...}`; empty string when there is nothing to add.
 */
export interface Identity {
  /** The per-app key for QoS, dashboards and alerts (Marathon app id, else framework name + executor id). */
  readonly app: string;
  readonly docFragment: string;
  /** Task labels, for per-app overrides (QoS rates, redaction, extra log files). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Where a log line came from: one object per open file, shared by its records. */
export interface LogOrigin {
  readonly path: string;
  /** Default event.dataset for this file (e.g. system.syslog, haproxy.log, mesos.sandbox). */
  readonly dataset: string;
  readonly identity: Identity;
}

export interface LogEvent {
  readonly kind: 'log';
  /** @timestamp in ms since the epoch: from the line when it carries one, else the time it was read. */
  timestampMs: number;
  message: string;
  /** log.level, lower-case, when known. */
  level: string | undefined;
  /** event.dataset; normally origin.dataset. */
  dataset: string;
  origin: LogOrigin;
  /** Byte offset of the first byte of this event in its file (log.offset). */
  offset: number;
  /** Raw size in bytes as read (before truncation), for QoS and accounting. */
  sizeBytes: number;
  /** Bitset of LogFlag. */
  flags: number;
  /**
   * Parsed fields as nested ECS objects (`source`, `http`, `url`, `haproxy`, `process`, ...). The members of
   * `fields.log` are merged into the document's `log` object; other top-level keys must not be
   * `@timestamp`, `message`, `event`, `host`, `service` (the encoder owns those).
   */
  fields: Record<string, unknown> | undefined;
  /**
   * The whole line every string of `fields` and `message` was cut from, when the parser guarantees it
   * (logs/parse/token-fields.ts): redaction then checks this one string instead of each field. Not shipped.
   */
  parsedLine: string | undefined;
  /** error.message when parsing failed (with LogFlag.parse_failure). */
  error: string | undefined;
}

/** InfluxDB field value: number is written as a float, bigint as an integer (i, or u beyond int64). */
export type FieldValue = number | bigint | string | boolean;

export interface MetricPoint {
  readonly kind: 'metric';
  measurement: string;
  /** Bounded-cardinality tags (host, app, framework, ...). */
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timestampMs: number;
  /** The per-app key (series budget, QoS); '' for node-level points. */
  app: string;
}

/**
 * Log events of one origin already encoded as Elasticsearch documents by the native line engine
 * (src/native): one record for many events, so the per-event work stays out of JavaScript. The documents
 * sit in `buf`, one after the other, each ending with a newline; `docs` holds DOC_STRIDE numbers per
 * document (see DOC_* below). Only what the documents were checked for travels with them: the native
 * redaction gate found nothing to redact in them for their origin's rule set, so the redaction stage passes
 * them as they are. The QoS stage marks the documents it drops in `dropped` and never touches the bytes.
 */
export interface LogBlock {
  readonly kind: 'logblock';
  readonly origin: LogOrigin;
  /** Documents in the block. */
  readonly count: number;
  readonly buf: Buffer;
  readonly docs: Float64Array;
  /** Set by the QoS stage when it dropped some: 1 = dropped (the sinks skip it). */
  dropped: Uint8Array | undefined;
  /** Documents not dropped. */
  kept: number;
  /**
   * The redaction rule set (a Redactor) whose gate judged the documents, undefined when redaction is off:
   * the redaction stage refuses a block judged by any other rule set than the one of its origin's app.
   */
  readonly judgedBy: object | undefined;
  /**
   * Gives `buf` back for reuse (idempotent). A sink copies the documents it needs within its `write` call, before
   * it returns, and then calls this: the fan-out to several sinks calls their `write`s one after the other
   * with nothing in between, so the next sink still reads the same bytes.
   */
  release(): void;
}

/** The numbers kept per document of a LogBlock, at i * DOC_STRIDE + DOC_*. */
export const DOC_STRIDE = 4;
export const DOC_START = 0;
export const DOC_END = 1;
export const DOC_TIMESTAMP = 2;
/** Raw size in bytes as read, for QoS (LogEvent.sizeBytes). */
export const DOC_SIZE = 3;

/** Calls `visit` with the byte range and timestamp of every document of `b` that was not dropped, in order. */
export function forEachKept(b: LogBlock, visit: (start: number, end: number, timestampMs: number) => void): void {
  const docs = b.docs;
  const dropped = b.dropped;
  for (let k = 0; k < b.count; k++) {
    if (dropped !== undefined && dropped[k] === 1) continue;
    const i = k * DOC_STRIDE;
    visit(docs[i + DOC_START] as number, docs[i + DOC_END] as number, docs[i + DOC_TIMESTAMP] as number);
  }
}

/** What a log source yields: events, and blocks of events encoded natively. */
export type LogRecord = LogEvent | LogBlock;

export type HeraldRecord = LogEvent | LogBlock | MetricPoint;

/** Events a list of records stands for: a block counts its documents. */
export function eventCount(records: readonly HeraldRecord[]): number {
  let n = 0;
  for (const r of records) n += r.kind === 'logblock' ? r.count : 1;
  return n;
}

export function makeLogEvent(
  origin: LogOrigin,
  message: string,
  offset: number,
  sizeBytes: number,
  flags: number,
  timestampMs: number,
): LogEvent {
  return {
    kind: 'log',
    timestampMs,
    message,
    level: undefined,
    dataset: origin.dataset,
    origin,
    offset,
    sizeBytes,
    flags,
    fields: undefined,
    parsedLine: undefined,
    error: undefined,
  };
}

export function makeMetricPoint(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, FieldValue>,
  timestampMs: number,
  app = '',
): MetricPoint {
  return { kind: 'metric', measurement, tags, fields, timestampMs, app };
}

export function flagNames(flags: number): LogFlagName[] {
  const out: LogFlagName[] = [];
  for (const name of LOG_FLAG_NAMES) if (flags & LogFlag[name]) out.push(name);
  return out;
}
