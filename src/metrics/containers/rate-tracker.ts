/**
 * Turns cumulative per-container counters into rates between two samples of the same container.
 * Invariants:
 * - the first sample of a key gives no rate (it is the baseline);
 * - a counter that went down means the container (or its cgroup) restarted under the same key: that key is
 *   re-baselined, no rate this time, and it counts as a reset;
 * - Δt ≤ 0 (the clock or `statistics.timestamp` went backwards or stood still) re-baselines too;
 * - keys not seen in a collection are forgotten (`sweep`), so memory follows the live containers.
 * The time of a sample is `statistics.timestamp` when the agent gives one (exact sampling time), else the
 * collection time; a key keeps using whichever it started with, so the two are never mixed in one Δt.
 */
import { COUNTER_FIELDS, DERIVED_FIELDS, rateName } from './fields';

interface Previous {
  timeSec: number;
  fromAgentClock: boolean;
  counters: Map<string, number>;
  seen: number;
}

export type RateOutcome = 'first' | 'rate' | 'reset' | 'time_backwards';

export interface RateResult {
  outcome: RateOutcome;
  /** Δt in seconds (0 unless outcome is 'rate'). */
  dtSec: number;
  /** `<counter>_per_sec` and the derived fields; empty unless outcome is 'rate'. */
  rates: Map<string, number>;
  /** Raw counter deltas (for per-app ratios computed from summed deltas). */
  deltas: Map<string, number>;
}

export class RateTracker {
  readonly #prev = new Map<string, Previous>();
  #generation = 0;

  get size(): number {
    return this.#prev.size;
  }

  /** Begin a collection; `sweep()` after it drops the keys this collection did not see. */
  begin(): void {
    this.#generation++;
  }

  sweep(): number {
    let dropped = 0;
    for (const [k, p] of this.#prev) {
      if (p.seen !== this.#generation) {
        this.#prev.delete(k);
        dropped++;
      }
    }
    return dropped;
  }

  observe(key: string, values: ReadonlyMap<string, number>, agentTimeSec: number | undefined, nowSec: number): RateResult {
    const counters = new Map<string, number>();
    for (const name of COUNTER_FIELDS) {
      const v = values.get(name);
      if (v !== undefined) counters.set(name, v);
    }
    const fromAgentClock = agentTimeSec !== undefined;
    const timeSec = agentTimeSec ?? nowSec;
    const prev = this.#prev.get(key);
    const next: Previous = { timeSec, fromAgentClock, counters, seen: this.#generation };
    this.#prev.set(key, next);
    const result: RateResult = { outcome: 'first', dtSec: 0, rates: new Map(), deltas: new Map() };
    if (!prev || prev.fromAgentClock !== fromAgentClock) return result;
    const dt = timeSec - prev.timeSec;
    if (!(dt > 0)) {
      result.outcome = 'time_backwards';
      return result;
    }
    for (const [name, v] of counters) {
      const before = prev.counters.get(name);
      if (before === undefined) continue; // appeared now (isolator enabled later): baseline only
      if (v < before) {
        result.outcome = 'reset';
        result.deltas.clear();
        return result;
      }
      result.deltas.set(name, v - before);
    }
    result.outcome = 'rate';
    result.dtSec = dt;
    fillRates(result.deltas, dt, result.rates);
    return result;
  }
}

/** `<counter>_per_sec` for every delta, plus cores used and the throttled ratio. Shared with per-app sums. */
export function fillRates(deltas: ReadonlyMap<string, number>, dtSec: number, into: Map<string, number>): void {
  for (const [name, d] of deltas) into.set(rateName(name), d / dtSec);
  const user = deltas.get('cpus_user_time_secs');
  const system = deltas.get('cpus_system_time_secs');
  if (user !== undefined || system !== undefined) into.set(DERIVED_FIELDS.cpusUsed, ((user ?? 0) + (system ?? 0)) / dtSec);
  const periods = deltas.get('cpus_nr_periods');
  const throttled = deltas.get('cpus_nr_throttled');
  if (periods !== undefined && throttled !== undefined && periods > 0) into.set(DERIVED_FIELDS.throttledRatio, throttled / periods);
}
