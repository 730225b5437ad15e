//! The sandbox line parser (src/logs/sandbox/sandbox-parser.ts, `SandboxLineParser`): Mesos' own lines first
//! (executor_lines.rs), then the configured format (auto | json | glog | plain).
//!
//! One instance per watch group, like JavaScript's (`WatchGroup.parser`: shared by `stdout` and its rotated
//! `stdout.N`, created again when the group is), and it must see every line of the group in JavaScript's order
//! (see `observe` for the lines the engine hands to JavaScript without parsing them): the stdout phrases follow
//! a process tree printout across lines, and across files when the trigger ends a rotated file. JavaScript's parser of the group only sees the lines declined here, so
//! every line whose answer depends on that state, or that changes it, is declined: a tree trigger and every
//! line read while a tree is expected or under way. JavaScript then sees exactly the lines that move its own
//! state, and both stay in step. (Process trees are printed once per killed task: rare.)
//!
//! Executor lines: JavaScript's `tagExecutor` clears `parsedLine` (log.logger is not cut from the line), so the
//! redactor walks the message and every field: `token_line` is false and the gate is checked here on the
//! message, the logger and the `logger` key (and by glog.rs on the glog fields).

use super::executor_lines::{GLOG_BANNER, StdoutPhrases, executor_logger, glog_source_file};
use super::glog::GlogParser;
use super::{Dataset, Gate, LineParser, Message, ParseOut};
use crate::json_out::write_str;
use crate::time::Zone;
use std::collections::HashSet;

/// What a parser made of a line, when "JavaScript fails" and "not reproduced here" must be told apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// Parsed: `out` holds the document's parts.
    Ok,
    /// JavaScript's parser returns a failure reason and leaves the event untouched. `out` may hold partial
    /// output; the caller resets it.
    Invalid,
    /// Not reproduced here (JavaScript may succeed or fail): the line must take the JavaScript path.
    Decline,
}

/// The JSON parser as the sandbox parser needs it: auto mode ships a line starting with `{` that is not valid
/// JSON as plain text with no failure flag, but must decline a line the native JSON parser declines.
/// `Invalid` exactly where JavaScript's `JsonParser.parse` returns a reason (invalid JSON, not an object,
/// nested too deeply); anything it is not sure of is `Decline`.
pub trait JsonLineParser {
    fn parse_json(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> Outcome;
}

/// Any `LineParser` as a `JsonLineParser` that cannot tell a failure from a decline: every `false` is `Decline`
/// (always correct; auto mode then declines every `{` line that is not JSON).
pub struct DeclineOnFailure<P: LineParser>(pub P);

impl<P: LineParser> JsonLineParser for DeclineOnFailure<P> {
    fn parse_json(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> Outcome {
        if self.0.parse(line, now_ms, out, gate) { Outcome::Ok } else { Outcome::Decline }
    }
}

/// `SandboxFormat` (src/logs/sandbox/config.ts).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SandboxMode {
    Auto,
    Json,
    Glog,
    Plain,
}

/// `ExecutorRule`: run stdout, any stderr, or none (extra files, nested containers' stdout).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExecutorRule {
    Stdout,
    Stderr,
    None,
}

pub struct SandboxParser {
    mode: SandboxMode,
    rule: ExecutorRule,
    phrases: Option<StdoutPhrases>,
    glog: GlogParser,
    /// The JSON parser for auto and json modes; without one, those lines are declined.
    json: Option<Box<dyn JsonLineParser>>,
}

impl SandboxParser {
    /// `new SandboxLineParser({ format, executorRule, taskIds })`. `task_ids` are the ids "Starting task" may
    /// name (stdout rule only); `zone` the local time zone window for glog's timestamps.
    pub fn new(mode: SandboxMode, rule: ExecutorRule, task_ids: HashSet<String>, zone: Zone, json: Option<Box<dyn JsonLineParser>>) -> SandboxParser {
        SandboxParser {
            mode,
            rule,
            phrases: if rule == ExecutorRule::Stdout { Some(StdoutPhrases::new(task_ids)) } else { None },
            glog: GlogParser::new(zone),
            json,
        }
    }

