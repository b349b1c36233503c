<?php
/**
 * priem: one engine tick for NetCat's scheduler (CronTasks row "/netcat/modules/priem/cron.php",
 * every 15 minutes). cron_api.inc.php refuses requests without the site's cron_key, as for the
 * core's own cron scripts; the key is checked again here before anything runs. No session
 * (nc_priem_http::without_session(), after vars.inc.php and before cron_api.inc.php connects).
 */
require_once __DIR__ . '/autoload.php';
try {
    require_once dirname(__DIR__, 3) . '/vars.inc.php';
    nc_priem_http::without_session();
    require_once __DIR__ . '/../../require/cron_api.inc.php';
    @set_time_limit(0);
    ignore_user_abort(true);
    $priem = nc_priem::get_instance();
    if (!$priem->netcat()->is_cron_key(isset($_GET['cron_key']) ? $_GET['cron_key'] : null)) {
        $priem_answer = nc_priem_http::text(403, 'Access denied');
    } elseif (nc_priem::extension_problem() !== null) {
        $priem_answer = nc_priem_http::text(500, nc_priem::extension_problem());
    } else {
        $priem_report = $priem->sync();
        $priem_answer = nc_priem_http::text(200, $priem_report['line']);
    }
} catch (\Throwable $e) {
    $priem_answer = nc_priem_http::failed('cron.php', $e, array('success' => false,
        'error' => 'Такт модуля не выполнен из-за внутренней ошибки; подробности — в журнале ошибок сервера сайта'));
}
nc_priem_http::send($priem_answer);
