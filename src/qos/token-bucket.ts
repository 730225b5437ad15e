/**
 * Token buckets with lazy refill (no timers) in exact fixed-point arithmetic.
 *
 * Units: time is integer microseconds (`toMicros` rounds the monotonic clock's ms), and tokens are
 * integer micro-tokens (1 token = UNIT). A rate of r tokens/s is then exactly r micro-tokens per µs, so a
 * refill is one integer product, `dtUs * rate`, and every value stays an integer below 2^53 (the schema
 * bounds rates and bursts for that): no rounding, no drift, however the intervals are cut. Time not yet
 * credited is never lost: the bucket remembers the µs it was refilled to and credits from there, so cutting
 * time into pieces of any size credits exactly what one refill over the whole span credits.
 *
 * Oversized records: a record costing more than the bucket's capacity (a line longer than burst_bytes)
 * passes only when the bucket is full, and takes the balance below zero (a debt). The refill repays the
 * debt before anything else passes, so the long-run rate holds exactly and a big record is never starved.
 */

export const UNIT = 1_000_000;

/**
 * Monotonic ms (possibly fractional) → integer µs, to the nearest µs (rounding, not flooring, so that a
 * decimal ms value such as 1333.334 whose binary product is 1333333.9999… lands on its µs). Rounding is
 * monotonic, so the clock never goes back.
 */
export function toMicros(monotonicMs: number): number {
  return Math.round(monotonicMs * 1000);
}

/**
 * One dimension (lines or bytes) of a bucket. An unlimited reservoir holds Infinity tokens: it affords
 * anything and consuming leaves it at Infinity, so callers need no special case.
 */
export class Reservoir {
  /** Micro-tokens; negative while an oversized record's debt is being repaid. */
  tokens: number;
  /** Micro-tokens per µs (= tokens per second); 0 for unlimited or for a reservoir fed only by spills. */
  rate: number;
  /** Micro-tokens; Infinity when unlimited. */
  cap: number;

  constructor(perSec: number, burst: number, unlimited = perSec === 0) {
    this.rate = unlimited ? 0 : perSec;
    this.cap = unlimited ? Infinity : burst * UNIT;
    this.tokens = this.cap;
  }

  get unlimited(): boolean {
    return this.cap === Infinity;
  }

  /**
   * Credits `dtUs` of refill. What would overflow the cap is returned (at most `spillLimit`, itself a
   * count of micro-tokens) for a parent to collect; the rest of the overflow is discarded.
   */
  add(dtUs: number, spillLimit = 0): number {
    const rate = this.rate;
    if (rate === 0 || dtUs <= 0) return 0;
    const room = this.cap - this.tokens + spillLimit;
    // Avoid a product beyond 2^53 after a long idle: past `room / rate` µs the result is the cap anyway.
    // floor() of the float quotient is at least the true floor, so dt >= q + 2 implies dt * rate > room.
    if (dtUs >= Math.floor(room / rate) + 2) {
      this.tokens = this.cap;
      return spillLimit;
    }
    const next = this.tokens + dtUs * rate;
    if (next <= this.cap) {
      this.tokens = next;
      return 0;
    }
    this.tokens = this.cap;
    const over = next - this.cap;
    return over < spillLimit ? over : spillLimit;
  }

  /** Whether `cost` micro-tokens can be taken now (a cost above the cap needs a full reservoir). */
  affords(cost: number): boolean {
    const t = this.tokens;
    return t >= cost || (cost > this.cap && t >= this.cap && this.cap > 0);
  }

  take(cost: number): void {
    this.tokens -= cost;
  }

  /** Changes rate and capacity (reload, label change), keeping the balance but never above the new cap. */
  reset(perSec: number, burst: number): void {
    const unlimited = perSec === 0;
    this.rate = unlimited ? 0 : perSec;
    this.cap = unlimited ? Infinity : burst * UNIT;
    if (unlimited) this.tokens = Infinity;
    else if (this.tokens > this.cap) this.tokens = this.cap;
  }
}

/** Per-app limits, resolved from defaults, labels and overrides. A rate of 0 means unlimited. */
export interface BucketLimits {
  readonly linesPerSec: number;
  readonly burstLines: number;
  readonly bytesPerSec: number;
  readonly burstBytes: number;
}

export function sameLimits(a: BucketLimits, b: BucketLimits): boolean {
  return a.linesPerSec === b.linesPerSec && a.burstLines === b.burstLines && a.bytesPerSec === b.bytesPerSec && a.burstBytes === b.burstBytes;
}

/**
 * A lines-and-bytes bucket: a record passes only if both dimensions afford it, and then both are
 * consumed together (atomically: a refusal consumes nothing). Starts full.
 */
export class TokenBucket {
  readonly lines: Reservoir;
  readonly bytes: Reservoir;
  /** The µs up to which refill has been credited. */
  lastUs: number;

  constructor(limits: BucketLimits, nowUs: number) {
    this.lines = new Reservoir(limits.linesPerSec, limits.burstLines);
    this.bytes = new Reservoir(limits.bytesPerSec, limits.burstBytes);
    this.lastUs = nowUs;
  }

  /** Lazy refill: credits the time since the last refill. Cheap and idempotent for the same `nowUs`. */
  refill(nowUs: number): void {
    const dt = nowUs - this.lastUs;
    if (dt <= 0) return;
    this.lastUs = nowUs;
    this.lines.add(dt);
    this.bytes.add(dt);
  }

  /** Whether one line of `sizeBytes` can pass now (after refill). */
  affords(sizeBytes: number): boolean {
    return this.lines.affords(UNIT) && this.bytes.affords(sizeBytes * UNIT);
  }

  consume(sizeBytes: number): void {
    this.lines.take(UNIT);
    this.bytes.take(sizeBytes * UNIT);
  }

  /** affords + consume: true when the line passed. */
  take(sizeBytes: number): boolean {
    if (!this.affords(sizeBytes)) return false;
    this.consume(sizeBytes);
    return true;
  }

  /** Full in both dimensions: forgetting this bucket and re-creating it later would change nothing. */
  isFull(): boolean {
    return this.lines.tokens >= this.lines.cap && this.bytes.tokens >= this.bytes.cap;
  }

  setLimits(limits: BucketLimits, nowUs: number): void {
    this.refill(nowUs);
    this.lines.reset(limits.linesPerSec, limits.burstLines);
    this.bytes.reset(limits.bytesPerSec, limits.burstBytes);
  }
}
