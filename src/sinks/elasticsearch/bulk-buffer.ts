/**
 * The sink's bookkeeping, I/O-free: pipeline batches as encoded item sets, the buffer that cuts them into
 * bulk requests by size, and the NDJSON body of a request.
 *
 * An item is (set, index). A set holds its items already UTF-8-encoded, action line and document, in one
 * Buffer: a request body is views of those bytes (one per run of items, nothing copied), a re-send or a
 * dead-letter copy never serialises anything again, and the documents waiting for Elasticsearch (seconds,
 * or the length of an outage) are bytes outside V8's heap rather than strings the garbage collector keeps
 * promoting and marking. Requests reference runs of items (segments), so the bookkeeping allocates per
 * batch and per request, not per document.
 */
import type { Outcome } from '../../pipeline/contracts';
import { NdjsonWriter, type BufferPool } from '../ndjson-writer';
import type { LogBlock, LogEvent } from '../../pipeline/records';
import { writeBlock, type DocumentEncoder, type IndexNamer } from './encode';
import { ItemOffsets } from './item-offsets';

/** One pipeline batch: settles (resolves its write) when every one of its documents is settled. */
export class BatchState {
  unsettled: number;
  delivered = 0;
  deadLettered = 0;
  dropped = 0;
  dropReason: string | undefined;
  settled = false;
  /** The batch's documents: their bytes go back to the pool once the batch is settled. */
  items: ItemSet | undefined;
  constructor(
    count: number,
    readonly resolve: (o: Outcome) => void,
    readonly reject: (e: Error) => void,
  ) {
    this.unsettled = count;
  }

  outcome(): Outcome {
    const o: Outcome = { delivered: this.delivered, dropped: this.deadLettered + this.dropped };
    const reason = this.deadLettered > 0 ? 'dead_lettered' : this.dropReason;
    if (o.dropped > 0 && reason !== undefined) o.dropReason = reason;
    return o;
  }
}

/** Encoded items of one batch (or the dead-letter copies of some of its items). */
export class ItemSet {
  readonly #w: NdjsonWriter;
  readonly #offsets = new ItemOffsets();
  #unanswered = false;

  /** With a pool, release() once every item is settled. */
  constructor(
    readonly owner: BatchState,
    readonly deadLetter: boolean,
    sizeHint = 1024,
    pool?: BufferPool,
  ) {
    this.#w = new NdjsonWriter(sizeHint, pool);
  }

  /** Appends one item: its action line and its document. */
  add(action: string, doc: string): void {
    const start = this.#w.length;
    this.#w.line(action);
    const docStart = this.#w.length;
    this.#w.line(doc);
    this.#offsets.add(start, docStart, this.#w.length);
  }

