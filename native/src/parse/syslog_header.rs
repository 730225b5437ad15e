//! Syslog headers as they appear in files: a port of `src/logs/parse/syslog-header.ts` (`SyslogHeader`,
//! `scanTag`, `SyslogScanner`): RFC 5424, RFC 3164 and rsyslog's file formats, with or without `<PRI>`.
//! Used by the syslog parser and, for the prefix, by the HAProxy parser.
//!
//! Positions are byte offsets into the line. JavaScript counts UTF-16 units; the two agree wherever only
//! ASCII precedes, and the one place where the count itself matters (the 256-character bound on a hostname
//! or tag) counts UTF-16 units explicitly. Every other comparison is against an ASCII character, which a byte
//! of a multi-byte character never equals.

use memchr::memchr;

use super::syslog_sd::scan_structured_data;
use crate::time::{Clock, T, Zone, code_at, days_in_month, digit_at, fraction_after, four_digits, month_at, time_of_day};

/// Longest hostname or tag looked for, in UTF-16 units (`MAX_TOKEN`).
const MAX_TOKEN: usize = 256;

/// What a scan found (`SyslogHeader`). Strings are byte ranges `(start, end)` of the line. One instance per
/// scanner, overwritten by every line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyslogHeader {
    /// PRI value 0..191, or -1 when the line had none.
    pub pri: i32,
    /// RFC 5424 VERSION, 0 for RFC 3164 / file formats.
    pub version: i32,
    /// Epoch ms of the header timestamp, None when absent (JavaScript NaN).
    pub timestamp_ms: Option<f64>,
    pub hostname: Option<(usize, usize)>,
    pub appname: Option<(usize, usize)>,
    pub procid: Option<(usize, usize)>,
    pub msgid: Option<(usize, usize)>,
    /// RFC 5424 STRUCTURED-DATA: the range from the first `[` to after the last `]` (syntax already checked;
    /// `syslog_sd::write_structured_data` writes it). JavaScript's `structuredData !== undefined`.
    pub structured_data: Option<(usize, usize)>,
    /// Where MSG starts (the line's length when there is none).
    pub msg_start: usize,
}

impl SyslogHeader {
    /// Port of `SyslogHeader.reset`.
    pub fn reset(&mut self) {
        self.pri = -1;
        self.version = 0;
        self.timestamp_ms = None;
        self.hostname = None;
        self.appname = None;
        self.procid = None;
        self.msgid = None;
        self.structured_data = None;
        self.msg_start = 0;
    }
}

/// The outcome of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    /// JavaScript's `scan` returns undefined: the header is in `SyslogScanner::header`.
    Ok,
    /// JavaScript's `scan` returns a reason (not a syslog header).
    Fail,
    /// The answer depends on a local time outside the zone window: the line must be declined.
    Decline,
}

/// Byte length and UTF-16 length of the character whose first byte is `b`.
#[inline]
fn char_size(b: u8) -> (usize, usize) {
    if b < 0x80 {
        (1, 1)
    } else if b < 0xe0 {
        (2, 1)
    } else if b < 0xf0 {
        (3, 1)
    } else {
        (4, 2)
    }
}

/// Port of `scanTag`: an RFC 3164 TAG at p (`name:`, `name[pid]:` or `name[pid] `). Sets appname/procid and
/// returns where MSG starts, or p unchanged when there is no tag. `s` must be UTF-8 and p a char boundary.
pub fn scan_tag(s: &[u8], p: usize, h: &mut SyslogHeader) -> usize {
    let len = s.len();
    let mut i = p;
    let mut u = 0; // UTF-16 units from p to i: JavaScript's `i < lim` is `u < MAX_TOKEN && i < len`
    let mut c;
    loop {
        if u >= MAX_TOKEN || i >= len {
            return p;
        }
        c = s[i];
        if c == b' ' || c == b':' || c == b'[' {
            break;
        }
        let (n, w) = char_size(c);
        i += n;
        u += w;
    }
    if i == p {
        return p;
    }
    let name_end = i;
    let mut pid: Option<(usize, usize)> = None;
    if c == b'[' {
        let pid_start = i + 1;
        let mut pid_end = pid_start;
        u += 1;
        loop {
            if u >= MAX_TOKEN || pid_end >= len {
                return p;
            }
            let b = s[pid_end];
            if b == b']' {
                break;
            }
            let (n, w) = char_size(b);
            pid_end += n;
            u += w;
        }
        pid = Some((pid_start, pid_end));
        i = pid_end + 1;
        c = if i < len { s[i] } else { b' ' };
    }
    let msg = if c == b':' {
        let after = if i + 1 < len { s[i + 1] } else { b' ' };
        if after != b' ' {
            return p;
        }
        i + 2
    } else if pid.is_some() && c == b' ' {
        i + 1
    } else {
        return p;
    };
    h.appname = Some((p, name_end));
    if let Some((a, b)) = pid
        && b > a
    {
        h.procid = Some((a, b));
    }
    msg.min(len)
}

