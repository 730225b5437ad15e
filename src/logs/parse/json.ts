/**
 * The `json` line format: one JSON object per line (pino, bunyan, zap, logrus, ECS loggers...).
 *
 * Recognised keys (the first usable one of each group, in the object's key order, is consumed):
 *   time     `@timestamp`, `timestamp`, `time`, `ts`: ISO 8601 string, or epoch number whose unit is
 *            inferred from its size (s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns)
 *   level    `level`, `log.level`, `severity`, `lvl`: string (lower-cased, at most 32 chars) or pino/bunyan
 *            number 10..60 -> trace, debug, info, warn, error, fatal; a nested `{"log":{"level":..}}` is
 *            read but left in place
 *   message  `message`, `msg` (strings only)
 * Every other key, and a recognised key whose value was not usable, goes to `fields.json` (the document's
 * `json.*`, like Filebeat's `json.keys_under_root: false`), so nothing collides with ECS keys the encoder owns.
 * Without a message key, event.message becomes '' (Filebeat drops `message` in that case): the data is in json.*.
 *
 * Broken JSON, or JSON that is not an object, is a failure (shipped as plain text). Objects nested deeper than
 * MAX_DEPTH are refused as well: JSON.parse accepts them, but JSON.stringify in the encoder would overflow the
 * stack (it does at a few thousand levels), and Elasticsearch refuses such mappings anyway.
 */
import type { LogEvent } from '../../pipeline/records';
import type { LineParser } from './contract';
import { attachFields, setOwn } from './fields';
import { Clock, codeAt, fourDigits } from './time';

export const MAX_DEPTH = 256;

const PINO_LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** True when brackets outside strings nest deeper than max. Linear, one pass. */
export function nestsDeeperThan(s: string, max: number): boolean {
  let depth = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = codeAt(s, i);
    if (c === 34 /* " */) {
      // skip the string, honouring backslash escapes
      for (i++; i < len; i++) {
        const d = codeAt(s, i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return false;
}

export class JsonParser implements LineParser {
  readonly format = 'json' as const;
  private readonly clock = new Clock();

  parse(event: LogEvent, _nowMs: number): string | undefined {
    try {
      return this.apply(event);
    } catch {
      return 'json: internal parser error'; // never expected; the contract says a parser never throws
    }
  }

  private apply(event: LogEvent): string | undefined {
    const line = event.message;
    let i = 0;
    let c = codeAt(line, 0);
    while (c === 32 || c === 9 || c === 13 || c === 0xfeff) c = codeAt(line, ++i);
    if (c !== 123 /* { */) return 'json: not a JSON object';
    // Depth d needs at least 2d characters, so short lines cannot be too deep: skip the scan for them.
    if (line.length > 2 * MAX_DEPTH && nestsDeeperThan(line, MAX_DEPTH)) return 'json: nested too deeply';
    let parsed: unknown;
    try {
      // JSON.parse skips spaces but not a byte order mark (some writers start a file with one): cut the prefix
      parsed = JSON.parse(i > 0 ? line.slice(i) : line);
    } catch {
      return 'json: invalid JSON';
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'json: not a JSON object';
    const obj = parsed as Record<string, unknown>;
    let ts = NaN;
    let level: string | undefined;
    let message: string | undefined;
    const rest: Record<string, unknown> = {};
    let restCount = 0;
    for (const key in obj) {
      const v = obj[key];
      switch (key) {
        case '@timestamp': case 'timestamp': case 'time': case 'ts':
          if (Number.isNaN(ts)) {
            ts = this.epochMs(v);
            if (!Number.isNaN(ts)) continue;
          }
          break;
        case 'level': case 'log.level': case 'severity': case 'lvl':
          if (level === undefined) {
            level = levelName(v);
            if (level !== undefined) continue;
          }
          break;
        case 'message': case 'msg':
          if (message === undefined && typeof v === 'string') {
            message = v;
            continue;
          }
          break;
        case 'log':
          if (level === undefined && v !== null && typeof v === 'object') level = levelName((v as Record<string, unknown>).level);
          break;
      }
      setOwn(rest, key, v);
      restCount++;
    }
    event.message = message ?? '';
    if (!Number.isNaN(ts)) event.timestampMs = ts;
    if (level !== undefined) event.level = level;
    if (restCount > 0) attachFields(event, { json: rest });
    return undefined;
  }

  /** Epoch ms from an ISO string or an epoch number (unit inferred from magnitude); NaN if neither. */
  /** ms since the epoch, or NaN when `v` is not a time Elasticsearch can index (then the key stays in json.*). */
  private epochMs(v: unknown): number {
    const ms = this.rawEpochMs(v);
    return ms >= 0 && ms <= MAX_EPOCH_MS ? ms : NaN;
  }

  private rawEpochMs(v: unknown): number {
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v <= 0) return NaN;
      if (v < 1e11) return Math.floor(v * 1000);
      if (v < 1e14) return Math.floor(v);
      if (v < 1e17) return Math.floor(v / 1e3);
      return Math.floor(v / 1e6);
    }
    if (typeof v !== 'string' || v.length > 64) return NaN;
    // Only ISO-looking strings: Date.parse also accepts "12" or "March 7", which are not timestamps here.
    if (fourDigits(v, 0) < 0 || codeAt(v, 4) !== 45) return NaN;
    const t = this.clock.rfc3339(v, 0);
    if (!Number.isNaN(t) && this.clock.end === v.length) return t;
    const p = Date.parse(v); // `2026-11-21 12:00:00`, date-only and other ISO variants
    return Number.isNaN(p) ? NaN : p;
  }
}

/** 9999-12-31T23:59:59.999Z: the last instant of a four-digit year (Elasticsearch's date, ISO strings). */
const MAX_EPOCH_MS = 253_402_300_799_999;

function levelName(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 && v.length <= 32 ? v.toLowerCase() : undefined;
  if (typeof v === 'number') return PINO_LEVELS[v];
  return undefined;
}
