//! Multiline joining: a port of `MultilineJoiner` (src/logs/tail/multiline.ts). The joined text is kept as the
//! lines' bytes joined with `\n` (JavaScript decodes each line, then joins: the same text once decoded); its
//! length for the cap is the decoded text's UTF-8 length, as `Buffer.byteLength` measures it.

use regex::bytes::Regex;

use crate::encode::{FLAG_INVALID_UTF8, FLAG_MULTILINE, FLAG_TRUNCATED};
use crate::splitter::{lossy_decode, lossy_len};

/// `MultilineConfig`, with the start pattern already translated to the `regex` crate's syntax.
#[derive(Clone, Debug)]
pub struct MultilineConfig {
    pub pattern: String,
    pub negate: bool,
    pub timeout_ms: f64,
    pub max_lines: f64,
}

/// Receives the events (`EventSink` of multiline.ts).
pub trait EventSink {
    /// One event: `text` is its bytes (lines joined with `\n`), `utf8` the same as `&str` when every line was
    /// valid UTF-8.
    fn event(&mut self, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32);
}

pub struct Joiner {
    re: Regex,
    negate: bool,
    timeout_ms: f64,
    max_lines: f64,
    /// The cap of the joined text (`maxBytes`: the group's max_line_bytes when the joiner was made).
    max_bytes: usize,
    /// The joined text. While `valid`, it was built from `&str` pieces and `\n` only (valid UTF-8).
    text: Vec<u8>,
    valid: bool,
    text_bytes: usize,
    lines: u32,
    offset: i64,
    end_offset: i64,
    flags: u32,
    last_append_ms: f64,
    /// The decoded text of an invalid line, which JavaScript tests the pattern against.
    lossy: Vec<u8>,
}

impl Joiner {
    /// `new MultilineJoiner(cfg, maxBytes)`; fails when the pattern does not compile.
    pub fn new(cfg: &MultilineConfig, max_bytes: usize) -> Result<Joiner, regex::Error> {
        Ok(Joiner {
            re: Regex::new(&cfg.pattern)?,
            negate: cfg.negate,
            timeout_ms: cfg.timeout_ms,
            max_lines: cfg.max_lines,
            max_bytes,
            text: Vec::new(),
            valid: true,
            text_bytes: 0,
            lines: 0,
            offset: 0,
            end_offset: 0,
            flags: 0,
            last_append_ms: 0.0,
            lossy: Vec::new(),
        })
    }

    /// `hasPending`.
    pub fn has_pending(&self) -> bool {
        self.lines > 0
    }

    /// `pendingOffset`: the first byte of the event in progress.
    pub fn pending_offset(&self) -> Option<i64> {
        (self.lines > 0).then_some(self.offset)
    }

    /// `deadlineMs`: monotonic time at which the event in progress times out (None for Infinity).
    pub fn deadline_ms(&self) -> Option<f64> {
        (self.lines > 0).then_some(self.last_append_ms + self.timeout_ms)
    }

    /// `push(text, offset, sizeBytes, flags, nowMonoMs, sink)`: `text` is the line's bytes, `utf8` the same as
    /// `&str` when they are valid UTF-8 (exactly when `flags` has no `invalid_utf8`).
    #[allow(clippy::too_many_arguments)]
    pub fn push(&mut self, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32, now_mono_ms: f64, sink: &mut impl EventSink) {
        let valid = utf8.is_some();
        debug_assert_eq!(valid, flags & FLAG_INVALID_UTF8 == 0);
        let subject = if valid {
            text
        } else {
            self.lossy.clear();
            lossy_decode(&mut self.lossy, text);
            &self.lossy[..]
        };
        let is_start = self.re.is_match(subject) != self.negate;
        if self.lines > 0 && is_start {
            self.flush(sink);
        }
        self.last_append_ms = now_mono_ms;
        let bytes = if valid { text.len() } else { lossy_len(text) };
        if self.lines == 0 {
            self.text.clear();
            self.text.extend_from_slice(text);
            self.valid = valid;
            self.text_bytes = bytes;
            self.lines = 1;
            self.offset = offset;
            self.flags = flags;
        } else {
            if self.text_bytes + bytes < self.max_bytes {
                // JavaScript: `textBytes + (byteLength + 1) <= maxBytes`.
                self.text.push(b'\n');
                self.text.extend_from_slice(text);
                self.valid &= valid;
                self.text_bytes += bytes + 1;
            } else {
                self.flags |= FLAG_TRUNCATED;
            }
            self.lines += 1;
            self.flags |= flags | FLAG_MULTILINE;
        }
        self.end_offset = offset + size;
        if f64::from(self.lines) >= self.max_lines {
            self.flush(sink);
        }
    }

    /// `expired(nowMonoMs)`: the event in progress has waited `timeoutMs` without a new line.
    pub fn expired(&self, now_mono_ms: f64) -> bool {
        self.lines > 0 && now_mono_ms >= self.last_append_ms + self.timeout_ms
    }

