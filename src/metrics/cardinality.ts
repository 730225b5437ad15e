/**
 * The cardinality guard for per-container metrics (DESIGN.md "Identity and naming"): per-task series
 * explode cardinality, so by default one series per app per node (tags host, app, framework); per container
 * (plus executor, task, container_id) only where `per_task` is on, globally or for an app.
 *
 * Aggregation per app (documented per field kind in containers/fields.ts):
 * - gauges and `*_per_sec` rates are summed (bytes in use, cores used by the app on this node);
 * - `max` fields (PSI averages) take the maximum;
 * - `cpus_throttled_ratio` is recomputed from the summed Δnr_throttled / Δnr_periods (a weighted average);
 * - cumulative counters are not shipped per app (containers come and go, the sum would jump);
 * - `containers` counts the containers folded in.
 *
 * Series budget: at most `series_budget_per_app` series per app per measurement. A series keeps its slot
 * while it is seen; new series take free slots in container-id order; the rest are folded into one series
 * whose executor/task/container_id tags are `_overflow` (budget + 1 at most), counted in
 * `herald_metrics_series_overflow_total{measurement}` and reported per app as a `herald_series_overflow` point.
 */
import type { Registry } from 'prom-client';
import { counter } from '../observability/metrics';
import { makeMetricPoint, type FieldValue, type MetricPoint } from '../pipeline/records';
import { CONTAINER_FIELDS, DERIVED_FIELDS } from './containers/fields';
import { fillRates, type RateResult } from './containers/rate-tracker';

export interface ContainerIdentity {
  app: string;
  framework: string;
  executor: string;
  /** '' when the run has several tasks (pods) or none is known. */
  task: string;
  /** The container id, or `<framework id>/<executor id>` from `/monitor/statistics`. */
  containerKey: string;
}

export interface ContainerRecord {
  id: ContainerIdentity;
  values: ReadonlyMap<string, number>;
  rate: RateResult;
}

export interface CardinalityOptions {
  perTask: boolean;
  seriesBudgetPerApp: number;
  /** Per app key (e.g. "/shop/web"): overrides of per_task and the budget. */
  perApp: Readonly<Record<string, { per_task?: boolean | undefined; series_budget?: number | undefined }>>;
}

export const OVERFLOW_TAG = '_overflow';
export const OVERFLOW_MEASUREMENT = 'herald_series_overflow';

interface Group {
  tags: Record<string, string>;
  app: string;
  count: number;
  sums: Map<string, number>;
  deltas: Map<string, number>;
  dtSec: number;
}

export class CardinalityGuard {
  /** app → series key → generation last seen. */
  readonly #admitted = new Map<string, Map<string, number>>();
  #generation = 0;
  readonly #overflow;

  constructor(private readonly opts: CardinalityOptions, registry: Registry) {
    this.#overflow = counter(registry, 'herald_metrics_series_overflow_total', 'Series not admitted under the per-app series budget, folded into an _overflow series', ['measurement']);
  }

  perTaskFor(app: string): boolean {
    return this.opts.perApp[app]?.per_task ?? this.opts.perTask;
  }

  budgetFor(app: string): number {
    return this.opts.perApp[app]?.series_budget ?? this.opts.seriesBudgetPerApp;
  }

