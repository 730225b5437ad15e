/**
 * Where each item of a body starts, and its document: 2 numbers per item in one Float64Array (no JavaScript
 * value per item), which the native block writer fills directly (native/src/items.rs). Item i starts at
 * [2i] and its document at [2i + 1]; [2n] is the end of the last item, i.e. the start of the next one.
 */
export class ItemOffsets {
  #a: Float64Array;
  #count = 0;

  constructor(capacity = 16) {
    this.#a = new Float64Array(2 * capacity + 1);
  }

  get count(): number {
    return this.#count;
  }

  /** The array, with room for `items` more (native writers fill it, then `setCount`). */
  reserve(items: number): Float64Array {
    const need = 2 * (this.#count + items) + 1;
    if (need > this.#a.length) {
      const bigger = new Float64Array(Math.max(need, 2 * this.#a.length));
      bigger.set(this.#a.subarray(0, 2 * this.#count + 1));
      this.#a = bigger;
    }
    return this.#a;
  }

  /** After a native writer filled items up to `count` in `reserve()`'s array. */
  setCount(count: number): void {
    if (!(count >= this.#count && 2 * count < this.#a.length)) throw new RangeError(`ItemOffsets: ${count} items do not fit (${this.#count} before)`);
    this.#count = count;
  }

  /** Appends an item: its start, its document's start and its end. */
  add(start: number, docStart: number, end: number): void {
    const a = this.reserve(1);
    const i = 2 * this.#count;
    a[i] = start;
    a[i + 1] = docStart;
    a[i + 2] = end;
    this.#count++;
  }

  /** Where item i starts; for i = count, where the last one ends. */
  start(i: number): number {
    return this.#a[2 * i] as number;
  }

  docStart(i: number): number {
    return this.#a[2 * i + 1] as number;
  }
}
