//! Port of `src/logs/parse/haproxy.ts` (`HaproxyParser`): an optional syslog header, an optional
//! `haproxy[pid]: ` tag, then HAProxy's default, tcp, http(s) or error format. The members are written
//! straight into `ParseOut` in the JavaScript objects' key order; nothing is built per line.
//!
//! The syslog header comes from `syslog_header.rs` / `syslog.rs` (`SyslogScanner`, `scan_tag`, `syslog_object`,
//! `process_object`, `severity_level`), used as they are.
//!
//! Declined, beyond every JavaScript parse failure: dates the zone window does not answer, an https `sslv`
//! field with a non-ASCII character in its first 4 bytes (JavaScript slices and lower-cases it by UTF-16
//! units), and RFC 5424 structured data while redaction is on (JavaScript then attaches the fields with
//! `attachFields` and the redactor walks each of them; not ported), plus what `syslog_object` declines.
//!
//! `token_line` is true exactly when JavaScript uses `attachTokenFields` (no structured data): every string
//! written here is a slice of the line cut at token boundaries, with keys from `TOKEN_FIELD_KEYS`.

use crate::json_out::{write_i64, write_str_body};
use crate::parse::{Gate, LineParser, Message, ParseOut};
use crate::time::Zone;

use super::haproxy_cursor::{Counter, Cursor, Endpoint, endpoint};
use super::haproxy_http::{HttpTail, Range, Tls, read_http_tail};
use super::syslog::{checked_fields, process_object, severity_level, syslog_object};
use super::syslog_header::{Scan, SyslogScanner, scan_tag};

pub struct HaproxyParser {
    /// The syslog header scanner (its clock also reads the HAProxy dates, as the JavaScript `Cursor.clock`).
    scanner: SyslogScanner,
    tail: HttpTail,
    scratch: String,
}

impl HaproxyParser {
    /// `zone`: the local time zone around the read time (HAProxy dates are local times).
    pub fn new(zone: Zone) -> Self {
        HaproxyParser { scanner: SyslogScanner::new(zone), tail: HttpTail::default(), scratch: String::new() }
    }

    /// The local time zone window (the engine renews it when the read time leaves it).
    pub fn set_zone(&mut self, zone: Zone) {
        self.scanner.clock.zone = zone;
    }
}

impl Default for HaproxyParser {
    fn default() -> Self {
        Self::new(Zone::UTC)
    }
}

/// What the formats share between the date and the HTTP tail.
struct Traffic {
    source: Option<Endpoint>,
    frontend: Range,
    backend: Range,
    server: Range,
    bytes: Counter,
    termination: Range,
    conns: [i64; 5],
    redispatched: bool,
    server_queue: i64,
    backend_queue: i64,
}

impl Traffic {
    /// The fields read before `ac/fc/bc/sc/rc sq/bq` (read next, by `connections_and_queues`).
    fn new(source: Option<Endpoint>, frontend: Range, backend: Range, server: Range, bytes: Counter, termination: Range) -> Self {
        Traffic { source, frontend, backend, server, bytes, termination, conns: [0; 5], redispatched: false, server_queue: 0, backend_queue: 0 }
    }
}

/// `,"name":` as one literal (one copy per key).
macro_rules! key {
    ($k:literal) => {
        concat!(",\"", $k, "\":").as_bytes()
    };
}

/// True when `b` holds a byte `JSON.stringify` escapes (`"`, `\\`, C0 controls). Eight bytes at a time (SWAR:
/// the classic exact "has a byte less than n / equal to c" word tests), the rest one by one.
#[inline]
fn needs_escape(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        let q = x ^ (LO * b'"' as u64);
        let bs = x ^ (LO * b'\\' as u64);
        let t = (x.wrapping_sub(LO * 0x20) & !x) | (q.wrapping_sub(LO) & !q) | (bs.wrapping_sub(LO) & !bs);
        if t & HI != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20)
}

/// `"…"` of `s[r]`, escaped as `JSON.stringify` does. The line holds no control characters but TAB (and `\n`
/// in a joined event), so most ranges have nothing to escape and are copied as they are.
#[inline]
fn w_str(out: &mut Vec<u8>, s: &[u8], r: Range) {
    let b = &s[r.0..r.1];
    out.reserve(b.len() + 2);
    out.push(b'"');
    if needs_escape(b) {
        write_str_body(out, b);
    } else {
        out.extend_from_slice(b);
    }
    out.push(b'"');
}

/// An integer as JSON; one- and two-digit values (most timers and counts) without the formatter.
#[inline]
fn w_int(out: &mut Vec<u8>, v: i64) {
    if (0..10).contains(&v) {
        out.push(b'0' + v as u8);
    } else if (10..100).contains(&v) {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    } else {
        write_i64(out, v);
    }
}

#[inline]
fn w_num(out: &mut Vec<u8>, key: &[u8], v: i64) {
    out.extend_from_slice(key);
    w_int(out, v);
}

#[inline]
fn w_member(out: &mut Vec<u8>, key: &[u8], s: &[u8], r: Range) {
    out.extend_from_slice(key);
    w_str(out, s, r);
}

/// An ECS endpoint object (`source`, `destination`), keys address, ip, port.
fn w_endpoint(out: &mut Vec<u8>, key: &[u8], s: &[u8], e: &Endpoint) {
    out.extend_from_slice(key);
    out.extend_from_slice(b"{\"address\":");
    w_str(out, s, e.address);
    if e.ip {
        out.extend_from_slice(b",\"ip\":");
        w_str(out, s, e.address);
    }
    w_num(out, key!("port"), e.port as i64);
    out.push(b'}');
}

fn w_counter(out: &mut Vec<u8>, key: &[u8], s: &[u8], c: Counter) {
    out.extend_from_slice(key);
    match c {
        Counter::Num(v) => w_int(out, v),
        Counter::Text(a, b) => w_str(out, s, (a, b)),
    }
}

