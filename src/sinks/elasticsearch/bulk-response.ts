/**
 * Reading a bulk response item by item (I/O-free): each item of the request is delivered, to be re-sent,
 * or refused. Refused items become dead-letter copies (or, when they were dead-letter copies already,
 * are dropped: no loop). Settlement of the pipeline batches happens here, counted locally and published
 * once per response by the caller.
 */
import { BulkRequest, ItemSet, itemAt, segmentSize, type BatchState, type Segment } from './bulk-buffer';
import { actionIndex, deadLetterDocument, itemError, type BulkItemResult, type ItemError } from './dead-letter';
import { isRetriableStatus } from './retry-policy';

export interface BulkResponseBody {
  errors?: boolean;
  items?: Record<string, BulkItemResult>[];
}

/** What the sink needs to build dead-letter copies. */
export interface DeadLetterTarget {
  actionLine(nowMs: number): string;
  hostJson: string;
  nowMs: number;
}

/** The tally of one response (or one whole-request refusal). */
export class Settlement {
  delivered = 0;
  deadLettered = 0;
  dropped = 0;
  retried = 0;
  /** Items to re-send, one segment per set. */
  readonly retry: Segment[] = [];
  /** New dead-letter copies to send. */
  readonly deadLetters: ItemSet[] = [];
  /** Batches whose last item settled here. */
  readonly finished: BatchState[] = [];
  firstRefusal: (ItemError & { index: string; deadLetter: boolean }) | undefined;
  firstRetriable: ItemError | undefined;

  constructor(private readonly dl: DeadLetterTarget) {}

  /** One item accepted: a document, or the dead-letter copy of one. */
  accept(set: ItemSet): void {
    const owner = set.owner;
    if (set.deadLetter) {
      owner.deadLettered++;
      this.deadLettered++;
    } else {
      owner.delivered++;
      this.delivered++;
    }
    this.#settleOne(owner);
  }

  /** One item dropped for good (a refused dead-letter copy, an oversized document). */
  drop(set: ItemSet, reason: string): void {
    set.owner.dropped++;
    set.owner.dropReason ??= reason;
    this.dropped++;
    this.#settleOne(set.owner);
  }

  /** One item refused: its dead-letter copy is queued in `dlSet` (created by the caller per segment). */
  refuse(set: ItemSet, i: number, err: ItemError, dlSet: ItemSet): void {
    const index = actionIndex(set.action(i));
    this.firstRefusal ??= { ...err, index, deadLetter: set.deadLetter };
    dlSet.add(this.dl.actionLine(this.dl.nowMs), deadLetterDocument(set.doc(i), index, err, this.dl.nowMs, this.dl.hostJson));
  }

  #settleOne(owner: BatchState): void {
    if (--owner.unsettled === 0) this.finished.push(owner);
  }

  /** Every item of `seg` refused with the same error (a whole request answered 400). */
  refuseAll(seg: Segment, err: ItemError): void {
    const n = segmentSize(seg);
    let dl: ItemSet | undefined;
    for (let k = 0; k < n; k++) {
      if (seg.set.deadLetter) {
        this.firstRefusal ??= { ...err, index: '', deadLetter: true };
        this.drop(seg.set, 'dead_letter_failed');
      } else this.refuse(seg.set, itemAt(seg, k), err, (dl ??= new ItemSet(seg.set.owner, true)));
    }
    if (dl) this.deadLetters.push(dl);
  }

  /** Every item of `seg` to be re-sent. */
  retryAll(seg: Segment): void {
    this.retry.push(seg);
    this.retried += segmentSize(seg);
  }
}

/** Reads every item of `body` against `req`, in order; missing items are re-sent. Returns true if any item failed. */
export function readBulkResponse(req: BulkRequest, body: BulkResponseBody, s: Settlement): boolean {
  const items = body.items ?? [];
  if (body.errors === false && items.length === req.count) {
    for (const seg of req.segments) {
      const n = segmentSize(seg);
      for (let k = 0; k < n; k++) s.accept(seg.set);
    }
    return false;
  }
  let j = 0;
  for (const seg of req.segments) {
    const n = segmentSize(seg);
    let retryIdx: number[] | undefined;
    let dl: ItemSet | undefined;
    for (let k = 0; k < n; k++) {
      const i = itemAt(seg, k);
      const wrapper = items[j++];
      let r: BulkItemResult | undefined;
      if (wrapper !== undefined) for (const op in wrapper) r = wrapper[op];
      const status = r?.status ?? 0;
      if (status >= 200 && status < 300) s.accept(seg.set);
      else if (r === undefined || isRetriableStatus(status, r.error?.type)) {
        s.firstRetriable ??= itemError(status, r);
        (retryIdx ??= []).push(i);
      } else if (seg.set.deadLetter) {
        s.firstRefusal ??= { ...itemError(status, r), index: actionIndex(seg.set.action(i)), deadLetter: true };
        s.drop(seg.set, 'dead_letter_failed');
      } else s.refuse(seg.set, i, itemError(status, r), (dl ??= new ItemSet(seg.set.owner, true)));
    }
    if (retryIdx !== undefined) {
      s.retry.push({ set: seg.set, start: 0, end: 0, idx: retryIdx });
      s.retried += retryIdx.length;
    }
    if (dl !== undefined) s.deadLetters.push(dl);
  }
  return true;
}
