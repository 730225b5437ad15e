//! `json` (src/logs/parse/json.ts, `JsonParser`): one JSON object per line. The recognised keys (time, level,
//! message) are consumed; every other member goes to `json.*`, written in one pass by [`json_reader`] as
//! `JSON.stringify` would re-serialise the `JSON.parse` result.
//!
//! Declined (the JavaScript path decides): every JavaScript failure (not an object, invalid JSON, nested too
//! deeply; [`JsonParser::read`] tells these apart, for the sandbox's `auto` mode), what the reader declines
//! (escaped keys, duplicate keys, digit-only keys, lone surrogates, gate hits), ISO-looking times that only
//! `Date.parse` would read, local times outside the zone window, non-ASCII level strings.
//!
//! `token_line` is false: the reader checks every string (after unescaping) and every key with the gate.
//!
//! [`json_reader`]: super::json_reader

use super::json_reader::{R, Reader, Scratch, Stop, Val, level_of_num, level_of_str, num_value};
use super::sandbox::{JsonLineParser, Outcome};
use super::{Gate, LineParser, Message, ParseOut};
use crate::time::{Clock, T, Zone, code_at, four_digits};

/// 9999-12-31T23:59:59.999Z: `MAX_EPOCH_MS` of json.ts.
const MAX_EPOCH_MS: f64 = 253_402_300_799_999.0;

pub struct JsonParser {
    clock: Clock,
    sc: Scratch,
}

impl JsonParser {
    /// A parser for one file; `zone` is the local time zone window (ISO times without an offset are local).
    pub fn new(zone: Zone) -> Self {
        JsonParser { clock: Clock::new(zone), sc: Scratch::default() }
    }

    /// Port of `JsonParser.apply`: the line's members in one pass, the recognised keys consumed on the way
    /// (written first, then cut from `out.members` when usable), the rest kept as `,"json":{...}`.
    fn apply(&mut self, line: &str, out: &mut ParseOut, gate: &dyn Gate) -> R<()> {
        let b = line.as_bytes();
        // The prefix json.ts skips: space, TAB, CR and U+FEFF (EF BB BF).
        let mut i = 0;
        loop {
            match code_at(b, i) {
                b' ' | b'\t' | b'\r' => i += 1,
                0xef if b[i..].starts_with("\u{feff}".as_bytes()) => i += 3,
                _ => break,
            }
        }
        if code_at(b, i) != b'{' {
            return Err(Stop::Invalid);
        }
        let mut rd = Reader::new(line, i + 1, if gate.off() { None } else { Some(gate) });
        let sc = &mut self.sc;
        sc.reset();
        let m = &mut out.members;
        m.extend_from_slice(b",\"json\":");
        let mut rest = 0usize;
        let mut ts: Option<f64> = None;
        let mut level: Option<String> = None;
        let mut message_set = false;
        rd.skip_ws();
        if code_at(b, rd.pos) == b'}' {
            rd.pos += 1;
        } else {
            let (mark, serial) = rd.open_keys(sc);
            loop {
                let at = m.len();
                m.push(if rest == 0 { b'{' } else { b',' });
                let (ks, ke) = rd.key(sc, m, mark, serial)?;
                let kind = key_kind(&line[ks..ke]);
                let want_level = kind == Key::Log && level.is_none();
                let v = rd.value(sc, m, 1, want_level)?;
                let consumed = match kind {
                    Key::Time if ts.is_none() => {
                        // `epochMs` needs the parser's clock and the value's text: split the borrow.
                        let t = epoch_ms(&mut self.clock, sc, &rd, v)?;
                        ts = t;
                        t.is_some()
                    }
                    Key::Level if level.is_none() => {
                        level = match v {
                            Val::Str { start, end, escaped } => level_of_str(if escaped { &sc.text } else { &line[start..end] })?,
                            Val::Num { start, end } => level_of_num(num_value(&line[start..end])),
                            _ => None,
                        };
                        level.is_some()
                    }
                    Key::Message if !message_set => match v {
                        Val::Str { start, end, escaped } => {
                            message_set = true;
                            if escaped {
                                out.owned_message.push_str(&sc.text);
                                out.message = Message::Owned;
                            } else {
                                out.message = Message::Range(start, end);
                            }
                            true
                        }
                        _ => false,
                    },
                    Key::Log if want_level => {
                        if v == Val::Obj {
                            level = sc.nested_level.take();
                        }
                        false
                    }
                    _ => false,
                };
                if consumed {
                    m.truncate(at);
                } else {
                    rest += 1;
                }
                rd.skip_ws();
                match code_at(b, rd.pos) {
                    b',' => {
                        rd.pos += 1;
                        rd.skip_ws();
                    }
                    b'}' => {
                        rd.pos += 1;
                        break;
                    }
                    _ => return Err(Stop::Invalid),
                }
            }
        }
        rd.skip_ws();
        if !rd.at_end() {
            return Err(Stop::Invalid); // JSON.parse: only whitespace may follow
        }
        if rest == 0 {
            m.clear();
        } else {
            m.push(b'}');
            if let Some(g) = rd.gate
                && g.secret_key("json")
            {
                return Err(Stop::Decline); // the redactor walks `fields`, whose only key is `json`
            }
        }
        if !message_set {
            out.message = Message::Owned; // `message ?? ''`
        }
        out.ts_ms = ts;
        out.level = level;
        Ok(())
    }
}

