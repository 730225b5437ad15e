#!/usr/bin/env bash
# Private Elasticsearch for Herald's tests: the 8.x integ-test-zip distribution
# from Maven Central (org.elasticsearch.distribution.integ-test-zip:elasticsearch:zip),
# run on Debian's OpenJDK 17 as a single node on 127.0.0.1:9200, plain HTTP.
#
#   elasticsearch.sh install|start|stop|status|restart   (see lib.sh)
#
# Environment (besides lib.sh's):
#   HERALD_ES_VERSION           default below (newest 8.x on Maven Central that runs on Java 17)
#   HERALD_ES_PORT              HTTP port, default 9200 (transport: 9300-9399, loopback only)
#   HERALD_ES_HEAP              default 512m (-Xms = -Xmx)
#   HERALD_ES_JAVA_OPTS         extra JVM options (e.g. -XX:TieredStopAtLevel=1: ~2 s faster start)
#   HERALD_ES_START_TIMEOUT     seconds start waits for the node to answer, default 180
# State: $HERALD_SERVICES_DIR/elasticsearch/; download cache: $HERALD_CACHE_DIR/elasticsearch/.
#
# Elasticsearch refuses to run as root: when run as root the node runs as the
# system user `herald-es` (created if missing). The unpacked distribution in the
# cache stays read-only; the node's config/, data/, logs/, tmp/ live in the state
# dir. If the state dir is not reachable by herald-es (e.g. the repo is under a
# mode-700 /root), they live in /var/lib/herald-es/<hash> and <state>/runtime
# links to it.
set -euo pipefail
SVC_NAME=elasticsearch
# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ES_VERSION="${HERALD_ES_VERSION:-8.19.21}"
ES_PORT="${HERALD_ES_PORT:-9200}"
ES_HEAP="${HERALD_ES_HEAP:-512m}"
START_TIMEOUT="${HERALD_ES_START_TIMEOUT:-180}"
ES_USER=herald-es
CLUSTER_NAME=herald-test
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
# what /proc/<pid>/cmdline of the node contains (guards against recycled pids)
PROC_MATCH=org.elasticsearch.bootstrap.Elasticsearch

STATE="$HERALD_SERVICES_DIR/elasticsearch"
CACHE="$HERALD_CACHE_DIR/elasticsearch"
ZIP="$CACHE/dist/elasticsearch-${ES_VERSION}.zip"
DIST="$CACHE/elasticsearch-${ES_VERSION}"
CLI_OUT="$STATE/elasticsearch.out"
URL="http://127.0.0.1:${ES_PORT}"
# service_main serialises install/start/stop/restart on this
SVC_LOCK="$STATE/.lock"
SVC_LOCK_TIMEOUT=600

ensure_tools() {
  command -v unzip >/dev/null 2>&1 || apt_install_if_missing unzip
  command -v java >/dev/null 2>&1 || apt_install_if_missing openjdk-17-jre-headless
  return 0
}

java_home() {
  local j
  j="$(readlink -f "$(command -v java)")" || die "java not found"
  dirname "$(dirname "$j")"
}

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = //p' | head -n1 | cut -d. -f1
}

# --- runtime layout ---------------------------------------------------------

run_as() {
  # run_as CMD...: as herald-es when we are root, else as ourselves
  if [[ $EUID -eq 0 ]]; then runuser -u "$ES_USER" -- "$@"; else "$@"; fi
}

ensure_user() {
  [[ $EUID -eq 0 ]] || return 0
  if ! id -u "$ES_USER" >/dev/null 2>&1; then
    log "creating system user $ES_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$ES_USER"
  fi
}

# RT: directory holding config/ data/ logs/ tmp/ run/ for the node.
resolve_runtime() {
  mkdir -p "$STATE"
  if [[ -L "$STATE/runtime" ]]; then
    RT="$(readlink -f "$STATE/runtime")"
  elif run_as test -x "$STATE" 2>/dev/null; then
    RT="$STATE"
  else
    RT="/var/lib/herald-es/$(printf '%s' "$STATE" | sha1sum | cut -c1-16)"
    mkdir -p "$RT"
    ln -sfn "$RT" "$STATE/runtime"
    log "state dir not reachable by $ES_USER; runtime in $RT ($STATE/runtime links to it)"
  fi
  PIDFILE="$RT/run/elasticsearch.pid"
}

