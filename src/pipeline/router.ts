/**
 * Sends log events (and native blocks of them) to the logs sink and metric points to the metrics sink (the same sink may take both),
 * and settles the batch when both answered.
 */
import { mergeOutcomes, type Batch, type Outcome, type Sink } from './contracts';
import type { HeraldRecord } from './records';

export class Router implements Sink<HeraldRecord> {
  readonly name = 'router';
  readonly #logs: Sink<HeraldRecord>;
  readonly #metrics: Sink<HeraldRecord>;

  constructor(logs: Sink<HeraldRecord>, metrics: Sink<HeraldRecord>) {
    this.#logs = logs;
    this.#metrics = metrics;
  }

  get sinks(): Sink<HeraldRecord>[] {
    return this.#logs === this.#metrics ? [this.#logs] : [this.#logs, this.#metrics];
  }

  async write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    const records = batch.records;
    if (records.length === 0) return { delivered: 0, dropped: 0 };
    if (this.#logs === this.#metrics) return this.#logs.write(batch);
    const logs: HeraldRecord[] = [];
    const metrics: HeraldRecord[] = [];
    for (const r of records) (r.kind === 'metric' ? metrics : logs).push(r);
    if (metrics.length === 0) return this.#logs.write(batch);
    if (logs.length === 0) return this.#metrics.write(batch);
    const [a, b] = await Promise.all([this.#logs.write({ records: logs }), this.#metrics.write({ records: metrics })]);
    return mergeOutcomes(a, b);
  }

  async close(deadlineMs: number): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close(deadlineMs)));
  }
}
