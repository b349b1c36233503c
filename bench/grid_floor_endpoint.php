<?php
/**
 * bench/grid.sh: the floor — what nginx and php-fpm cost with no work at all. Answers 58 KB
 * (api.php's grid answer for a 30-day window is about that) of fixed JSON text.
 */
header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
echo '{"days":"', str_repeat('x', 58000 - 12), '"}';
