/**
 * Sleep until woken, a timeout, or an abort: how the tail source waits when nothing is readable.
 * A wake() that arrives while nobody waits is remembered, so an event between "nothing to read" and
 * "wait" is not lost. One timer per wait, never per record.
 */
export class Waker {
  private resolve: (() => void) | undefined;
  private pending = false;

  wake(): void {
    const r = this.resolve;
    if (r) {
      this.resolve = undefined;
      r();
    } else this.pending = true;
  }

  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.resolve === done) this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      this.resolve = done;
    });
  }
}
