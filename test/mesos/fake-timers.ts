/** Deterministic timers driven by a FakeClock, and a scripted MesosAgentClient, for the cache tests. */
import type { Timers } from '../../src/mesos/metadata-cache';
import type { MesosAgentClient } from '../../src/mesos/model';
import type { FakeClock } from '../helpers/context';

/** Lets pending promise callbacks and I/O callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export class FakeTimers implements Timers {
  #next = 1;
  #queue: { id: number; at: number; fn: () => void }[] = [];
  constructor(private readonly clock: FakeClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#queue.push({ id, at: this.clock.monoMs + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#queue = this.#queue.filter((t) => t.id !== handle);
  }
  /** Timers scheduled and not yet fired, as delays from now. */
  pending(): number[] {
    return this.#queue.map((t) => t.at - this.clock.monoMs).sort((a, b) => a - b);
  }
  /** Moves the clock forward, firing due timers in order and letting their async work settle. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.monoMs + ms;
    for (;;) {
      const due = this.#queue.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#queue = this.#queue.filter((t) => t !== due);
      this.clock.advance(Math.max(0, due.at - this.clock.monoMs));
      due.fn();
      await flush();
    }
    this.clock.advance(end - this.clock.monoMs);
    await flush();
  }
}

/** Answers getJson('/state') with the current `state`, or fails with `error`; can hold answers until released. */
export class ScriptedClient implements MesosAgentClient {
  readonly baseUrl = 'http://scripted';
  state: unknown = {};
  error: Error | undefined;
  calls = 0;
  hold = false;
  #held: (() => void)[] = [];

  async getJson(_path: string, signal?: AbortSignal): Promise<unknown> {
    this.calls++;
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.#held.push(resolve);
        signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    if (this.error) throw this.error;
    return structuredClone(this.state);
  }
  release(): void {
    this.hold = false;
    for (const r of this.#held.splice(0)) r();
  }
  close(): void {}
}
