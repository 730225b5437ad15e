/**
 * The scrape collector's own metrics. Labels come from fixed sets (target kind, error reason, skip reason):
 * per-target figures go into the stream as points (scrape_up, scrape_duration_seconds, ...), where the
 * target's tags identify it, not into Herald's registry where a label per task would grow without bound.
 */
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '../observability/metrics';
import type { ScrapeErrorReason } from './http-fetch';
import type { TargetKind } from './targets/target';

interface Inc { inc(value?: number): void }

export type SkipReason = 'overlap' | 'backpressure';
export type ValueSkipReason = 'nan' | 'inf' | 'timestamp' | 'violation';

export class ScrapeMetrics {
  readonly #errors;
  readonly #duration;
  readonly #scrapes;
  readonly #skipped;
  readonly #values;
  readonly #targets;
  readonly seriesDropped: Inc;
  readonly bodyBytes: Inc;
  readonly brokenLines: Inc;

  constructor(registry: Registry) {
    this.#errors = counter(registry, 'herald_scrape_errors_total', 'Failed scrapes and health checks, by reason', ['reason']);
    this.#duration = histogram(registry, 'herald_scrape_duration_seconds', 'Time per scrape (fetch + parse), by target kind', ['kind'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    this.#scrapes = counter(registry, 'herald_scrape_total', 'Scrapes and health checks run, by target kind', ['kind']);
    this.#skipped = counter(registry, 'herald_scrape_skipped_total', 'Scrape rounds not run: the previous one still running (overlap) or the output queue full (backpressure)', ['reason']);
    this.#values = counter(registry, 'herald_scrape_values_skipped_total', 'Values not stored: NaN or ±Inf (InfluxDB cannot store them), timestamps out of range, OpenMetrics rule violations kept', ['reason']);
    this.#targets = gauge(registry, 'herald_scrape_targets', 'Targets scheduled, by kind', ['kind']);
    this.seriesDropped = counter(registry, 'herald_scrape_series_dropped_total', 'Points (json: fields) dropped over max_series');
    this.bodyBytes = counter(registry, 'herald_scrape_body_bytes_total', 'Response bytes read from targets');
    this.brokenLines = counter(registry, 'herald_scrape_broken_lines_total', 'HAProxy CSV rows skipped because their field count differs from the header');
  }

  error(reason: ScrapeErrorReason): void {
    this.#errors.labels({ reason }).inc();
  }

  scraped(kind: TargetKind, seconds: number): void {
    this.#scrapes.labels({ kind }).inc();
    this.#duration.labels({ kind }).observe(seconds);
  }

  skipped(reason: SkipReason): void {
    this.#skipped.labels({ reason }).inc();
  }

  valuesSkipped(reason: ValueSkipReason, n: number): void {
    if (n > 0) this.#values.labels({ reason }).inc(n);
  }

  targets(kind: TargetKind, n: number): void {
    this.#targets.labels({ kind }).set(n);
  }
}
