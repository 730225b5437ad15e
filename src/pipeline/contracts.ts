/**
 * The stage contracts. Data moves as batches: a source yields batches, a transform maps a batch to a batch
 * (synchronously, no I/O), a sink accepts a batch and resolves once the backend has answered for every
 * record in it. A source commits its position only after the runner learned the outcome of that batch and
 * of every batch it yielded before it.
 */
import type { HeraldRecord } from './records';

export interface Batch<R = HeraldRecord> {
  records: R[];
  /** Opaque position to hand back to Source.commit once this batch and all earlier ones are settled. */
  checkpoint?: unknown;
}

export interface Source<R = HeraldRecord> {
  readonly name: string;
  /**
   * Pull-driven: the runner asks for the next batch only when it has room, so a slow sink slows reading.
   * The iterator ends when `signal` aborts (after yielding nothing more), or when the source is exhausted.
   */
  batches(signal: AbortSignal): AsyncIterable<Batch<R>>;
  /** Called in yield order, only after the batch and all earlier ones were settled by the sinks. */
  commit?(checkpoint: unknown): Promise<void>;
  /** Release files, timers and sockets; persist committed positions. Safe to call twice or unstarted. */
  close?(): Promise<void>;
}

export interface Transform<R = HeraldRecord> {
  readonly name: string;
  apply(batch: Batch<R>): Batch<R>;
}

export interface Outcome {
  /** Records the backend accepted. */
  delivered: number;
  /** Records settled without delivery (permanent failure, dead-lettered, over a bound), counted by reason. */
  dropped: number;
  dropReason?: string;
}

export interface Sink<R = HeraldRecord> {
  readonly name: string;
  /** Start connections, install templates. Called before any source starts. */
  start?(): Promise<void>;
  /**
   * Resolves when every record of the batch is settled (delivered or permanently dropped). Transient
   * failures are retried inside the sink; the promise stays pending meanwhile (that is backpressure).
   * Rejects only when the sink is closing and gave up: the batch is then NOT settled and must not be committed.
   */
  write(batch: Batch<R>): Promise<Outcome>;
  /** Flush what is buffered, give up pending retries after deadlineMs, release. Safe to call twice. */
  close(deadlineMs: number): Promise<void>;
}

/** Merge two outcomes (a batch split by the router across sinks). */
export function mergeOutcomes(a: Outcome, b: Outcome): Outcome {
  const out: Outcome = { delivered: a.delivered + b.delivered, dropped: a.dropped + b.dropped };
  const reason = a.dropReason ?? b.dropReason;
  if (reason !== undefined) out.dropReason = reason;
  return out;
}