  /** Points for one collection of containers, in a deterministic order (app, then series). */
  build(measurement: string, records: readonly ContainerRecord[], hostname: string, timestampMs: number): MetricPoint[] {
    this.#generation++;
    const byApp = new Map<string, ContainerRecord[]>();
    for (const r of records) {
      const list = byApp.get(r.id.app);
      if (list) list.push(r);
      else byApp.set(r.id.app, [r]);
    }
    const points: MetricPoint[] = [];
    for (const app of [...byApp.keys()].sort()) {
      const list = (byApp.get(app) as ContainerRecord[]).sort((a, b) => cmp(a.id.framework, b.id.framework) || cmp(a.id.containerKey, b.id.containerKey));
      const perTask = this.perTaskFor(app);
      const admitted = this.#admittedFor(app);
      const budget = this.budgetFor(app);
      const seriesKeyOf = (r: ContainerRecord) => (perTask ? `${r.id.framework}\u0000${r.id.containerKey}` : r.id.framework);
      // Pass 1: series that hold a slot and are still here keep it; slots of vanished series are freed
      // before any new series asks for one.
      for (const r of list) {
        const k = seriesKeyOf(r);
        if (admitted.has(k)) admitted.set(k, this.#generation);
      }
      for (const [k, gen] of admitted) if (gen !== this.#generation) admitted.delete(k);
      const groups = new Map<string, Group>();
      let overflowSeries = 0;
      for (const r of list) {
        const seriesKey = seriesKeyOf(r);
        let key = seriesKey;
        if (!admitted.has(seriesKey)) {
          if (admitted.size < budget) admitted.set(seriesKey, this.#generation);
          else {
            key = `${r.id.framework}\u0000${OVERFLOW_TAG}`;
            overflowSeries++;
          }
        }
        let g = groups.get(key);
        if (!g) {
          g = { tags: this.#tags(hostname, r.id, perTask, key !== seriesKey), app, count: 0, sums: new Map(), deltas: new Map(), dtSec: 0 };
          groups.set(key, g);
        }
        addTo(g, r, perTask && key === seriesKey);
      }
      for (const g of groups.values()) points.push(toPoint(measurement, g, timestampMs));
      if (overflowSeries > 0) {
        this.#overflow.inc({ measurement }, overflowSeries);
        points.push(makeMetricPoint(OVERFLOW_MEASUREMENT, { host: hostname, app, measurement }, { series_overflow: overflowSeries, series_budget: budget }, timestampMs, app));
      }
    }
    for (const app of this.#admitted.keys()) if (!byApp.has(app)) this.#admitted.delete(app);
    return points;
  }

  #admittedFor(app: string): Map<string, number> {
    let m = this.#admitted.get(app);
    if (!m) {
      m = new Map();
      this.#admitted.set(app, m);
    }
    return m;
  }

  #tags(hostname: string, id: ContainerIdentity, perTask: boolean, overflow: boolean): Record<string, string> {
    const tags: Record<string, string> = { host: hostname, app: id.app, framework: id.framework };
    if (!perTask) return tags;
    if (overflow) {
      tags['executor'] = OVERFLOW_TAG;
      tags['task'] = OVERFLOW_TAG;
      tags['container_id'] = OVERFLOW_TAG;
    } else {
      tags['executor'] = id.executor;
      if (id.task !== '') tags['task'] = id.task;
      tags['container_id'] = id.containerKey;
    }
    return tags;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fold one container into a group. `single`: the group is this container alone (its raw counters ship). */
function addTo(g: Group, r: ContainerRecord, single: boolean): void {
  g.count++;
  for (const [k, v] of r.values) {
    const kind = CONTAINER_FIELDS[k];
    if (kind === 'gauge') g.sums.set(k, (g.sums.get(k) ?? 0) + v);
    else if (kind === 'max') g.sums.set(k, Math.max(g.sums.get(k) ?? v, v));
    else if (kind === 'counter' && single) g.sums.set(k, v);
  }
  if (r.rate.outcome !== 'rate') return;
  // Rates add up across containers; Δt differs slightly between them, so sum rates (not deltas / one Δt).
  for (const [k, v] of r.rate.rates) {
    if (k === DERIVED_FIELDS.throttledRatio) continue;
    g.sums.set(k, (g.sums.get(k) ?? 0) + v);
  }
  for (const [k, v] of r.rate.deltas) g.deltas.set(k, (g.deltas.get(k) ?? 0) + v);
  g.dtSec = Math.max(g.dtSec, r.rate.dtSec);
}

function toPoint(measurement: string, g: Group, timestampMs: number): MetricPoint {
  const fields: Record<string, FieldValue> = { containers: g.count };
  for (const [k, v] of g.sums) fields[k] = v;
  if (g.dtSec > 0) {
    const derived = new Map<string, number>();
    fillRates(g.deltas, g.dtSec, derived);
    const ratio = derived.get(DERIVED_FIELDS.throttledRatio);
    if (ratio !== undefined) fields[DERIVED_FIELDS.throttledRatio] = ratio;
  }
  return makeMetricPoint(measurement, g.tags, fields, timestampMs, g.app);
}
