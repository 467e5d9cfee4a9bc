#!/usr/bin/env bash
# Tests of local/stack.sh's process bookkeeping (make local-test, part of make test): dummy
# processes started through stack.sh's own start_service, a temporary LOCAL_STATE_DIR, no port,
# no real service. `down` runs as the real command (`stack.sh down`), as make local-down runs it.
#
# The case that matters: the recorded process is gone and its pid now belongs to an unrelated
# session leader (a recycled pid; faked by writing that process's pid with the recorded start
# time). `down` must leave it alone: it may signal a session only while its leader is the
# process it started.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK="$HERE/stack.sh"
STATE="$(mktemp -d "${TMPDIR:-/tmp}/stack-test.XXXXXX")"
export LOCAL_STATE_DIR="$STATE" TOOLS_DIR="$STATE/no-tools" LOCAL_STOP_TIMEOUT=5

# shellcheck source=local/stack.sh
source "$STACK"   # the functions only: start_service, proc_start, live_pid, stack_pids, ...
mkdir -p "$RUN_DIR" "$LOG_DIR"

OURS=()   # "<pid> <start time>" of every dummy process this test starts, killed at the end whatever happens
ours() { OURS+=("$1 $(proc_start "$1" || true)"); }
cleanup() {
  local entry p start
  for entry in "${OURS[@]}"; do
    read -r p start <<<"$entry"
    # Only if it is still that process: a pid reaped earlier may be someone else's by now.
    [[ -n "$start" && "$(proc_start "$p" || true)" == "$start" ]] && kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$STATE"
}
trap cleanup EXIT

FAILED=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1" >&2; FAILED=1; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

alive() { proc_start "$1" >/dev/null; }   # live and not a zombie
session_of() { local s; s="$(cat "/proc/$1/stat")"; s="${s##*) }"; set -- $s; printf '%s' "$4"; }
record() { cat "$(pid_file "$1")"; }
down() { "$STACK" down >"$STATE/down.out" 2>&1; }
reap() { wait "$1" 2>/dev/null || true; }

# An unrelated process that leads a session of its own (as a recycled pid's new owner may),
# without the stack's tag in its environment.
start_unrelated() {
  env -u COGNITO_TRIGGERS_LOCAL_STACK setsid sleep 300 </dev/null >/dev/null 2>&1 &
  UNRELATED=$!
  ours "$UNRELATED"
  local i
  for i in $(seq 50); do [[ "$(session_of "$UNRELATED" 2>/dev/null)" == "$UNRELATED" ]] && return 0; sleep 0.05; done
  fail "the unrelated process did not become a session leader"; exit 1
}

# Start times count clock ticks (1/100 s): on a fast machine the unrelated process can start in
# the tick the recorded one started in, which makes it that process by the rule. A real recycled
# pid cannot come back within one tick, so start it again until the clock has moved on.
start_unrelated_after() {
  local i
  for i in $(seq 50); do
    start_unrelated
    [[ "$(proc_start "$UNRELATED")" != "$1" ]] && return 0
    kill -KILL "$UNRELATED" 2>/dev/null || true; reap "$UNRELATED"; sleep 0.02
  done
  fail "the clock did not move past start time $1"; exit 1
}

echo "== 1. down stops a service it started, with its whole session"
STARTED=()
start_service moto bash -c 'sleep 300 & sleep 300 & wait'
read -r LEADER START TAG < "$(pid_file moto)"
ours "$LEADER"
sleep 0.3
CHILDREN="$(stack_pids "$LEADER" "$TAG" | grep -vx "$LEADER" || true)"
check "the pid file records pid, start time (/proc/<pid>/stat field 22) and tag" '[[ "$START" == "$(proc_start "$LEADER")" && "$TAG" == moto-* ]]'
check "the service has two children in its session" '[[ $(wc -w <<<"$CHILDREN") -eq 2 ]]'
down
reap "$LEADER"
check "down stopped the leader" '! alive "$LEADER"'
for c in $CHILDREN; do check "down stopped child $c" '! alive "$c"'; done
check "down removed the pid file" '[[ ! -f "$(pid_file moto)" ]]'

echo "== 2. the recorded process is gone and its pid is someone else's: down leaves that one alone"
start_service moto sleep 300
read -r GONE GONE_START TAG < "$(pid_file moto)"
ours "$GONE"
kill -KILL "$GONE"; reap "$GONE"
check "the recorded process is gone" '! alive "$GONE"'
start_unrelated_after "$GONE_START"
# The recycled pid: the record names the unrelated process, with the start time recorded for the gone one.
printf '%s %s %s\n' "$UNRELATED" "$GONE_START" "$TAG" > "$(pid_file moto)"
check "the start times differ" '[[ "$(proc_start "$UNRELATED")" != "$GONE_START" ]]'
check "live_pid does not take the unrelated process for the service" '[[ -z "$(live_pid moto)" ]]'
# (status probes a service's port only for a live pid; here there is none, so it touches no port.)
"$STACK" status >"$STATE/status.out" 2>&1 || true
check "status says stale-pid" 'grep -Eq "^moto +4566 +- +stale-pid" "$STATE/status.out"'
down
check "down left the unrelated session leader running" 'alive "$UNRELATED"'
check "down said the service was not running" 'grep -q "moto was not running (removed stale pid file)" "$STATE/down.out"'
check "down removed the stale pid file" '[[ ! -f "$(pid_file moto)" ]]'
kill -KILL "$UNRELATED" 2>/dev/null || true; reap "$UNRELATED"

echo "== 3. the leader is gone but a process it spawned lives on: down stops that one (by tag), not the pid's new owner"
start_service moto bash -c 'sleep 300 & echo $! > "$1"; wait' _ "$STATE/child.pid"
read -r LEADER START TAG < "$(pid_file moto)"
ours "$LEADER"
for _ in $(seq 50); do [[ -s "$STATE/child.pid" ]] && break; sleep 0.05; done
CHILD="$(cat "$STATE/child.pid")"
ours "$CHILD"
kill -KILL "$LEADER"; reap "$LEADER"
check "the leader is gone, its child alive" '! alive "$LEADER" && alive "$CHILD"'
start_unrelated_after "$START"
printf '%s %s %s\n' "$UNRELATED" "$START" "$TAG" > "$(pid_file moto)"
down
check "down stopped the tagged child" '! alive "$CHILD"'
check "down left the unrelated session leader running" 'alive "$UNRELATED"'
kill -KILL "$UNRELATED" 2>/dev/null || true; reap "$UNRELATED"

echo "== 4. up's clean-up of a stale pid file goes through the same rule"
start_unrelated
printf '%s %s %s\n' "$UNRELATED" "1" "moto-never-started-$RANDOM" > "$(pid_file moto)"
stop_session_of moto
check "stop_session_of left the unrelated session leader running" 'alive "$UNRELATED"'
rm -f "$(pid_file moto)"

if (( FAILED )); then echo "local/test_stack.sh: FAILED" >&2; exit 1; fi
echo "local/test_stack.sh: all passed"
