#!/bin/sh
# Builds the native line engine (native/, a Rust N-API addon) into native/build/herald_native.node.
# Without cargo it builds nothing and says so: Herald then runs on the JavaScript path (logs.native: auto).
# Cargo keeps its downloads in ~/.cargo and its build in native/target, so a second run takes a second.
set -eu
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  echo "herald: cargo not found: the native line engine is not built; log lines are processed in JavaScript" >&2
  exit 0
fi
echo "herald: building the native line engine (cargo)" >&2
cargo build --release --quiet --lib --manifest-path native/Cargo.toml
mkdir -p native/build
cp native/target/release/libherald_native.so native/build/herald_native.node.tmp
mv native/build/herald_native.node.tmp native/build/herald_native.node
