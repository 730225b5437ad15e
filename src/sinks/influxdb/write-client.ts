/**
 * One write request to InfluxDB's v2 write API, through the client library's transport (connection options,
 * gzip, HttpError with status, body and headers), with retries turned off: the sink owns retries and needs
 * to know exactly when a batch is durably written, so each call is exactly one request and its answer.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { HttpError, InfluxDB, type Transport } from '@influxdata/influxdb-client';
import type { Secret } from '../../config/secret';
import { errorMessage } from '../../errors';
import { parseRetryAfter } from '../../net/retry';
import { MAX_RETRY_AFTER_MS, classifyHttpError, type WriteResult } from './retry-policy';
import type { Precision } from './encode';

export interface WriteClientOptions {
  url: string;
  token: Secret | undefined;
  org: string;
  bucket: string;
  precision: Precision;
  gzip: boolean;
  requestTimeoutMs: number;
  maxSockets: number;
  caPem?: string | undefined;
  insecureSkipVerify?: boolean;
}

/** Bodies smaller than this are sent uncompressed: gzip costs more than it saves on a few lines. */
const GZIP_THRESHOLD_BYTES = 1024;

export class WriteClient {
  readonly #transport: Transport;
  readonly #agent: HttpAgent;
  readonly #path: string;
  readonly #gzipThreshold: number | undefined;
  readonly #timeoutMs: number;

  constructor(o: WriteClientOptions) {
    const https = o.url.startsWith('https:');
    // Extra CAs are added to the system ones (Node's `ca` option replaces them otherwise).
    const tls = https
      ? { ca: o.caPem === undefined ? undefined : [...rootCertificates, o.caPem], rejectUnauthorized: o.insecureSkipVerify !== true }
      : {};
    const agentOptions = { keepAlive: true, maxSockets: o.maxSockets, ...tls };
    this.#agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    const client = new InfluxDB({
      url: o.url,
      token: o.token?.reveal(),
      timeout: o.requestTimeoutMs,
      transportOptions: { agent: this.#agent, ...tls },
    });
    this.#transport = client.transport;
    const q = new URLSearchParams({ org: o.org, bucket: o.bucket, precision: o.precision });
    this.#path = `/api/v2/write?${q.toString()}`;
    this.#gzipThreshold = o.gzip ? GZIP_THRESHOLD_BYTES : undefined;
    this.#timeoutMs = o.requestTimeoutMs;
  }

  /** Sends `body` (newline-separated lines) once. Never throws: every failure is a classified result. */
  async write(body: string, signal: AbortSignal): Promise<WriteResult> {
    // One controller per request, its timer cleared and its listener removed when the request ends: no
    // timer or listener outlives the request (AbortSignal.timeout/any would leave one per request behind).
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.#timeoutMs);
    const onAbort = () => ac.abort();
    if (signal.aborted) ac.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#transport.request(this.#path, body, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' },
        gzipThreshold: this.#gzipThreshold,
        signal: ac.signal,
      });
      return { kind: 'ok' };
    } catch (err) {
      if (err instanceof HttpError) {
        const retryAfter = parseRetryAfter(err.headers?.['retry-after'], Date.now(), MAX_RETRY_AFTER_MS);
        return classifyHttpError(err.statusCode, err.message || `HTTP ${err.statusCode}`, retryAfter);
      }
      const why = timedOut ? `no answer within ${this.#timeoutMs} ms` : errorMessage(err);
      return { kind: 'transient', status: undefined, retryAfterMs: undefined, message: why };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Closes idle keep-alive sockets (in-flight requests finish or are aborted by their signal). */
  close(): void {
    this.#agent.destroy();
  }
}
