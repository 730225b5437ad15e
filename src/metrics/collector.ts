/**
 * A collector produces the points of one kind of metrics for one collection. It keeps what it needs between
 * collections (previous counters for rates, reset detection) and must tolerate being called at irregular
 * intervals. It throws only when the whole collection failed (the source counts and logs that once per
 * interval); partial problems are counted and skipped inside.
 */
import type { MetricPoint } from '../pipeline/records';
import type { CollectorName } from './own-metrics';

export interface Collector {
  readonly name: CollectorName;
  /** `nowMs`: wall-clock time of this collection (the timestamp of points without their own). */
  collect(nowMs: number, signal: AbortSignal): Promise<MetricPoint[]>;
}
