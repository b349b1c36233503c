<?php
/**
 * priem: one engine tick for NetCat's scheduler (CronTasks row "/netcat/modules/priem/cron.php",
 * every 15 minutes). cron_api.inc.php refuses requests without the site's cron_key, as for the
 * core's own cron scripts; the key is checked again here before anything runs. No session
 * (nc_priem_http::without_session(), after vars.inc.php and before cron_api.inc.php connects).
 */
require_once dirname(__DIR__, 3) . '/vars.inc.php';
require_once __DIR__ . '/autoload.php';
nc_priem_http::without_session();
require_once __DIR__ . '/../../require/cron_api.inc.php';

@set_time_limit(0);
ignore_user_abort(true);

$priem = nc_priem::get_instance();
if (!$priem->netcat()->is_cron_key(isset($_GET['cron_key']) ? $_GET['cron_key'] : null)) {
    http_response_code(403);
    echo "Access denied\n";
    return;
}
header('Content-Type: text/plain; charset=utf-8');
$problem = nc_priem::extension_problem();
if ($problem !== null) {
    http_response_code(500);
    echo $problem, "\n";
    return;
}
$report = $priem->sync();
echo $report['line'], "\n";
