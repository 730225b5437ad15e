//! The N-API class `LineEngine` (src/native/binding.ts mirrors it) and the factories of parsers and gates.
//!
//! # `state` (Float64Array, at least `STATE_LEN` numbers)
//! Inputs, read by `scan` and `flush`:
//! - `[0] OUT_START`: where the call writes its first byte in `out`;
//! - `[1] EVENTS`: events already in the batch (= entries already written in `meta`, 8 numbers each);
//! - `[2] MAX_RECORDS`, `[3] LINE_BYTES` (line bytes so far, `sizeBytes + 1` per physical line), `[4] MAX_BYTES`:
//!   the batch's room, as `EventAssembler.hasRoom` checks it after each physical line;
//! - `[5] NOW_MS` (the read time, `Date.now()`), `[6] NOW_MONO_MS` (monotonic, for the multiline timeout).
//!
//! Outputs, written by both:
//! - `[7] CONSUMED`: input bytes consumed (`scan`'s return value in JavaScript); 0 for `flush`;
//! - `[8] OUT_END`: the end of what was written in `out`;
//! - `[9] EVENTS_OUT`: events in `meta` now (the batch's total); `[10] LINE_BYTES_OUT`: line bytes now (total);
//! - `[11] LINES`: physical lines seen during this call (empty ones included: the lines counter);
//! - `[12] TRUNCATED`: events written by this call that are flagged `truncated`;
//! - `[13] NEED_OUT`: when the first held event does not fit even in an empty `out`, the bytes it needs (give a
//!   bigger `out` and call again), else 0;
//! - `[14] PENDING_LINE_OFFSET`: `pendingLineOffset` (an over-long line being skipped), or -1;
//! - `[15] PENDING_OFFSET`: the first byte of the joined event in progress or of the held events (carry), the
//!   smaller, or -1 (`committableOffset` = min of it and `PENDING_LINE_OFFSET ?? readOffset`);
//! - `[16] JOIN_DEADLINE_MS`: `joinDeadlineMs`, or -1 for Infinity;
//! - `[17] BUSY`: 1 when something is held (joined event, over-long line, carry), else 0;
//! - `[18] HELD_EVENTS`: events made but not written because `out` (or `meta`) was full (the carry): when
//!   non-zero, the call stopped for lack of space; ship what is in `out` and call again (the next `scan` or
//!   `flush` writes them first).
//!
//! # `meta` (Float64Array), 8 numbers per event, entry `k` at `8k`
//! `[kind (0 document, 1 fallback), offset, sizeBytes, flags, timestampMs (document: its @timestamp before the
//! encoder's range check; fallback: NOW_MS), start, end, 0]`: the event's bytes are `out[start..end)`.
//! A call stops like a full batch when `meta` has no room for what the next line can make (1 event, 2 with
//! multiline): give `meta` room for `MAX_RECORDS + 2` events and it never binds before the batch rules do.
//!
//! # Out of space
//! An event that does not fit in `out` is held (the carry): the scan stops right after its line (`CONSUMED`
//! includes it) and the next `scan` or `flush` writes it first. If it still does not fit, nothing more is done
//! (`CONSUMED` 0), and `NEED_OUT` says how big `out` must be when `out` was empty (`OUT_START` 0).
//! `out` must not be the `input` buffer.

use napi::bindgen_prelude::{Buffer, BufferSlice, Float64ArraySlice, Object, Uint8ArraySlice};
use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::encode::OriginParts;
use crate::engine::{Engine, Outcome, Room};
use crate::items::{Cursor, Head, write_items as write_block_items};
use crate::multiline::MultilineConfig;
use std::collections::HashSet;

use crate::parse::glog::GlogParser;
use crate::parse::haproxy::HaproxyParser;
use crate::parse::json::JsonParser;
use crate::parse::plain::PlainParser;
use crate::parse::sandbox::{ExecutorRule, SandboxMode, SandboxParser};
use crate::parse::syslog::SyslogParser;
use crate::time::Zone;
use crate::parse::{Gate, LineParser, NoGate};

