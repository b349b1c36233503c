#!/usr/bin/env bash
# `make demo` stopped the way a terminal stops it, five times in a row: TERM to its whole process
# group (make, demo/run, tail), and — as make passes the signal on — a second TERM to demo/run
# while it is stopping. Every time the stop must complete ("everything stopped", demo's pids file
# gone) and leave no process of any service (FTP, SMTP, ProDoctorov peer, MIS simulator, the site's
# php -S and its workers, cron).
#
#   tests/demo_stop.sh        (after cargo build; PRIEM_EXTENSION=/path/libpriem.so to use another)
#
# The demo runs with its own state folder (PRIEM_DEMO_RUN), database and free ports, so a demo of
# the same clone may run meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-5}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RUN="$(mktemp -d /tmp/priem-demo-stop.XXXXXX)"
export PRIEM_DEMO_RUN="$RUN/run" PRIEM_DEMO_DB="priem_demo_stop_$$"
export PRIEM_EXTENSION="${PRIEM_EXTENSION:-$PWD/target/debug/libpriem.so}"
export PRIEM_DEMO_PORT=$(free_port) PRIEM_DEMO_MIS_PORT=$(free_port) PRIEM_DEMO_MIS_CONTROL_PORT=$(free_port) \
  PRIEM_DEMO_FTP_PORT=$(free_port) PRIEM_DEMO_SMTP_PORT=$(free_port) PRIEM_DEMO_PD_PORT=$(free_port) \
  PRIEM_DEMO_SNAPSHOT_SECONDS=5 PRIEM_DEMO_CRON_SECONDS=5
services="" group=""
finish() {
  local rc=$?
  # a failed round leaves nothing behind: make, demo/run and tail (one group), the services
  for pid in $group $services; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  mysql --protocol=tcp -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $PRIEM_DEMO_DB" >/dev/null 2>&1 || true
  [ $rc = 0 ] || { echo "---- the last round's output"; tail -n 30 "$RUN/round.log"; } >&2
  rm -rf "$RUN"
  exit $rc
}
trap finish EXIT

for round in $(seq 1 "$ROUNDS"); do
  setsid make --no-print-directory demo DEMO_ARGS=--no-install > "$RUN/round.log" 2>&1 < /dev/null &
  group=$!
  for _ in $(seq 1 600); do
    grep -q 'Ctrl-C stops everything' "$RUN/round.log" && break
    kill -0 "$group" 2>/dev/null || { echo "round $round: the demo did not start" >&2; exit 1; }
    sleep 0.2
  done
  grep -q 'Ctrl-C stops everything' "$RUN/round.log" || { echo "round $round: the demo did not come up in 120 s" >&2; exit 1; }
  services=$(awk '{print $2}' "$PRIEM_DEMO_RUN/pids")
  runner=$(cat "/proc/$group/task/$group/children") # make's one child: demo/run
  runner=${runner%% *}
  tr '\0' ' ' < "/proc/$runner/cmdline" | grep -q 'demo/run' || { echo "round $round: make's child is not demo/run" >&2; exit 1; }
  kill -TERM -- "-$group"
  sleep 0.3
  kill -TERM "$runner" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
  wait "$group" 2>/dev/null || true
  left=""
  for pid in $services; do kill -0 -- "-$pid" 2>/dev/null && left="$left $pid"; done
  if [ -n "$left" ] || ! grep -q 'everything stopped' "$RUN/round.log" || [ -e "$PRIEM_DEMO_RUN/pids" ]; then
    echo "round $round: the stop did not complete (services still running:${left:- none})" >&2
    exit 1
  fi
  echo "round $round: $(wc -w <<<"$services") services started and stopped"
  services="" group=""
done
