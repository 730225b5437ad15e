/**
 * One tailed file's bytes → log records through the native line engine (native/, src/native): the same
 * contract as EventAssembler, which stays the reference. The engine splits, joins, parses, checks the
 * redaction gate and writes each event's document into the batch's block Buffer; the events it does not
 * reproduce exactly (invalid UTF-8, binary, truncated, a parse failure, a line the gate fires on, ...) come
 * back as "fallbacks": their text, offset, size and flags, which take the JavaScript parser here and the
 * redaction stage later, as log events. At the end of the batch each run of documents becomes a LogBlock
 * record, in file order with the fallbacks' events.
 *
 * The engine's state array carries the batch's room in and the results out (indexes below, mirrored from
 * native/src/binding.rs); the meta array holds 8 numbers per event.
 */
import { DOC_END, DOC_SIZE, DOC_START, DOC_STRIDE, DOC_TIMESTAMP, type LogBlock, type LogEvent, type LogOrigin } from '../../pipeline/records';
import type { LineEngine, EngineConfig } from '../../native/binding';
import type { NativeLines } from '../../native/native-lines';
import type { LineParser } from '../parse/contract';
import { parsedEvent, type Assembler, type BatchRoom } from './event-assembler';
import type { GroupRuntime } from './groups';
import { ErrorCode, HeraldError } from '../../errors';

// state: inputs
const S_OUT_START = 0;
const S_EVENTS_IN = 1;
const S_MAX_RECORDS = 2;
const S_LINE_BYTES_IN = 3;
const S_MAX_BYTES = 4;
const S_NOW = 5;
const S_NOW_MONO = 6;
// state: outputs
const S_CONSUMED = 7;
const S_OUT_END = 8;
const S_EVENTS = 9;
const S_LINE_BYTES = 10;
const S_LINES = 11;
const S_TRUNCATED = 12;
const S_NEED_OUT = 13;
const S_PENDING_LINE = 14;
const S_PENDING = 15;
const S_DEADLINE = 16;
const S_BUSY = 17;
/** Events held because `out` or `meta` was full: the batch ends, they come first in the next. */
const S_HELD = 18;
export const STATE_LENGTH = 19;

// meta: 8 numbers per event
const M_STRIDE = 8;
const M_KIND = 0;
const M_OFFSET = 1;
const M_SIZE = 2;
const M_FLAGS = 3;
const M_TIMESTAMP = 4;
const M_START = 5;
const M_END = 6;
const KIND_DOC = 0;

/**
 * The batch's Buffer is taken from the pool at the size the file's last batch needed, plus a quarter (at
 * least OUT_MIN_BYTES), and doubled whenever the engine has to hold events because it is full.
 */
const OUT_MIN_BYTES = 64 * 1024;
/** What `begin` scans to emit held events without reading. */
const NO_INPUT = Buffer.alloc(1);

/** The engine's per-batch arrays: one per tail source (its batches are read one at a time). */
export class NativeScratch {
  readonly state = new Float64Array(STATE_LENGTH);
  meta = new Float64Array(0);

  /**
   * Room for `records` events (and 2 more: one line can end a joined event and start another); the events
   * already written are kept.
   */
  ensure(records: number): Float64Array {
    const length = (records + 2) * M_STRIDE;
    if (this.meta.length < length) {
      const grown = new Float64Array(length);
      grown.set(this.meta);
      this.meta = grown;
    }
    return this.meta;
  }
}

/** The origin's constant document parts, as the engine takes them. */
function originParts(lines: NativeLines, origin: LogOrigin): [Buffer, Buffer, Buffer] {
  const p = lines.parts(origin);
  return [p.logHead, p.tail, p.tailExecutor];
}

