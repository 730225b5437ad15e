/**
 * Scanner for syslog headers as they appear in files: RFC 5424, RFC 3164 and the shapes rsyslog writes
 * (RSYSLOG_TraditionalFileFormat `Mmm dd hh:mm:ss host tag: msg`, RSYSLOG_FileFormat with an RFC 3339
 * timestamp), with or without `<PRI>`. Used by the syslog parser and, for the prefix, by the HAProxy parser.
 *
 * Hand-written over char codes: no regex (they backtrack on long garbage), no substring until a field is
 * known, and every forward scan is bounded or done once, so the cost is linear even on a 10 MB line.
 */
import { Clock, codeAt, daysInMonth, digitAt, fourDigits, fractionMs, monthAt, twoDigits } from './time';
import { scanStructuredData, type StructuredData } from './syslog-sd';

/** Longest hostname or tag we look for; RFC 3164 allows 32 tag chars, rsyslog accepts longer ones. */
const MAX_TOKEN = 256;

/** What a scan found. One instance per scanner, overwritten by every line (no allocation per line). */
export class SyslogHeader {
  /** PRI value 0..191, or -1 when the line had none. */
  pri = -1;
  /** RFC 5424 VERSION, 0 for RFC 3164 / file formats. */
  version = 0;
  /** Epoch ms of the header timestamp, NaN when absent (5424 NILVALUE, PRI without timestamp). */
  timestampMs = NaN;
  hostname: string | undefined = undefined;
  appname: string | undefined = undefined;
  procid: string | undefined = undefined;
  msgid: string | undefined = undefined;
  structuredData: StructuredData | undefined = undefined;
  /** Index in the line where MSG starts (line.length when there is none). */
  msgStart = 0;

  reset(): void {
    this.pri = -1;
    this.version = 0;
    this.timestampMs = NaN;
    this.hostname = undefined;
    this.appname = undefined;
    this.procid = undefined;
    this.msgid = undefined;
    this.structuredData = undefined;
    this.msgStart = 0;
  }
}

/**
 * An RFC 3164 TAG at p: `name:`, `name[pid]:` or `name[pid]` followed by a space. Sets appname/procid and
 * returns where MSG starts (one space after the colon is skipped); returns p unchanged when there is no tag,
 * so the whole rest is MSG (`Use the BFG!` in RFC 3164's own example has no tag). A colon only ends a tag
 * when a space or the end of line follows, so `http://x` at the start of a message is not taken for one.
 */
export function scanTag(s: string, p: number, h: SyslogHeader): number {
  const len = s.length;
  const lim = Math.min(len, p + MAX_TOKEN);
  let i = p;
  let c = 0;
  while (i < lim) {
    c = codeAt(s, i);
    if (c === 32 || c === 58 /* : */ || c === 91 /* [ */) break;
    i++;
  }
  if (i === p || i >= lim) return p;
  const nameEnd = i;
  let pidStart = -1;
  let pidEnd = -1;
  if (c === 91) {
    pidStart = i + 1;
    pidEnd = pidStart;
    while (pidEnd < lim && codeAt(s, pidEnd) !== 93 /* ] */) pidEnd++;
    if (pidEnd >= lim) return p;
    i = pidEnd + 1;
    c = i < len ? codeAt(s, i) : 32;
  }
  let msg: number;
  if (c === 58) {
    const after = i + 1 < len ? codeAt(s, i + 1) : 32;
    if (after !== 32) return p;
    msg = i + 2;
  } else if (pidStart >= 0 && c === 32) {
    msg = i + 1;
  } else {
    return p;
  }
  h.appname = s.slice(p, nameEnd);
  if (pidStart >= 0 && pidEnd > pidStart) h.procid = s.slice(pidStart, pidEnd);
  return msg > len ? len : msg;
}

export class SyslogScanner {
  readonly header = new SyslogHeader();
  readonly clock = new Clock();

  /** Scan the header of `s` into `this.header`; undefined on success, else a short reason. */
  scan(s: string, nowMs: number): string | undefined {
    const h = this.header;
    h.reset();
    let p = 0;
    if (codeAt(s, 0) === 60 /* < */) {
      p = this.scanPri(s);
      if (p < 0) return 'syslog: invalid PRI';
      const v = digitAt(s, p);
      if (v > 0) {
        // RFC 5424 when a 1..3 digit VERSION and a space follow; `<13>2026-07-23T...` is 3164 with RFC 3339.
        let q = p;
        let version = 0;
        let d: number;
        while (q < p + 3 && (d = digitAt(s, q)) >= 0) {
          version = version * 10 + d;
          q++;
        }
        if (codeAt(s, q) === 32) {
          h.version = version;
          return this.scan5424(s, q + 1);
        }
      }
      while (codeAt(s, p) === 32) p++; // `<38> Mar  7 ...` occurs (rsyslog date1 case)
    }
    return this.scan3164(s, p, nowMs);
  }

  /** `<PRI>`: 1..3 digits without a leading zero, at most 191. Returns the index after '>' or -1. */
  private scanPri(s: string): number {
    let v = 0;
    let i = 1;
    let d: number;
    while ((d = digitAt(s, i)) >= 0) {
      v = v * 10 + d;
      i++;
      if (i > 4) return -1;
    }
    if (i === 1 || codeAt(s, i) !== 62 /* > */ || v > 191 || (i > 2 && codeAt(s, 1) === 48)) return -1;
    this.header.pri = v;
    return i + 1;
  }

