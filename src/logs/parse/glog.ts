/**
 * The `glog` line format (Google logging, used by Mesos, its executors and fetcher; FORMATS.md §2.4):
 *   `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`    e.g.
 *   `I0301 09:51:43.015770    16 detector.cpp:152] Detected a new leader: (id='0')`
 * L is I, W, E or F; the thread id is right-aligned with spaces; there is no year and no zone (glog writes
 * local time), so the year is inferred from nowMs like RFC 3164's.
 *
 * Output: event.level info | warning | error | critical (F is fatal: glog aborts the process after it),
 * event.timestampMs, event.message = msg, fields.log.origin.file.{name,line}, fields.process.thread.id.
 * Other lines in glog files (`Log file created at: ...`, continuation lines of multi-line messages) fail and
 * are shipped as plain text.
 */
import type { LogEvent } from '../../pipeline/records';
import type { LineParser } from './contract';
import { attachFields } from './fields';
import { Clock, codeAt, digitAt, fractionMs, twoDigits } from './time';

function levelOf(code: number): string | undefined {
  switch (code) {
    case 73: return 'info'; // I
    case 87: return 'warning'; // W
    case 69: return 'error'; // E
    case 70: return 'critical'; // F
    default: return undefined;
  }
}

/** A run of at most 15 digits at p (exact in a double): its value or -1; sets clock.end. */
function digitsAt(s: string, p: number, clock: Clock): number {
  let v = 0;
  let i = p;
  let d: number;
  while ((d = digitAt(s, i)) >= 0 && i - p < 15) {
    v = v * 10 + d;
    i++;
  }
  clock.end = i;
  return i === p ? -1 : v;
}

export class GlogParser implements LineParser {
  readonly format = 'glog' as const;
  private readonly clock = new Clock();

  parse(event: LogEvent, nowMs: number): string | undefined {
    try {
      return this.apply(event, nowMs);
    } catch {
      return 'glog: internal parser error'; // never expected; the contract says a parser never throws
    }
  }

  private apply(event: LogEvent, nowMs: number): string | undefined {
    const s = event.message;
    const level = levelOf(codeAt(s, 0));
    if (level === undefined) return 'glog: no level letter';
    const month = twoDigits(s, 1);
    const day = twoDigits(s, 3);
    const hour = twoDigits(s, 6);
    const min = twoDigits(s, 9);
    const sec = twoDigits(s, 12);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59
      || sec < 0 || sec > 60 || codeAt(s, 5) !== 32 || codeAt(s, 8) !== 58 || codeAt(s, 11) !== 58) {
      return 'glog: invalid timestamp';
    }
    let p = 14;
    let ms = 0;
    if (codeAt(s, p) === 46) {
      ms = fractionMs(s, p + 1, this.clock);
      if (ms < 0) return 'glog: invalid timestamp';
      p = this.clock.end;
    }
    if (codeAt(s, p) !== 32) return 'glog: invalid timestamp';
    while (codeAt(s, p) === 32) p++;
    const thread = digitsAt(s, p, this.clock);
    p = this.clock.end;
    if (thread < 0 || codeAt(s, p) !== 32) return 'glog: no thread id';
    p++;
    // file:line] — file names have no spaces; bound the search to a file name's plausible length.
    const fileStart = p;
    const lim = Math.min(s.length, p + 512);
    let colon = p;
    while (colon < lim) {
      const c = codeAt(s, colon);
      if (c === 58 || c === 32) break;
      colon++;
    }
    if (colon === fileStart || codeAt(s, colon) !== 58) return 'glog: no file:line';
    const line = digitsAt(s, colon + 1, this.clock);
    p = this.clock.end;
    if (line < 0 || codeAt(s, p) !== 93 /* ] */) return 'glog: no file:line';
    p++;
    if (codeAt(s, p) === 32) p++;
    const timestampMs = this.clock.yearlessMs(month - 1, day, hour, min, sec === 60 ? 59 : sec, ms, nowMs);
    if (Number.isNaN(timestampMs)) return 'glog: invalid timestamp'; // no such day that year
    event.timestampMs = timestampMs;
    event.level = level;
    event.message = p >= s.length ? '' : s.slice(p);
    attachFields(event, {
      log: { origin: { file: { name: s.slice(fileStart, colon), line } } },
      process: { thread: { id: thread } },
    });
    return undefined;
  }
}
