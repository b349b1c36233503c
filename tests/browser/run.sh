#!/usr/bin/env bash
# The booking widget in a real browser: Debian's chromium driven by playwright-core (npm) against
# the real stack, all on 127.0.0.1:
#   - an FTP server (pyftpdlib) the MIS's schedule is uploaded to,
#   - the HTTP MIS peer (tests/peers/mis_peer.py; logs every request body),
#   - MariaDB (127.0.0.1:3306, root): database priem_browser_test_<pid>, a NetCat stand-in site in a temp
#     dir with the module installed, cards, settings and the schedule imported by a real FTP sync
#     (tests/browser/stack.php),
#   - the site (/index.php picker, /doctor.php?codes=… widget) served by tests/servers/serve with the
#     extension: php -S for every test, then Apache 2.4 + mod_php (the module's .htaccess enforced)
#     and nginx + php-fpm (the module's shipped snippet) for the main booking flow,
# then node's test runner on tests/browser/*.test.mjs. Screenshots go to target/browser-screenshots/
# (PRIEM_SHOTS=$PWD/docs/screenshots tests/browser/run.sh refreshes the ones in the README); those of
# the Apache and nginx runs into apache/ and nginx/ below it.
#
#   tests/browser/run.sh            (after cargo build; PRIEM_EXTENSION=/path/libpriem.so to use another)
#   PRIEM_BROWSER_KEEP=1 …          keep the temp dir (logs, site root) for a look afterwards
#   CHROMIUM=/path/to/chromium …    another browser binary (default /usr/bin/chromium)
#   PRIEM_BROWSER_ONLY='two visitors' …  only the tests whose names match (node --test-name-pattern)
#   PRIEM_BROWSER_SERVERS='php' …   the servers to run (default: php apache nginx)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO="$PWD"
HERE="$REPO/tests/browser"

so_src="${PRIEM_EXTENSION:-$REPO/target/debug/libpriem.so}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "run.sh: no chromium at $CHROMIUM (apt-get install chromium)" >&2; exit 1; }
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 1; }
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
  { echo "run.sh: playwright-core needs Node.js 20 or newer (this is $(node --version))" >&2; exit 1; }

# playwright-core and axe-core (pinned in package.json / package-lock.json), no browser download
if [ ! -f "$HERE/node_modules/playwright-core/package.json" ] || [ ! -f "$HERE/node_modules/axe-core/package.json" ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix "$HERE" >/dev/null
fi

# the module as the package ships it: build.sh builds the widget into netcat-module/priem/
netcat-module/build.sh >/dev/null

WORK="$(mktemp -d /tmp/priem-browser.XXXXXX)"
chmod 0755 "$WORK" # Apache's and php-fpm's workers (www-data) read the site root in it
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  mysql --protocol=tcp -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS priem_browser_test_$$" >/dev/null 2>&1 || true
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log "$WORK"/serve-*/*.log; do [ -s "$f" ] && { echo "---- ${f#"$WORK"/} (last lines)"; tail -n 20 "$f"; }; done >&2 || true
  fi
  if [ -n "${PRIEM_BROWSER_KEEP:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a private copy of the extension: a rebuild in the tree must not pull it from under php -S
for _ in $(seq 1 60); do [ -s "$so_src" ] && break; sleep 2; done
cp "$so_src" "$WORK/libpriem.so"
SO="$WORK/libpriem.so"
php -d extension="$SO" -r 'exit(function_exists("priem_book") ? 0 : 1);' 2>/dev/null ||
  { echo "run.sh: $so_src is not the PHP extension (run cargo build, default features)" >&2; exit 1; }
PHP=(php -d extension="$SO" -d date.timezone=UTC -d display_errors=stderr)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# start NAME CMD…: its own process group (setsid), output to $WORK/NAME.log
start() {
  local name="$1"; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 </dev/null &
  pids+=($!)
}
# listening PORT PID: PID listens on PORT (and did not exit: whoever answered may be another
# process that took the port first)
listening() {
  for _ in $(seq 1 100); do
    if port_open "$1"; then sleep 0.2; kill -0 "$2" 2>/dev/null; return; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# serve NAME CMD…: starts CMD with @PORT@ replaced by a free port and waits until it listens;
# started again on another port if it exits instead (tests run side by side). Sets $PORT.
serve() {
  local name="$1"; shift
  for _ in 1 2 3 4 5; do
    PORT=$(free_port)
    start "$name" "${@//@PORT@/$PORT}"
    listening "$PORT" "${pids[-1]}" && return 0
    kill -TERM -- "-${pids[-1]}" 2>/dev/null || true
  done
  echo "run.sh: $name did not start listening (5 ports tried; $WORK/$name.log)" >&2
  exit 1
}

mkdir -p "$WORK/ftp/schedule" "$WORK/site"
serve ftp python3 -m pyftpdlib -i 127.0.0.1 -p @PORT@ -w -d "$WORK/ftp" -u mis -P browser-ftp-pass
FTP_PORT=$PORT
: > "$WORK/mis-requests.jsonl"
serve mis python3 tests/peers/mis_peer.py --port @PORT@ --log "$WORK/mis-requests.jsonl"
MIS_PORT=$PORT

cat > "$WORK/stack.json" <<EOF
{"root": "$WORK/site", "database": "priem_browser_test_$$",
 "ftp": {"port": $FTP_PORT, "user": "mis", "password": "browser-ftp-pass", "root": "$WORK/ftp", "directory": "schedule"},
 "mis_url": "http://127.0.0.1:$MIS_PORT/success", "fixture": "$WORK/fixture.json"}
EOF
"${PHP[@]}" tests/browser/stack.php setup "$WORK/stack.json"

export PRIEM_MIS_URL="http://127.0.0.1:$MIS_PORT"
export PRIEM_MIS_LOG="$WORK/mis-requests.jsonl"
export PRIEM_FIXTURE="$WORK/fixture.json"
export PRIEM_STACK_CONFIG="$WORK/stack.json"
export PRIEM_PHP="php -d extension=$SO -d date.timezone=UTC"
# screenshots of every state: into target/ by default; PRIEM_SHOTS=docs/screenshots refreshes the README's
shots="${PRIEM_SHOTS:-$REPO/target/browser-screenshots}"
only=()
[ -n "${PRIEM_BROWSER_ONLY:-}" ] && only=(--test-name-pattern="$PRIEM_BROWSER_ONLY")
for server in ${PRIEM_BROWSER_SERVERS:-php apache nginx}; do
  # php -S runs four workers, so two visitors' bookings really run at the same time
  serve "$server" tests/servers/serve "$server" "$WORK/site" @PORT@ "$WORK/serve-$server" "$SO"
  SITE_PORT=$PORT
  export PRIEM_BASE_URL="http://127.0.0.1:$SITE_PORT"
  export PRIEM_SHOTS="$shots"
  names=("${only[@]}") files=("$HERE"/*.test.mjs)
  if [ "$server" != php ]; then
    # the main booking flow through a host's server; php -S above ran every scenario
    export PRIEM_SHOTS="$shots/$server"
    files=("$HERE/booking.test.mjs")
    [ ${#names[@]} -gt 0 ] || names=(--test-name-pattern="book a time on a doctor card")
  fi
  mkdir -p "$PRIEM_SHOTS"
  echo "== the browser tests through $server (http://127.0.0.1:$SITE_PORT)"
  node --test --test-reporter=spec "${names[@]}" "${files[@]}"
  kill -TERM -- "-${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
done
