/**
 * When each target is scraped. Every target keeps its own cadence (interval from a jittered start, so 500
 * targets with the same interval do not all fire at once), and one timer wakes for the earliest due target.
 * Starts go through bottleneck: at most `concurrency` scrapes in flight and `ratePerSec` starts per second,
 * as a reservoir refilled every second (see startBudget) rather than a minimum gap between starts: a gap
 * costs a timer and an event-loop turn per scrape (about 0.4 CPU s per round of 500 targets).
 * A target is never scraped twice at once: a round that comes due while the previous one still runs is
 * skipped and counted (overlap), so a slow or dead target costs one slot until its timeout and delays no one
 * else's cadence. When the output queue is full, rounds are skipped and counted (backpressure).
 */
import Bottleneck from 'bottleneck';
import type { Clock } from '../pipeline/context';
import type { ScrapeMetrics } from './scrape-metrics';
import { targetFingerprint, type Target } from './targets/target';

export interface SchedulerOptions {
  readonly concurrency: number;
  readonly ratePerSec: number;
  /** Seed of the start jitter: the same seed and target key give the same offset. */
  readonly seed: number;
  readonly clock: Clock;
  readonly metrics: ScrapeMetrics;
  /** Scrape one target; must not reject (errors are the runner's to count). */
  run(target: Target): Promise<void>;
  /** False while the output queue is full. */
  canStart(): boolean;
}

interface Entry {
  target: Target;
  fingerprint: string;
  /** Monotonic ms of the next round. */
  nextDueMs: number;
  running: boolean;
}

/** A hash of `${seed}:${key}` as a fraction in [0, 1): the deterministic start offset of a target. */
export function jitterFraction(seed: number, key: string): number {
  let h = 0x811c9dc5;
  const s = `${seed}:${key}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // murmur3's finaliser: FNV alone leaves keys that differ in their last characters clustered.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #limiter: Bottleneck;
  #timer: NodeJS.Timeout | undefined;
  #timerDueMs = Infinity;
  #running = false;

  constructor(o: SchedulerOptions) {
    this.#o = o;
    this.#limiter = new Bottleneck({ maxConcurrent: o.concurrency, ...startBudget(o.ratePerSec) });
  }

  /** Replace the set of targets; unchanged ones (same key and definition) keep their cadence. */
  setTargets(targets: readonly Target[]): void {
    const now = this.#o.clock.monotonic();
    const keep = new Set<string>();
    for (const target of targets) {
      keep.add(target.key);
      const fingerprint = targetFingerprint(target);
      const existing = this.#entries.get(target.key);
      if (existing !== undefined && existing.fingerprint === fingerprint) continue;
      const offset = jitterFraction(this.#o.seed, target.key) * target.intervalMs;
      // A replaced target starts afresh (its old in-flight scrape finishes on the old entry).
      const entry: Entry = { target, fingerprint, nextDueMs: now + offset, running: false };
      this.#entries.set(target.key, entry);
    }
    for (const key of this.#entries.keys()) if (!keep.has(key)) this.#entries.delete(key);
    if (this.#running) this.#arm(true);
  }

  targets(): Target[] {
    return [...this.#entries.values()].map((e) => e.target);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm(true);
  }

  /** Stop starting scrapes; waiting ones are dropped, running ones finish on their own (bounded by their timeout). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
    await this.#limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  #arm(force: boolean): void {
    if (!this.#running) return;
    let due = Infinity;
    for (const e of this.#entries.values()) if (e.nextDueMs < due) due = e.nextDueMs;
    if (!force && due >= this.#timerDueMs) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = due;
    if (due === Infinity) return;
    const delay = Math.max(0, Math.min(due - this.#o.clock.monotonic(), 2_147_000_000));
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerDueMs = Infinity;
    if (!this.#running) return;
    const now = this.#o.clock.monotonic();
    for (const e of this.#entries.values()) {
      if (e.nextDueMs > now) continue;
      const interval = e.target.intervalMs;
      // Keep the cadence: the next slot strictly after now (missed slots are skipped, not bunched).
      e.nextDueMs += interval * (Math.floor((now - e.nextDueMs) / interval) + 1);
      if (e.running) {
        this.#o.metrics.skipped('overlap');
        continue;
      }
      if (!this.#o.canStart()) {
        this.#o.metrics.skipped('backpressure');
        continue;
      }
      e.running = true;
      const entry = e;
      this.#limiter
        .schedule(() => this.#o.run(entry.target))
        .catch(() => undefined) // dropped on stop; run() itself never rejects
        .finally(() => {
          entry.running = false;
        });
    }
    this.#arm(true);
  }
}

/**
 * Bottleneck's reservoir settings for at most `ratePerSec` starts per second: the whole second's starts at
 * once, refilled each second (a rate below one per second: one start per 1/rate seconds). A fractional rate
 * above one is rounded down: "at most".
 */
export function startBudget(ratePerSec: number): { reservoir: number; reservoirRefreshAmount: number; reservoirRefreshInterval: number } {
  const amount = ratePerSec >= 1 ? Math.floor(ratePerSec) : 1;
  const intervalMs = ratePerSec >= 1 ? 1000 : Math.round(1000 / ratePerSec);
  return { reservoir: amount, reservoirRefreshAmount: amount, reservoirRefreshInterval: intervalMs };
}
