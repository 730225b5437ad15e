/**
 * Log event → Elasticsearch document (Elastic Common Schema), written by hand straight into the output body:
 * the constant parts of a document (host, identity, bulk action line) are serialised once per origin, the
 * message goes through JSON.stringify, the parsed fields through json-bytes.ts. The output is exactly what
 * JSON.stringify of the nested object would give, minus undefined members.
 */
import { LOG_FLAG_NAMES, LogFlag, type LogEvent } from '../../pipeline/records';
import { writeJsonMembers } from '../json-bytes';
import { NdjsonWriter } from '../ndjson-writer';

const FLAG_JSON: string[] = [];
for (let bits = 0; bits < 1 << LOG_FLAG_NAMES.length; bits++) {
  const names = LOG_FLAG_NAMES.filter((n) => bits & LogFlag[n]);
  FLAG_JSON.push(names.length === 0 ? '' : `,"flags":${JSON.stringify(names)}`);
}

/** Members of `fields` that the encoder owns: parsers must not set these, and they are ignored if they do. */
const OWNED = new Set(['@timestamp', 'message', 'event', 'host', 'service', 'log', 'error']);

/** The constant parts of every document of one origin (file), serialised once. */
interface OriginParts {
  logHead: string; // "log":{"file":{"path":...}
  tail: string; // "event":{...},"host":{...}[,identity]
}

export class DocumentEncoder {
  readonly #hostJson: string;
  readonly #origins = new WeakMap<LogEvent['origin'], OriginParts>();

  constructor(hostName: string) {
    this.#hostJson = `"host":{"name":${JSON.stringify(hostName)}}`;
  }

  #parts(origin: LogEvent['origin']): OriginParts {
    let parts = this.#origins.get(origin);
    if (parts === undefined) {
      const identity = origin.identity.docFragment;
      parts = {
        logHead: `"log":{"file":{"path":${JSON.stringify(origin.path)}}`,
        tail: `"event":{"dataset":${JSON.stringify(origin.dataset)}},${this.#hostJson}${identity === '' ? '' : `,${identity}`}`,
      };
      this.#origins.set(origin, parts);
    }
    return parts;
  }

  /** One document as a JSON string (tests, and callers without a body to write into). */
  encode(e: LogEvent): string {
    const w = new NdjsonWriter(1024);
    this.write(w, e);
    return w.result().toString('utf8', 0, w.length - 1);
  }

  /**
   * Writes one document line into `w`: `head` first (the bulk action line and its newline), then the
   * document, then a newline. Written in parts, never as one concatenated string (see NdjsonWriter.part):
   * the message as JSON.stringify gives it, the parts of the origin as cached, the parsed fields member by
   * member (json-bytes.ts).
   */
  write(w: NdjsonWriter, e: LogEvent, head = ''): void {
    const parts = this.#parts(e.origin);
    w.part(`${head}{"@timestamp":"${isoTimestamp(e.timestampMs)}","message":`);
    w.part(JSON.stringify(e.message));
    let log = `,${parts.logHead},"offset":${e.offset}`;
    if (e.level !== undefined) log += `,"level":${JSON.stringify(e.level)}`;
    log += FLAG_JSON[e.flags & (FLAG_JSON.length - 1)] as string;
    const tail =
      e.dataset === e.origin.dataset
        ? parts.tail
        : `"event":{"dataset":${JSON.stringify(e.dataset)}},${this.#hostJson}${e.origin.identity.docFragment === '' ? '' : `,${e.origin.identity.docFragment}`}`;
    const fields = e.fields;
    const logFields = fields?.log;
    if (logFields !== undefined && logFields !== null && typeof logFields === 'object' && !Array.isArray(logFields)) {
      w.part(log);
      writeJsonMembers(w, logFields as Record<string, unknown>, isOwnedLogKey);
      w.part(`},${tail}`);
    } else w.part(`${log}},${tail}`);
    if (fields !== undefined) writeJsonMembers(w, fields, isOwnedKey);
    if (e.error !== undefined) w.part(`,"error":{"message":${JSON.stringify(e.error)}}`);
    w.byte(CLOSE);
    w.byte(NEWLINE);
  }
}

const CLOSE = 0x7d;
const NEWLINE = 0x0a;

/** Keys of `fields` that the encoder owns (`log` is merged into its own). */
const isOwnedKey = (key: string) => OWNED.has(key);
/** Keys of `fields.log` that the encoder owns. */
const isOwnedLogKey = (key: string) => key === 'file' || key === 'offset' || key === 'level' || key === 'flags';

let lastSecond = NaN;
let lastSecondIso = '';
/** The range of four-digit years, 0000-01-01 to 9999-12-31, which ISO strings and Elasticsearch dates share. */
const MIN_ISO_MS = -62_167_219_200_000;
const MAX_ISO_MS = 253_402_300_799_999;

/**
 * ISO 8601 UTC with milliseconds; the part up to the second is cached (consecutive lines share it). Parsers
 * keep timestamps in range; anything else (not finite, beyond year 9999) is encoded as the epoch rather than
 * throwing, because a throw would leave the whole batch unacknowledged forever.
 */
export function isoTimestamp(ms: number): string {
  if (!Number.isFinite(ms) || ms < MIN_ISO_MS || ms > MAX_ISO_MS) ms = 0;
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondIso = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const frac = ms - second * 1000;
  const millis = Math.floor(frac);
  return `${lastSecondIso}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/** A bulk action line and its newline, and their length in bytes (the document starts there). */
export interface ActionHead {
  readonly text: string;
  readonly bytes: number;
}

/**
 * Index names with %Y %m %d (UTC date of the event), e.g. `herald-logs-%Y.%m.%d`; the bulk action line for
 * each day is built once.
 */
export class IndexNamer {
  readonly #pattern: string;
  readonly #dated: boolean;
  #day = NaN;
  #name = '';
  #action = '';
  #head: ActionHead = { text: '', bytes: 0 };

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

  /** The action line for an event at `ms` with its newline, as written before the document. */
  head(ms: number): ActionHead {
    this.#refresh(ms);
    return this.#head;
  }

  #refresh(ms: number): void {
    if (!this.#dated) return;
    const day = Math.floor((Number.isFinite(ms) && ms >= MIN_ISO_MS && ms <= MAX_ISO_MS ? ms : 0) / 86_400_000);
    if (day === this.#day) return;
    this.#day = day;
    const d = new Date(day * 86_400_000);
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
    this.#head = { text: `${this.#action}\n`, bytes: Buffer.byteLength(this.#action) + 1 };
  }
}
