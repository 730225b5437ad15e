/**
 * A line parser fills a log event in place from `event.message` (the raw line, already decoded).
 * It is synchronous and I/O-free, compiled once per file format, and never throws on bad input.
 */
import type { LogEvent } from '../../pipeline/records';

export type LogFormat = 'syslog' | 'haproxy' | 'json' | 'plain' | 'glog';

export interface LineParser {
  readonly format: LogFormat;
  /**
   * On success: may set event.message (the payload), level, timestampMs, fields, dataset; returns undefined.
   * On no match: leaves the event untouched and returns a short reason ("haproxy: no syslog header").
   * The caller then flags the event parse_failure and ships it as plain text, never drops it.
   * `nowMs` anchors formats without a year (RFC 3164, glog).
   */
  parse(event: LogEvent, nowMs: number): string | undefined;
}