    /// `flush(sink)`: emit the event in progress, if any.
    pub fn flush(&mut self, sink: &mut impl EventSink) {
        if self.lines == 0 {
            return;
        }
        self.lines = 0;
        // SAFETY: while `valid`, `text` holds only the bytes of `&str` lines and `\n` (see `push`).
        let utf8 = if self.valid { Some(unsafe { std::str::from_utf8_unchecked(&self.text) }) } else { None };
        debug_assert_eq!(utf8.is_some(), std::str::from_utf8(&self.text).is_ok());
        sink.event(&self.text, utf8, self.offset, self.end_offset - self.offset, self.flags);
        self.text.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Events(Vec<(String, i64, i64, u32)>);

    impl EventSink for Events {
        fn event(&mut self, text: &[u8], _utf8: Option<&str>, offset: i64, size: i64, flags: u32) {
            self.0.push((String::from_utf8_lossy(text).into_owned(), offset, size, flags));
        }
    }

    fn cfg(pattern: &str, negate: bool, max_lines: f64) -> MultilineConfig {
        MultilineConfig { pattern: pattern.into(), negate, timeout_ms: 100.0, max_lines }
    }

    fn feed(j: &mut Joiner, sink: &mut Events, lines: &[&str]) {
        let mut off = 0;
        for l in lines {
            j.push(l.as_bytes(), Some(l), off, l.len() as i64, 0, 0.0, sink);
            off += l.len() as i64 + 1;
        }
    }

    const TRACE: [&str; 4] = ["2024-01-01 ERROR boom", "java.lang.X: y", "\tat a.b(C.java:1)", "\tat d.e(F.java:2)"];

    #[test]
    fn joins_continuations() {
        let mut s = Events::default();
        let mut j = Joiner::new(&cfg("^[0-9]{4}-", false, 50.0), 1 << 20).unwrap();
        let mut lines = TRACE.to_vec();
        lines.push("2024-01-01 INFO next");
        feed(&mut j, &mut s, &lines);
        let joined = TRACE.join("\n");
        assert_eq!(s.0, [(joined.clone(), 0, joined.len() as i64, FLAG_MULTILINE)]);
        assert_eq!(j.pending_offset(), Some(joined.len() as i64 + 1));
        j.flush(&mut s);
        assert_eq!(s.0[1].3, 0);
        assert_eq!(j.pending_offset(), None);
    }

    #[test]
    fn negate() {
        let mut s = Events::default();
        let mut j = Joiner::new(&cfg("^[ \t]", true, 50.0), 1 << 20).unwrap();
        feed(&mut j, &mut s, &["a", " b", " c", "d"]);
        j.flush(&mut s);
        let texts: Vec<&str> = s.0.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(texts, ["a\n b\n c", "d"]);
    }

    #[test]
    fn max_lines_timeout_cap() {
        let mut s = Events::default();
        let mut j = Joiner::new(&cfg("^S", false, 3.0), 12).unwrap();
        feed(&mut j, &mut s, &["S1", "c", "c", "c"]);
        assert_eq!(s.0.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["S1\nc\nc"]);
        assert!(!j.expired(50.0));
        assert!(j.expired(100.0));
        assert_eq!(j.deadline_ms(), Some(100.0));
        j.flush(&mut s);
        let mut s2 = Events::default();
        let mut j2 = Joiner::new(&cfg("^S", false, 50.0), 13).unwrap();
        feed(&mut j2, &mut s2, &["S-start", "c1234", "c5678"]);
        j2.flush(&mut s2);
        assert_eq!(s2.0[0].0, "S-start\nc1234");
        assert_eq!(s2.0[0].2, "S-start\nc1234\nc5678".len() as i64);
        assert_eq!(s2.0[0].3, FLAG_MULTILINE | FLAG_TRUNCATED);
        // A shorter later line still fits after a longer one was dropped (as in JavaScript).
        let mut s3 = Events::default();
        let mut j3 = Joiner::new(&cfg("^S", false, 50.0), 10).unwrap();
        feed(&mut j3, &mut s3, &["S1", "c12345678", "c1"]);
        j3.flush(&mut s3);
        assert_eq!(s3.0[0].0, "S1\nc1");
        // max_lines 1 and 0: every line is its own event.
        let mut s4 = Events::default();
        let mut j4 = Joiner::new(&cfg("^S", false, 0.0), 10).unwrap();
        feed(&mut j4, &mut s4, &["a", "b"]);
        assert_eq!(s4.0.len(), 2);
        assert!(!j4.has_pending());
    }

    #[test]
    fn invalid_lines_count_decoded_bytes_and_match_decoded_text() {
        let mut s = Events::default();
        // "[^x]" on the decoded text matches U+FFFD; on the raw bytes of an invalid sequence it would not.
        let mut j = Joiner::new(&cfg(r"^[^a-z]", false, 50.0), 9).unwrap();
        j.push(b"S", Some("S"), 0, 1, 0, 0.0, &mut s);
        j.push(&[0xff], None, 2, 1, FLAG_INVALID_UTF8, 0.0, &mut s); // a start line: flushes "S"
        j.push(b"abcd", Some("abcd"), 4, 4, 0, 0.0, &mut s); // 3 + 1 + 4 = 8 ≤ 9
        j.push(b"b", Some("b"), 9, 1, 0, 0.0, &mut s); // 8 + 2 > 9: dropped
        j.flush(&mut s);
        assert_eq!(s.0[0], ("S".into(), 0, 1, 0));
        assert_eq!(s.0[1], ("\u{fffd}\nabcd".into(), 2, 8, FLAG_INVALID_UTF8 | FLAG_MULTILINE | FLAG_TRUNCATED));
    }
}
