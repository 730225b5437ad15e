/**
 * Herald's own metrics about metric collection. Labels come from fixed sets: `collector` (agent,
 * containers, host), `reason` (the literal reasons below), `file` (the cgroup file names the readers open),
 * `endpoint` (/containers, /monitor/statistics, cgroups). Never an app, path or container id.
 */
import type { Registry } from 'prom-client';
import { counter, gauge } from '../observability/metrics';

export type CollectorName = 'agent' | 'containers' | 'host';
export type SkipReason =
  | 'invalid_value' // a non-numeric, negative or non-finite value where a number was expected
  | 'bad_entry' // a /containers entry without ids, or a payload that is not the documented shape
  | 'counter_reset' // a counter went down: no rate this time
  | 'time_backwards' // Δt ≤ 0 between two samples: no rate this time
  | 'unreadable'; // a /proc or statfs read failed

export class MetricsOwnMetrics {
  readonly collections;
  readonly collectionErrors;
  readonly points;
  readonly skipped;
  readonly resets;
  readonly cgroupSkipped;
  readonly unknownContainers;
  readonly containerSource;
  readonly durationSeconds;

  constructor(registry: Registry) {
    this.collections = counter(registry, 'herald_metrics_collections_total', 'Metric collections by collector and result (ok, failed)', ['collector', 'result']);
    this.collectionErrors = counter(registry, 'herald_metrics_collection_errors_total', 'Failed collections (the source keeps running; logged once per interval)', ['collector']);
    this.points = counter(registry, 'herald_metrics_points_total', 'Metric points produced', ['collector']);
    this.skipped = counter(registry, 'herald_metrics_values_skipped_total', 'Values not shipped, by reason', ['collector', 'reason']);
    this.resets = counter(registry, 'herald_metrics_counter_resets_total', 'Counter resets detected (agent restarted, container counters went down)', ['collector']);
    this.cgroupSkipped = counter(registry, 'herald_metrics_cgroup_values_skipped_total', 'cgroup file values that were not well-formed integers (garbage, negative, truncated) and were skipped', ['file']);
    this.unknownContainers = counter(registry, 'herald_metrics_unknown_containers_total', 'Container samples whose container the Mesos metadata did not know (tagged app=unknown)');
    this.containerSource = counter(registry, 'herald_metrics_container_samples_total', 'Container samples by where they came from', ['endpoint']);
    this.durationSeconds = gauge(registry, 'herald_metrics_collection_duration_seconds', 'Wall time of the last collection', ['collector']);
  }
}
