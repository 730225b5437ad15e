/**
 * Parsed fields written as JSON straight into an output body, byte for byte what JSON.stringify gives.
 *
 * Node.js 20's JSON.stringify costs ~75 ns per property of the nested objects the parsers build (3 µs for
 * the 40 members of an HAProxy line), and its result is then copied once more into the body. Here keys and
 * short ASCII values are copied by a loop straight into the body's Buffer; anything unusual (long or
 * non-ASCII strings, objects that are not plain, toJSON) is handed to JSON.stringify, so the output never
 * differs from it (test/sinks/json-bytes.test.ts compares the two on every parser's output and on
 * generated values). bench/stages.bench.ts measures the gain.
 *
 * On Node.js 26 (V8 14) JSON.stringify is faster, but not on these objects: their strings are slices of the
 * line, which keep it off its fast path. Per record, this writer against JSON.stringify plus the copy:
 * HAProxy ~3.2 vs ~3.1 µs, syslog 0.21-0.32 vs 0.43-0.58 µs, JSON lines 0.36-0.42 vs 0.28-0.30 µs; over the
 * benchmark's mix the two cost the same. Copying the slices into flat strings first costs what it saves.
 */
import type { NdjsonWriter } from './ndjson-writer';

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Deeper than this, the rest of a value is left to JSON.stringify (parsers never build such trees). */
const MAX_DEPTH = 64;

/**
 * The members of `obj` that `skip` does not name, each preceded by a comma, as JSON.stringify would write
 * them inside the object's braces; members whose value JSON leaves out (undefined, functions, symbols) are
 * left out too. Returns how many were written.
 */
export function writeJsonMembers(w: NdjsonWriter, obj: Record<string, unknown>, skip: (key: string) => boolean): number {
  let written = 0;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key) || skip(key)) continue;
    const v = obj[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    w.byte(COMMA);
    member(w, key, v, 0);
    written++;
  }
  return written;
}

/** Any value as JSON.stringify(v) writes it; undefined, functions and symbols (no JSON) write nothing. */
export function writeJson(w: NdjsonWriter, v: unknown): void {
  value(w, v, 0);
}

function member(w: NdjsonWriter, key: string, v: unknown, depth: number): void {
  w.jsonString(key);
  w.byte(COLON);
  value(w, v, depth);
}

function value(w: NdjsonWriter, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      w.jsonString(v);
      return;
    case 'number':
      w.jsonNumber(v);
      return;
    case 'boolean':
      w.part(v ? 'true' : 'false');
      return;
    case 'object':
      if (v === null) w.part('null');
      else if (Array.isArray(v)) array(w, v, depth + 1);
      else object(w, v as Record<string, unknown>, depth + 1);
      return;
    case 'bigint':
      JSON.stringify(v); // throws the TypeError JSON.stringify throws
      return;
    default:
      return; // undefined, function, symbol: left out by the caller
  }
}

function object(w: NdjsonWriter, o: Record<string, unknown>, depth: number): void {
  const proto = Object.getPrototypeOf(o) as unknown;
  if ((proto !== Object.prototype && proto !== null) || typeof o.toJSON === 'function' || depth > MAX_DEPTH) {
    w.part(JSON.stringify(o));
    return;
  }
  w.byte(OPEN_OBJECT);
  let first = true;
  for (const key in o) {
    if (!Object.hasOwn(o, key)) continue;
    const v = o[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    if (first) first = false;
    else w.byte(COMMA);
    member(w, key, v, depth);
  }
  w.byte(CLOSE_OBJECT);
}

function array(w: NdjsonWriter, a: readonly unknown[], depth: number): void {
  if (Object.getPrototypeOf(a) !== Array.prototype || typeof (a as { toJSON?: unknown }).toJSON === 'function' || depth > MAX_DEPTH) {
    w.part(JSON.stringify(a));
    return;
  }
  w.byte(OPEN_ARRAY);
  for (let i = 0; i < a.length; i++) {
    if (i > 0) w.byte(COMMA);
    const v = a[i];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') w.part('null');
    else value(w, v, depth);
  }
  w.byte(CLOSE_ARRAY);
}
