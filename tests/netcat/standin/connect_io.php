<?php
/**
 * The stand-in's netcat/connect_io.php (a site root's connect_io.php requires this file), with
 * what NetCat 6.4's connect_io.php → system/index.php do on every request, modelled for this
 * project (none of NetCat's code): a session cookie whose id is malformed is dropped, then
 * session_start() — a Set-Cookie and a session file for every request that carries no cookie,
 * unless the script has opted out before (nc_priem_http::without_session()) — output buffering,
 * the page's Content-Type, $nc_core and $db.
 */
require_once __DIR__ . '/netcat.php';

$nc_session_name = session_name();
if (!empty($_COOKIE[$nc_session_name])
    && !preg_match('/^[a-zA-Z0-9,-]{22,' . (ini_get('session.sid_length') ?: 32) . '}$/', $_COOKIE[$nc_session_name])) {
    unset($_COOKIE[$nc_session_name]);
}
unset($nc_session_name);
session_start();
ob_start();
$nc_core = nc_Core::get_object();
if (!headers_sent()) {
    header('Content-Type: text/html; charset=utf-8');
}
$db = $nc_core->db;
