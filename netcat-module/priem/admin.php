<?php
/**
 * priem: the module's admin page (#module.priem.<view>), in NetCat's admin iframe.
 * Installed into netcat/modules/priem/ by the module installer.
 */
$NETCAT_FOLDER = dirname(__DIR__, 3) . DIRECTORY_SEPARATOR;
require_once $NETCAT_FOLDER . 'vars.inc.php';
require_once $ADMIN_FOLDER . 'function.inc.php';
require_once $ADMIN_FOLDER . 'modules/ui.php';
require_once __DIR__ . '/autoload.php';

$priem_view = isset($_GET['view']) ? (string)$_GET['view'] : 'settings';
if (!nc_priem_admin::has_view($priem_view)) {
    $priem_view = 'settings';
}
$priem = nc_priem::get_instance();
$priem_netcat = $priem->netcat();

// reads need some right on the module, every POST the right to change it (NetCat's Permission)
$priem_post_request = isset($_SERVER['REQUEST_METHOD']) && $_SERVER['REQUEST_METHOD'] === 'POST';
if (!($priem_post_request ? $priem_netcat->may_write() : $priem_netcat->may_read())) {
    http_response_code(403);
    BeginHtml(NETCAT_MODULE_PRIEM, NETCAT_MODULES, '');
    echo '<div class="nc-alert nc--red">', NETCAT_MODULE_PRIEM_NO_RIGHTS, '</div>';
    EndHtml();
    return;
}
BeginHtml(NETCAT_MODULE_PRIEM, NETCAT_MODULES, '');
$UI_CONFIG = new nc_priem_ui_config($priem_view, $priem_netcat->module_id());

$priem_admin = new nc_priem_admin($priem);
$priem_messages = array();
if ($priem_post_request) {
    $priem_post = array();
    foreach ($_POST as $priem_key => $priem_value) {
        if (is_string($priem_value)) {
            $priem_post[$priem_key] = $priem_netcat->to_utf8($priem_value); // cp1251 admin → UTF-8
        }
    }
    $priem_messages = $priem_admin->handle_post($priem_view, $priem_post, $priem_netcat->token_ok());
}
echo $priem_netcat->from_utf8($priem_admin->render($priem_view, $_GET, $priem_netcat->token_input(), $priem_messages));
EndHtml();
