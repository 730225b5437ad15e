/**
 * Log event → Elasticsearch document (Elastic Common Schema), written by hand straight into the output body:
 * the constant parts of a document (host, identity, bulk action line, the second of the timestamp) are
 * encoded once, the values (message, offset, parsed fields) written by the body's JSON methods and
 * json-bytes.ts. The output is exactly what JSON.stringify of the nested object would give, minus undefined
 * members (test/sinks/elasticsearch/encode.test.ts compares the two).
 */
import { DOC_END, DOC_START, DOC_STRIDE, DOC_TIMESTAMP, LOG_FLAG_NAMES, LogFlag, forEachKept, type LogBlock, type LogEvent } from '../../pipeline/records';
import { nativeBinding, type NativeBinding } from '../../native/binding';
import type { ItemOffsets } from './item-offsets';
import { writeJsonMembers } from '../json-bytes';
import { NdjsonWriter } from '../ndjson-writer';

/** `,"flags":[...]` for every combination of flags ('' for none), as bytes. */
const FLAG_BYTES: Buffer[] = [];
for (let bits = 0; bits < 1 << LOG_FLAG_NAMES.length; bits++) {
  const names = LOG_FLAG_NAMES.filter((n) => bits & LogFlag[n]);
  FLAG_BYTES.push(Buffer.from(names.length === 0 ? '' : `,"flags":${JSON.stringify(names)}`));
}
const AFTER_TIMESTAMP = Buffer.from('Z","message":');
const LEVEL_KEY = Buffer.from(',"level":');
const ERROR_KEY = Buffer.from(',"error":{"message":');
const CLOSE = 0x7d;
const NEWLINE = 0x0a;

/** Members of `fields` that the encoder owns: parsers must not set these, and they are ignored if they do. */
const OWNED = new Set(['@timestamp', 'message', 'event', 'host', 'service', 'log', 'error']);
/** Keys of `fields` that the encoder owns (`log` is merged into its own). */
const isOwnedKey = (key: string) => OWNED.has(key);
/** Keys of `fields.log` that the encoder owns. */
const isOwnedLogKey = (key: string) => key === 'file' || key === 'offset' || key === 'level' || key === 'flags';

/** `,"log":{"file":{"path":…},"offset":`: what precedes the offset in every document of an origin. */
export function logHead(origin: LogEvent['origin']): Buffer {
  return Buffer.from(`,"log":{"file":{"path":${JSON.stringify(origin.path)}},"offset":`);
}

/** The constant parts of every document of one origin (file), encoded once. */
interface OriginParts {
  logHead: Buffer; // ,"log":{"file":{"path":...},"offset":
  tail: Buffer; // },"event":{...},"host":{...}[,identity]
}

export class DocumentEncoder {
  readonly #hostJson: string;
  readonly #origins = new WeakMap<LogEvent['origin'], OriginParts>();
  #second = NaN;
  /** `{"@timestamp":"YYYY-MM-DDTHH:MM:SS.` of #second. */
  #secondBytes = Buffer.alloc(0);

  constructor(hostName: string) {
    this.#hostJson = `"host":{"name":${JSON.stringify(hostName)}}`;
  }

