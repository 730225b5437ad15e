/**
 * Rate-limits a repeated log message per key: the first occurrence is logged in full, later ones are only
 * counted, and the count is logged with the next occurrence once `intervalMs` has passed. An outage of an
 * hour is a handful of lines, not one per retry.
 */
import type { Logger } from 'pino';

export class LogLimiter {
  readonly #state = new Map<string, { atMs: number; suppressed: number }>();

  /** `maxKeys` bounds the memory when keys carry paths: new keys beyond it stay quiet (metrics still count). */
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly maxKeys = 1000,
  ) {}

  /**
   * Call on each occurrence. Returns the number of occurrences suppressed since the last logged one when this
   * one should be logged (0 for the first), or -1 when it should stay quiet.
   */
  allow(key: string): number {
    const now = this.now();
    const s = this.#state.get(key);
    if (s === undefined) {
      if (this.#state.size >= this.maxKeys) return -1;
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

/** A LogLimiter bound to a logger: `log()` logs or counts, adding `suppressed` to the fields when some were. */
export class RateLimitedLog {
  readonly #limiter: LogLimiter;

  constructor(
    private readonly logger: Logger,
    intervalMs: number,
    now: () => number,
  ) {
    this.#limiter = new LogLimiter(intervalMs, now);
  }

  /** Logs `msg` with `fields` unless `key` was logged less than the interval ago (then counts it). */
  log(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.#limiter.allow(key);
    if (suppressed < 0) return;
    this.logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }
}
