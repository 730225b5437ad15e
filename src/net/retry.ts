/**
 * Retrying HTTP requests, shared by the Mesos agent client and both sinks: reading a Retry-After header and
 * the capped exponential backoff between attempts. I/O-free.
 */

/**
 * A Retry-After header as ms: delta-seconds (fractions allowed, as some proxies send them) or an HTTP date,
 * clamped to [0, capMs]; undefined when absent or unreadable (the caller then uses its backoff).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number, capMs = Number.POSITIVE_INFINITY): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  let ms: number;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) ms = Number(v) * 1000;
  else {
    // An HTTP date names its day and month; Date.parse alone would also take "-3" (the year -3).
    const at = /[a-z]/i.test(v) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(0, Math.round(ms)), capMs);
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * How a wait is drawn below its ceiling d = min(max, initial · 2^retry), so that many nodes hit by the same
 * outage do not come back in step:
 *   full    uniform in [0, d)       (the sinks re-sending to a cluster that is shedding load)
 *   equal   uniform in [d/2, d]     (the Mesos agent client: never retries at once)
 *   spread  uniform in [0.8d, 1.2d] (InfluxDB writes, as its own clients do)
 */
export type Jitter = 'full' | 'equal' | 'spread';

/** The wait before retry number `retry` (0 = the first retry), in whole ms. */
export function backoffMs(b: Backoff, retry: number, jitter: Jitter, random: () => number = Math.random): number {
  const d = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(Math.max(retry, 0), 30));
  switch (jitter) {
    case 'full': return Math.floor(random() * d);
    case 'equal': return Math.round(d / 2 + (random() * d) / 2);
    case 'spread': return Math.round(d * (0.8 + 0.4 * random()));
  }
}
