/**
 * Metric point → InfluxDB line protocol, precision ms.
 * Escaping (InfluxDB 2.x line protocol): measurement: `,` and space; tag keys, tag values, field keys:
 * `,` `=` and space; string field values: `"` and `\`. Line protocol cannot carry a raw newline outside a
 * quoted string, so newlines (and CR) in names and tag values are written as the two characters `\n`
 * (`\r`). Empty tag values are omitted (InfluxDB rejects them). Non-finite floats cannot be written and are
 * left out; a point left with no field is skipped and counted by the caller.
 */
import type { FieldValue, MetricPoint } from '../../pipeline/records';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const NEEDS_MEASUREMENT_ESCAPE = /[, \n\r\\]/;
const NEEDS_KEY_ESCAPE = /[,= \n\r\\]/;

function escapeMeasurement(s: string): string {
  if (!NEEDS_MEASUREMENT_ESCAPE.test(s)) return s;
  return s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/ /g, '\\ ').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export function escapeKey(s: string): string {
  if (!NEEDS_KEY_ESCAPE.test(s)) return s;
  return s
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/=/g, '\\=')
    .replace(/ /g, '\\ ')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

function escapeString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
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

/** One line (no trailing newline), or undefined when the point has no writable field. */
export function encodePoint(p: MetricPoint): string | undefined {
  let line = escapeMeasurement(p.measurement);
  const tagKeys = Object.keys(p.tags).sort();
  for (const k of tagKeys) {
    const v = p.tags[k];
    if (v === undefined || v === '' || k === '') continue;
    line += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  let sep = ' ';
  for (const k in p.fields) {
    const encoded = encodeFieldValue(p.fields[k] as FieldValue);
    if (encoded === undefined || k === '') continue;
    line += `${sep}${escapeKey(k)}=${encoded}`;
    sep = ',';
  }
  if (sep === ' ') return undefined;
  return `${line} ${Math.round(p.timestampMs)}`;
}
