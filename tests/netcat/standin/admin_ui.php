<?php
/**
 * Stand-in of the page functions of NetCat 6.4's admin (admin/admin.inc.php, template.inc.php),
 * for the module's admin outside NetCat (tests, screenshots, the demo): ui_config, and
 * BeginHtml/EndHtml, which — as the real ones — link the module's admin.css and admin.js when
 * BeginHtml is given the module's keyword. Written for this project; none of NetCat's code.
 *
 * The real admin shows a page in an iframe right of its module tree (≈ 260 px) and draws the tabs
 * in the outer frame; EndHtml() draws a tree column of that width and the tabs above the page,
 * with the real admin's metrics for what the module uses (Roboto 14 px, tables padded 10 px with
 * upper-case headers, 12 px buttons that do not wrap, alerts), so a screenshot at 1280 px shows
 * what fits.
 */
if (!defined('NETCAT_MODULES')) {
    define('NETCAT_MODULES', 'Модули');
}

if (!class_exists('ui_config')) {
    /** ui_config (admin/admin.inc.php): what the admin frame reads, set from an array. */
    class ui_config
    {
        public $headerText = '';
        public $subheaderText = '';
        public $tabs = array();
        public $actionButtons = array();
        public $activeTab = '';
        public $locationHash = '';
        public $treeMode = '';
        public $treeSelectedNode = '';

        public function __construct($config = array())
        {
            foreach ($config as $key => $value) {
                $this->$key = $value;
            }
        }
    }
}

function BeginHtml($title = '', $location = '', $help = '', $module = '', $developer_mode = false)
{
    $assets = '';
    if ($module !== '' && isset($GLOBALS['MODULE_FOLDER'])) {
        $folder = $GLOBALS['MODULE_FOLDER'] . $module . '/';
        $path = $GLOBALS['SUB_FOLDER'] . $GLOBALS['HTTP_ROOT_PATH'] . 'modules/' . $module . '/';
        if (is_file($folder . 'admin.css')) {
            $assets .= '<link type="text/css" rel="Stylesheet" href="' . $path . 'admin.css">';
        }
        if (is_file($folder . 'admin.js')) {
            $assets .= '<script src="' . $path . 'admin.js"></script>';
        }
    }
    $GLOBALS['nc_standin_page'] = array($title, $location, $assets);
    ob_start();
}

function EndHtml()
{
    $body = ob_get_clean();
    $ui = isset($GLOBALS['UI_CONFIG']) ? $GLOBALS['UI_CONFIG'] : null;
    list($title, $location, $assets) = $GLOBALS['nc_standin_page'];
    $h = function ($s) {
        return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
    };
    $tabs = '';
    if (is_object($ui)) {
        foreach ($ui->tabs as $tab) {
            $tabs .= '<a class="tab' . ($tab['id'] === $ui->activeTab ? ' active' : '') . '" href="?controller=' . $h($tab['id']) . '">'
                . $h($tab['caption']) . '</a>';
        }
    }
    $tree = '';
    foreach (array('Виджеты', 'Календарь', 'Комментарии', 'Логирование', 'Заявки', 'Поиск по сайту', 'Подписка и рассылка') as $module) {
        $tree .= '<li>' . $h($module) . '</li>';
    }
    $tree .= '<li class="selected">' . $h(is_object($ui) && $ui->headerText ? $ui->headerText : $title) . '</li>';
    echo '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>' . $h($title) . '</title><style>'
        . 'body{margin:0;font:14px/20px Roboto,"Helvetica Neue","DejaVu Sans",Arial,sans-serif;color:#333;background:#fff}'
        . '.nc-top{background:#1a87c2;color:#fff;height:52px;padding:0 20px;font-size:18px;line-height:52px}'
        . '.nc-frame{display:flex}.nc-tree{flex:0 0 244px;border-right:16px solid #f3f3f3;min-height:800px;background:#fff}'
        . '.nc-tree h2{font-size:20px;line-height:52px;margin:0;padding:0 18px;background:#eee;font-weight:normal}'
        . '.nc-tree ul{list-style:none;margin:0;padding:8px 0}.nc-tree li{padding:6px 18px 6px 62px;font-size:12px}.nc-tree li.selected{background:#eee}'
        . '.nc-main{flex:1 1 auto;min-width:0;padding:0 14px}.nc-head{font-size:26px;line-height:44px;padding:8px 0 0}'
        . '.nc-tabs{border-bottom:1px solid #ddd;margin:0 0 20px}'
        . '.nc-tabs .tab{display:inline-block;padding:12px 0;margin-right:28px;color:#1a87c2;text-decoration:none;font-size:15px}'
        . '.nc-tabs .tab.active{color:#333;border-bottom:3px solid #333}'
        . 'h3{font-size:17px;line-height:20px;padding:5px 0;font-weight:normal;margin:14px 0 6px}'
        . 'fieldset{border:1px solid #ddd;margin:0 0 14px;padding:6px 12px 10px}legend{padding:0 6px}'
        . '.nc-table{border-collapse:collapse;border-spacing:0;margin:0 0 8px}.nc-table td,.nc-table th{padding:10px}'
        . '.nc-table th{font-weight:normal;text-align:left;text-transform:uppercase;border-bottom:1px solid #dadada;color:#838383}'
        . '.nc-table td{border-bottom:1px solid #dadada;vertical-align:top}.nc-table.nc--striped{width:100%}'
        . 'input[type=text],input[type=password],input[type=date],select,textarea{border:1px solid #ccc;padding:7px 10px;font:inherit;min-width:260px}'
        . 'input[type=date],.priem-filter select{min-width:0}'
        . 'button,.nc-btn{display:inline-block;padding:4px 10px;margin:0;background:#8d8d8d;color:#fff;font:12px/22px Roboto,"DejaVu Sans",Arial,sans-serif;'
        . 'border:none;white-space:nowrap;cursor:pointer}.nc-btn.nc--blue{background:#1a87c2}'
        . '.nc-alert{padding:17px;border:2px solid #8d8d8d;background:#eee;margin:10px 0}'
        . '.nc-alert.nc--green{background:#f7fcf4;border-color:#56be2a}.nc-alert.nc--red{background:#fef6f6;border-color:#e54e43}'
        . '.nc-alert.nc--yellow{background:#fefcf4;border-color:#f4c528}.nc-alert.nc--blue{background:#f4f9fc;border-color:#1a87c2}'
        . '.nc-text-red{color:#e54e43}'
        . 'pre,code{font-family:Monaco,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}form{margin:0 0 6px}'
        . '</style>' . $assets . '</head><body class="nc-admin"><div class="nc-top">сайт &nbsp; пользователи &nbsp; инструменты &nbsp; разработка</div>'
        . '<div class="nc-frame"><div class="nc-tree"><h2>' . $h($location) . '</h2><ul>' . $tree . '</ul></div>'
        . '<div class="nc-main"><div class="nc-head">' . $h(is_object($ui) && $ui->headerText ? $ui->headerText : $title) . '</div>'
        . '<div class="nc-tabs">' . $tabs . '</div>' . $body . '</div></div></body></html>';
}
