#!/usr/bin/env bash
# Benchmark: a visitor's booking over HTTP (api.php?action=book through nginx + php-fpm 8.2) with
# an MIS that answers at once — what the site itself adds to a booking. Issue 16's target: p99
# ≤ 20 ms at 20 concurrent visitors.
#
#   bench/booking.sh [SO_PATH]        (default SO_PATH: target/release/libpriem.so, built if missing)
#
# 1. The site of bench/grid.sh (bench/grid_setup.php: the stand-in NetCat site with the module,
#    300 doctors' cards and a 35-day schedule imported now), in database priem_bench_booking.
# 2. A local MIS (tests/peers/mis_peer.py, its /success answers {"success": true} at once, over a
#    new HTTP connection per booking as the extension opens one).
# 3. bench/booking_setup.php: the MIS's URL in the settings, FormMinSeconds 0, TrustedProxies
#    127.0.0.1; then the requests, each with a fresh form token, its own idempotency key, phone,
#    address (X-Forwarded-For) and free time — the rate limits stay on as shipped and do not trip.
# 4. php-fpm (pm static, FPM_CHILDREN children, opcache on) behind nginx on a free port; a
#    warm-up (WARM requests of their own), then wrk -c CONNECTIONS -t 2 -d DURATION --latency
#    with bench/booking.lua sending each request once.
# 5. Checks what happened: every answer 200, each request one booking in the database, all
#    "confirmed", the MIS got each once. Then the floor: bench/booking_floor_endpoint.php, one
#    durable commit (an autocommit INSERT) per request through the same servers — a booking
#    commits several times (the attempt counter, the booking and its hold, the MIS's answer).
#    Prints p50/p99, req/s and the load average; with BENCH_SUMMARY set (bench/all.sh) appends
#    its lines there.
# Stops the servers and drops the database at the end (also on failure or Ctrl-C).
#
# Environment: DB_HOST (127.0.0.1), DB_PORT (3306), DB_USER (root), DB_PASSWORD (empty),
# DURATION (10s), CONNECTIONS (20), FPM_CHILDREN (8), COUNT (12000 requests written; a run sends
# fewer), WARM (800), KEEP=1 (keep the site, database and logs; prints where).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
T0=$(date +%s)

