//! The redaction gate: a port of the JavaScript pre-check `Precheck.flags` (src/redact/precheck.ts) and of
//! `KeyMatcher.classifyKey` (src/redact/rules/keywords.ts) for one redaction rule set without custom rules.
//!
//! A line whose gate fires is declined by the engine (JavaScript redacts it), so the gate must fire whenever the
//! JavaScript pre-check finds a candidate; it gives the same F_* bits. Also mirrored: the redactor's
//! `#minLength` (strings shorter than 5 UTF-16 units are never looked at when there is no custom rule), so
//! `flags` is 0 for them.
//!
//! Cost: the families are found with byte searches (memchr / memmem, SIMD) on their rare bytes and tokens, the
//! separators of key/value pairs are judged by their key's last two characters before the key is read, and the
//! digits of card numbers are scanned as bit masks (gate_card.rs).

use memchr::memmem::Finder;
use napi::bindgen_prelude::Object;
use napi_derive::napi;

use crate::gate_card::CardScan;
use crate::gate_keys::{KeyMatcher, utf16_len};
use crate::gate_scan::{Masks, back, for_each_block};
use crate::parse::Gate;

pub const F_CARD: u32 = 1;
pub const F_AT: u32 = 2;
pub const F_JWT: u32 = 4;
pub const F_AWSID: u32 = 8;
pub const F_PEM: u32 = 16;
pub const F_PAIR: u32 = 32;
pub const F_BEARER: u32 = 64;
pub const F_URL: u32 = 128;
/// The families `Precheck` looks for only in strings of `RARE_MIN_LENGTH` or more.
const RARE: u32 = F_JWT | F_AWSID | F_PEM | F_BEARER;

/// `Redactor.#minLength` without custom rules: no built-in rule matches fewer characters (`pwd=x`).
const MIN_LENGTH: usize = 5;
/// `RARE_MIN_LENGTH`: jwt, aws key id, private key and bearer need this many UTF-16 units.
const RARE_MIN_LENGTH: usize = 14;
/// `SHORT_LENGTH`: shorter strings go through `#short` (see `flags_of`).
const SHORT_LENGTH: usize = 32;
/// `CARD_MIN_LENGTH`, the digits `#short` counts before it looks for a card.
const CARD_MIN_DIGITS: usize = 13;

/// What the gate of one rule set needs, built on the JavaScript side (src/native/gate-config.ts).
#[napi(object)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GateConfig {
    /// The families the rule set wants (F_* bits: the `want` of its `Precheck`). 0: redaction is off.
    pub want: u32,
    /// Key words matched at the end of a key: `SECRET_KEY_SUFFIXES`, `AWS_SECRET_KEY_SUFFIXES` and the config's
    /// `extra_keys` (normalised here again, as `normaliseKey` does).
    pub suffixes: Vec<String>,
    /// Key words matched as the whole key only: `SECRET_KEY_EXACT`.
    pub exact: Vec<String>,
}

/// The pre-check of one rule set (a port of `Precheck` with its `KeyMatcher`).
pub struct RedactionGate {
    want: u32,
    keys: KeyMatcher,
    /// Some key word ends in a digit (an extra key): a separator right after a digit may follow a secret key.
    digit_keys: bool,
    url: Finder<'static>,
}

impl RedactionGate {
    pub fn new(config: &GateConfig) -> RedactionGate {
        let keys = KeyMatcher::new(&config.suffixes, &config.exact);
        RedactionGate {
            want: config.want & 0xFF,
            digit_keys: (b'0'..=b'9').any(|d| keys.may_end_at(&[d], 1)),
            keys,
            url: Finder::new(b"://").into_owned(),
        }
    }

