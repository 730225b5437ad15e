/**
 * Writes every batch to several sinks (e.g. Elasticsearch and a local copy in the file output) and settles
 * it when all of them settled. The outcome is the primary's (the first sink): the copies are extra, and a
 * record the primary delivered is delivered whatever a copy did. A rejection of any sink rejects the batch,
 * so it is read again after a restart rather than committed with a copy missing.
 */
import type { Batch, Outcome, Sink } from './contracts';
import type { HeraldRecord } from './records';

export class FanOut implements Sink<HeraldRecord> {
  readonly name: string;
  readonly #sinks: Sink<HeraldRecord>[];

  constructor(sinks: Sink<HeraldRecord>[]) {
    if (sinks.length === 0) throw new Error('FanOut needs at least one sink');
    this.#sinks = sinks;
    this.name = sinks.map((s) => s.name).join('+');
  }

  get sinks(): Sink<HeraldRecord>[] {
    return this.#sinks;
  }

  async start(): Promise<void> {
    for (const s of this.#sinks) await s.start?.();
  }

  async write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    if (this.#sinks.length === 1) return (this.#sinks[0] as Sink<HeraldRecord>).write(batch);
    const outcomes = await Promise.all(this.#sinks.map((s) => s.write(batch)));
    return outcomes[0] as Outcome;
  }

  async close(deadlineMs: number): Promise<void> {
    await Promise.all(this.#sinks.map((s) => s.close(deadlineMs)));
  }
}
