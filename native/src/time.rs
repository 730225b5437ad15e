//! Timestamps: a port of `src/logs/parse/time.ts` (digit helpers, `fractionMs`, `monthAt`, `daysInMonth`,
//! `Clock.localMs/utcMs/yearOf/yearlessMs/rfc3339`) over byte slices.
//!
//! JavaScript asks `Date` for local times; here the local time zone is a [`Zone`] window: local time = UTC +
//! `offset_ms` for instants in `[from_ms, to_ms)`. A local time is answered only when its instant lies in
//! `[from_ms + 1 day, to_ms - 1 day)` (so no offset change is near); otherwise the answer is [`T::Decline`] and the
//! line takes the JavaScript path. UTC hosts get an infinite window ([`Zone::UTC`]).
//!
//! Indexes are byte offsets. The scanners here only ever step over ASCII, so on ASCII text they are the
//! JavaScript UTF-16 indexes; callers convert where a non-ASCII character may precede.

pub const MINUTE_MS: f64 = 60_000.0;
pub const HOUR_MS: f64 = 3_600_000.0;
pub const DAY_MS: f64 = 86_400_000.0;

/// More than any UTC offset a time zone ever had (they lie within about ±15 h): a wall time outside the
/// window is known to be at least this close to `wall_as_utc` (see [`Clock::yearless_ms`]).
const MAX_OFFSET_MS: f64 = 16.0 * HOUR_MS;

/// The local time zone around the read time: local = UTC + `offset_ms` for instants in `[from_ms, to_ms)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zone {
    pub offset_ms: f64,
    pub from_ms: f64,
    pub to_ms: f64,
}

impl Zone {
    /// A host whose local time is UTC: offset 0 forever.
    pub const UTC: Zone = Zone { offset_ms: 0.0, from_ms: f64::NEG_INFINITY, to_ms: f64::INFINITY };

    /// The instant of a local wall time (given as if it were UTC), when the window answers for it.
    #[inline]
    fn instant(&self, wall_as_utc: f64) -> Option<f64> {
        let t = wall_as_utc - self.offset_ms;
        if t >= self.from_ms + DAY_MS && t < self.to_ms - DAY_MS { Some(t) } else { None }
    }

