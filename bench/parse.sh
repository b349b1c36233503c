#!/usr/bin/env bash
# Benchmark: priem_parse_schedule() (Rust extension) against the same import in plain PHP.
#
#   bench/parse.sh [SO_PATH]        (default SO_PATH: target/release/libpriem.so)
#
# 1. Makes bench/data/big.json if missing: 20 filials, 1000 doctors, 30 days from 2026-12-01,
#    seed 1 — about a million cells, ~80 MB (tools/gen_schedule.py).
# 2. Cross-check (needs the extension): on small generated files — the plain document with
#    filials in several zones (one with a DST change on a working day), the {"schedule": …}
#    wrapper, an array of documents with broken doctors and odd-but-valid forms, and the
#    hand-made bench/fixtures/{edge,bom}.json — both implementations must return identical arrays
#    (=== after a JSON round trip). Prints "outputs identical: yes/no".
# 3. Runs bench/parse_one.php once per mode, each in its own PHP process:
#    php           plain PHP, default settings (as a NetCat cron job would run it);
#    php, gc off   the same with zend.enable_gc=0 (the best plain PHP can do: the cycle
#                  collector otherwise keeps rescanning the decoded document);
#    ext           the extension.
#    and prints MB/s, cells/s, best and first-run wall seconds, CPU seconds, peak RSS
#    (getrusage: includes what Rust allocates) and the ext/php ratios.
#
# Environment: REPEATS (default 3), ZONES (filial=IANA zone pairs passed as 'timezones').
set -euo pipefail
cd "$(dirname "$0")/.."

SO=${1:-target/release/libpriem.so}
case $SO in /*) ;; *) SO=$PWD/$SO ;; esac
REPEATS=${REPEATS:-3}
ZONES=${ZONES:-2=Asia/Yekaterinburg,5=Asia/Novosibirsk,9=Europe/Kaliningrad,12=Asia/Vladivostok}
DATA=bench/data
BIG=$DATA/big.json
PHP=(php -d memory_limit=-1)

mkdir -p "$DATA"
if [ ! -f "$BIG" ]; then
    echo "== generating $BIG"
    python3 tools/gen_schedule.py --filials 20 --doctors 1000 --days 30 --seed 1 \
        --start 2026-12-01 -o "$BIG"
fi

have_ext=no
if [ ! -f "$SO" ]; then
    echo "!! extension not built: $SO does not exist — build it (cargo build --release) or pass its path."
    echo "!! Running the plain-PHP baseline only."
elif ! err=$("${PHP[@]}" -d extension="$SO" -r 'exit(function_exists("priem_parse_schedule") ? 0 : 1);' 2>&1); then
    echo "!! $SO does not load or does not export priem_parse_schedule(): ${err:-no such function}"
    echo "!! Running the plain-PHP baseline only."
else
    have_ext=yes
fi

# --- cross-check ------------------------------------------------------------------------
echo "== cross-check on small files"
if [ $have_ext = yes ]; then
    CHECK_ZONES=2=Asia/Yekaterinburg,3=Africa/Cairo,4=Asia/Vladivostok,5=Europe/Kaliningrad
    # 2026-04-24 (a Friday) Cairo moves its clocks 00:00 → 01:00: a working day with two offsets.
    python3 tools/gen_schedule.py --filials 5 --doctors 40 --days 14 --seed 7 --start 2026-04-18 \
        -o "$DATA/check-plain.json" 2>/dev/null
    python3 tools/gen_schedule.py --filials 3 --doctors 20 --days 10 --seed 8 --start 2026-12-01 \
        --variant schedule -o "$DATA/check-schedule.json" 2>/dev/null
    python3 tools/gen_schedule.py --filials 4 --doctors 60 --days 7 --seed 10 --start 2026-12-01 \
        --variant array --defects 14 --messy -o "$DATA/check-defects.json" 2>/dev/null
    identical=yes
    for f in "$DATA/check-plain.json" "$DATA/check-schedule.json" "$DATA/check-defects.json"; do
        if ! "${PHP[@]}" -d extension="$SO" bench/crosscheck.php "$f" --zones=$CHECK_ZONES; then
            identical=no
        fi
    done
    # Hand-made edge cases: every rejection reason, odd-but-valid forms, DST gap and overlap,
    # names across documents; and a file starting with a UTF-8 byte order mark.
    for f in bench/fixtures/edge.json bench/fixtures/bom.json; do
        if ! "${PHP[@]}" -d extension="$SO" bench/crosscheck.php "$f" --zones=3=Europe/Berlin; then
            identical=no
        fi
    done
    echo "outputs identical: $identical"
else
    echo "outputs identical: not checked (no extension)"
fi

# --- benchmark --------------------------------------------------------------------------
RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
echo "== parsing $BIG ($(du -m "$BIG" | cut -f1) MB), best of $REPEATS, zones $ZONES"
run() { # label, php args…
    local label=$1; shift
    if ! "$@" >>"$RESULTS"; then
        echo "!! $label run failed" >&2
    fi
}
run php "${PHP[@]}" bench/parse_one.php php "$BIG" "$REPEATS" --zones=$ZONES
run "php, gc off" "${PHP[@]}" -d zend.enable_gc=0 bench/parse_one.php php "$BIG" "$REPEATS" \
    --zones=$ZONES "--label=php, gc off"
if [ $have_ext = yes ]; then
    run ext "${PHP[@]}" -d extension="$SO" bench/parse_one.php ext "$BIG" "$REPEATS" --zones=$ZONES
fi
cat "$RESULTS"
echo
php -r '
$rows = [];
foreach (file($argv[1], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $l) {
    $r = json_decode($l, true);
    if (is_array($r)) { $rows[$r["mode"]] = $r; }
}
printf("%-12s %7s %11s %7s %8s %7s %10s %9s\n", "mode", "MB/s", "cells/s", "best s", "first s", "CPU s", "peak RSS", "cells");
foreach ($rows as $m => $r) {
    printf("%-12s %7.1f %11s %7.2f %8.2f %7.2f %7.0f MB %9d\n", $m, $r["mb_s"], number_format($r["cells_s"], 0, ".", " "),
        $r["best_s"], $r["first_s"], $r["best_cpu_s"], $r["peak_rss_mb"], $r["cells"]);
}
if (isset($rows["ext"])) {
    $e = $rows["ext"];
    foreach (["php", "php, gc off"] as $base) {
        if (!isset($rows[$base])) { continue; }
        $b = $rows[$base];
        printf("ext/%-11s cells/s × %.2f (first run × %.2f, CPU × %.2f), peak RSS × %.2f\n", $base,
            $e["cells_s"] / $b["cells_s"], $b["first_s"] / $e["first_s"], $b["best_cpu_s"] / $e["best_cpu_s"],
            $e["peak_rss_mb"] / $b["peak_rss_mb"]);
    }
} else {
    echo "ext/php: n/a (extension not available)\n";
}
' "$RESULTS"