    /// The gate of a JavaScript `GateConfig` object (src/native/gate-config.ts; `EngineConfig.gate`). Every field is
    /// required: a gate without its key words would miss pairs.
    pub fn from_js(o: &Object) -> napi::Result<RedactionGate> {
        let missing = |name: &str| napi::Error::from_reason(format!("LineEngine: config.gate.{name} is required"));
        let want = o.get::<u32>("want")?.ok_or_else(|| missing("want"))?;
        let suffixes = o.get::<Vec<String>>("suffixes")?.ok_or_else(|| missing("suffixes"))?;
        let exact = o.get::<Vec<String>>("exact")?.ok_or_else(|| missing("exact"))?;
        Ok(RedactionGate::new(&GateConfig { want, suffixes, exact }))
    }

    /// `Precheck.flags(s)` for strings of 5 UTF-16 units or more, 0 for shorter ones (see the module comment).
    pub fn flags_of(&self, s: &[u8]) -> u32 {
        let want = self.want;
        let n = s.len();
        if want == 0 || n < MIN_LENGTH || (n < 4 * MIN_LENGTH && utf16_len(s) < MIN_LENGTH) {
            return 0;
        }
        let mut f = 0;
        let mut prev = Masks::default();
        let mut cards = CardScan::default();
        for_each_block(s, |base, m| {
            self.block_flags(s, base, m, &prev, &mut f);
            if want & !f & F_CARD != 0 && cards.block(s, base, m.digit, m.space | m.dash) {
                f |= F_CARD;
            }
            prev = *m;
            true
        });
        if f & F_AT != 0 && want & F_URL != 0 && self.url.find(s).is_some() {
            f |= F_URL;
        }
        // jwt, aws key id, private key and bearer are looked for in strings of 14 UTF-16 units or more (at most 3
        // bytes per unit).
        if f & RARE != 0 && n < 3 * RARE_MIN_LENGTH && utf16_len(s) < RARE_MIN_LENGTH {
            f &= !RARE;
        }
        // `#short` (strings under 32 units) reads a string once for its triggers: without any, the only candidate
        // it reports is a card, and only with 13 digits or more. The triggers hold every candidate but a bearer
        // token's `earer` (its `b` is one) and a 4-4-4 card layout of 12 digits (not a card for the detector).
        if f & (F_CARD | F_BEARER) != 0 && n < 3 * SHORT_LENGTH && utf16_len(s) < SHORT_LENGTH && !short_trigger(s) {
            f = if f & F_CARD != 0 && s.iter().filter(|c| c.is_ascii_digit()).count() >= CARD_MIN_DIGITS {
                F_CARD
            } else {
                0
            };
        }
        f
    }

