/**
 * The throttle's own metrics. The `app` label is bounded: the first `max_app_labels` apps seen get their own
 * value for the life of the process (a series never changes meaning), every further app is counted as
 * app="__other__". Children are resolved once per app and counters are published once per batch.
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '../observability/metrics';
import type { LabelSetting } from './app-limits';

export const OTHER = '__other__';

/** Per-app counter children (several apps may share them through the `__other__` label). */
export interface AppCounters {
  readonly droppedLines: Counter.Internal;
  readonly droppedBytes: Counter.Internal;
  readonly sampledLines: Counter.Internal;
  readonly droppedPoints: Counter.Internal;
}

export class QosMetrics {
  readonly #maxLabels: number;
  readonly #labelled = new Map<string, AppCounters>();
  readonly #droppedLines: Counter<'app'>;
  readonly #droppedBytes: Counter<'app'>;
  readonly #sampledLines: Counter<'app'>;
  readonly #droppedPoints: Counter<'app'>;
  readonly #totals: Record<'passedLogs' | 'passedPoints' | 'sampledLogs' | 'droppedLogs' | 'droppedPoints' | 'appLimit' | 'nodeLimit' | 'seriesBudget', Counter.Internal>;
  readonly apps: Gauge;
  readonly evictions: Counter;
  readonly folded: Counter;
  readonly summaries: Counter;
  readonly #labelErrors: Counter<'setting'>;

  constructor(m: Registry, maxAppLabels: number) {
    this.#maxLabels = maxAppLabels;
    this.#droppedLines = counter(m, 'herald_qos_dropped_lines_total', 'Log lines dropped by the throttle, by app (bounded; beyond it app="__other__")', ['app']);
    this.#droppedBytes = counter(m, 'herald_qos_dropped_bytes_total', 'Bytes of log lines dropped by the throttle, by app (bounded)', ['app']);
    this.#sampledLines = counter(m, 'herald_qos_sampled_lines_total', 'Excess log lines kept by on_excess: sample, by app (bounded)', ['app']);
    this.#droppedPoints = counter(m, 'herald_qos_dropped_points_total', 'Metric points dropped over the series budget, by app (bounded)', ['app']);
    this.apps = gauge(m, 'herald_qos_apps', 'Apps whose bucket the throttle currently tracks');
    this.evictions = counter(m, 'herald_qos_evictions_total', 'Idle app buckets forgotten');
    this.folded = counter(m, 'herald_qos_folded_records_total', 'Records of apps beyond max_apps, throttled together in the "__other__" bucket');
    this.summaries = counter(m, 'herald_qos_summaries_total', 'Summary events added to the log stream');
    const records = counter(m, 'herald_qos_records_total', 'Records checked by the throttle, by kind and outcome (passed, sampled, dropped)', ['kind', 'outcome']);
    const dropped = counter(m, 'herald_qos_dropped_total', 'Records dropped by the throttle, by kind and reason (app_limit, node_limit, series_budget)', ['kind', 'reason']);
    this.#totals = {
      passedLogs: records.labels({ kind: 'log', outcome: 'passed' }),
      passedPoints: records.labels({ kind: 'metric', outcome: 'passed' }),
      sampledLogs: records.labels({ kind: 'log', outcome: 'sampled' }),
      droppedLogs: records.labels({ kind: 'log', outcome: 'dropped' }),
      droppedPoints: records.labels({ kind: 'metric', outcome: 'dropped' }),
      appLimit: dropped.labels({ kind: 'log', reason: 'app_limit' }),
      nodeLimit: dropped.labels({ kind: 'log', reason: 'node_limit' }),
      seriesBudget: dropped.labels({ kind: 'metric', reason: 'series_budget' }),
    };
    this.#labelErrors = counter(m, 'herald_qos_label_errors_total', 'Invalid QoS task label values ignored, by setting', ['setting']);
  }

  /** The counters of app `name`; the same children for every app beyond the label budget. */
  forApp(name: string): AppCounters {
    let c = this.#labelled.get(name);
    if (c !== undefined) return c;
    const label = this.#labelled.size < this.#maxLabels ? name : OTHER;
    c = this.#labelled.get(label);
    if (c === undefined) {
      const labels = { app: label };
      c = {
        droppedLines: this.#droppedLines.labels(labels),
        droppedBytes: this.#droppedBytes.labels(labels),
        sampledLines: this.#sampledLines.labels(labels),
        droppedPoints: this.#droppedPoints.labels(labels),
      };
      this.#labelled.set(label, c);
    }
    return c;
  }

  /** The totals of one batch (per-app counters are published by AppState.publishBatch). */
  publishBatch(passedLogs: number, passedPoints: number, sampled: number, droppedApp: number, droppedNode: number, droppedSeries: number, folded: number): void {
    const t = this.#totals;
    if (passedLogs > 0) t.passedLogs.inc(passedLogs);
    if (passedPoints > 0) t.passedPoints.inc(passedPoints);
    if (sampled > 0) t.sampledLogs.inc(sampled);
    if (droppedApp + droppedNode > 0) t.droppedLogs.inc(droppedApp + droppedNode);
    if (droppedApp > 0) t.appLimit.inc(droppedApp);
    if (droppedNode > 0) t.nodeLimit.inc(droppedNode);
    if (droppedSeries > 0) {
      t.droppedPoints.inc(droppedSeries);
      t.seriesBudget.inc(droppedSeries);
    }
    if (folded > 0) this.folded.inc(folded);
  }

  labelError(setting: LabelSetting): void {
    this.#labelErrors.inc({ setting });
  }
}
