/**
 * Metric point → InfluxDB line protocol (one line, no trailing newline).
 *
 * Escaping follows what InfluxDB 2.8 parses back exactly (checked against the server, see
 * test/sinks/influxdb/roundtrip.test.ts):
 * - measurement: `,` and space get a backslash; tag keys, tag values, field keys: `,` `=` and space.
 *   A backslash before any other character is literal and is NOT doubled (the parser keeps `\\` as two
 *   backslashes), so `a\b` is written as is and `a\,b` as `a\\,b`.
 * - string field values: `"` and `\` get a backslash; newlines are written raw inside the quotes.
 * What line protocol cannot carry in names and tag values is substituted (and counted by the caller):
 * - a newline or CR becomes the two characters `\n` / `\r` (a raw newline ends the line);
 * - trailing backslashes are cut (they would escape the following separator); an empty tag is omitted;
 * - the tag keys `time`, `_field`, `_measurement` are refused by the server for the WHOLE request, and the
 *   field key `time` loses the whole point, so those tags/fields are left out;
 * - a measurement starting with `#` would be read as a comment and silently skipped: the point is unwritable.
 * Floats: non-finite values are left out. Integers (bigint): `i` within int64, `u` up to 2^64-1, else left out.
 * A point left with no field is unwritable (undefined).
 */
import type { FieldValue, MetricPoint } from '../../pipeline/records';

export type Precision = 's' | 'ms' | 'us' | 'ns';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Characters that need work in a measurement / in a key or tag value (includes `\` for the trailing check). */
const MEASUREMENT_SPECIAL = /[, \n\r\\]/;
const KEY_SPECIAL = /[,= \n\r\\]/;
const STRING_SPECIAL = /["\\]/;
const RESERVED_TAG_KEYS = new Set(['time', '_field', '_measurement']);

/** Substitutions made by escapeName since the encoder last looked (single-threaded: a plain counter). */
let substituted = 0;

function escapeName(s: string, escapeEquals: boolean): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x5c) end--; // trailing backslashes cannot be carried
  if (end < s.length) substituted++;
  let out = '';
  let from = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 0x2c) rep = '\\,';
    else if (c === 0x20) rep = '\\ ';
    else if (c === 0x3d && escapeEquals) rep = '\\=';
    else if (c === 0x0a || c === 0x0d) {
      rep = c === 0x0a ? '\\n' : '\\r';
      substituted++;
    }
    if (rep === undefined) continue;
    out += s.slice(from, i) + rep;
    from = i + 1;
  }
  return out + s.slice(from, end);
}

export function escapeMeasurement(s: string): string {
  return MEASUREMENT_SPECIAL.test(s) ? escapeName(s, false) : s;
}

/** Escapes a tag key, tag value or field key; '' when nothing writable is left. */
export function escapeKey(s: string): string {
  return KEY_SPECIAL.test(s) ? escapeName(s, true) : s;
}

function escapeString(s: string): string {
  if (!STRING_SPECIAL.test(s)) return s;
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x22 && c !== 0x5c) continue;
    out += `${s.slice(from, i)}\\`;
    from = i;
  }
  return out + s.slice(from);
}

export function encodeFieldValue(v: FieldValue): string | undefined {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? String(v) : undefined;
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) return `${v}i`;
      if (v > INT64_MAX && v <= UINT64_MAX) return `${v}u`;
      return undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return `"${escapeString(v)}"`;
  }
}

/** A timestamp in ms (possibly fractional) at the given precision, as an integer string. */
export function encodeTimestamp(ms: number, precision: Precision): string {
  switch (precision) {
    case 'ms':
      return String(Math.round(ms));
    case 's':
      return String(Math.floor(ms / 1000));
    case 'us':
      return String(Math.round(ms * 1000));
    case 'ns': {
      // ms * 1e6 is beyond 2^53: join the whole ms and the sub-ms nanoseconds as strings.
      if (ms < 0 || !Number.isFinite(ms)) return String(BigInt(Math.round(ms * 1000)) * 1000n);
      let whole = Math.floor(ms);
      let nanos = Math.round((ms - whole) * 1e6);
      if (nanos >= 1e6) {
        whole += 1;
        nanos -= 1e6;
      }
      return whole === 0 ? String(nanos) : `${whole}${String(nanos).padStart(6, '0')}`;
    }
  }
}

export type Unwritable = 'no_writable_field' | 'invalid_measurement';
export type Adjustment = 'reserved_key' | 'unencodable_char';

/**
 * Encodes points at one precision. Not re-entrant per instance (it keeps the reason of the last refusal
 * and running counts of adjustments, which the sink publishes once per batch).
 */
export class LineEncoder {
  /** Why the last encode() returned undefined. */
  lastUnwritable: Unwritable = 'no_writable_field';
  /** Tags/fields left out because the server refuses their key. */
  reservedKeys = 0;
  /** Names or tag values changed because line protocol cannot carry a character (see the module doc). */
  substitutions = 0;

  constructor(readonly precision: Precision = 'ms') {}

  encode(p: MetricPoint): string | undefined {
    const m = p.measurement;
    if (m === '' || m.charCodeAt(0) === 0x23) {
      this.lastUnwritable = 'invalid_measurement';
      return undefined;
    }
    let line = escapeMeasurement(m);
    if (line === '') {
      substituted = 0;
      this.lastUnwritable = 'invalid_measurement';
      return undefined;
    }
    const tags = p.tags;
    const tagKeys = Object.keys(tags);
    if (tagKeys.length > 1) tagKeys.sort(); // the order InfluxDB stores series keys in: cheaper to index
    for (let i = 0; i < tagKeys.length; i++) {
      const k = tagKeys[i] as string;
      const v = tags[k];
      if (v === undefined || v === '' || k === '') continue;
      if (RESERVED_TAG_KEYS.has(k)) {
        this.reservedKeys++;
        continue;
      }
      const ek = escapeKey(k);
      const ev = escapeKey(v);
      if (ek === '' || ev === '') continue;
      line += `,${ek}=${ev}`;
    }
    let sep = ' ';
    const fields = p.fields;
    for (const k in fields) {
      const encoded = encodeFieldValue(fields[k] as FieldValue);
      if (encoded === undefined || k === '') continue;
      if (k === 'time') {
        this.reservedKeys++;
        continue;
      }
      const ek = escapeKey(k);
      if (ek === '') continue;
      line += `${sep}${ek}=${encoded}`;
      sep = ',';
    }
    if (substituted > 0) {
      this.substitutions += substituted;
      substituted = 0;
    }
    if (sep === ' ') {
      this.lastUnwritable = 'no_writable_field';
      return undefined;
    }
    return `${line} ${encodeTimestamp(p.timestampMs, this.precision)}`;
  }
}

const msEncoder = new LineEncoder('ms');

/** One line at precision ms (no trailing newline), or undefined when the point is not writable. */
export function encodePoint(p: MetricPoint): string | undefined {
  return msEncoder.encode(p);
}