/// Port of `SyslogScanner`: one per parser, holding the header of the last line and the clock.
#[derive(Clone, Debug, Default)]
pub struct SyslogScanner {
    pub header: SyslogHeader,
    pub clock: Clock,
}

impl SyslogScanner {
    pub fn new(zone: Zone) -> Self {
        let mut header = SyslogHeader::default();
        header.reset();
        SyslogScanner { header, clock: Clock::new(zone) }
    }

    /// Port of `SyslogScanner.scan`: scans the header of `s` (UTF-8) into `self.header`.
    pub fn scan(&mut self, s: &[u8], now_ms: f64) -> Scan {
        self.header.reset();
        let mut p = 0;
        if code_at(s, 0) == b'<' {
            let Some(q) = self.scan_pri(s) else { return Scan::Fail };
            p = q;
            if digit_at(s, p) > 0 {
                // RFC 5424 when a 1..3 digit VERSION and a space follow.
                let mut q = p;
                let mut version = 0;
                while q < p + 3 {
                    let d = digit_at(s, q);
                    if d < 0 {
                        break;
                    }
                    version = version * 10 + d;
                    q += 1;
                }
                if code_at(s, q) == b' ' {
                    self.header.version = version;
                    return self.scan_5424(s, q + 1);
                }
            }
            while code_at(s, p) == b' ' {
                p += 1;
            }
        }
        self.scan_3164(s, p, now_ms)
    }

    /// Port of `scanPri`: `<PRI>`, 1..3 digits without a leading zero, at most 191. The index after '>'.
    fn scan_pri(&mut self, s: &[u8]) -> Option<usize> {
        let mut v = 0;
        let mut i = 1;
        loop {
            let d = digit_at(s, i);
            if d < 0 {
                break;
            }
            v = v * 10 + d;
            i += 1;
            if i > 4 {
                return None;
            }
        }
        if i == 1 || code_at(s, i) != b'>' || v > 191 || (i > 2 && code_at(s, 1) == b'0') {
            return None;
        }
        self.header.pri = v;
        Some(i + 1)
    }

    /// Port of `scan3164`.
    fn scan_3164(&mut self, s: &[u8], mut p: usize, now_ms: f64) -> Scan {
        let len = s.len();
        let ts = if month_at(s, p) >= 0 {
            self.bsd_timestamp(s, p, now_ms)
        } else if digit_at(s, p) >= 0 {
            self.clock.rfc3339(s, p)
        } else {
            T::No
        };
        let h = &mut self.header;
        match ts {
            T::Decline => return Scan::Decline,
            T::No => {
                if h.pri < 0 {
                    return Scan::Fail;
                }
                h.msg_start = p;
                return Scan::Ok;
            }
            T::Ms(t) => h.timestamp_ms = Some(t),
        }
        p = self.clock.end;
        if p < len {
            if s[p] != b' ' {
                return Scan::Fail;
            }
            p += 1;
        }
        // HOSTNAME, unless the first token already is the tag.
        let mut e = p;
        let mut u = 0;
        let at_limit;
        loop {
            if u >= MAX_TOKEN {
                at_limit = u > MAX_TOKEN || e < len; // JavaScript: e === lim && lim < len
                break;
            }
            if e >= len || s[e] == b' ' {
                at_limit = false;
                break;
            }
            let (n, w) = char_size(s[e]);
            e += n;
            u += w;
        }
        if at_limit {
            h.msg_start = p; // a 256-char token is no hostname: keep everything as MSG
            return Scan::Ok;
        }
        if e > p && s[e - 1] != b':' {
            if e - p != 1 || s[p] != b'-' {
                h.hostname = Some((p, e));
            }
            p = if e < len { e + 1 } else { e };
        }
        h.msg_start = if p < len { scan_tag(s, p, h) } else { len };
        Scan::Ok
    }

