/**
 * The HTTP-only tail of an HAProxy `option httplog` / `option httpslog` line, after `%sq/%bq`:
 *   [ {captured request headers} [{captured response headers}] ] "request line" [https fields]
 * Field names follow Filebeat's haproxy module and ECS (see haproxy.ts for the full table).
 */
import type { Cursor } from './haproxy-cursor';
import { codeAt } from './time';

/** Split a `{a|b|c}` capture into its positional values (one per configured capture, '' when absent). */
function captures(s: string, start: number, end: number): string[] {
  return s.slice(start, end).split('|');
}

export interface HttpTail {
  requestHeaders: string[] | undefined;
  responseHeaders: string[] | undefined;
  /** Text between the quotes; undefined when there was no request field at all. */
  raw: string | undefined;
  method: string | undefined;
  url: string | undefined;
  version: string | undefined;
  tls: Record<string, unknown> | undefined;
  haproxyTls: Record<string, unknown> | undefined;
}

/** Read the tail from the cursor (positioned right after `%sq/%bq`). Never fails: missing parts stay undefined. */
export function readHttpTail(c: Cursor, out: HttpTail): void {
  out.requestHeaders = undefined;
  out.responseHeaders = undefined;
  out.raw = undefined;
  out.method = undefined;
  out.url = undefined;
  out.version = undefined;
  out.tls = undefined;
  out.haproxyTls = undefined;
  const s = c.s;
  const len = s.length;
  if (!c.eat(32)) return;
  // Header captures: '{', '|' and '}' inside them are logged as #7B/#7C/#7D, so the first '}' closes.
  // With a single block we cannot tell request from response captures; request captures are by far the
  // more common configuration (and what DataDog's pipeline assumes), so a lone block is the request's.
  if (codeAt(s, c.p) === 123 /* { */) {
    const close = s.indexOf('}', c.p);
    if (close < 0) return;
    out.requestHeaders = captures(s, c.p + 1, close);
    c.p = close + 1;
    if (c.eat(32) && codeAt(s, c.p) === 123) {
      const close2 = s.indexOf('}', c.p);
      if (close2 < 0) return;
      out.responseHeaders = captures(s, c.p + 1, close2);
      c.p = close2 + 1;
      if (!c.eat(32)) return;
    }
  }
  // The request is the last quoted field; syslog-ng escapes the quotes as \" (configuration.txt 8.6).
  let q = c.p;
  let escaped = false;
  if (codeAt(s, q) === 92 && codeAt(s, q + 1) === 34) { escaped = true; q += 2; }
  else if (codeAt(s, q) === 34) q++;
  else return;
  // The closing quote is nearly always the last char (httplog); otherwise (httpslog, truncation) search.
  let close = codeAt(s, len - 1) === 34 && len - 1 >= q ? len - 1 : s.lastIndexOf('"');
  if (close < q) close = len; // truncated line: no closing quote, the request runs to the end
  const end = escaped && close < len && codeAt(s, close - 1) === 92 ? close - 1 : close;
  out.raw = s.slice(q, end);
  const sp = s.indexOf(' ', q);
  if (sp > q && sp < end) {
    out.method = s.slice(q, sp);
    // `HTTP/x.y` is short: look back a few chars by hand rather than lastIndexOf over the whole URL
    let last = end - 1;
    const stop = Math.max(sp, end - 16);
    while (last > stop && codeAt(s, last) !== 32) last--;
    if (last > sp && codeAt(s, last) === 32 && s.startsWith('HTTP/', last + 1)) {
      out.url = s.slice(sp + 1, last);
      out.version = s.slice(last + 6, end);
    } else {
      out.url = s.slice(sp + 1, end); // no HTTP version: HTTP/0.9 or a request cut at the syslog size limit
    }
  }
  if (close < len) {
    c.p = close + 1;
    readTls(c, out);
  }
}

/** Number or undefined for `-`/garbage, reading up to the next '/' or space. */
function optNum(c: Cursor): number | undefined {
  const v = c.num();
  if (!Number.isNaN(v)) return v;
  skipPart(c);
  return undefined;
}

function skipPart(c: Cursor): string {
  const s = c.s;
  const start = c.p;
  let p = start;
  while (p < s.length) {
    const ch = codeAt(s, p);
    if (ch === 47 || ch === 32) break;
    p++;
  }
  c.p = p;
  return s.slice(start, p);
}

/**
 * `option httpslog` (HAProxy >= 2.5) appends ` fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed
 * sni/sslv/sslc`. Anything else after the request (custom formats, unique-id) is ignored.
 */
function readTls(c: Cursor, out: HttpTail): void {
  if (!c.eat(32)) return;
  const fcErr = optNum(c);
  if (!c.eat(47)) return;
  const sslFcErr = skipPart(c); // hex (`%[ssl_fc_err,hex]`), kept as text
  if (!c.eat(47)) return;
  const cErr = optNum(c);
  if (!c.eat(47)) return;
  const caErr = optNum(c);
  if (!c.eat(47)) return;
  const resumed = optNum(c);
  if (!c.eat(32)) return;
  const sni = skipPart(c);
  if (!c.eat(47)) return;
  const sslv = skipPart(c);
  if (!c.eat(47)) return;
  const cipher = skipPart(c);
  const h: Record<string, unknown> = {};
  if (fcErr !== undefined) h.fc_err = fcErr;
  if (sslFcErr !== '' && sslFcErr !== '-') h.ssl_fc_err = sslFcErr;
  if (cErr !== undefined) h.ssl_c_err = cErr;
  if (caErr !== undefined) h.ssl_c_ca_err = caErr;
  out.haproxyTls = h;
  const tls: Record<string, unknown> = {};
  // `TLSv1.3` -> version_protocol tls, version 1.3 (ECS); `SSLv3` -> ssl, 3.
  if (sslv.length > 4 && (codeAt(sslv, 3) | 0x20) === 118 /* v */) {
    tls.version = sslv.slice(4);
    tls.version_protocol = sslv.slice(0, 3).toLowerCase();
  }
  if (cipher !== '' && cipher !== '-') tls.cipher = cipher;
  if (resumed === 0 || resumed === 1) tls.resumed = resumed === 1;
  if (sni !== '' && sni !== '-') tls.client = { server_name: sni };
  out.tls = tls;
}