pub const OUT_START: usize = 0;
pub const EVENTS: usize = 1;
pub const MAX_RECORDS: usize = 2;
pub const LINE_BYTES: usize = 3;
pub const MAX_BYTES: usize = 4;
pub const NOW_MS: usize = 5;
pub const NOW_MONO_MS: usize = 6;
pub const CONSUMED: usize = 7;
pub const OUT_END: usize = 8;
pub const EVENTS_OUT: usize = 9;
pub const LINE_BYTES_OUT: usize = 10;
pub const LINES: usize = 11;
pub const TRUNCATED: usize = 12;
pub const NEED_OUT: usize = 13;
pub const PENDING_LINE_OFFSET: usize = 14;
pub const PENDING_OFFSET: usize = 15;
pub const JOIN_DEADLINE_MS: usize = 16;
pub const BUSY: usize = 17;
pub const HELD_EVENTS: usize = 18;
pub const STATE_LEN: usize = 19;

/// The local time zone as a window (src/native/zone.ts): local = UTC + `offset_ms` for instants in
/// `[from_ms, to_ms)`. Missing: an empty window (every local time is declined).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ZoneConfig {
    pub offset_ms: f64,
    pub from_ms: f64,
    pub to_ms: f64,
}

/// What a parser is made from (the parser part of the JavaScript `EngineConfig`).
#[derive(Clone, Debug, Default)]
pub struct ParserConfig {
    /// `plain`, `syslog`, `haproxy`, `json`, `glog`, `sandbox`.
    pub parser: String,
    /// Sandbox streams: `auto|json|glog|plain`.
    pub sandbox_mode: Option<String>,
    /// Sandbox streams: `stdout|stderr|none`.
    pub executor_rule: Option<String>,
    pub task_ids: Vec<String>,
    pub zone: ZoneConfig,
}

/// The native parser for `cfg`, or None when there is none (the constructor then throws; `setParser` installs
/// `DeclineAll`, which sends every line to JavaScript). Add an arm per parser here, for example
/// `"syslog" => Some(Box::new(crate::parse::syslog::SyslogParser::new(zone(cfg)))),` with
/// `fn zone(cfg: &ParserConfig) -> crate::time::Zone { let z = cfg.zone; crate::time::Zone { offset_ms:
/// z.offset_ms, from_ms: z.from_ms, to_ms: z.to_ms } }`.
pub fn make_parser(cfg: &ParserConfig) -> Option<Box<dyn LineParser>> {
    let z = cfg.zone;
    let zone = Zone { offset_ms: z.offset_ms, from_ms: z.from_ms, to_ms: z.to_ms };
    Some(match cfg.parser.as_str() {
        "plain" => Box::new(PlainParser),
        "syslog" => Box::new(SyslogParser::new(zone)),
        "haproxy" => Box::new(HaproxyParser::new(zone)),
        "json" => Box::new(JsonParser::new(zone)),
        "glog" => Box::new(GlogParser::new(zone)),
        "sandbox" => {
            let mode = match cfg.sandbox_mode.as_deref()? {
                "auto" => SandboxMode::Auto,
                "json" => SandboxMode::Json,
                "glog" => SandboxMode::Glog,
                "plain" => SandboxMode::Plain,
                _ => return None,
            };
            let rule = match cfg.executor_rule.as_deref()? {
                "stdout" => ExecutorRule::Stdout,
                "stderr" => ExecutorRule::Stderr,
                "none" => ExecutorRule::None,
                _ => return None,
            };
            let ids: HashSet<String> = cfg.task_ids.iter().cloned().collect();
            Box::new(SandboxParser::new(mode, rule, ids, zone, Some(Box::new(JsonParser::new(zone)))))
        }
        _ => return None,
    })
}

/// The gate for the rule set in `cfg` (the JavaScript `EngineConfig.gate`, opaque here): `None` (redaction off)
/// is `NoGate`. Until the real gate is wired in here, any rule set gets `FireAll`, which sends every line to
/// JavaScript: correct, only slow.
pub fn make_gate(cfg: Option<&Object>) -> Result<Box<dyn Gate>> {
    Ok(match cfg {
        None => Box::new(NoGate),
        // Some(o) => Box::new(crate::gate::RuleGate::from_js(o)?),
        Some(o) => Box::new(crate::gate::RedactionGate::from_js(o)?),
    })
}

/// A gate that always fires: every line goes to JavaScript (redaction on, no native gate for its rules).
pub struct FireAll;

impl Gate for FireAll {
    fn off(&self) -> bool {
        false
    }
    fn flags(&self, _s: &str) -> u32 {
        1
    }
    fn secret_key(&self, _key: &str) -> bool {
        true
    }
}

