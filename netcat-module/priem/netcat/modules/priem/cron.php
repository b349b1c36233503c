<?php
/**
 * priem: one engine tick for NetCat's scheduler (CronTasks row "/netcat/modules/priem/cron.php
 * ?secret_key=…", every 15 minutes). The key is the module's own (CronSecret, rotatable in the
 * admin), not NetCat's SecretKey, which also forms the admin's form tokens. No session
 * (bootstrap.php).
 */
require_once __DIR__ . '/autoload.php';
try {
    require_once __DIR__ . '/bootstrap.php';
    @set_time_limit(0);
    ignore_user_abort(true);
    $priem = nc_priem::get_instance();
    if (!$priem->settings()->is_cron_secret(isset($_GET['secret_key']) ? $_GET['secret_key'] : null)) {
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
