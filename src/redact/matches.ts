/**
 * The spans found in one string, reused from string to string (no allocation per string once grown).
 * Detectors push spans in any order; `resolve` sorts them and keeps non-overlapping ones: the earliest
 * start wins, then the rule listed first (the lower rule index), then the longest.
 */

/** How a replacement is wrapped: a non-string JSON value in text becomes a JSON string. */
export const WRAP_NONE = 0;
export const WRAP_QUOTE = 1; // "..."
export const WRAP_ESCAPED_QUOTE = 2; // \"...\" (JSON inside a JSON string)

export class MatchList {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  rules = new Int32Array(64);
  wraps = new Uint8Array(64);
  length = 0;
  /** Indices of the kept spans after resolve(), in order. */
  kept = new Int32Array(64);
  keptLength = 0;
  #order: number[] = [];

  reset(): void {
    this.length = 0;
    this.keptLength = 0;
  }

  push(start: number, end: number, rule: number, wrap = WRAP_NONE): void {
    if (end <= start) return;
    if (this.length === this.starts.length) this.#grow();
    const i = this.length++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.rules[i] = rule;
    this.wraps[i] = wrap;
  }

  #grow(): void {
    const n = this.starts.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.starts = grow32(this.starts);
    this.ends = grow32(this.ends);
    this.rules = grow32(this.rules);
    this.kept = grow32(this.kept);
    const w = new Uint8Array(n);
    w.set(this.wraps);
    this.wraps = w;
  }

  #before(a: number, b: number): number {
    return (
      (this.starts[a] as number) - (this.starts[b] as number) ||
      (this.rules[a] as number) - (this.rules[b] as number) ||
      (this.ends[b] as number) - (this.ends[a] as number)
    );
  }

  /** Sorts and drops overlapping spans; fills kept/keptLength. O(m log m) for m spans. */
  resolve(): void {
    const m = this.length;
    const order = this.#order;
    order.length = m;
    for (let i = 0; i < m; i++) order[i] = i;
    if (m > 1) {
      if (m <= 16) {
        // insertion sort: the usual case is one to three spans
        for (let i = 1; i < m; i++) {
          const x = order[i] as number;
          let j = i - 1;
          while (j >= 0 && this.#before(order[j] as number, x) > 0) {
            order[j + 1] = order[j] as number;
            j--;
          }
          order[j + 1] = x;
        }
      } else {
        order.sort((a, b) => this.#before(a, b));
      }
    }
    let lastEnd = -1;
    let k = 0;
    for (let i = 0; i < m; i++) {
      const idx = order[i] as number;
      if ((this.starts[idx] as number) < lastEnd) continue;
      this.kept[k++] = idx;
      lastEnd = this.ends[idx] as number;
    }
    this.keptLength = k;
  }
}
