<?php
/**
 * Stand-in of the bits of NetCat 6.4's admin that the module's admin.php calls, for looking at
 * the pages outside NetCat (tests/netcat/screenshots.sh): $ADMIN_FOLDER/function.inc.php
 * (connect, load_env, Authorize and $perm, BeginHtml/EndHtml) and $ADMIN_FOLDER/modules/ui.php
 * (ui_config_module). Written for this project from the signatures in netcat.md; none of
 * NetCat's code. The real admin draws the tabs in its outer frame; here EndHtml() draws them
 * above the page, with a few admin-like styles for the nc-* classes the module uses.
 */
require_once $ROOT_FOLDER . 'connect_io.php';
$nc_core->modules->load_env('ru');

if (!defined('NETCAT_MODULES')) {
    define('NETCAT_MODULES', 'Модули');
}

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

if (!class_exists('ui_config_module')) {
    /** ui_config_module (admin/modules/ui.php): the fields the admin frame reads. */
    class ui_config_module
    {
        public $headerText = '';
        public $tabs = array();
        public $activeTab = '';
        public $locationHash = '';
        public $treeMode = '';
        public $treeSelectedNode = '';
    }
}

function BeginHtml($title = '', $sub = '', $help = '')
{
    $GLOBALS['nc_standin_title'] = array($title, $sub);
    ob_start();
}

function EndHtml()
{
    $body = ob_get_clean();
    $ui = isset($GLOBALS['UI_CONFIG']) ? $GLOBALS['UI_CONFIG'] : null;
    list($title, $sub) = $GLOBALS['nc_standin_title'];
    $h = function ($s) {
        return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
    };
    $tabs = '';
    if (is_object($ui)) {
        foreach ($ui->tabs as $tab) {
            $tabs .= '<a class="tab' . ($tab['id'] === $ui->activeTab ? ' active' : '') . '" href="?view=' . $h($tab['id']) . '">'
                . $h($tab['caption']) . '</a>';
        }
    }
    echo '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>' . $h($title) . '</title><style>'
        . 'body{margin:0;font:13px/1.45 "Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#333;background:#fff}'
        . '.nc-head{background:#2c3e50;color:#fff;padding:10px 20px;font-size:15px}.nc-head small{color:#b7c3cf;margin-right:6px}'
        . '.nc-tabs{border-bottom:1px solid #d5d9dd;padding:0 20px;background:#f5f6f7}'
        . '.nc-tabs .tab{display:inline-block;padding:9px 16px;color:#1a5e9a;text-decoration:none;border:1px solid transparent;border-bottom:0;margin-bottom:-1px}'
        . '.nc-tabs .tab.active{background:#fff;border-color:#d5d9dd;color:#333;font-weight:600}'
        . '.nc-page{padding:16px 20px}h3{font-size:15px;margin:18px 0 8px}'
        . 'fieldset{border:1px solid #dde1e5;margin:0 0 14px;padding:6px 12px 10px}legend{font-weight:600;padding:0 6px}'
        . '.nc-table{border-collapse:collapse;margin:0 0 8px}.nc-table td,.nc-table th{padding:4px 10px 4px 0;text-align:left;vertical-align:top}'
        . '.nc-table.nc--striped{width:100%}.nc--striped th{background:#eef1f4;padding:6px 8px}.nc--striped td{padding:5px 8px;border-top:1px solid #e6e9ec}'
        . '.nc--striped tr:nth-child(even) td{background:#fafbfc}'
        . 'input[type=text],input[type=password],input[type=date],select{border:1px solid #c8cdd2;padding:4px 6px;font:inherit;min-width:260px}'
        . 'input[type=date],select[name=status]{min-width:0}'
        . '.nc-btn{background:#f1f3f5;border:1px solid #c8cdd2;padding:5px 12px;font:inherit;cursor:pointer;margin:4px 0}'
        . '.nc-btn.nc--blue{background:#1a73c7;border-color:#1a73c7;color:#fff}.nc-btn.nc--small{padding:2px 8px;font-size:12px;margin:0}'
        . '.nc-alert{padding:8px 12px;margin:0 0 12px;border:1px solid}.nc-alert.nc--green{background:#eaf7ea;border-color:#9fd29f}'
        . '.nc-alert.nc--red{background:#fdecea;border-color:#eea9a3}.nc-text-red{color:#c0392b}'
        . 'pre{margin:4px 0;font-size:11px;white-space:pre-wrap}code{font-size:11px}form{margin:0 0 6px}'
        . '</style></head><body><div class="nc-head"><small>' . $h($sub) . ' →</small>' . $h(is_object($ui) && $ui->headerText ? $ui->headerText : $title)
        . '</div><div class="nc-tabs">' . $tabs . '</div><div class="nc-page">' . $body . '</div></body></html>';
}
