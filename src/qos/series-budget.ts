/**
 * The throttle of metric points: a budget of distinct series (measurement + tag set) per app per window.
 * A point of a series already admitted in the current window always passes; a point of a new series passes
 * while the budget lasts, and is dropped after. Windows are fixed: the first point after `windowUs` since the
 * window began starts a new one with an empty set (series are admitted again, first come first served).
 */
import type { MetricPoint } from '../pipeline/records';

/**
 * The identity of a point's series: measurement and tags sorted by key (the order tags were set in must not
 * make one series count twice). Separators are control characters that cannot appear in line protocol keys.
 */
export function seriesKey(p: MetricPoint): string {
  const tags = p.tags;
  const keys = Object.keys(tags);
  if (keys.length > 1) keys.sort();
  let key = p.measurement;
  for (const k of keys) key += `\u0001${k}\u0002${tags[k]}`;
  return key;
}

export class SeriesBudget {
  readonly #seen = new Set<string>();
  #windowStartUs: number;

  constructor(nowUs: number) {
    this.#windowStartUs = nowUs;
  }

  /** Starts a new window when the current one is over. */
  roll(nowUs: number, windowUs: number): void {
    if (nowUs - this.#windowStartUs >= windowUs) {
      this.#seen.clear();
      this.#windowStartUs = nowUs;
    }
  }

  /** Whether a point of series `key` passes; admits the series while the budget lasts. */
  admit(key: string, budget: number): boolean {
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= budget) return false;
    this.#seen.add(key);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Nothing admitted in a window that is over: forgetting this budget changes nothing. */
  idle(nowUs: number, windowUs: number): boolean {
    return this.#seen.size === 0 || nowUs - this.#windowStartUs >= windowUs;
  }
}
