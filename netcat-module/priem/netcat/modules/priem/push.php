<?php
/**
 * priem: ProDoctorov-compatible schedule push (mis-exchange.md §1.2.2).
 * URL to give the MIS: https://<site>/netcat/modules/priem/push/ (push/index.php requires this
 * file; push.php itself works too).
 */
require __DIR__ . '/autoload.php';
try {
    require __DIR__ . '/bootstrap.php';
    @set_time_limit(0);
    ignore_user_abort(true);
    $priem_push = nc_priem::get_instance()->push();
    $priem_answer = $priem_push->handle(
        isset($_SERVER['REQUEST_METHOD']) ? $_SERVER['REQUEST_METHOD'] : 'GET',
        nc_priem_push::authorization_header($_SERVER),
        $_POST,
        nc_priem_http::body($priem_push->max_bytes()),
        $_SERVER
    );
} catch (\Throwable $e) {
    $priem_answer = nc_priem_http::failed('push.php', $e, array('success' => false,
        'error' => 'Сайт не смог принять расписание из-за внутренней ошибки; подробности — в журнале ошибок сервера сайта'));
}
nc_priem_http::send($priem_answer);
