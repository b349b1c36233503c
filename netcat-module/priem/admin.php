<?php
/**
 * priem: the module's admin (#module.priem.<tab>) in NetCat's admin iframe — the front controller,
 * as NetCat's own modules have it (modules/requests/admin/index.php): ?controller= names the tab
 * (nc_priem_<tab>_controller in controllers/), the POST's or the query's "action" its action;
 * the controller checks the rights, runs the action and puts the page into the admin's chrome.
 * Installed into netcat/modules/priem/ by the module installer.
 */
$NETCAT_FOLDER = dirname(__DIR__, 3) . DIRECTORY_SEPARATOR;
require_once $NETCAT_FOLDER . 'vars.inc.php';
require_once $ADMIN_FOLDER . 'function.inc.php';
require_once $SYSTEM_FOLDER . 'admin/ui/components/nc_ui_controller.class.php';
require_once __DIR__ . '/autoload.php';

$priem_admin = nc_priem_admin_controller::for_tab(isset($_GET['controller']) ? $_GET['controller'] : 'settings', __DIR__ . '/views');
echo $priem_admin->execute($priem_admin->requested_action());