/// `captures()`: a `{a|b|c}` capture as a JSON array of its `|`-separated values.
fn w_captures(out: &mut Vec<u8>, key: &[u8], s: &[u8], r: Range) {
    out.extend_from_slice(key);
    out.push(b'[');
    let mut a = r.0;
    for i in memchr::memchr_iter(b'|', &s[r.0..r.1]) {
        w_str(out, s, (a, r.0 + i));
        out.push(b',');
        a = r.0 + i + 1;
    }
    w_str(out, s, (a, r.1));
    out.push(b']');
}

/// `-` and `` (cookie capture not configured, `sni`/`cipher` absent) are omitted.
#[inline]
fn present(s: &[u8], r: Range) -> bool {
    let t = &s[r.0..r.1];
    !t.is_empty() && t != b"-"
}

impl HaproxyParser {
    /// Port of `connect()`: `Connect from ip:port to ip:port (frontend/MODE)`, written as members.
    fn connect(s: &[u8], p: usize, out: &mut Vec<u8>) -> bool {
        let a = p + 13;
        let Some(sp) = find(s, b' ', a) else { return false };
        if at(s, sp + 1) != b't' || at(s, sp + 2) != b'o' || at(s, sp + 3) != b' ' {
            return false;
        }
        let b = sp + 4;
        let Some(sp2) = find(s, b' ', b) else { return false };
        if at(s, sp2 + 1) != b'(' {
            return false;
        }
        let Some(slash) = find(s, b'/', sp2) else { return false };
        let Some(close) = find(s, b')', slash) else { return false };
        let (Some(source), Some(destination)) = (endpoint(s, a, sp), endpoint(s, b, sp2)) else { return false };
        w_endpoint(out, key!("source"), s, &source);
        w_endpoint(out, key!("destination"), s, &destination);
        out.extend_from_slice(b",\"haproxy\":{\"frontend_name\":");
        w_str(out, s, (sp2 + 2, slash));
        w_member(out, key!("mode"), s, (slash + 1, close));
        out.push(b'}');
        true
    }

    /// Port of `traffic()` (and `http()`): the formats that start with `ip:port [date]`. Returns the accept
    /// date, or None to decline.
    fn traffic(&mut self, c: &mut Cursor, out: &mut Vec<u8>) -> Option<f64> {
        let s = c.s;
        let len = s.len();
        let sp = find(s, b' ', c.p)?;
        let source = endpoint(s, c.p, sp);
        if source.is_none() && (sp - c.p < 2 || s[c.p] != b'-' || s[c.p + 1] != b':') {
            return None;
        }
        c.p = sp + 1;
        if !c.eat(b'[') {
            return None;
        }
        let ts = c.date(&self.scanner.clock)?;
        if !c.eat(b']') || !c.eat(b' ') {
            return None;
        }
        let frontend = c.token();
        let ftext = &s[frontend.0..frontend.1];
        if let Some(fslash) = ftext.iter().position(|&b| b == b'/')
            && fslash > 0
            && ftext.last() == Some(&b':')
        {
            // Error format: `frt/f1: Connection error during SSL handshake`.
            if let Some(e) = &source {
                w_endpoint(out, key!("source"), s, e);
            }
            out.extend_from_slice(b",\"haproxy\":{\"frontend_name\":");
            w_str(out, s, (frontend.0, frontend.0 + fslash));
            w_member(out, key!("bind_name"), s, (frontend.0 + fslash + 1, frontend.1 - 1));
            let msg = if c.p + 1 < len { (c.p + 1, len) } else { (len, len) };
            w_member(out, key!("error_message"), s, msg);
            out.push(b'}');
            return Some(ts);
        }
        if !c.eat(b' ') {
            return None;
        }
        let b_start = c.p;
        let mut i = b_start;
        while i < len && s[i] != b'/' && s[i] != b' ' {
            i += 1;
        }
        if at(s, i) != b'/' {
            return None;
        }
        let backend = (b_start, i);
        c.p = i + 1;
        let server = c.token();
        if !c.eat(b' ') {
            return None;
        }
        let timers = c.group(5);
        let t = c.vals;
        if timers == 5 {
            let logasap = c.plus_mask & 16 != 0;
            if !c.eat(b' ') {
                return None;
            }
            self.http(c, out, source, frontend, backend, server, t, logasap)?;
            return Some(ts);
        }
        if timers != 3 {
            return None;
        }
        let mut logasap = c.plus_mask & 4 != 0;
        if !c.eat(b' ') {
            return None;
        }
        let bytes = c.counter()?;
        if !c.eat(b' ') {
            return None;
        }
        if c.plus {
            logasap = true;
        }
        let termination = c.token();
        let mut tr = Traffic::new(source, frontend, backend, server, bytes, termination);
        connections_and_queues(c, &mut tr)?;
        write_haproxy_head(out, s, &tr, t[0], t[1], t[2]);
        if logasap {
            out.extend_from_slice(b",\"logasap\":true");
        }
        out.push(b'}');
        Some(ts)
    }