    /// True when `now_ms` is an instant of the window (its local calendar is known).
    #[inline]
    fn covers(&self, now_ms: f64) -> bool {
        now_ms >= self.from_ms && now_ms < self.to_ms
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

/// The answer to a time question: epoch ms, `No` where JavaScript gets NaN (not a timestamp), or `Decline`
/// where JavaScript's answer depends on a local time outside the zone window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum T {
    Ms(f64),
    No,
    Decline,
}

/// Digit value of the byte at i, or -1 (also for i out of range). Port of `digitAt`.
#[inline]
pub fn digit_at(s: &[u8], i: usize) -> i32 {
    match s.get(i) {
        Some(&c) if c.is_ascii_digit() => (c - b'0') as i32,
        _ => -1,
    }
}

/// Byte at i, or 0 when out of range (0 never matches anything the scanners look for). Port of `codeAt`
/// for ASCII comparisons.
#[inline]
pub fn code_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Value of the 2 digits at i, or -1. Port of `twoDigits`.
#[inline]
pub fn two_digits(s: &[u8], i: usize) -> i32 {
    let a = digit_at(s, i);
    let b = digit_at(s, i + 1);
    if a < 0 || b < 0 { -1 } else { a * 10 + b }
}

/// Value of the 4 digits at i, or -1. Port of `fourDigits`.
#[inline]
pub fn four_digits(s: &[u8], i: usize) -> i32 {
    let a = two_digits(s, i);
    let b = two_digits(s, i + 2);
    if a < 0 || b < 0 { -1 } else { a * 100 + b }
}

/// Month index (0..11) of the three letters at i, case-insensitive, or -1. Port of `monthAt`.
#[inline]
pub fn month_at(s: &[u8], i: usize) -> i32 {
    if i + 3 > s.len() {
        return -1;
    }
    let key = ((s[i] as u32 | 0x20) << 16) | ((s[i + 1] as u32 | 0x20) << 8) | (s[i + 2] as u32 | 0x20);
    match key {
        0x6a616e => 0,
        0x666562 => 1,
        0x6d6172 => 2,
        0x617072 => 3,
        0x6d6179 => 4,
        0x6a756e => 5,
        0x6a756c => 6,
        0x617567 => 7,
        0x736570 => 8,
        0x6f6374 => 9,
        0x6e6f76 => 10,
        0x646563 => 11,
        _ => -1,
    }
}

/// Port of `daysInMonth` (month0 is 0-based).
#[inline]
pub fn days_in_month(year: i32, month0: i32) -> i32 {
    if month0 == 1 {
        return if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 { 29 } else { 28 };
    }
    if month0 == 3 || month0 == 5 || month0 == 8 || month0 == 10 { 30 } else { 31 }
}

/// `HH:MM:SS` at `i` (seconds up to 60, a leap second), or None: the check the syslog header and RFC 3339
/// share (src/logs/parse/time.ts `rfc3339`, syslog-header.ts).
pub fn time_of_day(s: &[u8], i: usize) -> Option<(i32, i32, i32)> {
    let hour = two_digits(s, i);
    let min = two_digits(s, i + 3);
    let sec = two_digits(s, i + 6);
    if code_at(s, i + 2) != b':' || code_at(s, i + 5) != b':' {
        return None;
    }
    if !(0..=23).contains(&hour) || !(0..=59).contains(&min) || !(0..=60).contains(&sec) {
        return None;
    }
    Some((hour, min, sec))
}

/// Port of `fractionMs`: the digits of a fraction of a second starting at i (after the '.'). Returns the
/// milliseconds (first three digits; 1 or 2 digits scaled) and the index after the digits, or None when there
/// is no digit or more than 9.
#[inline]
pub fn fraction_ms(s: &[u8], i: usize) -> Option<(i32, usize)> {
    let mut ms = 0;
    let mut n = 0;
    loop {
        let d = digit_at(s, i + n);
        if d < 0 {
            break;
        }
        if n < 3 {
            ms = ms * 10 + d;
        }
        n += 1;
        if n > 9 {
            return None;
        }
    }
    match n {
        0 => None,
        1 => Some((ms * 100, i + n)),
        2 => Some((ms * 10, i + n)),
        _ => Some((ms, i + n)),
    }
}

/// An optional fraction at `p`: after a '.', its milliseconds and the index after its digits; with no '.' at
/// `p`, `(0, p)`; None for a '.' without a valid fraction (the `if (codeAt(s, p) === 46) { ms = fractionMs(...) }`
/// step the JavaScript parsers share).
#[inline]
pub fn fraction_after(s: &[u8], p: usize) -> Option<(i32, usize)> {
    if code_at(s, p) == b'.' { fraction_ms(s, p + 1) } else { Some((0, p)) }
}

/// Days from 1970-01-01 to `year-month0-01` (proleptic Gregorian), plus `day - 1`: the JavaScript `MakeDay`,
/// so a day past the month's end overflows into the next month as `Date` does. Years 0..99 mean 1900..1999,
/// as in `Date.UTC` and `new Date(y, ...)`.
fn make_day(year: i32, month0: i32, day: i32) -> f64 {
    let y = if (0..=99).contains(&year) { year as i64 + 1900 } else { year as i64 };
    let m = month0 as i64 + 1;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468 + day as i64 - 1) as f64
}

/// A wall time as if it were UTC (ms), from in-range fields.
#[inline]
fn wall_ms(year: i32, month0: i32, day: i32, hour: i32, min: i32, sec: i32, ms: i32) -> f64 {
    make_day(year, month0, day) * DAY_MS + hour as f64 * HOUR_MS + min as f64 * MINUTE_MS + sec as f64 * 1000.0 + ms as f64
}

/// A local time: the exact instant (`Ok`) or, outside the window, the wall time as if UTC (`Err`), whose true
/// instant lies within `MAX_OFFSET_MS` of it.
type Local = Result<f64, f64>;

/// `t > x`, when it is certain.
fn greater(t: Local, x: f64) -> Option<bool> {
    match t {
        Ok(t) => Some(t > x),
        Err(w) if w - MAX_OFFSET_MS > x => Some(true),
        Err(w) if w + MAX_OFFSET_MS <= x => Some(false),
        Err(_) => None,
    }
}

