/**
 * HTTP and TCP health checks. A check's result is a point (measurement `health_check`, tag `check`
 * http|tcp, fields `up` 1/0, `latency_seconds`, and `status_code` for HTTP) plus, on a change of state,
 * a log event from HealthStates.
 */
import { makeMetricPoint, type MetricPoint } from '../../pipeline/records';
import { ScrapeError, tcpConnect, type HttpFetcher } from '../http-fetch';
import type { Target } from '../targets/target';

export interface HealthResult {
  up: boolean;
  latencyMs: number;
  /** HTTP status, when an answer came. */
  status: number | undefined;
  /** Why the target is down. */
  reason: string | undefined;
}

export async function httpHealth(target: Target, fetcher: HttpFetcher, headers: Readonly<Record<string, string>>): Promise<HealthResult> {
  const start = performance.now();
  try {
    const res = await fetcher.get(target.url, { headers, timeoutMs: target.timeoutMs, maxBodyBytes: target.maxBodyBytes });
    const latencyMs = performance.now() - start;
    const h = target.health;
    let reason: string | undefined;
    if (!h.expectedStatus(res.status)) reason = `HTTP status ${res.status}`;
    else if (h.bodyContains !== undefined || h.bodyRegex !== undefined) {
      const body = res.body.toString('utf8');
      if (h.bodyContains !== undefined && !body.includes(h.bodyContains)) reason = 'the body does not contain the expected text';
      else if (h.bodyRegex !== undefined && !h.bodyRegex.test(body)) reason = 'the body does not match the expected pattern';
    }
    return { up: reason === undefined, latencyMs, status: res.status, reason };
  } catch (err) {
    return { up: false, latencyMs: performance.now() - start, status: undefined, reason: err instanceof ScrapeError ? err.message : String(err) };
  }
}

export async function tcpHealth(target: Target): Promise<HealthResult> {
  const start = performance.now();
  const u = new URL(target.url);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  try {
    const latencyMs = await tcpConnect(host, Number(u.port), target.timeoutMs);
    return { up: true, latencyMs, status: undefined, reason: undefined };
  } catch (err) {
    return { up: false, latencyMs: performance.now() - start, status: undefined, reason: err instanceof Error ? err.message : String(err) };
  }
}

export function healthPoint(target: Target, r: HealthResult, nowMs: number): MetricPoint {
  const fields: Record<string, number> = { up: r.up ? 1 : 0, latency_seconds: r.latencyMs / 1000 };
  if (r.status !== undefined) fields.status_code = r.status;
  const tags = { ...target.baseTags, check: target.format === 'tcp_health' ? 'tcp' : 'http' };
  return makeMetricPoint('health_check', tags, fields, nowMs, target.app);
}
