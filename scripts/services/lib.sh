# shellcheck shell=bash
# Shared helpers for scripts/services/<name>.sh. Source it, do not run it.
#
# Interface of every scripts/services/<name>.sh (see scripts/services.sh):
#   <name>.sh install   install what is missing (Debian packages, cached downloads)
#   <name>.sh start     install, then start a private instance on 127.0.0.1 and wait
#                       until it really answers; no-op success when already up;
#                       non-zero with the tail of the service's own log otherwise
#   <name>.sh stop      stop it; success when it is not running
#   <name>.sh status    exit 0 when up and answering, 1 otherwise
# A service script defines svc_install, svc_start, svc_stop, svc_status and ends
# with `service_main "$@"`. (Functions run under `set -e`, except svc_status,
# which is called in an `if` and so must return its result explicitly.)
# A script that sets SVC_LOCK (a file path) has install/start/stop/restart
# serialised by an flock on it, held on fd 9, waiting at most SVC_LOCK_TIMEOUT
# seconds (default 600); status never waits. Whatever outlives the script must
# not inherit the lock fds 8 and 9: spawn_bg closes them, other launches must
# (`8>&- 9>&-`).
#
# Environment:
#   HERALD_SERVICES_DIR      all runtime state (default <repo>/.services)
#   HERALD_CACHE_DIR         downloads/builds/.deb cache (default $HOME/.cache/herald)
#   HERALD_SERVICE_TIMEOUT   seconds start waits for a service to answer (default 60)

HERALD_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERALD_SERVICES_DIR="${HERALD_SERVICES_DIR:-$HERALD_REPO_ROOT/.services}"
mkdir -p "$HERALD_SERVICES_DIR"
HERALD_SERVICES_DIR="$(cd "$HERALD_SERVICES_DIR" && pwd)"
HERALD_CACHE_DIR="${HERALD_CACHE_DIR:-${HOME:-/root}/.cache/herald}"
HERALD_SERVICE_TIMEOUT="${HERALD_SERVICE_TIMEOUT:-60}"
export HERALD_REPO_ROOT HERALD_SERVICES_DIR HERALD_CACHE_DIR HERALD_SERVICE_TIMEOUT

# Name used in messages; service scripts set SVC_NAME before sourcing or after.
SVC_NAME="${SVC_NAME:-$(basename "${BASH_SOURCE[1]:-service}" .sh)}"

log() { printf '[services:%s] %s\n' "$SVC_NAME" "$*" >&2; }
die() { printf '[services:%s] ERROR: %s\n' "$SVC_NAME" "$*" >&2; exit 1; }

# Print the last lines of the given log files (those that exist) to stderr.
show_logs() {
  local f
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      printf '[services:%s] ---- last lines of %s ----\n' "$SVC_NAME" "$f" >&2
      tail -n 40 "$f" >&2 || true
      printf '[services:%s] ---- end of %s ----\n' "$SVC_NAME" "$f" >&2
    elif [[ -e "$f" ]]; then
      printf '[services:%s] (%s is empty)\n' "$SVC_NAME" "$f" >&2
    else
      printf '[services:%s] (%s does not exist)\n' "$SVC_NAME" "$f" >&2
    fi
  done
}

# die_with_logs MESSAGE LOGFILE...
die_with_logs() {
  local msg="$1"
  shift
  printf '[services:%s] ERROR: %s\n' "$SVC_NAME" "$msg" >&2
  show_logs "$@"
  exit 1
}

# Run a command as root (directly when root, else through passwordless sudo).
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "need root (or passwordless sudo) to run: $*"
  fi
}

