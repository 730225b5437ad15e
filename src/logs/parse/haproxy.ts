/**
 * The `haproxy` line format: an optional syslog header (any shape syslog-header.ts reads), an optional
 * `haproxy[pid]: ` tag, then one of HAProxy's built-in formats (configuration.txt chapter 8):
 *   default  `Connect from ip:port to ip:port (frontend/MODE)`            (marathon-lb's templates)
 *   tcp      `ip:port [date] fe be/srv Tw/Tc/Tt bytes ts ac/fc/bc/sc/rc sq/bq`
 *   http(s)  `ip:port [date] fe be/srv TR/Tw/Tc/Tr/Ta status bytes CC CS tsc ac/fc/bc/sc/rc sq/bq
 *             [{req hdrs}] [{resp hdrs}] "request" [httpslog tls fields]`
 *   error    `ip:port [date] fe/bind: message`
 *
 * Field names: Filebeat's haproxy module + ECS; the full table is in README.md next to this file. Decisions:
 *  - Timers keep HAProxy's -1 ("phase not reached"), as Filebeat does; filter `>= 0` before averaging.
 *    A `+` (option logasap: value still growing) is stripped and `haproxy.logasap: true` is set.
 *    A `+` on retries (redispatch) is stripped and `haproxy.connections.redispatched: true` is set.
 *  - `event.duration` is owned by the encoder (records.ts), so the total time (Ta for HTTP, Tt for TCP) is
 *    `haproxy.total_time_ms`; the encoder may derive event.duration = total_time_ms * 1e6.
 *  - Byte counts are 64-bit: a number while a safe integer, else the exact decimal string. They go to
 *    `haproxy.bytes_read` (Filebeat's name) and, for HTTP lines, also to ECS `http.response.bytes` (Filebeat's
 *    pipeline copies them the same way).
 *  - Timers, status -1 and `<NOSRV>`/`<STATS>` are kept as logged; an empty request `""` gives no request
 *    fields. A lone `{...}` capture block is taken as the request headers (see haproxy-http.ts).
 *  - @timestamp is the accept/request date (Filebeat's choice) with ms; the syslog header time (when the log
 *    was emitted, i.e. the end of the session) is used only for the default format, which has no date.
 *  - Captured cookies of `-` (capture not configured) are omitted; event.message becomes the payload after
 *    the `haproxy[pid]: ` prefix.
 */
import type { LogEvent } from '../../pipeline/records';
import type { LineParser } from './contract';
import { attachFields } from './fields';
import { attachTokenFields } from './token-fields';
import { Cursor, endpoint } from './haproxy-cursor';
import { readHttpTail, type HttpTail } from './haproxy-http';
import { scanTag, SyslogScanner } from './syslog-header';
import { processObject, severityLevel, syslogObject } from './syslog';
import { codeAt } from './time';

const NOT_HAPROXY = 'haproxy: not an HAProxy log line';

export class HaproxyParser implements LineParser {
  readonly format = 'haproxy' as const;
  private readonly scanner = new SyslogScanner();
  private readonly c = new Cursor();
  private readonly tail: HttpTail = {
    requestHeaders: undefined, responseHeaders: undefined, raw: undefined, method: undefined, url: undefined,
    version: undefined, tls: undefined, haproxyTls: undefined,
  };
  // Scratch state of the line being parsed: values are collected first and the result objects are built
  // once, as literals, at the end (cheaper than growing objects property by property, and the event stays
  // untouched when a later field turns out malformed).
  private acceptMs = NaN;
  private connections: Record<string, unknown> = {};
  private serverQueue = 0;
  private backendQueue = 0;

  parse(event: LogEvent, nowMs: number): string | undefined {
    try {
      return this.apply(event, nowMs);
    } catch {
      return 'haproxy: internal parser error'; // never expected; the contract says a parser never throws
    }
  }

  private apply(event: LogEvent, nowMs: number): string | undefined {
    const line = event.message;
    const h = this.scanner.header;
    let start: number;
    if (this.scanner.scan(line, nowMs) === undefined) {
      start = h.msgStart;
    } else {
      // No syslog header: HAProxy logging to stdout/a pipe, or a relay that strips it (`haproxy[674]: ...`).
      h.reset();
      start = scanTag(line, 0, h);
    }
    this.acceptMs = NaN;
    this.c.reset(line, start);
    const fields = line.startsWith('Connect from ', start) ? this.connect() : this.traffic();
    if (typeof fields === 'string') return fields;
    const syslog = syslogObject(h);
    if (syslog !== undefined) fields.log = { syslog };
    const process = processObject(h);
    if (process !== undefined) fields.process = process;
    event.message = start === 0 ? line : line.slice(start);
    if (!Number.isNaN(this.acceptMs)) event.timestampMs = this.acceptMs;
    else if (!Number.isNaN(h.timestampMs)) event.timestampMs = h.timestampMs;
    const level = severityLevel(h);
    if (level !== undefined) event.level = level;
    // Structured data in the header is unescaped (not a slice of the line): then checked field by field.
    if (h.structuredData === undefined) attachTokenFields(event, fields, line);
    else attachFields(event, fields);
    return undefined;
  }