    /// Port of `bsdTimestamp`: `Mmm dd hh:mm:ss` with rsyslog's deviations. Sets `clock.end` on success.
    fn bsd_timestamp(&mut self, s: &[u8], mut p: usize, now_ms: f64) -> T {
        let month0 = month_at(s, p);
        p += 3;
        if code_at(s, p) != b' ' {
            return T::No;
        }
        while code_at(s, p) == b' ' {
            p += 1;
        }
        let mut day = digit_at(s, p);
        if day < 0 {
            return T::No;
        }
        p += 1;
        let d2 = digit_at(s, p);
        if d2 >= 0 {
            day = day * 10 + d2;
            p += 1;
        }
        if !(1..=31).contains(&day) || code_at(s, p) != b' ' {
            return T::No;
        }
        p += 1;
        let mut year = -1;
        if code_at(s, p + 4) == b' ' {
            year = four_digits(s, p);
            if year < 0 {
                return T::No;
            }
            p += 5;
        }
        let Some((hour, min, sec)) = time_of_day(s, p) else {
            return T::No;
        };
        let Some((ms, end)) = fraction_after(s, p + 8) else {
            return T::No;
        };
        p = end;
        if code_at(s, p) == b':' {
            p += 1;
        }
        self.clock.end = p;
        let secs = if sec == 60 { 59 } else { sec };
        if year < 0 {
            self.clock.yearless_ms(month0, day, hour, min, secs, ms, now_ms)
        } else if day > days_in_month(year, month0) {
            T::No
        } else {
            self.clock.local_ms(year, month0, day, hour, min, secs, ms)
        }
    }

    /// Port of `scan5424`: after `<PRI>VERSION SP`: TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG].
    fn scan_5424(&mut self, s: &[u8], mut p: usize) -> Scan {
        let len = s.len();
        if code_at(s, p) == b'-' {
            p += 1;
        } else {
            match self.clock.rfc3339(s, p) {
                T::Decline => return Scan::Decline,
                T::No => return Scan::Fail,
                T::Ms(t) => self.header.timestamp_ms = Some(t),
            }
            p = self.clock.end;
        }
        let h = &mut self.header;
        if p < len && s[p] != b' ' {
            return Scan::Fail;
        }
        for k in 0..4 {
            if code_at(s, p) != b' ' {
                return Scan::Fail;
            }
            p += 1;
            let Some(off) = memchr(b' ', &s[p.min(len)..]) else { return Scan::Fail };
            let e = p + off;
            if e == p {
                return Scan::Fail;
            }
            if e - p != 1 || s[p] != b'-' {
                let v = Some((p, e));
                match k {
                    0 => h.hostname = v,
                    1 => h.appname = v,
                    2 => h.procid = v,
                    _ => h.msgid = v,
                }
            }
            p = e;
        }
        p += 1; // the space before STRUCTURED-DATA
        let c = code_at(s, p);
        if c == b'-' {
            p += 1;
        } else if c == b'[' {
            let Some(end) = scan_structured_data(s, p) else { return Scan::Fail };
            h.structured_data = Some((p, end));
            p = end;
        } else {
            return Scan::Fail;
        }
        if p < len {
            if s[p] != b' ' {
                return Scan::Fail;
            }
            p += 1;
            if code_at(s, p) == b' ' {
                p += 1;
            }
            if s.get(p..p + 3) == Some(&[0xef, 0xbb, 0xbf][..]) {
                p += 3; // U+FEFF (BOM): one UTF-16 unit in JavaScript
            }
        }
        h.msg_start = p;
        Scan::Ok
    }
}