# True when the Debian package is installed.
deb_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# apt_install_if_missing PKG... — install the missing ones, non-interactively.
# .deb files are kept under $HERALD_CACHE_DIR/apt so a re-install needs no download.
# `apt-get update` runs only when the install fails because a package list is
# missing or stale, then the install is retried once.
apt_install_if_missing() {
  local missing=() p
  for p in "$@"; do
    deb_installed "$p" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by other means"
  local archives="$HERALD_CACHE_DIR/apt/archives"
  mkdir -p "$archives/partial"
  local -a cmd=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
    -o Dir::Cache::Archives="$archives"
    -o DPkg::Lock::Timeout=600
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
    "${missing[@]}")
  local out
  out="$(mktemp)"
  log "installing Debian packages: ${missing[*]}"
  if as_root "${cmd[@]}" </dev/null >"$out" 2>&1; then
    rm -f "$out"
    return 0
  fi
  if grep -Eq 'Unable to locate package|has no installation candidate|is not available|404 +Not Found|Failed to fetch|Unable to fetch some archives|no longer has a Release file' "$out"; then
    log "package lists missing or stale; running apt-get update"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -o DPkg::Lock::Timeout=600 </dev/null >>"$out" 2>&1; then
      tail -n 30 "$out" >&2
      rm -f "$out"
      die "apt-get update failed"
    fi
    if as_root "${cmd[@]}" </dev/null >>"$out" 2>&1; then
      rm -f "$out"
      return 0
    fi
  fi
  tail -n 30 "$out" >&2
  rm -f "$out"
  die "apt-get install ${missing[*]} failed"
}

# ---- pid files ----

# pid_read PIDFILE — print the pid stored in the file (nothing when absent/bad).
pid_read() {
  local pid=""
  if [[ -r "$1" ]]; then
    read -r pid <"$1" 2>/dev/null || true
  fi
  if [[ "$pid" =~ ^[0-9]+$ ]]; then
    printf '%s\n' "$pid"
  fi
  return 0
}

# pid_alive PIDFILE [CMDLINE_SUBSTRING] — true when the process lives (and its
# command line contains the substring, guarding against recycled pids).
pid_alive() {
  local pid
  pid="$(pid_read "$1")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "${2:-}" ]]; then
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *"$2"* ]] || return 1
  fi
  return 0
}

# wait_gone PID TENTHS — wait up to TENTHS tenths of a second for PID to exit;
# true when it is gone.
wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  ! kill -0 "$1" 2>/dev/null
}

# stop_pidfile PIDFILE [CMDLINE_SUBSTRING] [TIMEOUT_S] — TERM, wait, then KILL.
# Success when the process is not (or no longer) running; removes the pid file.
stop_pidfile() {
  local pidfile="$1" match="${2:-}" timeout="${3:-15}" pid
  if ! pid_alive "$pidfile" "$match"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(pid_read "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" $((timeout * 10)); then
    log "pid $pid did not stop after ${timeout}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    # a big process (a JVM) takes a moment to go and free its ports
    wait_gone "$pid" 50 || true
  fi
  rm -f "$pidfile"
}

# stop_server PIDFILE MATCH TIMEOUT_S DESCRIPTION PROBE... — stop_pidfile for a
# server whose answering is checked by PROBE: when no process of ours runs but
# PROBE still succeeds (a server answers whose pid file is missing), refuse —
# fail and leave it alone rather than report "stopped".
stop_server() {
  local pidfile="$1" match="$2" timeout="$3" what="$4"
  shift 4
  if ! pid_alive "$pidfile" "$match"; then
    rm -f "$pidfile"
    if "$@"; then
      die "$what answers but its pid file $pidfile is missing; stop it by hand"
    fi
    log "not running"
    return 0
  fi
  log "stopping pid $(pid_read "$pidfile")"
  stop_pidfile "$pidfile" "$match" "$timeout"
  log "stopped"
}

# spawn_bg PIDFILE LOGFILE CMD... — start CMD detached (own session, no stdin,
# output appended to LOGFILE) and record its pid.
spawn_bg() {
  local pidfile="$1" logfile="$2"
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # In a non-interactive shell the background child is not a process-group
  # leader, so setsid execs without forking and $! is the service's own pid.
  setsid nohup "$@" </dev/null >>"$logfile" 2>&1 8>&- 9>&- &
  printf '%s\n' "$!" >"$pidfile"
}

# ---- ports ----

# tcp_port_open PORT [HOST] — true when something accepts TCP connections.
tcp_port_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "${2:-127.0.0.1}" "$1" 2>/dev/null
}

# udp_port_bound PORT — true when some socket is bound to UDP PORT (IPv4 or IPv6).
udp_port_bound() {
  local hex
  hex="$(printf '%04X' "$1")"
  cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk -v p=":$hex" '$2 ~ p"$" { found = 1 } END { exit !found }'
}

