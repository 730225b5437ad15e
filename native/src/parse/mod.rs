//! The contract between the engine and the native line parsers.
//!
//! A native parser is a port of one JavaScript parser (`src/logs/parse/*.ts`, `src/logs/sandbox/sandbox-parser.ts`)
//! that must give, for every line it accepts, exactly the document the JavaScript parser and encoder give.
//! It may decline any line (return `false`): the engine then hands the line to the JavaScript path, which is the
//! reference. Declining is always correct; accepting a line and writing something else is a bug. So a parser
//! declines what is rare or hard to reproduce exactly (parse failures, non-ASCII where JavaScript would change
//! case, local times the engine's zone window does not cover, JSON keys that JavaScript would reorder, ...).

pub mod executor_lines;
pub mod glog;
pub mod haproxy;
pub mod haproxy_cursor;
pub mod haproxy_http;
pub mod json;
pub mod json_reader;
pub mod plain;
pub mod sandbox;
pub mod syslog;
pub mod syslog_header;
pub mod syslog_sd;

/// Which dataset the document carries: the origin's (the file's), or `mesos.executor` (sandbox executor lines).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dataset {
    Origin,
    Executor,
}

/// Where the message text of the document comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Message {
    /// The whole line, as read (the event's text).
    Line,
    /// `line[start..end]` (byte offsets, on character boundaries).
    Range(usize, usize),
    /// `ParseOut::owned_message` (unescaped JSON text, for example).
    Owned,
}

/// What a parser produced for one line. The engine clears it (`reset`) before each parse.
pub struct ParseOut {
    /// `@timestamp` in ms since the epoch when the line carries one, else `None` (the engine uses the read time).
    pub ts_ms: Option<f64>,
    /// `log.level` when known: already lower-cased, as the JavaScript parser would set it.
    pub level: Option<String>,
    pub message: Message,
    pub owned_message: String,
    pub dataset: Dataset,
    /// JSON members written inside the document's `log` object after `offset`, `level` and `flags`
    /// (the members of the JavaScript `fields.log`), each starting with a comma: `,"syslog":{...}`.
    pub log_members: Vec<u8>,
    /// JSON members written at the top level after the identity (every other member of `fields`, in the
    /// JavaScript object's key order), each starting with a comma: `,"source":{...},"http":{...}`.
    pub members: Vec<u8>,
    /// True when every string of the message and the fields is a token cut from the line, as
    /// `src/logs/parse/token-fields.ts` defines it: the engine then checks the redaction gate on the whole line
    /// once (before parsing). When false, the parser itself must check every string it emits (message, values
    /// and keys) with the gate and decline the line when the gate fires.
    pub token_line: bool,
}

impl Default for ParseOut {
    fn default() -> Self {
        ParseOut {
            ts_ms: None,
            level: None,
            message: Message::Line,
            owned_message: String::new(),
            dataset: Dataset::Origin,
            log_members: Vec::with_capacity(256),
            members: Vec::with_capacity(1024),
            token_line: true,
        }
    }
}

impl ParseOut {
    pub fn reset(&mut self) {
        self.ts_ms = None;
        self.level = None;
        self.message = Message::Line;
        self.owned_message.clear();
        self.dataset = Dataset::Origin;
        self.log_members.clear();
        self.members.clear();
        self.token_line = true;
    }
}

/// The redaction pre-check of the rule set that will judge these lines (`src/redact/precheck.ts`), as the
/// parsers need it. Firing means "the JavaScript redactor may change something here": the line is declined.
pub trait Gate {
    /// True when redaction is off for these lines (the gate never fires).
    fn off(&self) -> bool;
    /// Non-zero when the pre-check finds a candidate in `s` (the JavaScript `Precheck.flags(s) !== 0`, or more).
    fn flags(&self, s: &str) -> u32;
    /// True when a structured key names a secret (the JavaScript `KeyMatcher.classifyKey(key) !== KEY_NONE`).
    fn secret_key(&self, key: &str) -> bool;
}

/// A gate that never fires (redaction off, and tests of the parsers alone).
pub struct NoGate;

impl Gate for NoGate {
    fn off(&self) -> bool {
        true
    }
    fn flags(&self, _s: &str) -> u32 {
        0
    }
    fn secret_key(&self, _key: &str) -> bool {
        false
    }
}

pub trait LineParser {
    /// Parse `line` (the event's text: valid UTF-8, no control characters but TAB, never empty). `now_ms` is the
    /// read time, which anchors formats without a year. Returns false to decline: the JavaScript path then
    /// parses the line. On true, `out` describes the document.
    fn parse(&mut self, line: &str, now_ms: f64, out: &mut ParseOut, gate: &dyn Gate) -> bool;

    /// True (the default) when the engine should check the redaction gate on the whole line before `parse`
    /// (the parser's strings are tokens of the line). A parser returning false checks every string it emits
    /// with the gate itself (and sets `token_line = false`); the engine then does not check the line.
    fn gates_line(&self) -> bool {
        true
    }

    /// A line of this parser's stream that JavaScript parses without `parse` having seen it (the engine handed
    /// it back before parsing: invalid UTF-8, control characters, a truncated line, the gate fired on the
    /// line), as JavaScript decodes it. A parser with state across lines (sandbox executor lines) moves it as
    /// JavaScript's parser will; the others ignore it.
    fn observe(&mut self, _line: &str) {}
}
