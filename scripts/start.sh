#!/bin/sh
# `npm start`: Herald's main job on the embedded default. With no Elasticsearch or InfluxDB configured it
# writes what it would ship to files under its state directory (printed at start). Extra arguments go to
# `herald run`, e.g. `npm start -- --config config/herald.example.yaml`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh
# The Node.js flags of src/agent/runtime.ts (NODE_FLAGS).
exec node --max-semi-space-size=4 dist/main.js run "$@"
