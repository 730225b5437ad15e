/**
 * Time-varying payloads of the replayed agent: per-container ResourceStatistics (for `/containers` and
 * `/monitor/statistics`) and the agent's `/metrics/snapshot`. Both start from recorded objects; each tick
 * adds a deterministic amount to cumulative counters and moves gauges along a fixed pattern, so two runs
 * of a test see identical numbers. Only fields present in the recording are touched.
 */
import { SNAPSHOT_FIXTURES, STATISTICS_TEMPLATES, clone, metricKinds, readFixture, type Json, type SnapshotFixture, type StatisticsTemplate } from './recorded';

/** Per-tick growth of cumulative ResourceStatistics fields, multiplied by the container's rate. */
const COUNTER_GROWTH: Record<string, number> = {
  cpus_user_time_secs: 0.4,
  cpus_system_time_secs: 0.1,
  cpus_nr_periods: 100,
  cpus_nr_throttled: 3,
  cpus_throttled_time_secs: 0.05,
  net_rx_bytes: 10_000,
  net_rx_packets: 10,
  net_tx_bytes: 20_000,
  net_tx_packets: 20,
  mem_low_pressure_counter: 1,
};
/** Integral fields stay integral. */
const INTEGRAL = new Set(['cpus_nr_periods', 'cpus_nr_throttled', 'net_rx_bytes', 'net_rx_packets', 'net_tx_bytes', 'net_tx_packets', 'mem_low_pressure_counter']);
/** Memory gauges oscillate ±(0..3)·4 KiB pages around their recorded value. */
const MEMORY_GAUGES = ['mem_rss_bytes', 'mem_anon_bytes', 'mem_total_bytes', 'mem_cache_bytes', 'mem_file_bytes'];

export class ContainerStats {
  readonly statistics: Json;
  readonly #base: Json;
  /** 1, 1.25, 1.5, 1.75 or 2: containers differ, deterministically by their index. */
  readonly rate: number;

  constructor(template: StatisticsTemplate, index: number, nowSecs: number) {
    this.#base = clone(STATISTICS_TEMPLATES[template]());
    this.statistics = clone(this.#base);
    this.rate = 1 + (index % 5) * 0.25;
    if ('timestamp' in this.statistics) this.statistics['timestamp'] = nowSecs;
  }

  tick(tickNo: number, nowSecs: number): void {
    const s = this.statistics;
    for (const [key, per] of Object.entries(COUNTER_GROWTH)) {
      if (typeof s[key] !== 'number') continue;
      const add = per * this.rate;
      s[key] = INTEGRAL.has(key) ? (s[key]) + Math.round(add) : round6((s[key]) + add);
    }
    for (const key of MEMORY_GAUGES) {
      if (typeof s[key] === 'number') s[key] = (this.#base[key] as number) + (tickNo % 4) * 4096 - 6144;
    }
    if ('timestamp' in s) s['timestamp'] = nowSecs;
    growBlkio(s['blkio_statistics'], this.rate);
    for (const tc of (s['net_traffic_control_statistics'] as Json[] | undefined) ?? []) {
      for (const key of ['bytes', 'packets']) if (typeof tc[key] === 'number') tc[key] = (tc[key]) + Math.round(1000 * this.rate);
    }
  }
}

/** Every `value` of the blkio op lists grows: bytes lists by 4 KiB·rate, the others by rate. */
function growBlkio(blkio: unknown, rate: number): void {
  if (typeof blkio !== 'object' || blkio === null) return;
  for (const list of Object.values(blkio as Json)) {
    for (const entry of (Array.isArray(list) ? list : []) as Json[]) {
      for (const [field, ops] of Object.entries(entry)) {
        if (!Array.isArray(ops)) continue;
        const per = field.endsWith('_bytes') ? 4096 : 1;
        for (const op of ops as Json[]) if (typeof op['value'] === 'number') op['value'] = (op['value']) + Math.round(per * rate);
      }
    }
  }
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** `/metrics/snapshot`: catalogue counters grow, gauges vary, uptime follows the replay clock. */
export class AgentSnapshot {
  readonly #base: Json;
  readonly #kinds = metricKinds();
  #values: Json;
  #ticksSinceStart = 0;

  constructor(fixture: SnapshotFixture = 'modern') {
    this.#base = readFixture<Json>(SNAPSHOT_FIXTURES[fixture]);
    this.#values = clone(this.#base);
  }

  tick(tickSecs: number, live: { executorsRunning: number; tasksRunning: number }): void {
    this.#ticksSinceStart++;
    const v = this.#values;
    for (const [key, value] of Object.entries(v)) {
      if (typeof value !== 'number') continue;
      if (this.#kinds.get(key) === 'counter') v[key] = value + 1 + (this.#ticksSinceStart % 3 === 0 ? 1 : 0);
    }
    if (typeof v['slave/uptime_secs'] === 'number') v['slave/uptime_secs'] = round6((v['slave/uptime_secs']) + tickSecs);
    for (const key of ['system/load_1min', 'system/load_5min', 'system/load_15min']) {
      if (typeof this.#base[key] === 'number') v[key] = round6((this.#base[key]) + (this.#ticksSinceStart % 5) * 0.01);
    }
    if (typeof this.#base['system/mem_free_bytes'] === 'number') v['system/mem_free_bytes'] = (this.#base['system/mem_free_bytes']) - (this.#ticksSinceStart % 4) * 1_048_576;
    if ('slave/executors_running' in v) v['slave/executors_running'] = live.executorsRunning;
    if ('slave/tasks_running' in v) v['slave/tasks_running'] = live.tasksRunning;
  }

  /** The agent process restarted: counters start again from 0 and so does its uptime. */
  restart(): void {
    this.#ticksSinceStart = 0;
    for (const [key, value] of Object.entries(this.#values)) {
      if (typeof value === 'number' && this.#kinds.get(key) === 'counter') this.#values[key] = 0;
    }
    if ('slave/uptime_secs' in this.#values) this.#values['slave/uptime_secs'] = 0;
  }

  json(): Json {
    return this.#values;
  }
}
