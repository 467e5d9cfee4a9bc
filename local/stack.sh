#!/usr/bin/env bash
# The local stack: moto, cargo lambda watch, the Lambda-invoke adapter, cognito-local and the auth
# front in front of it (local/auth_front.py: PreAuthentication, which cognito-local lacks), all on
# 127.0.0.1. Usage: local/stack.sh {up|down|status}   (normally through `make local-up` etc.)
#
# Each service runs in its own session (setsid), so its pid is also its process-group and session
# id, and with a tag in its environment (COGNITO_TRIGGERS_LOCAL_STACK=<service>-<nonce>) that every
# process it spawns inherits. The pid file (.local/run/<service>.pid) holds "<pid> <start time>
# <tag>"; the start time (field 22 of /proc/<pid>/stat) guards against a recycled pid. `down`
# signals the processes carrying that tag, and the session and process group only while their
# leader is still the process it started (same pid and start time): once the leader is gone its
# id may belong to anyone, so a session id alone never selects a process. The function processes
# that `cargo lambda watch` starts run in sessions of their own, but inherit the tag. Nothing is
# ever killed by name. Sourcing this file defines the functions only (local/test_stack.sh).
#
# Tools come from ./tools (make tools); state and logs go to ./.local.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-$ROOT/tools}"
STATE_DIR="${LOCAL_STATE_DIR:-$ROOT/.local}"
VENV_BIN="$TOOLS_DIR/venv/bin"
NODE_DIR="$TOOLS_DIR/node"
RUN_DIR="$STATE_DIR/run"
LOG_DIR="$STATE_DIR/logs"
COGNITO_DIR="$STATE_DIR/cognito-local"
START_TIMEOUT="${LOCAL_START_TIMEOUT:-60}"   # seconds each service gets to answer
STOP_TIMEOUT="${LOCAL_STOP_TIMEOUT:-10}"     # seconds before SIGTERM becomes SIGKILL

HOST=127.0.0.1
# Fixed ports (documented in local/README.md; other files use the endpoints in local/local.mk).
# Clients talk to the auth front on 9229 (the user pool's address); cognito-local sits behind it.
declare -A PORT=([moto]=4566 [watch]=9000 [adapter]=9001 [cognito-local]=9228 [auth-front]=9229
  [watch-senders]=9002 [cognito-local-senders]=9230 [smtp]=9025)
SERVICES=(moto watch adapter cognito-local auth-front)   # start order; stopped in reverse
# The custom e-mail sender gets a user pool of its own: cognito-local wires triggers for every pool,
# and with CustomEmailSender wired it never calls CustomMessage again. Its binary links the
# Encryption SDK and is not a default member (docs/build.md), so a watch of its own serves it.
SENDERS_KEY_FILE="$STATE_DIR/senders-key.arn"
COGNITO_SENDERS_DIR="$STATE_DIR/cognito-local-senders"
if [[ -f "$ROOT/triggers/custom-email-sender/Cargo.toml" ]]; then
  SERVICES=(moto smtp watch watch-senders adapter cognito-local cognito-local-senders auth-front)
fi
# The local SMTP server custom-email-sender sends through (local/smtp_server.py: STARTTLS with a
# throwaway CA kept here, AUTH with the login local/provision.py stores in moto's Secrets Manager;
# every message received in maildir/ and messages.jsonl here).
SMTP_DIR="$STATE_DIR/smtp"