/// A parser that declines every line (no native parser for the format after `setParser`).
pub struct DeclineAll;

impl LineParser for DeclineAll {
    fn parse(&mut self, _line: &str, _now_ms: f64, _out: &mut crate::parse::ParseOut, _gate: &dyn Gate) -> bool {
        false
    }
}

fn invalid(msg: String) -> Error {
    Error::new(Status::InvalidArg, msg)
}

fn opt<T: napi::bindgen_prelude::FromNapiValue>(o: &Object, key: &str) -> Result<Option<T>> {
    Ok(o.get::<Option<T>>(key)?.flatten())
}

fn read_parser_config(o: &Object) -> Result<ParserConfig> {
    let parser = opt::<String>(o, "parser")?.ok_or_else(|| invalid("LineEngine: config.parser is required".into()))?;
    let zone = match opt::<Object>(o, "zone")? {
        Some(z) => ZoneConfig {
            offset_ms: opt::<f64>(&z, "offsetMs")?.unwrap_or(0.0),
            from_ms: opt::<f64>(&z, "fromMs")?.unwrap_or(0.0),
            to_ms: opt::<f64>(&z, "toMs")?.unwrap_or(0.0),
        },
        None => ZoneConfig::default(),
    };
    let sandbox_mode = match opt::<String>(o, "sandboxMode")? {
        Some(m) => Some(m),
        None => opt::<String>(o, "mode")?,
    };
    Ok(ParserConfig {
        parser,
        sandbox_mode,
        executor_rule: opt::<String>(o, "executorRule")?,
        task_ids: opt::<Vec<String>>(o, "taskIds")?.unwrap_or_default(),
        zone,
    })
}

fn read_multiline(o: &Object) -> Result<MultilineConfig> {
    Ok(MultilineConfig {
        pattern: opt::<String>(o, "pattern")?.ok_or_else(|| invalid("LineEngine: multiline.pattern is required".into()))?,
        negate: opt::<bool>(o, "negate")?.unwrap_or(false),
        timeout_ms: opt::<f64>(o, "timeoutMs")?.unwrap_or(2000.0),
        max_lines: opt::<f64>(o, "maxLines")?.unwrap_or(500.0),
    })
}

fn regex_error(e: regex::Error) -> Error {
    invalid(format!("LineEngine: multiline pattern: {e}"))
}

/// Parser and gate of a config; the parser is `DeclineAll` (and the flag false) when there is no native one.
type ParserAndGate = (Box<dyn LineParser>, Box<dyn Gate>, bool);

fn parser_and_gate(o: &Object) -> Result<ParserAndGate> {
    let cfg = read_parser_config(o)?;
    let gate = make_gate(opt::<Object>(o, "gate")?.as_ref())?;
    Ok(match make_parser(&cfg) {
        Some(p) => (p, gate, true),
        None => (Box::new(DeclineAll), gate, false),
    })
}

/// One tailed file's native engine (see engine.rs; `state` and `meta` are described at the top of this file).
#[napi]
pub struct LineEngine {
    engine: Engine,
}

#[napi]
impl LineEngine {
    /// `new LineEngine(config)`: throws when the parser has no native port or the multiline pattern does not
    /// compile (the file then stays on the JavaScript path).
    #[napi(constructor)]
    pub fn new(config: Object) -> Result<Self> {
        let (parser, gate, native) = parser_and_gate(&config)?;
        if !native {
            let name = opt::<String>(&config, "parser")?.unwrap_or_default();
            return Err(invalid(format!("LineEngine: no native parser for \"{name}\"")));
        }
        let max_line_bytes = opt::<f64>(&config, "maxLineBytes")?.ok_or_else(|| invalid("LineEngine: config.maxLineBytes is required".into()))?;
        let parts = OriginParts {
            log_head: opt::<Buffer>(&config, "logHead")?.map(|b| b.to_vec()).unwrap_or_default(),
            tail: opt::<Buffer>(&config, "tail")?.map(|b| b.to_vec()).unwrap_or_default(),
            tail_executor: opt::<Buffer>(&config, "tailExecutor")?.map(|b| b.to_vec()).unwrap_or_default(),
        };
        let mut engine = Engine::new(parser, gate, parts, max_line_bytes as usize);
        let ml = match opt::<Object>(&config, "multiline")? {
            Some(m) => Some(read_multiline(&m)?),
            None => None,
        };
        engine.set_multiline(ml.as_ref()).map_err(regex_error)?;
        Ok(LineEngine { engine })
    }

