/** Helpers for the tail source tests: a plain parser, group builders and a consumer that records batches. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Registry } from 'prom-client';
import type { Batch } from '../../../src/pipeline/contracts';
import { systemClock } from '../../../src/pipeline/context';
import type { LogEvent, LogRecord } from '../../../src/pipeline/records';
import { asEvents } from '../../helpers/blocks';
import { createParser } from '../../../src/logs/parse';
import { TailSource, type TailSourceOptions, type WatchGroup } from '../../../src/logs/tail/tail-source';
import { testContext } from '../../helpers/context';
import { nativeForTailTests } from '../../helpers/native';


export function group(include: string | string[], over: Partial<WatchGroup> = {}): WatchGroup {
  return {
    id: 'files[0]',
    include: typeof include === 'string' ? [include] : include,
    exclude: [],
    format: 'plain',
    dataset: 'generic.log',
    identity: { app: 'test', docFragment: '', labels: {} },
    startAt: 'beginning',
    maxLineBytes: 64 * 1024,
    ...over,
  };
}

export function makeSource(stateDir: string, groups: WatchGroup[], over: Partial<TailSourceOptions> = {}): TailSource {
  return new TailSource({
    name: 'files',
    groups,
    context: testContext(stateDir, { clock: systemClock }),
    parserFor: createParser, // the groups are plain unless a test says otherwise
    batchMaxRecords: 1000,
    batchMaxBytes: 1024 * 1024,
    batchMaxWaitMs: 1000,
    rescanIntervalMs: 200,
    readChunkBytes: 64 * 1024 + 1,
    pollIntervalMs: 50,
    ...nativeForTailTests(),
    ...over,
  });
}

export { Consumer } from '../../helpers/consumer';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function lines(from: number, to: number, prefix = 'line'): string {
  let s = '';
  for (let i = from; i < to; i++) s += `${prefix} ${i}\n`;
  return s;
}

export function range(from: number, to: number, prefix = 'line'): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${prefix} ${i}`);
  return out;
}

export interface OffsetsDoc {
  version: number;
  files: { dev: string; ino: string; fp_bytes: number; fp_sha1: string; offset: number; path: string; group: string; missing_since_ms?: number }[];
}

export function readOffsets(stateDir: string, name = 'files'): OffsetsDoc {
  return JSON.parse(readFileSync(path.join(stateDir, 'offsets', `${name}.json`), 'utf8')) as OffsetsDoc;
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const data = await m.get();
  let sum = 0;
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)) sum += v.value;
  }
  return sum;
}

/**
 * Pulls batches only when asked (the source reads nothing in between: that is how the tests "pause" the
 * reader while they rotate files). Commits every batch it receives.
 */
export class Puller {
  readonly batches: Batch<LogEvent>[] = [];
  readonly events: LogEvent[] = [];
  private readonly ctl = new AbortController();
  private readonly it: AsyncIterator<Batch<LogRecord>>;
  private pending: Promise<IteratorResult<Batch<LogRecord>>> | undefined;

  constructor(readonly source: TailSource, private readonly commit = true) {
    this.it = source.batches(this.ctl.signal)[Symbol.asyncIterator]();
  }

  get messages(): string[] {
    return this.events.map((e) => e.message);
  }

  async pullUntil(cond: () => boolean, what = 'condition', timeoutMs = 8000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-20))}`);
      this.pending ??= this.it.next();
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        this.pending,
        new Promise<undefined>((res) => { timer = setTimeout(() => res(undefined), left); }),
      ]);
      clearTimeout(timer);
      if (r === undefined) continue;
      this.pending = undefined;
      if (r.done) throw new Error('the source ended');
      const events = asEvents(r.value.records);
      this.batches.push({ ...r.value, records: events }); // blocks seen as their events
      this.events.push(...events);
      if (this.commit) await this.source.commit(r.value.checkpoint);
    }
  }

  async pullCount(n: number, timeoutMs = 8000): Promise<void> {
    await this.pullUntil(() => this.events.length >= n, `${n} events`, timeoutMs);
  }

  /** Pull for a while and return what arrived (to check that nothing more comes). */
  async drainFor(ms: number): Promise<void> {
    await this.pullUntil(() => false, '', ms).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.ctl.abort();
    await this.pending;
    await this.it.return?.(undefined);
    await this.source.close();
  }
}
