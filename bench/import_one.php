<?php
/**
 * One step of bench/import.sh, in its own PHP process; timed steps print one JSON line.
 *
 *   php -d memory_limit=-1 [-d extension=…/libpriem.so] bench/import_one.php STEP [ARGS] [--label=NAME]
 *
 * Steps (databases DB_EXT = priem_bench_ext, DB_PHP = priem_bench_php):
 *   prepare            drop and create both databases; migrate DB_EXT (priem_migrate, needs the
 *                      extension); create the plain table `slot` in DB_PHP          (not timed)
 *   ext FILE           priem_import_schedule() of FILE into DB_EXT                        (timed)
 *   php FILE           plain_import_schedule() (bench/plain_import.php) into DB_PHP.slot  (timed)
 *   tsv FILE OUT       write the rows of FILE as the plain importer computes them to OUT,
 *                      tab-separated, for LOAD DATA                                  (not timed)
 *   load TSV           (re)create the empty copy DB_PHP.slot_load (not timed), then
 *                      LOAD DATA LOCAL INFILE TSV into it                                 (timed)
 *   drop               drop both databases
 *
 * Timed steps read the file first (not timed), then time the call alone, and print: mode, bytes
 * (of the file), seconds (wall, the call alone), report (what the call returned), rows (rows in
 * the table afterwards), digest (count, free count and BIT_XOR of CRC32 over filial, doctor,
 * date, local start/end minutes, UTC start/end, free, room — equal digests = equal tables),
 * peak_rss_mb (getrusage ru_maxrss, taken before the digest query: the whole process, so the file
 * itself and everything Rust allocates count), php_peak_mb (memory_get_peak_usage(true)).
 *
 * Environment: DB_HOST (127.0.0.1), DB_PORT (3306), DB_USER (root), DB_PASSWORD (empty),
 * DB_EXT, DB_PHP, NOW_UTC (2026-11-30T00:00:00Z: before the generated schedule, so no cell is
 * past). LOAD DATA LOCAL needs the server's local_infile=ON and php -d mysqli.allow_local_infile=1.
 */

declare(strict_types=1);

require __DIR__ . '/plain_import.php';

$args = array_slice($argv, 1);
$label = null;
foreach ($args as $i => $a) {
    if (str_starts_with($a, '--label=')) {
        $label = substr($a, 8);
        unset($args[$i]);
    }
}
$args = array_values($args);
$step = $args[0] ?? '';

$host = getenv('DB_HOST') ?: '127.0.0.1';
$port = (int)(getenv('DB_PORT') ?: 3306);
$user = getenv('DB_USER') ?: 'root';
$password = getenv('DB_PASSWORD') ?: '';
$dbExt = getenv('DB_EXT') ?: 'priem_bench_ext';
$dbPhp = getenv('DB_PHP') ?: 'priem_bench_php';
$now = getenv('NOW_UTC') ?: '2026-11-30T00:00:00Z';

function connect(?string $database, bool $localInfile = false): mysqli
{
    global $host, $port, $user, $password;
    mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
    $m = mysqli_init();
    if ($localInfile) {
        $m->options(MYSQLI_OPT_LOCAL_INFILE, true);
    }
    $m->real_connect($host, $user, $password, $database, $port);
    $m->set_charset('utf8mb4');
    return $m;
}

function ext_settings(): array
{
    global $host, $port, $user, $password, $dbExt;
    return ['db' => ['host' => $host, 'port' => $port, 'user' => $user, 'password' => $password, 'database' => $dbExt]];
}

/** [rows, free rows, xor of row CRCs] of a slot table; $ext: Priem_Slot's columns. */
function table_digest(mysqli $db, string $table, bool $ext): array
{
    $startMin = $ext ? 'start_min' : 'TIME_TO_SEC(time_start) DIV 60';
    $endMin = $ext ? 'end_min' : 'TIME_TO_SEC(time_end) DIV 60';
    $r = $db->query("SELECT COUNT(*), COALESCE(SUM(free), 0), COALESCE(BIT_XOR(CRC32(CONCAT_WS('|', filial, doctor, date,
            $startMin, $endMin, start_utc, end_utc, free, room))), 0) FROM `$table`")->fetch_row();
    return [(int)$r[0], (int)$r[1], sprintf('%08x', (int)$r[2])];
}

