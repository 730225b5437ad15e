/**
 * How the InfluxDB output classifies an answer, and how long it waits before trying again. I/O-free.
 *
 * What InfluxDB 2.8 answers (checked against the server; see write-client.test.ts):
 * - 204: every line written.
 * - 400 `unable to parse '<line>': <reason>` (one entry per bad line, newline-separated; JSON body): NOTHING
 *   of the request was written. The bad lines are dropped and the rest is sent again.
 * - 422 `partial write: field type conflict: ... dropped=N`: the other points WERE written; N are lost
 *   (a point with one conflicting field is dropped whole). Not retried.
 * - 413: body too large: the batch is split in halves.
 * - 401/403 (token), 404 (bucket or org missing), 408, 429, 5xx, network errors, timeouts: transient.
 *   401/403/404 are fixed by an operator, so the data waits (in the disk buffer) rather than being dropped.
 */

import { backoffMs, type Backoff } from '../../net/retry';

export type WriteResult =
  | { kind: 'ok' }
  | { kind: 'partial'; dropped: number; message: string }
  | { kind: 'unparsable'; badLines: Set<string>; message: string }
  | { kind: 'too_large'; message: string }
  | { kind: 'rejected'; status: number; message: string }
  | { kind: 'transient'; status: number | undefined; retryAfterMs: number | undefined; message: string };

/** Retry-After beyond this is treated as this (a misbehaving proxy must not park the output for hours). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

const PARSE_PREFIX = "unable to parse '";

/** The lines a 400 body names: `unable to parse '<line>': <reason>` entries, newline-separated. */
export function unparsableLines(message: string): Set<string> {
  const out = new Set<string>();
  let at = message.indexOf(PARSE_PREFIX);
  while (at >= 0) {
    const start = at + PARSE_PREFIX.length;
    const next = message.indexOf(`\n${PARSE_PREFIX}`, start);
    const entryEnd = next < 0 ? message.length : next;
    // The reason never contains "': "; a line (string field) may, so take the last one of the entry.
    const end = message.lastIndexOf("': ", entryEnd);
    if (end >= start) out.add(message.slice(start, end));
    at = next < 0 ? -1 : next + 1;
  }
  return out;
}

/** Classifies an HTTP answer with status >= 300. */
export function classifyHttpError(status: number, message: string, retryAfterMs: number | undefined): WriteResult {
  if (status === 400 && message.includes(PARSE_PREFIX)) {
    return { kind: 'unparsable', badLines: unparsableLines(message), message };
  }
  if (status === 422 || (status === 400 && message.includes('partial write'))) {
    const m = /dropped=(\d+)/.exec(message);
    if (m) return { kind: 'partial', dropped: Number(m[1]), message };
  }
  if (status === 413) return { kind: 'too_large', message };
  if (status === 401 || status === 403 || status === 404 || status === 408 || status === 425 || status === 429 || status >= 500) {
    return { kind: 'transient', status, retryAfterMs, message };
  }
  return { kind: 'rejected', status, message };
}

/** The wait before attempt `attempt` (from 1): the server's Retry-After when it sent one, else the backoff. */
export function retryDelayMs(b: Backoff, attempt: number, retryAfterMs: number | undefined): number {
  return retryAfterMs ?? backoffMs(b, attempt - 1, 'spread');
}