  /** Default format: `Connect from 10.0.1.2:33312 to 10.0.3.31:8012 (www/HTTP)`. */
  private connect(): Record<string, unknown> | string {
    const s = this.c.s;
    const a = this.c.p + 13;
    const sp = s.indexOf(' ', a);
    if (sp < 0 || codeAt(s, sp + 1) !== 116 /* t */ || codeAt(s, sp + 2) !== 111 /* o */ || codeAt(s, sp + 3) !== 32) {
      return NOT_HAPROXY;
    }
    const b = sp + 4;
    const sp2 = s.indexOf(' ', b);
    if (sp2 < 0 || codeAt(s, sp2 + 1) !== 40 /* ( */) return NOT_HAPROXY;
    const slash = s.indexOf('/', sp2);
    const close = slash < 0 ? -1 : s.indexOf(')', slash);
    if (close < 0) return NOT_HAPROXY;
    const source = endpoint(s, a, sp);
    const destination = endpoint(s, b, sp2);
    if (source === undefined || destination === undefined) return NOT_HAPROXY;
    return {
      source,
      destination,
      haproxy: { frontend_name: s.slice(sp2 + 2, slash), mode: s.slice(slash + 1, close) },
    };
  }

  /** Formats that start with `ip:port [date]`: tcp, http, https and error lines. */
  private traffic(): Record<string, unknown> | string {
    const c = this.c;
    const s = c.s;
    const len = s.length;
    const sp = s.indexOf(' ', c.p);
    if (sp < 0) return NOT_HAPROXY;
    const source = endpoint(s, c.p, sp);
    // `-:port` (no client address) is allowed; anything else without `:port` is not HAProxy's
    if (source === undefined && (sp - c.p < 2 || codeAt(s, c.p) !== 45 || codeAt(s, c.p + 1) !== 58)) {
      return NOT_HAPROXY;
    }
    c.p = sp + 1;
    if (!c.eat(91 /* [ */)) return NOT_HAPROXY;
    const ts = c.date();
    if (Number.isNaN(ts) || !c.eat(93 /* ] */) || !c.eat(32)) return 'haproxy: invalid accept date';
    this.acceptMs = ts;
    const frontend = c.token();
    const fslash = frontend.indexOf('/');
    if (fslash > 0 && codeAt(frontend, frontend.length - 1) === 58 /* : */) {
      // Error format: `frt/f1: Connection error during SSL handshake`.
      const haproxy = {
        frontend_name: frontend.slice(0, fslash),
        bind_name: frontend.slice(fslash + 1, frontend.length - 1),
        error_message: c.p + 1 < len ? s.slice(c.p + 1) : '',
      };
      return source === undefined ? { haproxy } : { source, haproxy };
    }
    if (!c.eat(32)) return 'haproxy: truncated line';
    // backend/server in one pass, without an intermediate token string
    const bStart = c.p;
    let i = bStart;
    let ch = 0;
    while (i < len && (ch = codeAt(s, i)) !== 47 && ch !== 32) i++;
    if (ch !== 47) return 'haproxy: no backend/server';
    const backend = s.slice(bStart, i);
    c.p = i + 1;
    const server = c.token();
    if (!c.eat(32)) return 'haproxy: no backend/server';
    const timers = c.group(5);
    const v = c.vals;
    if (timers === 5) {
      const logasap = (c.plusMask & 16) !== 0; // `+Ta`
      if (!c.eat(32)) return 'haproxy: invalid timers';
      return this.http(source, frontend, backend, server, v[0] as number, v[1] as number, v[2] as number, v[3] as number, v[4] as number, logasap);
    }
    if (timers !== 3) return 'haproxy: invalid timers';
    const t1 = v[0] as number;
    const t2 = v[1] as number;
    const t3 = v[2] as number;
    // TCP: Tw/Tc/Tt bytes ts ac/fc/bc/sc/rc sq/bq
    let logasap = (c.plusMask & 4) !== 0; // `+Tt`
    if (!c.eat(32)) return 'haproxy: invalid timers';
    const bytes = c.counter();
    if (bytes === undefined || !c.eat(32)) return 'haproxy: invalid bytes_read';
    if (c.plus) logasap = true;
    const termination = c.token();
    const reason = this.connectionsAndQueues();
    if (reason !== undefined) return reason;
    const haproxy: Record<string, unknown> = {
      frontend_name: frontend, backend_name: backend, server_name: server,
      total_waiting_time_ms: t1, connection_wait_time_ms: t2, total_time_ms: t3,
      bytes_read: bytes, termination_state: termination,
      connections: this.connections, server_queue: this.serverQueue, backend_queue: this.backendQueue,
    };
    if (logasap) haproxy.logasap = true;
    return source === undefined ? { haproxy } : { source, haproxy };
  }

