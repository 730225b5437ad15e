/**
 * The embedded default output: writes exactly what Herald would ship — Elasticsearch bulk NDJSON (action
 * line + document) for log events, InfluxDB line protocol for metric points — to size-rotated files under
 * the output directory, and acknowledges a batch only once its bytes are durable per the fsync policy.
 */
import { join } from 'node:path';
import type { Counter } from 'prom-client';
import type { Batch, Outcome, Sink } from '../../pipeline/contracts';
import type { ComponentContext } from '../../pipeline/context';
import { eventCount, type HeraldRecord } from '../../pipeline/records';
import { counter } from '../../observability/metrics';
import { errorMessage } from '../../errors';
import { DocumentEncoder, IndexNamer, writeBlock } from '../elasticsearch/encode';
import { BodySize, BufferPool, NdjsonWriter } from '../ndjson-writer';
import { encodePoint } from '../influxdb/encode';
import type { FileOutputConfig } from './config';
import { RotatingFile } from './rotating-file';

/** Free bodies kept for reuse: several batches of 1,000 HAProxy documents (~1.3 MB each). */
const BODY_POOL_BYTES = 8 * 1024 * 1024;

/** One batch encoded: its bodies (not yet written) and its counts. */
interface Encoded {
  logOut: NdjsonWriter | undefined;
  metricOut: NdjsonWriter | undefined;
  logs: number;
  metrics: number;
  unwritable: number;
}

export interface FileSinkOptions {
  config: FileOutputConfig;
  context: ComponentContext;
  logs: boolean;
  metrics: boolean;
}

export class FileSink implements Sink<HeraldRecord> {
  readonly name = 'file';
  readonly dir: string;
  readonly #logs: RotatingFile | undefined;
  readonly #metrics: RotatingFile | undefined;
  readonly #encoder: DocumentEncoder;
  readonly #index: IndexNamer;
  readonly #records: Counter<'kind' | 'outcome'>;
  readonly #bytes: Counter<'kind'>;
  readonly #errors: Counter<'kind'>;
  /** Sizes the next log body from the last one, so it rarely grows. */
  readonly #logSize = new BodySize();
  /** Bodies are reused once written: a few batches' worth stays allocated instead of one fresh body per batch. */
  readonly #bodies = new BufferPool(BODY_POOL_BYTES);

  constructor(o: FileSinkOptions) {
    const { config, context } = o;
    this.dir = config.dir ?? join(context.stateDir, 'output');
    const logger = context.logger.child({ component: 'file', type: 'file' });
    this.#records = counter(context.metrics, 'herald_file_output_records_total', 'Records settled by the file output', ['kind', 'outcome']);
    this.#bytes = counter(context.metrics, 'herald_file_output_bytes_total', 'Bytes written by the file output', ['kind']);
    this.#errors = counter(context.metrics, 'herald_file_output_errors_total', 'Write errors (retried) of the file output', ['kind']);
    const common = { dir: this.dir, maxFileBytes: config.max_file_bytes, maxFiles: config.max_files, fsync: config.fsync, fsyncIntervalMs: config.fsync_interval_ms };
    const onError = (kind: string) => (err: unknown) => {
      this.#errors.inc({ kind });
      logger.error({ err: errorMessage(err), kind }, 'file output write failed; retrying');
    };
    if (o.logs) this.#logs = new RotatingFile({ ...common, base: 'logs', ext: 'ndjson', onError: onError('log'), isDanglingLine: (l) => l.startsWith('{"create":') });
    if (o.metrics) this.#metrics = new RotatingFile({ ...common, base: 'metrics', ext: 'lp', onError: onError('metric') });
    this.#encoder = new DocumentEncoder(context.hostname);
    this.#index = new IndexNamer(config.index);
  }

  get logsPath(): string | undefined {
    return this.#logs?.path;
  }

  get metricsPath(): string | undefined {
    return this.#metrics?.path;
  }

  /**
   * Encodes the batch at once, then waits for the appends without holding the batch: its records can be
   * collected while the bytes are written and synced (an async write would keep them alive until then).
   */
  write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    let encoded: Encoded;
    try {
      encoded = this.#encode(batch.records);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.#append(encoded);
  }

  /** Encoded straight into pooled Buffers: no array of parts, no multi-MB joined string. */
  #encode(records: readonly HeraldRecord[]): Encoded {
    const e: Encoded = { logOut: undefined, metricOut: undefined, logs: 0, metrics: 0, unwritable: 0 };
    for (const r of records) {
      if (r.kind === 'log') {
        if (!this.#logs) continue;
        this.#encoder.write((e.logOut ??= new NdjsonWriter(this.#logSize.for(records.length), this.#bodies)), r, this.#index.head(r.timestampMs));
        e.logs++;
      } else if (r.kind === 'logblock') {
        if (this.#logs) e.logs += writeBlock((e.logOut ??= new NdjsonWriter(this.#logSize.for(eventCount(records)), this.#bodies)), r, this.#index);
        r.release();
      } else {
        if (!this.#metrics) continue;
        const line = encodePoint(r);
        if (line === undefined) e.unwritable++;
        else {
          (e.metricOut ??= new NdjsonWriter(64 * 1024, this.#bodies)).line(line);
          e.metrics++;
        }
      }
    }
    if (e.logOut) this.#logSize.observe(e.logOut.length, e.logs);
    return e;
  }

  async #append(e: Encoded): Promise<Outcome> {
    const { logOut, metricOut, logs, metrics, unwritable } = e;
    const writes: Promise<void>[] = [];
    if (logs > 0 && this.#logs && logOut) {
      const buf = logOut.result();
      this.#bytes.inc({ kind: 'log' }, buf.length);
      writes.push(this.#logs.append(buf));
    }
    if (metrics > 0 && this.#metrics && metricOut) {
      const buf = metricOut.result();
      this.#bytes.inc({ kind: 'metric' }, buf.length);
      writes.push(this.#metrics.append(buf));
    }
    // Both appends settled (not just the first to fail): only then is no body still queued for writing.
    const settled = await Promise.allSettled(writes);
    logOut?.release();
    metricOut?.release();
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    if (logs > 0) this.#records.inc({ kind: 'log', outcome: 'delivered' }, logs);
    if (metrics > 0) this.#records.inc({ kind: 'metric', outcome: 'delivered' }, metrics);
    if (unwritable > 0) this.#records.inc({ kind: 'metric', outcome: 'dropped' }, unwritable);
    const outcome: Outcome = { delivered: logs + metrics, dropped: unwritable };
    if (unwritable > 0) outcome.dropReason = 'no_writable_field';
    return outcome;
  }

  async close(deadlineMs: number): Promise<void> {
    await Promise.all([this.#logs?.close(deadlineMs), this.#metrics?.close(deadlineMs)]);
  }
}
