//! Herald's native line engine (see native/README.md). The JavaScript path (src/logs) is the reference: every
//! document written here must be byte for byte the document JavaScript would write, and anything this crate
//! does not reproduce exactly is handed back to JavaScript line by line.

pub mod binding;
pub mod encode;
pub mod engine;
pub mod gate;
pub mod gate_card;
pub mod gate_keys;
pub mod gate_scan;
pub mod items;
pub mod json_out;
pub mod multiline;
pub mod parse;
pub mod splitter;
pub mod time;

#[cfg(test)]
pub mod testkit;
