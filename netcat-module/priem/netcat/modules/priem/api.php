<?php
/**
 * priem: the booking form's JSON API (docs/api.md), e.g.
 * /netcat/modules/priem/api.php?action=grid&filial=1&doctor=0001
 *
 * The grid, what visitors ask for most, is first answered from what this process keeps (the
 * settings and the editors' cards, vouched for by one cheap statement) without booting NetCat's
 * core; anything else, or nothing kept yet, takes the full path through the core.
 */
require __DIR__ . '/autoload.php';
try {
    $priem_answer = nc_priem_api::serve_kept($_SERVER, $_GET);
    if ($priem_answer === null) {
        require __DIR__ . '/bootstrap.php';
        $priem_answer = nc_priem::get_instance()->api()->serve($_SERVER, $_GET);
    }
} catch (\Throwable $e) {
    $priem_answer = nc_priem_http::failed('api.php', $e, nc_priem_api::unavailable_answer());
}
nc_priem_http::send($priem_answer);