    /// Port of `http()`: after the five timers, `status bytes CC CS tsc ac/fc/bc/sc/rc sq/bq` and the tail.
    #[allow(clippy::too_many_arguments)]
    fn http(
        &mut self,
        c: &mut Cursor,
        out: &mut Vec<u8>,
        source: Option<Endpoint>,
        frontend: Range,
        backend: Range,
        server: Range,
        t: [i64; 8],
        logasap_timer: bool,
    ) -> Option<()> {
        let s = c.s;
        let status = c.num()?;
        if !c.eat(b' ') {
            return None;
        }
        let bytes = c.counter()?;
        if !c.eat(b' ') {
            return None;
        }
        let logasap = logasap_timer || c.plus;
        let req_cookie = c.token();
        if !c.eat(b' ') {
            return None;
        }
        let res_cookie = c.token();
        if !c.eat(b' ') {
            return None;
        }
        let termination = c.token();
        let mut tr = Traffic::new(source, frontend, backend, server, bytes, termination);
        connections_and_queues(c, &mut tr)?;
        let tail = &mut self.tail;
        if !read_http_tail(c, tail) {
            return None;
        }
        let (t_r, t_w, t_c, t_rr, t_a) = (t[0], t[1], t[2], t[3], t[4]);
        write_haproxy_head(out, s, &tr, t_w, t_c, t_a);
        out.extend_from_slice(b",\"http\":{\"request\":{\"time_wait_ms\":");
        w_int(out, t_r);
        w_num(out, key!("time_wait_without_data_ms"), t_rr);
        if present(s, req_cookie) {
            w_member(out, key!("captured_cookie"), s, req_cookie);
        }
        if let Some(r) = tail.request_headers {
            w_captures(out, key!("captured_headers"), s, r);
        }
        if let Some(r) = tail.raw
            && r.1 > r.0
        {
            w_member(out, key!("raw_request_line"), s, r);
        }
        out.push(b'}');
        let res_cookie_present = present(s, res_cookie);
        if res_cookie_present || tail.response_headers.is_some() {
            out.extend_from_slice(b",\"response\":{");
            let mark = out.len();
            if res_cookie_present {
                w_member(out, key!("captured_cookie"), s, res_cookie);
            }
            if let Some(r) = tail.response_headers {
                w_captures(out, key!("captured_headers"), s, r);
            }
            out.remove(mark); // the first member's comma
            out.push(b'}');
        }
        out.push(b'}');
        if logasap {
            out.extend_from_slice(b",\"logasap\":true");
        }
        if let Some(tls) = &tail.tls {
            write_haproxy_tls(out, s, tls);
        }
        out.push(b'}');
        // ECS http, url, tls
        out.extend_from_slice(b",\"http\":{");
        if let Some(m) = tail.method {
            out.extend_from_slice(b"\"request\":{\"method\":");
            w_str(out, s, m);
            out.extend_from_slice(b"},");
        }
        out.extend_from_slice(b"\"response\":{\"status_code\":");
        w_int(out, status);
        w_counter(out, key!("bytes"), s, tr.bytes);
        out.push(b'}');
        if tail.method.is_some()
            && let Some(v) = tail.version
        {
            w_member(out, key!("version"), s, v);
        }
        out.push(b'}');
        if let Some(u) = tail.url {
            out.extend_from_slice(b",\"url\":{\"original\":");
            w_str(out, s, u);
            out.push(b'}');
        }
        if let Some(tls) = &tail.tls {
            write_ecs_tls(out, s, tls);
        }
        Some(())
    }
}

/// Port of `connectionsAndQueues()`: ` ac/fc/bc/sc/rc sq/bq` into `tr`; None when malformed.
fn connections_and_queues(c: &mut Cursor, tr: &mut Traffic) -> Option<()> {
    if !c.eat(b' ') || c.group(5) != 5 || !c.eat(b' ') {
        return None;
    }
    tr.conns.copy_from_slice(&c.vals[..5]);
    tr.redispatched = c.plus_mask & 16 != 0;
    if c.group(2) != 2 {
        return None;
    }
    tr.server_queue = c.vals[0];
    tr.backend_queue = c.vals[1];
    Some(())
}

/// `[source,]"haproxy":{` up to `backend_queue` (the object stays open).
fn write_haproxy_head(out: &mut Vec<u8>, s: &[u8], tr: &Traffic, tw: i64, tc: i64, tt: i64) {
    if let Some(e) = &tr.source {
        w_endpoint(out, key!("source"), s, e);
    }
    out.extend_from_slice(b",\"haproxy\":{\"frontend_name\":");
    w_str(out, s, tr.frontend);
    w_member(out, key!("backend_name"), s, tr.backend);
    w_member(out, key!("server_name"), s, tr.server);
    w_num(out, key!("total_waiting_time_ms"), tw);
    w_num(out, key!("connection_wait_time_ms"), tc);
    w_num(out, key!("total_time_ms"), tt);
    w_counter(out, key!("bytes_read"), s, tr.bytes);
    w_member(out, key!("termination_state"), s, tr.termination);
    out.extend_from_slice(b",\"connections\":{\"active\":");
    w_int(out, tr.conns[0]);
    w_num(out, key!("frontend"), tr.conns[1]);
    w_num(out, key!("backend"), tr.conns[2]);
    w_num(out, key!("server"), tr.conns[3]);
    w_num(out, key!("retries"), tr.conns[4]);
    if tr.redispatched {
        out.extend_from_slice(b",\"redispatched\":true");
    }
    out.push(b'}');
    w_num(out, key!("server_queue"), tr.server_queue);
    w_num(out, key!("backend_queue"), tr.backend_queue);
}

/// `haproxy.tls` of `readTls`: fc_err, ssl_fc_err, ssl_c_err, ssl_c_ca_err, each when present.
fn write_haproxy_tls(out: &mut Vec<u8>, s: &[u8], t: &Tls) {
    out.extend_from_slice(b",\"tls\":{");
    let mark = out.len();
    if let Some(v) = t.fc_err {
        w_num(out, key!("fc_err"), v);
    }
    if present(s, t.ssl_fc_err) {
        w_member(out, key!("ssl_fc_err"), s, t.ssl_fc_err);
    }
    if let Some(v) = t.c_err {
        w_num(out, key!("ssl_c_err"), v);
    }
    if let Some(v) = t.ca_err {
        w_num(out, key!("ssl_c_ca_err"), v);
    }
    if out.len() > mark {
        out.remove(mark);
    }
    out.push(b'}');
}