/// Port of `JsonParser.epochMs` / `rawEpochMs`: `Ok(Some(ms))` for a usable time, `Ok(None)` where JavaScript
/// gets NaN (the key stays in `json.*`); declines where JavaScript would call `Date.parse`.
fn epoch_ms(clock: &mut Clock, sc: &Scratch, rd: &Reader, v: Val) -> R<Option<f64>> {
    let ms = match v {
        Val::Num { start, end } => raw_epoch_num(num_value(&rd.s[start..end])),
        Val::Str { start, end, escaped } => {
            let s: &str = if escaped { &sc.text } else { &rd.s[start..end] };
            let b = s.as_bytes();
            if (b.len() > 64 && utf16_len(b) > 64) || four_digits(b, 0) < 0 || code_at(b, 4) != b'-' {
                None
            } else {
                match clock.rfc3339(b, 0) {
                    T::Ms(t) if clock.end == b.len() => Some(t),
                    _ => return Err(Stop::Decline), // Date.parse, or a local time outside the zone window
                }
            }
        }
        _ => None,
    };
    Ok(ms.filter(|&ms| (0.0..=MAX_EPOCH_MS).contains(&ms)))
}

/// The number branch of `rawEpochMs`: the unit inferred from the magnitude, floored to whole ms.
fn raw_epoch_num(v: f64) -> Option<f64> {
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    Some(if v < 1e11 {
        (v * 1000.0).floor()
    } else if v < 1e14 {
        v.floor()
    } else if v < 1e17 {
        (v / 1e3).floor()
    } else {
        (v / 1e6).floor()
    })
}

/// Length in UTF-16 code units of UTF-8 text (JavaScript's `length`).
fn utf16_len(b: &[u8]) -> usize {
    b.iter().map(|&c| if c & 0xc0 == 0x80 { 0 } else if c >= 0xf0 { 2 } else { 1 }).sum()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Time,
    Level,
    Message,
    Log,
    Other,
}

/// The `switch (key)` of `JsonParser.apply`.
fn key_kind(k: &str) -> Key {
    match k {
        "@timestamp" | "timestamp" | "time" | "ts" => Key::Time,
        "level" | "log.level" | "severity" | "lvl" => Key::Level,
        "message" | "msg" => Key::Message,
        "log" => Key::Log,
        _ => Key::Other,
    }
}

impl JsonParser {
    /// Port of `JsonParser.parse`, telling JavaScript failures (`Invalid`: not an object, invalid JSON, nested
    /// too deeply; JavaScript returns a reason) from declines. `out` is reset unless the line was parsed.
    pub fn read(&mut self, line: &str, out: &mut ParseOut, gate: &dyn Gate) -> Outcome {
        out.token_line = false;
        let r = self.apply(line, out, gate);
        if r.is_ok() {
            return Outcome::Ok;
        }
        out.reset();
        if r == Err(Stop::Invalid) { Outcome::Invalid } else { Outcome::Decline }
    }
}

