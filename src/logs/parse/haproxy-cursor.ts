/**
 * A forward-only cursor over one HAProxy payload: numbers, tokens and dates read straight from char codes.
 * One instance per parser, reset per line, so scanning allocates only the strings that become fields.
 */
import { isIP } from 'node:net';
import { Clock, codeAt, daysInMonth, fractionMs, monthAt } from './time';

export class Cursor {
  s = '';
  p = 0;
  /** The last num()/counter() had a leading '+' (HAProxy's logasap marker on bytes). */
  plus = false;
  /** Values of the last group() (a plain array of small integers stays in V8's fast SMI elements). */
  readonly vals: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
  /** Bit i set when value i of the last group() had a leading '+' (logasap timer, redispatch on retries). */
  plusMask = 0;
  readonly clock = new Clock();

  reset(s: string, p: number): void {
    this.s = s;
    this.p = p;
    this.plus = false;
  }

  /**
   * A slash-separated group of up to `max` optionally signed integers (`10/0/30/69/+109`, `1/1/1/1/+2`) in one
   * tight loop, into `vals`. Returns how many were read, or -1 when a value is missing or too long. One pass
   * per group instead of a call and a field update per number: these groups are most of an HAProxy line.
   */
  group(max: number): number {
    const s = this.s;
    const len = s.length;
    const vals = this.vals;
    let p = this.p;
    let n = 0;
    let plusMask = 0;
    for (;;) {
      if (p >= len) return -1;
      let c = s.charCodeAt(p);
      let neg = false;
      if (c === 45 /* - */) { neg = true; p++; }
      else if (c === 43 /* + */) { plusMask |= 1 << n; p++; }
      const start = p;
      let v = 0;
      while (p < len && (c = s.charCodeAt(p)) >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        p++;
      }
      if (p === start || p - start > 15) return -1;
      vals[n++] = neg ? -v : v;
      if (n < max && p < len && s.charCodeAt(p) === 47 /* / */) {
        p++;
        continue;
      }
      break;
    }
    this.p = p;
    this.plusMask = plusMask;
    return n;
  }

  /** Consume `code` if it is next. */
  eat(code: number): boolean {
    if (this.p >= this.s.length || this.s.charCodeAt(this.p) !== code) return false;
    this.p++;
    return true;
  }

