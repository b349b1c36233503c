<?php
/**
 * priem: ProDoctorov's direct bookings (mis-exchange.md §4): ProDoctorov POSTs the §2.1 JSON
 * here; the booking takes the same path as the site's own (source "prodoctorov").
 * URL to give ProDoctorov's manager: https://<site>/netcat/modules/priem/prodoctorov/
 * (prodoctorov/index.php requires this file; prodoctorov.php itself works too).
 */
require __DIR__ . '/autoload.php';
try {
    require __DIR__ . '/bootstrap.php';
    @set_time_limit(30);
    ignore_user_abort(true); // a booking taken stays taken and is delivered even if ProDoctorov hangs up
    $priem_answer = nc_priem::get_instance()->prodoctorov_booking(
        isset($_SERVER['REQUEST_METHOD']) ? $_SERVER['REQUEST_METHOD'] : 'GET',
        nc_priem_push::authorization_header($_SERVER),
        nc_priem_http::body(nc_priem_http::SMALL_BODY),
        $_SERVER
    );
} catch (\Throwable $e) {
    $priem_answer = nc_priem_http::failed('prodoctorov.php', $e, array('success' => false, 'error' => nc_priem::PD_UNAVAILABLE));
}
nc_priem_http::send($priem_answer);
