<?php
/**
 * bench/grid.sh: the grid endpoint as a bare extension call — priem_grid_json(), the call api.php
 * makes, its answer JSON text written in Rust; no NetCat bootstrap, no settings queries, no cards.
 * Answers what bench/grid_plain_endpoint.php answers (names, zone, free count, the booking form's
 * days); shows what api.php adds on top.
 * GET ?filial=…&doctor=…; the site's settings from the file named by the PRIEM_BENCH_CONFIG
 * FastCGI parameter (ROOT/bench-config.php of bench/grid_setup.php; opcache keeps it).
 */
$cfg = require $_SERVER['PRIEM_BENCH_CONFIG'];
$filial = isset($_GET['filial']) ? trim((string)$_GET['filial']) : '';
$doctor = isset($_GET['doctor']) ? trim((string)$_GET['doctor']) : '';
header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
try {
    $answer = priem_grid_json($cfg['settings'], $filial, $doctor, gmdate('Y-m-d\TH:i:s\Z'), $cfg['days']);
} catch (\Priem\NotFoundException $e) {
    http_response_code(404);
    echo json_encode(array('status' => 'not_found', 'message' => $e->getMessage()), JSON_UNESCAPED_UNICODE);
    return;
}
echo $answer;
