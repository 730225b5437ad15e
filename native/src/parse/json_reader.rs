//! A single-pass JSON reader over a line's bytes that writes each value back out as
//! `JSON.stringify(JSON.parse(text))` would, for the `json` parser (src/logs/parse/json.ts).
//!
//! It accepts exactly the grammar `JSON.parse` accepts (ECMA-404: whitespace is space, TAB, LF and CR; no raw
//! control characters in strings; the ten escapes; `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), and fails on
//! anything else. It also stops (declines) on what the JavaScript would not round-trip unchanged or what the
//! redaction gate may touch:
//! - keys with an escape sequence: V8's JSON.parse (Node.js 24 to 26 at least) may decode an escaped key
//!   wrongly, depending on the keys parsed before it in the process (it reuses a map transition whose key
//!   matches a prefix of the raw text: `{"h":[],"\\":0}` then `{"h":1,"\"":2}` gives the key `\` for `"`;
//!   nodejs/node#63785), so the JavaScript document cannot be predicted,
//! - objects with a duplicate key (JSON.parse keeps the last value at the first key's position),
//! - keys made of digits only (JavaScript enumerates array-index keys first, in numeric order),
//! - lone surrogate escapes (`"\ud800"`: a Rust string cannot hold them),
//! - nesting deeper than `MAX_DEPTH` (`nestsDeeperThan` in json.ts refuses the line),
//! - any string on which the gate fires and any key the gate names as a secret.
//!
//! A [`Stop`] says which: `Invalid` where JavaScript fails on the line too (the sandbox's `auto` mode then ships
//! it as plain text), `Decline` where the JavaScript path must decide.

use std::collections::HashSet;

use crate::json_out::{write_f64, write_str};
use crate::parse::Gate;

/// `MAX_DEPTH` of json.ts: brackets nested deeper than this (the line's top object counting 1) fail the line.
pub const MAX_DEPTH: u32 = 256;

/// Why reading stopped. Either way the native parser gives the line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The JavaScript parser fails on this line too (`JSON.parse` throws, or the nesting is too deep).
    Invalid,
    /// The JavaScript result cannot be reproduced here (or the gate fired): the JavaScript path decides.
    Decline,
}

pub type R<T> = Result<T, Stop>;

/// What kind of value was read (and written), with what the `json` parser needs of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// A string: its raw text is `line[start..end]` (inside the quotes); when `escaped`, its value is
    /// `Scratch::text` (unescaped), else the raw text itself.
    Str { start: usize, end: usize, escaped: bool },
    /// A number, with its raw text at `line[start..end]`.
    Num { start: usize, end: usize },
    /// `true`, `false` or `null`.
    Lit,
    Obj,
    Arr,
}

/// Objects with more keys than this check duplicates in a hash set instead of a linear scan.
const LINEAR_KEYS: usize = 24;

/// Byte classes inside a string: 0 plain, 1 `"`, 2 `\`, 3 control character (invalid raw in JSON).
static STR_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 3;
        i += 1;
    }
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 2;
    t
};

/// The index of the first byte at or after `i` that is `"`, `\\` or a control character (`b.len()` if none):
/// eight bytes at a time, then byte by byte. In each word the lowest flagged byte is exact (the borrows of the
/// subtractions only flag bytes above a true match), and that is the one taken.
#[inline]
fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= b.len() {
        let x = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let q = x ^ (ONES * b'"' as u64);
        let e = x ^ (ONES * b'\\' as u64);
        let hit = (q.wrapping_sub(ONES) & !q | e.wrapping_sub(ONES) & !e | x.wrapping_sub(ONES * 0x20) & !x) & HIGH;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && STR_CLASS[b[i] as usize] == 0 {
        i += 1;
    }
    i
}

/// Reusable state of the reader (kept by the parser across lines).
#[derive(Default)]
pub struct Scratch {
    /// The unescaped value of the last escaped string value read.
    pub text: String,
    /// Hashes of the keys of the objects being read, innermost last.
    hashes: Vec<u64>,
    /// (object serial, key hash) of wide objects.
    wide: HashSet<(u32, u64)>,
    serial: u32,
    /// `levelName(obj.log.level)` when the reader was asked for it (see `Reader::object`).
    pub nested_level: Option<String>,
}

impl Scratch {
    /// Clears what one line left behind (keeps the capacity, except of a huge hash set).
    pub fn reset(&mut self) {
        self.hashes.clear();
        if !self.wide.is_empty() {
            if self.wide.capacity() > 1 << 16 {
                self.wide = HashSet::new();
            } else {
                self.wide.clear();
            }
        }
        self.serial = 0;
        self.nested_level = None;
    }
}

