/**
 * Per-key deltas of cumulative /proc counters between two collections. First sample: baseline only. A
 * counter that went down (wrapped 32-bit kernel counter, device re-plugged under the same name) or Δt ≤ 0:
 * re-baseline, no delta this time, reported so the caller can count it. Keys not seen are dropped by sweep.
 */
export type DeltaStep = { deltas: number[]; dtSec: number } | 'first' | 'reset' | 'time_backwards';

export class Deltas {
  readonly #prev = new Map<string, { tSec: number; values: number[]; gen: number }>();
  #gen = 0;

  begin(): void {
    this.#gen++;
  }

  step(key: string, tSec: number, values: number[]): DeltaStep {
    const prev = this.#prev.get(key);
    this.#prev.set(key, { tSec, values, gen: this.#gen });
    if (!prev || prev.values.length !== values.length) return 'first';
    const dtSec = tSec - prev.tSec;
    if (!(dtSec > 0)) return 'time_backwards';
    const deltas = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) {
      const d = (values[i] as number) - (prev.values[i] as number);
      if (d < 0) return 'reset';
      deltas[i] = d;
    }
    return { deltas, dtSec };
  }

  sweep(): void {
    for (const [k, p] of this.#prev) if (p.gen !== this.#gen) this.#prev.delete(k);
  }
}

/** Numbers of a whitespace-separated /proc line from `from`; NaN where a column is not a number. */
export function columns(parts: readonly string[], from: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const s = parts[from + i];
    out[i] = s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN;
  }
  return out;
}