fn answer(t: Local) -> T {
    match t {
        Ok(t) => T::Ms(t),
        Err(_) => T::Decline,
    }
}

/// Port of the JavaScript `Clock` (one per parser). `end` is the out-parameter of the scanners: the index
/// just past what they consumed. The JavaScript caches are not needed: the arithmetic here is cheap.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    pub end: usize,
    pub zone: Zone,
}

impl Clock {
    pub fn new(zone: Zone) -> Self {
        Clock { end: 0, zone }
    }

    #[allow(clippy::too_many_arguments)]
    fn local(&self, year: i32, month0: i32, day: i32, hour: i32, min: i32, sec: i32, ms: i32) -> Local {
        let w = wall_ms(year, month0, day, hour, min, sec, ms);
        self.zone.instant(w).ok_or(w)
    }

    /// Port of `Clock.localMs`: epoch ms of a local wall time (month0 0-based; day may pass the month's end,
    /// as in `new Date`), or `Decline` outside the window.
    #[allow(clippy::too_many_arguments)]
    pub fn local_ms(&self, year: i32, month0: i32, day: i32, hour: i32, min: i32, sec: i32, ms: i32) -> T {
        answer(self.local(year, month0, day, hour, min, sec, ms))
    }

    /// Port of `Clock.utcMs`.
    #[allow(clippy::too_many_arguments)]
    pub fn utc_ms(&self, year: i32, month0: i32, day: i32, hour: i32, min: i32, sec: i32, ms: i32) -> f64 {
        wall_ms(year, month0, day, hour, min, sec, ms)
    }

    /// Port of `Clock.yearOf`: the local calendar year containing `now_ms`, or None when the window does not
    /// cover `now_ms`.
    pub fn year_of(&self, now_ms: f64) -> Option<i32> {
        if !self.zone.covers(now_ms) || !now_ms.is_finite() {
            return None;
        }
        let days = ((now_ms + self.zone.offset_ms) / DAY_MS).floor() as i64;
        Some(crate::encode::civil_from_days(days).0 as i32)
    }

    /// Port of `Clock.yearlessMs`: a local time without a year (RFC 3164, glog) in the year of `now_ms`, the
    /// year before when that is more than a day ahead, or the year after for a January time more than 300
    /// days behind when that is at most a day ahead; `No` when that year's month has no such day. Decisions
    /// about instants outside the window are taken when they are certain whatever the offset there;
    /// otherwise `Decline`.
    #[allow(clippy::too_many_arguments)]
    pub fn yearless_ms(&self, month0: i32, day: i32, hour: i32, min: i32, sec: i32, ms: i32, now_ms: f64) -> T {
        let Some(year) = self.year_of(now_ms) else { return T::Decline };
        let t = self.local(year, month0, day, hour, min, sec, ms);
        let chosen = match greater(t, now_ms + DAY_MS) {
            None => return T::Decline,
            Some(true) => year - 1,
            Some(false) if month0 != 0 => year,
            Some(false) => {
                // nowMs - t > 300 days  <=>  now - 300 days > t
                let behind = match t {
                    Ok(t) => Some(now_ms - t > 300.0 * DAY_MS),
                    Err(w) if now_ms - (w + MAX_OFFSET_MS) > 300.0 * DAY_MS => Some(true),
                    Err(w) if now_ms - (w - MAX_OFFSET_MS) <= 300.0 * DAY_MS => Some(false),
                    Err(_) => None,
                };
                match behind {
                    None => return T::Decline,
                    Some(false) => year,
                    Some(true) => match greater(self.local(year + 1, month0, day, hour, min, sec, ms), now_ms + DAY_MS) {
                        None => return T::Decline,
                        Some(false) => year + 1,
                        Some(true) => year,
                    },
                }
            }
        };
        if day > days_in_month(chosen, month0) {
            return T::No;
        }
        answer(if chosen == year { t } else { self.local(chosen, month0, day, hour, min, sec, ms) })
    }