# like resolve_runtime, but never creates anything (stop on a fresh tree)
resolve_runtime_quiet() {
  if [[ -L "$STATE/runtime" ]]; then
    RT="$(readlink -f "$STATE/runtime")"
  else
    RT="$STATE"
  fi
  PIDFILE="$RT/run/elasticsearch.pid"
}

# ES_HOME: the unpacked distribution, used in place when herald-es can read it,
# else a hard-link copy (no extra disk) inside the runtime dir.
resolve_home() {
  if run_as test -r "$DIST/lib/elasticsearch-${ES_VERSION}.jar" 2>/dev/null; then
    ES_HOME="$DIST"
    return
  fi
  ES_HOME="$RT/home-${ES_VERSION}"
  if [[ ! -f "$ES_HOME/.herald-complete" ]]; then
    rm -rf "$ES_HOME" "$ES_HOME.tmp"
    cp -al "$DIST" "$ES_HOME.tmp" 2>/dev/null || { rm -rf "$ES_HOME.tmp"; cp -a "$DIST" "$ES_HOME.tmp"; }
    touch "$ES_HOME.tmp/.herald-complete"
    mv "$ES_HOME.tmp" "$ES_HOME"
  fi
  # drop homes of other versions
  local d
  for d in "$RT"/home-*; do
    [[ -d "$d" && "$d" != "$ES_HOME" ]] && rm -rf "$d"
  done
  return 0
}

# --- install ------------------------------------------------------------------

fetch_zip() {
  [[ -s "$ZIP" ]] && return 0
  command -v mvn >/dev/null 2>&1 || apt_install_if_missing maven ca-certificates
  mkdir -p "$CACHE/dist"
  log "fetching $ARTIFACT from Maven Central"
  local out="$CACHE/dist/.tmp.$$"
  rm -rf "$out"
  mkdir -p "$out"
  if ! mvn -B -q --strict-checksums "$DEP_PLUGIN:copy" \
    -Dartifact="$ARTIFACT" -DoutputDirectory="$out" -Dmdep.useBaseVersion=true >"$CACHE/dist/mvn.log" 2>&1; then
    rm -rf "$out"
    die_with_logs "maven could not fetch $ARTIFACT" "$CACHE/dist/mvn.log"
  fi
  mv "$out/elasticsearch-${ES_VERSION}.zip" "$ZIP"
  rm -rf "$out"
}

unpack() {
  [[ -f "$DIST/.herald-complete" ]] && return 0
  log "unpacking $(basename "$ZIP")"
  local tmp="$CACHE/.unpack.$$"
  rm -rf "$tmp" "$DIST"
  mkdir -p "$tmp"
  unzip -q "$ZIP" -d "$tmp"
  [[ -d "$tmp/elasticsearch-${ES_VERSION}" ]] || die "unexpected zip layout in $ZIP"
  # The zip's own jdk/ is absent (integ-test-zip); make sure nothing is group/other-writable.
  chmod -R go-w "$tmp/elasticsearch-${ES_VERSION}"
  touch "$tmp/elasticsearch-${ES_VERSION}/.herald-complete"
  mv "$tmp/elasticsearch-${ES_VERSION}" "$DIST"
  rm -rf "$tmp"
}

svc_install() {
  ensure_tools
  local jh major
  jh="$(java_home)"
  major="$(java_major "$jh")"
  [[ -n "$major" && "$major" -ge 17 ]] || die "Elasticsearch 8 needs Java >= 17, found '$major' at $jh"
  fetch_zip
  unpack
  ensure_user
  resolve_runtime
  resolve_home
}

# --- config -------------------------------------------------------------------

