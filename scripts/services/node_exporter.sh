#!/usr/bin/env bash
# Private Prometheus node exporter (Debian package prometheus-node-exporter) on
# 127.0.0.1:19100, run as a plain background process (no systemd), state under
# $HERALD_SERVICES_DIR/node_exporter/:
#   node_exporter.pid   pid file
#   node_exporter.out   the exporter's own log
#   textfile/           --collector.textfile.directory (drop *.prom files here)
# Usage: node_exporter.sh install|start|stop|status|restart
set -euo pipefail
SVC_NAME=node_exporter
# shellcheck source=scripts/services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${HERALD_NODE_EXPORTER_PORT:-19100}"
DIR="$HERALD_SERVICES_DIR/node_exporter"
PIDFILE="$DIR/node_exporter.pid"
OUT="$DIR/node_exporter.out"
BIN=/usr/bin/prometheus-node-exporter

svc_install() {
  apt_install_if_missing prometheus-node-exporter
  [[ -x "$BIN" ]] || die "$BIN missing after install"
}

running() { pid_alive "$PIDFILE" prometheus-node-exporter; }
ready() { http_ok "$PORT" /metrics; }

svc_status() {
  running && ready
}

svc_start() {
  mkdir -p "$DIR/textfile"
  if running; then
    if wait_until "$HERALD_SERVICE_TIMEOUT" "$PIDFILE" prometheus-node-exporter "node exporter on 127.0.0.1:$PORT" ready; then
      log "already running (pid $(pid_read "$PIDFILE")) on 127.0.0.1:$PORT"
      return 0
    fi
    die_with_logs "running (pid $(pid_read "$PIDFILE")) but not answering on 127.0.0.1:$PORT" "$OUT"
  fi
  require_port_free "$PORT" "node exporter"
  : >>"$OUT"
  log "starting prometheus-node-exporter on 127.0.0.1:$PORT"
  spawn_bg "$PIDFILE" "$OUT" "$BIN" \
    --web.listen-address="127.0.0.1:$PORT" \
    --collector.textfile.directory="$DIR/textfile" \
    --no-collector.systemd \
    --log.level=info
  if ! wait_until "$HERALD_SERVICE_TIMEOUT" "$PIDFILE" prometheus-node-exporter "node exporter on 127.0.0.1:$PORT" ready; then
    stop_pidfile "$PIDFILE" prometheus-node-exporter 5
    die_with_logs "prometheus-node-exporter did not come up on 127.0.0.1:$PORT" "$OUT"
  fi
  log "up (pid $(pid_read "$PIDFILE"))"
}

svc_stop() {
  if running; then
    log "stopping prometheus-node-exporter (pid $(pid_read "$PIDFILE"))"
  fi
  stop_pidfile "$PIDFILE" prometheus-node-exporter 15
}

service_main "$@"
