#!/bin/sh
# `npm test`: the whole test suite. Installs dependencies, builds, lints, type-checks, starts the real
# services the tests need (scripts/services.sh: HAProxy, rsyslog, node_exporter, Elasticsearch, InfluxDB on
# 127.0.0.1), runs unit tests in parallel then the end-to-end tests one file at a time, stops the services,
# and ends with one line "N passed, N failed".
# HERALD_KEEP_SERVICES=1 leaves the services running afterwards; HERALD_SUMMARY_FILE receives the summary.
set -u
cd "$(dirname "$0")/.."
summary=${HERALD_SUMMARY_FILE:-$(mktemp)}
: > "$summary"
failures=$(mktemp)
check() { # name, command...: a check counts as one test
  name=$1; shift
  if "$@"; then echo "ok - $name"; echo "1 passed, 0 failed" >> "$summary"
  else echo "not ok - $name"; echo "0 passed, 1 failed" >> "$summary"; echo "$name" >> "$failures"; fi
}
if ! sh scripts/ensure-deps.sh; then echo "0 passed, 1 failed"; exit 1; fi
# npm puts node_modules/.bin first on PATH: the `node` dev dependency, the runtime Herald ships on.
echo "herald: testing on Node.js $(node --version)" >&2
check lint npx eslint .
check typecheck npx tsc -p tsconfig.json --noEmit
# The native line engine (native/, Rust): its own unit tests; and with cargo present, the TypeScript tests that
# compare it with the JavaScript path must find it built (they fail instead of skipping).
if command -v cargo >/dev/null 2>&1; then
  export HERALD_TEST_NATIVE_REQUIRED=1
  check native-unit cargo test --quiet --manifest-path native/Cargo.toml
fi

# The services the tests use.
services=${HERALD_TEST_SERVICES:-rsyslog haproxy node_exporter elasticsearch influxdb}
services_ok=1
# shellcheck disable=SC2086
if ! bash scripts/services.sh start $services; then
  services_ok=0
  echo "herald: some services did not start; the tests that need them will fail and say which" >&2
fi
[ "${HERALD_KEEP_SERVICES:-0}" = 1 ] || trap 'bash scripts/services.sh stop $services >/dev/null 2>&1 || true' EXIT INT TERM

npx tap --reporter=tap --jobs=2 --exclude='test/e2e/**' | node scripts/tap-summary.mjs "$summary" "$failures"
# The tail engine's tests once more, with every file read through the native line engine.
if [ "${HERALD_TEST_NATIVE_REQUIRED:-0}" = 1 ]; then
  HERALD_TEST_NATIVE=1 npx tap --reporter=tap --jobs=2 test/logs/tail/*.test.ts | node scripts/tap-summary.mjs "$summary" "$failures" 'native engine: '
fi
if [ -d test/e2e ]; then
  npx tap --reporter=tap --jobs=1 test/e2e/*.test.ts | node scripts/tap-summary.mjs "$summary" "$failures"
fi

if [ -s "$failures" ]; then
  echo "herald: what failed (details above):"
  sed 's/^/  not ok - /' "$failures"
fi
rm -f "$failures"
total=$(awk '{p+=$1; f+=$3} END {printf "%d passed, %d failed", p, f}' "$summary")
echo "$total"
[ "$services_ok" = 1 ] || echo "(services failed to start: see above)"
case "$total" in *" 0 failed") exit 0 ;; *) exit 1 ;; esac
