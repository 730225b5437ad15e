/**
 * Agent metrics: one `mesos_agent` point per collection from `/metrics/snapshot`, tag `host`, one field per
 * normalised snapshot key (names kept verbatim, `/` included, so what an operator reads in the Mesos docs is
 * what they query). Counters are shipped as the agent reports them (cumulative since agent start): rates are
 * the query's job (`non_negative_derivative`), and resets are detected here so nobody reads a drop as data.
 *
 * Reset: `slave/uptime_secs` went down, or any counter (catalogue kind) went down. The point of that
 * collection carries the boolean field `counters_reset=true` (absent otherwise) and
 * `herald_metrics_counter_resets_total{collector="agent"}` counts it.
 */
import type { MesosAgentClient } from '../../mesos/model';
import { makeMetricPoint, type FieldValue, type MetricPoint } from '../../pipeline/records';
import type { Collector } from '../collector';
import type { MetricsOwnMetrics } from '../own-metrics';
import { parseSnapshot, type SnapshotValues } from './snapshot';

export const AGENT_MEASUREMENT = 'mesos_agent';
export const RESET_FIELD = 'counters_reset';
const UPTIME = 'slave/uptime_secs';

/** Compares one snapshot with the previous: true when the agent's counters started over. */
export class ResetDetector {
  #uptime: number | undefined;
  readonly #counters = new Map<string, number>();

  observe(s: SnapshotValues): boolean {
    let reset = false;
    const uptime = s.values.get(UPTIME);
    if (uptime !== undefined && this.#uptime !== undefined && uptime < this.#uptime) reset = true;
    if (uptime !== undefined) this.#uptime = uptime;
    for (const [k, v] of s.values) {
      if (s.kinds.get(k) !== 'counter') continue;
      const before = this.#counters.get(k);
      if (before !== undefined && v < before) reset = true;
      this.#counters.set(k, v);
    }
    return reset;
  }
}

export interface AgentCollectorOptions {
  client: MesosAgentClient;
  hostname: string;
  own: MetricsOwnMetrics;
  /** Passed as `?timeout=` so a slow metric is left out instead of the whole snapshot timing out. */
  snapshotTimeoutMs: number;
}

export class AgentCollector implements Collector {
  readonly name = 'agent' as const;
  readonly #resets = new ResetDetector();
  readonly #path: string;

  constructor(private readonly opts: AgentCollectorOptions) {
    this.#path = `/metrics/snapshot?timeout=${Math.max(1, Math.round(opts.snapshotTimeoutMs))}ms`;
  }

  async collect(nowMs: number, signal: AbortSignal): Promise<MetricPoint[]> {
    const payload = await this.opts.client.getJson(this.#path, signal);
    const s = parseSnapshot(payload);
    if (s.invalid > 0) this.opts.own.skipped.inc({ collector: 'agent', reason: 'invalid_value' }, s.invalid);
    if (s.values.size === 0) return [];
    const fields: Record<string, FieldValue> = {};
    for (const [k, v] of s.values) fields[k] = v;
    if (this.#resets.observe(s)) {
      fields[RESET_FIELD] = true;
      this.opts.own.resets.inc({ collector: 'agent' });
    }
    return [makeMetricPoint(AGENT_MEASUREMENT, { host: this.opts.hostname }, fields, nowMs)];
  }
}
