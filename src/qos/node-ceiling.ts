/**
 * The node-wide ceiling shared by priority classes (weighted shares with borrowing, like HTB's assured
 * rate + borrowing, in token-bucket form).
 *
 * For each dimension (lines, bytes) with a ceiling of R per second:
 * - class c owns a reservoir refilled at r_c = floor(R * w_c / W) per second (W = sum of weights), holding
 *   at most one second of it: this is c's guaranteed share, nobody else can take it;
 * - a shared pool is refilled at the rounding remainder R - sum(r_c), and receives whatever a full class
 *   reservoir would overflow, up to one second of R;
 * - a record of class c takes from c's reservoir when it can, else from the shared pool (lines and bytes
 *   each choose on their own; the record passes only if both find tokens, and then both are consumed).
 *
 * So the total never exceeds R per second (tokens only move from a full class to the pool, never appear),
 * a class under pressure still gets r_c, and what a quiet class leaves unused goes to the busy ones. After a
 * quiet period the node may pass up to two seconds of R at once (full class reservoirs + full pool).
 */
import { Reservoir, UNIT } from './token-bucket';

interface Share {
  readonly lines: Reservoir;
  readonly bytes: Reservoir;
}

export interface NodeCeilingLimits {
  /** 0 = no ceiling on lines. */
  readonly linesPerSec: number;
  /** 0 = no ceiling on bytes. */
  readonly bytesPerSec: number;
}

export class NodeCeiling {
  /** Class names, in the order of their index. */
  readonly classes: readonly string[];
  readonly #shares: Share[];
  readonly #poolLines: Reservoir;
  readonly #poolBytes: Reservoir;
  #lastUs: number;
  // Where the last `affords` found tokens; `consume` takes from there.
  #lineFrom: Reservoir;
  #byteFrom: Reservoir;

  constructor(limits: NodeCeilingLimits, weights: Readonly<Record<string, number>>, nowUs: number) {
    this.classes = Object.keys(weights);
    const total = this.classes.reduce((sum, c) => sum + (weights[c] ?? 0), 0);
    const shareOf = (perSec: number, w: number) => Math.floor((perSec * w) / total);
    this.#shares = this.classes.map((c) => {
      const w = weights[c] ?? 0;
      const lines = shareOf(limits.linesPerSec, w);
      const bytes = shareOf(limits.bytesPerSec, w);
      return {
        lines: new Reservoir(lines, lines, limits.linesPerSec === 0),
        bytes: new Reservoir(bytes, bytes, limits.bytesPerSec === 0),
      };
    });
    const rest = (perSec: number, pick: (s: Share) => Reservoir) =>
      perSec - this.#shares.reduce((sum, s) => sum + pick(s).rate, 0);
    const poolLines = new Reservoir(rest(limits.linesPerSec, (s) => s.lines), limits.linesPerSec, limits.linesPerSec === 0);
    const poolBytes = new Reservoir(rest(limits.bytesPerSec, (s) => s.bytes), limits.bytesPerSec, limits.bytesPerSec === 0);
    this.#poolLines = poolLines;
    this.#poolBytes = poolBytes;
    this.#lineFrom = poolLines;
    this.#byteFrom = poolBytes;
    this.#lastUs = nowUs;
  }

  classIndex(name: string): number {
    return this.classes.indexOf(name);
  }

  /** Credits the time since the last refill: the pool's own rate first, then each class's overflow. */
  refill(nowUs: number): void {
    const dt = nowUs - this.#lastUs;
    if (dt <= 0) return;
    this.#lastUs = nowUs;
    const pl = this.#poolLines;
    const pb = this.#poolBytes;
    pl.add(dt);
    pb.add(dt);
    for (const s of this.#shares) {
      if (!pl.unlimited) pl.tokens += s.lines.add(dt, pl.cap - pl.tokens);
      if (!pb.unlimited) pb.tokens += s.bytes.add(dt, pb.cap - pb.tokens);
    }
  }

  /** Whether a line of `sizeBytes` of class `classIdx` fits under the ceiling now (after refill). */
  affords(classIdx: number, sizeBytes: number): boolean {
    const s = this.#shares[classIdx] as Share;
    const cost = sizeBytes * UNIT;
    if (s.lines.affords(UNIT)) this.#lineFrom = s.lines;
    else if (this.#poolLines.affords(UNIT)) this.#lineFrom = this.#poolLines;
    else return false;
    if (s.bytes.affords(cost)) this.#byteFrom = s.bytes;
    else if (this.#poolBytes.affords(cost)) this.#byteFrom = this.#poolBytes;
    else return false;
    return true;
  }

  /** Consumes what the last successful `affords` found. */
  consume(sizeBytes: number): void {
    this.#lineFrom.take(UNIT);
    this.#byteFrom.take(sizeBytes * UNIT);
  }

  /** Tokens (whole tokens, for tests and debugging) of each class and of the pool. */
  snapshot(): { classes: Record<string, { lines: number; bytes: number }>; pool: { lines: number; bytes: number } } {
    const classes: Record<string, { lines: number; bytes: number }> = {};
    this.#shares.forEach((s, i) => {
      classes[this.classes[i] as string] = { lines: s.lines.tokens / UNIT, bytes: s.bytes.tokens / UNIT };
    });
    return { classes, pool: { lines: this.#poolLines.tokens / UNIT, bytes: this.#poolBytes.tokens / UNIT } };
  }
}