  #parts(origin: LogEvent['origin']): OriginParts {
    let parts = this.#origins.get(origin);
    if (parts === undefined) {
      parts = { logHead: logHead(origin), tail: Buffer.from(this.tail(origin, origin.dataset)) };
      this.#origins.set(origin, parts);
    }
    return parts;
  }

  /** What follows the `log` object: `},"event":{"dataset":…},"host":{…}[,identity]`. */
  tail(origin: LogEvent['origin'], dataset: string): string {
    const identity = origin.identity.docFragment;
    return `},"event":{"dataset":${JSON.stringify(dataset)}},${this.#hostJson}${identity === '' ? '' : `,${identity}`}`;
  }

  /** One document as a JSON string (tests, and callers without a body to write into). */
  encode(e: LogEvent): string {
    const w = new NdjsonWriter(1024);
    this.write(w, e);
    return w.result().toString('utf8', 0, w.length - 1);
  }

  /**
   * Writes one document line into `w`: `head` first (the bulk action line), then the document, then a
   * newline. Written in parts, never as one concatenated string (V8 would flatten it before the write): the
   * constant parts as bytes encoded once (per origin, per second, per day), the values through the
   * writer's JSON methods and json-bytes.ts.
   */
  write(w: NdjsonWriter, e: LogEvent, head?: Buffer): void {
    const parts = this.#parts(e.origin);
    if (head !== undefined) w.bytes(head);
    this.#timestamp(w, e.timestampMs);
    w.jsonString(e.message);
    w.bytes(parts.logHead);
    w.jsonNumber(e.offset);
    if (e.level !== undefined) {
      w.bytes(LEVEL_KEY);
      w.jsonString(e.level);
    }
    w.bytes(FLAG_BYTES[e.flags & (FLAG_BYTES.length - 1)] as Buffer);
    const fields = e.fields;
    const logFields = fields?.log;
    if (logFields !== undefined && logFields !== null && typeof logFields === 'object' && !Array.isArray(logFields)) {
      writeJsonMembers(w, logFields as Record<string, unknown>, isOwnedLogKey);
    }
    if (e.dataset === e.origin.dataset) w.bytes(parts.tail);
    else w.part(this.tail(e.origin, e.dataset));
    if (fields !== undefined) writeJsonMembers(w, fields, isOwnedKey);
    if (e.error !== undefined) {
      w.bytes(ERROR_KEY);
      w.jsonString(e.error);
      w.byte(CLOSE);
    }
    w.byte(CLOSE);
    w.byte(NEWLINE);
  }

  /** `{"@timestamp":"<ISO 8601 with milliseconds>","message":`, as isoTimestamp() gives the time. */
  #timestamp(w: NdjsonWriter, ms: number): void {
    ms = isoRange(ms);
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#secondBytes = Buffer.from(`{"@timestamp":"${isoSecond(second)}.`);
    }
    w.bytes(this.#secondBytes);
    const millis = Math.floor(ms - second * 1000);
    w.byte(0x30 + Math.floor(millis / 100));
    w.byte(0x30 + (Math.floor(millis / 10) % 10));
    w.byte(0x30 + (millis % 10));
    w.bytes(AFTER_TIMESTAMP);
  }
}

/**
 * The kept documents of a native block (src/native), each after its action line, as `DocumentEncoder.write`
 * would have written their events: the native engine wrote the documents themselves. With `offsets`, each
 * item's offsets are added (ItemSet). Returns how many items were written.
 *
 * One native call copies a run of documents of the same day (native/src/items.rs): a JavaScript call and a
 * Buffer view per document cost a tenth of the main thread into a bulk receiver. Without the addon (a block
 * made by a test), the same loop in JavaScript.
 */
export function writeBlock(w: NdjsonWriter, b: LogBlock, namer: IndexNamer, offsets?: ItemOffsets): number {
  const native = nativeBinding();
  return native === undefined ? writeBlockInJs(w, b, namer, offsets) : writeBlockNative(native, w, b, namer, offsets);
}

/** `writeBlock` without the addon (exported for the test that compares the two). */
export function writeBlockInJs(w: NdjsonWriter, b: LogBlock, namer: IndexNamer, offsets?: ItemOffsets): number {
  let n = 0;
  forEachKept(b, (start, end, timestampMs) => {
    writeItem(w, namer.head(timestampMs), b.buf, start, end, offsets);
    n++;
  });
  return n;
}

function writeItem(w: NdjsonWriter, head: Buffer, src: Buffer, start: number, end: number, offsets: ItemOffsets | undefined): void {
  const at = w.length;
  w.bytes(head);
  w.raw(src, start, end);
  offsets?.add(at, at + head.length, w.length);
}

/** The native writer's cursor: [next document, next byte of the body, next item]. */
const cursor = new Float64Array(3);
const NO_HEAD = Buffer.alloc(0);
const DONE = 0;
const OTHER_DAY = 1;

function writeBlockNative(native: NativeBinding, w: NdjsonWriter, b: LogBlock, namer: IndexNamer, offsets: ItemOffsets | undefined): number {
  const docs = b.docs;
  const count = b.count;
  if (count === 0) return 0;
  const firstItem = offsets?.count ?? 0;
  cursor[0] = 0;
  cursor[1] = w.length;
  cursor[2] = firstItem;
  // The first call has no day: it stops at the first kept document, whose day then gives the action line.
  let head: Buffer = NO_HEAD;
  let dayLo = 0;
  let dayHi = 0;
  // Room for the documents' bytes and an action line of ~64 bytes each; a call that runs out stops, and the
  // next has more.
  const span = (docs[(count - 1) * DOC_STRIDE + DOC_END] as number) - (docs[DOC_START] as number);
  let room = Math.max(0, span) + 64 * count;
  for (;;) {
    const dst = w.reserve(room);
    const stop = native.writeItems(b.buf, docs, b.dropped, count, head, dayLo, dayHi, dst, offsets?.reserve(count - cursor[0]), cursor);
    w.length = cursor[1];
    offsets?.setCount(cursor[2]);
    if (stop === DONE) break;
    const k: number = cursor[0];
    const i = k * DOC_STRIDE;
    if (stop === OTHER_DAY) {
      const ts = docs[i + DOC_TIMESTAMP] as number;
      head = namer.head(ts);
      dayLo = namer.dayLo;
      dayHi = namer.dayHi;
      if (!(ts >= dayLo && ts < dayHi)) {
        // A timestamp the index name takes as the epoch's (not finite, beyond year 9999): this one alone.
        writeItem(w, head, b.buf, docs[i + DOC_START] as number, docs[i + DOC_END] as number, offsets);
        cursor[0] = k + 1;
        cursor[1] = w.length;
        cursor[2]++;
      }
      room = 0;
    } else room = Math.max(head.length + (docs[i + DOC_END] as number) - (docs[i + DOC_START] as number), w.length);
  }
  return cursor[2] - firstItem;
}