    /// A line of the group that JavaScript parses without this parser having seen it (the engine falls back
    /// before parsing: invalid UTF-8, control characters, ...; pass its text as JavaScript decodes it). Moves
    /// the stdout phrases' state as JavaScript's parser moves its own.
    pub fn observe(&mut self, line: &str) {
        if let Some(p) = &mut self.phrases {
            p.matches(line);
        }
    }

    /// `tagExecutor`: dataset `mesos.executor` and `log.logger` (after the fields already in `log`).
    /// False when the gate fires on what that adds (the `logger` key or its value).
    fn tag_executor(out: &mut ParseOut, logger: &str, gate: &dyn Gate) -> bool {
        if !gate.off() && (gate.secret_key("logger") || (logger.len() >= 5 && gate.flags(logger) != 0)) {
            return false;
        }
        out.dataset = Dataset::Executor;
        out.token_line = false;
        out.log_members.extend_from_slice(b",\"logger\":");
        write_str(&mut out.log_members, logger);
        true
    }

    /// An executor line whose message is the whole line: the gate on the message, then the tag.
    fn whole_line_executor(line: &str, out: &mut ParseOut, logger: &str, gate: &dyn Gate) -> bool {
        if !gate.off() && gate.flags(line) != 0 {
            return false;
        }
        out.message = Message::Line;
        Self::tag_executor(out, logger, gate)
    }

    fn json(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> Outcome {
        match &mut self.json {
            Some(j) => j.parse_json(line, now_ms, out, gate),
            None => Outcome::Decline,
        }
    }
}

impl LineParser for SandboxParser {
    fn observe(&mut self, line: &str) {
        SandboxParser::observe(self, line);
    }