export class NativeAssembler implements Assembler {
  readonly #lines: NativeLines;
  readonly #engine: LineEngine;
  #group: GroupRuntime;
  #origin: LogOrigin;
  #parser: LineParser;
  #judgedBy: object | undefined;
  #multiline: EngineConfig['multiline'];
  #zone: EngineConfig['zone'] | undefined;
  // Kept from the last call, for the getters between batches.
  #pendingLine = -1;
  #pending = -1;
  #deadline = -1;
  #busy = false;
  /** Events held because the batch's Buffer or meta array was full (emitted first by the next call). */
  #held = 0;
  // The batch being filled.
  #rc: BatchRoom | undefined;
  #out: Buffer | undefined;
  #outEnd = 0;
  #events = 0;
  #lineBytes = 0;
  #linesSeen = 0;
  #truncated = 0;
  /** Bytes the file's last batch wrote. */
  #lastOut = 0;
  /** This batch's fallback events, in order. */
  readonly #fallbacks: LogEvent[] = [];

  constructor(group: GroupRuntime, path: string, lines: NativeLines) {
    this.#lines = lines;
    this.#group = group;
    this.#origin = group.origin(path);
    this.#parser = group.parser;
    const spec = group.native;
    this.#judgedBy = spec?.judgedBy;
    this.#multiline = spec?.multiline ?? null;
    this.#engine = new lines.binding.LineEngine(this.#config(group, Date.now()));
  }