    /// Port of `Clock.rfc3339`: `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM|±HHMM]` at i (local time without a
    /// zone). Sets `end` on success; `No` when JavaScript returns NaN.
    pub fn rfc3339(&mut self, s: &[u8], i: usize) -> T {
        let year = four_digits(s, i);
        if year < 0 || code_at(s, i + 4) != b'-' || code_at(s, i + 7) != b'-' {
            return T::No;
        }
        let month = two_digits(s, i + 5);
        let day = two_digits(s, i + 8);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month - 1) {
            return T::No;
        }
        if code_at(s, i + 10) != b'T' {
            return T::No;
        }
        let Some((hour, min, sec)) = time_of_day(s, i + 11) else {
            return T::No;
        };
        let Some((ms, p)) = fraction_after(s, i + 19) else {
            return T::No;
        };
        let secs = if sec == 60 { 59 } else { sec };
        let c = code_at(s, p);
        if c == b'Z' {
            self.end = p + 1;
            return T::Ms(self.utc_ms(year, month - 1, day, hour, min, secs, ms));
        }
        if c == b'+' || c == b'-' {
            let oh = two_digits(s, p + 1);
            let colon = if code_at(s, p + 3) == b':' { 1 } else { 0 };
            let om = two_digits(s, p + 3 + colon);
            if !(0..=23).contains(&oh) || !(0..=59).contains(&om) {
                return T::No;
            }
            self.end = p + 5 + colon;
            let offset = (oh * 60 + om) as f64 * MINUTE_MS;
            let utc = self.utc_ms(year, month - 1, day, hour, min, secs, ms);
            return T::Ms(if c == b'+' { utc - offset } else { utc + offset });
        }
        let t = self.local_ms(year, month - 1, day, hour, min, secs, ms);
        if let T::Ms(_) = t {
            self.end = p;
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_795_262_400_000.0; // 2026-11-21T12:00:00Z

    fn ny() -> Zone {
        // America/New_York, EST from 2026-11-01T06:00Z to 2027-03-14T07:00Z
        Zone { offset_ms: -5.0 * HOUR_MS, from_ms: 1_793_512_800_000.0, to_ms: 1_805_007_600_000.0 }
    }

    #[test]
    fn digits_and_months() {
        let s = b"2026-11-21 Aug aUG xyz 7";
        assert_eq!(digit_at(s, 0), 2);
        assert_eq!(digit_at(s, 4), -1);
        assert_eq!(digit_at(s, 99), -1);
        assert_eq!(two_digits(s, 5), 11);
        assert_eq!(two_digits(s, 23), -1);
        assert_eq!(four_digits(s, 0), 2026);
        assert_eq!(four_digits(s, 1), -1);
        assert_eq!(month_at(s, 11), 7);
        assert_eq!(month_at(s, 15), 7);
        assert_eq!(month_at(s, 19), -1);
        assert_eq!(month_at(s, 22), -1);
        assert_eq!(code_at(s, 100), 0);
        assert_eq!(days_in_month(2024, 1), 29);
        assert_eq!(days_in_month(1900, 1), 28);
        assert_eq!(days_in_month(2000, 1), 29);
        assert_eq!(days_in_month(2026, 10), 30);
        assert_eq!(days_in_month(2026, 11), 31);
    }

    #[test]
    fn fractions() {
        assert_eq!(fraction_ms(b"5", 0), Some((500, 1)));
        assert_eq!(fraction_ms(b"12Z", 0), Some((120, 2)));
        assert_eq!(fraction_ms(b"123456789", 0), Some((123, 9)));
        assert_eq!(fraction_ms(b"1234567890", 0), None);
        assert_eq!(fraction_ms(b"Z", 0), None);
    }

    #[test]
    fn rfc3339_as_javascript() {
        let mut c = Clock::default();
        // Date.parse values from node
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00.123Z", 0), T::Ms(1_795_255_200_123.0));
        assert_eq!(c.end, 24);
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00+01:30 x", 0), T::Ms(1_795_255_200_000.0 - 5_400_000.0));
        assert_eq!(c.end, 25);
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00-0130", 0), T::Ms(1_795_255_200_000.0 + 5_400_000.0));
        assert_eq!(c.end, 24);
        assert_eq!(c.rfc3339(b"2016-12-31T23:59:60Z", 0), T::Ms(1_483_228_799_000.0));
        assert_eq!(c.rfc3339(b"0050-01-01T00:00:00Z", 0), T::Ms(-631_152_000_000.0)); // Date.UTC(50,..) = 1950
        assert_eq!(c.rfc3339(b"0100-01-01T00:00:00Z", 0), T::Ms(-59_011_459_200_000.0));
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00", 0), T::Ms(1_795_255_200_000.0)); // local = UTC
        assert_eq!(c.end, 19);
        assert_eq!(c.rfc3339(b"2026-02-29T10:00:00Z", 0), T::No);
        assert_eq!(c.rfc3339(b"2026-11-21T24:00:00Z", 0), T::No);
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00.Z", 0), T::No);
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00+24:00", 0), T::No);
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00+1", 0), T::No);
        assert_eq!(c.rfc3339(b"2026-11-21 10:00:00Z", 0), T::No);
        assert_eq!(c.rfc3339(b"2026-11", 0), T::No);
        let mut c = Clock::new(ny());
        assert_eq!(c.rfc3339(b"2026-11-21T10:00:00", 0), T::Ms(1_795_255_200_000.0 + 5.0 * HOUR_MS));
        assert_eq!(c.rfc3339(b"2026-07-21T10:00:00", 0), T::Decline);
        assert_eq!(c.rfc3339(b"2026-07-21T10:00:00Z", 0), T::Ms(1_784_628_000_000.0));
    }

    #[test]
    fn local_and_yearless() {
        let c = Clock::default();
        assert_eq!(c.year_of(NOW), Some(2026));
        assert_eq!(c.local_ms(2026, 1, 31, 0, 0, 0, 0), T::Ms(1_772_496_000_000.0)); // Feb 31 = Mar 3
        assert_eq!(c.yearless_ms(10, 21, 10, 0, 0, 0, NOW), T::Ms(1_795_255_200_000.0));
        // more than a day ahead: last year
        assert_eq!(c.yearless_ms(10, 23, 10, 0, 0, 0, NOW), T::Ms(1_763_892_000_000.0));
        // January line read on 31 December: next year when at most a day ahead
        let dec31 = 1_798_718_400_000.0; // 2026-12-31T12:00Z
        assert_eq!(c.yearless_ms(0, 1, 6, 0, 0, 0, dec31), T::Ms(1_798_783_200_000.0));
        assert_eq!(c.yearless_ms(0, 1, 13, 0, 0, 0, dec31), T::Ms(1_767_272_400_000.0));
        let ny = Clock::new(ny());
        assert_eq!(ny.year_of(NOW), Some(2026));
        assert_eq!(ny.year_of(1_900_000_000_000.0), None);
        assert_eq!(ny.yearless_ms(10, 21, 10, 0, 0, 0, NOW), T::Ms(1_795_255_200_000.0 + 5.0 * HOUR_MS));
        // a day ahead of now is last year's date: outside the window
        assert_eq!(ny.yearless_ms(10, 23, 10, 0, 0, 0, NOW), T::Decline);
        // within a day of the window's start
        assert_eq!(ny.yearless_ms(10, 1, 12, 0, 0, 0, NOW), T::Decline);
    }

    /// A day the chosen year's month does not have is no timestamp (JavaScript: NaN), not the next month's.
    #[test]
    fn yearless_day_past_the_month() {
        let c = Clock::default();
        assert_eq!(c.yearless_ms(10, 31, 10, 0, 0, 0, NOW), T::No, "30 November");
        assert_eq!(c.yearless_ms(1, 29, 10, 0, 0, 0, NOW), T::No, "2026 is a common year");
        assert_eq!(c.yearless_ms(1, 30, 10, 0, 0, 0, NOW), T::No);
        // 29 February read on 1 March 2028 is this year's; read in January 2029 it is last year's, a leap year.
        let feb29 = 1_835_431_200_000.0; // 2028-02-29T10:00Z
        assert_eq!(c.yearless_ms(1, 29, 10, 0, 0, 0, 1_835_524_800_000.0), T::Ms(feb29));
        assert_eq!(c.yearless_ms(1, 29, 10, 0, 0, 0, 1_862_654_400_000.0), T::Ms(feb29));
        assert_eq!(c.yearless_ms(10, 30, 10, 0, 0, 0, NOW), T::Ms(1_764_496_800_000.0), "30 November, last year's");
    }
}
