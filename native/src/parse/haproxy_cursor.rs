//! Port of `src/logs/parse/haproxy-cursor.ts`: a forward-only cursor over one HAProxy payload (numbers,
//! tokens, dates read straight from the bytes), and the ECS endpoint (`ip:port`) reader.
//!
//! Indexes are byte offsets. Every scan here steps over ASCII delimiters only, so its results are the
//! JavaScript ones (UTF-16 indexes) wherever the text compared is ASCII; the few fixed-width windows of the
//! JavaScript code (the date, the port search) only accept ASCII, so they agree too.

use std::sync::OnceLock;

use memchr::memchr;
use regex::bytes::Regex;

use crate::time::{Clock, T, code_at as at, days_in_month, fraction_after, month_at};

/// A byte counter as `Cursor.counter` returns it: a number while it is a safe integer, else the exact
/// decimal text (a range of the line, leading zeros stripped).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Counter {
    Num(i64),
    Text(usize, usize),
}

/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE: u128 = (1 << 53) - 1;

/// Port of the JavaScript `Cursor` (haproxy-cursor.ts). One per line (it borrows the line).
pub struct Cursor<'a> {
    pub s: &'a [u8],
    pub p: usize,
    /// The last `num()`/`counter()` had a leading '+' (logasap marker on bytes).
    pub plus: bool,
    /// Values of the last `group()`.
    pub vals: [i64; 8],
    /// Bit i set when value i of the last `group()` had a leading '+'.
    pub plus_mask: u32,
}

impl<'a> Cursor<'a> {
    pub fn new(s: &'a [u8], p: usize) -> Self {
        Cursor { s, p, plus: false, vals: [0; 8], plus_mask: 0 }
    }

    /// Port of `Cursor.group`: up to `max` slash-separated, optionally signed integers of 1..15 digits into
    /// `vals`; how many were read, or -1 when a value is missing or too long (cursor and mask unchanged).
    pub fn group(&mut self, max: usize) -> i32 {
        let s = self.s;
        let len = s.len();
        let mut p = self.p;
        let mut n = 0usize;
        let mut plus_mask = 0u32;
        loop {
            if p >= len {
                return -1;
            }
            let c = s[p];
            let mut neg = false;
            if c == b'-' {
                neg = true;
                p += 1;
            } else if c == b'+' {
                plus_mask |= 1 << n;
                p += 1;
            }
            let start = p;
            let mut v: i64 = 0;
            while p < len && s[p].is_ascii_digit() {
                if p - start < 16 {
                    v = v * 10 + (s[p] - b'0') as i64;
                }
                p += 1;
            }
            if p == start || p - start > 15 {
                return -1;
            }
            self.vals[n] = if neg { -v } else { v };
            n += 1;
            if n < max && p < len && s[p] == b'/' {
                p += 1;
                continue;
            }
            break;
        }
        self.p = p;
        self.plus_mask = plus_mask;
        n as i32
    }

    /// Port of `Cursor.eat`: consume `code` if it is next.
    #[inline]
    pub fn eat(&mut self, code: u8) -> bool {
        if self.p < self.s.len() && self.s[self.p] == code {
            self.p += 1;
            true
        } else {
            false
        }
    }

    /// Port of `Cursor.num`: an optionally signed integer of 1..15 digits, or None (NaN). Sets `plus`.
    pub fn num(&mut self) -> Option<i64> {
        let s = self.s;
        let mut p = self.p;
        let mut neg = false;
        self.plus = false;
        match at(s, p) {
            b'-' => {
                neg = true;
                p += 1;
            }
            b'+' => {
                self.plus = true;
                p += 1;
            }
            _ => {}
        }
        let (v, end) = digits(s, p, 15)?;
        self.p = end;
        let v = v as i64;
        Some(if neg { -v } else { v })
    }

    /// Port of `Cursor.counter`: 1..20 digits after an optional '+' (sets `plus`); a number while safe, else
    /// the decimal text without leading zeros. None when there is no such counter.
    pub fn counter(&mut self) -> Option<Counter> {
        let s = self.s;
        let mut p = self.p;
        self.plus = at(s, p) == b'+';
        if self.plus {
            p += 1;
        }
        let start = p;
        let (v, p) = digits(s, start, 20)?;
        self.p = p;
        if v <= MAX_SAFE {
            return Some(Counter::Num(v as i64));
        }
        // `text.replace(/^0+(?=\d)/, '')`: the value is above 2^53, so a non-zero digit remains.
        let mut a = start;
        while a + 1 < p && s[a] == b'0' {
            a += 1;
        }
        Some(Counter::Text(a, p))
    }

    /// Port of `Cursor.token`: the range up to the next space (or the end); the cursor stops on that space.
    #[inline]
    pub fn token(&mut self) -> (usize, usize) {
        let a = self.p.min(self.s.len());
        let end = memchr(b' ', &self.s[a..]).map_or(self.s.len(), |i| a + i);
        self.p = end;
        (a, end)
    }

