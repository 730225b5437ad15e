//! `glog` (src/logs/parse/glog.ts, `GlogParser`): `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`.
//!
//! Output as JavaScript: level info | warning | error | critical, the yearless local timestamp, message = msg,
//! `log.origin.file.{name,line}` and `process.thread.id`. JavaScript attaches these with `attachFields`, which
//! clears `parsedLine`: the redactor then walks the message and every field, so `token_line` is false and this
//! parser checks the gate itself on what it emits (message, file name, the keys that are not token keys).
//!
//! Declined although JavaScript would parse them: timestamps outside the time zone window (`time::T::Decline`)
//! and lines on which the gate fires.

use super::sandbox::Outcome;
use super::{Gate, LineParser, Message, ParseOut};
use crate::json_out::{write_i64, write_str};
use crate::time::{Clock, T, Zone, code_at as at, fraction_after, two_digits};

/// Keys of the glog fields that are not token keys (src/logs/parse/token-fields.ts), so may name a secret.
const FIELD_KEYS: [&str; 5] = ["origin", "file", "line", "thread", "id"];

/// `digitsAt` (glog.ts): a run of at most 15 digits at `p`: (value, end), or None when there is no digit.
#[inline]
fn digits15(s: &[u8], p: usize) -> Option<(i64, usize)> {
    let mut v: i64 = 0;
    let mut i = p;
    while i - p < 15 && at(s, i).is_ascii_digit() {
        v = v * 10 + (s[i] - b'0') as i64;
        i += 1;
    }
    if i == p { None } else { Some((v, i)) }
}

/// `levelOf` (glog.ts).
#[inline]
fn level_of(c: u8) -> Option<&'static str> {
    match c {
        b'I' => Some("info"),
        b'W' => Some("warning"),
        b'E' => Some("error"),
        b'F' => Some("critical"),
        _ => None,
    }
}

pub struct GlogParser {
    clock: Clock,
}

impl GlogParser {
    pub fn new(zone: Zone) -> GlogParser {
        GlogParser { clock: Clock::new(zone) }
    }

