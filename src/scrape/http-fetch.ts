/**
 * GET with a deadline and a body cap, over one keep-alive agent per host (origin), so a scrape round reuses
 * connections instead of opening hundreds. No compression is asked for: targets are on this node, and
 * gunzip would cost more CPU than the bytes saved on loopback.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { ErrorCode, HeraldError } from '../errors';

/** Why a scrape failed: the bounded `reason` label of herald_scrape_errors_total. */
export type ScrapeErrorReason =
  | 'timeout' | 'connection' | 'http_status' | 'body_too_large' | 'parse' | 'series_limit' | 'health_check';

export class ScrapeError extends HeraldError {
  readonly reason: ScrapeErrorReason;
  constructor(reason: ScrapeErrorReason, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.scrape, message, options);
    this.name = 'ScrapeError';
    this.reason = reason;
  }
}

export interface FetchOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

export interface FetchResult {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** The body was cut at maxBodyBytes. */
  truncated: boolean;
}

export class HttpFetcher {
  readonly #agents = new Map<string, HttpAgent>();

  #agent(url: URL): HttpAgent {
    const origin = url.origin;
    let agent = this.#agents.get(origin);
    if (agent === undefined) {
      const o = { keepAlive: true, maxSockets: 4, maxFreeSockets: 2, timeout: 60_000 };
      agent = url.protocol === 'https:' ? new HttpsAgent(o) : new HttpAgent(o);
      this.#agents.set(origin, agent);
    }
    return agent;
  }

  /** Release the agents of origins no target uses any more. */
  retain(urls: Iterable<string>): void {
    const keep = new Set<string>();
    for (const u of urls) {
      try {
        keep.add(new URL(u).origin);
      } catch {
        // not an http URL (tcp://): no agent
      }
    }
    for (const [origin, agent] of this.#agents) {
      if (!keep.has(origin)) {
        agent.destroy();
        this.#agents.delete(origin);
      }
    }
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  get(urlText: string, o: FetchOptions): Promise<FetchResult> {
    const url = new URL(urlText);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<FetchResult>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, result?: FetchResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result as FetchResult);
      };
      const req = request(url, { method: 'GET', agent: this.#agent(url), headers: o.headers }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const done = (): void =>
          settle(undefined, { status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks, size), truncated });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          if (size + chunk.length > o.maxBodyBytes) {
            chunks.push(chunk.subarray(0, o.maxBodyBytes - size));
            size = o.maxBodyBytes;
            truncated = true;
            res.destroy();
            done();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', (err) => settle(new ScrapeError('connection', `response aborted: ${err.message}`, { cause: err })));
        res.on('close', () => {
          if (!res.complete && !truncated) settle(new ScrapeError('connection', 'connection closed before the end of the response'));
        });
      });
      const timer = setTimeout(() => {
        const err = new ScrapeError('timeout', `no complete answer within ${o.timeoutMs} ms`);
        settle(err);
        req.destroy(err);
      }, o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        settle(err instanceof ScrapeError ? err : new ScrapeError('connection', `${err.code ?? 'error'}: ${err.message}`, { cause: err }));
      });
      req.end();
    });
  }
}

/** Resolve with the connect latency in ms, or reject (reason connection/timeout). */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  return new Promise<number>((resolve, reject) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ScrapeError('timeout', `no TCP connection within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(performance.now() - start);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ScrapeError('connection', `${err.code ?? 'error'}: ${err.message}`, { cause: err }));
    });
  });
}
