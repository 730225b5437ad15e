#!/usr/bin/env bash
# Start/stop/check the real services Herald's tests use, all private instances on
# 127.0.0.1 with state under $HERALD_SERVICES_DIR (default <repo>/.services/) and
# downloads cached under ${HERALD_CACHE_DIR:-$HOME/.cache/herald}.
#
#   scripts/services.sh start|stop|status|install|restart [names...]
#
# names: rsyslog haproxy node_exporter elasticsearch influxdb
# default: every one of those that has a scripts/services/<name>.sh
# start is idempotent (already up: success) and waits until each service answers;
# stop succeeds when nothing runs; status exits 0 only when all named are up.
# Each scripts/services/<name>.sh takes install|start|stop|status (see lib.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES="$ROOT/scripts/services"
# Start order (rsyslog first so HAProxy's first log lines land); stop is reversed.
KNOWN=(rsyslog haproxy node_exporter elasticsearch influxdb)

usage() {
  printf 'usage: %s start|stop|status|install|restart [%s]...\n' "$0" "${KNOWN[*]// /|}" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
cmd="$1"
shift
case "$cmd" in
  start | stop | status | install | restart) ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac

names=()
if [[ $# -eq 0 ]]; then
  for n in "${KNOWN[@]}"; do
    [[ -f "$SERVICES/$n.sh" ]] && names+=("$n")
  done
else
  for want in "$@"; do
    want="${want//-/_}"
    found=""
    for n in "${KNOWN[@]}"; do
      [[ "$n" == "$want" ]] && found=1
    done
    [[ -n "$found" ]] || { printf 'services.sh: unknown service %q (known: %s)\n' "$want" "${KNOWN[*]}" >&2; exit 2; }
    [[ -f "$SERVICES/$want.sh" ]] || { printf 'services.sh: no script %s\n' "$SERVICES/$want.sh" >&2; exit 2; }
  done
  # Keep the canonical order whatever order the names were given in.
  for n in "${KNOWN[@]}"; do
    for want in "$@"; do
      [[ "${want//-/_}" == "$n" ]] && { names+=("$n"); break; }
    done
  done
fi

if [[ "$cmd" == "stop" ]]; then
  reversed=()
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do reversed+=("${names[i]}"); done
  names=("${reversed[@]}")
fi

failed=()
for n in "${names[@]}"; do
  if ! bash "$SERVICES/$n.sh" "$cmd" </dev/null; then
    failed+=("$n")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  case "$cmd" in
    status) printf 'services.sh: not up: %s\n' "${failed[*]}" >&2 ;;
    *) printf 'services.sh: %s FAILED for: %s\n' "$cmd" "${failed[*]}" >&2 ;;
  esac
  exit 1
fi