    /// `GlogParser.apply`: `Ok` (then `out` holds the document's parts), `Invalid` where JavaScript returns a
    /// failure reason (and leaves the event untouched; `out` is untouched too), `Decline` where the result
    /// cannot be reproduced here or the gate fires.
    pub fn parse_outcome(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> Outcome {
        let s = line.as_bytes();
        let Some(level) = level_of(at(s, 0)) else { return Outcome::Invalid };
        let (month, day, hour, min, sec) = (two_digits(s, 1), two_digits(s, 3), two_digits(s, 6), two_digits(s, 9), two_digits(s, 12));
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || !(0..=23).contains(&hour)
            || !(0..=59).contains(&min)
            || !(0..=60).contains(&sec)
            || at(s, 5) != b' '
            || at(s, 8) != b':'
            || at(s, 11) != b':'
        {
            return Outcome::Invalid;
        }
        let Some((ms, mut p)) = fraction_after(s, 14) else { return Outcome::Invalid };
        if at(s, p) != b' ' {
            return Outcome::Invalid;
        }
        while at(s, p) == b' ' {
            p += 1;
        }
        let Some((thread, end)) = digits15(s, p) else { return Outcome::Invalid };
        p = end;
        if at(s, p) != b' ' {
            return Outcome::Invalid;
        }
        p += 1;
        // file:line] — bounded as JavaScript bounds it: 512 UTF-16 units.
        let file_start = p;
        let mut colon = p;
        let mut units = 0;
        while units < 512 && colon < s.len() {
            let c = s[colon];
            if c == b':' || c == b' ' {
                break;
            }
            // A UTF-8 lead byte gives the character's length; 4 bytes are 2 UTF-16 units (a surrogate pair).
            let (bytes, u) = match c {
                0..0x80 => (1, 1),
                0xc0..0xe0 => (2, 1),
                0xe0..0xf0 => (3, 1),
                _ => (4, 2),
            };
            colon += bytes;
            units += u;
        }
        // Past the bound in the middle of a surrogate pair: JavaScript then reads the low surrogate, not ':'.
        if units > 512 || colon == file_start || at(s, colon) != b':' {
            return Outcome::Invalid;
        }
        let Some((line_no, end)) = digits15(s, colon + 1) else { return Outcome::Invalid };
        p = end;
        if at(s, p) != b']' {
            return Outcome::Invalid;
        }
        p += 1;
        if at(s, p) == b' ' {
            p += 1;
        }
        let ts = match self.clock.yearless_ms(month - 1, day, hour, min, if sec == 60 { 59 } else { sec }, ms, now_ms) {
            T::Ms(t) => t,
            T::No => return Outcome::Invalid, // no such day that year
            T::Decline => return Outcome::Decline,
        };
        let file = &line[file_start..colon];
        if !gate.off() && (gate.flags(&line[p..]) != 0 || gate.flags(file) != 0 || FIELD_KEYS.iter().any(|k| gate.secret_key(k))) {
            return Outcome::Decline;
        }
        out.ts_ms = Some(ts);
        out.level = Some(level.to_owned());
        out.message = Message::Range(p, s.len());
        out.token_line = false;
        out.log_members.extend_from_slice(b",\"origin\":{\"file\":{\"name\":");
        write_str(&mut out.log_members, file);
        out.log_members.extend_from_slice(b",\"line\":");
        write_i64(&mut out.log_members, line_no);
        out.log_members.extend_from_slice(b"}}");
        out.members.extend_from_slice(b",\"process\":{\"thread\":{\"id\":");
        write_i64(&mut out.members, thread);
        out.members.extend_from_slice(b"}}");
        Outcome::Ok
    }
}

impl LineParser for GlogParser {
    /// `GlogParser.parse`: every JavaScript failure is declined (JavaScript flags it parse_failure).
    fn parse(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> bool {
        self.parse_outcome(line, now_ms, out, gate) == Outcome::Ok
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse::NoGate;
    use crate::testkit::{self, native_doc};

    /// expect.mjs's default read time, 2026-11-21T12:00:00Z.
    pub(crate) const NOW: f64 = 1_795_262_400_000.0;

    /// The JavaScript document of a glog line with the test origin (testkit.rs), pieces in encoder order.
    fn doc(ts: &str, message: &str, level: &str, file_line: &str, thread: &str) -> String {
        format!(
            r#"{{"@timestamp":"{ts}","message":{message},"log":{{"file":{{"path":"/var/log/x.log"}},"offset":0,"level":"{level}","origin":{{"file":{file_line}}}}},"event":{{"dataset":"test.ds"}},"host":{{"name":"testhost"}},"process":{{"thread":{{"id":{thread}}}}}}}"#
        )
    }

    fn glog(line: &str) -> Option<String> {
        native_doc(&mut GlogParser::new(Zone::UTC), line, NOW, &NoGate)
    }

    /// Golden documents from `node native/tools/expect.mjs glog` (TZ=UTC, now 2026-11-21T12:00Z).
    #[test]
    fn documents_as_javascript() {
        let cases: [(&str, &str); 9] = [
            (
                "I0301 14:47:46.959683 89194 group.cpp:831] Syncing group operations: queue size (joins, cancels, datas) = (0, 0, 0)",
                r#"{"@timestamp":"2026-03-01T14:47:46.959Z","message":"Syncing group operations: queue size (joins, cancels, datas) = (0, 0, 0)","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"group.cpp","line":831}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":89194}}}"#,
            ),
            (
                "I0301 09:51:43.015770    16 detector.cpp:152] Detected a new leader: (id='0')",
                r#"{"@timestamp":"2026-03-01T09:51:43.015Z","message":"Detected a new leader: (id='0')","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"detector.cpp","line":152}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":16}}}"#,
            ),
            (
                "W1121 11:00:00.000001  7 a.cpp:1] w",
                r#"{"@timestamp":"2026-11-21T11:00:00.000Z","message":"w","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"warning","origin":{"file":{"name":"a.cpp","line":1}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":7}}}"#,
            ),
            (
                "E1121 11:00:00.12 7 a.cpp:1] e",
                r#"{"@timestamp":"2026-11-21T11:00:00.120Z","message":"e","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"error","origin":{"file":{"name":"a.cpp","line":1}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":7}}}"#,
            ),
            (
                "F1121 11:00:59.1 7 a.cpp:1] f",
                r#"{"@timestamp":"2026-11-21T11:00:59.100Z","message":"f","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"critical","origin":{"file":{"name":"a.cpp","line":1}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":7}}}"#,
            ),
            (
                "I1121 23:59:60 7 a.cpp:1]",
                r#"{"@timestamp":"2026-11-21T23:59:59.000Z","message":"","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"a.cpp","line":1}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":7}}}"#,
            ),
            (
                "I1121 11:00:00.000000 7 src/slave/slave.cpp:1234]nospace",
                r#"{"@timestamp":"2026-11-21T11:00:00.000Z","message":"nospace","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"src/slave/slave.cpp","line":1234}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":7}}}"#,
            ),
            (
                "I0228 11:00:00 7 \"q\\u\"é.cpp:7]  two spaces é",
                r#"{"@timestamp":"2026-02-28T11:00:00.000Z","message":" two spaces é","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"\"q\\u\"é.cpp","line":7}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":7}}}"#,
            ),
            (
                "I1121 11:00:00.123 123456789012345 a.cpp:123456789012345] big",
                r#"{"@timestamp":"2026-11-21T11:00:00.123Z","message":"big","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"a.cpp","line":123456789012345}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":123456789012345}}}"#,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(glog(line).as_deref(), Some(want), "{line}");
        }
        // No such day that year: JavaScript fails ('glog: invalid timestamp'), so must the engine.
        for line in ["I0231 11:00:00 7 a.cpp:1] x", "I0229 11:00:00 7 a.cpp:1] x", "I1131 11:00:00 7 a.cpp:1] x"] {
            let mut out = ParseOut::default();
            assert_eq!(GlogParser::new(Zone::UTC).parse_outcome(line, NOW, &mut out, &NoGate), Outcome::Invalid, "{line}");
        }
        assert_eq!(glog("I1121 11:00:00 7 a.cpp:1] m").unwrap(), doc("2026-11-21T11:00:00.000Z", "\"m\"", "info", r#"{"name":"a.cpp","line":1}"#, "7"));
    }

    /// The file name scan's bound: 512 UTF-16 units, a surrogate pair counting two.
    #[test]
    fn file_name_bound_in_utf16_units() {
        let with = |f: &str| glog(&format!("I1121 11:00:00 1 {f}:1] m"));
        assert!(with(&"x".repeat(512)).is_some());
        assert!(with(&"x".repeat(513)).is_none());
        assert!(with(&format!("{}😀", "x".repeat(510))).is_some(), "510 + 2 units");
        assert!(with(&format!("{}😀", "x".repeat(511))).is_none(), "the bound falls inside the pair");
        assert!(with(&"é".repeat(512)).is_some());
        assert!(with(&"é".repeat(513)).is_none());
    }

    #[test]
    fn year_inferred_from_the_read_time() {
        let ts = |line: &str, now: f64| {
            let mut out = ParseOut::default();
            assert!(GlogParser::new(Zone::UTC).parse(line, now, &mut out, &NoGate), "{line}");
            out.ts_ms.unwrap()
        };
        let jan_2027 = 1_798_765_200_000.0; // 2027-01-01T01:00Z
        let dec_2026 = 1_798_718_400_000.0; // 2026-12-31T12:00Z
        assert_eq!(ts("I1231 23:59:59.999999 7 a.cpp:1] x", jan_2027), 1_798_761_599_999.0, "2026-12-31T23:59:59.999Z");
        assert_eq!(ts("I0101 00:00:00 7 a.cpp:1] y", dec_2026), 1_798_761_600_000.0, "2027-01-01T00:00:00.000Z");
        assert_eq!(ts("I0101 00:00:00 7 a.cpp:1] y", jan_2027), 1_798_761_600_000.0);
    }

    #[test]
    fn javascript_failures_are_declined() {
        for line in [
            "Log file created at: 2026/11/21 12:00:00",
            "Running on machine: node7",
            "I1321 11:00:00.000000 7 a.cpp:1] x",
            "I0001 11:00:00 7 a.cpp:1] x",
            "I0132 11:00:00 7 a.cpp:1] x",
            "I1121 24:00:00 7 a.cpp:1] x",
            "I1121 11:60:00 7 a.cpp:1] x",
            "I1121 11:00:61 7 a.cpp:1] x",
            "I1121 11-00:00 7 a.cpp:1] x",
            "I1121 11:00:00. 7 a.cpp:1] x",
            "I1121 11:00:00.1234567890 7 a.cpp:1] x",
            "I1121 11:00:00.000000 a.cpp:1] x",
            "I1121 11:00:00.000000 1234567890123456 a.cpp:1] x",
            "I1121 11:00:00.000000 7 a.cpp] x",
            "I1121 11:00:00.000000 7 a.cpp:x] x",
            "I1121 11:00:00.000000 7 a.cpp:1234567890123456] x",
            "I1121 11:00:00.000000 7 :1] x",
            "I1121 11:00:00.000000 7 a b.cpp:1] x",
            "I1121 11:00:00\t7 a.cpp:1] x",
            "I1121 11:00:00.5 7 a.cpp:1",
            "    continuation of a multi-line message",
            "X1121 11:00:00 7 a.cpp:1] x",
            "I",
        ] {
            assert_eq!(glog(line), None, "{line}");
        }
    }

    /// Outside the zone window JavaScript's local time is not known here.
    #[test]
    fn local_times_outside_the_zone_window_are_declined() {
        // America/New_York: EST (UTC-5) from 2026-11-01T06:00Z to 2027-03-14T07:00Z.
        let ny = Zone { offset_ms: -18_000_000.0, from_ms: 1_793_512_800_000.0, to_ms: 1_805_007_600_000.0 };
        let mut p = GlogParser::new(ny);
        let mut out = ParseOut::default();
        assert!(p.parse("I1121 06:00:00 7 a.cpp:1] x", NOW, &mut out, &NoGate));
        assert_eq!(out.ts_ms, Some(1_795_258_800_000.0), "2026-11-21T11:00Z");
        out.reset();
        assert!(!p.parse("I0701 06:00:00 7 a.cpp:1] x", NOW, &mut out, &NoGate), "July: daylight saving time");
    }

    /// A gate that fires on a substring, or on one key.
    pub(crate) struct TestGate(pub &'static str, pub &'static str);

    impl Gate for TestGate {
        fn off(&self) -> bool {
            false
        }
        fn flags(&self, s: &str) -> u32 {
            (!self.0.is_empty() && s.contains(self.0)) as u32
        }
        fn secret_key(&self, key: &str) -> bool {
            key == self.1
        }
    }

    #[test]
    fn the_gate_is_checked_on_message_file_name_and_keys() {
        let line = "I1121 11:00:00 7 secret.cpp:1] password=x";
        let run = |g: &TestGate| native_doc(&mut GlogParser::new(Zone::UTC), line, NOW, g);
        assert!(run(&TestGate("nothing", "none")).is_some());
        assert!(run(&TestGate("password", "none")).is_none(), "message");
        assert!(run(&TestGate("secret", "none")).is_none(), "file name");
        assert!(run(&TestGate("I1121", "none")).is_some(), "the level letter and time are not shipped");
        for key in FIELD_KEYS {
            assert!(run(&TestGate("nothing", key)).is_none(), "{key}");
        }
    }

    /// Random, truncated and mutated lines: never a panic, an out-of-range index or a loop.
    #[test]
    fn no_panic_on_any_line() {
        let mut m = crate::testkit::Mutator::new(0x2545_f491_u64);
        let bases = ["I0301 14:47:46.959683 89194 group.cpp:831] Syncing", "W1121 11:00:00.1 7 😀é.cpp:1] w", "F1231 23:59:60 1 a:1]"];
        let alphabet: Vec<char> = "IWEF0123456789 .:]x\té😀".chars().collect();
        let mut p = GlogParser::new(Zone::UTC);
        let mut out = ParseOut::default();
        for _ in 0..50_000 {
            let line = m.line(&bases, &alphabet, 1);
            out.reset();
            let _ = p.parse(&line, NOW, &mut out, &NoGate);
            for now in [f64::NAN, -8.64e15, 8.64e15, 0.0] {
                out.reset();
                let _ = p.parse(&line, now, &mut out, &NoGate);
            }
        }
        let big = format!("I1121 11:00:00.000000 7 a.cpp:1] {}", "m".repeat(1 << 20));
        assert!(glog(&big).is_some());
        assert!(glog(&format!("I1121 11:00:00.000000 7 {}:1] x", "f".repeat(1 << 20))).is_none());
        assert!(glog(&format!("I1121 11:00:00.000000 {} a.cpp:1] x", "9".repeat(1 << 20))).is_none());
        assert!(glog(&format!("I1121 11:00:00.000000{} 7 a.cpp:1] x", " ".repeat(1 << 20))).is_some());
    }

    /// Differential run over expect.mjs outputs: `HERALD_DIFF_GLOG=a.jsonl,b.jsonl cargo test --lib glog -- --ignored`
    /// (`PATH;OFFSET_MS;FROM_MS;TO_MS` for expectations made in another TZ than UTC).
    #[test]
    #[ignore]
    fn differential_from_env() {
        let paths = std::env::var("HERALD_DIFF_GLOG").expect("HERALD_DIFF_GLOG");
        for run in paths.split(',') {
            // PATH or PATH;OFFSET_MS;FROM_MS;TO_MS (the zone window of the TZ the expectations were made in)
            let mut it = run.split(';');
            let path = it.next().unwrap();
            let n: Vec<f64> = it.map(|x| x.parse().unwrap()).collect();
            let zone = if n.len() == 3 { Zone { offset_ms: n[0], from_ms: n[1], to_ms: n[2] } } else { Zone::UTC };
            let mut p = GlogParser::new(zone);
            testkit::assert_same(path, &testkit::diff(&mut p, path));
            declined_but_parsed(&mut p, path);
        }
    }

    /// Prints the lines JavaScript parses and this parser declines (the decline rate's cause).
    pub(crate) fn declined_but_parsed(p: &mut dyn LineParser, path: &str) {
        let text = std::fs::read_to_string(path).unwrap();
        let mut n = 0;
        for row in text.lines() {
            let v: serde_json::Value = serde_json::from_str(row).unwrap();
            let line = v["line"].as_str().unwrap();
            if v["doc"].is_string() && testkit::native_doc(p, line, v["nowMs"].as_f64().unwrap(), &crate::parse::NoGate).is_none() {
                n += 1;
                if n <= 8 {
                    eprintln!("  declined, JavaScript parses: {}", line.chars().take(120).collect::<String>());
                }
            }
        }
        eprintln!("  {n} lines declined that JavaScript parses");
    }
}
