/**
 * One HTTP GET attempt with a deadline covering the whole exchange (connect, headers, body) and a bounded
 * body. It classifies every failure into a fixed outcome (the metric label) and whether a retry can help;
 * it never puts request headers (credentials) into an error.
 */
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseRetryAfter } from '../net/retry';

/** Bounded label set of `herald_mesos_agent_requests_total{outcome}`. */
export type AttemptOutcome = 'ok' | 'http_4xx' | 'http_5xx' | 'http_other' | 'timeout' | 'connection' | 'too_large' | 'bad_json' | 'aborted';

export class AttemptError extends Error {
  constructor(
    readonly outcome: AttemptOutcome,
    readonly retriable: boolean,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface GetOptions {
  readonly url: URL;
  readonly agent: HttpAgent;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly signal: AbortSignal;
}

/** Resolves with the body of a 2xx answer; rejects with an AttemptError. */
export function getOnce(o: GetOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (o.signal.aborted) {
      reject(new AttemptError('aborted', false, 'aborted'));
      return;
    }
    const send = o.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (err: AttemptError | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(body as Buffer);
    };
    const onAbort = (): void => finish(new AttemptError('aborted', false, 'aborted'));
    const timer = setTimeout(() => finish(new AttemptError('timeout', true, `no complete answer within ${o.timeoutMs}ms`)), o.timeoutMs);
    const req = send(o.url, { method: 'GET', agent: o.agent, headers: o.headers }, (res) => onResponse(res, o, finish));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The code (ECONNREFUSED, ECONNRESET, CERT_HAS_EXPIRED...) and Node's message name no credentials.
      finish(new AttemptError('connection', !isTlsVerifyError(err), `${err.code ?? 'error'}: ${err.message}`));
    });
    o.signal.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

function onResponse(res: IncomingMessage, o: GetOptions, finish: (err: AttemptError | undefined, body?: Buffer) => void): void {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) {
    res.resume();
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
    if (status === 429) finish(new AttemptError('http_4xx', true, `HTTP ${status}`, retryAfterMs));
    else if (status >= 500) finish(new AttemptError('http_5xx', true, `HTTP ${status}`, retryAfterMs));
    else if (status >= 400) finish(new AttemptError('http_4xx', false, `HTTP ${status}${status === 401 || status === 403 ? ' (check mesos.auth)' : ''}`));
    else finish(new AttemptError('http_other', false, `HTTP ${status}`));
    return;
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
    finish(new AttemptError('too_large', false, `body of ${declared} bytes exceeds max_body_bytes (${o.maxBodyBytes})`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > o.maxBodyBytes) finish(new AttemptError('too_large', false, `body exceeds max_body_bytes (${o.maxBodyBytes})`));
    else chunks.push(chunk);
  });
  res.on('end', () => finish(undefined, Buffer.concat(chunks, size)));
  res.on('error', (err: NodeJS.ErrnoException) => finish(new AttemptError('connection', true, `${err.code ?? 'error'} while reading the body`)));
  // A peer that closes mid-body ends with 'aborted'/'close' and no 'end'.
  res.on('close', () => {
    if (!res.complete) finish(new AttemptError('connection', true, 'connection closed before the body was complete'));
  });
}

/** Certificate problems do not go away by retrying. */
function isTlsVerifyError(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return code.startsWith('CERT_') || code.startsWith('ERR_TLS_') || code.includes('SELF_SIGNED') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
}
