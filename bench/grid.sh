#!/usr/bin/env bash
# Benchmark: the grid endpoint (a doctor's 30-day booking window) — the extension against the
# same endpoint in plain PHP, in-process and over HTTP (nginx + php-fpm 8.2, wrk, 50 clients).
# The benchmark of issue 5, item 5.
#
#   bench/grid.sh [SO_PATH]        (default SO_PATH: target/release/libpriem.so, built if missing)
#
# 1. Makes bench/data/grid-<today>.json if missing (tools/gen_schedule.py: 10 filials, 300
#    doctors, 35 days from today (UTC), seed 5) — the HTTP endpoints use the real clock.
# 2. bench/grid_setup.php: database priem_bench_grid as a NetCat stand-in site with the module
#    installed (installer, components, settings: BookingHorizonDays 30, BookingMinNotice 60),
#    clinic and doctor cards, the schedule imported at NOW_UTC, ~2 % of the free times held.
# 3. Cross-check (bench/grid_inproc.php check): priem_grid() and bench/grid_plain.php give
#    identical arrays (after a JSON round trip), and priem_grid_json() the same form days as
#    plain PHP, for 40 doctors at four clocks (now, now again —
#    the grids kept in the process answer —, 40 s and 5 h 17 min later); over HTTP, the two
#    bare endpoints give the same days, free count, zone and names for 5 doctors. Prints
#    "outputs identical: yes/no".
# 4. In-process, each mode in its own PHP process, CALLS calls over random doctors:
#    ext        priem_grid($settings, filial, doctor, now, 30), the engine's defaults (grids kept
#               in the process, 32 MiB: ~250 of these 300 doctors);
#    ext-cold   the same with nothing kept (booking.grid_cache_mb 0): every grid built;
#    json       priem_grid_json(), the whole answer as JSON text — the extension endpoint's
#               work, and the call api.php makes;
#    plain-json the plain-PHP endpoint's work: the form's grid built in PHP + json_encode;
#    plain      bench/grid_plain.php (persistent mysqli, prepared queries, the grid built in PHP);
#    api        the whole api.php request minus HTTP through NetCat's core (fresh core + DB
#               connection, settings, cards, priem_grid_json): what a worker pays when it keeps
#               nothing yet (it then reads every card and keeps them with the settings);
#    api-lean   api.php's grid as a worker answers it once it keeps the settings and cards: no
#               core, vars.inc.php for the connection, one check statement, the grid;
#    breakdown  api's time per step and the SQL statements PHP sends per request;
#    sql        the database alone: the slot query (with and without the holds join), and what
#               reading the packed days (Priem_Day.packed) plus the window's holds would cost.
# 5. Over HTTP: php-fpm 8.2 (pm static, FPM_CHILDREN children, opcache on, the extension loaded
#    with -d) behind nginx on 127.0.0.1:<free port>, private configs in a temp dir; wrk
#    -c 50 -t 2 -d DURATION --latency with bench/grid.lua going through 20 000 doctors drawn at
#    random, after a 3 s warm-up, for: api.php (the module's endpoint, as visitors hit it), the
#    bare extension call (bench/grid_ext_endpoint.php), plain PHP (bench/grid_plain_endpoint.php)
#    and the floor (bench/grid_floor_endpoint.php: echoes 58 KB, no work — the box's ceiling).
# 6. Prints the table, the ratios against the targets (in-process p99 ≤ 2 ms; HTTP p99 ≤ 20 ms at
#    50 clients; ≥ 3× the plain-PHP requests/s) and the load average. Stops php-fpm and nginx and
#    drops the database at the end (also on failure or Ctrl-C).
#
# Environment: DB_HOST (127.0.0.1), DB_PORT (3306), DB_USER (root), DB_PASSWORD (empty),
# CALLS (2000), DURATION (15s), CONNECTIONS (50), FPM_CHILDREN (8), NOW_UTC (now),
# SCHEDULE (another schedule file; its days must cover today), KEEP=1 (keep the site, database
# and servers' logs; prints where).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
T0=$(date +%s)

