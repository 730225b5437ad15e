//! One log document, byte for byte as `DocumentEncoder.write` (src/sinks/elasticsearch/encode.ts) writes it
//! after the bulk action line:
//! `{"@timestamp":"…Z","message":…` + log head + offset + level + flags + `log` members + tail + members + `}\n`.
//! The origin's constant parts (log head, tails) are encoded by JavaScript and handed over as bytes.

use crate::json_out::{write_i64, write_str};
use crate::parse::{Dataset, ParseOut};

/// The constant parts of every document of one origin (file), as the JavaScript encoder builds them.
#[derive(Default, Clone)]
pub struct OriginParts {
    /// `,"log":{"file":{"path":…},"offset":`
    pub log_head: Vec<u8>,
    /// `},"event":{"dataset":…},"host":{…}[,identity]` for the origin's dataset.
    pub tail: Vec<u8>,
    /// The same for the dataset `mesos.executor` (sandbox executor lines).
    pub tail_executor: Vec<u8>,
}

/// Flag bits (src/pipeline/records.ts, LogFlag) and their names, in that order.
pub const FLAG_TRUNCATED: u32 = 1;
pub const FLAG_INVALID_UTF8: u32 = 2;
pub const FLAG_BINARY: u32 = 4;
pub const FLAG_PARSE_FAILURE: u32 = 8;
pub const FLAG_MULTILINE: u32 = 16;
const FLAG_NAMES: [&str; 5] = ["truncated", "invalid_utf8", "binary", "parse_failure", "multiline"];

/// The range of four-digit years (0000-01-01 to 9999-12-31), as the JavaScript encoder's `isoRange`.
const MIN_ISO_MS: f64 = -62_167_219_200_000.0;
const MAX_ISO_MS: f64 = 253_402_300_799_999.0;

pub struct DocWriter {
    second: f64,
    /// `{"@timestamp":"YYYY-MM-DDTHH:MM:SS.` of `second`.
    second_bytes: Vec<u8>,
}

impl Default for DocWriter {
    fn default() -> Self {
        DocWriter { second: f64::NAN, second_bytes: Vec::with_capacity(32) }
    }
}

impl DocWriter {
    /// Appends the document of one event to `out`, newline included.
    #[allow(clippy::too_many_arguments)]
    pub fn write(&mut self, out: &mut Vec<u8>, parts: &OriginParts, ts_ms: f64, message: &str, offset: i64, flags: u32, p: &ParseOut) {
        self.timestamp(out, ts_ms);
        write_str(out, message);
        out.extend_from_slice(&parts.log_head);
        write_i64(out, offset);
        if let Some(level) = &p.level {
            out.extend_from_slice(b",\"level\":");
            write_str(out, level);
        }
        let f = flags & 31;
        if f != 0 {
            out.extend_from_slice(b",\"flags\":[");
            let mut first = true;
            for (bit, name) in FLAG_NAMES.iter().enumerate() {
                if f & (1 << bit) != 0 {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.push(b'"');
                    out.extend_from_slice(name.as_bytes());
                    out.push(b'"');
                }
            }
            out.push(b']');
        }
        out.extend_from_slice(&p.log_members);
        out.extend_from_slice(match p.dataset {
            Dataset::Origin => &parts.tail,
            Dataset::Executor => &parts.tail_executor,
        });
        out.extend_from_slice(&p.members);
        out.extend_from_slice(b"}\n");
    }

    fn timestamp(&mut self, out: &mut Vec<u8>, ms: f64) {
        let ms = if !ms.is_finite() || !(MIN_ISO_MS..=MAX_ISO_MS).contains(&ms) { 0.0 } else { ms };
        let second = (ms / 1000.0).floor();
        if second != self.second {
            self.second = second;
            self.second_bytes.clear();
            self.second_bytes.extend_from_slice(b"{\"@timestamp\":\"");
            iso_second(&mut self.second_bytes, second as i64);
            self.second_bytes.push(b'.');
        }
        out.extend_from_slice(&self.second_bytes);
        let millis = (ms - second * 1000.0).floor() as u32;
        out.extend_from_slice(&[b'0' + (millis / 100) as u8, b'0' + (millis / 10 % 10) as u8, b'0' + (millis % 10) as u8]);
        out.extend_from_slice(b"Z\",\"message\":");
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of a second since the epoch (proleptic Gregorian, UTC), years 0000-9999.
pub fn iso_second(out: &mut Vec<u8>, second: i64) {
    let days = second.div_euclid(86_400);
    let rem = second.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let two = |out: &mut Vec<u8>, v: i64| out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    two(out, y / 100);
    two(out, y % 100);
    out.push(b'-');
    two(out, m);
    out.push(b'-');
    two(out, d);
    out.push(b'T');
    two(out, rem / 3600);
    out.push(b':');
    two(out, rem / 60 % 60);
    out.push(b':');
    two(out, rem % 60);
}

/// (year, month 1-12, day 1-31) of a day since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(ms: f64) -> String {
        let mut w = DocWriter::default();
        let mut out = Vec::new();
        w.timestamp(&mut out, ms);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn timestamps_as_to_iso_string() {
        assert_eq!(iso(0.0), "{\"@timestamp\":\"1970-01-01T00:00:00.000Z\",\"message\":");
        assert_eq!(iso(1_763_719_200_123.0), "{\"@timestamp\":\"2025-11-21T10:00:00.123Z\",\"message\":");
        assert_eq!(iso(-1.0), "{\"@timestamp\":\"1969-12-31T23:59:59.999Z\",\"message\":");
        assert_eq!(iso(951_782_400_000.0), "{\"@timestamp\":\"2000-02-29T00:00:00.000Z\",\"message\":");
        assert_eq!(iso(MIN_ISO_MS), "{\"@timestamp\":\"0000-01-01T00:00:00.000Z\",\"message\":");
        assert_eq!(iso(MAX_ISO_MS), "{\"@timestamp\":\"9999-12-31T23:59:59.999Z\",\"message\":");
        assert_eq!(iso(MAX_ISO_MS + 1.0), "{\"@timestamp\":\"1970-01-01T00:00:00.000Z\",\"message\":");
        assert_eq!(iso(f64::NAN), "{\"@timestamp\":\"1970-01-01T00:00:00.000Z\",\"message\":");
    }

    #[test]
    fn flags_and_parts_in_order() {
        let mut w = DocWriter::default();
        let parts = OriginParts { log_head: b",\"log\":{\"offset\":".to_vec(), tail: b"},\"event\":{}".to_vec(), tail_executor: b"},\"x\":1".to_vec() };
        let mut p = ParseOut::default();
        p.level = Some("info".into());
        p.log_members.extend_from_slice(b",\"logger\":\"a\"");
        p.members.extend_from_slice(b",\"k\":1");
        let mut out = Vec::new();
        w.write(&mut out, &parts, 0.0, "m", 7, FLAG_TRUNCATED | FLAG_MULTILINE, &p);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"@timestamp\":\"1970-01-01T00:00:00.000Z\",\"message\":\"m\",\"log\":{\"offset\":7,\"level\":\"info\",\"flags\":[\"truncated\",\"multiline\"],\"logger\":\"a\"},\"event\":{},\"k\":1}\n"
        );
    }
}
