/**
 * `qos_summaries`: a tiny source that yields the throttle's due summary events when no batch flows through
 * the pipeline to carry them (a noisy app went quiet, or every source is idle). It polls the throttle on a
 * real timer; the throttle decides, with its own clock, what is due, so a summary is emitted exactly once:
 * by the first of this source and the next batch. On close (after the sinks were closed at shutdown) what
 * was still pending goes to Herald's own log instead, so even the last interval is not lost in silence.
 */
import type { Logger } from 'pino';
import type { Batch, Source } from '../pipeline/contracts';
import type { HeraldRecord } from '../pipeline/records';
import { sleep } from '../pipeline/timing';
import type { Throttle } from './throttle';

export class QosSummarySource implements Source<HeraldRecord> {
  readonly name = 'qos_summaries';
  readonly #throttle: Throttle;
  readonly #pollMs: number;
  readonly #logger: Logger;
  #closed = false;

  /** `pollMs`: how often to look for due summaries (a summary is at most this late when no batch flows). */
  constructor(throttle: Throttle, logger: Logger, pollMs = 1000) {
    this.#throttle = throttle;
    this.#pollMs = pollMs;
    this.#logger = logger.child({ component: this.name, type: 'source' });
  }

  async *batches(signal: AbortSignal): AsyncIterable<Batch<HeraldRecord>> {
    while (!signal.aborted) {
      await sleep(this.#pollMs, signal);
      if (signal.aborted) return;
      const events = this.#throttle.drainSummaries();
      if (events.length > 0) yield { records: events };
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const e of this.#throttle.flushSummaries()) {
      // Counts and the app key only: never record contents.
      this.#logger.warn({ qos: (e.fields?.['herald'] as { qos?: unknown } | undefined)?.qos }, 'throttle summary not shipped (shutdown)');
    }
    return Promise.resolve();
  }
}
