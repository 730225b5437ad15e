/** Small helpers shared by the parsers for building `event.fields`. */
import type { LogEvent } from '../../pipeline/records';
import { codeAt } from './time';

/**
 * Set an own property even when the key is `__proto__` (which plain assignment would treat as the
 * prototype setter, silently dropping the value or changing the object's prototype). Keys come from input.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Attach parsed fields; an earlier stage's fields (if any) are kept and ours win on the same top-level key.
 * Fields added this way are not cut from a line (token-fields.ts), so the event no longer claims that.
 */
export function attachFields(event: LogEvent, fields: Record<string, unknown> | undefined): void {
  if (fields === undefined) return;
  event.parsedLine = undefined;
  if (event.fields === undefined) event.fields = fields;
  else Object.assign(event.fields, fields);
}

/** Process id as a number when the text is a plain decimal integer that fits, else undefined. */
export function pidNumber(s: string): number | undefined {
  const n = s.length;
  if (n === 0 || n > 10) return undefined;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = codeAt(s, i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return v;
}
