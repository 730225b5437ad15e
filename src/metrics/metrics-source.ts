/**
 * A pull-driven source yielding one batch of metric points per collection. The interval timer starts when
 * the runner has taken the previous batch (it asks for the next one), so a slow sink stretches the period
 * instead of piling up collections. All collectors of a collection run concurrently and share one
 * timestamp. A failed collector is counted (`herald_metrics_collection_errors_total{collector}`) and
 * logged (the first failure in full, then at most once a minute while it keeps failing, then its
 * recovery); it never ends the source. Abort (the signal or close()) ends the iteration promptly, also
 * in the middle of a collection or a wait.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors';
import type { Batch, Source } from '../pipeline/contracts';
import type { ComponentContext } from '../pipeline/context';
import type { MetricPoint } from '../pipeline/records';
import type { Collector } from './collector';
import type { MetricsOwnMetrics } from './own-metrics';

export interface MetricsSourceOptions {
  name: string;
  collectors: readonly Collector[];
  intervalMs: number;
  context: ComponentContext;
  own: MetricsOwnMetrics;
}

const FAILURE_LOG_EVERY_MS = 60_000;

export class MetricsSource implements Source<MetricPoint> {
  readonly name: string;
  readonly #abort = new AbortController();
  readonly #failing = new Map<string, { since: number; count: number; loggedAtMs: number }>();
  #iterating = false;

  constructor(private readonly opts: MetricsSourceOptions) {
    this.name = opts.name;
  }

  async *batches(signal: AbortSignal): AsyncGenerator<Batch<MetricPoint>> {
    if (this.#iterating) throw new Error(`${this.name}: batches() is already being iterated`);
    this.#iterating = true;
    const stop = AbortSignal.any([signal, this.#abort.signal]);
    try {
      while (!stop.aborted) {
        const records = await this.collectOnce(stop);
        if (stop.aborted) break;
        if (records.length > 0) yield { records };
        if (stop.aborted) break;
        try {
          await sleep(this.opts.intervalMs, undefined, { signal: stop });
        } catch {
          break; // aborted while waiting
        }
      }
    } finally {
      this.#iterating = false;
    }
  }

  /** One collection of every collector; never throws. */
  async collectOnce(signal: AbortSignal): Promise<MetricPoint[]> {
    const { clock, logger } = this.opts.context;
    const own = this.opts.own;
    const nowMs = clock.now();
    const results = await Promise.allSettled(
      this.opts.collectors.map(async (c) => {
        const started = performance.now();
        try {
          return await c.collect(nowMs, signal);
        } finally {
          own.durationSeconds.set({ collector: c.name }, (performance.now() - started) / 1000);
        }
      }),
    );
    const records: MetricPoint[] = [];
    results.forEach((r, i) => {
      const c = this.opts.collectors[i] as Collector;
      if (r.status === 'fulfilled') {
        own.collections.inc({ collector: c.name, result: 'ok' });
        own.points.inc({ collector: c.name }, r.value.length);
        for (const p of r.value) records.push(p);
        const f = this.#failing.get(c.name);
        if (f) {
          this.#failing.delete(c.name);
          logger.info({ source: this.name, collector: c.name, failures: f.count }, 'metric collection recovered');
        }
        return;
      }
      if (signal.aborted) return; // shutting down: not a failure
      own.collections.inc({ collector: c.name, result: 'failed' });
      own.collectionErrors.inc({ collector: c.name });
      const mono = clock.monotonic();
      const f = this.#failing.get(c.name);
      if (!f) {
        this.#failing.set(c.name, { since: mono, count: 1, loggedAtMs: mono });
        logger.warn({ source: this.name, collector: c.name, err: errorMessage(r.reason) }, 'metric collection failed; retrying every interval');
      } else {
        f.count++;
        if (mono - f.loggedAtMs >= FAILURE_LOG_EVERY_MS) {
          f.loggedAtMs = mono;
          logger.warn({ source: this.name, collector: c.name, failures: f.count, err: errorMessage(r.reason) }, 'metric collection still failing');
        }
      }
    });
    return records;
  }

  /** Stop collecting; an iteration in progress ends. Safe to call twice or unstarted. */
  close(): Promise<void> {
    this.#abort.abort();
    return Promise.resolve();
  }
}