/// A cursor over one line, with the gate to check strings and keys against (`None` when redaction is off).
pub struct Reader<'a> {
    pub s: &'a str,
    pub b: &'a [u8],
    pub pos: usize,
    pub gate: Option<&'a dyn Gate>,
}

#[inline]
fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\n' || c == b'\r'
}

#[inline]
fn hex(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'a'..=b'f' => Some((c - b'a' + 10) as u32),
        b'A'..=b'F' => Some((c - b'A' + 10) as u32),
        _ => None,
    }
}

/// A 64-bit hash of a key, eight bytes at a time: equal hashes are taken as equal keys (a collision only
/// declines a line).
#[inline]
fn key_hash(k: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (k.len() as u64).wrapping_mul(K);
    let mut chunks = k.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        h = (h ^ w).wrapping_mul(K).rotate_left(31);
    }
    let r = chunks.remainder();
    let n = r.len();
    // The last 0-7 bytes, every one of them in the word (overlapping reads: no byte copies).
    let w = if n >= 4 {
        let lo = u32::from_le_bytes([r[0], r[1], r[2], r[3]]);
        let hi = u32::from_le_bytes([r[n - 4], r[n - 3], r[n - 2], r[n - 1]]);
        lo as u64 | (hi as u64) << 32
    } else if n > 0 {
        r[0] as u64 | (r[n / 2] as u64) << 8 | (r[n - 1] as u64) << 16
    } else {
        0
    };
    h = (h ^ w).wrapping_mul(K).rotate_left(31);
    h ^ (h >> 29)
}

/// `levelName(v)` of json.ts for a string: 1 to 32 UTF-16 code units, lower-cased. Non-ASCII text is declined
/// (`toLowerCase` is Unicode-aware there).
pub fn level_of_str(v: &str) -> R<Option<String>> {
    if !v.is_ascii() {
        return Err(Stop::Decline);
    }
    if v.is_empty() || v.len() > 32 {
        return Ok(None);
    }
    Ok(Some(v.to_ascii_lowercase()))
}

/// `levelName(v)` of json.ts for a number: the pino/bunyan levels.
pub fn level_of_num(v: f64) -> Option<String> {
    let name = if v == 10.0 {
        "trace"
    } else if v == 20.0 {
        "debug"
    } else if v == 30.0 {
        "info"
    } else if v == 40.0 {
        "warn"
    } else if v == 50.0 {
        "error"
    } else if v == 60.0 {
        "fatal"
    } else {
        return None;
    };
    Some(name.to_owned())
}

/// The number `JSON.parse` gives for a number's text (correctly rounded, like V8; overflow gives Infinity).
#[inline]
pub fn num_value(raw: &str) -> f64 {
    raw.parse::<f64>().unwrap_or(f64::NAN)
}

impl<'a> Reader<'a> {
    pub fn new(s: &'a str, pos: usize, gate: Option<&'a dyn Gate>) -> Self {
        Reader { s, b: s.as_bytes(), pos, gate }
    }

    #[inline]
    fn peek(&self) -> u8 {
        if self.pos < self.b.len() { self.b[self.pos] } else { 0 }
    }

    #[inline]
    pub fn skip_ws(&mut self) {
        while self.pos < self.b.len() && is_ws(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    #[inline]
    pub fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    #[inline]
    fn expect(&mut self, c: u8) -> R<()> {
        if self.peek() == c {
            self.pos += 1;
            Ok(())
        } else {
            Err(Stop::Invalid)
        }
    }

    /// The string at `pos` (its opening quote). Returns the raw range inside the quotes and whether it had
    /// escapes; the unescaped text of an escaped string goes to `text`. Stops on invalid strings and on lone
    /// surrogate escapes.
    fn string(&mut self, text: &mut String) -> R<(usize, usize, bool)> {
        let b = self.b;
        let start = self.pos + 1;
        let mut i = plain_run(b, start);
        if i >= b.len() {
            return Err(Stop::Invalid);
        }
        match STR_CLASS[b[i] as usize] {
            1 => {
                self.pos = i + 1;
                return Ok((start, i, false));
            }
            2 => {}
            _ => return Err(Stop::Invalid),
        }
        // Escaped: unescape from here on.
        text.clear();
        text.push_str(&self.s[start..i]);
        loop {
            let j = plain_run(b, i);
            text.push_str(&self.s[i..j]);
            if j >= b.len() {
                return Err(Stop::Invalid);
            }
            match STR_CLASS[b[j] as usize] {
                1 => {
                    self.pos = j + 1;
                    return Ok((start, j, true));
                }
                3 => return Err(Stop::Invalid),
                _ => {}
            }
            // b[j] == '\\'
            let e = if j + 1 < b.len() { b[j + 1] } else { return Err(Stop::Invalid) };
            i = j + 2;
            let c = match e {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let u = self.hex4(j + 2)?;
                    i = j + 6;
                    if (0xd800..0xdc00).contains(&u) {
                        // A high surrogate must be followed by an escaped low one, else it stays lone.
                        if i + 1 < b.len() && b[i] == b'\\' && b[i + 1] == b'u' {
                            let lo = self.hex4(i + 2)?;
                            if (0xdc00..0xe000).contains(&lo) {
                                i += 6;
                                char::from_u32(0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00)).ok_or(Stop::Decline)?
                            } else {
                                return Err(Stop::Decline);
                            }
                        } else {
                            return Err(Stop::Decline);
                        }
                    } else {
                        char::from_u32(u).ok_or(Stop::Decline)? // a lone low surrogate fails here
                    }
                }
                _ => return Err(Stop::Invalid),
            };
            text.push(c);
        }
    }

