<?php
/**
 * priem: ProDoctorov's direct bookings (mis-exchange.md §4): ProDoctorov POSTs the §2.1 JSON
 * here; the booking takes the same path as the site's own (source "prodoctorov").
 * URL to give ProDoctorov's manager: https://<site>/netcat/modules/priem/prodoctorov.php
 */
require __DIR__ . '/bootstrap.php';

@set_time_limit(30);
ignore_user_abort(true); // a booking taken stays taken and is delivered even if ProDoctorov hangs up

list($status, $answer) = nc_priem::get_instance()->prodoctorov_booking(
    isset($_SERVER['REQUEST_METHOD']) ? $_SERVER['REQUEST_METHOD'] : 'GET',
    nc_priem_push::authorization_header($_SERVER),
    (string)file_get_contents('php://input')
);
http_response_code($status);
if ($status === 401) {
    header('WWW-Authenticate: Basic realm="priem", charset="UTF-8"');
}
header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
echo json_encode($answer, JSON_UNESCAPED_UNICODE);
