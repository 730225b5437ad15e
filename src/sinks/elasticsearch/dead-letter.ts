/**
 * Refused documents: the item error read from a bulk response, the dead-letter document written for it,
 * and the log-safe form of its reason.
 *
 * The dead-letter document keeps the original as a string in `event.original` (mapped as a keyword that is
 * neither indexed nor in doc values, see deploy/elasticsearch/dead-letter-index-template.json), so a
 * dead-letter document can never hit a mapping conflict of its own.
 */
import { isoTimestamp } from './encode';

export interface ItemError {
  status: number;
  type: string;
  reason: string;
}

/** What a bulk response item carries under its action key (with filter_path=errors,items.*.status,items.*.error). */
export interface BulkItemResult {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

const MAX_REASON_CHARS = 4096;

/** The full error of an item, for the dead-letter document (which lives next to the data it describes). */
export function itemError(status: number, r: BulkItemResult | undefined): ItemError {
  const e = r?.error;
  let reason = e?.reason ?? `status ${status}`;
  if (e?.caused_by?.reason !== undefined) reason += ` (caused by ${e.caused_by.type ?? 'error'}: ${e.caused_by.reason})`;
  if (reason.length > MAX_REASON_CHARS) reason = `${reason.slice(0, MAX_REASON_CHARS)}…`;
  return { status, type: e?.type ?? 'unknown', reason };
}

/**
 * Elasticsearch quotes document contents in some reasons ("Preview of field's value: '...'", "For input
 * string", the prefix of an immense term). Herald's own logs must never carry customer data, so the reason
 * is cut at those markers, any remaining single-quoted text is blanked, and the result is capped.
 */
export function safeReason(reason: string): string {
  let s = reason;
  for (const marker of [". Preview of field's value", "Preview of field's value", ' (caused by', 'The prefix of the first immense term', 'For input string']) {
    const at = s.indexOf(marker);
    if (at >= 0) s = s.slice(0, at);
  }
  s = s.replace(/'[^']*'/g, "'…'");
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** The `_index` of a bulk action line (`{"create":{"_index":"..."}}`); only read on the error path. */
export function actionIndex(action: string): string {
  try {
    const parsed = JSON.parse(action) as Record<string, { _index?: string }>;
    for (const key in parsed) return parsed[key]?._index ?? '';
  } catch {
    // Action lines are built by IndexNamer: unreachable, but an empty index is better than a throw here.
  }
  return '';
}

/** The dead-letter document for `original` (a serialised document) refused from `index`. */
export function deadLetterDocument(original: string, index: string, err: ItemError, nowMs: number, hostJson: string): string {
  return (
    `{"@timestamp":"${isoTimestamp(nowMs)}",${hostJson},` +
    `"error":{"type":${JSON.stringify(err.type)},"message":${JSON.stringify(err.reason)}},` +
    `"dead_letter":{"index":${JSON.stringify(index)},"status":${err.status},"action":"create"},` +
    `"event":{"original":${JSON.stringify(original)}}}`
  );
}