  /** The engine's settings for a group: with no native spec, every event falls back to JavaScript. */
  #config(group: GroupRuntime, nowMs: number): EngineConfig {
    const spec = group.native;
    const [logHead, tail, tailExecutor] = originParts(this.#lines, this.#origin);
    const p = spec?.parser;
    return {
      parser: p?.parser ?? 'none',
      ...(p?.sandboxMode === undefined ? {} : { sandboxMode: p.sandboxMode }),
      ...(p?.executorRule === undefined ? {} : { executorRule: p.executorRule }),
      ...(p?.taskIds === undefined ? {} : { taskIds: [...p.taskIds] }),
      maxLineBytes: group.spec.maxLineBytes,
      multiline: this.#multiline,
      gate: spec?.gate ?? null,
      zone: (this.#zone = this.#lines.zone(nowMs)),
      logHead, tail, tailExecutor,
    };
  }

  setGroup(group: GroupRuntime): void {
    this.#group = group;
    this.#origin = group.origin(this.#origin.path);
    this.#parser = group.parser;
    this.#judgedBy = group.native?.judgedBy;
    // As EventAssembler.setGroup: the new origin and max_line_bytes at once; the multiline settings only at the
    // start of a batch in which nothing is held (begin).
    const config = this.#config(group, Date.now());
    this.#engine.setOrigin(config.logHead, config.tail, config.tailExecutor);
    this.#engine.setMaxLineBytes(group.spec.maxLineBytes);
    this.#engine.setParser(config);
  }

  get pendingLineOffset(): number | undefined {
    return this.#pendingLine < 0 ? undefined : this.#pendingLine;
  }

  committableOffset(readOffset: number): number {
    const base = this.#pendingLine < 0 ? readOffset : this.#pendingLine;
    return this.#pending >= 0 && this.#pending < base ? this.#pending : base;
  }

  resumeOffset(readOffset: number): number {
    return this.#pendingLine < 0 ? readOffset : this.#pendingLine;
  }

  /** When the file needs a read without new data: the multiline timeout, or at once while events are held. */
  get joinDeadlineMs(): number {
    if (this.#held > 0) return 0;
    return this.#deadline < 0 ? Infinity : this.#deadline;
  }

  get busy(): boolean {
    return this.#busy;
  }

  begin(rc: BatchRoom): void {
    this.#rc = rc;
    this.#outEnd = 0;
    this.#events = 0;
    this.#lineBytes = 0;
    this.#linesSeen = 0;
    this.#truncated = 0;
    this.#out = this.#lines.pool.acquire(this.#lines.outStartBytes ?? Math.max(OUT_MIN_BYTES, this.#lastOut + (this.#lastOut >> 2)));
    rc.native.ensure(rc.maxRecords);
    const next = this.#group.native?.multiline ?? null;
    if (next !== this.#multiline && !this.#busy) {
      this.#multiline = next;
      this.#engine.setMultiline(next);
    }
    // The local time zone's period moved on (a daylight saving change): the parser takes the new one.
    if (this.#lines.zone(rc.nowMs) !== this.#zone) this.#engine.setParser(this.#config(this.#group, rc.nowMs));
    // Events held when the last batch's Buffer was full come first, even if the file has no new data.
    if (this.#held > 0) {
      this.#callUntil('at the start of a batch', (st, meta) => this.#engine.scan(NO_INPUT, 0, 0, false, this.#out as Buffer, st, meta), () => this.#held === 0);
    }
  }

  end(): { lines: number; linesTruncated: number } {
    const rc = this.#rc as BatchRoom;
    this.#lastOut = this.#outEnd;
    this.#records(rc, this.#out as Buffer, rc.native.meta);
    const counts = { lines: this.#linesSeen, linesTruncated: this.#truncated };
    this.#rc = undefined;
    this.#out = undefined;
    this.#fallbacks.length = 0;
    return counts;
  }

  /**
   * The batch's records in file order: each run of documents becomes a block, each fallback its log event.
   * The blocks share the batch's Buffer, which goes back to the pool once every one of them was released.
   */
  #records(rc: BatchRoom, out: Buffer, meta: Float64Array): void {
    const pool = this.#lines.pool;
    let blocks = 0;
    let left = 0;
    const releaseOne = () => {
      if (--left === 0) pool.release(out);
    };
    let runStart = -1;
    let fallback = 0;
    for (let k = 0; k <= this.#events; k++) {
      const isDoc = k < this.#events && meta[k * M_STRIDE + M_KIND] === KIND_DOC;
      if (isDoc) {
        if (runStart < 0) runStart = k;
        continue;
      }
      if (runStart >= 0) {
        rc.out.push(this.#block(out, meta, runStart, k, releaseOne));
        blocks++;
        runStart = -1;
      }
      if (k < this.#events) rc.out.push(this.#fallbacks[fallback++] as LogEvent);
    }
    left = blocks;
    if (blocks === 0) pool.release(out);
  }

  /** Documents [from, to) of the batch as one record. */
  #block(out: Buffer, meta: Float64Array, from: number, to: number, release: () => void): LogBlock {
    const count = to - from;
    const docs = new Float64Array(count * DOC_STRIDE);
    for (let k = from, d = 0; k < to; k++, d += DOC_STRIDE) {
      const m = k * M_STRIDE;
      docs[d + DOC_START] = meta[m + M_START] as number;
      docs[d + DOC_END] = meta[m + M_END] as number;
      docs[d + DOC_TIMESTAMP] = meta[m + M_TIMESTAMP] as number;
      docs[d + DOC_SIZE] = meta[m + M_SIZE] as number;
    }
    let released = false;
    return {
      kind: 'logblock',
      origin: this.#origin,
      count,
      buf: out,
      docs,
      dropped: undefined,
      kept: count,
      judgedBy: this.#judgedBy,
      release: () => {
        if (released) return;
        released = true;
        release();
      },
    };
  }

  /**
   * Like EventAssembler.scan, it stops early only when the batch is full: when the engine stops because the
   * batch's Buffer is full (events held), the Buffer grows and the engine goes on with the rest of the input.
   * (The reader takes a short read that was not all consumed while there is room for its incomplete last
   * line: a file being drained would otherwise be released with lines unread.)
   */
  scan(buf: Buffer, n: number, pos: number, final: boolean): number {
    let consumed = 0;
    this.#callUntil('in a batch', (st, meta) => {
      this.#engine.scan(consumed === 0 ? buf : buf.subarray(consumed, n), n - consumed, pos + consumed, final, this.#out as Buffer, st, meta);
      consumed += st[S_CONSUMED] as number;
    }, () => this.#held === 0 || !this.hasRoom());
    return consumed;
  }

  /**
   * Emits everything held: the joined event in progress, and events held because the batch's Buffer was full
   * (the Buffer grows until they fit). A file drained to its end is released right after this: nothing may
   * stay behind.
   */
  flush(): void {
    this.#callUntil('after a flush', (st, meta) => this.#engine.flush(this.#out as Buffer, st, meta), () => this.#held === 0);
  }

  /**
   * Calls the engine (a scan or a flush) until `done`: each call's output takes what the engine wrote, and
   * grows the Buffer when it held events for want of room, so the next call goes on where this one stopped.
   * `meta` has room for the batch and everything held. Bounded: an engine that keeps holding is an error.
   */
  #callUntil(where: string, call: (st: Float64Array, meta: Float64Array) => void, done: () => boolean): void {
    const rc = this.#rc as BatchRoom;
    for (let round = 0; round < 64; round++) {
      const st = this.#input();
      call(st, rc.native.ensure(Math.max(rc.maxRecords, this.#events + this.#held)));
      this.#output(st);
      if (done()) return;
    }
    throw new HeraldError(ErrorCode.source, `native line engine: ${this.#held} events still held ${where} of ${this.#origin.path}`);
  }

  expired(nowMonoMs: number): boolean {
    return this.#engine.expired(nowMonoMs);
  }

  reset(): void {
    this.#engine.reset();
    this.#pendingLine = -1;
  }

  hasRoom(): boolean {
    const rc = this.#rc as BatchRoom;
    return this.#events < rc.maxRecords && this.#lineBytes < rc.maxBytes;
  }

  #grow(size: number): void {
    const old = this.#out as Buffer;
    const next = this.#lines.pool.acquire(size);
    old.copy(next, 0, 0, this.#outEnd);
    this.#lines.pool.release(old);
    this.#out = next;
  }

  #input(): Float64Array {
    const rc = this.#rc as BatchRoom;
    const st = rc.native.state;
    st[S_OUT_START] = this.#outEnd;
    st[S_EVENTS_IN] = this.#events;
    st[S_MAX_RECORDS] = rc.maxRecords;
    st[S_LINE_BYTES_IN] = this.#lineBytes;
    st[S_MAX_BYTES] = rc.maxBytes;
    st[S_NOW] = rc.nowMs;
    st[S_NOW_MONO] = rc.nowMonoMs;
    return st;
  }

  /** Takes the call's results: counters, held state, and the fallbacks through the JavaScript parser. */
  #output(st: Float64Array): void {
    const rc = this.#rc as BatchRoom;
    const from = this.#events;
    this.#events = st[S_EVENTS] as number;
    this.#outEnd = st[S_OUT_END] as number;
    this.#lineBytes = st[S_LINE_BYTES] as number;
    this.#linesSeen += st[S_LINES] as number;
    this.#truncated += st[S_TRUNCATED] as number;
    this.#pendingLine = st[S_PENDING_LINE] as number;
    this.#pending = st[S_PENDING] as number;
    this.#deadline = st[S_DEADLINE] as number;
    this.#busy = st[S_BUSY] === 1;
    this.#held = st[S_HELD] as number;
    // Events held because the Buffer is full: a bigger one (the documents keep their offsets) takes them next.
    if ((st[S_HELD] as number) > 0) this.#grow(Math.max(2 * (this.#out as Buffer).length, (st[S_NEED_OUT] as number) + this.#outEnd));
    // Fallbacks are parsed now, in order (a parser may keep state across lines); end() places them.
    const meta = rc.native.meta;
    const out = this.#out as Buffer;
    for (let k = from; k < this.#events; k++) {
      const m = k * M_STRIDE;
      if (meta[m + M_KIND] === KIND_DOC) continue;
      const text = out.toString('utf8', meta[m + M_START], meta[m + M_END]);
      this.#fallbacks.push(parsedEvent(this.#origin, this.#parser, text, meta[m + M_OFFSET] as number, meta[m + M_SIZE] as number, meta[m + M_FLAGS] as number, rc.nowMs));
    }
  }
}
