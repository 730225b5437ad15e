/**
 * Pulls a log source's batches in the background and commits each one, as the runner does once the sinks
 * acknowledged it: the tail and sandbox source tests read what a source emits through this.
 */
import type { Batch } from '../../src/pipeline/contracts';
import type { LogEvent, LogRecord } from '../../src/pipeline/records';
import { asEvents } from './blocks';

export interface PulledSource {
  batches(signal: AbortSignal): AsyncIterable<Batch<LogRecord>>;
  commit(checkpoint: unknown): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Consumer {
  readonly batches: Batch<LogEvent>[] = [];
  readonly events: LogEvent[] = [];
  private readonly ctl = new AbortController();
  private readonly loop: Promise<void>;

  /** `t`: stop() is registered as its teardown. `commit: false` leaves every batch unacknowledged. */
  constructor(readonly source: PulledSource, t?: { teardown(fn: () => Promise<void>): void }, commit = true) {
    t?.teardown(() => this.stop());
    this.loop = (async () => {
      for await (const b of source.batches(this.ctl.signal)) {
        const events = asEvents(b.records);
        this.batches.push({ ...b, records: events }); // blocks seen as their events
        this.events.push(...events);
        if (commit) await source.commit(b.checkpoint);
      }
    })();
  }

  /** Messages of the events so far (of those matching `filter`, when given). */
  messages(filter?: (e: LogEvent) => boolean): string[] {
    return (filter === undefined ? this.events : this.events.filter(filter)).map((e) => e.message);
  }

  async waitFor(cond: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 8000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; have ${this.events.length} events, the last: ${JSON.stringify(this.messages().slice(-20))}`);
      await sleep(10);
    }
  }

  async waitForCount(n: number, timeoutMs = 8000): Promise<void> {
    await this.waitFor(() => this.events.length >= n, `${n} events`, timeoutMs);
  }

  /** Keep pulling for a while (to see that nothing more arrives). */
  async settle(ms = 400): Promise<void> {
    await sleep(ms);
  }

  /** Stop pulling, then close the source. Safe to call twice (tests also register it as teardown). */
  async stop(): Promise<void> {
    this.ctl.abort();
    await this.loop;
    await this.source.close();
  }
}
