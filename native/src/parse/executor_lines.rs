//! Mesos' own lines in a sandbox's stdout/stderr (src/logs/sandbox/executor-lines.ts): the executors', fetcher's
//! and launcher's glog source files, glog's banner, and the command executor's stdout phrases.
//!
//! JavaScript compares UTF-16 code units, this port bytes. The two agree: every check is either an exact
//! comparison with ASCII text or a scan of ASCII characters from a position reached through ASCII characters
//! only (where byte and UTF-16 indexes coincide), and a non-ASCII character fails any ASCII test in both.

use crate::time::code_at as at;
use std::collections::HashSet;

/// `EXECUTOR_GLOG_FILES`: the log.logger of the glog lines of Mesos' executors, fetcher and launcher.
pub fn executor_logger(file: &str) -> Option<&'static str> {
    match file {
        "exec.cpp" | "executor.cpp" | "default_executor.cpp" | "health_checker.cpp" | "checker_process.cpp" => Some("mesos-executor"),
        "fetcher.cpp" => Some("mesos-fetcher"),
        "launch.cpp" | "launcher.cpp" => Some("mesos-containerizer"),
        _ => None,
    }
}

/// `GLOG_BANNER`.
pub const GLOG_BANNER: &str = "WARNING: Logging before InitGoogleLogging() is written to STDERR";

/// `glogSourceFile`: the source file of a glog line, or None. One difference, irrelevant to its only use (the
/// `executor_logger` lookup, whose names are ASCII): a file name with a non-ASCII character gives None here,
/// where JavaScript may return that name (or give up at its 64-unit bound).
pub fn glog_source_file(line: &str) -> Option<&str> {
    let s = line.as_bytes();
    if !matches!(at(s, 0), b'I' | b'W' | b'E' | b'F') || at(s, 5) != b' ' || at(s, 8) != b':' || at(s, 11) != b':' {
        return None;
    }
    let mut p = 14;
    if at(s, p) == b'.' {
        p += 1;
        let end = p + 9;
        while p < end && at(s, p).is_ascii_digit() {
            p += 1;
        }
    }
    if at(s, p) != b' ' {
        return None;
    }
    let spaces_end = p + 24;
    while p < spaces_end && at(s, p) == b' ' {
        p += 1;
    }
    let thread_start = p;
    let thread_end = p + 20;
    while p < thread_end && at(s, p).is_ascii_digit() {
        p += 1;
    }
    if p == thread_start || at(s, p) != b' ' {
        return None;
    }
    p += 1;
    let file_start = p;
    let file_end = p + 64;
    while p < file_end {
        let c = at(s, p);
        if c == b':' || c == b' ' || c == b']' || c == 0 {
            break;
        }
        if c >= 0x80 {
            return None;
        }
        p += 1;
    }
    if p == file_start || at(s, p) != b':' {
        return None;
    }
    let colon = p;
    p += 1;
    let line_start = p;
    while p < line_start + 10 && at(s, p).is_ascii_digit() {
        p += 1;
    }
    if p == line_start || at(s, p) != b']' {
        return None;
    }
    Some(&line[file_start..colon])
}

/// `digitsFrom`: `s[from..to]` is non-empty and all digits.
fn digits_from(s: &[u8], from: usize, to: usize) -> bool {
    from < to && to <= s.len() && s[from..to].iter().all(u8::is_ascii_digit)
}

/// `prefixDigits`: `<prefix><digits>` exactly.
fn prefix_digits(s: &str, prefix: &str) -> bool {
    s.starts_with(prefix) && digits_from(s.as_bytes(), prefix.len(), s.len())
}

/// `exitLine`: `<prefix>...(pid: <digits>)`.
fn exit_line(s: &str, prefix: &str) -> bool {
    if !s.starts_with(prefix) || !s.ends_with(')') {
        return false;
    }
    match s.rfind(" (pid: ") {
        Some(at) => at >= prefix.len() && digits_from(s.as_bytes(), at + 7, s.len() - 1),
        None => false,
    }
}

/// `RECEIVED_EVENTS`.
fn received_event(s: &str) -> bool {
    matches!(
        s,
        "Received SUBSCRIBED event"
            | "Received LAUNCH event"
            | "Received LAUNCH_GROUP event"
            | "Received KILL event"
            | "Received ACKNOWLEDGED event"
            | "Received MESSAGE event"
            | "Received SHUTDOWN event"
            | "Received ERROR event"
            | "Received HEARTBEAT event"
            | "Received UNKNOWN event"
    )
}

/// `TREE_TRIGGERS`.
fn tree_trigger(s: &str) -> bool {
    matches!(s, "Sent SIGTERM to the following process trees:" | "Killing the following process trees:" | "Killed the following process trees:")
}