SO=${1:-target/release/libpriem.so}
case $SO in /*) ;; *) SO=$PWD/$SO ;; esac
export DB_HOST=${DB_HOST:-127.0.0.1} DB_PORT=${DB_PORT:-3306} DB_USER=${DB_USER:-root} DB_PASSWORD=${DB_PASSWORD:-}
DB=priem_bench_booking
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-20}
FPM_CHILDREN=${FPM_CHILDREN:-8}
COUNT=${COUNT:-12000}
WARM=${WARM:-800}
TODAY=$(date -u +%F)
NOW_UTC=$(date -u +%Y-%m-%dT%H:%M:00Z)
DATA=bench/data
SCHEDULE=${SCHEDULE:-$DATA/grid-$TODAY.json}
FPM=${FPM:-/usr/sbin/php-fpm8.2}
NGINX=${NGINX:-/usr/sbin/nginx}
MYSQL=(mysql -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" ${DB_PASSWORD:+-p"$DB_PASSWORD"})

if [ ! -f "$SO" ]; then
    if [ "$SO" = "$REPO/target/release/libpriem.so" ]; then
        echo "== $SO missing: cargo build --release (several minutes)"
        cargo build --release
    else
        echo "!! extension not built: $SO does not exist" >&2
        exit 1
    fi
fi
scripts/apt-need php8.2-cli php8.2-mysql php8.2-fpm nginx wrk mariadb-client python3
for tool in "$FPM" "$NGINX" wrk; do
    command -v "$tool" >/dev/null || { echo "!! $tool is not installed" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/priem-bench-booking.XXXXXX)
cp "$SO" "$TMP/libpriem.so"
PHP=(php -d memory_limit=-1 -d extension="$TMP/libpriem.so")
ROOT=$TMP/site
FPM_PID=
NGINX_PID=
MIS_PID=
cleanup() {
    local rc=$?
    # each may have ended already or end by the signal (a non-zero wait): nothing below is skipped
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
    [ -n "$FPM_PID" ] && kill "$FPM_PID" 2>/dev/null && wait "$FPM_PID" 2>/dev/null || true
    [ -n "$MIS_PID" ] && kill "$MIS_PID" 2>/dev/null && wait "$MIS_PID" 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then
        echo "== kept: $TMP (site, configs, logs), database $DB"
    else
        "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || echo "!! could not drop $DB" >&2
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
netcat-module/build.sh >/dev/null
"${PHP[@]}" bench/grid_setup.php "$ROOT" "$DB" "$SCHEDULE" "$NOW_UTC"

# the MIS: answers at once
touch "$TMP/mis.log"
python3 -u tests/peers/mis_peer.py --port 0 --log "$TMP/mis.log" >"$TMP/mis.out" 2>&1 &
MIS_PID=$!
for _ in $(seq 50); do grep -q READY "$TMP/mis.out" && break; sleep 0.1; done
MIS_PORT=$(sed -n 's/^READY //p' "$TMP/mis.out")
[ -n "$MIS_PORT" ] || { echo "!! the MIS peer did not start" >&2; cat "$TMP/mis.out" >&2; exit 1; }
"${PHP[@]}" bench/booking_setup.php "$ROOT" "$DB" "http://127.0.0.1:$MIS_PORT/success" $((COUNT + WARM)) "$TMP/all.txt"
head -n "$WARM" "$TMP/all.txt" >"$TMP/warm.txt"
tail -n +"$((WARM + 1))" "$TMP/all.txt" >"$TMP/requests.txt"

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
    server {
        listen 127.0.0.1:$PORT;
        root $ROOT;
        location = /netcat/modules/priem/api.php {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$TMP/fpm.sock;
        }
        location = /bench/floor.php {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $REPO/bench/booking_floor_endpoint.php;
            fastcgi_param PRIEM_BENCH_CONFIG $ROOT/bench-config.php;
            fastcgi_pass unix:$TMP/fpm.sock;
        }
    }
}
EOF
echo "== HTTP: nginx 127.0.0.1:$PORT → php-fpm 8.2 ($FPM_CHILDREN children, pm static, opcache on); MIS 127.0.0.1:$MIS_PORT"
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

# one booking by hand: the answer the widget gets
first=$(head -n 1 "$TMP/warm.txt")
answer=$(curl -s -w '\nHTTP %{http_code}' -H 'Content-Type: application/json' -H "X-Forwarded-For: ${first%%$'\t'*}" \
    --data-binary "${first#*$'\t'}" "http://127.0.0.1:$PORT/netcat/modules/priem/api.php?action=book")
echo "== one booking: $(echo "$answer" | tail -n 1), $(echo "$answer" | head -n 1 | php -r '$a = json_decode(stream_get_contents(STDIN), true); echo is_array($a) ? "status " . $a["status"] . ", booking " . ($a["booking"]["number"] ?? "?") : "not JSON";')"
tail -n +2 "$TMP/warm.txt" >"$TMP/warm-rest.txt"
echo "-- warm-up: $((WARM - 1)) bookings of their own, wrk -c $CONNECTIONS -d 2s"
wrk -c "$CONNECTIONS" -t 2 -d 2s -s bench/booking.lua "http://127.0.0.1:$PORT" -- "$TMP/warm-rest.txt" 2 >/dev/null 2>&1 || true
sleep 1 # the warm-up's last requests finish
BEFORE=$("${MYSQL[@]}" -N -e "SELECT COUNT(*) FROM $DB.Priem_Booking")
MIS_BEFORE=$(wc -l <"$TMP/mis.log")
echo "-- bookings: wrk -c $CONNECTIONS -t 2 -d $DURATION --latency (load $(cut -d' ' -f1-3 /proc/loadavg))"
wrk -c "$CONNECTIONS" -t 2 -d "$DURATION" --latency -s bench/booking.lua "http://127.0.0.1:$PORT" -- "$TMP/requests.txt" 2 \
    | tee "$TMP/wrk.txt"
sleep 1
echo "-- floor: one durable commit per request (bench/booking_floor_endpoint.php), wrk -c $CONNECTIONS -t 2 -d $DURATION --latency (load $(cut -d' ' -f1-3 /proc/loadavg))"
wrk -c "$CONNECTIONS" -t 2 -d "$DURATION" --latency "http://127.0.0.1:$PORT/bench/floor.php" | tee "$TMP/wrk-floor.txt"
LOAD_AFTER=$(uptime)
AFTER=$("${MYSQL[@]}" -N -e "SELECT COUNT(*) FROM $DB.Priem_Booking")
STATUSES=$("${MYSQL[@]}" -N -e "SELECT CONCAT(status, ' ', COUNT(*)) FROM $DB.Priem_Booking GROUP BY status" | paste -sd, -)
MIS_AFTER=$(wc -l <"$TMP/mis.log")
if grep -q -E 'ERROR|WARNING' "$TMP/fpm.log" 2>/dev/null; then
    echo "!! php-fpm log:"; grep -E 'ERROR|WARNING' "$TMP/fpm.log" | tail -5
fi

echo
echo "== results ($(nproc) cores; MIS answering at once)"
php -r '
list(, $wrk, $lines, $before, $after, $mis, $statuses, $conns, $floor) = $argv;
$ms = function ($v, $unit) { return $v * array("us" => 0.001, "ms" => 1, "s" => 1000)[$unit]; };
$lat = function ($t) use ($ms) {
    $r = array();
    foreach (array("p50" => "50%", "p90" => "90%", "p99" => "99%") as $key => $label) {
        if (preg_match("/^\s+" . preg_quote($label) . "\s+([0-9.]+)(us|ms|s)\s*$/m", $t, $m)) { $r[$key] = $ms((float)$m[1], $m[2]); }
    }
    $r["rps"] = preg_match("/Requests\/sec:\s+([0-9.]+)/", $t, $m) ? (float)$m[1] : null;
    return $r;
};
$t = file_get_contents($wrk);
$r = $lat($t);
$f = $lat((string)@file_get_contents($floor));
$rps = preg_match("/Requests\/sec:\s+([0-9.]+)/", $t, $m) ? (float)$m[1] : null;
$n = preg_match("/(\d+) requests in/", $t, $m) ? (int)$m[1] : 0;
$non2xx = preg_match("/Non-2xx or 3xx responses: (\d+)/", $t, $m) ? (int)$m[1] : 0;
$errors = preg_match("/Socket errors: (.*)/", $t, $m) ? trim($m[1]) : "none";
$made = (int)$after - (int)$before;
printf("  bookings sent %d (of %d written), answered 200: %d, non-2xx %d, socket errors: %s\n", $n, (int)$lines, $n - $non2xx, $non2xx, $errors);
printf("  new bookings in the database %d (all: %s); MIS requests %d\n", $made, $statuses, (int)$mis);
printf("  latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms; %.1f bookings/s at %d concurrent visitors\n",
    $r["p50"] ?? -1, $r["p90"] ?? -1, $r["p99"] ?? -1, $rps ?? 0, (int)$conns);
printf("  floor, one durable commit a request (the same nginx and php-fpm): p50 %.2f ms, p99 %.2f ms, %.0f req/s\n",
    $f["p50"] ?? -1, $f["p99"] ?? -1, $f["rps"] ?? 0);
$ok = $n > 0 && $non2xx === 0 && $n <= (int)$lines && abs($made - $n) <= (int)$conns;
if (!$ok) { fwrite(STDERR, "!! not every request made its own booking (see above)\n"); }
$sum = getenv("BENCH_SUMMARY") ?: "";
$line = function ($what, $v, $target, $verdict) use ($sum) {
    printf("  %-46s %-10s %-10s %s\n", $what, $v, $target, $verdict);
    if ($sum !== "") { file_put_contents($sum, "booking\t$what\t$v\t$target\t$verdict\n", FILE_APPEND); }
};
echo "\n";
$line("HTTP p99 at $conns visitors, api.php book", isset($r["p99"]) ? sprintf("%.1f ms", $r["p99"]) : "n/a", "≤ 20 ms",
    isset($r["p99"]) ? ($r["p99"] <= 20 ? "pass" : "FAIL") : "n/a");
$line("HTTP p50 at $conns visitors, api.php book", isset($r["p50"]) ? sprintf("%.1f ms", $r["p50"]) : "n/a", "", "");
$line("bookings/s at $conns visitors", $rps !== null ? sprintf("%.0f", $rps) : "n/a", "", "");
$line("floor p99: one durable commit at $conns clients", isset($f["p99"]) ? sprintf("%.1f ms", $f["p99"]) : "n/a", "", "");
$line("each request one booking, all 200", $ok ? "yes" : "no", "yes", $ok ? "pass" : "FAIL");
exit($ok ? 0 : 1);
' "$TMP/wrk.txt" "$(wc -l <"$TMP/requests.txt")" "$BEFORE" "$AFTER" "$((MIS_AFTER - MIS_BEFORE))" "$STATUSES" "$CONNECTIONS" \
    "$TMP/wrk-floor.txt"
echo
echo "load before: $LOAD_BEFORE"
echo "load after:  $LOAD_AFTER"
echo "(2 cores shared with MariaDB, nginx, php-fpm, the MIS peer and wrk itself, and with other work on the machine)"
echo "== bench/booking.sh took $(( $(date +%s) - T0 )) s"
