<?php
/**
 * bench/grid.sh: the grid endpoint in plain PHP (bench/grid_plain.php: a persistent mysqli
 * connection, two prepared queries, the grid built in PHP) — the same JSON as
 * bench/grid_ext_endpoint.php: names, zone, free count and the booking form's days. GET ?filial=…&doctor=…; the DB and the booking rules from the file
 * named by the PRIEM_BENCH_CONFIG FastCGI parameter.
 */
require __DIR__ . '/grid_plain.php';
$cfg = require $_SERVER['PRIEM_BENCH_CONFIG'];
$filial = isset($_GET['filial']) ? trim((string)$_GET['filial']) : '';
$doctor = isset($_GET['doctor']) ? trim((string)$_GET['doctor']) : '';
header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
$grid = priem_plain_grid(priem_plain_db($cfg['db']), $filial, $doctor, time(), (int)$cfg['days'], (int)$cfg['min_notice'], true);
if ($grid === null) {
    http_response_code(404);
    echo json_encode(array('status' => 'not_found', 'message' => "нет врача с кодом $doctor в филиале $filial в расписании"),
        JSON_UNESCAPED_UNICODE);
    return;
}
echo json_encode($grid, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
