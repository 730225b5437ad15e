/**
 * Which failures are worth re-sending (the wait between attempts is src/net/retry.ts, with full jitter). I/O-free.
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
