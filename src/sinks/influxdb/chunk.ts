/**
 * How the InfluxDB output's writes map onto chunks, I/O-free. A chunk is the unit sent in one request (at
 * most batch_max_points lines); one write's lines may span several chunks, and one chunk may hold lines of
 * several writes. Each chunk remembers which write gave how many of its lines, so that its result
 * (written, buffered, dropped or failed) is spread back over those writes; a write resolves once its last
 * chunk is settled, or rejects on the first chunk that fails.
 */
import type { Outcome } from '../../pipeline/contracts';

/** One write() waiting for its chunks. */
export interface Waiter {
  chunks: number;
  delivered: number;
  dropped: number;
  dropReason: string | undefined;
  failed: boolean;
  resolve(o: Outcome): void;
  reject(err: Error): void;
}

/** Lines in order, and which write contributed how many of them. */
export interface Chunk {
  lines: string[];
  owners: Waiter[];
  counts: number[];
}

export const newChunk = (): Chunk => ({ lines: [], owners: [], counts: [] });

/**
 * Moves the lines of `w` from index `from` into `acc` until it holds `maxPoints` lines (or they run out).
 * Returns the index of the first line not taken.
 */
export function fillChunk(acc: Chunk, lines: readonly string[], from: number, w: Waiter, maxPoints: number): number {
  const take = Math.min(maxPoints - acc.lines.length, lines.length - from);
  for (let j = 0; j < take; j++) acc.lines.push(lines[from + j] as string);
  acc.owners.push(w);
  acc.counts.push(take);
  w.chunks++;
  return from + take;
}

/** Spreads a chunk's result over the writes that contributed to it (drops first-come). */
export function settleChunk(chunk: Chunk, dropped: number, reason: string | undefined): void {
  let left = dropped;
  for (let i = 0; i < chunk.owners.length; i++) {
    const w = chunk.owners[i] as Waiter;
    const n = chunk.counts[i] as number;
    const d = Math.min(n, left);
    left -= d;
    w.delivered += n - d;
    w.dropped += d;
    if (d > 0) w.dropReason ??= reason;
    if (--w.chunks > 0 || w.failed) continue;
    const o: Outcome = { delivered: w.delivered, dropped: w.dropped };
    if (w.dropReason !== undefined && w.dropped > 0) o.dropReason = w.dropReason;
    w.resolve(o);
  }
}

/** Rejects, once each, the writes that contributed to a chunk that could not be settled. */
export function failChunk(chunk: Chunk, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  for (const w of chunk.owners) {
    w.chunks--;
    if (w.failed) continue;
    w.failed = true;
    w.reject(e);
  }
}
