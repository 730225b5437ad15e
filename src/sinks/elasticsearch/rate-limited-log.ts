/**
 * Repeated errors are logged once in full, then as a count per interval (DESIGN §7): an outage of an hour
 * is a handful of lines, not one per retry.
 */
import type { Logger } from 'pino';

export class RateLimitedLog {
  readonly #last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Logs `msg` with `fields` unless `key` was logged less than the interval ago (then counts it). */
  log(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, msg: string): void {
    const now = this.now();
    const seen = this.#last.get(key);
    if (seen !== undefined && now - seen.atMs < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.#last.set(key, { atMs: now, suppressed: 0 });
    this.logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }
}
