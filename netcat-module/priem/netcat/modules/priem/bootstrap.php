<?php
/**
 * NetCat bootstrap for the module's standalone scripts (api.php, push.php, prodoctorov.php,
 * cli.php), as the core's own standalone scripts do it: vars.inc.php from the site root,
 * connect_io.php, then the modules' environment (lang files, function.inc.php) — without the
 * session NetCat would start (nc_priem_http::without_session()). Leaves $nc_core in the global
 * scope.
 */
$NETCAT_FOLDER = dirname(__DIR__, 3) . DIRECTORY_SEPARATOR;
if (!isset($MYSQL_DB_NAME)) {
    // not require_once: api.php's lean grid entry (nc_priem_netcat::site_db) may have read the
    // file already, in a function's scope, leaving the globals unset
    require $NETCAT_FOLDER . 'vars.inc.php';
}
require_once __DIR__ . '/autoload.php';
nc_priem_http::without_session();
require_once $ROOT_FOLDER . 'connect_io.php';
$nc_core = nc_Core::get_object();
$nc_core->modules->load_env();
