/**
 * MesosAgentClient over node:http/https: one keep-alive connection pool, a deadline per attempt, retries
 * with capped exponential backoff and jitter on connection errors, timeouts, 5xx and 429 (honouring
 * Retry-After up to the cap), none on other 4xx, bad JSON or oversized bodies.
 *
 * Credentials (basic auth or bearer token) are only ever put in the Authorization header of the request;
 * error messages name the agent's URL (which config forbids to carry credentials) and the path.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Counter, Histogram } from 'prom-client';
import { ErrorCode, HeraldError } from '../errors';
import { backoffMs } from '../net/retry';
import { counter, histogram } from '../observability/metrics';
import type { ComponentContext } from '../pipeline/context';
import type { MesosConfig } from './config';
import type { MesosAgentClient } from './model';
import { AttemptError, getOnce, type AttemptOutcome } from './http-get';

/** Bounded label set of `endpoint`: the agent endpoints Herald reads, everything else is "other". */
export type EndpointKind = 'state' | 'metrics_snapshot' | 'containers' | 'monitor_statistics' | 'flags' | 'version' | 'health' | 'other';

const ENDPOINTS: Record<string, EndpointKind> = {
  '/state': 'state',
  '/state.json': 'state',
  '/metrics/snapshot': 'metrics_snapshot',
  '/containers': 'containers',
  '/monitor/statistics': 'monitor_statistics',
  '/monitor/statistics.json': 'monitor_statistics',
  '/flags': 'flags',
  '/version': 'version',
  '/health': 'health',
};

export function endpointKind(path: string): EndpointKind {
  const q = path.indexOf('?');
  const bare = (q < 0 ? path : path.slice(0, q)).replace(/^\/slave\(\d+\)/, '');
  return ENDPOINTS[bare] ?? 'other';
}

export type AgentClientConfig = Pick<
  MesosConfig,
  'agent_url' | 'timeout_ms' | 'retries' | 'retry_backoff_ms' | 'retry_max_backoff_ms' | 'max_body_bytes' | 'tls' | 'auth'
>;

export interface AgentClientOptions {
  readonly config: AgentClientConfig;
  readonly context: Pick<ComponentContext, 'metrics'>;
  /** Waits between retries (tests pass a recording or instant one). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) source of jitter. */
  readonly random?: () => number;
}

export class AgentClient implements MesosAgentClient {
  readonly baseUrl: string;
  readonly #config: AgentClientConfig;
  readonly #agent: HttpAgent;
  readonly #headers: Record<string, string>;
  readonly #closed = new AbortController();
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #requests: Counter<'endpoint' | 'outcome'>;
  readonly #retriesTotal: Counter<'endpoint'>;
  readonly #duration: Histogram<'endpoint'>;

  constructor(options: AgentClientOptions) {
    const cfg = options.config;
    this.#config = cfg;
    const url = new URL(cfg.agent_url);
    this.baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.#agent = url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 4, ...tlsOptions(cfg.tls) }) : new HttpAgent({ keepAlive: true, maxSockets: 4 });
    this.#headers = { accept: 'application/json', 'user-agent': 'herald' };
    const auth = cfg.auth;
    if (auth?.token !== undefined) this.#headers['authorization'] = `Bearer ${auth.token.reveal()}`;
    else if (auth?.username !== undefined && auth.password !== undefined) {
      this.#headers['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password.reveal()}`).toString('base64')}`;
    }
    this.#sleep = options.sleep ?? abortableSleep;
    this.#random = options.random ?? Math.random;
    const reg = options.context.metrics;
    this.#requests = counter(reg, 'herald_mesos_agent_requests_total', 'HTTP requests (attempts) to the Mesos agent, by endpoint and outcome', ['endpoint', 'outcome']);
    this.#retriesTotal = counter(reg, 'herald_mesos_agent_retries_total', 'Retried requests to the Mesos agent', ['endpoint']);
    this.#duration = histogram(reg, 'herald_mesos_agent_request_duration_seconds', 'Duration of one HTTP attempt to the Mesos agent', ['endpoint'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  }

  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const kind = endpointKind(path);
    const combined = signal ? AbortSignal.any([signal, this.#closed.signal]) : this.#closed.signal;
    const url = new URL(this.baseUrl + (path.startsWith('/') ? path : `/${path}`));
    const attempts = this.#config.retries + 1;
    let last: AttemptError | undefined;
    let made = 0;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        this.#retriesTotal.inc({ endpoint: kind });
        await this.#sleep(this.#backoffMs(attempt, last?.retryAfterMs), combined).catch(() => undefined);
      }
      made = attempt + 1;
      const stop = this.#duration.startTimer({ endpoint: kind });
      try {
        const body = await getOnce({ url, agent: this.#agent, headers: this.#headers, timeoutMs: this.#config.timeout_ms, maxBodyBytes: this.#config.max_body_bytes, signal: combined });
        stop();
        const parsed = parseJson(body);
        this.#requests.inc({ endpoint: kind, outcome: parsed.ok ? 'ok' : 'bad_json' });
        if (parsed.ok) return parsed.value;
        throw this.#error(path, `response is not valid JSON (${body.length} bytes)`, attempt + 1);
      } catch (err) {
        if (err instanceof HeraldError) throw err;
        stop();
        const e = err instanceof AttemptError ? err : new AttemptError('connection', true, 'request failed');
        this.#requests.inc({ endpoint: kind, outcome: e.outcome satisfies AttemptOutcome });
        last = e;
        if (!e.retriable || combined.aborted) break;
      }
    }
    throw this.#error(path, last?.message ?? 'request failed', made);
  }

  close(): void {
    if (!this.#closed.signal.aborted) this.#closed.abort();
    this.#agent.destroy();
  }

  /** Exponential backoff with equal jitter (attempt from 1); a Retry-After wins, capped. */
  #backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const b = { initialMs: this.#config.retry_backoff_ms, maxMs: this.#config.retry_max_backoff_ms };
    return retryAfterMs !== undefined ? Math.min(b.maxMs, retryAfterMs) : backoffMs(b, attempt - 1, 'equal', this.#random);
  }

  #error(path: string, reason: string, attempts: number): HeraldError {
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    return new HeraldError(ErrorCode.mesosAgent, `mesos agent ${this.baseUrl} GET ${path}: ${reason}${after}`);
  }
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function tlsOptions(tls: AgentClientConfig['tls']): { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } {
  if (tls === undefined) return { rejectUnauthorized: true };
  const read = (key: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new HeraldError(ErrorCode.config, `mesos.tls.${key}: cannot read ${JSON.stringify(file)} (${code})`);
    }
  };
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } = { rejectUnauthorized: !tls.insecure_skip_verify };
  const ca = read('ca_file', tls.ca_file);
  const cert = read('cert_file', tls.cert_file);
  const key = read('key_file', tls.key_file);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
