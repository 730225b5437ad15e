//! Bytes → lines: a port of `LineSplitter` (src/logs/tail/line-splitter.ts), I/O-free and allocation-free in the
//! steady state. Lines are handed to a [`LineSink`] as byte slices of the caller's buffer (or of the cut text
//! kept for an over-long line), with the offset, size and flags the JavaScript splitter gives.

use crate::encode::{FLAG_BINARY, FLAG_INVALID_UTF8, FLAG_TRUNCATED};

const NL: u8 = b'\n';
const CR: u8 = b'\r';

/// Receives physical lines (`LineSink` of line-splitter.ts).
pub trait LineSink {
    /// One non-empty physical line: `text` is its (cut) bytes, `utf8` the same bytes as `&str` when they are valid
    /// UTF-8 (exactly when `flags` has no `invalid_utf8`). Returns false when no more lines fit: the splitter
    /// stops after this one.
    fn line(&mut self, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32) -> bool;
}

/// Largest cut ≤ `limit` that does not split a UTF-8 character, at most 3 bytes back (`utf8CutPoint`).
/// Bytes beyond the buffer read as 0, as `buf[i]` reads `undefined` in JavaScript.
pub fn utf8_cut_point(buf: &[u8], start: usize, limit: usize) -> usize {
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    let mut cut = limit;
    let mut k = 0;
    while k < 3 && cut > start && at(cut) & 0xc0 == 0x80 {
        cut -= 1;
        k += 1;
    }
    if at(cut) & 0xc0 == 0x80 { limit } else { cut }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Some byte of the word is below 0x20 (exact for the question "is there one").
#[inline]
fn word_has_low(x: u64) -> bool {
    x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0
}

#[inline]
fn is_control(v: u8) -> bool {
    v < 0x20 && v != b'\t'
}

/// True when `b` holds a C0 control byte other than TAB (`CONTROL_RE` of line-splitter.ts: U+0000-U+0008 and
/// U+000A-U+001F). Such bytes are ASCII and survive UTF-8 decoding unchanged, so the bytes tell what the decoded
/// text holds.
pub fn has_control(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if word_has_low(x) && c.iter().any(|&v| is_control(v)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&v| is_control(v))
}

/// `decodeFlags`: `invalid_utf8` when the bytes are not valid UTF-8, `binary` when a control byte (not TAB) is
/// present. Also returns the text when it is valid UTF-8. One pass over the ASCII part of the line (both checks
/// a word at a time); from the first non-ASCII word on, the standard validation and the control scan.
pub fn decode_flags(b: &[u8]) -> (u32, Option<&str>) {
    let mut ctrl = false;
    let mut i = 0;
    for c in b.chunks_exact(8) {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // Non-ASCII, or a byte below 0x20 (TAB included): look closer.
        if (x | (x.wrapping_sub(ONES * 0x20) & !x)) & HIGHS != 0 {
            if x & HIGHS != 0 {
                break;
            }
            ctrl = ctrl || c.iter().any(|&v| is_control(v));
        }
        i += 8;
    }
    let rest = &b[i..];
    ctrl = ctrl || has_control(rest);
    let utf8 = match std::str::from_utf8(rest) {
        // SAFETY: `b[..i]` is ASCII (checked above, a word at a time), so `i` is a character boundary and
        // `b[i..]` is valid UTF-8 (just checked): the whole of `b` is valid UTF-8.
        Ok(_) => Some(unsafe { std::str::from_utf8_unchecked(b) }),
        Err(_) => None,
    };
    debug_assert_eq!(utf8.is_some(), std::str::from_utf8(b).is_ok());
    let mut flags = if utf8.is_some() { 0 } else { FLAG_INVALID_UTF8 };
    if ctrl {
        flags |= FLAG_BINARY;
    }
    (flags, utf8)
}

/// `Buffer.byteLength(buf.toString('utf8'))`: the UTF-8 length of the text after replacing each maximal invalid
/// subsequence by U+FFFD (3 bytes), as `String::from_utf8_lossy` and V8's decoder both do.
pub fn lossy_len(b: &[u8]) -> usize {
    b.utf8_chunks().map(|c| c.valid().len() + if c.invalid().is_empty() { 0 } else { 3 }).sum()
}

/// Appends `String::from_utf8_lossy(b)` (what `buf.toString('utf8')` gives) to `out`.
pub fn lossy_decode(out: &mut Vec<u8>, b: &[u8]) {
    for c in b.utf8_chunks() {
        out.extend_from_slice(c.valid().as_bytes());
        if !c.invalid().is_empty() {
            out.extend_from_slice("\u{fffd}".as_bytes());
        }
    }
}

/// `LineSplitter`. Offsets and sizes are file positions (i64; JavaScript numbers below 2^53).
pub struct Splitter {
    pub max_line_bytes: usize,
    /// Physical lines seen (empty ones included), for the lines counter; the caller resets it.
    pub lines_seen: u64,
    skipping: bool,
    skip_offset: i64,
    skip_seen: i64,
    skip_text: Vec<u8>,
    skip_flags: u32,
}

impl Splitter {
    pub fn new(max_line_bytes: usize) -> Self {
        Splitter { max_line_bytes, lines_seen: 0, skipping: false, skip_offset: 0, skip_seen: 0, skip_text: Vec::new(), skip_flags: 0 }
    }

    /// `pendingLineOffset`: in the middle of an over-long line, the offset of its first byte.
    pub fn pending_line_offset(&self) -> Option<i64> {
        self.skipping.then_some(self.skip_offset)
    }

    /// `reset`: forget any line in progress (the file was truncated).
    pub fn reset(&mut self) {
        self.skipping = false;
        self.skip_text.clear();
    }

    /// `scan(buf, n, pos, sink, final)` with `view = buf[0..n)`: returns how many bytes were consumed.
    pub fn scan(&mut self, view: &[u8], pos: i64, sink: &mut impl LineSink, fin: bool) -> usize {
        let n = view.len();
        let mut start = 0;
        if self.skipping {
            match memchr::memchr(NL, view) {
                None => {
                    self.skip_seen += n as i64;
                    if fin {
                        self.lines_seen += 1;
                        self.end_skip(sink, self.skip_seen);
                    }
                    return n;
                }
                Some(nl) => {
                    self.lines_seen += 1;
                    let more = self.end_skip(sink, self.skip_seen + nl as i64);
                    start = nl + 1;
                    if !more {
                        return start;
                    }
                }
            }
        }
        while let Some(i) = memchr::memchr(NL, &view[start..]) {
            let nl = start + i;
            self.lines_seen += 1;
            let more = self.emit(view, start, nl, pos + start as i64, sink);
            start = nl + 1;
            if !more {
                return start;
            }
        }
        let rest = n - start;
        if rest == 0 {
            return n;
        }
        if rest > self.max_line_bytes {
            // The line does not fit the buffer: keep the cut text, skip the rest until its newline.
            let cut = utf8_cut_point(view, start, start + self.max_line_bytes);
            self.skip_text.clear();
            self.skip_text.extend_from_slice(&view[start..cut]);
            self.skip_flags = decode_flags(&self.skip_text).0 | FLAG_TRUNCATED;
            self.skip_offset = pos + start as i64;
            self.skip_seen = rest as i64;
            self.skipping = true;
            if fin {
                self.lines_seen += 1;
                self.end_skip(sink, rest as i64);
            }
            return n;
        }
        if fin {
            self.lines_seen += 1;
            self.emit(view, start, n, pos + start as i64, sink);
            return n;
        }
        start // incomplete line: read again once more bytes arrived
    }

    fn end_skip(&mut self, sink: &mut impl LineSink, size: i64) -> bool {
        self.skipping = false;
        let (flags, text) = (self.skip_flags, &self.skip_text[..]);
        let utf8 = if flags & FLAG_INVALID_UTF8 == 0 { std::str::from_utf8(text).ok() } else { None };
        let more = sink.line(text, utf8, self.skip_offset, size, flags);
        self.skip_text.clear();
        more
    }

    fn emit(&self, view: &[u8], start: usize, nl: usize, offset: i64, sink: &mut impl LineSink) -> bool {
        let size = (nl - start) as i64;
        let mut end = if nl > start && view[nl - 1] == CR { nl - 1 } else { nl };
        let mut flags = 0;
        if end - start > self.max_line_bytes {
            end = utf8_cut_point(view, start, start + self.max_line_bytes);
            flags = FLAG_TRUNCATED;
        }
        if end == start {
            return true; // empty line: nothing to ship
        }
        let text = &view[start..end];
        let (f, utf8) = decode_flags(text);
        sink.line(text, utf8, offset, size, flags | f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct L {
        text: Vec<u8>,
        offset: i64,
        size: i64,
        flags: u32,
    }

    struct Collect {
        lines: Vec<L>,
        room: usize,
    }

    impl LineSink for Collect {
        fn line(&mut self, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32) -> bool {
            assert_eq!(utf8.is_some(), flags & FLAG_INVALID_UTF8 == 0);
            self.lines.push(L { text: text.to_vec(), offset, size, flags });
            self.lines.len() < self.room
        }
    }

    /// The test's `feed`: re-reads unconsumed bytes, `buf_size` at a time.
    fn feed(data: &[u8], max_line: usize, buf_size: usize, fin: bool) -> (Vec<L>, i64, u64) {
        let mut s = Splitter::new(max_line);
        let mut sink = Collect { lines: vec![], room: usize::MAX };
        let mut pos = 0usize;
        loop {
            let n = (data.len() - pos).min(buf_size);
            let short = n < buf_size;
            let consumed = s.scan(&data[pos..pos + n], pos as i64, &mut sink, fin && short);
            pos += consumed;
            if short {
                break;
            }
        }
        (sink.lines, pos as i64, s.lines_seen)
    }

    #[test]
    fn splits_strips_cr_skips_empty_holds_incomplete() {
        let data = b"one\r\ntwo\n\n\r\nthree\npart";
        let (lines, pos, seen) = feed(data, 100, 7, false);
        let texts: Vec<&[u8]> = lines.iter().map(|l| &l.text[..]).collect();
        assert_eq!(texts, [&b"one"[..], b"two", b"three"]);
        assert_eq!(lines.iter().map(|l| l.offset).collect::<Vec<_>>(), [0, 5, 12]);
        assert_eq!(lines.iter().map(|l| l.size).collect::<Vec<_>>(), [4, 3, 5]);
        assert_eq!(pos, 18);
        assert_eq!(seen, 5);
        let (lines, _, _) = feed(data, 100, 64, true);
        assert_eq!(lines.last(), Some(&L { text: b"part".to_vec(), offset: 18, size: 4, flags: 0 }));
    }

    #[test]
    fn stops_when_sink_full() {
        let mut s = Splitter::new(100);
        let mut sink = Collect { lines: vec![], room: 2 };
        assert_eq!(s.scan(b"a\nb\nc\n", 0, &mut sink, false), 4);
        assert_eq!(sink.lines.len(), 2);
    }

    #[test]
    fn over_long_line_in_buffer() {
        let long = format!("ab{}", "é".repeat(10));
        let (lines, _, _) = feed(format!("{long}\nnext\n").as_bytes(), 5, 64, false);
        assert_eq!(lines[0], L { text: "abé".as_bytes().to_vec(), offset: 0, size: 22, flags: FLAG_TRUNCATED });
        assert_eq!(lines[1].text, b"next");
        assert_eq!(utf8_cut_point("aé".as_bytes(), 0, 2), 1);
        // A CR kept inside the cut, and a final line that is only "\r".
        let (lines, _, seen) = feed(b"abcdef\r\n\r", 6, 64, true);
        assert_eq!(lines, [L { text: b"abcdef".to_vec(), offset: 0, size: 7, flags: 0 }]);
        assert_eq!(seen, 2);
        let (lines, _, _) = feed(b"abcdefg\r\n", 6, 64, true);
        assert_eq!(lines, [L { text: b"abcdef".to_vec(), offset: 0, size: 8, flags: FLAG_TRUNCATED }]);
    }

    #[test]
    fn over_long_line_across_buffers() {
        let mut data = b"head\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 1_000_000));
        data.extend_from_slice(b"\ntail\n");
        let (lines, _, _) = feed(&data, 100, 4096, false);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], L { text: vec![b'x'; 100], offset: 5, size: 1_000_000, flags: FLAG_TRUNCATED });
        assert_eq!(lines[2], L { text: b"tail".to_vec(), offset: 1_000_006, size: 4, flags: 0 });
        let mut data = b"h\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 1_000_000));
        let (lines, _, _) = feed(&data, 100, 4096, true);
        assert_eq!(lines[1].size, 1_000_000);
    }

    #[test]
    fn invalid_utf8_and_binary() {
        let mut data = "ok \u{fffd} literal\n".as_bytes().to_vec();
        data.extend_from_slice(&[0x61, 0xff, 0xfe, 0x62, 0x0a]);
        data.extend_from_slice(b"nul\0byte\tand tab\ntab\tonly\nesc \x1b[31mred\n");
        data.extend_from_slice(&[0xc3, 0x28, 0x00, 0x0a]);
        let (lines, _, _) = feed(&data, 100, 64, false);
        let flags: Vec<u32> = lines.iter().map(|l| l.flags).collect();
        assert_eq!(flags, [0, FLAG_INVALID_UTF8, FLAG_BINARY, 0, FLAG_BINARY, FLAG_INVALID_UTF8 | FLAG_BINARY]);
        assert_eq!(lossy_len(&lines[1].text), "a\u{fffd}\u{fffd}b".len());
    }

    #[test]
    fn decode_flags_matches_the_definition() {
        let pieces: [&[u8]; 8] = [b"a", b"\t", b"\x01", b"\x1f", "\u{e9}".as_bytes(), b"\xff", b"\xc3", "\u{1d11e}".as_bytes()];
        let mut r = 7u64;
        for _ in 0..20_000 {
            let mut b = Vec::new();
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            let len = (r % 40) as usize;
            let mut x = r;
            for _ in 0..len {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let p = pieces[((x >> 33) % 16) as usize % 8];
                b.extend_from_slice(if (x >> 40).is_multiple_of(3) { p } else { b"a" });
            }
            let (flags, s) = decode_flags(&b);
            let valid = std::str::from_utf8(&b).is_ok();
            let ctrl = b.iter().any(|&v| v < 0x20 && v != 9);
            assert_eq!(s.is_some(), valid);
            assert_eq!(flags, if valid { 0 } else { FLAG_INVALID_UTF8 } | if ctrl { FLAG_BINARY } else { 0 });
        }
    }

    #[test]
    fn control_scan_matches_bytewise() {
        for len in 0..40 {
            for pos in 0..len {
                for v in [0u8, 8, 9, 10, 13, 31, 32, 0x7f, 0x80, 0xff] {
                    let mut b = vec![b'a'; len];
                    b[pos] = v;
                    assert_eq!(has_control(&b), v < 0x20 && v != 9, "len {len} pos {pos} v {v}");
                }
            }
        }
    }
}
