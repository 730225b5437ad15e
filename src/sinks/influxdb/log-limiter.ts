/**
 * Rate-limits a repeated log message per key: the first occurrence is logged in full, later ones are only
 * counted, and the count is logged with the next occurrence once `intervalMs` has passed.
 */
export class LogLimiter {
  readonly #state = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Call on each occurrence. Returns the number of occurrences suppressed since the last logged one when this
   * one should be logged (0 for the first), or -1 when it should stay quiet. Keys come from fixed sets.
   */
  allow(key: string): number {
    const now = this.now();
    const s = this.#state.get(key);
    if (s === undefined) {
      this.#state.set(key, { atMs: now, suppressed: 0 });
      return 0;
    }
    if (now - s.atMs < this.intervalMs) {
      s.suppressed++;
      return -1;
    }
    const suppressed = s.suppressed;
    s.atMs = now;
    s.suppressed = 0;
    return suppressed;
  }

  /** Occurrences counted but not yet logged, per key (to report them at close). */
  pending(): [string, number][] {
    const out: [string, number][] = [];
    for (const [k, s] of this.#state) if (s.suppressed > 0) out.push([k, s.suppressed]);
    return out;
  }
}