# http_status PORT PATH — print the HTTP status code of GET PATH on 127.0.0.1:PORT.
http_status() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nUser-Agent: herald-services-probe\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
    IFS=" " read -r _ code _ <&3 || exit 1
    printf "%s\n" "$code"
  ' _ "$1" "$2" 2>/dev/null
}

# http_ok PORT PATH — true when GET PATH answers 200.
http_ok() {
  [[ "$(http_status "$1" "$2" || true)" == "200" ]]
}

# http_body PORT PATH — print the body of GET PATH on 127.0.0.1:PORT.
http_body() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nUser-Agent: herald-services-probe\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
    sed "1,/^\r\{0,1\}$/d" <&3
  ' _ "$1" "$2" 2>/dev/null
}

# require_port_free PORT WHAT — fail when a foreign process already listens.
require_port_free() {
  if tcp_port_open "$1"; then
    die "127.0.0.1:$1 ($2) is already taken by another process; stop it first"
  fi
}

# wait_until TIMEOUT_S PIDFILE MATCH DESCRIPTION CMD... — poll CMD every 0.2 s
# until it succeeds; fail early when the process behind PIDFILE dies (PIDFILE
# may be "-" to skip that check). Returns 1 on timeout or death.
wait_until() {
  local timeout="$1" pidfile="$2" match="$3" what="$4"
  shift 4
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if "$@"; then
      return 0
    fi
    if [[ "$pidfile" != "-" ]] && ! pid_alive "$pidfile" "$match"; then
      # The pid file may appear a little after spawn for daemons writing their own.
      sleep 0.5
      if ! pid_alive "$pidfile" "$match"; then
        log "process exited while waiting for $what"
        return 1
      fi
    fi
    sleep 0.2
  done
  log "timed out after ${timeout}s waiting for $what"
  return 1
}

# start_server PIDFILE MATCH PORT TIMEOUT_S DESCRIPTION LAUNCH PROBE [LOGFILE...]
# For a server not yet answering: unless our process (PIDFILE, MATCH) already
# runs, require PORT free and run the function LAUNCH, which must write PIDFILE;
# then wait up to TIMEOUT_S until the function PROBE succeeds. Fails with the
# tail of the LOGFILEs when the process dies or the wait times out (the process
# is left alone: a slow server may still come up for the next start).
start_server() {
  local pidfile="$1" match="$2" port="$3" timeout="$4" what="$5" launch="$6" probe="$7"
  shift 7
  if pid_alive "$pidfile" "$match"; then
    log "process $(pid_read "$pidfile") exists; waiting for it to answer"
  else
    require_port_free "$port" "$what"
    "$launch"
  fi
  if ! wait_until "$timeout" "$pidfile" "$match" "$what" "$probe"; then
    die_with_logs "$what did not come up" "$@"
  fi
}

# wait_for_port PORT TIMEOUT_S [PIDFILE MATCH]
wait_for_port() {
  wait_until "$2" "${3:--}" "${4:-}" "TCP 127.0.0.1:$1" tcp_port_open "$1"
}

# ---- locking and dispatcher ----

# lock_fd FD FILE TIMEOUT_S — open FILE on FD (8 or 9) and take an exclusive
# flock on it, waiting at most TIMEOUT_S; held until FD is closed or we exit.
lock_fd() {
  local fd="$1" file="$2" timeout="$3"
  mkdir -p "$(dirname "$file")"
  case "$fd" in
    8) exec 8>>"$file" ;;
    9) exec 9>>"$file" ;;
    *) die "lock_fd: fd must be 8 or 9, not '$fd'" ;;
  esac
  flock -w "$timeout" "$fd" || die "could not lock $file within ${timeout}s"
}

service_main() {
  local action="${1:-}"
  case "$action" in
    install | start | stop | restart)
      if [[ -n "${SVC_LOCK:-}" ]]; then
        lock_fd 9 "$SVC_LOCK" "${SVC_LOCK_TIMEOUT:-600}"
      fi
      ;;
  esac
  case "$action" in
    install) svc_install ;;
    start)
      svc_install
      svc_start
      ;;
    stop) svc_stop ;;
    status)
      if svc_status; then
        log "up"
      else
        log "down"
        return 1
      fi
      ;;
    restart)
      svc_stop
      svc_install
      svc_start
      ;;
    *)
      printf 'usage: %s install|start|stop|status|restart\n' "$0" >&2
      return 2
      ;;
  esac
}