    #[inline]
    fn hex4(&self, at: usize) -> R<u32> {
        if at + 4 > self.b.len() {
            return Err(Stop::Invalid);
        }
        let mut v = 0;
        for k in 0..4 {
            v = (v << 4) | hex(self.b[at + k]).ok_or(Stop::Invalid)?;
        }
        Ok(v)
    }

    /// The number at `pos`: its raw range, checked against the JSON grammar.
    fn number(&mut self) -> R<(usize, usize)> {
        let b = self.b;
        let start = self.pos;
        let mut i = start;
        if i < b.len() && b[i] == b'-' {
            i += 1;
        }
        let digits = |i: &mut usize| {
            let from = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - from
        };
        if i < b.len() && b[i] == b'0' {
            i += 1;
        } else if digits(&mut i) == 0 {
            return Err(Stop::Invalid);
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(Stop::Invalid);
            }
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(Stop::Invalid);
            }
        }
        self.pos = i;
        Ok((start, i))
    }

    /// Writes a number's JavaScript text: integers of up to 15 digits as they are (`-0` excepted), anything
    /// else through f64 and `Number.prototype.toString`.
    fn write_number(&self, out: &mut Vec<u8>, start: usize, end: usize) {
        let raw = &self.b[start..end];
        let digits = if raw[0] == b'-' { &raw[1..] } else { raw };
        if digits.len() <= 15 && digits.iter().all(u8::is_ascii_digit) && !(raw[0] == b'-' && digits == b"0") {
            out.extend_from_slice(raw);
        } else {
            write_f64(out, num_value(&self.s[start..end]));
        }
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Stop::Invalid)
        }
    }

    #[inline]
    fn gate_str(&self, v: &str) -> R<()> {
        match self.gate {
            Some(g) if g.flags(v) != 0 => Err(Stop::Decline),
            _ => Ok(()),
        }
    }

    /// Reads the value at `pos` (whitespace already skipped) inside a container at depth `depth` and writes it
    /// to `out` as JSON.stringify would. `want_level`: an object's `level` member is read as `levelName` into
    /// `sc.nested_level` (json.ts reads `obj.log.level`).
    pub fn value(&mut self, sc: &mut Scratch, out: &mut Vec<u8>, depth: u32, want_level: bool) -> R<Val> {
        match self.peek() {
            b'"' => {
                let (start, end, escaped) = self.string(&mut sc.text)?;
                if escaped {
                    self.gate_str(&sc.text)?;
                    write_str(out, &sc.text);
                } else {
                    self.gate_str(&self.s[start..end])?;
                    out.extend_from_slice(&self.b[start - 1..end + 1]);
                }
                Ok(Val::Str { start, end, escaped })
            }
            b'{' => {
                self.object(sc, out, depth + 1, want_level)?;
                Ok(Val::Obj)
            }
            b'[' => {
                self.array(sc, out, depth + 1)?;
                Ok(Val::Arr)
            }
            b't' => {
                self.literal(b"true")?;
                out.extend_from_slice(b"true");
                Ok(Val::Lit)
            }
            b'f' => {
                self.literal(b"false")?;
                out.extend_from_slice(b"false");
                Ok(Val::Lit)
            }
            b'n' => {
                self.literal(b"null")?;
                out.extend_from_slice(b"null");
                Ok(Val::Lit)
            }
            b'-' | b'0'..=b'9' => {
                let (start, end) = self.number()?;
                self.write_number(out, start, end);
                Ok(Val::Num { start, end })
            }
            _ => Err(Stop::Invalid),
        }
    }

    /// Reads a key at `pos` (its opening quote), checks it and writes `"key":` to `out`; returns its range
    /// in the line. Stops on keys with an escape (V8's JSON.parse can decode those wrongly: see the module
    /// comment), digit-only keys, secret keys, and duplicates within the object whose key hashes start at
    /// `sc.hashes[mark]`. Leaves `pos` after the colon and the spaces around it.
    pub fn key(&mut self, sc: &mut Scratch, out: &mut Vec<u8>, mark: usize, serial: u32) -> R<(usize, usize)> {
        if self.peek() != b'"' {
            return Err(Stop::Invalid);
        }
        let b = self.b;
        let start = self.pos + 1;
        let i = plain_run(b, start);
        if i >= b.len() || b[i] != b'"' {
            // an escape (see the module comment), or a control character or the end of the line (invalid)
            return Err(if i < b.len() && b[i] == b'\\' { Stop::Decline } else { Stop::Invalid });
        }
        let end = i;
        self.pos = end + 1;
        let k = &self.s[start..end];
        if !k.is_empty() && k.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Stop::Decline); // an array-index key (or close to one): JavaScript would reorder it
        }
        if let Some(g) = self.gate
            && g.secret_key(k)
        {
            return Err(Stop::Decline);
        }
        let h = key_hash(k.as_bytes());
        let n = sc.hashes.len() - mark;
        if n < LINEAR_KEYS {
            if sc.hashes[mark..].contains(&h) {
                return Err(Stop::Decline);
            }
        } else {
            if n == LINEAR_KEYS {
                for &o in &sc.hashes[mark..] {
                    sc.wide.insert((serial, o));
                }
            }
            if !sc.wide.insert((serial, h)) {
                return Err(Stop::Decline);
            }
        }
        sc.hashes.push(h);
        out.extend_from_slice(&b[start - 1..end + 1]);
        out.push(b':');
        self.skip_ws();
        self.expect(b':')?;
        self.skip_ws();
        Ok((start, end))
    }

    /// A new object's place in the key stacks: (mark, serial).
    #[inline]
    pub fn open_keys(&self, sc: &mut Scratch) -> (usize, u32) {
        sc.serial = sc.serial.wrapping_add(1);
        (sc.hashes.len(), sc.serial)
    }

    /// The object at `pos` (its `{`), at depth `depth` (the line's object is 1).
    fn object(&mut self, sc: &mut Scratch, out: &mut Vec<u8>, depth: u32, want_level: bool) -> R<()> {
        if depth > MAX_DEPTH {
            return Err(Stop::Invalid);
        }
        self.pos += 1;
        out.push(b'{');
        self.skip_ws();
        if self.peek() == b'}' {
            self.pos += 1;
            out.push(b'}');
            return Ok(());
        }
        let (mark, serial) = self.open_keys(sc);
        let mut first = true;
        loop {
            if !first {
                out.push(b',');
            }
            first = false;
            let (ks, ke) = self.key(sc, out, mark, serial)?;
            let is_level = want_level && &self.b[ks..ke] == b"level";
            let v = self.value(sc, out, depth, false)?;
            if is_level {
                sc.nested_level = match v {
                    Val::Str { start, end, escaped } => level_of_str(if escaped { &sc.text } else { &self.s[start..end] })?,
                    Val::Num { start, end } => level_of_num(num_value(&self.s[start..end])),
                    _ => None,
                };
            }
            self.skip_ws();
            match self.peek() {
                b',' => {
                    self.pos += 1;
                    self.skip_ws();
                }
                b'}' => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(Stop::Invalid),
            }
        }
        sc.hashes.truncate(mark);
        out.push(b'}');
        Ok(())
    }

    /// The array at `pos` (its `[`), at depth `depth`.
    fn array(&mut self, sc: &mut Scratch, out: &mut Vec<u8>, depth: u32) -> R<()> {
        if depth > MAX_DEPTH {
            return Err(Stop::Invalid);
        }
        self.pos += 1;
        out.push(b'[');
        self.skip_ws();
        if self.peek() == b']' {
            self.pos += 1;
            out.push(b']');
            return Ok(());
        }
        loop {
            self.value(sc, out, depth, false)?;
            self.skip_ws();
            match self.peek() {
                b',' => {
                    self.pos += 1;
                    out.push(b',');
                    self.skip_ws();
                }
                b']' => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(Stop::Invalid),
            }
        }
        out.push(b']');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_run_finds_the_first_special_byte() {
        let mut seed: u64 = 12345;
        let pool = [b'a', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xff, 0x00, 0x21, 0x5b, 0x5d];
        for _ in 0..20_000 {
            let mut v = Vec::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                v.push(if seed.is_multiple_of(5) { pool[(seed >> 8) as usize % pool.len()] } else { b'a' + (seed >> 20) as u8 % 26 });
            }
            for start in 0..=v.len() {
                let want = (start..v.len()).find(|&i| STR_CLASS[v[i] as usize] != 0).unwrap_or(v.len());
                assert_eq!(plain_run(&v, start), want, "{v:?} from {start}");
            }
        }
    }
}