  private scan3164(s: string, p: number, nowMs: number): string | undefined {
    const h = this.header;
    const len = s.length;
    let ts: number;
    if (monthAt(s, p) >= 0) ts = this.bsdTimestamp(s, p, nowMs);
    else if (digitAt(s, p) >= 0) ts = this.clock.rfc3339(s, p);
    else ts = NaN;
    if (Number.isNaN(ts)) {
      // A PRI without a timestamp is still a syslog message (RFC 3164 4.3.3); without either it is not one.
      if (h.pri < 0) return 'syslog: no timestamp';
      h.msgStart = p;
      return undefined;
    }
    h.timestampMs = ts;
    p = this.clock.end;
    if (p < len) {
      if (codeAt(s, p) !== 32) return 'syslog: no space after timestamp';
      p++;
    }
    // HOSTNAME, unless the first token already is the tag (`Oct 11 22:14:15 su: ...`, no hostname).
    const lim = Math.min(len, p + MAX_TOKEN);
    let e = p;
    while (e < lim && codeAt(s, e) !== 32) e++;
    if (e === lim && lim < len) {
      h.msgStart = p; // a 256-char token is no hostname: keep everything as MSG
      return undefined;
    }
    if (e > p && codeAt(s, e - 1) !== 58 /* : */) {
      if (e - p !== 1 || codeAt(s, p) !== 45 /* - */) h.hostname = s.slice(p, e);
      p = e < len ? e + 1 : e;
    }
    h.msgStart = p < len ? scanTag(s, p, h) : len;
    return undefined;
  }

  /**
   * `Mmm dd hh:mm:ss` with the accepted deviations: space- or zero-padded or single-space day, upper-case
   * month, a year before the time (`Mar 7 2008 19:06:53`), fractional seconds, a colon after the time.
   * Returns epoch ms and sets clock.end, or NaN.
   */
  private bsdTimestamp(s: string, p: number, nowMs: number): number {
    const month0 = monthAt(s, p);
    p += 3;
    if (codeAt(s, p) !== 32) return NaN;
    while (codeAt(s, p) === 32) p++;
    let day = digitAt(s, p);
    if (day < 0) return NaN;
    p++;
    const d2 = digitAt(s, p);
    if (d2 >= 0) {
      day = day * 10 + d2;
      p++;
    }
    if (day < 1 || day > 31 || codeAt(s, p) !== 32) return NaN;
    p++;
    let year = -1;
    if (codeAt(s, p + 4) === 32) {
      year = fourDigits(s, p);
      if (year < 0) return NaN;
      p += 5;
    }
    const hour = twoDigits(s, p);
    const min = twoDigits(s, p + 3);
    const sec = twoDigits(s, p + 6);
    if (codeAt(s, p + 2) !== 58 || codeAt(s, p + 5) !== 58) return NaN;
    if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) return NaN;
    p += 8;
    let ms = 0;
    if (codeAt(s, p) === 46 /* . */) {
      ms = fractionMs(s, p + 1, this.clock);
      if (ms < 0) return NaN;
      p = this.clock.end;
    }
    if (codeAt(s, p) === 58) p++; // `19:06:53: host` (rsyslog date3/date5 cases)
    this.clock.end = p;
    const secs = sec === 60 ? 59 : sec;
    if (year < 0) return this.clock.yearlessMs(month0, day, hour, min, secs, ms, nowMs);
    return day > daysInMonth(year, month0) ? NaN : this.clock.localMs(year, month0, day, hour, min, secs, ms);
  }

  /** RFC 5424 after `<PRI>VERSION SP`: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. */
  private scan5424(s: string, p: number): string | undefined {
    const h = this.header;
    const len = s.length;
    if (codeAt(s, p) === 45 /* - */) {
      p++;
    } else {
      const ts = this.clock.rfc3339(s, p);
      if (Number.isNaN(ts)) return 'syslog: invalid RFC 5424 timestamp';
      h.timestampMs = ts;
      p = this.clock.end;
    }
    if (p < len && codeAt(s, p) !== 32) return 'syslog: invalid RFC 5424 timestamp';
    // Four space-separated tokens; `-` is NILVALUE. indexOf is bounded by the next space.
    for (let k = 0; k < 4; k++) {
      if (codeAt(s, p) !== 32) return 'syslog: truncated RFC 5424 header';
      p++;
      const e = s.indexOf(' ', p);
      if (e < 0) return 'syslog: truncated RFC 5424 header';
      if (e === p) return 'syslog: empty RFC 5424 header field';
      if (e - p !== 1 || codeAt(s, p) !== 45) {
        const v = s.slice(p, e);
        if (k === 0) h.hostname = v;
        else if (k === 1) h.appname = v;
        else if (k === 2) h.procid = v;
        else h.msgid = v;
      }
      p = e;
    }
    p++; // the space before STRUCTURED-DATA
    const c = codeAt(s, p);
    if (c === 45) {
      p++;
    } else if (c === 91 /* [ */) {
      const sd = scanStructuredData(s, p, this.clock);
      if (sd === undefined) return 'syslog: invalid RFC 5424 structured data';
      h.structuredData = sd;
      p = this.clock.end;
    } else {
      return 'syslog: invalid RFC 5424 structured data';
    }
    if (p < len) {
      if (codeAt(s, p) !== 32) return 'syslog: invalid RFC 5424 structured data';
      p++;
      // rsyslog's RSYSLOG_SyslogProtocol23Format writes `%STRUCTURED-DATA% %msg%`, and the msg of a message
      // received as RFC 3164 keeps the space that followed its tag: one extra space is framing, not text.
      if (codeAt(s, p) === 32) p++;
      if (codeAt(s, p) === 0xfeff) p++; // MSG may start with a UTF-8 BOM; it carries no text
    }
    h.msgStart = p;
    return undefined;
  }
}
