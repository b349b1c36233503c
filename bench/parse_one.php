<?php
/**
 * Times one schedule parser on one file and prints one JSON line.
 *
 *   php -d memory_limit=-1 [-d extension=target/release/libpriem.so] bench/parse_one.php ext|php FILE [REPEATS] [--zones=2=Asia/Yekaterinburg,3=…] [--label=NAME]
 *
 * ext: priem_parse_schedule() from the extension; php: plain_parse_schedule() (bench/plain_parse.php).
 * --zones is passed as $options['timezones']; --label replaces the mode name in the output.
 * Output fields: mode, bytes, cells (slots returned), rejected, first_s (the first run: what a
 * cron import that parses once per process pays; PHP's cycle collector is still at its initial
 * threshold then), best_s (fastest of REPEATS runs),
 * mb_s and cells_s (from best_s), best_cpu_s (least user+system CPU time of one run: steadier
 * than wall time on a shared machine), peak_rss_mb (getrusage ru_maxrss: the whole process, so it
 * includes the file itself and everything Rust allocates with its own malloc),
 * php_peak_mb (memory_get_peak_usage(true): only what went through PHP's allocator).
 * Run each mode in its own process, or the RSS figures mean nothing.
 */

declare(strict_types=1);

$args = array_slice($argv, 1);
$zones = [];
$label = null;
foreach ($args as $i => $a) {
    if (str_starts_with($a, '--label=')) {
        $label = substr($a, 8);
        unset($args[$i]);
    } elseif (str_starts_with($a, '--zones=')) {
        foreach (array_filter(array_map('trim', explode(',', substr($a, 8)))) as $pair) {
            [$code, $zone] = array_pad(explode('=', $pair, 2), 2, '');
            $zones[$code] = $zone;
        }
        unset($args[$i]);
    }
}
$args = array_values($args);
if (count($args) < 2 || !in_array($args[0], ['ext', 'php'], true)) {
    fwrite(STDERR, "usage: php bench/parse_one.php ext|php FILE [REPEATS] [--zones=CODE=Zone,…] [--label=NAME]\n");
    exit(2);
}
[$mode, $file] = $args;
$repeats = max(1, (int)($args[2] ?? 3));

if ($mode === 'ext') {
    if (!function_exists('priem_parse_schedule')) {
        fwrite(STDERR, "priem_parse_schedule() is not available: load the extension with -d extension=…/libpriem.so\n");
        exit(3);
    }
    $fn = 'priem_parse_schedule';
} else {
    require __DIR__ . '/plain_parse.php';
    $fn = 'plain_parse_schedule';
}

$json = file_get_contents($file);
if ($json === false) {
    fwrite(STDERR, "cannot read $file\n");
    exit(2);
}
$options = $zones ? ['timezones' => $zones] : [];

/** User + system CPU seconds of this process so far. */
function cpu_seconds(): float
{
    $r = getrusage();
    return $r['ru_utime.tv_sec'] + $r['ru_utime.tv_usec'] / 1e6 + $r['ru_stime.tv_sec'] + $r['ru_stime.tv_usec'] / 1e6;
}

$best = INF;
$bestCpu = INF;
$first = null;
$cells = 0;
$rejected = 0;
for ($r = 0; $r < $repeats; $r++) {
    $c = cpu_seconds();
    $t = hrtime(true);
    $out = $fn($json, $options);
    $s = (hrtime(true) - $t) / 1e9;
    $bestCpu = min($bestCpu, cpu_seconds() - $c);
    $best = min($best, $s);
    $first ??= $s;
    $cells = count($out['slots']);
    $rejected = count($out['rejected']);
    unset($out);   // free before the next run, so the peak is one run's
}

$bytes = strlen($json);
$ru = getrusage();
echo json_encode([
    'mode' => $label ?? $mode,
    'bytes' => $bytes,
    'cells' => $cells,
    'rejected' => $rejected,
    'repeats' => $repeats,
    'first_s' => round($first, 4),
    'best_s' => round($best, 4),
    'mb_s' => round($bytes / 1e6 / $best, 2),
    'cells_s' => (int)round($cells / $best),
    'best_cpu_s' => round($bestCpu, 4),
    'peak_rss_mb' => round($ru['ru_maxrss'] / 1024, 1),
    'php_peak_mb' => round(memory_get_peak_usage(true) / 1048576, 1),
]), "\n";
