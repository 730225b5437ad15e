#!/usr/bin/env bash
# Private InfluxDB OSS 2.x for Herald's tests, built from its Go module (with
# libflux built from the flux module's Rust sources by cargo, through
# github.com/influxdata/pkg-config), run on 127.0.0.1:8086 and set up with
# org `herald`, bucket `herald`, token `herald-test-token`.
#
#   influxdb.sh install|start|stop|status|restart   (see lib.sh)
#
# Environment (besides lib.sh's):
#   HERALD_INFLUX_VERSION        module version to build, default below
#   HERALD_INFLUX_PORT           HTTP port, default 8086
#   HERALD_INFLUX_START_TIMEOUT  seconds start waits for /health, default $HERALD_SERVICE_TIMEOUT (60)
# State: $HERALD_SERVICES_DIR/influxdb/; build cache: $HERALD_CACHE_DIR/influxdb/.
#
# The built binary is cached as <cache>/influxdb/<version>/influxd: a warm start
# neither downloads nor builds. A cold build takes tens of minutes on 2 cores
# (Rust libflux + Go); its log is <cache>/influxdb/build-<version>.log.
# After start: <state>/token holds the token, <state>/env the connection values.
set -euo pipefail
SVC_NAME=influxdb
# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# v2.8.0: newest 2.x that builds from the module proxy here (v2.10.0 needs
# flux v0.201.0 and pkg-config v0.3.1, which the proxy refuses: 403; v2.9.x is
# refused itself). v2.7.12 also builds and is fully checksum-database verified.
INFLUX_VERSION="${HERALD_INFLUX_VERSION:-v2.8.0}"
INFLUX_PORT="${HERALD_INFLUX_PORT:-8086}"
START_TIMEOUT="${HERALD_INFLUX_START_TIMEOUT:-$HERALD_SERVICE_TIMEOUT}"
MODULE=github.com/influxdata/influxdb/v2
ORG=herald
BUCKET=herald
TOKEN=herald-test-token
USERNAME=herald
PASSWORD=herald-test-password
BUILD_TAGS=sqlite_foreign_keys,sqlite_json,flux_nosqlite

STATE="$HERALD_SERVICES_DIR/influxdb"
CACHE="$HERALD_CACHE_DIR/influxdb"
BIN="$CACHE/$INFLUX_VERSION/influxd"
BUILD_DIR="$CACHE/build-$INFLUX_VERSION"
BUILD_LOG="$CACHE/build-$INFLUX_VERSION.log"
PIDFILE="$STATE/influxd.pid"
LOG="$STATE/influxd.log"
URL="http://127.0.0.1:${INFLUX_PORT}"
# service_main serialises install/start/stop/restart on this; a cold start
# builds for tens of minutes, so waiters wait long.
SVC_LOCK="$STATE/.lock"
SVC_LOCK_TIMEOUT=7200

# Module versions the checksum database (as served here) does not know (404):
# go is told not to ask it for that module (GONOSUMDB) and the zip/go.mod hashes
# are checked against these pins instead (recorded when first fetched).
pinned_sums() {
  case "$1" in
    v2.8.0) echo "h1:eMF4RH3f+xnonwUAODav4EJxRD6164dbSqPoKp0wFIg= h1:o9EF50Zom/8MX+7zuovTmGSqKNvLRmHrz/A3dr0E6o4=" ;;
    *) echo "" ;;
  esac
}

# --- build --------------------------------------------------------------------

ensure_build_tools() {
  # toolchains installed the usual way but not on a non-login PATH
  command -v go >/dev/null 2>&1 || { [[ -x /usr/local/go/bin/go ]] && PATH="/usr/local/go/bin:$PATH"; }
  command -v cargo >/dev/null 2>&1 || { [[ -x "${HOME:-/root}/.cargo/bin/cargo" ]] && PATH="${HOME:-/root}/.cargo/bin:$PATH"; }
  command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build influxd $INFLUX_VERSION)"
  command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH (needed to build libflux)"
  command -v unzip >/dev/null 2>&1 || apt_install_if_missing unzip
  command -v cc >/dev/null 2>&1 || apt_install_if_missing gcc libc6-dev
  command -v pkg-config >/dev/null 2>&1 || apt_install_if_missing pkg-config
  return 0
}

json_field() { # json_field NAME < go-json: value of "NAME": "..."
  sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n1
}

# "1.26.8" from "go1.26.8"
go_local_version() { go env GOVERSION | sed -E 's/^go//; s/[^0-9.].*$//'; }

version_gt() { # version_gt A B: A > B (dotted numeric)
  [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n1)" == "$1" ]]
}

