/**
 * Runs the fixed pipeline shape: every source → transforms (synchronous) → router → sinks, with at most
 * `maxInFlightBatches` unacknowledged batches per source (awaiting the sink is the backpressure), and
 * positions committed in order only after the sinks settled the batches (AckTracker).
 * Lifecycle: start() starts sinks first, sources last; stop() stops sources first, lets in-flight batches
 * settle until the deadline, closes sinks, then closes sources (which persist what was committed).
 */
import type { Counter, Gauge } from 'prom-client';
import type { Batch, Outcome, Sink, Source, Transform } from './contracts';
import type { ComponentContext } from './context';
import { eventCount, type HeraldRecord } from './records';
import { AckTracker } from './ack-tracker';
import { counter, gauge } from '../observability/metrics';
import { errorMessage } from '../errors';
import { sleep, withDeadline } from './timing';

/** Something the components share (e.g. the Mesos metadata cache): started before the sinks, closed last. */
export interface SharedResource {
  readonly name: string;
  start?(): Promise<unknown>;
  close(): Promise<void> | void;
}

export interface PipelineOptions {
  /** Started first (in order), closed after every source and sink (in reverse order). */
  resources?: SharedResource[];
  sources: Source<HeraldRecord>[];
  transforms: Transform<HeraldRecord>[];
  /** Usually a Router over the logs and metrics sinks. */
  sink: Sink<HeraldRecord> & { readonly sinks?: Sink<HeraldRecord>[] };
  context: ComponentContext;
  maxInFlightBatches: number;
}

export class Pipeline {
  readonly #o: PipelineOptions;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  readonly #trackers: AckTracker[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  readonly #records: Counter<'source' | 'outcome'>;
  readonly #batches: Gauge<'source'>;
  readonly #errors: Counter<'source' | 'stage'>;

  constructor(o: PipelineOptions) {
    this.#o = o;
    const m = o.context.metrics;
    this.#records = counter(m, 'herald_pipeline_records_total', 'Records settled by the sinks, by source and outcome', ['source', 'outcome']);
    this.#batches = gauge(m, 'herald_pipeline_batches_in_flight', 'Batches written but not yet acknowledged', ['source']);
    this.#errors = counter(m, 'herald_pipeline_errors_total', 'Errors caught in the pipeline, by stage', ['source', 'stage']);
  }

  get ready(): boolean {
    return this.#state === 'running';
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    this.#state = 'starting';
    for (const r of this.#o.resources ?? []) await r.start?.();
    for (const s of this.#o.sink.sinks ?? [this.#o.sink]) await s.start?.();
    for (const source of this.#o.sources) this.#loops.push(this.#run(source));
    this.#state = 'running';
  }

  async #run(source: Source<HeraldRecord>): Promise<void> {
    const logger = this.#o.context.logger.child({ component: source.name, type: 'source' });
    const tracker = new AckTracker(
      (cp) => source.commit?.(cp) ?? Promise.resolve(),
      (err) => {
        this.#errors.inc({ source: source.name, stage: 'commit' });
        logger.error({ err: errorMessage(err) }, 'commit failed');
      },
    );
    this.#trackers.push(tracker);
    const signal = this.#abort.signal;
    const mine = new Set<Promise<void>>();
    let backoffMs = 500;
    while (!signal.aborted) {
      try {
        for await (const batch of source.batches(signal)) {
          this.#dispatch(source.name, batch, tracker, mine, logger);
          while (mine.size >= this.#o.maxInFlightBatches) await Promise.race(mine);
          backoffMs = 500;
        }
        break; // the source ended (aborted or exhausted)
      } catch (err) {
        this.#errors.inc({ source: source.name, stage: 'source' });
        logger.error({ err: errorMessage(err) }, `source failed; restarting in ${backoffMs} ms`);
        await sleep(backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  #dispatch(
    sourceName: string,
    batch: Batch<HeraldRecord>,
    tracker: AckTracker,
    mine: Set<Promise<void>>,
    logger: ComponentContext['logger'],
  ): void {
    const seq = tracker.push(batch.checkpoint);
    let out = batch;
    try {
      for (const t of this.#o.transforms) out = t.apply(out);
    } catch (err) {
      // A transform that throws could let unredacted or unthrottled data through: drop the batch, loudly.
      this.#errors.inc({ source: sourceName, stage: 'transform' });
      this.#records.inc({ source: sourceName, outcome: 'dropped' }, eventCount(batch.records));
      logger.error({ err: errorMessage(err) }, 'transform failed; batch dropped');
      tracker.settle(seq);
      return;
    }
    this.#batches.inc({ source: sourceName });
    const p = this.#o.sink.write(out).then(
      (outcome: Outcome) => {
        if (outcome.delivered > 0) this.#records.inc({ source: sourceName, outcome: 'delivered' }, outcome.delivered);
        if (outcome.dropped > 0) this.#records.inc({ source: sourceName, outcome: 'dropped' }, outcome.dropped);
        tracker.settle(seq);
      },
      (err: unknown) => {
        this.#errors.inc({ source: sourceName, stage: 'sink' });
        logger.warn({ err: errorMessage(err) }, 'batch not acknowledged; it will be read again after restart');
        tracker.fail(seq);
      },
    );
    const tracked = p.finally(() => {
      mine.delete(tracked);
      this.#inFlight.delete(tracked);
      this.#batches.dec({ source: sourceName });
    });
    mine.add(tracked);
    this.#inFlight.add(tracked);
  }

  /** Stops reading, lets in-flight batches settle until the deadline, closes sinks then sources. Safe twice. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    const until = performance.now() + deadlineMs;
    const left = () => Math.max(0, until - performance.now());
    this.#state = 'stopping';
    this.#abort.abort();
    await withDeadline(Promise.all(this.#loops), left());
    await withDeadline(Promise.all([...this.#inFlight]), left());
    await this.#o.sink.close(left());
    await withDeadline(Promise.all(this.#inFlight), 1000);
    await Promise.all(this.#trackers.map((t) => t.flushed()));
    for (const s of this.#o.sources) {
      try {
        await s.close?.();
      } catch (err) {
        this.#o.context.logger.error({ component: s.name, err: errorMessage(err) }, 'source close failed');
      }
    }
    for (const r of [...(this.#o.resources ?? [])].reverse()) {
      try {
        await r.close();
      } catch (err) {
        this.#o.context.logger.error({ component: r.name, err: errorMessage(err) }, 'close failed');
      }
    }
    this.#state = 'stopped';
  }
}