  /** Appends one log event as an item: `head` (its action line) and its document, written by `encoder`. */
  addEvent(head: Buffer, e: LogEvent, encoder: DocumentEncoder): void {
    const start = this.#w.length;
    encoder.write(this.#w, e, head);
    this.#offsets.add(start, start + head.length, this.#w.length);
  }

  /** Appends the kept documents of a native block as items, each after its action line (`namer.head`). */
  addBlock(b: LogBlock, namer: IndexNamer): void {
    writeBlock(this.#w, b, namer, this.#offsets);
  }

  get count(): number {
    return this.#offsets.count;
  }

  /** Bytes of all items in a body. */
  get byteLength(): number {
    return this.#w.length;
  }

  /** Bytes of item i in a body (action line and document, with their newlines). */
  itemBytes(i: number): number {
    return this.#offsets.start(i + 1) - this.#offsets.start(i);
  }

  /** Item i's action line (decoded: for refusals and tests, not for sending). */
  action(i: number): string {
    return this.#w.result().toString('utf8', this.#offsets.start(i), this.#offsets.docStart(i) - 1);
  }

  /** Item i's document (decoded: for dead-letter copies and tests, not for sending). */
  doc(i: number): string {
    return this.#w.result().toString('utf8', this.#offsets.docStart(i), this.#offsets.start(i + 1) - 1);
  }

  /** Items [start, end) as they go in a body: a view of this set's Buffer, valid until release(). */
  run(start: number, end: number): Buffer {
    return this.#w.result().subarray(this.#offsets.start(start), this.#offsets.start(end));
  }

  /**
   * A request with items of this set failed: a socket may still hold a view of them, so release() leaves the
   * Buffer to the garbage collector instead of the pool.
   */
  sentUnanswered(): void {
    this.#unanswered = true;
  }

  /** Gives the bytes back to the pool: only once no request or re-send can read an item of this set. */
  release(): void {
    if (this.#unanswered) this.#w.abandon();
    else this.#w.release();
  }
}

/** Items of one set in a request: indices [start, end), or the listed indices (re-sends). */
export interface Segment {
  set: ItemSet;
  start: number;
  end: number;
  idx: number[] | undefined;
}

export function segmentSize(s: Segment): number {
  return s.idx === undefined ? s.end - s.start : s.idx.length;
}

export function itemAt(s: Segment, k: number): number {
  return s.idx === undefined ? s.start + k : (s.idx[k] as number);
}

export class BulkRequest {
  constructor(
    readonly segments: Segment[],
    readonly count: number,
    /** How many times these items were sent before (0 for new items). */
    readonly attempt: number,
  ) {}
}

/** Documents waiting to be sent, in arrival order; cut into requests of about `maxBytes`. */
export class BulkBuffer {
  #segments: Segment[] = [];
  #bytes = 0;
  #count = 0;

  /** Bytes of the buffered items in a body. */
  get bytes(): number {
    return this.#bytes;
  }

  get count(): number {
    return this.#count;
  }

  add(set: ItemSet): void {
    const n = set.count;
    if (n === 0) return;
    this.#segments.push({ set, start: 0, end: n, idx: undefined });
    this.#bytes += set.byteLength;
    this.#count += n;
  }

  /** Takes items from the head, at least one, until about `maxBytes`; undefined when empty. */
  take(maxBytes: number): BulkRequest | undefined {
    if (this.#count === 0) return undefined;
    if (this.#bytes <= maxBytes) {
      const req = new BulkRequest(this.#segments, this.#count, 0);
      this.#segments = [];
      this.#bytes = 0;
      this.#count = 0;
      return req;
    }
    const out: Segment[] = [];
    let bytes = 0;
    let count = 0;
    while (this.#segments.length > 0 && bytes < maxBytes) {
      const seg = this.#segments[0] as Segment;
      let i = seg.start;
      while (i < seg.end && (bytes < maxBytes || count === 0)) {
        bytes += seg.set.itemBytes(i);
        i++;
        count++;
      }
      if (i === seg.end) {
        out.push(seg);
        this.#segments.shift();
      } else {
        out.push({ set: seg.set, start: seg.start, end: i, idx: undefined });
        seg.start = i;
      }
    }
    this.#bytes -= bytes;
    this.#count -= count;
    return new BulkRequest(out, count, 0);
  }
}

/**
 * The NDJSON body of a request, without copying it: views of the item sets' Buffers, one per run of
 * consecutive items, in order. They stay valid until the sets are released (once every item is settled).
 */
export function bodyParts(req: BulkRequest): Buffer[] {
  const parts: Buffer[] = [];
  for (const seg of req.segments) {
    if (seg.idx === undefined) {
      if (seg.end > seg.start) parts.push(seg.set.run(seg.start, seg.end));
      continue;
    }
    // Re-sent items: consecutive indices make one run.
    const idx = seg.idx;
    for (let k = 0; k < idx.length; ) {
      const first = idx[k] as number;
      let last = first;
      while (k + 1 < idx.length && idx[k + 1] === last + 1) last = idx[++k] as number;
      k++;
      parts.push(seg.set.run(first, last + 1));
    }
  }
  return parts;
}

/** Two requests of half the items each (a 413 answer), or undefined for a single item. */
export function splitRequest(req: BulkRequest): [BulkRequest, BulkRequest] | undefined {
  if (req.count < 2) return undefined;
  const half = Math.floor(req.count / 2);
  const a: Segment[] = [];
  const b: Segment[] = [];
  let seen = 0;
  for (const seg of req.segments) {
    const n = segmentSize(seg);
    const idx = Array.from({ length: n }, (_, k) => itemAt(seg, k));
    const cut = Math.max(0, Math.min(n, half - seen));
    if (cut > 0) a.push({ set: seg.set, start: 0, end: 0, idx: idx.slice(0, cut) });
    if (cut < n) b.push({ set: seg.set, start: 0, end: 0, idx: idx.slice(cut) });
    seen += n;
  }
  return [new BulkRequest(a, half, req.attempt), new BulkRequest(b, req.count - half, req.attempt)];
}
