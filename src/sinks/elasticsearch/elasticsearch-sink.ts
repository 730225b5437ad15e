/**
 * Ships log events to Elasticsearch with the bulk API.
 *
 * Invariants:
 *  - A write resolves when every document of its batch is settled: indexed, stored in the dead-letter
 *    index, or dropped (counted). Transient failures (429, 5xx, timeouts, connection errors) are re-sent,
 *    only the failed items, with capped exponential backoff and full jitter, until close(): the write stays
 *    pending meanwhile, which is the pipeline's backpressure.
 *  - Documents are buffered across batches and cut into requests of about flush_bytes; a request goes out
 *    when the buffer reaches flush_bytes, or flush_interval_ms after its first document, while fewer than
 *    max_concurrent_requests are in flight. Re-sends go before new documents.
 *  - Nothing is sent before the index templates are installed (a daily index created without its mapping
 *    keeps the wrong types for the whole day); start() never fails on an unreachable cluster.
 *  - Logs carry counts, statuses, error types and sanitised reasons, never document contents or secrets.
 *
 * This file is the sink's I/O and timing: bulk requests, the linger timer, re-send timers and close. The
 * writes it owes an answer are kept in write-ledger.ts, the templates' readiness in template-installer.ts.
 */
import { errors, type Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { Batch, Outcome, Sink } from '../../pipeline/contracts';
import type { ComponentContext } from '../../pipeline/context';
import type { HeraldRecord } from '../../pipeline/records';
import { ErrorCode, HeraldError } from '../../errors';
import { withDeadline } from '../../pipeline/timing';
import { BulkBuffer, BulkRequest, bodyParts, segmentSize, splitRequest } from './bulk-buffer';
import { readBulkResponse, Settlement, type BulkResponseBody } from './bulk-response';
import type { ElasticsearchOutputConfig } from './config';
import { safeReason, itemError } from './dead-letter';
import { DocumentEncoder, IndexNamer } from './encode';
import { createClient, describeError } from './es-client';
import { RateLimitedLog } from '../../observability/log-limiter';
import { backoffMs, parseRetryAfter, type Backoff } from '../../net/retry';
import { isRetriableRequestStatus } from './retry-policy';
import { SinkMetrics, type RequestResult } from './sink-metrics';
import { TemplateInstaller, loadTemplates } from './template-installer';
import { BufferPool } from '../ndjson-writer';
import { Readable } from 'node:stream';
import { WriteLedger } from './write-ledger';

/** Only what the sink reads of a bulk response: statuses and errors (bodies shrink ~10x). */
const FILTER_PATH = 'errors,items.*.status,items.*.error';
const LOG_INTERVAL_MS = 30_000;
/** Free Buffers kept for the encoded documents of batches: a few batches' worth. */
const BATCH_POOL_BYTES = 8 * 1024 * 1024;

export interface ElasticsearchSinkOptions {
  config: ElasticsearchOutputConfig;
  context: ComponentContext;
  /** Jitter source (tests pin it). */
  random?: () => number;
}

export class ElasticsearchSink implements Sink<HeraldRecord> {
  readonly name = 'elasticsearch';
  readonly #cfg: ElasticsearchOutputConfig;
  readonly #ctx: ComponentContext;
  readonly #logger: Logger;
  readonly #log: RateLimitedLog;
  readonly #metrics: SinkMetrics;
  readonly #client: Client;
  readonly #ledger: WriteLedger;
  readonly #dlNamer: IndexNamer;
  readonly #hostJson: string;
  readonly #installer: TemplateInstaller;
  readonly #backoff: Backoff;
  readonly #random: () => number;
  readonly #abort = new AbortController();
  #buffer = new BulkBuffer();
  #retryQueue: BulkRequest[] = [];
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #inFlight = 0;
  #lingerTimer: NodeJS.Timeout | undefined;
  #lingerExpired = false;
  #idleTurn: NodeJS.Immediate | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(o: ElasticsearchSinkOptions) {
    this.#cfg = o.config;
    this.#ctx = o.context;
    this.#logger = o.context.logger.child({ component: 'elasticsearch', type: 'elasticsearch' });
    this.#log = new RateLimitedLog(this.#logger, LOG_INTERVAL_MS, () => this.#ctx.clock.monotonic());
    this.#metrics = new SinkMetrics(o.context.metrics);
    this.#client = createClient(o.config);
    this.#ledger = new WriteLedger(this.#metrics, new IndexNamer(o.config.index), new DocumentEncoder(o.context.hostname), new BufferPool(BATCH_POOL_BYTES));
    this.#dlNamer = new IndexNamer(o.config.dead_letter_index);
    this.#hostJson = `"host":{"name":${JSON.stringify(o.context.hostname)}}`;
    this.#backoff = { initialMs: o.config.retry.initial_backoff_ms, maxMs: o.config.retry.max_backoff_ms };
    this.#random = o.random ?? Math.random;
    this.#installer = new TemplateInstaller({
      client: this.#client, templates: o.config.template.install ? loadTemplates(o.config) : [], install: o.config.template.install,
      requestTimeoutMs: o.config.request_timeout_ms, backoff: this.#backoff, random: this.#random, signal: this.#abort.signal,
      logger: this.#logger, log: this.#log, readyGauge: this.#metrics.templateReady, onReady: () => this.#pump(),
    });
  }

  /** Installs the templates (first attempt awaited); on failure keeps trying in the background. Never throws. */
  async start(): Promise<void> {
    await this.#installer.start();
  }

  write(batch: Batch<HeraldRecord>): Promise<Outcome> {
    if (this.#closing) return Promise.reject(new HeraldError(ErrorCode.sinkClosed, 'elasticsearch output: closed'));
    void this.#installer.start();
    return new Promise<Outcome>((resolve, reject) => {
      const set = this.#ledger.open(batch.records, resolve, reject);
      if (set === undefined) return;
      this.#buffer.add(set);
      this.#kick();
    });
  }

  /** New documents are buffered: send them when a request slot is free and the buffer is full or has lingered. */
  #kick(): void {
    if (this.#cfg.flush_interval_ms === 0) this.#lingerExpired = true;
    this.#pump();
    // With no request in flight there is nothing to coalesce with: send at the next turn of the event loop
    // (which gathers the batches written in this one) rather than hold the documents for flush_interval_ms
    // while their sources wait for the acknowledgement.
    if (this.#inFlight === 0 && this.#buffer.count > 0 && this.#idleTurn === undefined) {
      this.#idleTurn = setImmediate(() => {
        this.#idleTurn = undefined;
        if (this.#inFlight > 0 || this.#buffer.count === 0) return;
        this.#lingerExpired = true;
        this.#pump();
      });
    }
  }

  #pump(): void {
    if (this.#installer.ready) {
      while (this.#inFlight < this.#cfg.max_concurrent_requests) {
        let req = this.#retryQueue.shift();
        if (req === undefined) {
          if (this.#buffer.count === 0) break;
          if (this.#buffer.bytes < this.#cfg.flush_bytes && !this.#lingerExpired && !this.#closing) break;
          req = this.#buffer.take(this.#cfg.flush_bytes);
          if (req === undefined) break;
          if (this.#buffer.count === 0) {
            this.#lingerExpired = this.#cfg.flush_interval_ms === 0;
            clearTimeout(this.#lingerTimer);
            this.#lingerTimer = undefined;
          }
        }
        void this.#send(req);
      }
    }
    // What stays buffered is sent flush_interval_ms after its first document at the latest (slots permitting).
    if (this.#buffer.count > 0 && !this.#lingerExpired && this.#lingerTimer === undefined) {
      this.#lingerTimer = setTimeout(() => {
        this.#lingerTimer = undefined;
        this.#lingerExpired = true;
        this.#pump();
      }, this.#cfg.flush_interval_ms);
    }
  }

  /** One bulk request and everything that follows from its answer; never rejects. */
  async #send(req: BulkRequest): Promise<void> {
    this.#inFlight++;
    this.#metrics.inFlight.inc();
    const { body, bytes } = requestBody(req);
    this.#metrics.bytes.inc(bytes);
    const t0 = this.#ctx.clock.monotonic();
    const s = new Settlement({ actionLine: (ms) => this.#dlNamer.actionLine(ms), hostJson: this.#hostJson, nowMs: this.#ctx.clock.now() });
    let result: RequestResult;
    try {
      const res = await this.#client.transport.request<BulkResponseBody>(
        { method: 'POST', path: '/_bulk', querystring: { filter_path: FILTER_PATH }, bulkBody: body },
        // A stream body has no length of its own: it is given, so the request is not chunked. (The client
        // never compresses, es-client.ts: a gzipped stream would not have this length.)
        { requestTimeout: this.#cfg.request_timeout_ms, maxRetries: 0, signal: this.#abort.signal, headers: Buffer.isBuffer(body) ? {} : { 'content-length': String(bytes) } },
      );
      result = readBulkResponse(req, res, s) ? 'item_errors' : 'ok';
    } catch (err) {
      result = err instanceof errors.ResponseError ? 'http_error' : 'connection_error';
      // A failure (a timeout, an abort, a broken connection, or an error status, which a server may send
      // before it has read the whole body): a socket may still hold views of the items, so their Buffers are
      // left to the garbage collector rather than reused.
      for (const seg of req.segments) seg.set.sentUnanswered();
      if (!this.#closing) this.#onRequestFailure(req, err, s);
    }
    this.#inFlight--;
    this.#metrics.inFlight.dec();
    // An answer frees a slot: what was buffered meanwhile goes now (it waited for a request, as it would for
    // flush_interval_ms), so the pipeline flows at the pace of Elasticsearch's answers.
    if (this.#buffer.count > 0) this.#lingerExpired = true;
    this.#metrics.requestSeconds.observe({ result }, (this.#ctx.clock.monotonic() - t0) / 1000);
    this.#apply(s, req.attempt);
    this.#pump();
  }

  /** The whole request failed: re-send it (after a backoff, or split on 413), or refuse its items on 400. */
  #onRequestFailure(req: BulkRequest, err: unknown, s: Settlement): void {
    const info = describeError(err);
    if (err instanceof errors.ResponseError) {
      const status = err.statusCode ?? 0;
      if (status === 413) {
        const halves = splitRequest(req);
        if (halves) this.#retryQueue.unshift(...halves);
        else for (const seg of req.segments) s.drop(seg.set, 'too_large');
        this.#log.log('warn', 'too_large', { ...info, documents: req.count }, halves ? 'bulk request too large; splitting it' : 'a single document is larger than the server accepts; dropped');
        if (!halves) this.#metrics.drops.inc({ reason: 'too_large' });
        return;
      }
      if (!isRetriableRequestStatus(status)) {
        const e = itemError(status, { error: (err.body as { error?: { type?: string; reason?: string } } | undefined)?.error });
        for (const seg of req.segments) s.refuseAll(seg, e);
        return;
      }
      const after = parseRetryAfter(err.headers?.['retry-after'], this.#ctx.clock.now(), this.#backoff.maxMs);
      for (const seg of req.segments) s.retryAll(seg);
      this.#log.log('warn', 'bulk_http', { ...info, documents: req.count }, 'bulk request failed; re-sending');
      this.#schedule(new BulkRequest(s.retry.splice(0), req.count, req.attempt + 1), after ?? backoffMs(this.#backoff, req.attempt, 'full', this.#random));
      return;
    }
    for (const seg of req.segments) s.retryAll(seg);
    this.#log.log('warn', 'bulk_connection', { ...info, documents: req.count }, 'bulk request failed; re-sending');
  }

  /** Publishes a settlement: counters, re-sends, dead-letter copies, finished batches. */
  #apply(s: Settlement, attempt: number): void {
    const m = this.#metrics.documents;
    if (s.delivered > 0) m.delivered.inc(s.delivered);
    if (s.deadLettered > 0) m.dead_lettered.inc(s.deadLettered);
    if (s.dropped > 0) m.dropped.inc(s.dropped);
    if (s.retried > 0) m.retried.inc(s.retried);
    if (s.firstRefusal !== undefined) {
      const f = s.firstRefusal;
      const fields = { status: f.status, error_type: f.type, reason: safeReason(f.reason), index: f.index };
      if (f.deadLetter) {
        this.#metrics.drops.inc({ reason: 'dead_letter_failed' }, s.dropped);
        this.#log.log('error', 'dead_letter_failed', fields, 'the dead-letter index refused documents too; they are dropped');
      } else this.#log.log('warn', 'refused', fields, 'Elasticsearch refused documents; writing them to the dead-letter index');
    }
    if (s.firstRetriable !== undefined) {
      const f = s.firstRetriable;
      this.#log.log('warn', 'item_retriable', { status: f.status, error_type: f.type, reason: safeReason(f.reason), documents: s.retried }, 'bulk items failed transiently; re-sending them');
    }
    if (s.retry.length > 0) {
      let count = 0;
      for (const seg of s.retry) count += segmentSize(seg);
      this.#schedule(new BulkRequest(s.retry, count, attempt + 1), backoffMs(this.#backoff, attempt, 'full', this.#random));
    }
    for (const dl of s.deadLetters) this.#buffer.add(dl);
    if (s.deadLetters.length > 0) this.#lingerExpired = true;
    this.#ledger.settled(s.delivered + s.deadLettered + s.dropped);
    for (const b of s.finished) this.#ledger.finish(b);
  }

  #schedule(req: BulkRequest, delayMs: number): void {
    if (this.#abort.signal.aborted) return;
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#retryQueue.push(req);
      this.#pump();
    }, delayMs);
    this.#retryTimers.add(timer);
  }

  /** Sends what is buffered at once, waits for every batch up to the deadline, then rejects the rest. */
  close(deadlineMs: number): Promise<void> {
    this.#closed ??= this.#close(deadlineMs);
    return this.#closed;
  }

  async #close(deadlineMs: number): Promise<void> {
    this.#closing = true;
    this.#installer.stop();
    this.#lingerExpired = true;
    clearTimeout(this.#lingerTimer);
    clearImmediate(this.#idleTurn);
    this.#idleTurn = undefined;
    this.#pump();
    if (this.#ledger.size > 0) await withDeadline(this.#ledger.idle(), deadlineMs);
    this.#abort.abort();
    for (const t of this.#retryTimers) clearTimeout(t);
    this.#retryTimers.clear();
    this.#retryQueue = [];
    this.#buffer = new BulkBuffer();
    const rejected = this.#ledger.rejectAll();
    if (rejected.batches > 0) this.#logger.warn(rejected, 'closed before Elasticsearch took every document; those batches are not acknowledged and will be read again');
    await this.#installer.stopped();
    await this.#client.close();
  }
}

/** Views of more runs than this are copied into one Buffer: re-sends of scattered items. */
const MAX_BODY_PARTS = 32;

/**
 * A request's body without copying the items: the one run of items as it is, or a stream of the runs (each
 * set's items are consecutive, so a request of n batches has about n runs). Copying every body cost a
 * twentieth of the main thread into a bulk receiver, and the pool of bodies a few MB of memory.
 */
function requestBody(req: BulkRequest): { body: Buffer | Readable; bytes: number } {
  const parts = bodyParts(req);
  let bytes = 0;
  for (const p of parts) bytes += p.length;
  if (parts.length === 1) return { body: parts[0] as Buffer, bytes };
  if (parts.length > MAX_BODY_PARTS) return { body: Buffer.concat(parts, bytes), bytes };
  return { body: Readable.from(parts, { objectMode: false }), bytes };
}
