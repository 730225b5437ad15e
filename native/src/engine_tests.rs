//! Tests of the engine (engine.rs) with the plain parser: the JavaScript tests of the splitter and the joiner
//! (test/logs/tail/line-splitter.test.ts, multiline.test.ts) on the whole engine, golden documents from
//! tools/expect.mjs, room limits, the carry, and no-panic fuzzing.

use super::*;
use crate::binding::FireAll;
use crate::encode::{FLAG_MULTILINE, FLAG_TRUNCATED};
use crate::parse::NoGate;
use crate::parse::plain::PlainParser;
use crate::testkit::test_origin;

const NOW: f64 = 1_795_262_400_000.0; // 2026-11-21T12:00:00.000Z, expect.mjs's default

#[derive(Debug, Clone, PartialEq)]
struct Ev {
    kind: f64,
    offset: i64,
    size: i64,
    flags: u32,
    ts: f64,
    text: String,
}

fn plain(max_line: usize, ml: Option<(&str, bool, f64)>) -> Engine {
    let mut e = Engine::new(Box::new(PlainParser), Box::new(NoGate), test_origin(), max_line);
    if let Some((p, negate, max_lines)) = ml {
        e.set_multiline(Some(&MultilineConfig { pattern: p.into(), negate, timeout_ms: 100.0, max_lines })).unwrap();
    }
    e
}

fn room(max_records: f64, max_bytes: f64) -> Room {
    Room { out_start: 0, events: 0, max_records, line_bytes: 0.0, max_bytes, now_ms: NOW, now_mono_ms: 0.0 }
}

fn events(out: &[u8], meta: &[f64], from: usize, to: usize) -> Vec<Ev> {
    (from..to)
        .map(|k| {
            let m = &meta[k * META_STRIDE..(k + 1) * META_STRIDE];
            Ev {
                kind: m[0],
                offset: m[1] as i64,
                size: m[2] as i64,
                flags: m[3] as u32,
                ts: m[4],
                text: String::from_utf8_lossy(&out[m[5] as usize..m[6] as usize]).into_owned(),
            }
        })
        .collect()
}

/// The reader's loop (file-reader.ts) over `data`, `buf` bytes at a time, one batch per call with the
/// given `out` size (grown when `need_out` asks), then a flush when `fin`. Returns the events in order.
fn drive(e: &mut Engine, data: &[u8], buf: usize, fin: bool, out_size: usize, meta_events: usize) -> (Vec<Ev>, usize, u64) {
    let mut pos = 0usize;
    let mut got = Vec::new();
    let mut lines = 0;
    let mut out = vec![0u8; out_size];
    let mut meta = vec![0f64; meta_events * META_STRIDE];
    let mut guard = 0;
    loop {
        guard += 1;
        assert!(guard < 1_000_000, "no progress");
        let n = (data.len() - pos).min(buf);
        let short = n < buf;
        let o = e.scan(&data[pos..pos + n], pos as i64, fin && short, &mut out, &mut meta, &room(1e9, 1e12));
        got.extend(events(&out, &meta, 0, o.events));
        lines += o.lines;
        pos += o.consumed;
        if o.need_out > 0 {
            out.resize(o.need_out, 0);
            continue;
        }
        if short && o.consumed == n && !e.em.carry.is_empty() {
            continue;
        }
        if short && e.em.carry.is_empty() && (o.consumed == n || o.consumed == 0) {
            break;
        }
    }
    if fin {
        loop {
            let o = e.flush(&mut out, &mut meta, &room(1e9, 1e12));
            got.extend(events(&out, &meta, 0, o.events));
            if o.need_out > 0 {
                out.resize(o.need_out, 0);
            } else if !o.busy {
                break;
            }
        }
    }
    (got, pos, lines)
}

