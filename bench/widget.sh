#!/usr/bin/env bash
# The booking widget's weight and speed on the demo (issue 13 §4), its accessibility there and the
# demo-theme / hostile-theme screenshots:
#
#   bench/widget.sh                      (make bench-widget; ~2 min; needs what tests/browser needs)
#   SHOTS=docs/screenshots bench/widget.sh   also refresh the demo-theme / demo-hostile screenshots
#   PRIEM_EXTENSION=/path/libpriem.so …  the extension to run (default target/debug/libpriem.so, as `make demo`)
#   RUNS=15 …                            fresh visitors timed on the booking page
#
# 1. demo/run --background --fresh builds the package (netcat-module/build.sh: the widget minified,
#    its styles inside, .gz beside it) and starts the demo on free ports with a database of its own
#    (priem_widget_bench_<pid>), so a demo someone runs on 8080 is left alone;
# 2. bench/widget.mjs measures and prints each figure beside its target (see there);
# 3. the demo is stopped and its database dropped, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

export PRIEM_EXTENSION="${PRIEM_EXTENSION:-$REPO/target/debug/libpriem.so}"
[ -f "$PRIEM_EXTENSION" ] || cargo build --quiet
if [ ! -f tests/browser/node_modules/playwright-core/package.json ] || [ ! -f tests/browser/node_modules/axe-core/package.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix tests/browser >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
export PRIEM_DEMO_PORT=$(free_port) PRIEM_DEMO_MIS_PORT=$(free_port) PRIEM_DEMO_MIS_CONTROL_PORT=$(free_port)
export PRIEM_DEMO_FTP_PORT=$(free_port) PRIEM_DEMO_SMTP_PORT=$(free_port) PRIEM_DEMO_PD_PORT=$(free_port)
export PRIEM_DEMO_DB="priem_widget_bench_$$"
stop() {
  demo/run --stop >/dev/null 2>&1 || true
  mysql --protocol=tcp -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS $PRIEM_DEMO_DB" >/dev/null 2>&1 || true
}
trap stop EXIT
echo "== the demo on 127.0.0.1:$PRIEM_DEMO_PORT (database $PRIEM_DEMO_DB, extension $PRIEM_EXTENSION)"
demo/run --background --fresh --no-install >/dev/null

echo "== load before: $(uptime)"
shots=()
if [ -n "${SHOTS:-}" ]; then mkdir -p "$SHOTS"; shots=("$SHOTS"); fi
node bench/widget.mjs "http://127.0.0.1:$PRIEM_DEMO_PORT" netcat-module/priem/netcat/modules/priem/widget/priem.js "${shots[@]}"
echo "== load after: $(uptime)"