/// ECS `tls` of `readTls`: version, version_protocol, cipher, resumed, client.server_name.
fn write_ecs_tls(out: &mut Vec<u8>, s: &[u8], t: &Tls) {
    out.extend_from_slice(b",\"tls\":{");
    let mark = out.len();
    let v = &s[t.sslv.0..t.sslv.1];
    if v.len() > 4 && (v[3] | 0x20) == b'v' {
        w_member(out, key!("version"), s, (t.sslv.0 + 4, t.sslv.1));
        out.extend_from_slice(key!("version_protocol"));
        // `slice(0, 3).toLowerCase()`: the first bytes are ASCII (read_tls declines otherwise)
        let lower = [v[0].to_ascii_lowercase(), v[1].to_ascii_lowercase(), v[2].to_ascii_lowercase()];
        out.push(b'"');
        write_str_body(out, &lower);
        out.push(b'"');
    }
    if present(s, t.cipher) {
        w_member(out, key!("cipher"), s, t.cipher);
    }
    if let Some(r) = t.resumed
        && (r == 0 || r == 1)
    {
        out.extend_from_slice(key!("resumed"));
        out.extend_from_slice(if r == 1 { b"true" } else { b"false" });
    }
    if present(s, t.sni) {
        out.extend_from_slice(b",\"client\":{\"server_name\":");
        w_str(out, s, t.sni);
        out.push(b'}');
    }
    if out.len() > mark {
        out.remove(mark);
    }
    out.push(b'}');
}

#[inline]
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// `s.indexOf(byte, from)`.
#[inline]
fn find(s: &[u8], b: u8, from: usize) -> Option<usize> {
    if from > s.len() {
        return None;
    }
    memchr::memchr(b, &s[from..]).map(|i| from + i)
}