    #[napi]
    pub fn set_origin(&mut self, log_head: &[u8], tail: &[u8], tail_executor: &[u8]) {
        self.engine.set_origin(OriginParts { log_head: log_head.to_vec(), tail: tail.to_vec(), tail_executor: tail_executor.to_vec() });
    }

    /// The splitter's max_line_bytes (`setGroup`); a joiner made later takes it as its cap.
    #[napi]
    pub fn set_max_line_bytes(&mut self, n: f64) {
        self.engine.set_max_line_bytes(n as usize);
    }

    /// A new multiline config or null (only when not busy: a joined event in progress is dropped).
    #[napi]
    pub fn set_multiline(&mut self, cfg: Option<Object>) -> Result<()> {
        let ml = match cfg {
            Some(m) => Some(read_multiline(&m)?),
            None => None,
        };
        self.engine.set_multiline(ml.as_ref()).map_err(regex_error)
    }

    /// A new parser, gate and zone (keeps the splitter, joiner and held events). Returns false when the parser
    /// has no native port: every line is then a fallback.
    #[napi]
    pub fn set_parser(&mut self, config: Object) -> Result<bool> {
        let (parser, gate, native) = parser_and_gate(&config)?;
        self.engine.set_parser(parser, gate);
        Ok(native)
    }

    /// `scan(input, n, pos, final, out, state, meta)`: see the top of this file.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn scan(
        &mut self,
        input: BufferSlice,
        n: f64,
        pos: f64,
        fin: bool,
        mut out: BufferSlice,
        mut state: Float64ArraySlice,
        mut meta: Float64ArraySlice,
    ) -> Result<()> {
        distinct(&[span(&input), span(&out), span(&state), span(&meta)])?;
        let input: &[u8] = &input;
        let out: &mut [u8] = &mut out;
        // SAFETY: the call is synchronous on the JavaScript thread, which therefore cannot touch these arrays
        // while the slices live, and no other Rust reference to their memory exists: `distinct` refused
        // arguments that share memory (the same buffer given twice would alias).
        let (state, meta) = unsafe { (state.as_mut(), meta.as_mut()) };
        let room = read_room(state)?;
        let n = if n.is_finite() && n > 0.0 { (n as usize).min(input.len()) } else { 0 };
        let o = self.engine.scan(&input[..n], pos as i64, fin, out, meta, &room);
        write_outcome(state, &o);
        Ok(())
    }

    /// `flush(out, state, meta)`: the held events, then the joined event in progress.
    #[napi]
    pub fn flush(&mut self, mut out: BufferSlice, mut state: Float64ArraySlice, mut meta: Float64ArraySlice) -> Result<()> {
        distinct(&[span(&out), span(&state), span(&meta)])?;
        let out: &mut [u8] = &mut out;
        // SAFETY: as in `scan`.
        let (state, meta) = unsafe { (state.as_mut(), meta.as_mut()) };
        let room = read_room(state)?;
        let o = self.engine.flush(out, meta, &room);
        write_outcome(state, &o);
        Ok(())
    }

    /// `expired(nowMonoMs)`: the joined event in progress has waited its timeout.
    #[napi]
    pub fn expired(&self, now_mono_ms: f64) -> bool {
        self.engine.expired(now_mono_ms)
    }

    /// The file is read again from 0: forget the over-long line being skipped.
    #[napi]
    pub fn reset(&mut self) {
        self.engine.reset();
    }

    /// Outputs 14-18 of `state` without a scan (what is held now).
    #[napi]
    pub fn holding(&self, mut state: Float64ArraySlice) -> Result<()> {
        // SAFETY: as in `scan`.
        let state = unsafe { state.as_mut() };
        check_len(state)?;
        write_holding(state, &self.engine.holding());
        Ok(())
    }
}

