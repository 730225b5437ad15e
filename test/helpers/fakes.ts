/** In-memory source and sink recording what the pipeline did, for unit tests of the runner and stages. */
import type { Batch, Outcome, Sink, Source } from '../../src/pipeline/contracts';
import { makeLogEvent, type HeraldRecord, type LogOrigin } from '../../src/pipeline/records';

export const testOrigin: LogOrigin = {
  path: '/var/log/test.log',
  dataset: 'test.log',
  identity: { app: 'test-app', docFragment: '', labels: {} },
};

export function logRecords(n: number, from = 0, origin = testOrigin): HeraldRecord[] {
  return Array.from({ length: n }, (_, i) => makeLogEvent(origin, `line ${from + i}`, (from + i) * 10, 10, 0, 1_700_000_000_000));
}

/** Yields the given batches (checkpoint = index), then waits for abort. Records commits. */
export class ListSource implements Source<HeraldRecord> {
  readonly name = 'list';
  readonly committed: unknown[] = [];
  yielded = 0;
  closed = 0;
  constructor(private readonly list: Batch<HeraldRecord>[]) {}
  async *batches(signal: AbortSignal): AsyncIterable<Batch<HeraldRecord>> {
    while (this.yielded < this.list.length && !signal.aborted) {
      yield this.list[this.yielded++] as Batch<HeraldRecord>;
    }
    if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
  }
  async commit(cp: unknown): Promise<void> {
    this.committed.push(cp);
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

/** A sink whose writes stay pending until the test releases them. */
export class ManualSink implements Sink<HeraldRecord> {
  readonly name = 'manual';
  readonly pending: { batch: Batch<HeraldRecord>; resolve(o: Outcome): void; reject(e: Error): void }[] = [];
  readonly written: HeraldRecord[] = [];
  closed = 0;
  write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    return new Promise((resolve, reject) => this.pending.push({ batch, resolve, reject }));
  }
  /** Settles the i-th pending write as delivered. */
  ack(i: number): void {
    const p = this.pending[i];
    if (!p) throw new Error(`no pending write ${i}`);
    this.written.push(...p.batch.records);
    p.resolve({ delivered: p.batch.records.length, dropped: 0 });
  }
  async close(): Promise<void> {
    this.closed++;
    for (const p of this.pending) p.reject(new Error('closed'));
  }
}

/** A sink that accepts everything at once. */
export class MemorySink implements Sink<HeraldRecord> {
  readonly name = 'memory';
  readonly records: HeraldRecord[] = [];
  closed = 0;
  async write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    this.records.push(...batch.records);
    return { delivered: batch.records.length, dropped: 0 };
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `p`'s value, or a failure once `ms` have passed: a test that goes wrong ends promptly instead of hanging. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
