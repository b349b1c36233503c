#!/usr/bin/env bash
# Benchmark: importing a schedule snapshot into MariaDB — priem_import_schedule() (the Rust
# extension) against a plain-PHP importer and against MariaDB's own LOAD DATA (the floor).
#
#   bench/import.sh [SO_PATH]        (default SO_PATH: target/release/libpriem.so)
#
# 1. Makes bench/data/big.json (20 filials, 1000 doctors, 30 days from 2026-12-01, seed 1: about
#    a million cells, ~80 MB) and bench/data/big_1pct.json (the same with `free` flipped in ~1 %
#    of the cells: the next 15-minute snapshot) with tools/gen_schedule.py, if missing.
# 2. Runs, each timed step in its own PHP process (bench/import_one.php), peak RSS from getrusage:
#    ext full     priem_import_schedule() of big.json into priem_bench_ext (fresh, migrated);
#    ext 1 %      big_1pct.json on top of it;
#    ext same     big_1pct.json again: an unchanged snapshot (what most 15-minute snapshots are);
#    php full     bench/plain_import.php (json_decode + one transaction: DELETE per doctor, INSERT
#                 per cell with a prepared statement) of big.json into an empty table of
#                 priem_bench_php;
#    php 1 %      big_1pct.json on top of it (no diffing: it rewrites every row);
#    LOAD DATA    the floor for writing every row: the same rows (a TSV written first, not timed)
#                 with LOAD DATA LOCAL INFILE into an empty copy of the plain table.
# 3. Prints seconds, cells/s, peak RSS per mode, the figures beside the targets of issue 16 with
#    pass/FAIL (a miss does not fail the script; with BENCH_SUMMARY=FILE they are also appended to
#    FILE, as bench/all.sh collects them), whether the tables came out identical, and the load
#    average (the machine is shared: timings are noisy).
# 4. Drops priem_bench_ext and priem_bench_php (also on failure).
#
# Environment: DB_HOST (127.0.0.1), DB_PORT (3306), DB_USER (root), DB_PASSWORD (empty),
# NOW_UTC (2026-11-30T00:00:00Z: before the schedule, so no cell is past); SCHEDULE and
# SCHEDULE_1PCT replace the two files (e.g. small ones, to try the script quickly).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)