impl LineParser for JsonParser {
    /// Port of `JsonParser.parse`; declines every line JavaScript fails on.
    fn parse(&mut self, line: &str, _now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> bool {
        self.read(line, out, gate) == Outcome::Ok
    }
}

/// For the sandbox parser's `auto` and `json` modes (a `{` line that JavaScript fails on is plain text in `auto`).
impl JsonLineParser for JsonParser {
    fn parse_json(&mut self, line: &str, _now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> Outcome {
        self.read(line, out, gate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::NoGate;
    use crate::testkit::{assert_same, diff, native_doc};

    /// 2026-11-21T12:00:00Z, the read time of expect.mjs.
    const NOW: f64 = 1_795_262_400_000.0;

    fn doc(line: &str) -> Option<String> {
        native_doc(&mut JsonParser::new(Zone::UTC), line, NOW, &NoGate)
    }

    /// The document after the fixed identity, as expect.mjs writes it for the test origin.
    fn want(ts: &str, msg: &str, level: &str, members: &str) -> String {
        format!(
            "{{\"@timestamp\":\"{ts}\",\"message\":{msg},\"log\":{{\"file\":{{\"path\":\"/var/log/x.log\"}},\"offset\":0{level}}},\"event\":{{\"dataset\":\"test.ds\"}},\"host\":{{\"name\":\"testhost\"}}{members}}}"
        )
    }

    const READ: &str = "2026-11-21T12:00:00.000Z";

    #[test]
    fn pino_bunyan_zap_ecs_lines() {
        assert_eq!(
            doc(r#"{"level":30,"time":1763726400123,"pid":7,"hostname":"n1","req":{"id":1},"msg":"request completed"}"#).unwrap(),
            want("2025-11-21T12:00:00.123Z", r#""request completed""#, r#","level":"info""#, r#","json":{"pid":7,"hostname":"n1","req":{"id":1}}"#)
        );
        assert_eq!(
            doc(r#"{"level":"WARN","ts":1763726400.5,"caller":"main.go:1","msg":"slow"}"#).unwrap(),
            want("2025-11-21T12:00:00.500Z", r#""slow""#, r#","level":"warn""#, r#","json":{"caller":"main.go:1"}"#)
        );
        assert_eq!(
            doc(r#"{"@timestamp":"2026-11-21T12:00:00.000+01:00","log.level":"info","message":"ecs","ecs":{"version":"8.11"}}"#).unwrap(),
            want("2026-11-21T11:00:00.000Z", r#""ecs""#, r#","level":"info""#, r#","json":{"ecs":{"version":"8.11"}}"#)
        );
        assert_eq!(
            doc(r#"{"log":{"level":"debug","logger":"x"},"message":"nested"}"#).unwrap(),
            want(READ, r#""nested""#, r#","level":"debug""#, r#","json":{"log":{"level":"debug","logger":"x"}}"#)
        );
        assert_eq!(doc(r#"{"level":35,"msg":"x"}"#).unwrap(), want(READ, r#""x""#, "", r#","json":{"level":35}"#));
    }

    #[test]
    fn unusable_recognised_keys_stay() {
        assert_eq!(
            doc(r#"{"time":"12","ts":-5,"level":{"x":1},"msg":42,"message":null}"#).unwrap(),
            want(READ, r#""""#, "", r#","json":{"time":"12","ts":-5,"level":{"x":1},"msg":42,"message":null}"#)
        );
        assert_eq!(doc(r#"{"msg":"a","message":"b"}"#).unwrap(), want(READ, r#""a""#, "", r#","json":{"message":"b"}"#));
        assert_eq!(doc("\u{feff}{\"msg\":\"bom\"}").unwrap(), want(READ, r#""bom""#, "", ""));
        assert_eq!(doc(" \t{}").unwrap(), want(READ, r#""""#, "", ""));
        assert_eq!(doc(r#"{"ts":3e20,"msg":"far"}"#).unwrap(), want(READ, r#""far""#, "", r#","json":{"ts":300000000000000000000}"#));
        assert_eq!(
            doc(r#"{"ts":"9999-12-31T23:59:59.999Z"}"#).unwrap(),
            want("9999-12-31T23:59:59.999Z", r#""""#, "", "")
        );
        assert_eq!(doc(r#"{"time":"2026-11-21T12:00:00","msg":"local"}"#).unwrap(), want(READ, r#""local""#, "", ""));
        assert_eq!(doc(r#"{"__proto__":{"polluted":true},"msg":"x"}"#).unwrap(), want(READ, r#""x""#, "", r#","json":{"__proto__":{"polluted":true}}"#));
    }

    #[test]
    fn values_as_json_stringify_writes_them() {
        assert_eq!(
            doc(r#"{ "msg" : "a\/b\u00e9\ud83d\ude00\t" , "n":[-0,1E2,1.50,1e21,1e400,12345678901234567890,0.1e-6], "k":"\u0001" }"#).unwrap(),
            want(READ, "\"a/bé😀\\t\"", "", r#","json":{"n":[0,100,1.5,1e+21,null,12345678901234567000,1e-7],"k":"\u0001"}"#)
        );
    }

    #[test]
    fn failures_and_declines() {
        for line in [
            "", "[1,2]", "42", "null", "plain text", r#"{"a":1"#, r#"{"a":1}}"#, "{'a':1}", r#"{"a":1,}"#, r#"{"a":01}"#,
            r#"{"a":1.}"#, r#"{"a":"x	y"}"#, r#"{"a":"\x"}"#, "{\"a\":1}\u{feff}", r#"{"a":tru}"#,
            // declined: Date.parse, duplicates, index keys, lone surrogates, non-ASCII level
            r#"{"timestamp":"2026-11-21 12:00:00"}"#, r#"{"a":1,"a":2}"#, r#"{"a":{"b":1,"b":2}}"#, r#"{"\u0061":1}"#, r#"{"0":1}"#,
            r#"{"a":{"12":1}}"#, r#"{"msg":"\ud800"}"#, r#"{"msg":"\udc00x"}"#, r#"{"level":"ÉRROR"}"#,
        ] {
            assert_eq!(doc(line), None, "{line}");
        }
        // JavaScript failures are told from declines (the sandbox's auto mode ships the former as plain text).
        let outcome = |line: &str| JsonParser::new(Zone::UTC).read(line, &mut ParseOut::default(), &NoGate);
        for line in ["", "x{}", "\n{}", r#"{"a":1"#, r#"{"a":1}}"#, r#"{"a":"\q"}"#, r#"{"a":"\u12g4"}"#, r#"{"a":"x	"}"#] {
            assert_eq!(outcome(line), Outcome::Invalid, "{line}");
        }
        for line in [r#"{"a":1,"a":2,}"#, r#"{"\u0061":1}"#, r#"{"a":"\ud800"}"#, r#"{"a":"\ud800\u0041"}"#, r#"{"ts":"2026-11-21"}"#] {
            assert_eq!(outcome(line), Outcome::Decline, "{line}");
        }
        let deep = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        assert_eq!(outcome(&deep(256)), Outcome::Invalid);
        assert!(doc(&deep(255)).is_some());
    }

    #[test]
    fn local_times_need_the_window() {
        let berlin = Zone { offset_ms: 3_600_000.0, from_ms: 1_792_890_000_000.0, to_ms: 1_806_195_600_000.0 };
        let mut p = JsonParser::new(berlin);
        let d = native_doc(&mut p, r#"{"time":"2026-11-21T13:00:00"}"#, NOW, &NoGate).unwrap();
        assert!(d.starts_with("{\"@timestamp\":\"2026-11-21T12:00:00.000Z\""));
        assert_eq!(native_doc(&mut p, r#"{"time":"2026-07-01T13:00:00"}"#, NOW, &NoGate), None);
    }

    struct Fires;
    impl Gate for Fires {
        fn off(&self) -> bool {
            false
        }
        fn flags(&self, s: &str) -> u32 {
            s.contains("secret") as u32
        }
        fn secret_key(&self, k: &str) -> bool {
            k == "password"
        }
    }

    #[test]
    fn gate_checks_every_string_and_key() {
        let mut p = JsonParser::new(Zone::UTC);
        let ok = |p: &mut JsonParser, l: &str| native_doc(p, l, NOW, &Fires).is_some();
        assert!(ok(&mut p, r#"{"msg":"hi","a":{"b":["c"]}}"#));
        assert!(!ok(&mut p, r#"{"msg":"my secret"}"#));
        assert!(!ok(&mut p, r#"{"msg":"hi","a":{"b":["x\u0020secret"]}}"#));
        assert!(!ok(&mut p, r#"{"a":{"password":1}}"#));
        assert!(!ok(&mut p, r#"{"passwor\u0064":null}"#));
    }

    /// Never panics, never loops: truncations and random bytes of a line.
    #[test]
    fn no_panic_on_any_input() {
        let mut p = JsonParser::new(Zone::UTC);
        let mut out = ParseOut::default();
        let line = r#" {"level":"info","time":"2026-11-21T11:00:00Z","msg":"hello \"world\" \ud83d\ude00","a":[1,-2.5e3,{"b":null,"log":{"level":30}}],"c":"\u00e9€"}"#;
        let mut cut = 0;
        for k in 0..=line.len() {
            if line.is_char_boundary(k) {
                out.reset();
                p.parse(&line[..k], NOW, &mut out, &NoGate);
                cut += 1;
            }
        }
        assert!(cut > 100);
        let alphabet: Vec<char> = "{}[]:,\"\\u0123456789abcdefE.-+ \ttrulsnéd\u{feff}😀".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut s = String::new();
        for _ in 0..30_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.clear();
            s.push('{');
            for k in 0..(seed % 60) {
                s.push(alphabet[((seed >> (k % 50)) as usize ^ (k as usize * 7)) % alphabet.len()]);
            }
            out.reset();
            p.parse(&s, NOW, &mut out, &Fires);
        }
        let wide = format!("{{{}}}", (0..5000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(","));
        out.reset();
        assert!(p.parse(&wide, NOW, &mut out, &NoGate));
        let dup = format!("{{{},\"k7\":1}}", (0..5000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(","));
        out.reset();
        assert!(!p.parse(&dup, NOW, &mut out, &NoGate));
        out.reset();
        assert!(!p.parse(&format!("{{\"a\":{}", "[".repeat(1 << 20)), NOW, &mut out, &NoGate));
    }

    /// Differential run of the sandbox's `auto` mode with this parser (expect.mjs `sandbox:auto:none`):
    /// `JSON_SANDBOX_DIFF=expected.jsonl cargo test --lib json -- --ignored`.
    #[test]
    #[ignore]
    fn differential_sandbox_auto() {
        use crate::parse::sandbox::{ExecutorRule, SandboxMode, SandboxParser};
        let Ok(path) = std::env::var("JSON_SANDBOX_DIFF") else { return };
        let json = Box::new(JsonParser::new(Zone::UTC));
        let mut p = SandboxParser::new(SandboxMode::Auto, ExecutorRule::None, Default::default(), Zone::UTC, Some(json));
        assert_same(&path, &diff(&mut p, &path));
    }

    /// Differential run: `JSON_DIFF=expected.jsonl [JSON_ZONE=utc|new_york|berlin] cargo test --lib json -- --ignored`.
    #[test]
    #[ignore]
    fn differential() {
        let Ok(path) = std::env::var("JSON_DIFF") else { return };
        let zone = match std::env::var("JSON_ZONE").as_deref() {
            Ok("new_york") => Zone { offset_ms: -18_000_000.0, from_ms: 1_793_512_800_000.0, to_ms: 1_805_007_600_000.0 },
            Ok("berlin") => Zone { offset_ms: 3_600_000.0, from_ms: 1_792_890_000_000.0, to_ms: 1_806_195_600_000.0 },
            _ => Zone::UTC,
        };
        for p in path.split(',') {
            assert_same(p, &diff(&mut JsonParser::new(zone), p));
            // `Failed` only where JavaScript fails, and counted.
            let mut parser = JsonParser::new(zone);
            let (mut failed, mut js_failed) = (0, 0);
            for row in std::fs::read_to_string(p).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(row).unwrap();
                let mut out = ParseOut::default();
                js_failed += v["doc"].is_null() as usize;
                if parser.read(v["line"].as_str().unwrap(), &mut out, &NoGate) == Outcome::Invalid {
                    failed += 1;
                    assert!(v["doc"].is_null(), "Failed, but JavaScript parses: {}", v["line"]);
                }
            }
            eprintln!("{p}: {failed} of {js_failed} JavaScript failures known as such");
            if std::env::var("JSON_DUMP").is_ok() {
                // The lines JavaScript parses that this port declines, to review the decline rules.
                let mut parser = JsonParser::new(zone);
                for row in std::fs::read_to_string(p).unwrap().lines() {
                    let v: serde_json::Value = serde_json::from_str(row).unwrap();
                    let line = v["line"].as_str().unwrap();
                    if !v["doc"].is_null() && native_doc(&mut parser, line, NOW, &NoGate).is_none() {
                        eprintln!("DECLINED {line}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use crate::parse::NoGate;

    /// Timing: `JSON_BENCH=lines.txt cargo test --release --lib json::bench -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn time_per_line() {
        let Ok(path) = std::env::var("JSON_BENCH") else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        let mut p = JsonParser::new(Zone::UTC);
        let mut out = ParseOut::default();
        let mut accepted = 0usize;
        let t0 = std::time::Instant::now();
        for _ in 0..5 {
            for l in &lines {
                out.reset();
                accepted += p.parse(l, 0.0, &mut out, &NoGate) as usize;
            }
        }
        let ns = t0.elapsed().as_nanos() as f64 / (5 * lines.len()) as f64;
        eprintln!("{} lines, {accepted} accepted, {ns:.0} ns/line", lines.len());
    }
}
