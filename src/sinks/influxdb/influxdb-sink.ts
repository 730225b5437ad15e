/**
 * The InfluxDB output: metric points → line protocol → InfluxDB 2.x write API, with an on-disk buffer.
 *
 * Flow: write() encodes the batch and adds its lines to the open chunk; a chunk is cut once it holds
 * batch_max_points lines or flush_interval_ms after its first line, and sent (at most
 * max_concurrent_requests at once). A write resolves once every chunk holding its lines is settled:
 * - written by InfluxDB (counted delivered), or refused for good (dropped, with the reason), or
 * - durably appended to the disk buffer (counted delivered: the buffer owns the points from then on),
 *   after max_retry_time_ms of transient failures, or at once while the buffer is not empty (new points
 *   queue behind the buffered ones, so a recovering server receives them in order).
 * The replayer sends buffer segments oldest first, one at a time, and deletes each only after InfluxDB
 * acknowledged all of it; when the buffer is empty again, chunks go straight to InfluxDB. Chunks in flight
 * together may land in either order (InfluxDB keys points by series and time, not arrival).
 * Without a buffer (max_bytes 0) a failing chunk is retried until close, and its writes stay pending.
 *
 * This file is the sink's I/O and timing: the flush timer, dispatching chunks, the replay loop and close.
 * Which write owns which lines of a chunk is chunk.ts; sending one chunk is batch-sender.ts.
 */
import type { Batch, Outcome, Sink } from '../../pipeline/contracts';
import type { ComponentContext } from '../../pipeline/context';
import type { HeraldRecord } from '../../pipeline/records';
import { ErrorCode, HeraldError, errorMessage } from '../../errors';
import { sleep, withDeadline } from '../../pipeline/timing';
import { BatchSender, type SendControl } from './batch-sender';
import { failChunk, fillChunk, newChunk, settleChunk, type Chunk, type Waiter } from './chunk';
import { influxdbBufferDir, type InfluxdbOutputConfig } from './config';
import { DiskBuffer } from './disk-buffer';
import { LineEncoder } from './encode';
import { LogLimiter } from '../../observability/log-limiter';
import { SinkMetrics } from './sink-metrics';
import { WriteClient } from './write-client';

export interface InfluxdbSinkOptions {
  config: InfluxdbOutputConfig;
  context: ComponentContext;
}

/** Buffer segments are sealed at this fraction of max_bytes (within [1 B, 8 MiB]): drop_oldest's granularity. */
function segmentMaxBytes(maxBytes: number): number {
  return Math.max(1, Math.min(8 * 1024 * 1024, Math.floor(maxBytes / 16)));
}

export class InfluxdbSink implements Sink<HeraldRecord> {
  readonly name = 'influxdb';
  readonly bufferDir: string;
  readonly #c: InfluxdbOutputConfig;
  readonly #ctx: ComponentContext;
  readonly #logger: ComponentContext['logger'];
  readonly #client: WriteClient;
  readonly #sender: BatchSender;
  readonly #encoder: LineEncoder;
  readonly #buffer: DiskBuffer | undefined;
  readonly #limiter: LogLimiter;
  readonly #wake = new AbortController();
  readonly #abort = new AbortController();
  #opened: Promise<void> | undefined;
  /** start() finished: write() adds its lines synchronously (a close() called right after still sees them). */
  #started = false;
  #closing = false;
  #closed: Promise<void> | undefined;
  #acc: Chunk = newChunk();
  #timer: NodeJS.Timeout | undefined;
  #ready: Chunk[] = [];
  readonly #dispatches = new Set<Promise<void>>();
  #replay: Promise<void> | undefined;
  readonly #m: SinkMetrics;

