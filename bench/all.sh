#!/usr/bin/env bash
# Every figure of issue 16 in one run, each beside its target with pass/FAIL, the ratios and the
# load average:
#
#   bench/all.sh [SO_PATH]        (make bench-all; default target/release/libpriem.so; ~10 min)
#
# Runs bench/import.sh (the import: full, 1 % changed, unchanged, peak RSS, LOAD DATA, plain PHP),
# bench/grid.sh (the visitor's endpoint over nginx + php-fpm: api.php, the bare extension
# endpoint, plain PHP, the floor; where api.php's time goes), bench/booking.sh (a visitor's
# booking over nginx + php-fpm with an MIS answering at once, 20 concurrent visitors), each
# printing its own details,
# then the collected figures. What the benchmarks need is installed first (scripts/apt-need, as
# .ci/run does), or the one command that does it is printed. A missed target does not fail the run; a benchmark that fails does.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
SO=${1:-target/release/libpriem.so}
[ -f "$SO" ] || { echo "== $SO missing: cargo build --release (several minutes)"; cargo build --release; }
scripts/apt-need php8.2-cli php8.2-mysql php8.2-fpm nginx wrk mariadb-client python3

export BENCH_SUMMARY
BENCH_SUMMARY=$(mktemp /tmp/priem-bench-all.XXXXXX)
trap 'rm -f "$BENCH_SUMMARY"' EXIT
LOADS=()
failed=()
run() { # name, command…
    local name=$1; shift
    echo
    echo "################ $name"
    LOADS+=("$name: before $(cut -d' ' -f1-3 /proc/loadavg)")
    "$@" || failed+=("$name")
    LOADS[-1]+=", after $(cut -d' ' -f1-3 /proc/loadavg)"
}
run import bench/import.sh "$SO"
run grid bench/grid.sh "$SO"
run booking bench/booking.sh "$SO"

echo
echo "################ issue 16: every figure, one run ($(nproc) cores, $(date -u +%FT%TZ))"
php -r '
$pad = function ($t, $w) { return $t . str_repeat(" ", max(0, $w - mb_strlen($t))); };
$section = "";
foreach (file($argv[1], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $l) {
    list($s, $what, $v, $target, $verdict) = array_pad(explode("\t", $l), 5, "");
    if ($s !== $section) { echo "\n", $s, ":\n"; $section = $s; }
    echo "  ", $pad($what, 50), " ", $pad($v, 12), " ", $pad($target, 10), " ", $verdict, "\n";
}' "$BENCH_SUMMARY"
echo
echo "load average (1, 5, 15 min) per benchmark:"
printf '  %s\n' "${LOADS[@]}"
echo "(a shared 2-core box: compare the ratios, which are measured within one run, not the seconds)"
echo "== bench/all.sh took $(( $(date +%s) - T0 )) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "!! failed: ${failed[*]}" >&2
    exit 1
fi
