<?php
/**
 * priem: the booking form's JSON API (docs/api.md), e.g.
 * /netcat/modules/priem/api.php?action=grid&filial=1&doctor=0001
 */
require __DIR__ . '/bootstrap.php';

if (nc_priem::extension_problem() !== null) {
    list($status, $headers, $body) = array(503, array('Content-Type' => 'application/json; charset=utf-8', 'Cache-Control' => 'no-store'),
        json_encode(array('status' => 'unavailable', 'message' => 'Запись через сайт временно недоступна. Позвоните в клинику, пожалуйста.'),
            JSON_UNESCAPED_UNICODE));
} else {
    list($status, $headers, $body) = nc_priem::get_instance()->api()->handle($_SERVER, $_GET, (string)file_get_contents('php://input'));
}
http_response_code($status);
foreach ($headers as $name => $value) {
    header($name . ': ' . $value);
}
header('X-Content-Type-Options: nosniff');
if (!isset($_SERVER['REQUEST_METHOD']) || $_SERVER['REQUEST_METHOD'] !== 'HEAD') {
    echo $body;
}
