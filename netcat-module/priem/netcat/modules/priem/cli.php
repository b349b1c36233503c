<?php
/**
 * priem: one engine tick from the system crontab, without NetCat's HTTP cron and its timeouts:
 *
 *   * * * * * php -d short_open_tag=On /path/to/site/netcat/modules/priem/cli.php [host]
 *
 * Prints the report's one-line summary; exits 1 when the tick had errors, 2 when it could not run.
 */
if (PHP_SAPI !== 'cli') {
    http_response_code(403);
    echo "CLI only\n";
    return;
}
// NetCat reads DOCUMENT_ROOT and HTTP_HOST from the environment (as netcat/admin/crontab.php sets them)
$priem_site_root = dirname(__DIR__, 3);
putenv('DOCUMENT_ROOT=' . $priem_site_root);
$_SERVER['DOCUMENT_ROOT'] = $priem_site_root;
$priem_host = isset($argv[1]) ? $argv[1] : (getenv('HTTP_HOST') ?: 'localhost');
putenv('HTTP_HOST=' . $priem_host);
$_SERVER['HTTP_HOST'] = $priem_host;
unset($priem_site_root, $priem_host);

require __DIR__ . '/bootstrap.php';

@set_time_limit(0);
ignore_user_abort(true);

$problem = nc_priem::extension_problem();
if ($problem !== null) {
    fwrite(STDERR, $problem . "\n");
    exit(2);
}
try {
    $report = nc_priem::get_instance()->sync();
} catch (\Throwable $e) {
    fwrite(STDERR, 'priem: ' . get_class($e) . ': ' . $e->getMessage() . "\n");
    exit(2);
}
echo $report['line'], "\n";
exit(empty($report['errors']) ? 0 : 1);
