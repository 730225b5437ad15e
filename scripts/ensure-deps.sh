#!/bin/sh
# Installs the npm dependencies when they are missing or older than the lock file, then builds dist/ and the
# native line engine (scripts/build-native.sh; a failed native build leaves Herald on the JavaScript path).
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "herald: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
echo "herald: building (tsc)" >&2
npx tsc -p tsconfig.build.json
sh scripts/build-native.sh || echo "herald: the native line engine did not build (see above); log lines are processed in JavaScript" >&2