  constructor(o: InfluxdbSinkOptions) {
    const c = o.config;
    this.#c = c;
    this.#ctx = o.context;
    this.#logger = o.context.logger.child({ component: 'influxdb', type: 'influxdb' });
    this.#limiter = new LogLimiter(10_000, () => o.context.clock.monotonic());
    this.#m = new SinkMetrics(o.context.metrics);
    this.#encoder = new LineEncoder(c.precision);
    this.#client = new WriteClient({
      url: c.url, token: c.token, org: c.org, bucket: c.bucket, precision: c.precision, gzip: c.gzip,
      requestTimeoutMs: c.request_timeout_ms, maxSockets: c.max_concurrent_requests + 1,
      caPem: c.tls_ca, insecureSkipVerify: c.tls?.insecure_skip_verify ?? false,
    });
    this.#sender = new BatchSender({
      client: this.#client,
      backoff: { initialMs: c.retry.initial_backoff_ms, maxMs: c.retry.max_backoff_ms },
      logger: this.#logger,
      monotonic: () => o.context.clock.monotonic(),
      requestSeconds: this.#m.requestSeconds,
      droppedPoints: this.#m.dropped,
    });
    this.bufferDir = influxdbBufferDir(c, o.context.stateDir);
    if (c.buffer.max_bytes > 0) {
      this.#buffer = new DiskBuffer({
        dir: this.bufferDir, maxBytes: c.buffer.max_bytes, overflow: c.buffer.overflow,
        segmentMaxBytes: segmentMaxBytes(c.buffer.max_bytes),
        onDrop: (points) => this.#onOverflow(points),
        onError: (err) => this.#logger.error({ err: errorMessage(err) }, 'influxdb buffer: disk error'),
      });
    }
  }

  /** Opens the buffer left by a previous run and starts replaying it. Safe to call twice. */
  start(): Promise<void> {
    this.#opened ??= (async () => {
      if (!this.#buffer) return;
      await this.#buffer.open();
      this.#publishBuffer();
      if (!this.#buffer.isEmpty) this.#logger.info({ points: this.#buffer.points, bytes: this.#buffer.bytes }, 'influxdb buffer found; replaying');
      this.#replay = this.#replayLoop(this.#buffer).catch((err: unknown) => this.#logger.error({ err: errorMessage(err) }, 'influxdb replay stopped'));
    })().then(() => {
      this.#started = true;
    });
    return this.#opened;
  }

  async write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    if (!this.#started) await this.start();
    // Checked after the await: a close() begun meanwhile has already cut the last chunk.
    if (this.#closing) throw new HeraldError(ErrorCode.sinkClosed, 'influxdb output: closed');
    const enc = this.#encoder;
    const reserved = enc.reservedKeys;
    const substituted = enc.substitutions;
    const lines: string[] = [];
    let dropped = 0;
    let dropReason: string | undefined;
    for (const rec of batch.records) {
      const line = rec.kind === 'metric' ? enc.encode(rec) : undefined;
      if (line !== undefined) {
        lines.push(line);
        continue;
      }
      const reason = rec.kind === 'metric' ? enc.lastUnwritable : 'not_a_metric';
      this.#m.dropped.inc({ reason });
      dropped++;
      dropReason ??= reason;
    }
    if (enc.reservedKeys > reserved) this.#m.adjusted.inc({ reason: 'reserved_key' }, enc.reservedKeys - reserved);
    if (enc.substitutions > substituted) this.#m.adjusted.inc({ reason: 'unencodable_char' }, enc.substitutions - substituted);
    if (lines.length === 0) return dropReason === undefined ? { delivered: 0, dropped } : { delivered: 0, dropped, dropReason };
    return new Promise<Outcome>((resolve, reject) => {
      const w: Waiter = { chunks: 0, delivered: 0, dropped, dropReason, failed: false, resolve, reject };
      this.#add(lines, w);
    });
  }

  #add(lines: string[], w: Waiter): void {
    const max = this.#c.batch_max_points;
    for (let i = 0; i < lines.length; ) {
      i = fillChunk(this.#acc, lines, i, w, max);
      if (this.#acc.lines.length >= max) this.#cut();
    }
    if (this.#acc.lines.length > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#cut(), this.#c.flush_interval_ms);
    }
  }

  #cut(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#acc.lines.length === 0) return;
    this.#ready.push(this.#acc);
    this.#acc = newChunk();
    this.#pump();
  }

  #pump(): void {
    while (this.#dispatches.size < this.#c.max_concurrent_requests && this.#ready.length > 0) {
      const chunk = this.#ready.shift() as Chunk;
      const p: Promise<void> = this.#dispatch(chunk)
        .catch((err: unknown) => failChunk(chunk, err))
        .finally(() => {
          this.#dispatches.delete(p);
          this.#pump();
        });
      this.#dispatches.add(p);
    }
  }

  async #dispatch(chunk: Chunk): Promise<void> {
    let lines = chunk.lines;
    let dropped = 0;
    let reason: string | undefined;
    const buffer = this.#buffer;
    if (!buffer || buffer.isEmpty) {
      const started = this.#ctx.clock.monotonic();
      const maxRetryMs = this.#c.retry.max_retry_time_ms;
      const giveUp = buffer
        ? () => this.#closing || !buffer.isEmpty || this.#ctx.clock.monotonic() - started >= maxRetryMs
        : () => this.#closing;
      const r = await this.#sender.send(lines, this.#control('live', giveUp));
      if (r.written > 0) this.#m.written.inc({ path: 'live' }, r.written);
      dropped += r.dropped;
      reason = r.dropReason;
      lines = r.remaining;
    }
    if (lines.length > 0) {
      if (!buffer) throw new HeraldError(ErrorCode.sinkClosed, 'influxdb output closed while InfluxDB was failing; batch not written');
      const res = await buffer.append(Buffer.from(`${lines.join('\n')}\n`), lines.length);
      if (res === 'buffered') {
        this.#m.buffered.inc(lines.length);
      } else {
        dropped += lines.length;
        reason ??= 'buffer_overflow';
      }
      this.#publishBuffer();
    }
    settleChunk(chunk, dropped, reason);
  }

  #control(path: 'live' | 'replay', giveUp: () => boolean): SendControl {
    return { giveUp, wake: this.#wake.signal, abort: this.#abort.signal, path };
  }

  async #replayLoop(buffer: DiskBuffer): Promise<void> {
    const ctl = this.#control('replay', () => this.#closing);
    const max = this.#c.batch_max_points;
    while (!this.#closing) {
      const seg = await buffer.next(this.#wake.signal);
      if (seg === undefined) return;
      let lines: string[];
      try {
        lines = (await buffer.read(seg)).toString('utf8').split('\n');
      } catch (err) {
        buffer.release(seg);
        this.#logger.error({ err: errorMessage(err) }, 'influxdb buffer: cannot read a segment; retrying');
        await sleep(1000, this.#wake.signal);
        continue;
      }
      if (lines.at(-1) === '') lines.pop();
      let complete = true;
      for (let i = 0; i < lines.length && complete; i += max) {
        const r = await this.#sender.send(lines.slice(i, i + max), ctl);
        if (r.written > 0) this.#m.written.inc({ path: 'replay' }, r.written);
        complete = r.remaining.length === 0;
      }
      if (complete) await buffer.remove(seg);
      else buffer.release(seg);
      this.#publishBuffer();
    }
  }

  #onOverflow(points: number): void {
    this.#m.bufferDropped.inc(points);
    const quiet = this.#limiter.allow('overflow');
    if (quiet >= 0) {
      this.#logger.warn({ points, policy: this.#c.buffer.overflow, maxBytes: this.#c.buffer.max_bytes, suppressed: quiet }, 'influxdb buffer full; points dropped');
    }
  }

  #publishBuffer(): void {
    if (this.#buffer) this.#m.publishBuffer(this.#buffer);
  }

  /**
   * Sends what is open, stops retrying (failing chunks go to the buffer), waits for chunks and the replay
   * until the deadline, aborts what is left, and closes the buffer. Writes not settled by then reject.
   */
  close(deadlineMs: number): Promise<void> {
    this.#closed ??= this.#close(deadlineMs);
    return this.#closed;
  }

  async #close(deadlineMs: number): Promise<void> {
    const until = performance.now() + deadlineMs;
    const left = () => Math.max(0, until - performance.now());
    this.#closing = true;
    this.#cut();
    this.#wake.abort();
    const drained = async () => {
      while (this.#dispatches.size > 0) await Promise.race(this.#dispatches);
    };
    await withDeadline(Promise.all([drained(), this.#replay]), left());
    this.#abort.abort(); // requests still in flight are abandoned; their chunks go to the buffer
    await withDeadline(Promise.all([drained(), this.#replay]), Math.max(left(), 1000));
    for (const chunk of this.#ready.splice(0)) failChunk(chunk, new HeraldError(ErrorCode.sinkClosed, 'influxdb output closed before sending'));
    if (this.#opened) await this.#opened.catch(() => undefined);
    await this.#buffer?.close(Math.max(left(), 1000));
    this.#client.close();
    for (const [key, n] of this.#limiter.pending()) this.#logger.warn({ key, suppressed: n }, 'influxdb output: occurrences not logged');
  }
}
