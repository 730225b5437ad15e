//! `plain` (src/logs/parse/plain.ts): the line is the message, nothing else.

use super::{Gate, LineParser, ParseOut};

pub struct PlainParser;

impl LineParser for PlainParser {
    fn parse(&mut self, _line: &str, _now_ms: f64, _out: &mut ParseOut, _gate: &dyn Gate) -> bool {
        true
    }
}
