<?php
/**
 * bench/booking.sh's floor: one durable commit per request — an INSERT (autocommit) into a table
 * of its own over a persistent mysqli connection, through the same nginx and php-fpm. Any booking
 * writes at least this once (it writes a few times: the attempt counter, the booking with its
 * hold, the MIS's answer); on a box whose disk takes milliseconds to sync, this row bounds them.
 * The site's DB from the file named by the PRIEM_BENCH_CONFIG FastCGI parameter.
 */
$cfg = require $_SERVER['PRIEM_BENCH_CONFIG'];
$d = $cfg['db'];
$m = new mysqli('p:' . $d['host'], $d['user'], $d['password'], $d['database'], (int)$d['port']);
$m->query('INSERT INTO `Priem_Bench_Floor` (`at`) VALUES (NOW(6))');
header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');
echo '{"status":"ok"}';
