//! One tailed file's bytes → documents and fallbacks: a port of `EventAssembler` (src/logs/tail/event-assembler.ts)
//! around the splitter (splitter.rs), the joiner (multiline.rs), a native parser, the redaction gate and the
//! encoder. N-API-free (binding.rs wraps it), so that all of it is tested with `cargo test`.
//!
//! Each event the splitter or the joiner emits becomes either
//! - a **document** (`KIND_DOC`): the parser accepted it, the gate did not fire; `out` gets the document and its
//!   newline as `DocumentEncoder.write` writes it after the action line;
//! - a **fallback** (`KIND_FALLBACK`): `out` gets the event's text bytes (JavaScript decodes them with
//!   `toString('utf8')`) and JavaScript parses, redacts and encodes it. Events flagged `truncated`,
//!   `invalid_utf8` or `binary` always fall back, as does every line a parser declines or the gate fires on.
//!
//! Events are written to `out` and `meta` in order. An event that does not fit in `out` is kept as the *carry*
//! (with any event after it from the same line): the scan stops after that line, and the carry is written first
//! by the next `scan` or `flush`. The carry counts as held (`busy`, `pending_offset`).

use std::collections::VecDeque;

use crate::encode::{DocWriter, FLAG_BINARY, FLAG_INVALID_UTF8, FLAG_TRUNCATED, OriginParts};
use crate::multiline::{EventSink, Joiner, MultilineConfig};
use crate::parse::{Gate, LineParser, Message, ParseOut};
use crate::splitter::{LineSink, Splitter};

/// Numbers per event in `meta`: kind, offset, sizeBytes, flags, timestampMs, start, end, 0.
pub const META_STRIDE: usize = 8;
pub const KIND_DOC: f64 = 0.0;
pub const KIND_FALLBACK: f64 = 1.0;
/// Flags that always send an event to JavaScript.
const FALLBACK_FLAGS: u32 = FLAG_TRUNCATED | FLAG_INVALID_UTF8 | FLAG_BINARY;

/// The batch being filled (`BatchRoom` of event-assembler.ts, plus where this call starts in `out` and `meta`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Room {
    /// Where this call writes its first byte in `out`.
    pub out_start: usize,
    /// Events already in the batch (= entries already in `meta`).
    pub events: usize,
    pub max_records: f64,
    /// Line bytes already counted in the batch (`sizeBytes + 1` per physical line).
    pub line_bytes: f64,
    pub max_bytes: f64,
    pub now_ms: f64,
    pub now_mono_ms: f64,
}

/// What one `scan` or `flush` did, and what the engine holds afterwards.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Input bytes consumed (the next read starts at `pos + consumed`).
    pub consumed: usize,
    pub out_end: usize,
    /// Events in the batch (entries in `meta`), this call's included.
    pub events: usize,
    pub line_bytes: f64,
    /// Physical lines seen by this call (empty lines included).
    pub lines: u64,
    /// Events written by this call that are flagged `truncated`.
    pub truncated: u64,
    /// Non-zero when the first held event does not fit even in an empty `out`: the bytes it needs.
    pub need_out: usize,
    /// `pendingLineOffset`: the first byte of the over-long line being skipped.
    pub pending_line_offset: Option<i64>,
    /// The first byte of the joined event in progress or of the carry, whichever is smaller.
    pub pending_offset: Option<i64>,
    /// `joinDeadlineMs` (None for Infinity).
    pub join_deadline_ms: Option<f64>,
    /// `busy`: a joined event in progress, an over-long line being skipped, or a carry.
    pub busy: bool,
    /// Events in the carry (made, not written for lack of space in `out` or `meta`).
    pub held_events: usize,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    kind: f64,
    offset: i64,
    size: i64,
    flags: u32,
    ts: f64,
    len: usize,
}

/// Events made but not yet written (they did not fit in `out`), and their bytes, in order.
#[derive(Default)]
struct Carry {
    items: VecDeque<Item>,
    bytes: Vec<u8>,
    head: usize,
}