write_config() {
  local conf="$RT/config"
  mkdir -p "$conf" "$RT/data" "$RT/logs" "$RT/tmp" "$RT/run"
  # Start from the distribution's config (log4j2, jvm.options, users...), keep a
  # keystore the node may have created, overwrite elasticsearch.yml.
  local f
  for f in "$ES_HOME"/config/*; do
    [[ "$(basename "$f")" == elasticsearch.keystore ]] && continue
    cp -rf "$f" "$conf/"
  done
  # gc log: absolute path under logs/, small rotation (the default writes gc.log
  # relative to the working directory and keeps up to 32 x 64 MB).
  sed -i -E "s#file=[^:]*gc\.log:#file=$RT/logs/gc.log:#; s#filecount=[0-9]+,filesize=[0-9]+m#filecount=2,filesize=16m#" \
    "$conf/jvm.options"
  cat >"$conf/elasticsearch.yml" <<EOF
# Generated by scripts/services/elasticsearch.sh: private test node, do not edit.
cluster.name: $CLUSTER_NAME
node.name: herald-es-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: 9300-9399
path.data: $RT/data
path.logs: $RT/logs
xpack.security.enabled: false
# tests must not be blocked by a nearly full disk
cluster.routing.allocation.disk.threshold_enabled: false
# let tests delete indices by wildcard
action.destructive_requires_name: false
EOF
  if [[ $EUID -eq 0 ]]; then
    chown -R "$ES_USER:$ES_USER" "$conf" "$RT/data" "$RT/logs" "$RT/tmp" "$RT/run"
  fi
}

# --- process control ----------------------------------------------------------

# Our node answers on our port. (GET / is not available: the integ-test-zip
# lacks the rest-root module, so / answers 405; use cluster health instead.)
answers() {
  [[ "$(http_body "$ES_PORT" '/_cluster/health?local=true' || true)" == *"\"cluster_name\":\"$CLUSTER_NAME\""* ]]
}

# Cluster health is at least yellow (the server waits up to 2 s per probe).
health_yellow() {
  local body
  body="$(http_body "$ES_PORT" '/_cluster/health?wait_for_status=yellow&timeout=2s' || true)"
  [[ "$body" == *"\"cluster_name\":\"$CLUSTER_NAME\""* && "$body" == *'"timed_out":false'* ]]
}

launch() {
  write_config
  rm -f "$PIDFILE"
  local who jh
  if [[ $EUID -eq 0 ]]; then who="$ES_USER"; else who="$(id -un)"; fi
  jh="$(java_home)"
  log "starting Elasticsearch $ES_VERSION on $URL (heap $ES_HEAP, user $who)"
  # -d: the launcher daemonizes the server once it has started and exits;
  # the server's pid goes to -p. cwd = logs (hs_err files land there).
  # The lock fds must not be inherited by the daemon.
  if ! (cd "$RT/logs" && run_as env -i \
    PATH=/usr/local/bin:/usr/bin:/bin \
    HOME="$RT/tmp" LANG=C.UTF-8 \
    ES_JAVA_HOME="$jh" \
    ES_PATH_CONF="$RT/config" \
    ES_TMPDIR="$RT/tmp" \
    ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP ${HERALD_ES_JAVA_OPTS:-}" \
    "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE") >"$CLI_OUT" 2>&1 </dev/null 8>&- 9>&-; then
    die_with_logs "the Elasticsearch launcher failed" "$CLI_OUT" "$RT/logs/$CLUSTER_NAME.log"
  fi
}

svc_start() {
  if answers; then
    log "already running on $URL"
    return 0
  fi
  local t0=$SECONDS
  start_server "$PIDFILE" "$PROC_MATCH" "$ES_PORT" "$START_TIMEOUT" "Elasticsearch on $URL" launch answers \
    "$CLI_OUT" "$RT/logs/$CLUSTER_NAME.log"
  if ! wait_until 60 "$PIDFILE" "$PROC_MATCH" "cluster health yellow" health_yellow; then
    die_with_logs "cluster health did not reach yellow on $URL" "$CLI_OUT" "$RT/logs/$CLUSTER_NAME.log"
  fi
  log "up on $URL after $((SECONDS - t0))s (pid $(pid_read "$PIDFILE"))"
}

svc_stop() {
  resolve_runtime_quiet
  stop_server "$PIDFILE" "$PROC_MATCH" 60 "a node on $URL" answers
}

svc_status() { answers; }

service_main "$@"