fn doc(message_json: &str, offset: i64, flags: &str) -> String {
    let flags = if flags.is_empty() { String::new() } else { format!(",\"flags\":[{flags}]") };
    format!(
        "{{\"@timestamp\":\"2026-11-21T12:00:00.000Z\",\"message\":{message_json},\"log\":{{\"file\":{{\"path\":\"/var/log/x.log\"}},\"offset\":{offset}{flags}}},\"event\":{{\"dataset\":\"test.ds\"}},\"host\":{{\"name\":\"testhost\"}}}}\n"
    )
}

fn d(message_json: &str, offset: i64, size: i64, flags: u32, flag_names: &str) -> Ev {
    Ev { kind: KIND_DOC, offset, size, flags, ts: NOW, text: doc(message_json, offset, flag_names) }
}

fn f(text: &str, offset: i64, size: i64, flags: u32) -> Ev {
    Ev { kind: KIND_FALLBACK, offset, size, flags, ts: NOW, text: text.into() }
}

#[test]
fn plain_documents_as_javascript_writes_them() {
    // Golden documents from tools/expect.mjs (offset 0 there).
    let mut e = plain(100, None);
    let data = "hello world\r\nquote \" and \\\\ back\n\n\r\nnon-ascii é ✓ 𝄞\ntab\there\npart";
    let (got, pos, lines) = drive(&mut e, data.as_bytes(), 101, false, 1 << 16, 64);
    assert_eq!(
        got,
        [
            d(r#""hello world""#, 0, 12, 0, ""),
            d(r#""quote \" and \\\\ back""#, 13, 19, 0, ""),
            d(r#""non-ascii é ✓ 𝄞""#, 36, 21, 0, ""),
            d(r#""tab\there""#, 58, 8, 0, ""),
        ]
    );
    assert_eq!(pos, 67, "stops before the incomplete line");
    assert_eq!(lines, 6);
    let (got, pos, _) = drive(&mut plain(100, None), data.as_bytes(), 101, true, 1 << 16, 64);
    assert_eq!(got.last(), Some(&d(r#""part""#, 67, 4, 0, "")));
    assert_eq!(pos, data.len());
}

#[test]
fn line_bytes_and_counters() {
    let mut e = plain(100, None);
    let (mut out, mut meta) = (vec![0u8; 4096], vec![0f64; 64]);
    let o = e.scan(b"a\r\n\nbc\nd", 10, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events, o.lines, o.line_bytes), (7, 2, 3, 6.0));
    assert_eq!(o.out_end, out.iter().rposition(|&c| c == b'\n').unwrap() + 1);
    assert_eq!(events(&out, &meta, 0, 2)[1].offset, 14);
    assert_eq!(o.pending_offset, None);
    assert!(!o.busy);
}

#[test]
fn over_long_lines_fall_back_cut_and_flagged() {
    let long = format!("ab{}", "é".repeat(10)); // 22 bytes
    let (got, _, _) = drive(&mut plain(5, None), format!("{long}\nnext\n").as_bytes(), 64, false, 4096, 64);
    assert_eq!(got, [f("abé", 0, 22, FLAG_TRUNCATED), d(r#""next""#, 23, 4, 0, "")]);
}

#[test]
fn over_long_line_across_calls_skip_mode() {
    let mut data = b"head\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 1_000_000));
    data.extend_from_slice(b"\ntail\n");
    let mut e = plain(100, None);
    let (mut out, mut meta) = (vec![0u8; 4096], vec![0f64; 64]);
    let o = e.scan(&data[..4096], 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events, o.lines), (4096, 1, 1));
    assert_eq!(o.pending_line_offset, Some(5));
    assert!(o.busy);
    let (got, _, lines) = drive(&mut plain(100, None), &data, 4096, false, 4096, 64);
    assert_eq!(got.len(), 3);
    assert_eq!(got[1], f(&"x".repeat(100), 5, 1_000_000, FLAG_TRUNCATED));
    assert_eq!(got[2], d(r#""tail""#, 1_000_006, 4, 0, ""));
    assert_eq!(lines, 3);
    // Unterminated: emitted at drain (final), with its full size.
    let mut data = b"h\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 1_000_000));
    let (got, _, _) = drive(&mut plain(100, None), &data, 4096, true, 4096, 64);
    assert_eq!(got[1].size, 1_000_000);
    assert_eq!(got[1].flags, FLAG_TRUNCATED);
}

#[test]
fn invalid_utf8_and_binary_fall_back() {
    let mut data = "ok \u{fffd} literal\n".as_bytes().to_vec();
    data.extend_from_slice(&[0x61, 0xff, 0xfe, 0x62, 0x0a]);
    data.extend_from_slice(b"nul\0byte\tand tab\ntab\tonly\nesc \x1b[31mred\n");
    data.extend_from_slice(&[0xc3, 0x28, 0x00, 0x0a]);
    let (got, _, _) = drive(&mut plain(100, None), &data, 64, false, 4096, 64);
    let kinds: Vec<(f64, u32)> = got.iter().map(|e| (e.kind, e.flags)).collect();
    assert_eq!(
        kinds,
        [
            (KIND_DOC, 0),
            (KIND_FALLBACK, FLAG_INVALID_UTF8),
            (KIND_FALLBACK, FLAG_BINARY),
            (KIND_DOC, 0),
            (KIND_FALLBACK, FLAG_BINARY),
            (KIND_FALLBACK, FLAG_INVALID_UTF8 | FLAG_BINARY),
        ]
    );
    assert_eq!(got[1].text, "a\u{fffd}\u{fffd}b");
    assert_eq!(got[2].text, "nul\0byte\tand tab");
}

#[test]
fn multiline_joins_into_one_document() {
    let data = "2024-01-01 ERROR boom\njava.lang.X: y\r\n\tat a.b(C.java:1)\n2024-01-01 INFO next\n";
    let mut e = plain(1 << 20, Some(("^[0-9]{4}-", false, 50.0)));
    let (mut out, mut meta) = (vec![0u8; 4096], vec![0f64; 64]);
    let o = e.scan(data.as_bytes(), 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events, o.lines), (data.len(), 1, 4));
    let joined = r#""2024-01-01 ERROR boom\njava.lang.X: y\n\tat a.b(C.java:1)""#;
    assert_eq!(events(&out, &meta, 0, 1), [d(joined, 0, 55, FLAG_MULTILINE, r#""multiline""#)]);
    assert_eq!(o.pending_offset, Some(56));
    assert_eq!(o.join_deadline_ms, Some(100.0));
    assert!(o.busy);
    assert!(!e.expired(99.0) && e.expired(100.0));
    let o = e.flush(&mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!(events(&out, &meta, 0, o.events), [d(r#""2024-01-01 INFO next""#, 56, 20, 0, "")]);
    assert!(!o.busy && o.pending_offset.is_none() && o.join_deadline_ms.is_none());
}

#[test]
fn multiline_negate_max_lines_and_cap() {
    let (got, _, _) = drive(&mut plain(100, Some(("^[ \t]", true, 50.0))), b"a\n b\n c\nd\n", 64, true, 4096, 64);
    let texts: Vec<&str> = got.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts, [doc(r#""a\n b\n c""#, 0, r#""multiline""#).as_str(), doc(r#""d""#, 8, "").as_str()]);
    // max_lines 3: flushed by the third line.
    let (got, _, _) = drive(&mut plain(100, Some(("^S", false, 3.0))), b"S1\nc\nc\nc\n", 64, false, 4096, 64);
    assert_eq!(got, [d(r#""S1\nc\nc""#, 0, 6, FLAG_MULTILINE, r#""multiline""#)]);
    // The cap (max_line_bytes 13): truncated joins fall back with the text JavaScript keeps.
    let (got, _, _) = drive(&mut plain(13, Some(("^S", false, 50.0))), b"S-start\nc1234\nc5678\n", 64, true, 4096, 64);
    assert_eq!(got, [f("S-start\nc1234", 0, 19, FLAG_MULTILINE | FLAG_TRUNCATED)]);
    // A binary continuation line makes the whole event a fallback; a cut line too.
    let (got, _, _) = drive(&mut plain(6, Some(("^S", false, 50.0))), b"S1\nx\x01\nS2\nlonglongline\n", 64, true, 4096, 64);
    assert_eq!(got, [f("S1\nx\x01", 0, 5, FLAG_MULTILINE | FLAG_BINARY), f("S2", 6, 15, FLAG_MULTILINE | FLAG_TRUNCATED)]);
}

#[test]
fn batch_room_stops_after_the_line() {
    let mut e = plain(100, None);
    let (mut out, mut meta) = (vec![0u8; 4096], vec![0f64; 64]);
    let o = e.scan(b"a\nb\nc\n", 0, false, &mut out, &mut meta, &room(2.0, 1e9));
    assert_eq!((o.consumed, o.events), (4, 2));
    // Events already in the batch count.
    let r = Room { events: 1, out_start: o.out_end, ..room(2.0, 1e9) };
    let o2 = e.scan(b"c\nd\n", 4, false, &mut out, &mut meta, &r);
    assert_eq!((o2.consumed, o2.events), (2, 2));
    assert_eq!(events(&out, &meta, 1, 2)[0].offset, 4);
    // max_bytes: "aaaa\n" counts 5; stop once 5 ≥ 5.
    let o = plain(100, None).scan(b"aaaa\nb\n", 0, false, &mut out, &mut meta, &room(100.0, 5.0));
    assert_eq!((o.consumed, o.events, o.line_bytes), (5, 1, 5.0));
    // Empty lines do not count and do not stop.
    let o = plain(100, None).scan(b"\n\n\na\nb\n", 0, false, &mut out, &mut meta, &room(1.0, 1e9));
    assert_eq!((o.consumed, o.events, o.lines), (5, 1, 4));
}

#[test]
fn meta_capacity_stops_like_a_full_batch() {
    let mut e = plain(100, Some(("^S", false, 50.0)));
    let (mut out, mut meta) = (vec![0u8; 4096], vec![0f64; 3 * META_STRIDE]);
    // Two free entries are needed per line with a joiner.
    let o = e.scan(b"S1\nS2\nS3\nS4\n", 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events), (9, 2));
    let r = Room { events: 2, ..room(100.0, 1e9) };
    let o = e.scan(b"S4\n", 9, false, &mut out, &mut meta, &r);
    assert_eq!((o.consumed, o.events), (0, 2));
}

#[test]
fn carry_when_out_is_full_then_need_out() {
    let mut e = plain(100, None);
    let one = doc(r#""a""#, 0, "").len();
    let (mut out, mut meta) = (vec![0u8; one + 10], vec![0f64; 64]);
    let o = e.scan(b"a\nb\nc\n", 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    // "b" does not fit: held, the scan stops after its line.
    assert_eq!((o.consumed, o.events, o.need_out), (4, 1, 0));
    assert_eq!(o.pending_offset, Some(2));
    assert!(o.busy);
    // Next call (out not empty: still no room): nothing consumed.
    let r = Room { out_start: one, events: 1, ..room(100.0, 1e9) };
    let o = e.scan(b"c\n", 4, false, &mut out, &mut meta, &r);
    assert_eq!((o.consumed, o.events, o.out_end, o.need_out), (0, 1, one, 0));
    // An empty out: the carry goes first, then "c" is held again.
    let o = e.scan(b"c\n", 4, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events), (2, 1));
    assert_eq!(events(&out, &meta, 0, 1), [d(r#""b""#, 2, 1, 0, "")]);
    let o = e.flush(&mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!(events(&out, &meta, 0, o.events), [d(r#""c""#, 4, 1, 0, "")]);
    assert!(!o.busy);
    // Too small even when empty: need_out says how much.
    let mut tiny = vec![0u8; 10];
    let o = e.scan(b"abc\n", 6, false, &mut tiny, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events, o.need_out), (4, 0, doc(r#""abc""#, 6, "").len()));
    let o = e.scan(b"", 10, false, &mut tiny, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events, o.need_out), (0, 0, doc(r#""abc""#, 6, "").len()));
    assert!(o.busy);
}

#[test]
fn carry_keeps_order_with_a_joiner() {
    // max_lines 1 with a held event: one line makes two events; the second does not fit.
    let mut e = plain(100, Some(("^S", false, 2.0)));
    let first = doc(r#""S1""#, 0, "").len();
    let (mut out, mut meta) = (vec![0u8; first + 5], vec![0f64; 64]);
    let o = e.scan(b"S1\nS2\nc\n", 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!((o.consumed, o.events), (8, 1));
    assert_eq!(o.pending_offset, Some(3));
    let o = e.flush(&mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!(o.events, 0);
    out.resize(4096, 0);
    let o = e.flush(&mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!(events(&out, &meta, 0, o.events), [d(r#""S2\nc""#, 3, 4, FLAG_MULTILINE, r#""multiline""#)]);
}

#[test]
fn gate_fires_fallback() {
    let mut e = Engine::new(Box::new(PlainParser), Box::new(FireAll), test_origin(), 100);
    let (got, _, _) = drive(&mut e, b"password=x\n", 64, false, 4096, 64);
    assert_eq!(got, [f("password=x", 0, 10, 0)]);
    struct SelfGated;
    impl LineParser for SelfGated {
        fn parse(&mut self, _l: &str, _n: f64, out: &mut ParseOut, _g: &dyn Gate) -> bool {
            out.token_line = false;
            true
        }
        fn gates_line(&self) -> bool {
            false
        }
    }
    let mut e = Engine::new(Box::new(SelfGated), Box::new(FireAll), test_origin(), 100);
    let (got, _, _) = drive(&mut e, b"x\n", 64, false, 4096, 64);
    assert_eq!(got[0].kind, KIND_DOC);
}

#[test]
fn reset_forgets_the_skipped_line() {
    let mut e = plain(4, None);
    let (mut out, mut meta) = (vec![0u8; 4096], vec![0f64; 64]);
    let o = e.scan(b"abcdefgh", 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!(o.pending_line_offset, Some(0));
    e.reset();
    let o = e.scan(b"new\n", 0, false, &mut out, &mut meta, &room(100.0, 1e9));
    assert_eq!(events(&out, &meta, 0, o.events), [d(r#""new""#, 0, 3, 0, "")]);
}

/// xorshift: deterministic pseudo-random numbers for the fuzz tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn random_data(r: &mut Rng, len: usize) -> Vec<u8> {
    const PIECES: [&[u8]; 14] = [b"\n", b"\r\n", b"S", b"x", b"\t", b"\x01", b"\xff", b"\xc3", b"\xa9", "é".as_bytes(), "𝄞".as_bytes(), b"\"", b"\\", b"2024-"];
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        let p = PIECES[r.below(PIECES.len() as u64) as usize];
        let times = if r.below(8) == 0 { r.below(40) } else { 1 };
        for _ in 0..times {
            v.extend_from_slice(p);
        }
    }
    v
}

/// Never panics nor loops on any input, and the events do not depend on the sizes of `out` and `meta`.
/// (Except where JavaScript's own splitter depends on where a read starts, which stops at other lines
/// here: an over-long line cut to nothing (max_line_bytes < 4) is dropped when it is in the buffer and
/// emitted empty in skip mode; a line of exactly max_line_bytes plus CR is flagged truncated when the
/// buffer ends before its LF. Those rounds only check that nothing panics.)
#[test]
fn fuzz_no_panic_and_out_size_independent() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..400 {
        let len = 1 + r.below(3000) as usize;
        let mut data = random_data(&mut r, len);
        let exact = round % 2 == 0;
        if exact {
            data.retain(|&c| c != b'\r');
        }
        let max_line = if exact { 4 + r.below(60) as usize } else { 1 + r.below(64) as usize };
        let buf = max_line + 1 + r.below(200) as usize;
        let ml = match round % 3 {
            0 => None,
            1 => Some(("^S", false, 1.0 + r.below(5) as f64)),
            _ => Some(("^[^x]", r.below(2) == 0, 500.0)),
        };
        let fin = r.below(2) == 0;
        let (reference, pos, lines) = drive(&mut plain(max_line, ml), &data, buf, fin, 1 << 20, 1024);
        let small_out = 1 + r.below(400) as usize;
        let meta_events = 2 + r.below(5) as usize;
        let (got, pos2, lines2) = drive(&mut plain(max_line, ml), &data, buf, fin, small_out, meta_events);
        if exact {
            assert_eq!((&reference, pos, lines), (&got, pos2, lines2), "round {round}");
        }
        assert!(got.iter().all(|e| e.kind == KIND_FALLBACK || e.flags & FALLBACK_FLAGS == 0));
    }
}

/// Random room and buffer arguments, including nonsense: never panics.
#[test]
fn fuzz_arguments() {
    let mut r = Rng(42);
    let mut e = plain(16, Some(("^S", false, 3.0)));
    for _ in 0..5000 {
        let len = r.below(100) as usize;
        let data = random_data(&mut r, len);
        let mut out = vec![0u8; r.below(300) as usize];
        let mut meta = vec![0f64; r.below(40) as usize];
        let rm = Room {
            out_start: r.below(400) as usize,
            events: r.below(8) as usize,
            max_records: r.below(5) as f64,
            line_bytes: r.below(50) as f64,
            max_bytes: r.below(80) as f64,
            now_ms: NOW,
            now_mono_ms: r.below(1000) as f64,
        };
        let o = if r.below(5) == 0 { e.flush(&mut out, &mut meta, &rm) } else { e.scan(&data, r.below(1000) as i64, r.below(3) == 0, &mut out, &mut meta, &rm) };
        assert!(o.consumed <= data.len() && o.out_end <= out.len() && o.events <= meta.len() / META_STRIDE.max(1) + rm.events);
        if r.below(20) == 0 {
            e.reset();
        }
    }
}

/// Throughput over a file (`ENGINE_BENCH=path cargo test --release --lib engine_bench -- --ignored --nocapture`):
/// the reader's loop with 256 KiB reads, batches of 1000 records / 512 KiB, multiline `^[0-9]{4}-` unless
/// `ENGINE_BENCH_ML=0`.
#[test]
#[ignore]
fn engine_bench() {
    let Ok(path) = std::env::var("ENGINE_BENCH") else { return };
    let data = std::fs::read(&path).unwrap();
    let ml = std::env::var("ENGINE_BENCH_ML").map_or(true, |v| v != "0");
    let reps = std::env::var("ENGINE_BENCH_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    for _ in 0..reps {
        let mut e = plain(65536, ml.then_some(("^[0-9]{4}-", false, 500.0)));
        let (mut out, mut meta) = (vec![0u8; 4 << 20], vec![0f64; 1002 * META_STRIDE]);
        let mut buf = vec![0u8; 256 * 1024];
        let (mut pos, mut lines, mut docs) = (0usize, 0u64, 0usize);
        let t = std::time::Instant::now();
        let cpu0 = cpu_ns();
        while pos < data.len() {
            let mut r = room(1000.0, 512.0 * 1024.0);
            while pos < data.len() && (r.events as f64) < r.max_records && r.line_bytes < r.max_bytes {
                let n = (data.len() - pos).min(buf.len());
                buf[..n].copy_from_slice(&data[pos..pos + n]);
                let o = e.scan(&buf[..n], pos as i64, n < buf.len(), &mut out, &mut meta, &r);
                pos += o.consumed;
                lines += o.lines;
                r.out_start = o.out_end;
                r.events = o.events;
                r.line_bytes = o.line_bytes;
            }
            docs += r.events;
        }
        let ns = t.elapsed().as_nanos() as f64;
        let cpu = (cpu_ns() - cpu0) as f64;
        eprintln!("{path}: {lines} lines, {docs} events, wall {:.1} ns/line, cpu {:.1} ns/line, {:.0} MB/s (cpu)", ns / lines as f64, cpu / lines as f64, data.len() as f64 / cpu * 1e3);
    }
}

/// This thread's CPU time in ns (the machine is shared: wall time is noise).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok().and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or(0)
}

/// Counts this thread's allocations (tests run on several threads at once).
struct CountingAlloc;

thread_local! {
    static ALLOCS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const-initialised thread-local without a destructor.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: CountingAlloc = CountingAlloc;

/// No allocation per line once the buffers have grown: documents, fallbacks, joins, the carry.
#[test]
fn steady_state_allocates_nothing() {
    let mut text = String::new();
    for k in 0..200 {
        text.push_str(&format!("2024-01-01 line {k} \"quoted\" é\n\tat frame {k}\n"));
        if k % 7 == 0 {
            text.push_str("bad \u{1} byte\n");
        }
        if k % 11 == 0 {
            text.push_str(&"x".repeat(300));
            text.push('\n');
        }
    }
    let data = text.as_bytes();
    let mut e = plain(256, Some(("^[0-9]{4}-", false, 500.0)));
    let (mut out, mut meta) = (vec![0u8; 2048], vec![0f64; 64 * META_STRIDE]);
    let mut run = |e: &mut Engine| {
        let mut pos = 0;
        while pos < data.len() {
            let n = (data.len() - pos).min(1024);
            let o = e.scan(&data[pos..pos + n], pos as i64, false, &mut out, &mut meta, &room(60.0, 1e9));
            pos += o.consumed;
            if o.consumed == 0 && o.held_events == 0 {
                break;
            }
        }
        e.flush(&mut out, &mut meta, &room(60.0, 1e9));
        e.flush(&mut out, &mut meta, &room(60.0, 1e9));
    };
    run(&mut e);
    run(&mut e);
    let before = ALLOCS.with(|c| c.get());
    run(&mut e);
    assert_eq!(ALLOCS.with(|c| c.get()) - before, 0);
    let v = std::hint::black_box(Vec::<u8>::with_capacity(10));
    assert!(ALLOCS.with(|c| c.get()) > before, "the counter counts");
    drop(v);
}

#[test]
fn a_batch_filled_by_held_events_reads_no_further_line() {
    // maxRecords 2: "a" is written, "b" is held (out full) and fills the batch once written: the next call
    // writes "b" and must not read "c" (JavaScript's batch ended with "b", and so does its checkpoint).
    let mut e = plain(100, None);
    let one = doc(r#""a""#, 0, "").len();
    let (mut small, mut meta) = (vec![0u8; one + 10], vec![0f64; 64]);
    let o = e.scan(b"a\nb\nc\n", 0, false, &mut small, &mut meta, &room(2.0, 1e9));
    assert_eq!((o.consumed, o.events), (4, 1));
    let mut out = vec![0u8; 4096];
    out[..one].copy_from_slice(&small[..one]);
    let r = Room { out_start: one, events: 1, ..room(2.0, 1e9) };
    let o = e.scan(b"c\n", 4, false, &mut out, &mut meta, &r);
    assert_eq!((o.consumed, o.events), (0, 2), "b written, c not read");
    assert!(!o.busy);
}