log() { printf '%s\n' "local-stack: $*"; }
die() { printf '%s\n' "local-stack: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- process bookkeeping
pid_file() { printf '%s/%s.pid' "$RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log' "$LOG_DIR" "$1"; }

# Start time of a live process in clock ticks since boot (field 22 of /proc/<pid>/stat); fails
# for a process that is gone or a zombie.
proc_start() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"            # drop "pid (comm) ", comm may hold spaces
  # shellcheck disable=SC2086
  set -- $stat
  [[ "$1" != Z ]] || return 1
  printf '%s' "${20}"
}

# Pids of the live (not zombie) processes whose session id is $1 (unless empty) or whose
# environment holds the tag $2: one pass over /proc. Callers pass a session id only after
# live_pid has confirmed its leader.
stack_pids() {
  local py="$VENV_BIN/python"
  [[ -x "$py" ]] || py=python3   # tools/ removed while the stack runs: still able to stop it
  "$py" - "$1" "${2:-}" <<'PY'
import os, sys
sid, tag = sys.argv[1], sys.argv[2]
me = {str(os.getpid()), str(os.getppid())}
marker = f"COGNITO_TRIGGERS_LOCAL_STACK={tag}".encode() if tag else None
for entry in os.listdir("/proc"):
    if not entry.isdigit() or entry in me:
        continue
    try:
        with open(f"/proc/{entry}/stat", "rb") as f:
            fields = f.read().rsplit(b") ", 1)[1].split()
        if fields[0] == b"Z":
            continue
        mine = bool(sid) and fields[3].decode() == sid
        if not mine and marker:
            with open(f"/proc/{entry}/environ", "rb") as f:
                mine = marker in f.read().split(b"\0")
    except (OSError, IndexError):
        continue
    if mine:
        print(entry)
PY
}

# The recorded pid of a service if that exact process is still alive; empty otherwise.
live_pid() {
  local file pid start now
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 0
  read -r pid start _ < "$file" || true
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  now="$(proc_start "$pid")" || return 0
  [[ "$now" == "$start" ]] && printf '%s' "$pid"
  return 0
}

# Is the service serving? HTTP (any status counts) for moto, the adapter and cognito-local. watch
# only gets a TCP connect: it treats any other path as a function-URL call and would invoke a
# function; the SMTP server too (it speaks no HTTP).
answers() {
  if [[ "$1" == watch || "$1" == watch-senders || "$1" == smtp ]]; then
    port_in_use "${PORT[$1]}"
    return
  fi
  local code
  code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$HOST:${PORT[$1]}/" 2>/dev/null)" || true
  [[ -n "$code" && "$code" != "000" ]]
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# ---------------------------------------------------------------- start
need() { [[ -x "$1" ]] || die "$1 is missing: run 'make tools' first"; }

start_service() {   # start_service NAME CMD... : run CMD in a new session, output to the log
  local name="$1"; shift
  local logf; logf="$(log_file "$name")"
  [[ -f "$logf" ]] && mv -f "$logf" "$logf.prev"
  printf '%s local-stack: starting %s\n' "$(date -u +%FT%TZ)" "$name" > "$logf"
  local tag; tag="$name-$(date +%s%N)-$RANDOM"
  COGNITO_TRIGGERS_LOCAL_STACK="$tag" setsid "$@" >>"$logf" 2>&1 </dev/null &
  local pid=$!
  local start; start="$(proc_start "$pid")" || start=""
  printf '%s %s %s\n' "$pid" "$start" "$tag" > "$(pid_file "$name")"
  STARTED+=("$name")
}

launch() {
  case "$1" in
    moto)
      need "$VENV_BIN/moto_server"
      # moto_server with atomic conditional DynamoDB writes, as DynamoDB has (see moto_atomic.py).
      start_service moto "$VENV_BIN/python" "$ROOT/local/moto_atomic.py" -H "$HOST" -p "${PORT[moto]}"
      ;;
    smtp)
      need "$VENV_BIN/python"
      start_service smtp "$VENV_BIN/python" "$ROOT/local/smtp_server.py" --host "$HOST" --port "${PORT[smtp]}" \
        --state-dir "$SMTP_DIR"
      ;;
    watch)
      need "$VENV_BIN/cargo-lambda"
      # --wait: start a function on its first invocation (by name), not a default `cargo run` of
      # the whole workspace at start-up (which cannot choose among several binaries). The
      # binaries are already built (build_functions), so that start does not compile.
      # shellcheck disable=SC2086
      start_service watch env -C "$ROOT" PATH="$VENV_BIN:$PATH" \
        cargo lambda watch --wait -A "$HOST" -P "${PORT[watch]}" --env-file "$ROOT/local/functions.env" \
        ${LOCAL_WATCH_ARGS:-}
      ;;
    watch-senders)
      need "$VENV_BIN/cargo-lambda"
      [[ -s "$SENDERS_KEY_FILE" ]] || die "no KMS key for the senders' pool in $SENDERS_KEY_FILE (provision.py writes it)"
      # -p: the package's own `cargo run`, which builds it apart from the default members.
      # It sends through the local SMTP server (EMAIL_PROVIDER=smtp, STARTTLS, AUTH with the secret
      # provision.py stored), trusting that server's throwaway CA only (SSL_CERT_FILE: the SMTP
      # provider's roots; the SDK clients keep their compiled-in Amazon roots).
      # shellcheck disable=SC2086
      start_service watch-senders env -C "$ROOT" PATH="$VENV_BIN:$PATH" \
        cargo lambda watch --wait -A "$HOST" -P "${PORT[watch-senders]}" --env-file "$ROOT/local/functions.env" \
        --env-var "KMS_KEY_ARN=$(cat "$SENDERS_KEY_FILE")" \
        --env-var EMAIL_PROVIDER=smtp --env-var "SMTP_HOST=$HOST" --env-var "SMTP_PORT=${PORT[smtp]}" \
        --env-var SMTP_SECURITY=starttls --env-var SMTP_CREDENTIALS_SECRET=cognito-triggers-local/smtp \
        --env-var "SSL_CERT_FILE=$SMTP_DIR/ca.pem" -p custom-email-sender ${LOCAL_WATCH_ARGS:-}
      ;;
    adapter)
      need "$VENV_BIN/python"
      local routes=()
      [[ " ${SERVICES[*]} " == *" watch-senders "* ]] && routes=(--route "custom-email-sender=http://$HOST:${PORT[watch-senders]}")
      start_service adapter "$VENV_BIN/python" "$ROOT/local/lambda_adapter.py" --host "$HOST" \
        --port "${PORT[adapter]}" --upstream "http://$HOST:${PORT[watch]}" --timeout 30 "${routes[@]}"
      ;;
    cognito-local)
      local start_js="$NODE_DIR/node_modules/cognito-local/lib/bin/start.js"
      need "$start_js"
      # Each start begins with no user pools, as moto (in memory) does: the two stay consistent, and
      # a database file left half-written by a killed cognito-local cannot stop the next start.
      rm -rf "$COGNITO_DIR/.cognito/db"
      mkdir -p "$COGNITO_DIR/.cognito"
      "$VENV_BIN/python" "$ROOT/local/cognito_config.py" --root "$ROOT" --out "$COGNITO_DIR/.cognito/config.json" \
        --lambda-endpoint "http://$HOST:${PORT[adapter]}" --kms-endpoint "http://$HOST:${PORT[moto]}"
      # cognito-local prints codes and temporary passwords: its output goes through the redactor.
      # shellcheck disable=SC2016  # $1..$4 are expanded by the inner bash
      start_service cognito-local env -u DEBUG -C "$COGNITO_DIR" PORT="${PORT[cognito-local]}" HOST="$HOST" \
        bash -c 'set -o pipefail; node "$1" 2>&1 | "$2" "$3" "$4"' _ \
        "$start_js" "$VENV_BIN/python" "$ROOT/local/redact_log.py" "$(log_file cognito-local)"
      ;;
    cognito-local-senders)
      local start_js="$NODE_DIR/node_modules/cognito-local/lib/bin/start.js"
      need "$start_js"
      rm -rf "$COGNITO_SENDERS_DIR/.cognito/db"
      mkdir -p "$COGNITO_SENDERS_DIR/.cognito"
      "$VENV_BIN/python" "$ROOT/local/cognito_config.py" --root "$ROOT" --out "$COGNITO_SENDERS_DIR/.cognito/config.json" \
        --lambda-endpoint "http://$HOST:${PORT[adapter]}" --kms-endpoint "http://$HOST:${PORT[moto]}" \
        --senders-key "$(cat "$SENDERS_KEY_FILE")"
      # shellcheck disable=SC2016  # $1..$4 are expanded by the inner bash
      start_service cognito-local-senders env -u DEBUG -C "$COGNITO_SENDERS_DIR" PORT="${PORT[cognito-local-senders]}" HOST="$HOST" \
        bash -c 'set -o pipefail; node "$1" 2>&1 | "$2" "$3" "$4"' _ \
        "$start_js" "$VENV_BIN/python" "$ROOT/local/redact_log.py" "$(log_file cognito-local-senders)"
      ;;
    auth-front)
      need "$VENV_BIN/python"
      # PreAuthentication is wired only once its binary exists, as triggers.tsv does for the others.
      local function=""
      [[ -f "$ROOT/triggers/pre-authentication/Cargo.toml" ]] && function=pre-authentication
      # The CUSTOM_AUTH flow likewise, once all three custom-auth binaries exist.
      local define="" create="" verify=""
      if [[ -f "$ROOT/triggers/define-auth-challenge/Cargo.toml" && -f "$ROOT/triggers/create-auth-challenge/Cargo.toml" \
            && -f "$ROOT/triggers/verify-auth-challenge-response/Cargo.toml" ]]; then
        define=define-auth-challenge create=create-auth-challenge verify=verify-auth-challenge-response
      fi
      start_service auth-front "$VENV_BIN/python" "$ROOT/local/auth_front.py" --host "$HOST" \
        --port "${PORT[auth-front]}" --upstream "http://$HOST:${PORT[cognito-local]}" \
        --lambda-endpoint "http://$HOST:${PORT[adapter]}" --function "$function" \
        --define-function "$define" --create-function "$create" --verify-function "$verify" \
        --clients-file "$COGNITO_DIR/.cognito/db/clients.json" --timeout 30
      ;;
  esac
}

