//! JSON text written the way JavaScript's `JSON.stringify` writes it, byte for byte, straight into a `Vec<u8>`.
//!
//! Strings here are always valid UTF-8 (Rust `&str`), so there are no lone surrogates to escape: the escapes
//! are `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` (lower-case hex) for the other C0 controls.
//! Everything else, DEL and U+2028/U+2029 included, is copied as is, as `JSON.stringify` does.

/// For each byte: 0 = copy as is, otherwise the character after the backslash (`u` = `\u00xx`).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `"…"`: the string quoted and escaped as `JSON.stringify(s)` writes it.
#[inline]
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_str_body(out, s.as_bytes());
    out.push(b'"');
}

/// The escaped characters of a string without the quotes. `b` must be valid UTF-8.
#[inline]
pub fn write_str_body(out: &mut Vec<u8>, b: &[u8]) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Some byte of the word is < 0x20, '"' or '\\' (exact for "is there one"; then byte by byte).
    let needs = |x: u64| {
        let quote = x ^ (ONES * b'"' as u64);
        let slash = x ^ (ONES * b'\\' as u64);
        (x.wrapping_sub(ONES * 0x20) & !x | quote.wrapping_sub(ONES) & !quote | slash.wrapping_sub(ONES) & !slash) & HIGHS != 0
    };
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(c) = b.get(i..i + 8) {
            let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            if !needs(x) {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(b.len());
        while i < end {
            let c = b[i];
            let e = ESCAPE[c as usize];
            if e != 0 {
                out.extend_from_slice(&b[start..i]);
                if e == b'u' {
                    out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
                } else {
                    out.extend_from_slice(&[b'\\', e]);
                }
                start = i + 1;
            }
            i += 1;
        }
    }
    out.extend_from_slice(&b[start..]);
}

/// `,"key":` (the key is written as given: callers pass literal ASCII keys without characters to escape).
#[inline]
pub fn write_key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// A JavaScript number as `JSON.stringify` writes it: `null` when not finite, else `Number.prototype.toString`.
#[inline]
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        out.extend_from_slice(b"null");
    } else if v == 0.0 {
        out.push(b'0'); // -0 too
    } else if v.fract() == 0.0 && v.abs() < 1e21 {
        if v.abs() < 9_007_199_254_740_992.0 {
            let mut b = itoa::Buffer::new();
            out.extend_from_slice(b.format(v as i64).as_bytes());
        } else {
            let mut b = ryu_js::Buffer::new();
            out.extend_from_slice(b.format_finite(v).as_bytes());
        }
    } else {
        let mut b = ryu_js::Buffer::new();
        out.extend_from_slice(b.format_finite(v).as_bytes());
    }
}

/// An integer (offsets, ports, sizes).
#[inline]
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    let mut b = itoa::Buffer::new();
    out.extend_from_slice(b.format(v).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> String {
        let mut o = Vec::new();
        write_str(&mut o, x);
        String::from_utf8(o).unwrap()
    }

    fn n(v: f64) -> String {
        let mut o = Vec::new();
        write_f64(&mut o, v);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn strings_as_json_stringify() {
        assert_eq!(s("plain"), "\"plain\"");
        assert_eq!(s("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(s("\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f}"), "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\u{7f}\"");
        assert_eq!(s("é€😀\u{2028}"), "\"é€😀\u{2028}\"");
    }

    #[test]
    fn numbers_as_javascript() {
        assert_eq!(n(0.0), "0");
        assert_eq!(n(-0.0), "0");
        assert_eq!(n(1.5), "1.5");
        assert_eq!(n(100.0), "100");
        assert_eq!(n(-42.0), "-42");
        assert_eq!(n(1e21), "1e+21");
        assert_eq!(n(1e20), "100000000000000000000");
        assert_eq!(n(1e-7), "1e-7");
        assert_eq!(n(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(n(123456789012345680000.0), "123456789012345680000");
        assert_eq!(n(f64::NAN), "null");
        assert_eq!(n(f64::INFINITY), "null");
    }

    #[test]
    fn fast_escape_equals_bytewise() {
        let mut r = 99u64;
        for _ in 0..20_000 {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            let len = (r % 50) as usize;
            let s: String = (0..len).map(|k| ['a', '"', '\\', '\u{1}', '\t', '\u{1f}', ' ', '\u{7f}', 'é', '\u{2028}'][((r >> (k % 60)) as usize + k * 7) % 10]).collect();
            let mut got = Vec::new();
            write_str(&mut got, &s);
            assert_eq!(String::from_utf8(got).unwrap(), serde_json::to_string(&s).unwrap().replace("\\u007f", "\u{7f}"));
        }
    }
}