let lastSecond = NaN;
let lastSecondIso = '';
/** The range of four-digit years, 0000-01-01 to 9999-12-31, which ISO strings and Elasticsearch dates share. */
const MIN_ISO_MS = -62_167_219_200_000;
const MAX_ISO_MS = 253_402_300_799_999;
const DAY_MS = 86_400_000;

/**
 * The time itself when ISO 8601 can write it, else the epoch. Parsers keep timestamps in range; anything
 * else (not finite, beyond year 9999) is encoded as the epoch rather than throwing, because a throw would
 * leave the whole batch unacknowledged forever.
 */
function isoRange(ms: number): number {
  return !Number.isFinite(ms) || ms < MIN_ISO_MS || ms > MAX_ISO_MS ? 0 : ms;
}

/** `YYYY-MM-DDTHH:MM:SS` of a second since the epoch. */
function isoSecond(second: number): string {
  return new Date(second * 1000).toISOString().slice(0, 19);
}

/** ISO 8601 UTC with milliseconds; the part up to the second is cached (consecutive lines share it). */
export function isoTimestamp(ms: number): string {
  ms = isoRange(ms);
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondIso = isoSecond(second);
  }
  const millis = Math.floor(ms - second * 1000);
  return `${lastSecondIso}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/**
 * Index names with %Y %m %d (UTC date of the event), e.g. `herald-logs-%Y.%m.%d`; the bulk action line for
 * each day is built once.
 */
export class IndexNamer {
  readonly #pattern: string;
  readonly #dated: boolean;
  #day = NaN;
  #dayLo = -Infinity;
  #dayHi = Infinity;
  #name = '';
  #action = '';
  /** #action and its newline, as bytes: what is written before each document. */
  #head = Buffer.alloc(0);

  constructor(pattern: string) {
    this.#pattern = pattern;
    this.#dated = /%[Ymd]/.test(pattern);
    if (!this.#dated) this.#set(pattern);
  }

  /** The index for an event at `ms`. */
  index(ms: number): string {
    this.#refresh(ms);
    return this.#name;
  }

  /** `{"create":{"_index":"..."}}` for an event at `ms`. */
  actionLine(ms: number): string {
    this.#refresh(ms);
    return this.#action;
  }

  /** The action line for an event at `ms` with its newline, as bytes: what is written before the document. */
  head(ms: number): Buffer {
    this.#refresh(ms);
    return this.#head;
  }

  /**
   * The timestamps whose action line is that of the last `head`/`index`/`actionLine` call: [dayLo, dayHi),
   * all of them for an index name without a date. A time outside ISO 8601's range (named as the epoch's)
   * is in no such range.
   */
  get dayLo(): number {
    return this.#dayLo;
  }

  get dayHi(): number {
    return this.#dayHi;
  }

  #refresh(ms: number): void {
    if (!this.#dated) return;
    const day = Math.floor(isoRange(ms) / DAY_MS);
    if (day === this.#day) return;
    this.#day = day;
    this.#dayLo = Math.max(day * DAY_MS, MIN_ISO_MS);
    this.#dayHi = Math.min((day + 1) * DAY_MS, MAX_ISO_MS);
    const d = new Date(day * DAY_MS);
    const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
    this.#set(
      this.#pattern
        .replace(/%Y/g, String(d.getUTCFullYear()))
        .replace(/%m/g, p2(d.getUTCMonth() + 1))
        .replace(/%d/g, p2(d.getUTCDate())),
    );
  }

  #set(name: string): void {
    this.#name = name;
    this.#action = `{"create":{"_index":${JSON.stringify(name)}}}`;
    this.#head = Buffer.from(`${this.#action}\n`);
  }
}
