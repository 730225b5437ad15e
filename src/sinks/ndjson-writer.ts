/**
 * Output bodies (NDJSON, line protocol) UTF-8-encoded straight into one Buffer, and a pool that reuses those
 * Buffers once their write has completed.
 *
 * Without the pool every batch allocated a fresh body of 1-3 MB outside V8's heap; those were freed only
 * when a full garbage collection found their wrappers, so ~110 MB of dead bodies stayed resident under
 * load, and every fresh mapping cost page faults. With the pool the agent holds a few bodies and reuses them.
 */

/** Free Buffers kept for reuse, up to `maxFreeBytes` in all; acquire() hands out the smallest that fits. */
export class BufferPool {
  readonly #free: Buffer[] = [];
  #freeBytes = 0;
  readonly maxFreeBytes: number;

  constructor(maxFreeBytes: number) {
    this.maxFreeBytes = maxFreeBytes;
  }

  /** Bytes held by free Buffers. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A Buffer of at least `minBytes` (contents undefined). */
  acquire(minBytes: number): Buffer {
    let best = -1;
    let bestLength = Infinity;
    for (let i = 0; i < this.#free.length; i++) {
      const length = (this.#free[i] as Buffer).length;
      if (length >= minBytes && length < bestLength) {
        best = i;
        bestLength = length;
      }
    }
    if (best < 0) return Buffer.allocUnsafeSlow(minBytes);
    const buf = this.#free[best] as Buffer;
    this.#free[best] = this.#free[this.#free.length - 1] as Buffer;
    this.#free.pop();
    this.#freeBytes -= buf.length;
    return buf;
  }

  /**
   * Gives a Buffer back: the caller must hold no view of it any more (its write has completed). When the
   * pool is full the smallest free Buffers make room, or this one is left to the garbage collector.
   */
  release(buf: Buffer): void {
    if (buf.length > this.maxFreeBytes) return;
    while (this.#freeBytes + buf.length > this.maxFreeBytes) {
      let smallest = 0;
      for (let i = 1; i < this.#free.length; i++) if ((this.#free[i] as Buffer).length < (this.#free[smallest] as Buffer).length) smallest = i;
      const drop = this.#free[smallest] as Buffer;
      if (drop.length >= buf.length) return; // keep the bigger ones we have
      this.#free[smallest] = this.#free[this.#free.length - 1] as Buffer;
      this.#free.pop();
      this.#freeBytes -= drop.length;
    }
    this.#free.push(buf);
    this.#freeBytes += buf.length;
  }
}

/** The size to ask for a body of n records: the bytes per record of the last body, plus an eighth. */
export class BodySize {
  #perRecord = 512;

  for(records: number): number {
    return records * (this.#perRecord + (this.#perRecord >> 3)) + 1024;
  }

  /** A body of `records` came to `bytes`: the next estimate follows it. */
  observe(bytes: number, records: number): void {
    if (records > 0) this.#perRecord = Math.ceil(bytes / records);
  }
}

/** Newline-terminated strings UTF-8-encoded into one Buffer, which grows when a string could not fit. */
export class NdjsonWriter {
  #buf: Buffer;
  #at = 0;
  readonly #pool: BufferPool | undefined;

  /** `size`: the expected length (ASCII estimate plus slack). With a pool, release() once the result is written. */
  constructor(size: number, pool?: BufferPool) {
    this.#pool = pool;
    this.#buf = pool ? pool.acquire(size) : Buffer.allocUnsafe(size);
  }

  line(s: string): this {
    this.part(s);
    this.#buf[this.#at++] = 0x0a;
    return this;
  }

  /**
   * Writes `s` (no newline). A line written in parts costs a native call per part but never a flattened
   * copy: writing one string built by concatenation makes V8 flatten it first, which costs several times
   * the write itself for a 1 KB document.
   */
  part(s: string): void {
    // Worst case 3 bytes per UTF-16 unit, plus the newline that may follow; only near the end is the exact
    // size computed.
    if (this.#at + s.length * 3 + 1 > this.#buf.length) this.#room(Buffer.byteLength(s) + 1);
    this.#at += this.#buf.write(s, this.#at);
  }

  /**
   * `s` as a JSON string literal: the bytes of JSON.stringify(s). Short ASCII strings without a character
   * to escape (most parsed values) are copied by a loop; anything else goes through JSON.stringify.
   */
  jsonString(s: string): void {
    const n = s.length;
    if (n > SHORT_STRING) {
      this.part(JSON.stringify(s));
      return;
    }
    if (this.#at + n + 2 > this.#buf.length) this.#room(n + 2);
    const buf = this.#buf;
    let at = this.#at;
    buf[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Control characters, `"`, `\` and non-ASCII (surrogates included) are left to JSON.stringify; the
      // bytes written so far are past the end and simply overwritten.
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) {
        this.part(JSON.stringify(s));
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = 0x22;
    this.#at = at;
  }

  /**
   * A number as JSON.stringify writes it (`null` for NaN and the infinities, `0` for -0). 32-bit integers
   * (offsets, ports, status codes, byte counts, timers) are written digit by digit from the last, with
   * integer arithmetic: 15 ns against 36 for dividing by powers of ten, and 65 for String(v).
   */
  jsonNumber(v: number): void {
    if ((v | 0) !== v) {
      this.part(Number.isFinite(v) ? String(v) : 'null');
      return;
    }
    if (this.#at + 11 > this.#buf.length) this.#room(11);
    const buf = this.#buf;
    let at = this.#at;
    let u = v;
    if (u < 0) {
      buf[at++] = 0x2d;
      u = -u; // up to 2^31, still exact and |0-safe once divided by 10
    }
    const digits = u < 10 ? 1 : u < 100 ? 2 : u < 1e3 ? 3 : u < 1e4 ? 4 : u < 1e5 ? 5 : u < 1e6 ? 6 : u < 1e7 ? 7 : u < 1e8 ? 8 : u < 1e9 ? 9 : 10;
    at += digits;
    let i = at;
    do {
      const q = (u / 10) | 0;
      buf[--i] = 0x30 + (u - q * 10);
      u = q;
    } while (u !== 0);
    this.#at = at;
  }

  /** Appends bytes already encoded (constant parts of documents). */
  bytes(src: Uint8Array): void {
    const n = src.length;
    if (this.#at + n > this.#buf.length) this.#room(n);
    this.#buf.set(src, this.#at);
    this.#at += n;
  }

  /** Appends one byte (an ASCII character code). */
  byte(b: number): void {
    if (this.#at + 1 > this.#buf.length) this.#room(1);
    this.#buf[this.#at++] = b;
  }

  /** Copies bytes [start, end) of `src` (already-encoded lines) as they are. */
  raw(src: Buffer, start: number, end: number): this {
    this.#room(end - start);
    this.#at += src.copy(this.#buf, this.#at, start, end);
    return this;
  }

  /**
   * The Buffer, with room for `bytes` more after `length`: for a caller that writes into it directly and then
   * sets `length` to the end of what it wrote. Valid until the next call that writes.
   */
  reserve(bytes: number): Buffer {
    this.#room(bytes);
    return this.#buf;
  }

  /** Makes room for `bytes` more: a bigger Buffer (from the pool) with what was written copied over. */
  #room(bytes: number): void {
    const need = this.#at + bytes;
    if (need <= this.#buf.length) return;
    const size = Math.max(need, this.#buf.length * 2);
    const bigger = this.#pool ? this.#pool.acquire(size) : Buffer.allocUnsafe(size);
    this.#buf.copy(bigger, 0, 0, this.#at);
    this.#pool?.release(this.#buf);
    this.#buf = bigger;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#at;
  }

  /** After writing into `reserve()`'s Buffer directly: the end of what was written (within that Buffer). */
  set length(at: number) {
    if (!(at >= 0 && at <= this.#buf.length)) throw new RangeError(`NdjsonWriter: length ${at} outside its ${this.#buf.length}-byte buffer`);
    this.#at = at;
  }

  /** A view of what was written (valid until release()). */
  result(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  /** Gives the Buffer back to the pool: the result must no longer be in use. */
  release(): void {
    this.#pool?.release(this.#buf);
    this.abandon();
  }

  /** Lets go of the Buffer without giving it to the pool (something may still read it). */
  abandon(): void {
    this.#buf = EMPTY;
    this.#at = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** Longer strings are escaped natively (JSON.stringify, then one write): the loop costs more past this. */
const SHORT_STRING = 64;
