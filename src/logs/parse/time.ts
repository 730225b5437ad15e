/**
 * Timestamp helpers shared by the line parsers. Everything works on character codes of the line (no
 * substrings, no regexes) and caches the expensive conversions: `new Date(y, m, d, h)` costs ~180 ns and
 * `Date.UTC` ~50 ns, while consecutive lines of a file almost always fall in the same hour.
 *
 * One `Clock` per parser instance: the caches are plain fields, so they are not shared across parsers and
 * a parser created after the process time zone changed (tests) starts clean.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Hot-path note: avoid charCodeAt out of range. It returns NaN there, and once TurboFan has seen that it
 * recompiles the caller with float64 char codes (30-70% slower in a micro-benchmark of the number scanner).
 * The helpers check bounds explicitly instead; codeAt() is the checked read used across the parsers.
 */

/** Digit value of the char at i, or -1 (also for i out of range). */
export function digitAt(s: string, i: number): number {
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Char code at i, or 0 when i is out of range (0 never matches anything the scanners look for). */
export function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** Value of the 2 digits at i, or -1. */
export function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** Value of the 4 digits at i, or -1. */
export function fourDigits(s: string, i: number): number {
  const a = twoDigits(s, i);
  const b = twoDigits(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

/**
 * Month index (0..11) of the three letters at i, case-insensitive (`AUG` occurs in real syslog), or -1.
 * A switch over a packed key is cheaper than building a 3-char substring for a Map lookup.
 */
export function monthAt(s: string, i: number): number {
  if (i + 3 > s.length) return -1;
  const key = ((codeAt(s, i) | 0x20) << 16) | ((codeAt(s, i + 1) | 0x20) << 8) | (codeAt(s, i + 2) | 0x20);
  switch (key) {
    case 0x6a616e: return 0; // jan
    case 0x666562: return 1; // feb
    case 0x6d6172: return 2; // mar
    case 0x617072: return 3; // apr
    case 0x6d6179: return 4; // may
    case 0x6a756e: return 5; // jun
    case 0x6a756c: return 6; // jul
    case 0x617567: return 7; // aug
    case 0x736570: return 8; // sep
    case 0x6f6374: return 9; // oct
    case 0x6e6f76: return 10; // nov
    case 0x646563: return 11; // dec
    default: return -1;
  }
}

export function daysInMonth(year: number, month0: number): number {
  if (month0 === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month0 === 3 || month0 === 5 || month0 === 8 || month0 === 10 ? 30 : 31;
}

/**
 * Fraction of a second starting at i (the char after the '.'): returns the milliseconds (first three digits,
 * sub-millisecond digits are dropped because LogEvent.timestampMs is whole ms) and writes the end index to
 * `clock.end`. Up to 9 digits (ns precision); -1 when there is no digit or more than 9.
 */
export function fractionMs(s: string, i: number, clock: Clock): number {
  let ms = 0;
  let n = 0;
  let d: number;
  while ((d = digitAt(s, i + n)) >= 0) {
    if (n < 3) ms = ms * 10 + d;
    n++;
    if (n > 9) return -1;
  }
  if (n === 0) return -1;
  if (n === 1) ms *= 100;
  else if (n === 2) ms *= 10;
  clock.end = i + n;
  return ms;
}

export class Clock {
  /** Out-parameter of the scanning helpers: index just past what they consumed. */
  end = 0;
  private hourKey = -1;
  private hourStartMs = 0;
  private utcDayKey = -1;
  private utcDayMs = 0;
  private yearFromMs = 0;
  private yearToMs = -1;
  private year = 0;

  /** Epoch ms of a wall-clock time in the process's local time zone (month0 is 0-based). */
  localMs(year: number, month0: number, day: number, hour: number, min: number, sec: number, ms: number): number {
    // Cached per local hour: offsets change on hour boundaries in practice (DST), so minutes add linearly.
    const key = ((year * 12 + month0) * 32 + day) * 24 + hour;
    if (key !== this.hourKey) {
      this.hourStartMs = new Date(year, month0, day, hour).getTime();
      this.hourKey = key;
    }
    return this.hourStartMs + min * MINUTE_MS + sec * 1000 + ms;
  }

  utcMs(year: number, month0: number, day: number, hour: number, min: number, sec: number, ms: number): number {
    const key = (year * 12 + month0) * 32 + day;
    if (key !== this.utcDayKey) {
      this.utcDayMs = Date.UTC(year, month0, day);
      this.utcDayKey = key;
    }
    return this.utcDayMs + hour * HOUR_MS + min * MINUTE_MS + sec * 1000 + ms;
  }

  /** Local calendar year containing nowMs. */
  yearOf(nowMs: number): number {
    if (nowMs < this.yearFromMs || nowMs >= this.yearToMs) {
      this.year = new Date(nowMs).getFullYear();
      this.yearFromMs = new Date(this.year, 0, 1).getTime();
      this.yearToMs = new Date(this.year + 1, 0, 1).getTime();
    }
    return this.year;
  }

  /**
   * A local time without a year (RFC 3164, glog): the year of nowMs, or the year before when that would put
   * the line more than a day in the future (a December line read in January). Symmetrically, a January line
   * read on 31 December is taken as next year when that is at most a day ahead (a sender clock slightly fast).
   * NaN when that year's month has no such day (31 November, 29 February of a common year): `Date` would
   * roll it over into the next month.
   */
  yearlessMs(month0: number, day: number, hour: number, min: number, sec: number, ms: number, nowMs: number): number {
    const year = this.yearOf(nowMs);
    const t = this.localMs(year, month0, day, hour, min, sec, ms);
    let chosen = year;
    if (t > nowMs + DAY_MS) chosen = year - 1;
    else if (month0 === 0 && nowMs - t > 300 * DAY_MS && this.localMs(year + 1, month0, day, hour, min, sec, ms) <= nowMs + DAY_MS) chosen = year + 1;
    if (day > daysInMonth(chosen, month0)) return NaN;
    return chosen === year ? t : this.localMs(chosen, month0, day, hour, min, sec, ms);
  }

  /**
   * RFC 3339 / ISO 8601 timestamp at i: `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM]`. Without a zone the
   * time is local (rsyslog's RSYSLOG_FileFormat always writes one; other writers may not). Returns epoch ms
   * and sets `end`, or NaN when the text is not such a timestamp or names an impossible date.
   */
  rfc3339(s: string, i: number): number {
    const year = fourDigits(s, i);
    if (year < 0 || codeAt(s, i + 4) !== 45 /* - */ || codeAt(s, i + 7) !== 45) return NaN;
    const month = twoDigits(s, i + 5);
    const day = twoDigits(s, i + 8);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return NaN;
    if (codeAt(s, i + 10) !== 84 /* T */) return NaN;
    const hour = twoDigits(s, i + 11);
    const min = twoDigits(s, i + 14);
    const sec = twoDigits(s, i + 17);
    if (codeAt(s, i + 13) !== 58 || codeAt(s, i + 16) !== 58) return NaN;
    if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) return NaN;
    let p = i + 19;
    let ms = 0;
    if (codeAt(s, p) === 46 /* . */) {
      ms = fractionMs(s, p + 1, this);
      if (ms < 0) return NaN;
      p = this.end;
    }
    const secs = sec === 60 ? 59 : sec; // a leap second is shown as :60; Date has no such second
    const c = codeAt(s, p);
    if (c === 90 /* Z */) {
      this.end = p + 1;
      return this.utcMs(year, month - 1, day, hour, min, secs, ms);
    }
    if (c === 43 /* + */ || c === 45 /* - */) {
      const oh = twoDigits(s, p + 1);
      const colon = codeAt(s, p + 3) === 58 ? 1 : 0;
      const om = twoDigits(s, p + 3 + colon);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      this.end = p + 5 + colon;
      const offsetMs = (oh * 60 + om) * MINUTE_MS;
      const utc = this.utcMs(year, month - 1, day, hour, min, secs, ms);
      return c === 43 ? utc - offsetMs : utc + offsetMs;
    }
    this.end = p;
    return this.localMs(year, month - 1, day, hour, min, secs, ms);
  }
}