build() {
  ensure_build_tools
  mkdir -p "$CACHE"
  log "building influxd $INFLUX_VERSION from the Go module (cold build: tens of minutes; log: $BUILD_LOG)"
  local t0=$SECONDS
  : >"$BUILD_LOG"

  # 1. the module zip (go verifies it against go.sum / the checksum database)
  local json zip pins nosumdb="${GONOSUMDB:-}"
  pins="$(pinned_sums "$INFLUX_VERSION")"
  [[ -n "$pins" ]] && nosumdb="${nosumdb:+$nosumdb,}$MODULE"
  # (-json prints the Zip path even when it reports an error about the module)
  json="$(
    cd /
    GONOSUMDB="$nosumdb" GOFLAGS=-mod=mod go mod download -json "$MODULE@$INFLUX_VERSION" 2>>"$BUILD_LOG"
  )" || true
  printf '%s\n' "$json" >>"$BUILD_LOG"
  zip="$(json_field Zip <<<"$json")"
  if [[ -z "$zip" || ! -f "$zip" ]]; then
    die_with_logs "go mod download $MODULE@$INFLUX_VERSION failed" "$BUILD_LOG"
  fi
  if [[ -n "$pins" ]]; then
    local got
    got="$(json_field Sum <<<"$json") $(json_field GoModSum <<<"$json")"
    [[ "$got" == "$pins" ]] || die "$MODULE@$INFLUX_VERSION hashes '$got' differ from the pinned '$pins'"
    log "$MODULE@$INFLUX_VERSION matches the pinned hashes"
  fi

  # 2. a writable copy of the module (the module cache is read-only, and its
  #    go.mod has a replace directive, so `go install pkg@version` refuses it)
  rm -rf "$BUILD_DIR"
  mkdir -p "$BUILD_DIR/tools"
  unzip -q "$zip" -d "$BUILD_DIR/src"
  local src="$BUILD_DIR/src/$MODULE@$INFLUX_VERSION"
  [[ -f "$src/go.mod" ]] || die "unexpected module zip layout: $zip"
  chmod -R u+w "$BUILD_DIR/src"

  # GOTOOLCHAIN=local must not refuse a go.mod that asks for a newer patch
  # release than the installed Go (the proxy may not serve toolchains).
  local want have
  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$src/go.mod" | head -n1)"
  have="$(go_local_version)"
  if [[ -n "$want" ]] && version_gt "$want" "$have"; then
    log "go.mod asks for go $want, have $have: lowering the go directive in the build copy"
    (cd "$src" && go mod edit -go="$have" && sed -i '/^toolchain /d' go.mod)
  fi

  # 3. influxdata/pkg-config (version pinned by influxdb's go.mod), FIRST on PATH
  #    as pkg-config: cgo asks it for "flux" and it builds libflux with cargo.
  (cd "$src" && GOFLAGS=-mod=mod go build -o "$BUILD_DIR/tools/pkg-config" github.com/influxdata/pkg-config) \
    >>"$BUILD_LOG" 2>&1 || die_with_logs "building github.com/influxdata/pkg-config failed" "$BUILD_LOG"

  # libflux pins an old Rust toolchain (rust-toolchain.toml) and has
  # #![deny(warnings)]: use the installed toolchain and cap lints at warn
  # (through a rustc wrapper, so host build-dependencies are covered too).
  cat >"$BUILD_DIR/tools/rustc-wrapper" <<'EOF'
#!/bin/sh
case " $* " in
  *" --crate-name "*)
    case " $* " in
      *" --cap-lints "*) exec "$@" ;;
      *) exec "$@" --cap-lints warn ;;
    esac ;;
esac
exec "$@"
EOF
  chmod +x "$BUILD_DIR/tools/rustc-wrapper"
  local rust_tc=""
  if command -v rustup >/dev/null 2>&1; then
    rust_tc="$(cd / && rustup show active-toolchain 2>/dev/null | awk 'NR==1{print $1}')"
  fi

  # 4. go build ./cmd/influxd (tags as upstream's GNUmakefile, without the UI assets)
  mkdir -p "$CACHE/$INFLUX_VERSION"
  local date
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  if ! (
    cd "$src"
    export PATH="$BUILD_DIR/tools:$PATH"
    export PKG_CONFIG="$BUILD_DIR/tools/pkg-config"
    export RUSTC_WRAPPER="$BUILD_DIR/tools/rustc-wrapper"
    export CARGO_BUILD_JOBS=2 CGO_ENABLED=1 GOFLAGS=-mod=mod
    [[ -n "$rust_tc" ]] && export RUSTUP_TOOLCHAIN="$rust_tc"
    go build -p 2 -trimpath -tags "$BUILD_TAGS" \
      -ldflags "-s -w -X main.version=$INFLUX_VERSION -X main.commit=gomodule -X main.date=$date" \
      -o "$BIN.tmp" ./cmd/influxd
  ) >>"$BUILD_LOG" 2>&1; then
    rm -f "$BIN.tmp"
    die_with_logs "go build ./cmd/influxd failed" "$BUILD_LOG"
  fi
  "$BIN.tmp" version >>"$BUILD_LOG" 2>&1 || die "built influxd does not run"
  mv "$BIN.tmp" "$BIN"
  rm -rf "$BUILD_DIR"
  log "built $BIN in $((SECONDS - t0))s"
}