/// `MAX_TREE_LINES`.
const MAX_TREE_LINES: u32 = 10_000;

/// `StdoutPhrases`: the command executor's stdout phrases (Mesos < 1.4), stateful for the process tree
/// printout that follows a kill. One per watch group, as in JavaScript.
pub struct StdoutPhrases {
    task_ids: HashSet<String>,
    /// 0: normal; 1: a tree trigger was seen, `[ ` expected; 2: inside a tree printout.
    tree: u8,
    tree_lines: u32,
}

impl StdoutPhrases {
    pub fn new(task_ids: HashSet<String>) -> StdoutPhrases {
        StdoutPhrases { task_ids, tree: 0, tree_lines: 0 }
    }

    /// True while a process tree printout is expected or under way (the next line's answer depends on it).
    pub fn in_tree(&self) -> bool {
        self.tree != 0
    }

    /// `StdoutPhrases.matches`.
    pub fn matches(&mut self, s: &str) -> bool {
        let b = s.as_bytes();
        if self.tree != 0 {
            let in_tree = if self.tree == 1 { s.starts_with("[ ") } else { at(b, 0) == b' ' };
            if in_tree {
                self.tree_lines += 1;
                if self.tree_lines < MAX_TREE_LINES {
                    self.tree = if b.last() == Some(&b']') { 0 } else { 2 };
                    return true;
                }
            }
            self.tree = 0;
        }
        match at(b, 0) {
            b'R' => {
                received_event(s)
                    || s.starts_with("Registered executor on ")
                    || s.starts_with("Re-registered executor on ")
                    || s.starts_with("Registered docker executor on ")
                    || s.starts_with("Re-registered docker executor on ")
                    || s.starts_with("Received killTask")
                    || s.starts_with("Received kill for task ")
                    || s == "Received task health update, healthy: true"
                    || s == "Received task health update, healthy: false"
                    || (s.starts_with("Rescheduling escalation to SIGKILL in ") && s.ends_with(" from now"))
            }
            b'S' => {
                if tree_trigger(s) {
                    return self.start_tree();
                }
                s == "Shutting down"
                    || s.starts_with("Subscribed executor on ")
                    || s.strip_prefix("Starting task ").is_some_and(|id| self.task_ids.contains(id))
                    || prefix_digits(s, "Sending SIGTERM to process tree at pid ")
                    || (s.starts_with("Scheduling escalation to SIGKILL in ") && s.ends_with(" from now"))
            }
            b'K' => tree_trigger(s) && self.start_tree(),
            b'F' => {
                prefix_digits(s, "Forked command at ") || s == "Forking another process and retrying" || s.starts_with("Failed to get exit status for Command")
            }
            b'C' => exit_line(s, "Command exited with status ") || exit_line(s, "Command terminated with signal "),
            b's' => s.starts_with("sh -c '") && s.ends_with('\'') && s.len() > 8,
            b'P' => {
                // "Process <pid> did not terminate after <d>, sending SIGKILL to process tree at <pid>"
                if !s.starts_with("Process ") {
                    return false;
                }
                match memchr::memchr(b' ', &b[8..]) {
                    Some(i) => {
                        let sp = 8 + i;
                        sp > 8 && digits_from(b, 8, sp) && s[sp..].starts_with(" did not terminate after ")
                    }
                    None => false,
                }
            }
            b'L' => s.starts_with("Launching health check process: "),
            _ => false,
        }
    }