    /// Port of `Cursor.date`: `dd/Mon/yyyy:HH:MM:SS[.f]` in local time. `Some(ms)` with the cursor after it;
    /// None when JavaScript gets NaN, or when the zone window does not answer (the line is declined).
    pub fn date(&mut self, clock: &Clock) -> Option<f64> {
        let s = self.s;
        let p = self.p;
        if p + 20 > s.len() {
            return None;
        }
        let w = &s[p..p + 20];
        if !w.is_ascii() {
            return None; // JavaScript may read a non-ASCII month differently; never a valid date here
        }
        let day = pair(w, 0);
        let month0 = month_at(w, 3);
        let year = pair(w, 7) * 100 + pair(w, 9);
        let hour = pair(w, 12);
        let min = pair(w, 15);
        let sec = pair(w, 18);
        if day < 1
            || month0 < 0
            || year < 0
            || day > days_in_month(year, month0)
            || !(0..=23).contains(&hour)
            || !(0..=59).contains(&min)
            || !(0..=59).contains(&sec)
            || w[2] != b'/'
            || w[6] != b'/'
            || w[11] != b':'
            || w[14] != b':'
            || w[17] != b':'
        {
            return None;
        }
        let (ms, q) = fraction_after(s, p + 20)?;
        match clock.local_ms(year, month0, day, hour, min, sec, ms) {
            T::Ms(t) => {
                self.p = q;
                Some(t)
            }
            T::No | T::Decline => None,
        }
    }
}

/// Port of `pair`: the two digits at i, or a negative number.
#[inline]
fn pair(s: &[u8], i: usize) -> i32 {
    let (a, b) = (at(s, i), at(s, i + 1));
    if a.is_ascii_digit() && b.is_ascii_digit() { (a - b'0') as i32 * 10 + (b - b'0') as i32 } else { -10000 }
}

/// Node's `IPv6Reg` (lib/internal/net.js), for `net.isIP`; the zone suffix never passes the shape test.
fn ipv6_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let v4seg = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
        let v4 = format!("(?:{v4seg}\\.){{3}}{v4seg}");
        let v6 = "(?:[0-9a-fA-F]{1,4})";
        let pattern = format!(
            "^(?:(?:{v6}:){{7}}(?:{v6}|:)|(?:{v6}:){{6}}(?:{v4}|:{v6}|:)|(?:{v6}:){{5}}(?::{v4}|(?::{v6}){{1,2}}|:)|\
             (?:{v6}:){{4}}(?:(?::{v6}){{0,1}}:{v4}|(?::{v6}){{1,3}}|:)|(?:{v6}:){{3}}(?:(?::{v6}){{0,2}}:{v4}|(?::{v6}){{1,4}}|:)|\
             (?:{v6}:){{2}}(?:(?::{v6}){{0,3}}:{v4}|(?::{v6}){{1,5}}|:)|(?:{v6}:){{1}}(?:(?::{v6}){{0,4}}:{v4}|(?::{v6}){{1,6}}|:)|\
             (?::(?:(?::{v6}){{0,5}}:{v4}|(?::{v6}){{1,7}}|:)))(?:%[0-9a-zA-Z-.:]{{1,}})?$"
        );
        Regex::new(&pattern).expect("Node's IPv6 pattern")
    })
}

/// Node's `IPv4Reg`: four decimal segments 0..255 without leading zeros.
fn is_ipv4(s: &[u8]) -> bool {
    let mut seg = 0;
    let mut i = 0;
    loop {
        let start = i;
        let mut v = 0u32;
        while i < s.len() && s[i].is_ascii_digit() && i - start < 3 {
            v = v * 10 + (s[i] - b'0') as u32;
            i += 1;
        }
        let n = i - start;
        if n == 0 || v > 255 || (n > 1 && s[start] == b'0') {
            return false;
        }
        seg += 1;
        if seg == 4 {
            return i == s.len();
        }
        if i >= s.len() || s[i] != b'.' {
            return false;
        }
        i += 1;
    }
}

/// Port of `isIpAddress`: the shape test (hex digits, '.', ':', with a separator), then `net.isIP`.
pub fn is_ip_address(s: &[u8]) -> bool {
    if s.is_empty() {
        return false;
    }
    let mut sep = false;
    for &raw in s {
        if raw < 46 {
            return false;
        }
        let c = raw | 0x20;
        if c == b'.' || c == b':' {
            sep = true;
        } else if !(c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
            return false;
        }
    }
    sep && (is_ipv4(s) || ipv6_regex().is_match(s))
}

/// An ECS endpoint: `address` (a range of the line), `ip` when the address is an IP, `port`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Endpoint {
    pub address: (usize, usize),
    pub ip: bool,
    pub port: u32,
}