impl Carry {
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn push(&mut self, item: Item, bytes: &[u8]) {
        self.items.push_back(item);
        self.bytes.extend_from_slice(bytes);
    }

    fn min_offset(&self) -> Option<i64> {
        self.items.iter().map(|i| i.offset).min()
    }

    /// Writes the held events that fit; true when none is left.
    fn drain(&mut self, b: &mut Batch) -> bool {
        while let Some(&item) = self.items.front() {
            let bytes = &self.bytes[self.head..self.head + item.len];
            if !b.fits(item.len) {
                return false;
            }
            b.write(item, bytes);
            self.head += item.len;
            self.items.pop_front();
        }
        self.bytes.clear();
        self.head = 0;
        true
    }
}

/// One call's view of `out` and `meta`, and the batch's counters.
struct Batch<'a> {
    out: &'a mut [u8],
    out_pos: usize,
    meta: &'a mut [f64],
    events: usize,
    max_records: f64,
    line_bytes: f64,
    max_bytes: f64,
    now_ms: f64,
    now_mono_ms: f64,
    truncated: u64,
    /// The most events one physical line can make (1, or 2 with a joiner: the held event and the line's own).
    per_line: usize,
}

impl<'a> Batch<'a> {
    fn new(out: &'a mut [u8], meta: &'a mut [f64], room: &Room, per_line: usize) -> Self {
        let out_pos = room.out_start.min(out.len());
        let events = room.events.min(meta.len() / META_STRIDE);
        Batch {
            out,
            out_pos,
            meta,
            events,
            max_records: room.max_records,
            line_bytes: room.line_bytes,
            max_bytes: room.max_bytes,
            now_ms: room.now_ms,
            now_mono_ms: room.now_mono_ms,
            truncated: 0,
            per_line,
        }
    }

    fn meta_free(&self) -> usize {
        self.meta.len() / META_STRIDE - self.events
    }

    fn fits(&self, len: usize) -> bool {
        self.meta_free() > 0 && self.out.len() - self.out_pos >= len
    }

    fn write(&mut self, item: Item, bytes: &[u8]) {
        let start = self.out_pos;
        let end = start + bytes.len();
        self.out[start..end].copy_from_slice(bytes);
        self.out_pos = end;
        let m = &mut self.meta[self.events * META_STRIDE..(self.events + 1) * META_STRIDE];
        m.copy_from_slice(&[item.kind, item.offset as f64, item.size as f64, f64::from(item.flags), item.ts, start as f64, end as f64, 0.0]);
        self.events += 1;
        if item.flags & FLAG_TRUNCATED != 0 {
            self.truncated += 1;
        }
    }
}

/// Parser, gate, encoder and the carry: turns events into documents or fallbacks (`EventAssembler.event`).
struct Emitter {
    parser: Box<dyn LineParser>,
    gate: Box<dyn Gate>,
    parts: OriginParts,
    doc: DocWriter,
    pout: ParseOut,
    scratch: Vec<u8>,
    carry: Carry,
}

impl Emitter {
    /// `hasRoom()`, and nothing held, and room in `meta` for what the next line can make.
    fn has_room(&self, b: &Batch) -> bool {
        self.carry.is_empty() && (b.events as f64) < b.max_records && b.line_bytes < b.max_bytes && b.meta_free() >= b.per_line
    }

    /// One event: its document when the parser and gate allow, else its text as a fallback.
    fn event(&mut self, b: &mut Batch, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32) {
        if flags & FALLBACK_FLAGS == 0
            && let Some(s) = utf8
            && let Some(ts) = self.document(b.now_ms, s, offset, flags)
        {
            let item = Item { kind: KIND_DOC, offset, size, flags, ts, len: self.scratch.len() };
            place(&mut self.carry, b, item, &self.scratch);
            return;
        }
        if flags & FALLBACK_FLAGS != 0 {
            self.parser.observe(&String::from_utf8_lossy(text)); // never parsed here; JavaScript will parse it
        }
        let item = Item { kind: KIND_FALLBACK, offset, size, flags, ts: b.now_ms, len: text.len() };
        place(&mut self.carry, b, item, text);
    }