svc_install() {
  command -v curl >/dev/null 2>&1 || apt_install_if_missing curl ca-certificates
  [[ -x "$BIN" ]] && return 0
  # one build at a time per cache (fd 8: service_main holds the state lock on 9)
  lock_fd 8 "$CACHE/.build.lock" 7200
  [[ -x "$BIN" ]] || build
  exec 8>&-
}

# --- process control ----------------------------------------------------------

healthy() {
  [[ "$(http_body "$INFLUX_PORT" /health || true)" == *'"status":'*'"pass"'* ]]
}

running() { pid_alive "$PIDFILE" influxd; }

api() { # api METHOD PATH [BODY]: prints body, then "HTTP <code>" on the last line
  local method="$1" path="$2" body="${3:-}"
  local args=(-sS -m 15 -X "$method" -w '\nHTTP %{http_code}' -H "Authorization: Token $TOKEN")
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$URL$path"
}

setup_once() {
  local resp
  resp="$(curl -sS -m 10 "$URL/api/v2/setup")" || die "GET /api/v2/setup failed"
  if [[ "$resp" == *'"allowed":'*'true'* ]]; then
    log "first start: setting up org=$ORG bucket=$BUCKET user=$USERNAME"
    resp="$(api POST /api/v2/setup "{\"username\":\"$USERNAME\",\"password\":\"$PASSWORD\",\"org\":\"$ORG\",\"bucket\":\"$BUCKET\",\"token\":\"$TOKEN\",\"retentionPeriodSeconds\":0}")"
    [[ "$resp" == *$'\nHTTP 201' ]] || die "setup failed: $resp"
  fi
  # the fixed token must work against org and bucket (catches a foreign setup)
  resp="$(api GET "/api/v2/buckets?org=$ORG&name=$BUCKET")"
  if [[ "$resp" != *$'\nHTTP 200' || "$resp" != *"\"name\":"*"\"$BUCKET\""* ]]; then
    die "token $TOKEN cannot see bucket $BUCKET in org $ORG (state in $STATE set up differently? stop, remove it and start again): $resp"
  fi
  printf '%s' "$TOKEN" >"$STATE/token"
  cat >"$STATE/env" <<EOF
HERALD_INFLUX_URL=$URL
HERALD_INFLUX_ORG=$ORG
HERALD_INFLUX_BUCKET=$BUCKET
HERALD_INFLUX_TOKEN=$TOKEN
EOF
}

launch() {
  mkdir -p "$STATE/engine"
  log "starting influxd $INFLUX_VERSION on $URL"
  printf '\n==== %s start %s ====\n' "$(date -u +%FT%TZ)" "$INFLUX_VERSION" >>"$LOG"
  # cwd = state dir and INFLUXD_CONFIG_PATH = state dir: no stray config file
  # (influxd reads config.{toml,yaml,json} from its config path) is picked up.
  (
    cd "$STATE"
    spawn_bg "$PIDFILE" "$LOG" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$STATE" \
      INFLUXD_CONFIG_PATH="$STATE" \
      "$BIN" \
      --http-bind-address "127.0.0.1:$INFLUX_PORT" \
      --bolt-path "$STATE/influxd.bolt" \
      --sqlite-path "$STATE/influxd.sqlite" \
      --engine-path "$STATE/engine" \
      --reporting-disabled \
      --ui-disabled \
      --log-level info
  )
}

svc_start() {
  mkdir -p "$STATE"
  if healthy && running; then
    log "already running on $URL"
    setup_once
    return 0
  fi
  local t0=$SECONDS
  start_server "$PIDFILE" influxd "$INFLUX_PORT" "$START_TIMEOUT" "influxd on $URL" launch healthy "$LOG"
  setup_once
  log "up on $URL after $((SECONDS - t0))s (pid $(pid_read "$PIDFILE")); token in $STATE/token"
}

svc_stop() {
  stop_server "$PIDFILE" influxd 30 "an influxd on $URL" healthy
}

svc_status() { healthy; }

service_main "$@"
