<?php
/**
 * priem: the booking form's JSON API (docs/api.md), e.g.
 * /netcat/modules/priem/api.php?action=grid&filial=1&doctor=0001
 */
require __DIR__ . '/autoload.php';
try {
    require __DIR__ . '/bootstrap.php';
    $priem_answer = nc_priem::get_instance()->api()->serve($_SERVER, $_GET);
} catch (\Throwable $e) {
    $priem_answer = nc_priem_http::failed('api.php', $e, nc_priem_api::unavailable_answer());
}
nc_priem_http::send($priem_answer);