    /// `SandboxLineParser.parse`.
    fn parse(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> bool {
        if let Some(p) = &mut self.phrases {
            let before = p.in_tree();
            let matched = p.matches(line);
            if before || p.in_tree() {
                return false; // a process tree: JavaScript's parser must see these lines (see the module doc)
            }
            if matched {
                return Self::whole_line_executor(line, out, "mesos-executor", gate);
            }
        }
        if self.rule == ExecutorRule::Stderr {
            if let Some(logger) = glog_source_file(line).and_then(executor_logger) {
                match self.glog.parse_outcome(line, now_ms, out, gate) {
                    Outcome::Ok => return Self::tag_executor(out, logger, gate),
                    Outcome::Decline => return false,
                    Outcome::Invalid => {}
                }
            }
            if line == GLOG_BANNER {
                out.level = Some("warning".to_owned());
                return Self::whole_line_executor(line, out, "glog", gate);
            }
        }
        match self.mode {
            SandboxMode::Auto => {
                if line.as_bytes().first() != Some(&b'{') {
                    return true;
                }
                match self.json(line, now_ms, out, gate) {
                    Outcome::Ok => true,
                    Outcome::Invalid => {
                        out.reset(); // not JSON after all: plain text, no failure
                        true
                    }
                    Outcome::Decline => false,
                }
            }
            SandboxMode::Json => self.json(line, now_ms, out, gate) == Outcome::Ok,
            SandboxMode::Glog => self.glog.parse_outcome(line, now_ms, out, gate) == Outcome::Ok,
            SandboxMode::Plain => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    /// A stand-in for the native JSON parser: `Invalid` where `JSON.parse` surely throws (serde_json fails on
    /// a short line without escapes), `Decline` on everything else.
    struct FakeJson;

    impl JsonLineParser for FakeJson {
        fn parse_json(&mut self, line: &str, _now_ms: f64, out: &mut ParseOut, _gate: &dyn Gate) -> Outcome {
            out.members.extend_from_slice(b",\"partial\":1"); // an Invalid answer may leave output behind
            if line.contains('\\') || line.len() > 200 {
                return Outcome::Decline;
            }
            match serde_json::from_str::<serde_json::Value>(line) {
                Err(_) => Outcome::Invalid,
                Ok(_) => Outcome::Decline,
            }
        }
    }

    fn mode_of(s: &str) -> SandboxMode {
        match s {
            "auto" => SandboxMode::Auto,
            "json" => SandboxMode::Json,
            "glog" => SandboxMode::Glog,
            _ => SandboxMode::Plain,
        }
    }

    fn rule_of(s: &str) -> ExecutorRule {
        match s {
            "stdout" => ExecutorRule::Stdout,
            "stderr" => ExecutorRule::Stderr,
            _ => ExecutorRule::None,
        }
    }

    fn parser(mode: &str, rule: &str, task_ids: &str) -> SandboxParser {
        let ids = task_ids.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        SandboxParser::new(mode_of(mode), rule_of(rule), ids, Zone::UTC, Some(Box::new(FakeJson)))
    }

    const TASK: &str = "hello.dc130e23-df88-11e4-b9ec-080027fc1312";
    const NOW: f64 = crate::parse::glog::tests::NOW;
    use crate::parse::NoGate;
    use crate::parse::glog::tests::TestGate;
    use crate::testkit::native_doc;

    /// `{"@timestamp":"2026-11-21T12:00:00.000Z","message":<message>,"log":{…<log>},…<dataset>}`: the
    /// document of a line that keeps the read time, with the test origin.
    fn read_time_doc(message: &str, log: &str, dataset: &str) -> String {
        format!(
            r#"{{"@timestamp":"2026-11-21T12:00:00.000Z","message":{message},"log":{{"file":{{"path":"/var/log/x.log"}},"offset":0{log}}},"event":{{"dataset":"{dataset}"}},"host":{{"name":"testhost"}}}}"#
        )
    }

    /// Golden documents from `expect.mjs sandbox:auto:stdout` with task id TASK: phrases, a process tree
    /// (declined: JavaScript's parser must follow it), auto's plain text.
    #[test]
    fn stdout_phrases_and_trees() {
        let mut p = parser("auto", "stdout", TASK);
        let mut doc = |line: &str| native_doc(&mut p, line, NOW, &NoGate);
        assert_eq!(
            doc(&format!("Starting task {TASK}")).unwrap(),
            r#"{"@timestamp":"2026-11-21T12:00:00.000Z","message":"Starting task hello.dc130e23-df88-11e4-b9ec-080027fc1312","log":{"file":{"path":"/var/log/x.log"},"offset":0,"logger":"mesos-executor"},"event":{"dataset":"mesos.executor"},"host":{"name":"testhost"}}"#
        );
        assert_eq!(doc("Starting task other").unwrap(), read_time_doc(r#""Starting task other""#, "", "test.ds"), "not one of the run's ids");
        assert_eq!(doc("Forked command at 4242").unwrap(), read_time_doc(r#""Forked command at 4242""#, r#","logger":"mesos-executor""#, "mesos.executor"));
        assert_eq!(doc("Sent SIGTERM to the following process trees:"), None, "a trigger moves the state: JavaScript must see it");
        assert_eq!(doc("[ -+- 4242 sh -c ./hello "), None);
        assert_eq!(doc(" \\--- 4244 ./hello  ]"), None, "the tree ends here");
        assert_eq!(doc(" after").unwrap(), read_time_doc(r#"" after""#, "", "test.ds"));
        assert_eq!(doc("Killing the following process trees:"), None);
        assert_eq!(doc("app line instead of a tree"), None, "read while a tree was expected");
        assert_eq!(doc(" indented").unwrap(), read_time_doc(r#"" indented""#, "", "test.ds"));
        assert_eq!(doc("{not json").unwrap(), read_time_doc(r#""{not json""#, "", "test.ds"), "auto: not JSON after all");
        assert_eq!(doc("plain text").unwrap(), read_time_doc(r#""plain text""#, "", "test.ds"));
    }

    /// Lines JavaScript parses without this parser having seen them move the state through `observe`.
    #[test]
    fn observe_keeps_the_tree_state() {
        let mut p = parser("plain", "stdout", "");
        p.observe("Killed the following process trees:");
        assert_eq!(native_doc(&mut p, "[ -+- 1 x", NOW, &NoGate), None);
        p.observe(" |--- 2 y");
        assert_eq!(native_doc(&mut p, " \\--- 3 z ]", NOW, &NoGate), None);
        assert!(native_doc(&mut p, " after", NOW, &NoGate).is_some());
    }

    /// Golden documents from `expect.mjs sandbox:auto:stderr` and `sandbox:glog:stderr`.
    #[test]
    fn stderr_glog_lines_of_mesos_and_the_banner() {
        let fetch = "I0301 09:51:40.100000 11 fetcher.cpp:444] Fetching URI '/usr/bin/app'";
        let master = "I0301 09:51:43.015770    16 detector.cpp:152] Detected a new leader: (id='0')";
        let bad_hour = "I0301 25:51:40.1 1 exec.cpp:1] bad hour";
        let fetch_doc = r#"{"@timestamp":"2026-03-01T09:51:40.100Z","message":"Fetching URI '/usr/bin/app'","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"fetcher.cpp","line":444}},"logger":"mesos-fetcher"},"event":{"dataset":"mesos.executor"},"host":{"name":"testhost"},"process":{"thread":{"id":11}}}"#;
        let banner_doc = read_time_doc(&format!("\"{GLOG_BANNER}\""), r#","level":"warning","logger":"glog""#, "mesos.executor");
        let mut auto = parser("auto", "stderr", "");
        assert_eq!(native_doc(&mut auto, fetch, NOW, &NoGate).unwrap(), fetch_doc);
        assert_eq!(native_doc(&mut auto, master, NOW, &NoGate).unwrap(), read_time_doc(&format!("\"{master}\""), "", "test.ds"), "an app's glog line");
        assert_eq!(native_doc(&mut auto, GLOG_BANNER, NOW, &NoGate).unwrap(), banner_doc);
        assert_eq!(native_doc(&mut auto, bad_hour, NOW, &NoGate).unwrap(), read_time_doc(&format!("\"{bad_hour}\""), "", "test.ds"), "glog fails: plain");
        let mut glog = parser("glog", "stderr", "");
        assert_eq!(native_doc(&mut glog, fetch, NOW, &NoGate).unwrap(), fetch_doc);
        assert_eq!(
            native_doc(&mut glog, master, NOW, &NoGate).unwrap(),
            r#"{"@timestamp":"2026-03-01T09:51:43.015Z","message":"Detected a new leader: (id='0')","log":{"file":{"path":"/var/log/x.log"},"offset":0,"level":"info","origin":{"file":{"name":"detector.cpp","line":152}}},"event":{"dataset":"test.ds"},"host":{"name":"testhost"},"process":{"thread":{"id":16}}}"#
        );
        assert_eq!(native_doc(&mut glog, GLOG_BANNER, NOW, &NoGate).unwrap(), banner_doc);
        assert_eq!(native_doc(&mut glog, bad_hour, NOW, &NoGate), None, "glog mode: a failure");
        let mut stdout = parser("auto", "stdout", TASK);
        assert_eq!(
            native_doc(&mut stdout, fetch, NOW, &NoGate).unwrap(),
            read_time_doc(&format!("\"{fetch}\""), "", "test.ds"),
            "the glog rule is stderr's only"
        );
        let mut none = parser("auto", "none", TASK);
        assert_eq!(native_doc(&mut none, "Forked command at 1", NOW, &NoGate).unwrap(), read_time_doc(r#""Forked command at 1""#, "", "test.ds"));
        // A Mesos glog line whose time the zone window does not cover: declined, not shipped as plain.
        let ny = Zone { offset_ms: -18_000_000.0, from_ms: 1_793_512_800_000.0, to_ms: 1_805_007_600_000.0 };
        let mut p = SandboxParser::new(SandboxMode::Auto, ExecutorRule::Stderr, HashSet::new(), ny, None);
        assert_eq!(native_doc(&mut p, fetch, NOW, &NoGate), None);
    }

    /// auto: `Invalid` is plain text (output left by the JSON parser dropped); `Decline` declines. json:
    /// anything but `Ok` declines. No JSON parser: every line it would get is declined.
    #[test]
    fn json_outcomes() {
        let mut auto = parser("auto", "none", "");
        assert_eq!(native_doc(&mut auto, "{not json", NOW, &NoGate).unwrap(), read_time_doc(r#""{not json""#, "", "test.ds"));
        assert_eq!(native_doc(&mut auto, r#"{"a":1}"#, NOW, &NoGate), None, "the JSON parser declined");
        let mut json = parser("json", "none", "");
        assert_eq!(native_doc(&mut json, "{not json", NOW, &NoGate), None);
        assert_eq!(native_doc(&mut json, "plain", NOW, &NoGate), None);
        let mut without = SandboxParser::new(SandboxMode::Auto, ExecutorRule::None, HashSet::new(), Zone::UTC, None);
        assert_eq!(native_doc(&mut without, "{not json", NOW, &NoGate), None);
        assert!(native_doc(&mut without, "not json", NOW, &NoGate).is_some());
        let mut plain = parser("plain", "none", "");
        assert_eq!(native_doc(&mut plain, r#"{"a":1}"#, NOW, &NoGate).unwrap(), read_time_doc(r#""{\"a\":1}""#, "", "test.ds"));

        struct Says(Outcome);
        impl JsonLineParser for Says {
            fn parse_json(&mut self, _line: &str, _now: f64, out: &mut ParseOut, _gate: &dyn Gate) -> Outcome {
                out.message = Message::Owned;
                out.owned_message.push_str("hi");
                out.token_line = false;
                self.0
            }
        }
        let mut ok = SandboxParser::new(SandboxMode::Auto, ExecutorRule::None, HashSet::new(), Zone::UTC, Some(Box::new(Says(Outcome::Ok))));
        let mut out = ParseOut::default();
        assert!(ok.parse(r#"{"msg":"hi"}"#, NOW, &mut out, &NoGate));
        assert_eq!((out.message, out.owned_message.as_str(), out.token_line), (Message::Owned, "hi", false));
        let mut invalid = SandboxParser::new(SandboxMode::Auto, ExecutorRule::None, HashSet::new(), Zone::UTC, Some(Box::new(Says(Outcome::Invalid))));
        out.reset();
        assert!(invalid.parse("{x", NOW, &mut out, &NoGate));
        assert_eq!((out.message, out.owned_message.as_str(), out.token_line), (Message::Line, "", true), "plain: the engine checks the line");
        // Any LineParser plugged in through DeclineOnFailure: true is Ok, false is Decline (never plain).
        let adapt = |p: Box<dyn LineParser>| {
            struct Dyn(Box<dyn LineParser>);
            impl LineParser for Dyn {
                fn parse(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> bool {
                    self.0.parse(line, now_ms, out, gate)
                }
            }
            SandboxParser::new(SandboxMode::Auto, ExecutorRule::None, HashSet::new(), Zone::UTC, Some(Box::new(DeclineOnFailure(Dyn(p)))))
        };
        out.reset();
        assert!(adapt(Box::new(crate::parse::plain::PlainParser)).parse("{x", NOW, &mut out, &NoGate));
        out.reset();
        assert!(!adapt(Box::new(GlogParser::new(Zone::UTC))).parse("{x", NOW, &mut out, &NoGate));
    }

    /// Executor lines are not token lines: the gate is checked here on the message, the logger and its key.
    #[test]
    fn the_gate_on_executor_lines() {
        let run = |mode: &str, rule: &str, line: &str, g: &TestGate| native_doc(&mut parser(mode, rule, TASK), line, NOW, g);
        let tagged = [
            ("auto", "stdout", "Launching health check process: /bin/check --password=x"),
            ("auto", "stderr", "I0301 09:51:40.1 1 fetcher.cpp:1] Fetching https://user:password@host/x"),
            ("glog", "stderr", GLOG_BANNER),
        ];
        for (mode, rule, line) in tagged {
            assert!(run(mode, rule, line, &TestGate("nothing", "none")).is_some(), "{line}");
            assert!(run(mode, rule, line, &TestGate("nothing", "logger")).is_none(), "{line}: logger key");
        }
        assert!(run("auto", "stdout", tagged[0].2, &TestGate("password", "none")).is_none());
        assert!(run("auto", "stderr", tagged[1].2, &TestGate("password", "none")).is_none());
        assert!(run("auto", "stderr", tagged[1].2, &TestGate("fetcher", "none")).is_none(), "the file name, and mesos-fetcher");
        assert!(run("auto", "stderr", tagged[1].2, &TestGate("nothing", "thread")).is_none());
        assert!(run("glog", "stderr", GLOG_BANNER, &TestGate("InitGoogle", "none")).is_none());
        // A plain line is a token line: the engine checks the gate on it, not the parser.
        let mut out = ParseOut::default();
        assert!(parser("auto", "stdout", TASK).parse("password=x", NOW, &mut out, &TestGate("password", "none")));
        assert!(out.token_line);
    }

    /// Random and mutated lines in every mode and rule: never a panic, an out-of-range index or a loop.
    #[test]
    fn no_panic_on_any_line() {
        let mut m = crate::testkit::Mutator::new(0x9e37_79b9_u64);
        let bases = [
            "I0301 09:51:40.100000 11 fetcher.cpp:444] Fetching",
            "Command exited with status 0 (pid: 4242)",
            "Process 4242 did not terminate after 3secs",
            "Killed the following process trees:",
            "[ -+- 4242 sh -c ./hello ]",
            "sh -c 'x'",
            "{\"a\":1}",
            GLOG_BANNER,
        ];
        let alphabet: Vec<char> = "IWEF0123456789 .:]['(){}xé😀\t".chars().collect();
        let mut parsers: Vec<SandboxParser> = Vec::new();
        for m in ["auto", "json", "glog", "plain"] {
            for r in ["stdout", "stderr", "none"] {
                parsers.push(parser(m, r, TASK));
            }
        }
        let mut out = ParseOut::default();
        for _ in 0..20_000 {
            let line = m.line(&bases, &alphabet, 0);
            for p in parsers.iter_mut() {
                out.reset();
                let _ = p.parse(&line, NOW, &mut out, &NoGate);
                p.observe(&line);
            }
        }
        let long = [
            format!("I0301 09:51:40.1 {}1 a.cpp:1] x", " ".repeat(60_000)),
            format!("I0301 09:51:40.1 1 {}:1] x", "a".repeat(60_000)),
            format!("Process {} did", "1".repeat(60_000)),
            format!("Command exited with status {}", "(".repeat(60_000)),
            format!("sh -c '{}", "'".repeat(60_000)),
            "S".repeat(60_000),
        ];
        for line in &long {
            for p in parsers.iter_mut() {
                out.reset();
                let _ = p.parse(line, NOW, &mut out, &NoGate);
            }
        }
    }

    /// Differential runs: `HERALD_DIFF_SANDBOX=MODE:RULE:PATH,... HERALD_DIFF_TASKS=id,id cargo test --lib sandbox
    /// -- --ignored` over expect.mjs outputs of `sandbox:MODE:RULE` (TZ=UTC, the same task ids).
    #[test]
    #[ignore]
    fn differential_from_env() {
        let runs = std::env::var("HERALD_DIFF_SANDBOX").expect("HERALD_DIFF_SANDBOX");
        let tasks = std::env::var("HERALD_DIFF_TASKS").unwrap_or_default();
        for run in runs.split(',') {
            let mut it = run.splitn(3, ':');
            let (mode, rule, path) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            testkit::assert_same(run, &testkit::diff(&mut parser(mode, rule, &tasks), path));
            crate::parse::glog::tests::declined_but_parsed(&mut parser(mode, rule, &tasks), path);
        }
    }
}