/// `writeItems(src, docs, dropped, to, head, dayLo, dayHi, dst, offsets, cursor)`: the kept documents of a
/// block, each after its action line, into an output body (`writeBlockNative` in
/// src/sinks/elasticsearch/encode.ts; native/src/items.rs says how a call stops). `cursor` is `[doc, at, item]`,
/// read and then written back. Returns 0 (done), 1 (the next kept document is of another day) or 2 (no room).
#[napi]
#[allow(clippy::too_many_arguments)]
pub fn write_items(
    src: BufferSlice,
    docs: Float64ArraySlice,
    dropped: Option<Uint8ArraySlice>,
    to: f64,
    head: BufferSlice,
    day_lo: f64,
    day_hi: f64,
    mut dst: BufferSlice,
    mut offsets: Option<Float64ArraySlice>,
    mut cursor: Float64ArraySlice,
) -> Result<u32> {
    let no = (0, 0);
    let dropped_span = dropped.as_ref().map_or(no, |d| span(d));
    let offsets_span = offsets.as_ref().map_or(no, |o| span(o));
    distinct(&[span(&src), span(&docs), dropped_span, span(&head), span(&dst), offsets_span, span(&cursor)])?;
    let dst: &mut [u8] = &mut dst;
    // SAFETY: as in `LineEngine::scan`: a synchronous call, and arguments that share memory were refused.
    let (offsets, cursor) = unsafe { (offsets.as_mut().map(|o| o.as_mut()), cursor.as_mut()) };
    if cursor.len() < 3 {
        return Err(invalid("writeItems: cursor needs 3 numbers".into()));
    }
    let mut c = Cursor { doc: count(cursor[0]), at: count(cursor[1]), item: count(cursor[2]) };
    let head = Head { bytes: &head, day_lo, day_hi };
    let stop = write_block_items(&src, &docs, dropped.as_deref(), count(to), &head, dst, offsets, &mut c).map_err(invalid)?;
    cursor[0] = c.doc as f64;
    cursor[1] = c.at as f64;
    cursor[2] = c.item as f64;
    Ok(stop as u32)
}

/// The crate version, to check that the addon loaded is the one the JavaScript expects.
#[napi]
pub fn engine_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The byte range of a slice.
fn span<T>(s: &[T]) -> (usize, usize) {
    let a = s.as_ptr() as usize;
    (a, a + std::mem::size_of_val(s))
}

/// Refuses arguments that share memory.
fn distinct(spans: &[(usize, usize)]) -> Result<()> {
    for (i, a) in spans.iter().enumerate() {
        for b in &spans[i + 1..] {
            if a.0 < a.1 && b.0 < b.1 && a.0 < b.1 && b.0 < a.1 {
                return Err(invalid("native: arguments must not share memory".into()));
            }
        }
    }
    Ok(())
}

fn check_len(state: &[f64]) -> Result<()> {
    if state.len() < STATE_LEN {
        return Err(invalid(format!("LineEngine: state needs {STATE_LEN} numbers, got {}", state.len())));
    }
    Ok(())
}

fn count(v: f64) -> usize {
    if v.is_finite() && v > 0.0 { v as usize } else { 0 }
}

pub fn read_room(state: &[f64]) -> Result<Room> {
    check_len(state)?;
    Ok(Room {
        out_start: count(state[OUT_START]),
        events: count(state[EVENTS]),
        max_records: state[MAX_RECORDS],
        line_bytes: state[LINE_BYTES],
        max_bytes: state[MAX_BYTES],
        now_ms: state[NOW_MS],
        now_mono_ms: state[NOW_MONO_MS],
    })
}

fn opt_num<T: Into<f64>>(v: Option<T>) -> f64 {
    v.map_or(-1.0, Into::into)
}

fn write_holding(state: &mut [f64], o: &Outcome) {
    state[PENDING_LINE_OFFSET] = opt_num(o.pending_line_offset.map(|v| v as f64));
    state[PENDING_OFFSET] = opt_num(o.pending_offset.map(|v| v as f64));
    state[JOIN_DEADLINE_MS] = opt_num(o.join_deadline_ms);
    state[BUSY] = if o.busy { 1.0 } else { 0.0 };
    state[HELD_EVENTS] = o.held_events as f64;
}

pub fn write_outcome(state: &mut [f64], o: &Outcome) {
    state[CONSUMED] = o.consumed as f64;
    state[OUT_END] = o.out_end as f64;
    state[EVENTS_OUT] = o.events as f64;
    state[LINE_BYTES_OUT] = o.line_bytes;
    state[LINES] = o.lines as f64;
    state[TRUNCATED] = o.truncated as f64;
    state[NEED_OUT] = o.need_out as f64;
    write_holding(state, o);
}