  /** HTTP(S): after the five timers, `status bytes CC CS tsc ac/fc/bc/sc/rc sq/bq` and the HTTP tail. */
  private http(
    source: Record<string, unknown> | undefined, frontend: string, backend: string, server: string,
    tR: number, tw: number, tc: number, tr: number, ta: number, logasapTimer: boolean,
  ): Record<string, unknown> | string {
    const c = this.c;
    const status = c.num();
    if (Number.isNaN(status) || !c.eat(32)) return 'haproxy: invalid status code';
    const bytes = c.counter();
    if (bytes === undefined || !c.eat(32)) return 'haproxy: invalid bytes_read';
    const logasap = logasapTimer || c.plus;
    const reqCookie = c.token();
    if (!c.eat(32)) return 'haproxy: truncated line';
    const resCookie = c.token();
    if (!c.eat(32)) return 'haproxy: truncated line';
    const termination = c.token();
    const reason = this.connectionsAndQueues();
    if (reason !== undefined) return reason;
    const t = this.tail;
    readHttpTail(c, t);
    const request: Record<string, unknown> = { time_wait_ms: tR, time_wait_without_data_ms: tr };
    if (reqCookie !== '-' && reqCookie !== '') request.captured_cookie = reqCookie;
    if (t.requestHeaders !== undefined) request.captured_headers = t.requestHeaders;
    if (t.raw !== undefined && t.raw !== '') request.raw_request_line = t.raw;
    const hhttp: Record<string, unknown> = { request };
    if ((resCookie !== '-' && resCookie !== '') || t.responseHeaders !== undefined) {
      const response: Record<string, unknown> = {};
      if (resCookie !== '-' && resCookie !== '') response.captured_cookie = resCookie;
      if (t.responseHeaders !== undefined) response.captured_headers = t.responseHeaders;
      hhttp.response = response;
    }
    const haproxy: Record<string, unknown> = {
      frontend_name: frontend, backend_name: backend, server_name: server,
      total_waiting_time_ms: tw, connection_wait_time_ms: tc, total_time_ms: ta,
      bytes_read: bytes, termination_state: termination,
      connections: this.connections, server_queue: this.serverQueue, backend_queue: this.backendQueue,
      http: hhttp,
    };
    if (logasap) haproxy.logasap = true;
    if (t.haproxyTls !== undefined) haproxy.tls = t.haproxyTls;
    const response = { status_code: status, bytes };
    const http: Record<string, unknown> = t.method === undefined
      ? { response }
      : t.version === undefined
        ? { request: { method: t.method }, response }
        : { request: { method: t.method }, response, version: t.version };
    const out: Record<string, unknown> = source === undefined ? { haproxy, http } : { source, haproxy, http };
    if (t.url !== undefined) out.url = { original: t.url };
    if (t.tls !== undefined) out.tls = t.tls;
    return out;
  }

  /** `ac/fc/bc/sc/rc sq/bq` (preceded by a space) into the scratch fields; a reason when malformed. */
  private connectionsAndQueues(): string | undefined {
    const c = this.c;
    const v = c.vals;
    if (!c.eat(32)) return 'haproxy: truncated line';
    if (c.group(5) !== 5 || !c.eat(32)) return 'haproxy: invalid connection counts';
    // A '+' on retries means the session was redispatched after its retries ran out.
    this.connections = (c.plusMask & 16) !== 0
      ? { active: v[0], frontend: v[1], backend: v[2], server: v[3], retries: v[4], redispatched: true }
      : { active: v[0], frontend: v[1], backend: v[2], server: v[3], retries: v[4] };
    if (c.group(2) !== 2) return 'haproxy: invalid queue counts';
    this.serverQueue = v[0] as number;
    this.backendQueue = v[1] as number;
    return undefined;
  }
}
