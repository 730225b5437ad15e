/**
 * Per-source, in-order acknowledgement: batches settle in any order, but a source's position is committed
 * only up to the oldest batch still pending. Every settled checkpoint is committed, in yield order (a tail
 * source's checkpoints belong to different files, so none may be skipped). A batch that failed (its sink gave
 * up while closing) blocks every later commit: on restart those records are read again.
 */
export class AckTracker {
  readonly #commit: (checkpoint: unknown) => Promise<void>;
  readonly #onError: (err: unknown) => void;
  #entries: { checkpoint: unknown; state: 0 | 1 | 2 }[] = []; // 0 pending, 1 settled, 2 failed
  #head = 0; // sequence number of #entries[0]
  #next = 0;
  #committing: Promise<void> = Promise.resolve();
  #blocked = false;

  constructor(commit: (checkpoint: unknown) => Promise<void>, onError: (err: unknown) => void) {
    this.#commit = commit;
    this.#onError = onError;
  }

  /** Registers a yielded batch; returns its sequence number. */
  push(checkpoint: unknown): number {
    this.#entries.push({ checkpoint, state: 0 });
    return this.#next++;
  }

  settle(seq: number): void {
    const e = this.#entries[seq - this.#head];
    if (e) e.state = 1;
    this.#advance();
  }

  fail(seq: number): void {
    const e = this.#entries[seq - this.#head];
    if (e) e.state = 2;
    this.#advance();
  }

  get pending(): number {
    return this.#entries.length;
  }

  /** Resolves when every commit issued so far has completed. */
  flushed(): Promise<void> {
    return this.#committing;
  }

  #advance(): void {
    if (this.#blocked) return;
    let n = 0;
    const ready: unknown[] = [];
    for (const e of this.#entries) {
      if (e.state === 0) break;
      if (e.state === 2) {
        this.#blocked = true;
        break;
      }
      if (e.checkpoint !== undefined) ready.push(e.checkpoint);
      n++;
    }
    if (n === 0) return;
    this.#entries = this.#entries.slice(n);
    this.#head += n;
    if (ready.length === 0) return;
    this.#committing = this.#committing.then(async () => {
      for (const cp of ready) {
        try {
          await this.#commit(cp);
        } catch (err) {
          this.#onError(err);
        }
      }
    });
  }
}
