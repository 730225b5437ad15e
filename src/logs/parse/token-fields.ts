/**
 * Token fields: what a tokenizing parser (syslog, HAProxy) promises about the fields it builds, so that
 * redaction can check the whole line once instead of every field (src/redact/redactor.ts, `redactEvent`).
 *
 * A parser calls `attachTokenFields(event, fields, line)` only when all of these hold for the event:
 *  1. every key of `fields`, at any depth, is in TOKEN_FIELD_KEYS;
 *  2. every string of `fields` (and of its arrays), and `event.message`, is
 *     - shorter than 5 characters (no built-in rule matches less), or
 *     - a name from the parser's own tables (syslog facility and severity names: no separator in them), or
 *     - a slice of `line`, not right after a key character (letter, digit, `_ - .`) unless the slice
 *       holds no `= : % -` at all.
 * Then every candidate the redaction pre-check finds in a field it also finds in the line: plain substrings
 * (`@`, `://`, card layouts, `eyJ`, ...) obviously, and a key before a separator reads the same characters,
 * since a slice starts where the key does. (A slice may end right before a `/` the line has after it, as
 * in `backend:/server`; the pre-check then sees a `key:` in the slice and not in the line, but a separator
 * that ends a string has no value and matches nothing.) So when the pre-check finds no candidate in the
 * line, nothing in the message or the fields would be redacted. Values that are not slices (unescaped
 * RFC 5424 structured data, JSON strings) are never token fields: those events go through the
 * field-by-field walk. test/logs/parse/token-fields.test.ts checks the promise on every fixture line and
 * on lines with secrets in every position, and that redaction gives the same result with and without it.
 */
import type { LogEvent } from '../../pipeline/records';
import { attachFields } from './fields';

/** Every key the syslog and HAProxy parsers use in token fields. */
export const TOKEN_FIELD_KEYS: readonly string[] = [
  // syslog header (syslog.ts: syslogObject, processObject)
  'log', 'syslog', 'priority', 'facility', 'severity', 'code', 'name', 'hostname', 'appname', 'procid', 'msgid',
  'version', 'process', 'pid',
  // HAProxy (haproxy.ts, haproxy-http.ts, haproxy-cursor.ts)
  'source', 'destination', 'address', 'ip', 'port', 'haproxy', 'frontend_name', 'mode', 'bind_name',
  'error_message', 'backend_name', 'server_name', 'total_waiting_time_ms', 'connection_wait_time_ms',
  'total_time_ms', 'bytes_read', 'termination_state', 'connections', 'active', 'frontend', 'backend', 'server',
  'retries', 'redispatched', 'server_queue', 'backend_queue', 'logasap', 'http', 'request', 'response',
  'time_wait_ms', 'time_wait_without_data_ms', 'captured_cookie', 'captured_headers', 'raw_request_line',
  'method', 'status_code', 'bytes', 'url', 'original', 'tls', 'fc_err', 'ssl_fc_err', 'ssl_c_err',
  'ssl_c_ca_err', 'version_protocol', 'cipher', 'resumed', 'client',
];

/**
 * Attach a tokenizing parser's fields and the line they were cut from. Fields already on the event (from
 * an earlier stage) make no such promise, so then the line is not recorded and the fields are merged.
 */
export function attachTokenFields(event: LogEvent, fields: Record<string, unknown> | undefined, line: string): void {
  const first = event.fields === undefined;
  attachFields(event, fields); // merges, and clears parsedLine
  if (first && fields !== undefined) event.parsedLine = line;
}