    /// The document of a clean event into `scratch`, or None to decline. Returns the document's timestamp.
    fn document(&mut self, now_ms: f64, s: &str, offset: i64, flags: u32) -> Option<f64> {
        let gate = &*self.gate;
        let gate_on = !gate.off();
        let gated = gate_on && self.parser.gates_line();
        if gated && gate.flags(s) != 0 {
            self.parser.observe(s); // never parsed here; JavaScript will parse it
            return None;
        }
        self.pout.reset();
        if !self.parser.parse(s, now_ms, &mut self.pout, gate) {
            return None;
        }
        // A parser that said it checks the gate itself but still reports a token line: check the line here.
        if gate_on && !gated && self.pout.token_line && gate.flags(s) != 0 {
            return None;
        }
        let message = match self.pout.message {
            Message::Line => s,
            Message::Range(a, z) => s.get(a..z)?,
            Message::Owned => &self.pout.owned_message,
        };
        let ts = self.pout.ts_ms.unwrap_or(now_ms);
        self.scratch.clear();
        self.doc.write(&mut self.scratch, &self.parts, ts, message, offset, flags, &self.pout);
        Some(ts)
    }
}

/// Writes an event, or holds it (and everything after it) when something is held already or it does not fit.
fn place(carry: &mut Carry, b: &mut Batch, item: Item, bytes: &[u8]) {
    if carry.is_empty() && b.fits(bytes.len()) {
        b.write(item, bytes);
    } else {
        carry.push(item, bytes);
    }
}

/// The splitter's sink: `EventAssembler.line`.
struct LineCtx<'e, 'b> {
    joiner: &'e mut Option<Joiner>,
    em: &'e mut Emitter,
    b: &'e mut Batch<'b>,
}

impl LineSink for LineCtx<'_, '_> {
    fn line(&mut self, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32) -> bool {
        self.b.line_bytes += size as f64 + 1.0;
        match self.joiner {
            Some(j) => {
                let now = self.b.now_mono_ms;
                j.push(text, utf8, offset, size, flags, now, &mut EventCtx { em: self.em, b: self.b });
            }
            None => self.em.event(self.b, text, utf8, offset, size, flags),
        }
        self.em.has_room(self.b)
    }
}

/// The joiner's sink: `EventAssembler.event`.
struct EventCtx<'e, 'b> {
    em: &'e mut Emitter,
    b: &'e mut Batch<'b>,
}

impl EventSink for EventCtx<'_, '_> {
    fn event(&mut self, text: &[u8], utf8: Option<&str>, offset: i64, size: i64, flags: u32) {
        self.em.event(self.b, text, utf8, offset, size, flags);
    }
}

/// One tailed file's engine (`EventAssembler` with the batch handed in per call).
pub struct Engine {
    splitter: Splitter,
    joiner: Option<Joiner>,
    em: Emitter,
}

impl Engine {
    pub fn new(parser: Box<dyn LineParser>, gate: Box<dyn Gate>, parts: OriginParts, max_line_bytes: usize) -> Self {
        Engine {
            splitter: Splitter::new(max_line_bytes),
            joiner: None,
            em: Emitter { parser, gate, parts, doc: DocWriter::default(), pout: ParseOut::default(), scratch: Vec::with_capacity(4096), carry: Carry::default() },
        }
    }

    pub fn set_origin(&mut self, parts: OriginParts) {
        self.em.parts = parts;
    }

    /// `setGroup`'s `splitter.maxLineBytes = …`: a joiner keeps the cap it was made with.
    pub fn set_max_line_bytes(&mut self, n: usize) {
        self.splitter.max_line_bytes = n;
    }