    /// The candidates that end in the block at `base` (masks `m`, the previous block's `p`), added to `f`. Each
    /// mark is checked as the JavaScript pre-check checks its family (`pairAtSeparator`, `pairRare`, the substring
    /// tests of `#rareFamilies`, `CARD`), only for the families still missing.
    #[inline(always)]
    fn block_flags(&self, s: &[u8], base: usize, m: &Masks, p: &Masks, f: &mut u32) {
        let keys = &self.keys;
        let missing = self.want & !*f;
        if missing & F_PAIR != 0 {
            // mayHaveKey refuses a separator right after a digit unless some key word ends in one.
            let mut sep = m.sep;
            if !self.digit_keys {
                sep &= !back(m.digit, p.digit, 1);
            }
            for i in bits(sep, base) {
                if (s[i] == b'=' || s.get(i + 1) != Some(&b'/')) && keys.may_have_key(s, i) && keys.key_before(s, i) {
                    *f |= F_PAIR;
                    break;
                }
            }
        }
        if missing & (F_AT | F_PAIR | F_JWT) != 0 {
            for i in bits(m.rare, base) {
                let found = match s[i] {
                    b'@' => F_AT,
                    b'%' if missing & F_PAIR != 0
                        && *f & F_PAIR == 0
                        && at(s, i + 1, b"3")
                        && s.get(i + 2).is_some_and(|&c| c | 32 == b'd')
                        && keys.key_before(s, i) =>
                    {
                        F_PAIR
                    }
                    b'J' if i >= 2 && at(s, i - 2, b"ey") => F_JWT,
                    _ => 0,
                };
                *f |= found & missing;
            }
        }
        if missing & F_AWSID != 0 {
            // `K` / `S` after `A`.
            for i in bits(m.upper_ks & back(m.upper_a, p.upper_a, 1), base) {
                if at(s, i + 1, b"IA") {
                    *f |= F_AWSID;
                }
            }
        }
        if missing & F_BEARER != 0 {
            // The last `r` of `rer`.
            for i in bits(m.r & back(m.e, p.e, 1) & back(m.r, p.r, 2), base) {
                if i >= 4 && (at(s, i - 4, b"earer") || at(s, i - 4, b"EARER")) {
                    *f |= F_BEARER;
                }
            }
        }
        if missing & (F_PAIR | F_PEM) != 0 {
            // The second dash of a run of dashes: the run starts at i - 1.
            for i in bits(m.dash & back(m.dash, p.dash, 1) & !back(m.dash, p.dash, 2), base) {
                let start = i - 1;
                if *f & F_PAIR == 0 && missing & F_PAIR != 0 && keys.flag_before(s, start) {
                    *f |= F_PAIR;
                }
                if *f & F_PEM == 0 && missing & F_PEM != 0 {
                    let run = s[start..].iter().take_while(|&&c| c == b'-').count();
                    if run >= 5 && at(s, start + run, b"BEGIN ") {
                        *f |= F_PEM;
                    }
                }
            }
        }
    }
}

/// The byte positions (`base` + bit) of the set bits of `mask`, lowest first.
#[inline]
fn bits(mut mask: u64, base: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        Some(base + i)
    })
}

/// `s` holds `word` at `i`.
#[inline]
fn at(s: &[u8], i: usize, word: &[u8]) -> bool {
    s.get(i..).is_some_and(|t| t.starts_with(word))
}

/// Whether `#short` finds a trigger: one of `@ = : % J b B`, `--`, or `A` before `K` / `S`.
fn short_trigger(s: &[u8]) -> bool {
    s.iter().enumerate().any(|(i, &c)| match c {
        b'@' | b'=' | b':' | b'%' | b'J' | b'b' | b'B' => true,
        b'-' => s.get(i + 1) == Some(&b'-'),
        b'A' => matches!(s.get(i + 1), Some(b'K' | b'S')),
        _ => false,
    })
}

impl Gate for RedactionGate {
    fn off(&self) -> bool {
        self.want == 0
    }
    fn flags(&self, s: &str) -> u32 {
        self.flags_of(s.as_bytes())
    }
    fn secret_key(&self, key: &str) -> bool {
        self.keys.classify_key(key)
    }
}

thread_local! {
    /// The gate of the last configuration the test functions were called with (built once per configuration).
    static TEST_GATE: std::cell::RefCell<Option<(GateConfig, RedactionGate)>> = const { std::cell::RefCell::new(None) };
}

fn with_gate<T>(config: GateConfig, f: impl FnOnce(&RedactionGate) -> T) -> T {
    TEST_GATE.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.as_ref().is_some_and(|(c, _)| *c != config) {
            *cached = None;
        }
        let (_, gate) = cached.get_or_insert_with(|| {
            let gate = RedactionGate::new(&config);
            (config, gate)
        });
        f(gate)
    })
}

/// The gate's flags for `s` (tests: test/native/gate.test.ts compares them with the JavaScript pre-check).
#[napi]
pub fn gate_flags(config: GateConfig, s: String) -> u32 {
    with_gate(config, |g| g.flags(&s))
}

/// Whether the gate calls `key` a secret key (tests).
#[napi]
pub fn gate_secret_key(config: GateConfig, key: String) -> bool {
    with_gate(config, |g| g.secret_key(&key))
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