workspace_bins() {   # names of the workspace's binary targets, one a line
  (cd "$ROOT" && cargo metadata --no-deps --format-version 1) \
    | "$VENV_BIN/python" -c 'import json,sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"]: print(t["name"])'
}

build_functions() {
  # Same command, profile and flags as the `cargo run` that watch uses, so that watch finds the
  # binaries fresh and starts them at once on the first invocation.
  log "building the workspace binaries (cargo build --bins)"
  local t0=$SECONDS
  (cd "$ROOT" && PATH="$VENV_BIN:$PATH" cargo build --bins) \
    || die "cargo build --bins failed (see the output above)"
  if [[ " ${SERVICES[*]} " == *" watch-senders "* ]]; then
    log "building custom-email-sender apart (cargo build -p custom-email-sender --bins: it links the Encryption SDK)"
    (cd "$ROOT" && PATH="$VENV_BIN:$PATH" cargo build -p custom-email-sender --bins) \
      || die "cargo build -p custom-email-sender --bins failed (see the output above)"
  fi
  log "binaries built in $((SECONDS - t0)) s"
}

wait_for() {   # wait_for NAME: until it answers, it dies, or the timeout passes
  local name="$1" pid deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    pid="$(live_pid "$name")"
    if [[ -z "$pid" ]]; then
      fail "$name" "$name exited during start-up"
    fi
    if answers "$name"; then
      log "$name is up on http://$HOST:${PORT[$name]} (pid $pid)"
      return 0
    fi
    if (( SECONDS >= deadline )); then
      fail "$name" "$name did not answer on http://$HOST:${PORT[$name]} within ${START_TIMEOUT} s"
    fi
    sleep 0.3
  done
}