function read_input(string $file): string
{
    $s = @file_get_contents($file);
    if ($s === false) {
        fwrite(STDERR, "cannot read $file\n");
        exit(2);
    }
    return $s;
}

function need_ext(string $fn): void
{
    if (!function_exists($fn)) {
        fwrite(STDERR, "$fn() is not available: load the extension with -d extension=…/libpriem.so\n");
        exit(3);
    }
}

function emit(string $mode, int $bytes, float $seconds, array $report, mysqli $db, string $table, bool $ext): void
{
    $ru = getrusage();   // before the digest query, so it cannot raise the peak
    $peak = round($ru['ru_maxrss'] / 1024, 1);
    $phpPeak = round(memory_get_peak_usage(true) / 1048576, 1);
    $digest = table_digest($db, $table, $ext);
    echo json_encode([
        'mode' => $mode,
        'bytes' => $bytes,
        'seconds' => round($seconds, 3),
        'rows' => $digest[0],
        'digest' => implode('/', $digest),
        'peak_rss_mb' => $peak,
        'php_peak_mb' => $phpPeak,
        'report' => $report,
    ], JSON_UNESCAPED_UNICODE), "\n";
}

switch ($step) {
    case 'prepare':
        need_ext('priem_migrate');
        $db = connect(null);
        foreach ([$dbExt, $dbPhp] as $name) {
            $db->query("DROP DATABASE IF EXISTS `$name`");
            $db->query("CREATE DATABASE `$name` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        }
        priem_migrate(ext_settings());
        plain_create_table(connect($dbPhp), 'slot');
        break;

    case 'ext':
        need_ext('priem_import_schedule');
        $json = read_input($args[1] ?? '');
        $settings = ext_settings();
        $cpu = function () {
            $r = getrusage();
            return $r['ru_utime.tv_sec'] + $r['ru_utime.tv_usec'] / 1e6 + $r['ru_stime.tv_sec'] + $r['ru_stime.tv_usec'] / 1e6;
        };
        $c = $cpu();
        $t = hrtime(true);
        $report = priem_import_schedule($settings, $json, $now);
        $s = (hrtime(true) - $t) / 1e9;
        $report['cpu_seconds'] = round($cpu() - $c, 3); // every thread of the process
        $report['rejected'] = is_array($report['rejected'] ?? null) ? count($report['rejected']) : ($report['rejected'] ?? 0);
        emit($label ?? 'ext', strlen($json), $s, $report, connect($dbExt), 'Priem_Slot', true);
        break;

    case 'php':
        $json = read_input($args[1] ?? '');
        $db = connect($dbPhp);
        $t = hrtime(true);
        $report = plain_import_schedule($db, 'slot', $json, $now);
        $s = (hrtime(true) - $t) / 1e9;
        emit($label ?? 'php', strlen($json), $s, $report, $db, 'slot', false);
        break;

    case 'tsv':
        $json = read_input($args[1] ?? '');
        $rows = plain_write_tsv($json, $args[2] ?? '', $now);
        fwrite(STDERR, "wrote $rows rows to {$args[2]}\n");
        break;

    case 'load':
        $tsv = realpath($args[1] ?? '') ?: '';
        if ($tsv === '') {
            fwrite(STDERR, "no such TSV file\n");
            exit(2);
        }
        $db = connect($dbPhp, true);
        plain_create_table($db, 'slot_load');
        $path = $db->real_escape_string($tsv);
        $t = hrtime(true);
        $db->query("LOAD DATA LOCAL INFILE '$path' INTO TABLE slot_load CHARACTER SET utf8mb4
            FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n'
            (filial, doctor, date, time_start, time_end, start_utc, end_utc, free, room)");
        $rows = $db->affected_rows;
        $s = (hrtime(true) - $t) / 1e9;
        emit($label ?? 'load', filesize($tsv), $s, ['rows_loaded' => $rows, 'warnings' => $db->warning_count], $db, 'slot_load', false);
        break;

    case 'drop':
        $db = connect(null);
        foreach ([$dbExt, $dbPhp] as $name) {
            $db->query("DROP DATABASE IF EXISTS `$name`");
        }
        break;

    default:
        fwrite(STDERR, "usage: php bench/import_one.php prepare | ext FILE | php FILE | tsv FILE OUT | load TSV | drop  [--label=NAME]\n");
        exit(2);
}
