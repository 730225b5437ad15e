/**
 * The sink's bookkeeping, I/O-free: pipeline batches as encoded item sets, the buffer that cuts them into
 * bulk requests by size, and the NDJSON body of a request.
 *
 * An item is (set, index): its action line and document stay the strings the encoder produced, so a
 * re-send or a dead-letter copy never serialises anything again. Requests reference runs of items
 * (segments), so the bookkeeping allocates per batch and per request, not per document.
 */
import type { Outcome } from '../../pipeline/contracts';
import { NdjsonWriter, type BufferPool } from '../ndjson-writer';

/** One pipeline batch: settles (resolves its write) when every one of its documents is settled. */
export class BatchState {
  unsettled: number;
  delivered = 0;
  deadLettered = 0;
  dropped = 0;
  dropReason: string | undefined;
  settled = false;
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
  readonly actions: string[] = [];
  readonly docs: string[] = [];
  constructor(
    readonly owner: BatchState,
    readonly deadLetter: boolean,
  ) {}
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

/** Approximate size of an item in the body: UTF-16 length stands in for UTF-8 bytes (exact for ASCII). */
function itemChars(set: ItemSet, i: number): number {
  return (set.actions[i] as string).length + (set.docs[i] as string).length + 2;
}

/** Documents waiting to be sent, in arrival order; cut into requests of about `maxBytes`. */
export class BulkBuffer {
  #segments: Segment[] = [];
  #chars = 0;
  #count = 0;

  get chars(): number {
    return this.#chars;
  }

  get count(): number {
    return this.#count;
  }

  add(set: ItemSet, chars: number): void {
    const n = set.docs.length;
    if (n === 0) return;
    this.#segments.push({ set, start: 0, end: n, idx: undefined });
    this.#chars += chars;
    this.#count += n;
  }

  /** Takes items from the head, at least one, until about `maxBytes`; undefined when empty. */
  take(maxBytes: number): BulkRequest | undefined {
    if (this.#count === 0) return undefined;
    if (this.#chars <= maxBytes) {
      const req = new BulkRequest(this.#segments, this.#count, 0);
      this.#segments = [];
      this.#chars = 0;
      this.#count = 0;
      return req;
    }
    const out: Segment[] = [];
    let chars = 0;
    let count = 0;
    while (this.#segments.length > 0 && chars < maxBytes) {
      const seg = this.#segments[0] as Segment;
      let i = seg.start;
      while (i < seg.end && (chars < maxBytes || count === 0)) {
        chars += itemChars(seg.set, i);
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
    this.#chars -= chars;
    this.#count -= count;
    return new BulkRequest(out, count, 0);
  }
}

/** Total chars of a segment's items (for the buffer's accounting of a whole set). */
export function setChars(set: ItemSet): number {
  let chars = 0;
  for (let i = 0; i < set.docs.length; i++) chars += itemChars(set, i);
  return chars;
}

/**
 * The NDJSON body: action + document per item, newline-terminated, UTF-8-encoded straight into one Buffer.
 * Measured on the benchmark corpus, this is ~3x faster than joining the strings and encoding the result
 * (no intermediate multi-MB string). The buffer is sized for ASCII plus slack and grows when a string
 * could not fit (non-ASCII text takes up to 3 bytes per UTF-16 unit). The body is `result()` of the writer
 * returned; with a pool, release() the writer once nothing reads the body any more.
 */
export function buildBody(req: BulkRequest, pool?: BufferPool): NdjsonWriter {
  let chars = 0;
  for (const seg of req.segments) {
    const n = segmentSize(seg);
    for (let k = 0; k < n; k++) chars += itemChars(seg.set, itemAt(seg, k));
  }
  const w = new NdjsonWriter(chars + (chars >> 4) + 1024, pool);
  for (const seg of req.segments) {
    const { actions, docs } = seg.set;
    if (seg.idx === undefined) {
      for (let i = seg.start; i < seg.end; i++) w.line(actions[i] as string).line(docs[i] as string);
    } else {
      for (const i of seg.idx) w.line(actions[i] as string).line(docs[i] as string);
    }
  }
  return w;
}

/** Lines UTF-8-encoded straight into one growing Buffer (also used by the file output). */
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