SO=${1:-target/release/libpriem.so}
case $SO in /*) ;; *) SO=$PWD/$SO ;; esac
export DB_HOST=${DB_HOST:-127.0.0.1} DB_PORT=${DB_PORT:-3306} DB_USER=${DB_USER:-root}
export DB_PASSWORD=${DB_PASSWORD:-} NOW_UTC=${NOW_UTC:-2026-11-30T00:00:00Z}
export DB_EXT=priem_bench_ext DB_PHP=priem_bench_php
DATA=bench/data
BIG=${SCHEDULE:-$DATA/big.json}
BIG1=${SCHEDULE_1PCT:-$DATA/big_1pct.json}
GEN=(--filials 20 --doctors 1000 --days 30 --seed 1 --start 2026-12-01)

if [ ! -f "$SO" ]; then
    echo "!! extension not built: $SO does not exist — build it (cargo build --release) or pass its path." >&2
    exit 1
fi
TMP=$(mktemp -d)
# A private copy of the extension: a rebuild by someone else mid-run cannot mix two builds.
cp "$SO" "$TMP/libpriem.so"
PHP=(php -d memory_limit=-1 -d mysqli.allow_local_infile=1 -d extension="$TMP/libpriem.so")
if ! err=$("${PHP[@]}" -r 'exit(function_exists("priem_import_schedule") ? 0 : 1);' 2>&1); then
    echo "!! $SO does not load or does not export priem_import_schedule(): ${err:-no such function}" >&2
    rm -rf "$TMP"
    exit 1
fi
cleanup() {
    "${PHP[@]}" bench/import_one.php drop || echo "!! could not drop $DB_EXT / $DB_PHP" >&2
    rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$DATA"
if [ ! -f "$BIG" ]; then
    echo "== generating $BIG"
    python3 tools/gen_schedule.py "${GEN[@]}" -o "$BIG"
fi
if [ ! -f "$BIG1" ] || [ "$BIG1" -ot "$BIG" ]; then
    echo "== generating $BIG1"
    python3 tools/gen_schedule.py "${GEN[@]}" --change 0.01 -o "$BIG1"
fi

LOAD_BEFORE=$(uptime)
LOAD1_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
echo "== load before: $LOAD_BEFORE"
echo "== extension: $SO ($(stat -c %y "$SO" | cut -d. -f1)); now = $NOW_UTC"
RESULTS=$TMP/results.jsonl
"${PHP[@]}" bench/import_one.php prepare
step() { # label, args…
    local label=$1; shift
    echo "-- $label"
    if ! "${PHP[@]}" bench/import_one.php "$@" "--label=$label" | tee -a "$RESULTS"; then
        echo "!! $label failed" >&2
    fi
}
step "ext full" ext "$BIG"
step "ext 1 %" ext "$BIG1"
step "ext same" ext "$BIG1"
step "php full" php "$BIG"
step "php 1 %" php "$BIG1"
echo "-- writing the TSV for LOAD DATA (not timed)"
"${PHP[@]}" bench/import_one.php tsv "$BIG" "$TMP/big.tsv"
step "LOAD DATA" load "$TMP/big.tsv"
LOAD_AFTER=$(uptime)
LOAD1_AFTER=$(cut -d' ' -f1 /proc/loadavg)

echo
echo "== results: $(basename "$BIG") $(stat -c %s "$BIG") bytes, $(basename "$BIG1") $(stat -c %s "$BIG1") bytes"
php -r '
$rows = [];
foreach (file($argv[1], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $l) {
    $r = json_decode($l, true);
    if (is_array($r)) { $rows[$r["mode"]] = $r; }
}
$fileMb = filesize($argv[2]) / 1e6;
printf("%-10s %8s %11s %13s %9s  %s\n", "mode", "seconds", "cells/s", "peak RSS MB", "cells", "written");
foreach ($rows as $m => $r) {
    $rep = $r["report"];
    if (str_starts_with($m, "ext")) {
        $w = sprintf("ins %d, upd %d, del %d; days changed %d, added %d, unchanged %d", $rep["slots_inserted"],
            $rep["slots_updated"], $rep["slots_deleted"], $rep["days_changed"], $rep["days_added"], $rep["days_unchanged"]);
    } elseif (str_starts_with($m, "php")) {
        $w = sprintf("ins %d, del %d", $rep["cells"], $rep["deleted"]);
    } else {
        $w = sprintf("ins %d", $rep["rows_loaded"]);
    }
    printf("%-10s %8.2f %11s %13.0f %9d  %s\n", $m, $r["seconds"], number_format($r["rows"] / max($r["seconds"], 1e-9), 0, ".", " "),
        $r["peak_rss_mb"] * 1.048576, $r["rows"], $w);
}
echo "\n";
$s = fn($m) => $rows[$m]["seconds"] ?? null;
$verdict = fn($ok) => $ok ? "pass" : "FAIL";
$pad = fn(string $t, int $w) => $t . str_repeat(" ", max(0, $w - mb_strlen($t)));
$line = function (string $what, ?float $x, string $target, callable $ok) use ($verdict, $pad) {
    if ($x === null) { printf("%-34s %9s   %s %s\n", $what, "n/a", $pad($target, 8), "n/a"); return; }
    printf("%-34s %8.2f×   %s %s\n", $what, $x, $pad($target, 8), $verdict($ok($x)));
};
$div = fn($a, $b) => ($a !== null && $b !== null && $b > 0) ? $a / $b : null;
printf("%-34s %9s   %s %s\n", "figure", "value", $pad("target", 8), "");
$sum = getenv("BENCH_SUMMARY") ?: "";
$line = function (string $what, ?float $x, string $fmt, string $target, callable $ok) use ($verdict, $pad, $sum) {
    $v = $x === null ? "n/a" : sprintf($fmt, $x);
    $r = $x === null ? "n/a" : ($target === "" ? "" : $verdict($ok($x)));
    printf("%-34s %9s   %s %s\n", $what, $v, $pad($target, 8), $r);
    if ($sum !== "") { file_put_contents($sum, "import\t$what\t$v\t$target\t$r\n", FILE_APPEND); }
};
$line("full import, seconds", $s("ext full"), "%.2f s", "", fn($x) => true);
$line("full import vs LOAD DATA (time)", $div($s("ext full"), $s("LOAD DATA")), "%.2f×", "≤ 1.2×", fn($x) => $x <= 1.2);
$line("full import vs plain PHP (speed-up)", $div($s("php full"), $s("ext full")), "%.1f×", "", fn($x) => true);
$line("1 % changed, seconds", $s("ext 1 %"), "%.2f s", "", fn($x) => true);
$line("1 % changed vs plain PHP (speed-up)", $div($s("php 1 %"), $s("ext 1 %")), "%.0f×", "≥ 150×", fn($x) => $x >= 150);
$line("unchanged snapshot, seconds", $s("ext same"), "%.2f s", "≤ 0.25 s", fn($x) => $x <= 0.25);
$line("unchanged snapshot, CPU seconds", $rows["ext same"]["report"]["cpu_seconds"] ?? null, "%.2f s", "", fn($x) => true);
// MariaDB time for the import statements (report.db_seconds: sent from a thread of their own,
// overlapped with reading the doctors): what is left when the extension work is gone.
$db = fn($m) => $rows[$m]["report"]["db_seconds"] ?? null;
$line("full import: MariaDB statements, seconds", $db("ext full"), "%.2f s", "", fn($x) => true);
$line("1 % changed: MariaDB statements, seconds", $db("ext 1 %"), "%.2f s", "", fn($x) => true);
$line("1 % changed: plain PHP vs MariaDB share alone", $div($s("php 1 %"), $db("ext 1 %")), "%.0f×", "", fn($x) => true);
foreach (["ext full" => "full import", "ext 1 %" => "1 % changed", "ext same" => "unchanged"] as $m => $n) {
    $rss = isset($rows[$m]) ? $rows[$m]["peak_rss_mb"] * 1.048576 : null;
    $line("$n: peak RSS vs file size", $div($rss, $fileMb), "%.2f×", "≤ 1.5×", fn($x) => $x <= 1.5);
}
echo "(for reference: php full vs LOAD DATA ", ($x = $div($s("php full"), $s("LOAD DATA"))) === null ? "n/a" : sprintf("%.1f×", $x),
    "; php full peak RSS vs file size ", isset($rows["php full"]) ? sprintf("%.1f×", $rows["php full"]["peak_rss_mb"] * 1.048576 / $fileMb) : "n/a", ")\n";
$loads = $argv[3] . " / " . $argv[4];
printf("%-34s %9s\n", "load average (1 min) before / after", $loads);
if ($sum !== "") { file_put_contents($sum, "import\tload average (1 min) before / after\t$loads\t\t\n", FILE_APPEND); }
$own = fn($m) => isset($rows[$m]["report"]["seconds"]) ? sprintf("%.2f s", $rows[$m]["report"]["seconds"]) : "n/a";
echo "(ext report.seconds, which leaves out connecting: full ", $own("ext full"), ", 1 % ", $own("ext 1 %"), ", unchanged ", $own("ext same"), ")\n";
$d = fn($m) => $rows[$m]["digest"] ?? "-";
printf("tables identical: full (ext, php, LOAD DATA) %s; 1 %% (ext, php) %s; unchanged (ext) %s\n",
    ($d("ext full") === $d("php full") && $d("php full") === $d("LOAD DATA") && $d("ext full") !== "-") ? "yes" : "NO",
    ($d("ext 1 %") === $d("php 1 %") && $d("ext 1 %") !== "-") ? "yes" : "NO",
    ($d("ext same") === $d("ext 1 %") && $d("ext same") !== "-") ? "yes" : "NO");
' "$RESULTS" "$BIG" "$LOAD1_BEFORE" "$LOAD1_AFTER"
echo "load before: $LOAD_BEFORE"
echo "load after:  $LOAD_AFTER"
echo "(2 cores, shared: timings vary from run to run; MB = 10^6 bytes; peak RSS = the whole PHP process)"
echo "== bench/import.sh took $(( $(date +%s) - T0 )) s"