fail() {   # report, roll back what this run started, exit non-zero
  local name="$1"
  printf '%s\n' "local-stack: error: $2" >&2
  printf '%s\n' "---- last lines of $(log_file "$name") ----" >&2
  tail -n 30 "$(log_file "$name")" >&2 || true
  printf '%s\n' "----" >&2
  local i
  for (( i=${#STARTED[@]}-1; i>=0; i-- )); do stop_service "${STARTED[$i]}"; done
  exit 1
}

cmd_up() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$COGNITO_DIR"
  STARTED=()
  local name pid missing=()
  for name in "${SERVICES[@]}"; do
    pid="$(live_pid "$name")"
    if [[ -n "$pid" ]]; then
      continue
    fi
    if [[ -f "$(pid_file "$name")" ]]; then
      log "removing stale pid file of $name"
      stop_session_of "$name"     # leftovers of a crashed service, if any
      rm -f "$(pid_file "$name")"
    fi
    missing+=("$name")
  done
  if (( ${#missing[@]} == 0 )); then
    log "already up (${SERVICES[*]}): nothing to do"
    return 0
  fi
  if [[ " ${missing[*]} " == *" watch "* ]]; then
    local bins
    bins="$(workspace_bins)" || die "cargo metadata failed in $ROOT"
    [[ -n "$bins" ]] || die "cargo lambda watch needs at least one binary in the workspace, and there is none yet (no [[bin]] / src/main.rs in any member)"
    log "workspace binaries: ${bins//$'\n'/ }"
  fi
  for name in "${missing[@]}"; do
    if port_in_use "${PORT[$name]}"; then
      die "port ${PORT[$name]} ($name) is in use by a process this script did not start; stop it first (ss -ltnp 'sport = :${PORT[$name]}')"
    fi
  done

  local t0=$SECONDS
  # Build before anything starts: a build error leaves nothing half up.
  if [[ " ${missing[*]} " == *" watch "* ]]; then
    build_functions
  fi
  for name in "${missing[@]}"; do
    launch "$name"
    wait_for "$name"
    # The fixtures right after moto: the senders' watch and pool need the KMS key it creates.
    if [[ "$name" == moto ]]; then
      MOTO_ENDPOINT="http://$HOST:${PORT[moto]}" "$VENV_BIN/python" "$ROOT/local/provision.py" \
        --senders-key-file "$SENDERS_KEY_FILE" || fail moto "provisioning the shared fixtures in moto failed"
    fi
  done
  log "up in $((SECONDS - t0)) s; logs in $LOG_DIR, status: make local-status"
}

# ---------------------------------------------------------------- stop
stop_session_of() {   # signal the service's tagged processes (and its session while ours): TERM, then KILL
  local name="$1" file pid tag sid pids
  file="$(pid_file "$name")"
  [[ -f "$file" ]] || return 0
  read -r pid _ tag < "$file" || true
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  # The session id is the leader's pid: trusted only while live_pid confirms the leader.
  sid="$(live_pid "$name")"
  pids="$(stack_pids "$sid" "$tag")"
  [[ -z "$pids" ]] && return 0
  # The leader's whole process group, then each process found (functions have groups of their own).
  # shellcheck disable=SC2086
  kill -TERM -- ${sid:+"-$sid"} $pids 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while sid="$(live_pid "$name")"; pids="$(stack_pids "$sid" "$tag")"; [[ -n "$pids" ]]; do
    if (( SECONDS >= deadline )); then
      log "$name did not stop within ${STOP_TIMEOUT} s: SIGKILL to ${pids//$'\n'/ }"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.2
  done
}

stop_service() {
  local name="$1" pid
  pid="$(live_pid "$name")"
  if [[ -f "$(pid_file "$name")" ]]; then
    stop_session_of "$name"
    rm -f "$(pid_file "$name")"
    if [[ -n "$pid" ]]; then log "stopped $name (pid $pid)"; else log "$name was not running (removed stale pid file)"; fi
  fi
}

cmd_down() {
  local i any=0
  for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do
    [[ -f "$(pid_file "${SERVICES[$i]}")" ]] && any=1
    stop_service "${SERVICES[$i]}"
  done
  (( any )) || log "nothing to stop (no pid files in $RUN_DIR)"
  return 0
}

# ---------------------------------------------------------------- status
cmd_status() {
  local name pid state up=0
  printf '%-14s %-6s %-8s %-13s %s\n' SERVICE PORT PID STATE LOG
  for name in "${SERVICES[@]}"; do
    pid="$(live_pid "$name")"
    if [[ -n "$pid" ]] && answers "$name"; then
      state=up; up=$((up + 1))
    elif [[ -n "$pid" ]]; then
      state="not-answering"
    elif [[ -f "$(pid_file "$name")" ]]; then
      state="stale-pid"
    else
      state=down
    fi
    printf '%-14s %-6s %-8s %-13s %s\n' "$name" "${PORT[$name]}" "${pid:--}" "$state" "$(log_file "$name")"
  done
  log "$up of ${#SERVICES[@]} services up"
  (( up == ${#SERVICES[@]} ))
}

# Run as a command; sourced (the tests), only define the functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) die "usage: $0 {up|down|status}" ;;
  esac
fi