    /// A new multiline config (or none), as `begin` adopts it when nothing is held: the new joiner's cap is the
    /// current max_line_bytes (set that first). A joined event in progress would be lost: JavaScript calls this
    /// only when not busy.
    pub fn set_multiline(&mut self, cfg: Option<&MultilineConfig>) -> Result<(), regex::Error> {
        self.joiner = match cfg {
            Some(c) => Some(Joiner::new(c, self.splitter.max_line_bytes)?),
            None => None,
        };
        Ok(())
    }

    /// A new parser and gate for the next events; splitter, joiner and carry are kept.
    pub fn set_parser(&mut self, parser: Box<dyn LineParser>, gate: Box<dyn Gate>) {
        self.em.parser = parser;
        self.em.gate = gate;
    }

    /// `scan(buf, n, pos, final)` over `input` (the file's bytes at `pos..`), writing events from `room.out_start`
    /// in `out` and entry `room.events` in `meta`. Held events are written first; when they still do not fit,
    /// nothing is consumed.
    pub fn scan(&mut self, input: &[u8], pos: i64, fin: bool, out: &mut [u8], meta: &mut [f64], room: &Room) -> Outcome {
        let per_line = if self.joiner.is_some() { 2 } else { 1 };
        let mut b = Batch::new(out, meta, room, per_line);
        self.splitter.lines_seen = 0;
        let mut consumed = 0;
        // Held events come first; when there were some, the batch may be full once they are written (the line
        // that filled it was read by the last call): then no line is read.
        let had_carry = !self.em.carry.is_empty();
        let room = |b: &Batch| (b.events as f64) < b.max_records && b.line_bytes < b.max_bytes;
        if self.em.carry.drain(&mut b) && b.meta_free() >= per_line && (!had_carry || room(&b)) {
            let mut ctx = LineCtx { joiner: &mut self.joiner, em: &mut self.em, b: &mut b };
            consumed = self.splitter.scan(input, pos, &mut ctx, fin);
        }
        self.outcome(&b, consumed)
    }

    /// `flush()`: the held events, then the joined event in progress (drained, truncated, or timed out).
    pub fn flush(&mut self, out: &mut [u8], meta: &mut [f64], room: &Room) -> Outcome {
        let mut b = Batch::new(out, meta, room, 1);
        self.splitter.lines_seen = 0;
        self.em.carry.drain(&mut b);
        if let Some(j) = &mut self.joiner {
            j.flush(&mut EventCtx { em: &mut self.em, b: &mut b });
        }
        self.outcome(&b, 0)
    }

    /// `expired(nowMonoMs)`.
    pub fn expired(&self, now_mono_ms: f64) -> bool {
        self.joiner.as_ref().is_some_and(|j| j.expired(now_mono_ms))
    }

    /// `reset()`: the file is read again from 0; forget the over-long line being skipped. (JavaScript flushes
    /// first; held events were consumed already and are still written.)
    pub fn reset(&mut self) {
        self.splitter.reset();
    }

    /// What is held now (outputs 14-18 without a call).
    pub fn holding(&self) -> Outcome {
        let held = self.joiner.as_ref().and_then(Joiner::pending_offset);
        let pending_offset = match (held, self.em.carry.min_offset()) {
            (Some(a), Some(c)) => Some(a.min(c)),
            (a, c) => a.or(c),
        };
        let pending_line_offset = self.splitter.pending_line_offset();
        Outcome {
            pending_line_offset,
            pending_offset,
            join_deadline_ms: self.joiner.as_ref().and_then(Joiner::deadline_ms),
            busy: pending_offset.is_some() || pending_line_offset.is_some(),
            held_events: self.em.carry.items.len(),
            ..Outcome::default()
        }
    }

    fn outcome(&self, b: &Batch, consumed: usize) -> Outcome {
        let need_out = match self.em.carry.items.front() {
            Some(first) if b.out_pos == 0 && first.len > b.out.len() => first.len,
            _ => 0,
        };
        Outcome {
            consumed,
            out_end: b.out_pos,
            events: b.events,
            line_bytes: b.line_bytes,
            lines: self.splitter.lines_seen,
            truncated: b.truncated,
            need_out,
            ..self.holding()
        }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
