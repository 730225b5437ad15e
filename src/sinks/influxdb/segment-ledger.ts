/**
 * The disk buffer's accounting, I/O-free: which segments exist (oldest first), what each holds and how much
 * of it is durable, the totals, the byte bound with drop_oldest's choice of segments to evict, and which
 * segment the replayer gets next. DiskBuffer does the file I/O on the segments this ledger hands it.
 *
 * Invariants:
 * - Bytes are reserved in call order, synchronously, so the bound (maxBytes) is exact.
 * - Only a segment that is neither in flight (being replayed) nor still being written (unflushed > 0) is
 *   evicted or handed to the replayer; an evicted or removed segment is `removed` and never written again.
 */
import { join } from 'node:path';

export type Overflow = 'drop_oldest' | 'drop_newest';

export interface Segment {
  readonly seq: number;
  readonly path: string;
  /** Bytes reserved (queued or written). */
  bytes: number;
  points: number;
  /** Bytes known written and synced. */
  durableBytes: number;
  /** Appends queued or being written. */
  unflushed: number;
  sealed: boolean;
  inFlight: boolean;
  removed: boolean;
}

export interface SegmentLedgerOptions {
  dir: string;
  maxBytes: number;
  overflow: Overflow;
  /** A segment is sealed once it reaches this size (a segment can exceed it by one append). */
  segmentMaxBytes: number;
}

/** Segment files: `<16-digit seq>.lp`. */
export const SEGMENT_RE = /^(\d{16})\.lp$/;

export class SegmentLedger {
  readonly #o: SegmentLedgerOptions;
  readonly #segments: Segment[] = [];
  #bytes = 0;
  #points = 0;
  #nextSeq = 1;

  constructor(o: SegmentLedgerOptions) {
    this.#o = o;
  }

  get isEmpty(): boolean {
    return this.#segments.length === 0;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get points(): number {
    return this.#points;
  }
  get segmentCount(): number {
    return this.#segments.length;
  }

  /** A segment file seen at open, kept or not: new segments are numbered after it. */
  sawSeq(seq: number): void {
    this.#nextSeq = Math.max(this.#nextSeq, seq + 1);
  }

  /** A segment left by a previous run (repaired, so all of it is durable); call in seq order. */
  adopt(seq: number, path: string, bytes: number, points: number): void {
    this.#segments.push({ seq, path, bytes, points, durableBytes: bytes, unflushed: 0, sealed: true, inFlight: false, removed: false });
    this.#bytes += bytes;
    this.#points += points;
  }

  /**
   * Reserves room for an append of `bytes` holding `points` points: the segment it goes to (a new one after
   * a sealed tail), now counting it as unflushed. Undefined when the bound refuses it (drop_newest, or
   * nothing left to evict); drop_oldest first evicts what it can, calling `onEvict` for each segment.
   */
  reserve(bytes: number, points: number, onEvict: (seg: Segment) => void): Segment | undefined {
    if (this.#bytes + bytes > this.#o.maxBytes) {
      if (this.#o.overflow === 'drop_oldest') this.evict(bytes, onEvict);
      if (this.#bytes + bytes > this.#o.maxBytes) return undefined;
    }
    let tail = this.#segments.at(-1);
    if (tail === undefined || tail.sealed) {
      const seq = this.#nextSeq++;
      tail = { seq, path: join(this.#o.dir, `${String(seq).padStart(16, '0')}.lp`), bytes: 0, points: 0, durableBytes: 0, unflushed: 0, sealed: false, inFlight: false, removed: false };
      this.#segments.push(tail);
    }
    const seg = tail;
    seg.bytes += bytes;
    seg.points += points;
    seg.unflushed++;
    if (seg.bytes >= this.#o.segmentMaxBytes) seg.sealed = true;
    this.#bytes += bytes;
    this.#points += points;
    return seg;
  }

  /**
   * Evicts the oldest evictable segments until `incoming` more bytes fit; nothing when they cannot fit.
   * Each evicted segment is forgotten, then passed to `onEvict` (whose file the caller deletes).
   */
  evict(incoming: number, onEvict: (seg: Segment) => void): void {
    let evictable = 0;
    for (const seg of this.#segments) if (!seg.inFlight && seg.unflushed === 0) evictable += seg.bytes;
    if (this.#bytes - evictable + incoming > this.#o.maxBytes) return;
    for (let i = 0; i < this.#segments.length && this.#bytes + incoming > this.#o.maxBytes; ) {
      const seg = this.#segments[i] as Segment;
      if (seg.inFlight || seg.unflushed > 0) {
        i++;
        continue;
      }
      this.#segments.splice(i, 1);
      this.#forget(seg);
      onEvict(seg);
    }
  }

  /** The oldest segment if it is durable and free, marked in flight (and sealed: later appends go to a new one). */
  takeOldest(): Segment | undefined {
    const seg = this.#segments[0];
    if (seg === undefined || seg.inFlight || seg.unflushed > 0) return undefined;
    seg.sealed = true;
    seg.inFlight = true;
    return seg;
  }

  /** Forgets a replayed segment (the server acknowledged all of it). */
  remove(seg: Segment): void {
    const i = this.#segments.indexOf(seg);
    if (i >= 0) {
      this.#segments.splice(i, 1);
      this.#forget(seg);
    }
    seg.inFlight = false;
  }

  /** Takes a segment back unsent: it stays, oldest first. */
  release(seg: Segment): void {
    seg.inFlight = false;
  }

  #forget(seg: Segment): void {
    seg.removed = true;
    seg.sealed = true;
    this.#bytes -= seg.bytes;
    this.#points -= seg.points;
  }
}
