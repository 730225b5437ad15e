/**
 * The `syslog` line format: one syslog message per line as written to files by rsyslog, syslog-ng, journald
 * forwarding and the like (RFC 3164, RFC 5424, rsyslog's file formats; see syslog-header.ts for the shapes).
 *
 * Output (ECS 8.x):
 *   event.message      the MSG part (after `tag: `; the whole rest when there is no tag)
 *   event.timestampMs  from the header; RFC 3164 times are local time of this node, year inferred from nowMs
 *   event.level        severity name, only when the line has a PRI
 *   fields.log.syslog  priority, facility.{code,name}, severity.{code,name} (PRI only), hostname, appname,
 *                      procid, msgid, version (5424 only), structured_data (5424 only)
 *   fields.process     name (= appname) and pid (when procid is a decimal number)
 * A line without PRI gets no priority fields: rsyslog would assume 13 (user.notice), but that is a guess
 * about the sender, not something the line says.
 */
import type { LogEvent } from '../../pipeline/records';
import type { LineParser } from './contract';
import { attachFields, pidNumber } from './fields';
import { attachTokenFields } from './token-fields';
import { SyslogScanner, type SyslogHeader } from './syslog-header';

/** Severity names by code (RFC 5424 table 2), as Filebeat's syslog processor writes them; also log.level. */
export const SEVERITY_NAMES: readonly string[] = [
  'emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug',
];

/** Facility names by code, as rsyslog's %syslogfacility-text% prints them (ECS example: local7). */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp',
  'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

/** The `log.syslog` object for a scanned header, or undefined when the header carried nothing but a time. */
export function syslogObject(h: SyslogHeader): Record<string, unknown> | undefined {
  const o: Record<string, unknown> = {};
  let any = false;
  if (h.pri >= 0) {
    const facility = h.pri >> 3;
    const severity = h.pri & 7;
    o.priority = h.pri;
    o.facility = { code: facility, name: FACILITY_NAMES[facility] };
    o.severity = { code: severity, name: SEVERITY_NAMES[severity] };
    any = true;
  }
  if (h.hostname !== undefined) { o.hostname = h.hostname; any = true; }
  if (h.appname !== undefined) { o.appname = h.appname; any = true; }
  if (h.procid !== undefined) { o.procid = h.procid; any = true; }
  if (h.msgid !== undefined) { o.msgid = h.msgid; any = true; }
  if (h.version > 0) { o.version = String(h.version); any = true; }
  if (h.structuredData !== undefined) { o.structured_data = h.structuredData; any = true; }
  return any ? o : undefined;
}

/** ECS `process` from the tag / APP-NAME and PROCID. */
export function processObject(h: SyslogHeader): Record<string, unknown> | undefined {
  if (h.appname === undefined) {
    const pid = h.procid === undefined ? undefined : pidNumber(h.procid);
    return pid === undefined ? undefined : { pid };
  }
  const pid = h.procid === undefined ? undefined : pidNumber(h.procid);
  return pid === undefined ? { name: h.appname } : { name: h.appname, pid };
}

/** Level name for a scanned header, undefined without PRI. */
export function severityLevel(h: SyslogHeader): string | undefined {
  return h.pri >= 0 ? SEVERITY_NAMES[h.pri & 7] : undefined;
}

export class SyslogParser implements LineParser {
  readonly format = 'syslog' as const;
  private readonly scanner = new SyslogScanner();

  parse(event: LogEvent, nowMs: number): string | undefined {
    try {
      return this.apply(event, nowMs);
    } catch {
      return 'syslog: internal parser error'; // never expected; the contract says a parser never throws
    }
  }

  private apply(event: LogEvent, nowMs: number): string | undefined {
    const line = event.message;
    const reason = this.scanner.scan(line, nowMs);
    if (reason !== undefined) return reason;
    const h = this.scanner.header;
    const syslog = syslogObject(h);
    const process = processObject(h);
    let fields: Record<string, unknown> | undefined;
    if (syslog !== undefined) fields = process === undefined ? { log: { syslog } } : { log: { syslog }, process };
    else if (process !== undefined) fields = { process };
    // Everything computed: only now touch the event (it must stay untouched on failure).
    event.message = h.msgStart >= line.length ? '' : line.slice(h.msgStart);
    if (!Number.isNaN(h.timestampMs)) event.timestampMs = h.timestampMs;
    const level = severityLevel(h);
    if (level !== undefined) event.level = level;
    // Structured data is unescaped (not a slice of the line): those fields are checked one by one.
    if (h.structuredData === undefined) attachTokenFields(event, fields, line);
    else attachFields(event, fields);
    return undefined;
  }
}