    fn start_tree(&mut self) -> bool {
        self.tree = 1;
        self.tree_lines = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &str = "hello.dc130e23-df88-11e4-b9ec-080027fc1312";

    /// The cases of test/logs/sandbox/executor-lines.test.ts.
    #[test]
    fn the_command_executor_phrases() {
        let mut p = StdoutPhrases::new([TASK.to_owned()].into_iter().collect());
        let starting = format!("Starting task {TASK}");
        let executor = [
            "Registered executor on vagrant-ubuntu-trusty-64",
            "Re-registered executor on node-2",
            "Registered docker executor on 172.17.0.8",
            "Received SUBSCRIBED event",
            "Subscribed executor on node-1",
            "Received LAUNCH event",
            &starting,
            "sh -c 'cd hello && ./hello'",
            "Forked command at 4242",
            "Received task health update, healthy: true",
            "Received killTask for task x",
            "Received kill for task x with grace period of 3secs",
            "Shutting down",
            "Sending SIGTERM to process tree at pid 4242",
            "Scheduling escalation to SIGKILL in 3secs from now",
            "Rescheduling escalation to SIGKILL in 1secs from now",
            "Process 4242 did not terminate after 3secs, sending SIGKILL to process tree at 4242",
            "Command exited with status 0 (pid: 4242)",
            "Command terminated with signal Killed (pid: 4242)",
            "Failed to get exit status for Command",
            "Forking another process and retrying",
            "Launching health check process: /usr/libexec/mesos/mesos-health-check --executor=x",
        ];
        for line in executor {
            assert!(p.matches(line), "{line}");
        }
        let app = [
            "Starting task batch-17",
            "Starting task ",
            "Registered",
            "Forked command at 42x",
            "Forked command at ",
            "Command exited with status 0",
            "Command exited with status 0 (pid: x)",
            "Command exited with status (pid: 1)",
            "sh -c 'unterminated",
            "sh -c ''",
            "Shutting down now",
            "Process 12x did not terminate after 3s",
            "Process  did not terminate after ",
            "Received SUBSCRIBED",
            "hello 1",
            "",
            "S",
            " indented line",
            "[ not a tree ]",
        ];
        for line in app {
            assert!(!p.matches(line), "app line: {line:?}");
        }
    }

    #[test]
    fn the_process_tree_printout_and_only_it() {
        let mut p = StdoutPhrases::new(HashSet::new());
        assert!(p.matches("Sent SIGTERM to the following process trees:") && p.in_tree());
        assert!(p.matches("[ -+- 4242 sh -c ./hello "));
        assert!(p.matches(" |--- 4243 ./worker "));
        assert!(p.matches(" \\--- 4244 ./hello  ]") && !p.in_tree());
        assert!(!p.matches(" indented app line"), "the tree ended at ']'");
        assert!(p.matches("Killed the following process trees:"));
        assert!(p.matches("[ --- 4242 ./hello  ]"), "a single-process tree on one line");
        assert!(!p.matches(" after the tree"));
        assert!(p.matches("Killing the following process trees:"));
        assert!(!p.matches("app line instead of a tree") && !p.in_tree(), "no '[ ' after the trigger: back to normal");
        assert!(!p.matches(" indented"));
        // MAX_TREE_LINES bounds the printout.
        assert!(p.matches("Killed the following process trees:"));
        assert!(p.matches("[ x"));
        for _ in 2..MAX_TREE_LINES {
            assert!(p.matches(" y"));
        }
        assert!(!p.matches(" y") && !p.in_tree());
    }

    #[test]
    fn glog_source_files() {
        assert_eq!(glog_source_file("I0301 09:51:40.100000 11 fetcher.cpp:444] Fetching URI '/usr/bin/app'"), Some("fetcher.cpp"));
        assert_eq!(glog_source_file("W0301 09:51:40.1 123 exec.cpp:1] x"), Some("exec.cpp"));
        assert_eq!(glog_source_file("I0301 09:51:43.015770    16 detector.cpp:152] Detected"), Some("detector.cpp"));
        assert_eq!(glog_source_file("Ixxxx 09:51:40. 1 a.cpp:1] only positions 5, 8 and 11 are checked"), Some("a.cpp"));
        for bad in [
            "",
            "I0301",
            "X0301 09:51:40.1 1 a.cpp:1] x",
            "I0301 09:51:40.1 x a.cpp:1] x",
            "I0301 09:51:40.1 1 a.cpp] x",
            "I0301 09:51:40.1 1 a.cpp:12 x",
            "I0301 09:51:40.1 1 :12] x",
            "I0301 09:51:40.1234567890 1 a.cpp:1] x",
            "I0301 09:51:40.1                         1 a.cpp:1] 25 spaces",
            "I0301 09:51:40.1 123456789012345678901 a.cpp:1] 21 digits",
            "I0301 09:51:40.1 1 a.cpp:12345678901] 11 digits",
            "I0301 09:51:40.1 1 é.cpp:1] non-ASCII (JavaScript: \"é.cpp\", in no executor's list either)",
        ] {
            assert_eq!(glog_source_file(bad), None, "{bad:?}");
        }
        assert!(glog_source_file(&format!("I0301 09:51:40.1 1 {}:1] x", "a".repeat(64))).is_some(), "the ':' right at the bound");
        assert!(glog_source_file(&format!("I0301 09:51:40.1 1 {}:1] x", "a".repeat(65))).is_none());
        assert_eq!(executor_logger("fetcher.cpp"), Some("mesos-fetcher"));
        assert_eq!(executor_logger("launcher.cpp"), Some("mesos-containerizer"));
        assert_eq!(executor_logger("checker_process.cpp"), Some("mesos-executor"));
        assert_eq!(executor_logger("group.cpp"), None);
    }
}
