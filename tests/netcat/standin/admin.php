<?php
/**
 * Stand-in of NetCat 6.4's $ADMIN_FOLDER/function.inc.php, which the module's admin.php requires
 * first: connect, load_env, Authorize and $perm (refusing who may not enter the admin), then the
 * admin's page functions (admin_ui.php). Written for this project; none of NetCat's code.
 */
require_once $ROOT_FOLDER . 'connect_io.php';
$nc_core->modules->load_env('ru');

// Authorize(): the stand-in takes the user from the cookie nc_standin_user (default: user 1, the
// site's supervisor "admin"); an unknown user gets the login refusal, one without the right to
// enter the admin the core's "нет прав" — both before any module page runs, as in the real admin.
require_once __DIR__ . '/permission.php';
$AUTH_USER_ID = isset($_COOKIE['nc_standin_user']) ? (int)$_COOKIE['nc_standin_user'] : 1;
if (!$nc_core->db->get_var('SELECT `User_ID` FROM `User` WHERE `User_ID` = ' . (int)$AUTH_USER_ID)) {
    http_response_code(401);
    echo 'Войдите в систему управления';
    exit;
}
$perm = new Permission($AUTH_USER_ID);
$nc_core->token->user_id = $AUTH_USER_ID;
if (!$perm->isInsideAdmin()) {
    echo 'Недостаточно прав';
    exit;
}

require_once __DIR__ . '/admin_ui.php';