/// Port of `endpoint`: `ip:port` between start and end, split at the last colon within the last 7 chars.
/// None when there is no such colon, no port, a non-digit port, or the address is `-`.
pub fn endpoint(s: &[u8], start: usize, end: usize) -> Option<Endpoint> {
    if end == 0 || end > s.len() || start >= end {
        // JavaScript: colon = end - 1 <= start, so undefined
        return None;
    }
    let mut colon = end - 1;
    let stop = start.max(end.saturating_sub(7));
    while colon > stop && s[colon] != b':' {
        colon -= 1;
    }
    if colon <= start || s[colon] != b':' || colon + 1 == end {
        return None;
    }
    let mut port = 0u32;
    for &c in &s[colon + 1..end] {
        if !c.is_ascii_digit() {
            return None;
        }
        port = port * 10 + (c - b'0') as u32;
    }
    if colon - start == 1 && s[start] == b'-' {
        return None;
    }
    Some(Endpoint { address: (start, colon), ip: is_ip_address(&s[start..colon]), port })
}

/// The run of ASCII digits at `p`: its value and its end, or None when it is empty or longer than `max`
/// digits (at most 38, what a u128 holds).
fn digits(s: &[u8], p: usize, max: usize) -> Option<(u128, usize)> {
    let mut end = p;
    let mut v: u128 = 0;
    while end < s.len() && s[end].is_ascii_digit() {
        if end - p < max {
            v = v * 10 + (s[end] - b'0') as u128;
        }
        end += 1;
    }
    if end == p || end - p > max {
        return None;
    }
    Some((v, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Zone;

    #[test]
    fn groups_numbers_counters() {
        let mut c = Cursor::new(b"10/-1/+30/69/109 x", 0);
        assert_eq!(c.group(5), 5);
        assert_eq!(&c.vals[..5], &[10, -1, 30, 69, 109]);
        assert_eq!(c.plus_mask, 4);
        assert_eq!(c.p, 16);
        let mut c = Cursor::new(b"1/2/3/4/5/6", 0);
        assert_eq!(c.group(5), 5);
        assert_eq!(c.p, 9);
        let mut c = Cursor::new(b"1//2", 0);
        assert_eq!(c.group(5), -1);
        assert_eq!(c.p, 0);
        let mut c = Cursor::new(b"1234567890123456/1", 0);
        assert_eq!(c.group(5), -1);
        let mut c = Cursor::new(b"-0", 0);
        assert_eq!(c.num(), Some(0));
        let mut c = Cursor::new(b"+", 0);
        assert_eq!(c.num(), None);
        assert!(c.plus);
        for (t, want) in [
            ("+350", Some(Counter::Num(350))),
            ("9007199254740991", Some(Counter::Num(9_007_199_254_740_991))),
            ("9007199254740992", Some(Counter::Text(0, 16))),
            ("0009007199254740993", Some(Counter::Text(3, 19))),
            ("00000000000000000001", Some(Counter::Num(1))),
            ("123456789012345678901", None),
            ("x", None),
        ] {
            assert_eq!(Cursor::new(t.as_bytes(), 0).counter(), want, "{t}");
        }
    }

    #[test]
    fn dates() {
        let clock = Clock::new(Zone::UTC);
        let mut c = Cursor::new(b"06/Feb/2009:12:14:14.655] ", 0);
        assert_eq!(c.date(&clock), Some(1_233_922_454_655.0));
        assert_eq!(c.p, 24);
        let mut c = Cursor::new(b"06/Feb/2009:12:14:14]", 0);
        assert_eq!(c.date(&clock), Some(1_233_922_454_000.0));
        for bad in [
            "32/Feb/2009:12:14:14",
            "06/Fex/2009:12:14:14",
            "06/Feb/2009:24:14:14",
            "06/Feb/2009:12:14:1",
            "06/Feb/2009:12:14:14.",
            "06-Feb/2009:12:14:14",
        ] {
            assert_eq!(Cursor::new(bad.as_bytes(), 0).date(&clock), None, "{bad}");
        }
    }

    #[test]
    fn ips_as_node() {
        for good in [
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "::",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4",
            "A:B::C",
        ] {
            assert!(is_ip_address(good.as_bytes()), "{good}");
        }
        for bad in [
            "999.999.999.999",
            "10.0.0",
            "10.0.0.256",
            "fe.ed",
            "dead:beef",
            "1.2.3.4.5",
            "2001:db8::1::2",
            "01.2.3.4",
            "unix",
            "",
            "1:2:3:4:5:6:7:8:9",
            "1234",
        ] {
            assert!(!is_ip_address(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn endpoints() {
        let s = b"10.0.1.2:33317 unix:1 -:1 a: :1 x:123456 x:1234567";
        assert_eq!(endpoint(s, 0, 14), Some(Endpoint { address: (0, 8), ip: true, port: 33317 }));
        assert_eq!(endpoint(s, 15, 21), Some(Endpoint { address: (15, 19), ip: false, port: 1 }));
        assert_eq!(endpoint(s, 22, 25), None);
        assert_eq!(endpoint(s, 26, 28), None);
        assert_eq!(endpoint(s, 29, 31), None);
        assert_eq!(endpoint(s, 32, 40), Some(Endpoint { address: (32, 33), ip: false, port: 123456 }));
        assert_eq!(endpoint(s, 41, 50), None);
    }
}
