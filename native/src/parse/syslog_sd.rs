//! RFC 5424 STRUCTURED-DATA: a port of `src/logs/parse/syslog-sd.ts` in two steps. `scan_structured_data`
//! checks the syntax exactly as `scanStructuredData` does (and finds the end); `write_structured_data` writes
//! the JSON object JavaScript builds (`{ id: { name: value } }`, values unescaped), declining what it does not
//! reproduce: a repeated SD-ID or PARAM-NAME (JavaScript merges them), keys JavaScript would reorder (integer
//! keys such as `"0"`) and `__proto__`.

use super::Gate;
use crate::json_out::write_str;
use crate::time::code_at;

/// Most SD elements, and parameters in one element, written natively (more: declined, keeps the duplicate
/// check bounded).
const MAX_NAMES: usize = 64;

/// End of an SD-NAME at i: stops at a space or control character, '=', ']' or '"'. Port of `nameEnd`.
#[inline]
fn name_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        let c = s[i];
        if c <= 32 || c == b'=' || c == b']' || c == b'"' {
            break;
        }
        i += 1;
    }
    i
}

/// One SD element or parameter as `scan` finds it.
enum Item {
    /// An SD-ID `s[a..b]`.
    Id(usize, usize),
    /// A parameter: name `s[a..b]`, raw value `s[c..d]` (escapes still in).
    Param(usize, usize, usize, usize),
}

/// The syntax walk of `scanStructuredData` from the first '[' at p; calls `f` for each item (stops early when
/// it returns false). Returns the index after the last ']', or None on broken syntax.
fn scan(s: &[u8], mut p: usize, f: &mut dyn FnMut(Item) -> bool) -> Option<usize> {
    let len = s.len();
    let mut go = true;
    while code_at(s, p) == b'[' {
        p += 1;
        let id_end = name_end(s, p);
        if id_end == p {
            return None;
        }
        go = go && f(Item::Id(p, id_end));
        p = id_end;
        while code_at(s, p) == b' ' {
            p += 1;
            let ne = name_end(s, p);
            if ne == p || code_at(s, ne) != b'=' {
                return None;
            }
            let name = (p, ne);
            p = ne + 1;
            while code_at(s, p) == b' ' {
                p += 1;
            }
            if code_at(s, p) != b'"' {
                return None;
            }
            p += 1;
            let start = p;
            while p < len {
                let c = s[p];
                if c == b'"' {
                    break;
                }
                if c == b'\\' {
                    let n = code_at(s, p + 1);
                    if n == b'"' || n == b'\\' || n == b']' {
                        p += 2;
                        continue;
                    }
                }
                p += 1;
            }
            if p >= len {
                return None;
            }
            go = go && f(Item::Param(name.0, name.1, start, p));
            p += 1; // closing quote
        }
        if code_at(s, p) != b']' {
            return None;
        }
        p += 1;
    }
    Some(p)
}

/// Port of `scanStructuredData`'s syntax check: the index after the last ']' of the STRUCTURED-DATA at p (the
/// first '['), or None when JavaScript rejects it.
pub fn scan_structured_data(s: &[u8], p: usize) -> Option<usize> {
    scan(s, p, &mut |_| true)
}

/// The value with `\"`, `\\` and `\]` unescaped (other backslashes stay), as `scanStructuredData` builds it.
fn unescape(raw: &str, out: &mut String) {
    out.clear();
    let b = raw.as_bytes();
    let mut start = 0;
    let mut p = 0;
    while p < b.len() {
        if b[p] == b'\\' && matches!(b.get(p + 1), Some(b'"' | b'\\' | b']')) {
            out.push_str(&raw[start..p]);
            start = p + 1;
            p += 2;
            continue;
        }
        p += 1;
    }
    out.push_str(&raw[start..]);
}

/// A key JavaScript keeps in insertion order and sets like any other: not an integer (array index) key, not
/// `__proto__`.
fn plain_key(k: &str) -> bool {
    !k.as_bytes().first().is_some_and(u8::is_ascii_digit) && k != "__proto__"
}

/// Writes the JSON object of the STRUCTURED-DATA `line[range]` (already checked by `scan_structured_data`)
/// as `JSON.stringify` writes the object `scanStructuredData` returns. Checks the gate on every key
/// (`secret_key`) and value (`flags`): these are not token fields. Returns false (line declined) when the gate
/// fires or the object is one this port does not reproduce (repeated names, reordered keys).
pub fn write_structured_data(line: &str, range: (usize, usize), out: &mut Vec<u8>, gate: &dyn Gate, scratch: &mut String) -> bool {
    let s = line.as_bytes();
    let check = !gate.off();
    let mut ids: Vec<(usize, usize)> = Vec::new();
    let mut names: Vec<(usize, usize)> = Vec::new();
    let same = |a: (usize, usize), b: (usize, usize)| s[a.0..a.1] == s[b.0..b.1];
    let mut ok = true;
    out.push(b'{');
    let end = scan(s, range.0, &mut |item| {
        match item {
            Item::Id(a, b) => {
                let id = &line[a..b];
                if !plain_key(id) || ids.len() >= MAX_NAMES || ids.iter().any(|&x| same(x, (a, b))) || (check && gate.secret_key(id)) {
                    ok = false;
                    return false;
                }
                if !ids.is_empty() {
                    out.extend_from_slice(b"},");
                }
                ids.push((a, b));
                names.clear();
                write_str(out, id);
                out.extend_from_slice(b":{");
            }
            Item::Param(a, b, c, d) => {
                let name = &line[a..b];
                if !plain_key(name) || names.len() >= MAX_NAMES || names.iter().any(|&x| same(x, (a, b))) || (check && gate.secret_key(name)) {
                    ok = false;
                    return false;
                }
                if !names.is_empty() {
                    out.push(b',');
                }
                names.push((a, b));
                write_str(out, name);
                out.push(b':');
                unescape(&line[c..d], scratch);
                if check && gate.flags(scratch) != 0 {
                    ok = false;
                    return false;
                }
                write_str(out, scratch);
            }
        }
        true
    });
    if !ok || end != Some(range.1) {
        return false;
    }
    if !ids.is_empty() {
        out.push(b'}');
    }
    out.push(b'}');
    true
}
