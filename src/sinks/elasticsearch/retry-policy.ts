/**
 * Which failures are worth re-sending, and how long to wait: capped exponential backoff with full jitter
 * (a random wait in [0, min(max, initial * 2^attempt)]), so that many nodes hit by the same outage do not
 * come back in lockstep. I/O-free.
 */

/**
 * A bulk item (or a whole response) with this status is re-sent: 408/429 and 5xx are the server asking
 * for time; a 403 cluster_block_exception is a read-only block (disk flood stage) that an operator lifts.
 */
export function isRetriableStatus(status: number, errorType?: string): boolean {
  return status === 408 || status === 429 || status >= 500 || (status === 403 && errorType === 'cluster_block_exception');
}

/**
 * A whole bulk response with this status (not item statuses) is re-sent. Only 400 (the body itself is
 * refused) and 413 (too large: split) are not: every other status — 401/403 after a credential rotation,
 * 404 from a misrouted proxy — is a condition an operator fixes, and the logs must wait for it in their
 * files rather than be dropped.
 */
export function isRetriableRequestStatus(status: number): boolean {
  return status !== 400 && status !== 413;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Wait before attempt `attempt + 1` (attempt 0 = the first re-send). */
export function backoffMs(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const cap = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

/** A Retry-After header (seconds or an HTTP date) in ms, capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, capMs: number, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  let ms: number;
  if (/^\s*\d+\s*$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.max(0, Math.min(capMs, ms));
}
