<?php
/**
 * priem: ProDoctorov-compatible schedule push (mis-exchange.md §1.2.2).
 * URL to give the MIS: https://<site>/netcat/modules/priem/push.php
 */
require __DIR__ . '/bootstrap.php';

@set_time_limit(0);
ignore_user_abort(true);

if (nc_priem::extension_problem() !== null) {
    $status = 503;
    $answer = array('success' => false, 'error' => 'temporarily unavailable');
} else {
    $body = (string)file_get_contents('php://input');
    list($status, $answer) = nc_priem::get_instance()->push()->handle(
        isset($_SERVER['REQUEST_METHOD']) ? $_SERVER['REQUEST_METHOD'] : 'GET',
        nc_priem_push::authorization_header($_SERVER),
        $_POST,
        $body
    );
}
http_response_code($status);
if ($status === 401) {
    header('WWW-Authenticate: Token');
}
header('Content-Type: application/json; charset=utf-8');
echo json_encode($answer, JSON_UNESCAPED_UNICODE);
