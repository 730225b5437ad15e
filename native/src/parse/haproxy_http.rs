//! Port of `src/logs/parse/haproxy-http.ts`: the HTTP-only tail of an `option httplog` / `option httpslog`
//! line after `%sq/%bq` (`[{req hdrs}] [{resp hdrs}] "request" [https fields]`), read as ranges of the line.

use memchr::{memchr, memrchr};

use super::haproxy_cursor::Cursor;

pub type Range = (usize, usize);

/// The `option httpslog` fields (port of what `readTls` collects).
#[derive(Default, Clone, Copy, Debug)]
pub struct Tls {
    pub fc_err: Option<i64>,
    pub ssl_fc_err: Range,
    pub c_err: Option<i64>,
    pub ca_err: Option<i64>,
    pub resumed: Option<i64>,
    pub sni: Range,
    pub sslv: Range,
    pub cipher: Range,
}

/// Port of the JavaScript `HttpTail`, as ranges of the line.
#[derive(Default, Clone, Copy, Debug)]
pub struct HttpTail {
    pub request_headers: Option<Range>,
    pub response_headers: Option<Range>,
    pub raw: Option<Range>,
    pub method: Option<Range>,
    pub url: Option<Range>,
    pub version: Option<Range>,
    pub tls: Option<Tls>,
}

#[inline]
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Port of `readHttpTail`: reads the tail from the cursor (right after `%sq/%bq`). JavaScript never fails
/// here; `false` means the native code cannot tell what JavaScript reads (the line is declined).
pub fn read_http_tail(c: &mut Cursor, out: &mut HttpTail) -> bool {
    *out = HttpTail::default();
    let s = c.s;
    let len = s.len();
    if !c.eat(b' ') {
        return true;
    }
    if at(s, c.p) == b'{' {
        let Some(close) = memchr(b'}', &s[c.p..]).map(|i| c.p + i) else { return true };
        out.request_headers = Some((c.p + 1, close));
        c.p = close + 1;
        if c.eat(b' ') && at(s, c.p) == b'{' {
            let Some(close2) = memchr(b'}', &s[c.p..]).map(|i| c.p + i) else { return true };
            out.response_headers = Some((c.p + 1, close2));
            c.p = close2 + 1;
            if !c.eat(b' ') {
                return true;
            }
        }
    }
    let mut q = c.p;
    let mut escaped = false;
    if at(s, q) == b'\\' && at(s, q + 1) == b'"' {
        escaped = true;
        q += 2;
    } else if at(s, q) == b'"' {
        q += 1;
    } else {
        return true;
    }
    let mut close = if len > q && s[len - 1] == b'"' { len - 1 } else { memrchr(b'"', s).unwrap_or(0) };
    if close < q {
        close = len;
    }
    let end = if escaped && close < len && s[close - 1] == b'\\' { close - 1 } else { close };
    out.raw = Some((q, end));
    if let Some(sp) = memchr(b' ', &s[q..]).map(|i| q + i)
        && sp > q
        && sp < end
    {
        out.method = Some((q, sp));
        // `HTTP/x.y` is short: JavaScript looks back over the last 16 UTF-16 units before `end` (and not
        // before `sp`) for the last space. Count units here: a 4-byte character is two.
        let mut last = None;
        let mut units = 0;
        let mut i = end;
        while i > sp + 1 {
            i -= 1;
            let b = s[i];
            if b == b' ' {
                last = Some(i);
                break;
            }
            if b & 0xC0 != 0x80 {
                units += if b >= 0xF0 { 2 } else { 1 };
                if units >= 16 {
                    break;
                }
            }
        }
        match last {
            Some(last) if s[last + 1..].starts_with(b"HTTP/") => {
                out.url = Some((sp + 1, last));
                out.version = Some(((last + 6).min(end), end));
            }
            _ => out.url = Some((sp + 1, end)),
        }
    }
    if close < len {
        c.p = close + 1;
        return read_tls(c, out);
    }
    true
}

/// Port of `optNum`: a number, or None for `-`/garbage (then skipped up to the next '/' or space).
fn opt_num(c: &mut Cursor) -> Option<i64> {
    let v = c.num();
    if v.is_none() {
        skip_part(c);
    }
    v
}

/// Port of `skipPart`: the range up to the next '/' or space.
fn skip_part(c: &mut Cursor) -> Range {
    let s = c.s;
    let start = c.p;
    let mut p = start;
    while p < s.len() && s[p] != b'/' && s[p] != b' ' {
        p += 1;
    }
    c.p = p;
    (start, p)
}

/// Port of `readTls`: ` fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed sni/sslv/sslc`.
fn read_tls(c: &mut Cursor, out: &mut HttpTail) -> bool {
    if !c.eat(b' ') {
        return true;
    }
    let fc_err = opt_num(c);
    if !c.eat(b'/') {
        return true;
    }
    let ssl_fc_err = skip_part(c);
    if !c.eat(b'/') {
        return true;
    }
    let c_err = opt_num(c);
    if !c.eat(b'/') {
        return true;
    }
    let ca_err = opt_num(c);
    if !c.eat(b'/') {
        return true;
    }
    let resumed = opt_num(c);
    if !c.eat(b' ') {
        return true;
    }
    let sni = skip_part(c);
    if !c.eat(b'/') {
        return true;
    }
    let sslv = skip_part(c);
    if !c.eat(b'/') {
        return true;
    }
    let cipher = skip_part(c);
    // `sslv.length > 4 && sslv[3] is v/V`, then slices at 3 and 4 (and toLowerCase): exact on ASCII only.
    let v = &c.s[sslv.0..sslv.1];
    if !v[..v.len().min(4)].is_ascii() {
        return false;
    }
    out.tls = Some(Tls { fc_err, ssl_fc_err, c_err, ca_err, resumed, sni, sslv, cipher });
    true
}
