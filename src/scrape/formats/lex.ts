/**
 * Character-level helpers shared by the text and OpenMetrics parsers. They scan a decoded string with
 * charCodeAt (no regular expressions, so no backtracking) and report where they stopped through `lex.end`
 * and why they failed through `lex.error`, so the hot path allocates nothing but the strings it returns.
 */

/** Out-parameters of the last call (single-threaded, read immediately by the caller). */
export const lex = { end: 0, error: '' };

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Character classes of ASCII as bits of one table lookup (names are scanned a character at a time).
const METRIC_START = 1;
const METRIC_CHAR = 2;
const LABEL_START = 4;
const LABEL_CHAR = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  let bits = 0;
  if (letter || c === 58) bits |= METRIC_START | METRIC_CHAR;
  if (isDigit(c)) bits |= METRIC_CHAR | LABEL_CHAR;
  if (letter) bits |= LABEL_START | LABEL_CHAR;
  CLASS[c] = bits;
}

function is(c: number, bit: number): boolean {
  return c < 128 && ((CLASS[c] as number) & bit) !== 0;
}

/** [a-zA-Z_:] */
export function isMetricNameStart(c: number): boolean {
  return is(c, METRIC_START);
}

/** [a-zA-Z0-9_:] */
export function isMetricNameChar(c: number): boolean {
  return is(c, METRIC_CHAR);
}

/** [a-zA-Z_] */
export function isLabelNameStart(c: number): boolean {
  return is(c, LABEL_START);
}

export function isLabelNameChar(c: number): boolean {
  return is(c, LABEL_CHAR);
}

/** End of the metric name starting at `i` (== i when there is none). */
export function scanMetricName(s: string, i: number, end: number): number {
  if (i >= end || !isMetricNameStart(s.charCodeAt(i))) return i;
  i++;
  while (i < end && isMetricNameChar(s.charCodeAt(i))) i++;
  return i;
}

export function scanLabelName(s: string, i: number, end: number): number {
  if (i >= end || !isLabelNameStart(s.charCodeAt(i))) return i;
  i++;
  while (i < end && isLabelNameChar(s.charCodeAt(i))) i++;
  return i;
}

/** A metric name as a whole string (for metadata and config validation). */
export function isMetricName(s: string): boolean {
  return s.length > 0 && scanMetricName(s, 0, s.length) === s.length;
}

/**
 * The label value whose opening quote is at `i - 1`; `lex.end` is set just past the closing quote.
 * Escapes `\\`, `\"`, `\n` are decoded. Other escapes are an error when `strictEscapes` (text format, as
 * the Go parser) or kept verbatim (OpenMetrics). Undefined with `lex.error` set when there is no closing quote.
 */
export function readQuoted(s: string, i: number, end: number, strictEscapes: boolean): string | undefined {
  const start = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      lex.end = i + 1;
      return s.slice(start, i);
    }
    if (c === 92) return readEscaped(s, start, end, strictEscapes);
    i++;
  }
  lex.error = 'label value has no closing quote';
  return undefined;
}

function readEscaped(s: string, i: number, end: number, strictEscapes: boolean): string | undefined {
  let out = '';
  let from = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      lex.end = i + 1;
      return out + s.slice(from, i);
    }
    if (c === 92) {
      if (i + 1 >= end) break;
      const n = s.charCodeAt(i + 1);
      out += s.slice(from, i);
      if (n === 92) out += '\\';
      else if (n === 34) out += '"';
      else if (n === 110) out += '\n';
      else if (strictEscapes) {
        lex.error = `invalid escape sequence "\\${s[i + 1] ?? ''}" in label value`;
        return undefined;
      } else out += s.slice(i, i + 2);
      i += 2;
      from = i;
      continue;
    }
    i++;
  }
  lex.error = 'label value has no closing quote';
  return undefined;
}

/**
 * A sample value: decimal float (`1`, `-1.5`, `.5`, `5.`, `1e-3`, leading zeros allowed), or `Inf`,
 * `Infinity`, `NaN` in any case with an optional sign on Inf. Hex, octal, binary, underscores and embedded
 * spaces are rejected (what both the Go text parser and the OpenMetrics grammar reject). Undefined when invalid.
 */
export function parseNumber(s: string, a: number, b: number): number | undefined {
  if (a >= b) return undefined;
  let i = a;
  let c = s.charCodeAt(i);
  if (c === 43 || c === 45) {
    if (++i >= b) return undefined;
    c = s.charCodeAt(i);
  }
  if (isDigit(c) || c === 46) return parseDecimal(s, a, i, b);
  const len = b - i;
  if (len === 3) {
    const w = s.slice(i, b).toLowerCase();
    if (w === 'inf') return s.charCodeAt(a) === 45 ? -Infinity : Infinity;
    if (w === 'nan' && i === a) return NaN;
    return undefined;
  }
  if (len === 8 && s.slice(i, b).toLowerCase() === 'infinity') return s.charCodeAt(a) === 45 ? -Infinity : Infinity;
  return undefined;
}

/** A decimal real number only (OpenMetrics timestamps): no Inf, no NaN. */
export function parseRealNumber(s: string, a: number, b: number): number | undefined {
  if (a >= b) return undefined;
  let i = a;
  const c = s.charCodeAt(i);
  if (c === 43 || c === 45) i++;
  if (i >= b) return undefined;
  const d = s.charCodeAt(i);
  return isDigit(d) || d === 46 ? parseDecimal(s, a, i, b) : undefined;
}

/** [digits][.digits][e[sign]digits] from `i` (after the sign at `a`) to exactly `b`. */
function parseDecimal(s: string, a: number, i: number, b: number): number | undefined {
  let digits = 0;
  let integer = true;
  while (i < b && isDigit(s.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < b && s.charCodeAt(i) === 46) {
    integer = false;
    i++;
    while (i < b && isDigit(s.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return undefined;
  if (i < b && (s.charCodeAt(i) | 32) === 101) {
    integer = false;
    i++;
    if (i < b && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
    let exp = 0;
    while (i < b && isDigit(s.charCodeAt(i))) {
      i++;
      exp++;
    }
    if (exp === 0) return undefined;
  }
  if (i !== b) return undefined;
  // Small unsigned integers (the common case: counts, bytes) without allocating a substring.
  if (integer && b - a <= 15 && isDigit(s.charCodeAt(a))) {
    let n = 0;
    for (let k = a; k < b; k++) n = n * 10 + (s.charCodeAt(k) - 48);
    return n;
  }
  return Number(s.slice(a, b));
}

/** An int64 millisecond timestamp of the text format: optional sign and digits only. */
export function parseIntegerMs(s: string, a: number, b: number): number | undefined {
  let i = a;
  if (i < b && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
  if (i >= b) return undefined;
  for (let k = i; k < b; k++) if (!isDigit(s.charCodeAt(k))) return undefined;
  return Number(s.slice(a, b));
}

/** Count of Unicode code points (OpenMetrics limits exemplar label sets to 128 of them). */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) i++;
    n++;
  }
  return n;
}