SO=${1:-target/release/libpriem.so}
case $SO in /*) ;; *) SO=$PWD/$SO ;; esac
export DB_HOST=${DB_HOST:-127.0.0.1} DB_PORT=${DB_PORT:-3306} DB_USER=${DB_USER:-root} DB_PASSWORD=${DB_PASSWORD:-}
DB=priem_bench_grid
CALLS=${CALLS:-2000}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-50}
FPM_CHILDREN=${FPM_CHILDREN:-8}
NOW_UTC=${NOW_UTC:-$(date -u +%Y-%m-%dT%H:%M:00Z)}
TODAY=$(date -u +%F)
DATA=bench/data
SCHEDULE=${SCHEDULE:-$DATA/grid-$TODAY.json}
FPM=${FPM:-/usr/sbin/php-fpm8.2}
NGINX=${NGINX:-/usr/sbin/nginx}

if [ ! -f "$SO" ]; then
    if [ "$SO" = "$REPO/target/release/libpriem.so" ]; then
        echo "== $SO missing: cargo build --release (several minutes)"
        cargo build --release
    else
        echo "!! extension not built: $SO does not exist" >&2
        exit 1
    fi
fi
# what the HTTP part needs, installed as .ci/run installs (or the one command that does, printed)
scripts/apt-need php8.2-cli php8.2-mysql php8.2-fpm nginx wrk mariadb-client python3
for tool in "$FPM" "$NGINX" wrk; do
    command -v "$tool" >/dev/null || { echo "!! $tool is not installed" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/priem-bench-grid.XXXXXX)
# A private copy of the extension: a rebuild by someone else mid-run cannot mix two builds.
cp "$SO" "$TMP/libpriem.so"
PHP=(php -d memory_limit=-1 -d extension="$TMP/libpriem.so")
if ! err=$("${PHP[@]}" -r 'exit(function_exists("priem_grid") ? 0 : 1);' 2>&1); then
    echo "!! $SO does not load or does not export priem_grid(): ${err:-no such function}" >&2
    rm -rf "$TMP"
    exit 1
fi
ROOT=$TMP/site
FPM_PID=
NGINX_PID=
cleanup() {
    local rc=$?
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    [ -n "$FPM_PID" ] && kill "$FPM_PID" 2>/dev/null && wait "$FPM_PID" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then
        echo "== kept: $TMP (site, configs, logs), database $DB"
    else
        mysql -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" ${DB_PASSWORD:+-p"$DB_PASSWORD"} \
            -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || echo "!! could not drop $DB" >&2
        rm -rf "$TMP"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$DATA"
if [ ! -f "$SCHEDULE" ]; then
    echo "== generating $SCHEDULE"
    python3 tools/gen_schedule.py --filials 10 --doctors 300 --days 35 --seed 5 --start "$TODAY" -o "$SCHEDULE"
fi

LOAD_BEFORE=$(uptime)
echo "== load before: $LOAD_BEFORE"
echo "== extension: $SO ($(stat -c %y "$SO" | cut -d. -f1)); now = $NOW_UTC"
netcat-module/build.sh >/dev/null # the module as it ships (its widget is built into it)
"${PHP[@]}" bench/grid_setup.php "$ROOT" "$DB" "$SCHEDULE" "$NOW_UTC"

# --- cross-check ------------------------------------------------------------------------------
echo "== cross-check: priem_grid() vs bench/grid_plain.php"
identical=yes
"${PHP[@]}" bench/grid_inproc.php check "$ROOT" "$NOW_UTC" 40 || identical=no

# --- in-process -------------------------------------------------------------------------------
RESULTS=$TMP/results.jsonl
echo "== in-process: $CALLS calls each over random doctors"
for mode in ext ext-cold plain json plain-json api api-lean sql; do
    "${PHP[@]}" bench/grid_inproc.php $mode "$ROOT" "$NOW_UTC" "$CALLS" | tee -a "$RESULTS" || echo "!! $mode failed" >&2
done
"${PHP[@]}" bench/grid_inproc.php breakdown "$ROOT" "$NOW_UTC" 500 >"$TMP/breakdown.json" || echo "!! breakdown failed" >&2

# --- HTTP -------------------------------------------------------------------------------------
PORT=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);')
mkdir -p "$TMP/nginx"
cat >"$TMP/fpm.conf" <<EOF
[global]
pid = $TMP/fpm.pid
error_log = $TMP/fpm.log
daemonize = no

[bench]
listen = $TMP/fpm.sock
listen.mode = 0666
user = $(id -un)
group = $(id -gn)
pm = static
pm.max_children = $FPM_CHILDREN
pm.max_requests = 0
catch_workers_output = yes
php_admin_value[memory_limit] = 256M
php_admin_flag[display_errors] = off
php_admin_flag[log_errors] = on
EOF
FASTCGI="include $TMP/fastcgi.inc; fastcgi_pass unix:$TMP/fpm.sock; fastcgi_param PRIEM_BENCH_CONFIG $ROOT/bench-config.php;"
cat >"$TMP/fastcgi.inc" <<'EOF'
fastcgi_param QUERY_STRING $query_string;
fastcgi_param REQUEST_METHOD $request_method;
fastcgi_param CONTENT_TYPE $content_type;
fastcgi_param CONTENT_LENGTH $content_length;
fastcgi_param SCRIPT_NAME $fastcgi_script_name;
fastcgi_param REQUEST_URI $request_uri;
fastcgi_param DOCUMENT_URI $document_uri;
fastcgi_param DOCUMENT_ROOT $document_root;
fastcgi_param SERVER_PROTOCOL $server_protocol;
fastcgi_param GATEWAY_INTERFACE CGI/1.1;
fastcgi_param REMOTE_ADDR $remote_addr;
fastcgi_param REMOTE_PORT $remote_port;
fastcgi_param SERVER_ADDR $server_addr;
fastcgi_param SERVER_PORT $server_port;
fastcgi_param SERVER_NAME $server_name;
EOF
cat >"$TMP/nginx.conf" <<EOF
user $(id -un);
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    proxy_temp_path $TMP/nginx/proxy;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    keepalive_requests 100000;
    fastcgi_buffers 16 16k;
    server {
        listen 127.0.0.1:$PORT;
        root $ROOT;
        location = /netcat/modules/priem/api.php {
            $FASTCGI fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
        }
        location = /bench/grid_ext.php {
            $FASTCGI fastcgi_param SCRIPT_FILENAME $REPO/bench/grid_ext_endpoint.php;
        }
        location = /bench/grid_plain.php {
            $FASTCGI fastcgi_param SCRIPT_FILENAME $REPO/bench/grid_plain_endpoint.php;
        }
        location = /bench/floor.php {
            $FASTCGI fastcgi_param SCRIPT_FILENAME $REPO/bench/grid_floor_endpoint.php;
        }
    }
}
EOF
echo "== HTTP: nginx 127.0.0.1:$PORT → php-fpm 8.2 ($FPM_CHILDREN children, pm static, opcache on)"
"$FPM" -F -R -y "$TMP/fpm.conf" -d extension="$TMP/libpriem.so" -d opcache.enable=1 >"$TMP/fpm.out" 2>&1 &
FPM_PID=$!
"$NGINX" -p "$TMP/" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
for _ in $(seq 100); do
    [ -S "$TMP/fpm.sock" ] && curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    sleep 0.1
done
if ! kill -0 "$FPM_PID" 2>/dev/null || ! kill -0 "$NGINX_PID" 2>/dev/null; then
    echo "!! php-fpm or nginx did not start:" >&2
    cat "$TMP/fpm.out" "$TMP/fpm.log" "$TMP/nginx.out" "$TMP/nginx-error.log" 2>/dev/null >&2
    exit 1
fi

# request paths: 20 000 doctors drawn at random (uniformly, seed 7; the same list for each
# endpoint) — visitors do not walk the doctors in a fixed cycle, which is the one order a kept-
# grid cache smaller than the list never hits
php -r '
mt_srand(7);
$pairs = file($argv[1], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
$drawn = array();
for ($i = 0; $i < 20000; $i++) {
    $drawn[] = $pairs[mt_rand(0, count($pairs) - 1)];
}
foreach (array("api" => "/netcat/modules/priem/api.php?action=grid&filial=%s&doctor=%s",
               "ext" => "/bench/grid_ext.php?filial=%s&doctor=%s",
               "plain" => "/bench/grid_plain.php?filial=%s&doctor=%s",
               "floor" => "/bench/floor.php?filial=%s&doctor=%s") as $k => $f) {
    $out = "";
    foreach ($drawn as $p) {
        list($fi, $d) = explode(" ", $p, 2);
        $out .= sprintf($f, rawurlencode($fi), rawurlencode($d)) . "\n";
    }
    file_put_contents($argv[2] . "/paths-$k.txt", $out);
}' "$ROOT/bench-doctors.txt" "$TMP"

# the two bare endpoints answer the same days; api.php answers 200 with the widget's shape
if ! php -r '
$base = $argv[1];
$paths = array_slice(file($argv[2] . "/paths-ext.txt", FILE_IGNORE_NEW_LINES), 0, 5);
$bad = 0;
foreach ($paths as $p) {
    $a = json_decode((string)file_get_contents($base . $p), true);
    $b = json_decode((string)file_get_contents($base . str_replace("grid_ext.php", "grid_plain.php", $p)), true);
    // the same days, count, zone and MIS names (the extension answers with the filial and the doctor as objects)
    if (!is_array($a) || !isset($a["days"]) || !is_array($b) || $a["days"] !== $b["days"] || $a["free"] !== $b["free"]
        || $a["timezone"] !== $b["timezone"] || $a["doctor"]["name"] !== $b["doctor_name"]) { $bad++; }
}
$api = json_decode((string)file_get_contents($base . trim(file($argv[2] . "/paths-api.txt")[0])), true);
if (!is_array($api) || count($api["days"] ?? array()) !== 30 || !isset($api["doctor"]["name"])) { $bad++; fwrite(STDERR, "api.php: unexpected answer\n"); }
printf("HTTP check: ext and plain endpoints %s for %d doctors; api.php %s\n", $bad ? "DIFFER" : "identical", count($paths),
    is_array($api) && isset($api["days"]) ? sprintf("200, %d days, %d free", count($api["days"]), $api["free"]) : "FAILED");
exit($bad ? 1 : 0);' "http://127.0.0.1:$PORT" "$TMP"; then
    identical=no
fi
echo "outputs identical: $identical"

wrk_run() { # label, paths file
    local label=$1 paths=$2
    wrk -c "$CONNECTIONS" -t 2 -d 3s -s bench/grid.lua "http://127.0.0.1:$PORT" -- "$paths" >/dev/null 2>&1 || true
    echo "-- $label: wrk -c $CONNECTIONS -t 2 -d $DURATION --latency (load $(cut -d' ' -f1-3 /proc/loadavg))"
    wrk -c "$CONNECTIONS" -t 2 -d "$DURATION" --latency -s bench/grid.lua "http://127.0.0.1:$PORT" -- "$paths" \
        | tee "$TMP/wrk-$label.txt"
}
wrk_run api "$TMP/paths-api.txt"
wrk_run ext "$TMP/paths-ext.txt"
wrk_run plain "$TMP/paths-plain.txt"
wrk_run floor "$TMP/paths-floor.txt"
LOAD_AFTER=$(uptime)
if grep -q -E 'ERROR|WARNING' "$TMP/fpm.log" 2>/dev/null; then
    echo "!! php-fpm log:"; grep -E 'ERROR|WARNING' "$TMP/fpm.log" | tail -5
fi

# --- summary ----------------------------------------------------------------------------------
echo
echo "== results ($(wc -l <"$ROOT/bench-doctors.txt") doctors, 30-day window, now $NOW_UTC; $(nproc) cores)"
php -r '
$rows = array();
foreach (file($argv[1], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $l) {
    $r = json_decode($l, true);
    if (is_array($r)) { $rows[$r["mode"]] = $r; }
}
$ms = function ($v, $unit) { return $v * array("us" => 0.001, "ms" => 1, "s" => 1000)[$unit]; };
$http = array();
foreach (array("api", "ext", "plain", "floor") as $k) {
    $f = $argv[2] . "/wrk-$k.txt";
    if (!is_file($f)) { continue; }
    $t = file_get_contents($f);
    $r = array();
    foreach (array("p50" => "50%", "p99" => "99%") as $key => $label) {
        if (preg_match("/^\s+" . preg_quote($label) . "\s+([0-9.]+)(us|ms|s)\s*$/m", $t, $m)) { $r[$key] = $ms((float)$m[1], $m[2]); }
    }
    if (preg_match("/Requests\/sec:\s+([0-9.]+)/", $t, $m)) { $r["rps"] = (float)$m[1]; }
    if (preg_match("/(\d+) requests in/", $t, $m)) { $r["n"] = (int)$m[1]; }
    $r["non2xx"] = preg_match("/Non-2xx or 3xx responses: (\d+)/", $t, $m) ? (int)$m[1] : 0;
    $r["errors"] = preg_match("/Socket errors: (.*)/", $t, $m) ? trim($m[1]) : "none";
    $http[$k] = $r;
}
$names = array("ext" => "priem_grid", "ext-cold" => "  nothing kept", "plain" => "plain PHP", "json" => "priem_grid_json",
    "plain-json" => "plain PHP, JSON", "api" => "api.php, full path", "api-lean" => "api.php, kept");
$pad = function ($t, $w) { return $t . str_repeat(" ", max(0, $w - mb_strlen($t))); };
echo "in-process (one PHP process, calls in a loop):\n";
printf("  %-18s %9s %9s %9s %9s %10s %7s %9s\n", "", "p50 µs", "p99 µs", "mean µs", "max µs", "calls/s", "slots", "JSON B");
foreach (array_merge(array("ext", "ext-cold", "plain", "json", "plain-json", "api", "api-lean"), preg_grep("/^sql/", array_keys($rows))) as $k) {
    if (!isset($rows[$k])) { continue; }
    $r = $rows[$k];
    if ($k === "sql: slots ⟕ holds") { echo "  the database alone (mysqli, same doctors; slots = rows):\n"; }
    printf("  %s %9.0f %9.0f %9.0f %9.0f %10.0f %7s %9s\n", $pad($names[$k] ?? $k, 18), $r["p50_us"], $r["p99_us"], $r["mean_us"], $r["max_us"],
        $r["calls_s"], $k === "api" || $k === "api-lean" ? "-" : sprintf("%.0f", $r["slots"]), $r["json_bytes"] ?: "-");
}
echo "HTTP (nginx + php-fpm, wrk):\n";
printf("  %-18s %9s %9s %10s %9s  %s\n", "", "p50 ms", "p99 ms", "req/s", "requests", "non-2xx / socket errors");
foreach (array("api" => "api.php (module)", "ext" => "ext endpoint", "plain" => "plain endpoint",
               "floor" => "floor: echo 58 KB") as $k => $n) {
    if (!isset($http[$k])) { continue; }
    $r = $http[$k];
    printf("  %-18s %9.2f %9.2f %10.1f %9d  %d / %s\n", $n, $r["p50"] ?? -1, $r["p99"] ?? -1, $r["rps"] ?? 0, $r["n"] ?? 0, $r["non2xx"], $r["errors"]);
}
echo "\n";
$sum = getenv("BENCH_SUMMARY") ?: "";
$line = function ($what, $x, $fmt, $target, $ok) use ($pad, $sum) {
    $v = $x === null ? "n/a" : sprintf($fmt, $x);
    $r = $x === null ? "n/a" : ($ok($x) ? "pass" : "FAIL");
    echo $pad($what, 46), " ", $pad($v, 10), " ", $pad($target, 10), " ", $r, "\n";
    if ($sum !== "") { file_put_contents($sum, "grid\t" . trim($what) . "\t$v\t$target\t$r\n", FILE_APPEND); }
};
echo $pad("target", 46), " ", $pad("value", 10), " ", $pad("target", 10), "\n";
$line("in-process p99, priem_grid_json (endpoint)", isset($rows["json"]) ? $rows["json"]["p99_us"] / 1000 : null, "%.2f ms", "≤ 2 ms", function ($x) { return $x <= 2; });
$line("in-process p99, priem_grid (PHP arrays)", isset($rows["ext"]) ? $rows["ext"]["p99_us"] / 1000 : null, "%.2f ms", "≤ 2 ms", function ($x) { return $x <= 2; });
$line("HTTP p99 at 50 clients, api.php", $http["api"]["p99"] ?? null, "%.1f ms", "≤ 20 ms", function ($x) { return $x <= 20; });
$line("HTTP p99 at 50 clients, ext endpoint", $http["ext"]["p99"] ?? null, "%.1f ms", "≤ 20 ms", function ($x) { return $x <= 20; });
$div = function ($a, $b) { return $a !== null && $b ? $a / $b : null; };
$line("req/s api.php ÷ plain endpoint", $div($http["api"]["rps"] ?? null, $http["plain"]["rps"] ?? null), "%.2f×", "≥ 3×", function ($x) { return $x >= 3; });
$line("req/s api.php ÷ ext endpoint", $div($http["api"]["rps"] ?? null, $http["ext"]["rps"] ?? null), "%.2f×", "≥ 0.7×", function ($x) { return $x >= 0.7; });
$line("req/s ext endpoint ÷ plain endpoint", $div($http["ext"]["rps"] ?? null, $http["plain"]["rps"] ?? null), "%.2f×", "≥ 3×", function ($x) { return $x >= 3; });
$line("in-process calls/s priem_grid_json ÷ plain JSON", $div($rows["json"]["calls_s"] ?? null, $rows["plain-json"]["calls_s"] ?? null), "%.2f×", "≥ 3×", function ($x) { return $x >= 3; });
$line("in-process calls/s priem_grid ÷ plain", $div($rows["ext"]["calls_s"] ?? null, $rows["plain"]["calls_s"] ?? null), "%.2f×", "≥ 3×", function ($x) { return $x >= 3; });
$line("  the same, nothing kept ÷ plain", $div($rows["ext-cold"]["calls_s"] ?? null, $rows["plain"]["calls_s"] ?? null), "%.2f×", "≥ 3×", function ($x) { return $x >= 3; });
echo "(floor: a PHP script that only echoes 58 KB, through the same nginx and php-fpm: HTTP p99 ",
    isset($http["floor"]["p99"]) ? sprintf("%.1f ms at %.0f req/s", $http["floor"]["p99"], $http["floor"]["rps"]) : "n/a",
    " — no endpoint can do better on this box)\n";
echo "(for reference: HTTP p99 plain endpoint ", isset($http["plain"]["p99"]) ? sprintf("%.1f ms", $http["plain"]["p99"]) : "n/a",
    ")\n";
$b = json_decode((string)@file_get_contents($argv[2] . "/breakdown.json"), true);
if (is_array($b)) {
    echo "\napi.php in-process, where the time goes (mean µs per request):\n";
    foreach (array("core" => "NetCat core + its DB connection", "settings" => "settings()->engine(true)",
                   "cards" => "cards (catalog: clinic + doctor)", "priem_grid" => "priem_grid_json() with the cards") as $k => $n) {
        printf("  %-36s %8.0f  (p99 %.0f)\n", $n, $b[$k]["mean_us"], $b[$k]["p99_us"]);
    }
    printf("  SQL statements PHP sends per request: %d (priem_grid\x27s own, on its pooled connection, come on top)\n", $b["php_sql_per_request"]);
    foreach (array_count_values(array_map(function ($q) { return preg_replace("/`Message\d+`|\x27[^\x27]*\x27|\d+/", "…", $q); }, $b["php_sql"])) as $q => $n) {
        printf("    %2d× %s\n", $n, $q);
    }
}
' "$RESULTS" "$TMP"
echo
echo "load before: $LOAD_BEFORE"
echo "load after:  $LOAD_AFTER"
echo "(2 cores shared with MariaDB, nginx, php-fpm and wrk itself, and with other work on the machine: read the figures with the load average)"
echo "== bench/grid.sh took $(( $(date +%s) - T0 )) s"