impl LineParser for HaproxyParser {
    /// Port of `HaproxyParser.apply`.
    fn parse(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> bool {
        let s = line.as_bytes();
        let start = match self.scanner.scan(s, now_ms) {
            Scan::Ok => self.scanner.header.msg_start,
            Scan::Decline => return false,
            Scan::Fail => {
                // No syslog header: HAProxy logging to stdout/a pipe, or a relay that strips it.
                self.scanner.header.reset();
                scan_tag(s, 0, &mut self.scanner.header)
            }
        };
        let start = start.min(s.len());
        let accept = if s[start..].starts_with(b"Connect from ") {
            if !Self::connect(s, start, &mut out.members) {
                return false;
            }
            None
        } else {
            let mut c = Cursor::new(s, start);
            let Some(ts) = self.traffic(&mut c, &mut out.members) else { return false };
            Some(ts)
        };
        let h = &self.scanner.header;
        // Structured data in the header is unescaped, so JavaScript attaches the fields one by one
        // (`attachFields`) and the redactor walks every one of them: not ported, declined unless redaction is off.
        let checked = checked_fields(h);
        if checked && !gate.off() {
            return false;
        }
        if syslog_object(h, line, &mut out.log_members, gate, &mut self.scratch).is_none() {
            return false;
        }
        if process_object(h, line, &mut out.members, gate).is_none() {
            return false;
        }
        out.ts_ms = accept.or(h.timestamp_ms);
        out.level = severity_level(h).map(str::to_owned);
        out.message = if start == 0 { Message::Line } else { Message::Range(start, s.len()) };
        out.token_line = !checked;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::NoGate;
    use crate::testkit;

    const NOW: f64 = 1_795_262_400_000.0; // 2026-11-21T12:00:00Z, expect.mjs's default

    // Lines and their documents from tools/expect.mjs (TZ=UTC): every format, header shapes, logasap,
    // redispatch, counters beyond 2^53, captures with quotes and backslashes, TLS fields, escaped quotes,
    // an empty request, a truncated request, non-ASCII and astral characters in the last 16 of a URL.
    const GOLDEN: &[(&str, &str)] = &[
        (
            r#"Feb  6 12:14:14 localhost haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1""#,
            r#"{"@timestamp":"2009-02-06T12:14:14.655Z","message":"10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} \"GET /index.html HTTP/1.1\"","log":{"file":{"path":"/var/log/x.log"},"offset":0,"syslog":{"hostname":"localhost","appname":"haproxy","procid":"14389"}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"10.0.1.2","ip":"10.0.1.2","port":33317},"haproxy":{"frontend_name":"http-in","backend_name":"static","server_name":"srv1","total_waiting_time_ms":0,"connection_wait_time_ms":30,"total_time_ms":109,"bytes_read":2750,"termination_state":"----","connections":{"active":1,"frontend":1,"backend":1,"server":1,"retries":0},"server_queue":0,"backend_queue":0,"http":{"request":{"time_wait_ms":10,"time_wait_without_data_ms":69,"captured_headers":["1wt.eu"],"raw_request_line":"GET /index.html HTTP/1.1"},"response":{"captured_headers":[""]}}},"http":{"request":{"method":"GET"},"response":{"status_code":200,"bytes":2750},"version":"1.1"},"url":{"original":"/index.html"},"process":{"name":"haproxy","pid":14389}}"#,
        ),
        (
            r#"<134>Feb  6 12:14:14 lb1 haproxy[1]: 10.0.1.2:1 [06/Feb/2009:12:14:14] fe be/srv +0/-1/+5007 +212 cD 1/2/3/4/+5 6/7"#,
            r#"{"@timestamp":"2009-02-06T12:14:14.000Z","message":"10.0.1.2:1 [06/Feb/2009:12:14:14] fe be/srv +0/-1/+5007 +212 cD 1/2/3/4/+5 6/7","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"informational","syslog":{"priority":134,"facility":{"code":16,"name":"local0"},"severity":{"code":6,"name":"informational"},"hostname":"lb1","appname":"haproxy","procid":"1"}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"10.0.1.2","ip":"10.0.1.2","port":1},"haproxy":{"frontend_name":"fe","backend_name":"be","server_name":"srv","total_waiting_time_ms":0,"connection_wait_time_ms":-1,"total_time_ms":5007,"bytes_read":212,"termination_state":"cD","connections":{"active":1,"frontend":2,"backend":3,"server":4,"retries":5,"redispatched":true},"server_queue":6,"backend_queue":7,"logasap":true},"process":{"name":"haproxy","pid":1}}"#,
        ),
        (
            r#"Feb  6 12:12:09 localhost haproxy[14385]: Connect from 10.0.1.2:33312 to unix:8012 (www/HTTP)"#,
            r#"{"@timestamp":"2026-02-06T12:12:09.000Z","message":"Connect from 10.0.1.2:33312 to unix:8012 (www/HTTP)","log":{"file":{"path":"/var/log/x.log"},"offset":0,"syslog":{"hostname":"localhost","appname":"haproxy","procid":"14385"}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"10.0.1.2","ip":"10.0.1.2","port":33312},"destination":{"address":"unix","port":8012},"haproxy":{"frontend_name":"www","mode":"HTTP"},"process":{"name":"haproxy","pid":14385}}"#,
        ),
        (
            r#"-:0 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake"#,
            r#"{"@timestamp":"2012-12-03T17:35:10.380Z","message":"-:0 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake","log":{"file":{"path":"/var/log/x.log"},"offset":0},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"haproxy":{"frontend_name":"frt","bind_name":"f1","error_message":"Connection error during SSL handshake"}}"#,
        ),
        (
            r#"2001:db8::1:40000 [06/Feb/2009:12:14:14.655] https-in~ static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1" 0/0/0/0/0 1wt.eu/TLSv1.3/TLS_AES_256_GCM_SHA384"#,
            r#"{"@timestamp":"2009-02-06T12:14:14.655Z","message":"2001:db8::1:40000 [06/Feb/2009:12:14:14.655] https-in~ static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} \"GET /index.html HTTP/1.1\" 0/0/0/0/0 1wt.eu/TLSv1.3/TLS_AES_256_GCM_SHA384","log":{"file":{"path":"/var/log/x.log"},"offset":0},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"2001:db8::1","ip":"2001:db8::1","port":40000},"haproxy":{"frontend_name":"https-in~","backend_name":"static","server_name":"srv1","total_waiting_time_ms":0,"connection_wait_time_ms":30,"total_time_ms":109,"bytes_read":2750,"termination_state":"----","connections":{"active":1,"frontend":1,"backend":1,"server":1,"retries":0},"server_queue":0,"backend_queue":0,"http":{"request":{"time_wait_ms":10,"time_wait_without_data_ms":69,"captured_headers":["1wt.eu"],"raw_request_line":"GET /index.html HTTP/1.1"},"response":{"captured_headers":[""]}},"tls":{"fc_err":0,"ssl_fc_err":"0","ssl_c_err":0,"ssl_c_ca_err":0}},"http":{"request":{"method":"GET"},"response":{"status_code":200,"bytes":2750},"version":"1.1"},"url":{"original":"/index.html"},"tls":{"version":"1.3","version_protocol":"tls","cipher":"TLS_AES_256_GCM_SHA384","resumed":false,"client":{"server_name":"1wt.eu"}}}"#,
        ),
        (
            r#"unix:1 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/+109 200 +01844674407370955161 SESSID=1 RES=2 ---- 1/1/1/1/+2 0/0 {a "x"|b\c|} {|} \"GET /a HTTP/2.0\" 0/0x1c/-/-/1 -/TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256"#,
            r#"{"@timestamp":"2009-02-06T12:14:14.655Z","message":"unix:1 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/+109 200 +01844674407370955161 SESSID=1 RES=2 ---- 1/1/1/1/+2 0/0 {a \"x\"|b\\c|} {|} \\\"GET /a HTTP/2.0\\\" 0/0x1c/-/-/1 -/TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256","log":{"file":{"path":"/var/log/x.log"},"offset":0},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"unix","port":1},"haproxy":{"frontend_name":"fe","backend_name":"be","server_name":"srv","total_waiting_time_ms":0,"connection_wait_time_ms":30,"total_time_ms":109,"bytes_read":"1844674407370955161","termination_state":"----","connections":{"active":1,"frontend":1,"backend":1,"server":1,"retries":2,"redispatched":true},"server_queue":0,"backend_queue":0,"http":{"request":{"time_wait_ms":10,"time_wait_without_data_ms":69,"captured_cookie":"SESSID=1","captured_headers":["a \"x\"","b\\c",""],"raw_request_line":"GET /a HTTP/2.0"},"response":{"captured_cookie":"RES=2","captured_headers":["",""]}},"logasap":true,"tls":{"fc_err":0,"ssl_fc_err":"0x1c"}},"http":{"request":{"method":"GET"},"response":{"status_code":200,"bytes":"1844674407370955161"},"version":"2.0"},"url":{"original":"/a"},"tls":{"version":"1.2","version_protocol":"tls","cipher":"ECDHE-RSA-AES128-GCM-SHA256","resumed":true}}"#,
        ),
        (
            r#"<134>1 2026-11-21T11:59:59.123Z lb1 haproxy 77 - - 10.0.1.2:33317 [21/Nov/2026:11:12:51.443] fe be/<NOSRV> -1/-1/-1/-1/8490 -1 0 - - CR-- 1/1/0/0/0 0/0 """#,
            r#"{"@timestamp":"2026-11-21T11:12:51.443Z","message":"10.0.1.2:33317 [21/Nov/2026:11:12:51.443] fe be/<NOSRV> -1/-1/-1/-1/8490 -1 0 - - CR-- 1/1/0/0/0 0/0 \"\"","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"informational","syslog":{"priority":134,"facility":{"code":16,"name":"local0"},"severity":{"code":6,"name":"informational"},"hostname":"lb1","appname":"haproxy","procid":"77","version":"1"}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"10.0.1.2","ip":"10.0.1.2","port":33317},"haproxy":{"frontend_name":"fe","backend_name":"be","server_name":"<NOSRV>","total_waiting_time_ms":-1,"connection_wait_time_ms":-1,"total_time_ms":8490,"bytes_read":0,"termination_state":"CR--","connections":{"active":1,"frontend":1,"backend":0,"server":0,"retries":0},"server_queue":0,"backend_queue":0,"http":{"request":{"time_wait_ms":-1,"time_wait_without_data_ms":-1}}},"http":{"response":{"status_code":-1,"bytes":0}},"process":{"name":"haproxy","pid":77}}"#,
        ),
        (
            r#"haproxy[1]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "GET /ĉevaĵoŝ/😀😀😀😀😀😀 HTTP/1.1""#,
            r#"{"@timestamp":"2009-02-06T12:14:14.655Z","message":"10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 \"GET /ĉevaĵoŝ/😀😀😀😀😀😀 HTTP/1.1\"","log":{"file":{"path":"/var/log/x.log"},"offset":0,"syslog":{"appname":"haproxy","procid":"1"}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"10.0.1.2","ip":"10.0.1.2","port":33317},"haproxy":{"frontend_name":"fe","backend_name":"be","server_name":"srv","total_waiting_time_ms":0,"connection_wait_time_ms":30,"total_time_ms":109,"bytes_read":2750,"termination_state":"----","connections":{"active":1,"frontend":1,"backend":1,"server":1,"retries":0},"server_queue":0,"backend_queue":0,"http":{"request":{"time_wait_ms":10,"time_wait_without_data_ms":69,"raw_request_line":"GET /ĉevaĵoŝ/😀😀😀😀😀😀 HTTP/1.1"}}},"http":{"request":{"method":"GET"},"response":{"status_code":200,"bytes":2750},"version":"1.1"},"url":{"original":"/ĉevaĵoŝ/😀😀😀😀😀😀"},"process":{"name":"haproxy","pid":1}}"#,
        ),
        (
            r#"10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 "POST /upload?x=1 HTTP/1.1"#,
            r#"{"@timestamp":"2009-02-06T12:14:14.655Z","message":"10.0.1.2:33317 [06/Feb/2009:12:14:14.655] fe be/srv 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 \"POST /upload?x=1 HTTP/1.1","log":{"file":{"path":"/var/log/x.log"},"offset":0},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"10.0.1.2","ip":"10.0.1.2","port":33317},"haproxy":{"frontend_name":"fe","backend_name":"be","server_name":"srv","total_waiting_time_ms":0,"connection_wait_time_ms":30,"total_time_ms":109,"bytes_read":2750,"termination_state":"----","connections":{"active":1,"frontend":1,"backend":1,"server":1,"retries":0},"server_queue":0,"backend_queue":0,"http":{"request":{"time_wait_ms":10,"time_wait_without_data_ms":69,"raw_request_line":"POST /upload?x=1 HTTP/1.1"}}},"http":{"request":{"method":"POST"},"response":{"status_code":200,"bytes":2750},"version":"1.1"},"url":{"original":"/upload?x=1"}}"#,
        ),
        (
            r#"999.999.999.999:1 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 9007199254740993 -- 0/0/0/0/0 0/0 trailing"#,
            r#"{"@timestamp":"2009-02-06T12:14:14.655Z","message":"999.999.999.999:1 [06/Feb/2009:12:14:14.655] fe be/srv 0/0/1 9007199254740993 -- 0/0/0/0/0 0/0 trailing","log":{"file":{"path":"/var/log/x.log"},"offset":0},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"source":{"address":"999.999.999.999","port":1},"haproxy":{"frontend_name":"fe","backend_name":"be","server_name":"srv","total_waiting_time_ms":0,"connection_wait_time_ms":0,"total_time_ms":1,"bytes_read":"9007199254740993","termination_state":"--","connections":{"active":0,"frontend":0,"backend":0,"server":0,"retries":0},"server_queue":0,"backend_queue":0}}"#,
        ),
    ];

    #[test]
    fn escape_test_and_small_ints() {
        for byte in 0u8..=255 {
            for len in [1, 7, 8, 9, 17] {
                let s: Vec<u8> = (0..len).map(|k| if k == len / 2 { byte } else { b'a' }).collect();
                let want = s.iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20);
                assert_eq!(needs_escape(&s), want, "{byte} {len}");
            }
        }
        assert!(!needs_escape("é€😀\u{7f}!#[]~".as_bytes()));
        for v in [-100, -1, 0, 9, 10, 99, 100, 123456789012345] {
            let mut o = Vec::new();
            w_int(&mut o, v);
            assert_eq!(String::from_utf8(o).unwrap(), v.to_string());
        }
    }

    #[test]
    fn golden_documents() {
        let mut p = HaproxyParser::default();
        for (line, want) in GOLDEN {
            let got = testkit::native_doc(&mut p, line, NOW, &NoGate);
            assert_eq!(got.as_deref(), Some(*want), "{line}");
        }
    }

    #[test]
    fn javascript_failures_decline() {
        let base = "10.0.1.2:33317 [06/Feb/2009:12:14:14.655]";
        let bad = [
            " ".to_string(),
            "hello world".into(),
            "Feb  6 12:12:09 localhost haproxy[1]: Proxy www started.".into(),
            format!("haproxy[1]: {base}"),
            "10.0.1.2:33317 [32/Feb/2009:12:14:14.655] fe be/s 0/0/0 0 -- 0/0/0/0/0 0/0".into(),
            format!("{base} fe be/s x/0/0 0 -- 0/0/0/0/0 0/0"),
            format!("{base} fe be/s 0/0/0/0 0 -- 0/0/0/0/0 0/0"),
            format!("{base} fe be/s 0/0/0 0 -- 0/0/0/0 0/0"),
            format!("{base} fe be/s 0/0/0 0 -- 0/0/0/0/0 0"),
            format!("{base} fe be/s 0/0/0 123456789012345678901 -- 0/0/0/0/0 0/0"),
            format!("{base} fe be/s 1/0/0/0/0 x 0 - - -- 0/0/0/0/0 0/0"),
            format!("{base} fe bes 0/0/0 0 -- 0/0/0/0/0 0/0"),
            format!("{base} /f1: x"),
            "host [06/Feb/2009:12:14:14.655] fe be/s 0/0/0 0 -- 0/0/0/0/0 0/0".into(),
            "-:1[06/Feb/2009:12:14:14.655] fe be/s 0/0/0 0 -- 0/0/0/0/0 0/0".into(),
            "Connect from 10.0.1.2 to 10.0.3.31:8012 (www/HTTP)".into(),
            "Connect from 10.0.1.2:1 to 10.0.3.31:8012 (www)".into(),
            // the native parser's own declines: local times outside the window, non-ASCII `sslv`
            format!("{base} fe be/s 1/0/0/0/0 200 0 - - -- 0/0/0/0/0 0/0 \"GET / HTTP/1.1\" 0/0/0/0/1 s/TéSv1.3/c"),
        ];
        let mut p = HaproxyParser::default();
        for line in &bad {
            assert_eq!(testkit::native_doc(&mut p, line, NOW, &NoGate), None, "{line}");
        }
        let ny = Zone { offset_ms: -18_000_000.0, from_ms: 1_793_512_800_000.0, to_ms: 1_805_007_600_000.0 };
        let mut p = HaproxyParser::new(ny);
        let tcp = " fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0";
        assert_eq!(
            testkit::native_doc(&mut p, &format!("10.0.1.2:1 [06/Jul/2026:12:14:14.655]{tcp}"), NOW, &NoGate),
            None,
            "EDT: outside the window"
        );
        let doc = testkit::native_doc(&mut p, &format!("10.0.1.2:1 [06/Jan/2026:12:14:14.655]{tcp}"), NOW, &NoGate);
        assert_eq!(doc, None, "2026-01-06 is before the window start");
        let doc = testkit::native_doc(&mut p, &format!("10.0.1.2:1 [06/Dec/2026:12:14:14.655]{tcp}"), NOW, &NoGate).unwrap();
        assert!(doc.starts_with("{\"@timestamp\":\"2026-12-06T17:14:14.655Z\""), "EST = UTC-5: {doc}");
    }

    /// RFC 5424 structured data makes the fields non-token fields: declined while redaction is on.
    #[test]
    fn structured_data_needs_redaction_off() {
        struct On;
        impl Gate for On {
            fn off(&self) -> bool {
                false
            }
            fn flags(&self, _s: &str) -> u32 {
                0
            }
            fn secret_key(&self, _k: &str) -> bool {
                false
            }
        }
        let line = "<134>1 2026-11-21T11:59:59.123Z lb1 haproxy 77 - [x@1 a=\"b\"] 10.0.1.2:1 [21/Nov/2026:11:12:51.443] fe be/srv 0/0/1 5 -- 0/0/0/0/0 0/0";
        let mut p = HaproxyParser::default();
        let mut out = ParseOut::default();
        assert!(!p.parse(line, NOW, &mut out, &On));
        out.reset();
        assert!(p.parse(line, NOW, &mut out, &NoGate));
        assert!(!out.token_line);
        assert_eq!(
            String::from_utf8_lossy(&out.log_members),
            ",\"syslog\":{\"priority\":134,\"facility\":{\"code\":16,\"name\":\"local0\"},\"severity\":{\"code\":6,\"name\":\"informational\"},\"hostname\":\"lb1\",\"appname\":\"haproxy\",\"procid\":\"77\",\"version\":\"1\",\"structured_data\":{\"x@1\":{\"a\":\"b\"}}}"
        );
        out.reset();
        assert!(p.parse(GOLDEN[0].0, NOW, &mut out, &On));
        assert!(out.token_line);
    }

    /// Random damage to real lines, random text and every truncation: never a panic, and every accepted
    /// document is well-formed JSON.
    #[test]
    fn fuzz_never_panics() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const PIECES: [&str; 24] = [
            " ",
            "/",
            ":",
            "\"",
            "\\",
            "{",
            "}",
            "|",
            "+",
            "-",
            "0",
            "9",
            "[",
            "]",
            ".",
            "\t",
            "é",
            "😀",
            "Connect from ",
            "HTTP/",
            "<134>",
            "haproxy[1]: ",
            "[06/Feb/2009:12:14:14.655]",
            "1/1/1/1/0 0/0",
        ];
        let mut p = HaproxyParser::default();
        let mut out = ParseOut::default();
        let mut accepted = 0;
        let check = |p: &mut HaproxyParser, line: &str, out: &mut ParseOut| {
            out.reset();
            if p.parse(line, NOW, out, &NoGate) {
                let doc = testkit::native_doc(p, line, NOW, &NoGate).unwrap();
                serde_json::from_str::<serde_json::Value>(&doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
                1
            } else {
                0
            }
        };
        for (line, _) in GOLDEN {
            for (i, _) in line.char_indices() {
                accepted += check(&mut p, &line[..i], &mut out);
            }
            for _ in 0..400 {
                let mut s = line.to_string();
                for _ in 0..1 + next() % 3 {
                    let mut at = (next() % (s.len() as u64 + 1)) as usize;
                    while !s.is_char_boundary(at) {
                        at -= 1;
                    }
                    let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                    match next() % 3 {
                        0 => s.insert_str(at, piece),
                        1 => {
                            let mut end = (at + 1 + (next() % 8) as usize).min(s.len());
                            while !s.is_char_boundary(end) {
                                end += 1;
                            }
                            s.replace_range(at..end, piece);
                        }
                        _ => s.truncate(at),
                    }
                }
                accepted += check(&mut p, &s, &mut out);
            }
        }
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..next() % 40 {
                s.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            accepted += check(&mut p, &s, &mut out);
        }
        assert!(accepted > 500, "{accepted}");
        // long lines stay linear
        let huge = format!(
            "haproxy[1]: 10.0.1.2:1 [06/Feb/2009:12:14:14.655] fe be/srv 1/0/0/1/2 200 5 - - ---- 1/1/1/1/0 0/0 \"GET /{} HTTP/1.1\"",
            "a".repeat(1 << 20)
        );
        assert_eq!(check(&mut p, &huge, &mut out), 1);
        check(&mut p, &format!("10.0.1.2:1 [06/Feb/2009:12:14:14.655] {}", "{".repeat(1 << 20)), &mut out);
        check(&mut p, &"x".repeat(1 << 20), &mut out);
    }

    /// Differential runs over files written by tools/expect.mjs: `HAPROXY_EXPECT=a.jsonl,b.jsonl` and, for a
    /// time zone other than UTC, `HAPROXY_ZONE=offset_ms,from_ms,to_ms`.
    #[test]
    #[ignore]
    fn differential_files() {
        let zone = match std::env::var("HAPROXY_ZONE") {
            Ok(z) => {
                let v: Vec<f64> = z.split(',').map(|x| x.parse().unwrap()).collect();
                Zone { offset_ms: v[0], from_ms: v[1], to_ms: v[2] }
            }
            Err(_) => Zone::UTC,
        };
        let files = std::env::var("HAPROXY_EXPECT").expect("HAPROXY_EXPECT");
        let mut failed = false;
        for (k, f) in files.split(',').enumerate() {
            let r = testkit::diff(&mut HaproxyParser::new(zone), f);
            eprintln!(
                "{f}: {} lines, {} accepted, {} declined ({:.2}%), {} mismatches",
                r.lines,
                r.accepted,
                r.declined,
                100.0 * r.declined as f64 / r.lines.max(1) as f64,
                r.mismatches.len()
            );
            if let Ok(dump) = std::env::var("HAPROXY_DECLINED") {
                // lines JavaScript parsed and the native parser declined
                let text = std::fs::read_to_string(f).unwrap();
                let mut d = String::new();
                let mut n = 0;
                for row in text.lines() {
                    let v: serde_json::Value = serde_json::from_str(row).unwrap();
                    let line = v["line"].as_str().unwrap();
                    if v["doc"].is_string()
                        && testkit::native_doc(&mut HaproxyParser::new(zone), line, v["nowMs"].as_f64().unwrap(), &crate::parse::NoGate)
                            .is_none()
                    {
                        d.push_str(line);
                        d.push('\n');
                        n += 1;
                    }
                }
                eprintln!("  {n} lines parsed by JavaScript were declined: {dump}.{k}");
                std::fs::write(format!("{dump}.{k}"), d).unwrap();
            }
            for (line, want, got) in r.mismatches.iter().take(5) {
                eprintln!(" line: {line}\n want: {}\n  got: {got}", want.as_deref().unwrap_or("(JavaScript failed)"));
                failed = true;
            }
        }
        assert!(!failed);
    }

    /// Timing over a file of lines: `HAPROXY_BENCH=lines.txt cargo test --release --lib haproxy_bench -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn haproxy_bench() {
        // on-CPU time of this thread (the machine is shared: wall time says little)
        let cpu = || -> f64 {
            let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
            s.split_whitespace().next().unwrap().parse().unwrap()
        };
        let path = std::env::var("HAPROXY_BENCH").expect("HAPROXY_BENCH");
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        let mut p = HaproxyParser::default();
        let mut out = ParseOut::default();
        let mut doc = Vec::with_capacity(4096);
        let mut w = crate::encode::DocWriter::default();
        let origin = testkit::test_origin();
        for round in 0..3 {
            let t0 = cpu();
            let (mut ok, mut bytes) = (0, 0);
            for line in &lines {
                out.reset();
                if p.parse(line, NOW, &mut out, &NoGate) {
                    ok += 1;
                    let msg = match out.message {
                        Message::Range(a, b) => &line[a..b],
                        _ => line,
                    };
                    doc.clear();
                    w.write(&mut doc, &origin, out.ts_ms.unwrap_or(NOW), msg, 0, 0, &out);
                    bytes += doc.len();
                }
            }
            let ns = (cpu() - t0) / lines.len() as f64;
            let t1 = cpu();
            for line in &lines {
                out.reset();
                p.parse(line, NOW, &mut out, &NoGate);
            }
            let parse_ns = (cpu() - t1) / lines.len() as f64;
            let t2 = cpu();
            for line in &lines {
                doc.clear();
                crate::json_out::write_str(&mut doc, line);
            }
            let str_ns = (cpu() - t2) / lines.len() as f64;
            eprintln!(
                "round {round}: {} lines, {ok} parsed, {bytes} document bytes, {ns:.0} ns/line (parse + document), {parse_ns:.0} parse only, {str_ns:.0} write_str(line) only",
                lines.len()
            );
        }
    }

    /// One parse per line, nothing else (for instruction counts under callgrind).
    #[test]
    #[ignore]
    fn haproxy_parse_only() {
        let text = std::fs::read_to_string(std::env::var("HAPROXY_BENCH").expect("HAPROXY_BENCH")).unwrap();
        let mut p = HaproxyParser::default();
        let mut out = ParseOut::default();
        let mut n = 0;
        for line in text.lines().filter(|l| !l.is_empty()) {
            out.reset();
            n += p.parse(line, NOW, &mut out, &NoGate) as usize + out.members.len();
        }
        eprintln!("{n}");
    }
}
