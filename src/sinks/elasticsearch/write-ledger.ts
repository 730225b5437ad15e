/**
 * The Elasticsearch sink's ledger of pipeline writes, I/O-free: each write() becomes one BatchState and
 * the ItemSet of its encoded log events (other records are dropped and counted at once). The ledger holds
 * the write until its last document is settled, keeps the pending-documents gauge, and at close rejects the
 * writes still open, so that their source reads those batches again.
 *
 * Invariant: a write is resolved (or rejected) exactly once; `settled` on its BatchState marks it.
 */
import type { Outcome } from '../../pipeline/contracts';
import { eventCount, type HeraldRecord } from '../../pipeline/records';
import { ErrorCode, HeraldError } from '../../errors';
import { BatchState, ItemSet } from './bulk-buffer';
import type { DocumentEncoder, IndexNamer } from './encode';
import type { SinkMetrics } from './sink-metrics';
import { BodySize, type BufferPool } from '../ndjson-writer';

export class WriteLedger {
  readonly #metrics: SinkMetrics;
  readonly #namer: IndexNamer;
  readonly #encoder: DocumentEncoder;
  readonly #unsettled = new Set<BatchState>();
  #idleWaiters: (() => void)[] = [];
  #pendingDocs = 0;
  /** Sizes the next batch's bytes from the last one, so they rarely grow. */
  readonly #size = new BodySize();
  /** The batches' bytes, reused once they are settled. */
  readonly #pool: BufferPool;

  constructor(metrics: SinkMetrics, namer: IndexNamer, encoder: DocumentEncoder, pool: BufferPool) {
    this.#metrics = metrics;
    this.#namer = namer;
    this.#encoder = encoder;
    this.#pool = pool;
  }

  /** Writes not settled yet. */
  get size(): number {
    return this.#unsettled.size;
  }

  /**
   * Encodes the log events of a batch and tracks the write until each of them is settled. Returns the
   * documents to send, or undefined when there are none (the write is then already resolved).
   */
  open(records: readonly HeraldRecord[], resolve: (o: Outcome) => void, reject: (e: Error) => void): ItemSet | undefined {
    const state = new BatchState(0, resolve, reject);
    const set = new ItemSet(state, false, this.#size.for(eventCount(records)), this.#pool);
    let skipped = 0;
    for (const r of records) {
      if (r.kind === 'log') set.addEvent(this.#namer.head(r.timestampMs), r, this.#encoder);
      else if (r.kind === 'logblock') {
        set.addBlock(r, this.#namer);
        r.release();
      } else skipped++;
    }
    if (skipped > 0) {
      state.dropped = skipped;
      state.dropReason = 'not_a_log_event';
      this.#metrics.documents.dropped.inc(skipped);
      this.#metrics.drops.inc({ reason: 'not_a_log_event' }, skipped);
    }
    const n = set.count;
    state.unsettled = n;
    if (n === 0) {
      set.release();
      state.settled = true;
      resolve(state.outcome());
      return undefined;
    }
    this.#size.observe(set.byteLength, n);
    state.items = set;
    this.#unsettled.add(state);
    this.#pendingDocs += n;
    this.#metrics.pending.set(this.#pendingDocs);
    return set;
  }

  /** `n` documents left the sink (delivered, dead-lettered or dropped). */
  settled(n: number): void {
    if (n <= 0) return;
    this.#pendingDocs -= n;
    this.#metrics.pending.set(this.#pendingDocs);
  }

  /** Resolves a write whose last document settled; wakes idle() waiters once no write is left. */
  finish(b: BatchState): void {
    if (b.settled) return;
    b.settled = true;
    this.#unsettled.delete(b);
    // Every item is settled: no request, re-send or dead-letter copy reads these bytes any more.
    b.items?.release();
    b.items = undefined;
    b.resolve(b.outcome());
    if (this.#unsettled.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /** Resolves when the last open write settles (call only while some are open). */
  idle(): Promise<void> {
    return new Promise<void>((r) => this.#idleWaiters.push(r));
  }

  /** Closing: rejects every write still open and forgets the pending documents. Returns what was rejected. */
  rejectAll(): { batches: number; documents: number } {
    const batches = this.#unsettled.size;
    let documents = 0;
    for (const b of this.#unsettled) {
      documents += b.unsettled;
      b.settled = true;
      b.reject(new HeraldError(ErrorCode.sinkClosed, `elasticsearch output closed with ${b.unsettled} documents of the batch unsettled`));
    }
    this.#unsettled.clear();
    this.#pendingDocs = 0;
    this.#metrics.pending.set(0);
    return { batches, documents };
  }
}
