//! Differential checks of a native parser against the JavaScript reference, for the crate's tests.
//!
//! `native/tools/expect.mjs` writes, for each line of a file, the document the JavaScript parser and encoder
//! give (or null when the JavaScript parser fails). `diff` parses every line natively, writes the document
//! with the same fixed origin, and compares byte for byte. A declined line is never a mismatch; a line the
//! JavaScript parser failed must be declined.

use crate::encode::{DocWriter, OriginParts};
use crate::parse::{Gate, LineParser, Message, NoGate, ParseOut};

pub fn test_origin() -> OriginParts {
    OriginParts {
        log_head: b",\"log\":{\"file\":{\"path\":\"/var/log/x.log\"},\"offset\":".to_vec(),
        tail: b"},\"event\":{\"dataset\":\"test.ds\"},\"host\":{\"name\":\"testhost\"}".to_vec(),
        tail_executor: b"},\"event\":{\"dataset\":\"mesos.executor\"},\"host\":{\"name\":\"testhost\"}".to_vec(),
    }
}

/// The document for one line as the engine would write it (offset 0, no flags), or None when declined.
pub fn native_doc(parser: &mut dyn LineParser, line: &str, now_ms: f64, gate: &dyn Gate) -> Option<String> {
    let mut out = ParseOut::default();
    if !parser.parse(line, now_ms, &mut out, gate) {
        return None;
    }
    let message: &str = match out.message {
        Message::Line => line,
        Message::Range(a, b) => &line[a..b],
        Message::Owned => &out.owned_message,
    };
    let mut doc = Vec::new();
    DocWriter::default().write(&mut doc, &test_origin(), out.ts_ms.unwrap_or(now_ms), message, 0, 0, &out);
    doc.pop(); // the newline
    Some(String::from_utf8(doc).expect("documents are UTF-8"))
}

#[derive(Default, Debug)]
pub struct Report {
    pub lines: usize,
    pub accepted: usize,
    pub declined: usize,
    /// (line, expected document or None, native document)
    pub mismatches: Vec<(String, Option<String>, String)>,
}

/// Compares `parser` with the expectations in `jsonl` (see expect.mjs).
pub fn diff(parser: &mut dyn LineParser, jsonl: &str) -> Report {
    let text = std::fs::read_to_string(jsonl).unwrap_or_else(|e| panic!("{jsonl}: {e} (run native/tools/expect.mjs)"));
    let mut r = Report::default();
    for row in text.lines().filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_str(row).expect("expect.mjs writes JSON lines");
        let line = v["line"].as_str().expect("line");
        let now = v["nowMs"].as_f64().expect("nowMs");
        let expected = v["doc"].as_str().map(str::to_owned);
        r.lines += 1;
        match native_doc(parser, line, now, &NoGate) {
            None => r.declined += 1,
            Some(doc) => {
                r.accepted += 1;
                if expected.as_deref() != Some(doc.as_str()) {
                    r.mismatches.push((line.to_owned(), expected, doc));
                }
            }
        }
    }
    r
}

/// Panics with the first mismatches (if any) and prints the acceptance rate.
pub fn assert_same(name: &str, r: &Report) {
    eprintln!("{name}: {} lines, {} accepted natively, {} declined, {} mismatches", r.lines, r.accepted, r.declined, r.mismatches.len());
    if let Some((line, want, got)) = r.mismatches.first() {
        panic!("{name}: {} mismatches; first:\n line: {line}\n want: {}\n  got: {got}", r.mismatches.len(), want.as_deref().unwrap_or("(JavaScript failed: must decline)"));
    }
}

/// Random lines for the no-panic tests: a base line with a few random edits (replace, remove or insert a
/// character of `alphabet`), then cut at a random length. Deterministic from its seed (xorshift).
pub struct Mutator {
    seed: u64,
}

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator { seed }
    }

    /// A number in `0..n`.
    pub fn rnd(&mut self, n: usize) -> usize {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed % n as u64) as usize
    }

    /// One of `bases` with `min_edits` to `min_edits + 3` edits, truncated.
    pub fn line(&mut self, bases: &[&str], alphabet: &[char], min_edits: usize) -> String {
        let mut s: Vec<char> = bases[self.rnd(bases.len())].chars().collect();
        for _ in 0..min_edits + self.rnd(4) {
            let i = self.rnd(s.len() + 1);
            match self.rnd(3) {
                0 if i < s.len() => s[i] = alphabet[self.rnd(alphabet.len())],
                1 if i < s.len() => {
                    s.remove(i);
                }
                _ => s.insert(i, alphabet[self.rnd(alphabet.len())]),
            }
        }
        s.truncate(self.rnd(s.len() + 1));
        s.into_iter().collect()
    }
}

/// A 32-bit xorshift for the gate's random tests: `rnd(n)` is a number in `0..n`.
pub struct Xorshift32(pub u32);

impl Xorshift32 {
    pub fn rnd(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 % n
    }
}