  /**
   * An optionally signed decimal integer of at most 15 digits (exact in a double); NaN when there is none.
   * HAProxy writes -1 for a timer whose phase was not reached and +N for logasap values.
   */
  num(): number {
    const s = this.s;
    let p = this.p;
    let c = codeAt(s, p);
    let neg = false;
    this.plus = false;
    if (c === 45 /* - */) { neg = true; c = codeAt(s, ++p); }
    else if (c === 43 /* + */) { this.plus = true; c = codeAt(s, ++p); }
    const start = p;
    let v = 0;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      c = codeAt(s, ++p);
    }
    const n = p - start;
    if (n === 0 || n > 15) return NaN;
    this.p = p;
    return neg ? -v : v;
  }

  /**
   * A byte counter (64-bit in HAProxy): a number while it is a safe integer, else its decimal string, so that
   * nothing is rounded (JSON numbers above 2^53 would be). Optional leading '+' (logasap). undefined if none.
   */
  counter(): number | string | undefined {
    const s = this.s;
    let p = this.p;
    this.plus = codeAt(s, p) === 43;
    if (this.plus) p++;
    const start = p;
    let c = codeAt(s, p);
    while (c >= 48 && c <= 57) c = codeAt(s, ++p);
    const n = p - start;
    if (n === 0 || n > 20) return undefined;
    this.p = p;
    if (n <= 15) {
      let v = 0;
      for (let i = start; i < p; i++) v = v * 10 + (codeAt(s, i) - 48);
      return v;
    }
    const text = s.slice(start, p);
    const v = Number(text);
    return Number.isSafeInteger(v) ? v : text.replace(/^0+(?=\d)/, '');
  }

  /** Text up to the next space (or the end of the line); the cursor stops on that space. */
  token(): string {
    const e = this.s.indexOf(' ', this.p);
    const end = e < 0 ? this.s.length : e;
    const t = this.s.slice(this.p, end);
    this.p = end;
    return t;
  }

  /**
   * HAProxy's accept/request date `dd/Mon/yyyy:HH:MM:SS[.mmm]` (older versions log no milliseconds), in the
   * local time of this node as HAProxy writes it. Returns epoch ms with the cursor on the char after, or NaN.
   * Fixed offsets, one bounds check up front: this runs on every line.
   */
  date(): number {
    const s = this.s;
    const p = this.p;
    if (p + 20 > s.length) return NaN;
    const day = pair(s, p);
    const month0 = monthAt(s, p + 3);
    const year = pair(s, p + 7) * 100 + pair(s, p + 9);
    const hour = pair(s, p + 12);
    const min = pair(s, p + 15);
    const sec = pair(s, p + 18);
    if (day < 1 || month0 < 0 || year < 0 || day > daysInMonth(year, month0) || hour < 0 || hour > 23 || min < 0 || min > 59
      || sec < 0 || sec > 59 || s.charCodeAt(p + 2) !== 47 || s.charCodeAt(p + 6) !== 47
      || s.charCodeAt(p + 11) !== 58 || s.charCodeAt(p + 14) !== 58 || s.charCodeAt(p + 17) !== 58) {
      return NaN;
    }
    let q = p + 20;
    let ms = 0;
    if (codeAt(s, q) === 46 /* . */) {
      ms = fractionMs(s, q + 1, this.clock);
      if (ms < 0) return NaN;
      q = this.clock.end;
    }
    this.p = q;
    return this.clock.localMs(year, month0, day, hour, min, sec, ms);
  }
}

/** Two digits at i (caller guarantees i + 1 is in range): their value, or a negative number. */
function pair(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -10000;
}

/**
 * True when the text is an IPv4 or IPv6 address Elasticsearch's ip type accepts. The cheap shape test
 * (digits, hex letters, '.', ':') rules out `unix`, `abns@...` and names first; node:net then checks the
 * address itself, so a garbled `999.999.999.999` stays in source.address and never costs the document.
 */
export function isIpAddress(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  let sep = false;
  for (let i = start; i < end; i++) {
    const raw = codeAt(s, i);
    if (raw < 46) return false;
    const c = raw | 0x20; // lower-case letters; digits, '.' and ':' are unchanged by the OR
    if (c === 46 || c === 58 /* . : */) sep = true;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return sep && isIP(s.slice(start, end)) !== 0;
}

/**
 * ECS endpoint (`source` / `destination`) from `ip:port` between start and end: split at the last colon
 * (IPv6 addresses are logged without brackets), `address` always, `ip` only for an address (not `unix`).
 * undefined when there is no colon within the last 6 chars or no port; `-` (no address) gives undefined too.
 * The colon is searched backwards by hand: the port is at most 5 digits, and lastIndexOf costs more.
 */
export function endpoint(s: string, start: number, end: number): Record<string, unknown> | undefined {
  let colon = end - 1;
  const stop = Math.max(start, end - 7);
  while (colon > stop && codeAt(s, colon) !== 58) colon--;
  if (colon <= start || codeAt(s, colon) !== 58 || colon + 1 === end) return undefined;
  let port = 0;
  for (let i = colon + 1; i < end; i++) {
    const d = codeAt(s, i) - 48;
    if (d < 0 || d > 9) return undefined;
    port = port * 10 + d;
  }
  if (colon - start === 1 && codeAt(s, start) === 45 /* - */) return undefined;
  const address = s.slice(start, colon);
  return isIpAddress(s, start, colon) ? { address, ip: address, port } : { address, port };
}
