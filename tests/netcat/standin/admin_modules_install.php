<?php
/**
 * Stand-in of NetCat 6.4's module installer step — «Инструменты → Установка модуля» after the
 * upload: netcat/admin/modules/index.php, phase 4, with admin/install.inc.php (CopyFiles,
 * InstallationAborted) and admin/modules/function.inc.php (CheckFiles, TitleModule,
 * AddModuleForm, ModuleList). Its own PHP process, because the real step requires the package's
 * install.php in its global scope and ends the page with whatever fatal error PHP raises:
 *
 *   php -d extension=…/libpriem.so -d short_open_tag=On admin_modules_install.php <site root> <unpacked package>
 *
 * The site root is the stand-in's (tests/netcat/standin/site.php); the package folder plays
 * netcat/tmp/, where the core unpacks the .tgz. Prints the admin page. Written for this project
 * from reading the 6.4 source; none of NetCat's code.
 */
$nc_root = rtrim($argv[1], '/');
$TMP_FOLDER = rtrim($argv[2], '/') . '/';
$_SERVER['HTTP_HOST'] = 'clinic.test'; // the admin's request came to the site's host
require $nc_root . '/vars.inc.php';
require $ROOT_FOLDER . 'connect_io.php';
require_once __DIR__ . '/site.php';
$VERSION_ID = '6.4.0'; // the site's version, a global the step checks after requiring install.php
define('MAIN_LANG', 'ru');
define('TOOLS_MODULES', 'Модули');

/** ui_config and ui_config_tool (admin/admin.inc.php): what the admin's outer frame draws. */
class ui_config
{
    public $headerText;
    public $tabs = array();
    public $actionButtons = array();
    public $activeTab;
    public $treeMode;
    public $locationHash;
}

class ui_config_tool extends ui_config
{
    public function __construct($name, $caption, $big_icon, $location)
    {
        $this->headerText = $name;
        $this->tabs = array(array('id' => 'tool', 'caption' => $caption, 'location' => $location));
        $this->activeTab = 'tool';
        $this->locationHash = $location;
        $this->treeMode = 'sitemap';
    }
}

function BeginHtml()
{
    echo "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body class='admin_form nc-admin'>\n";
}

/** EndHtml (admin/template.inc.php): the page's UI settings as JSON for the outer frame. */
function EndHtml()
{
    global $UI_CONFIG;
    if (is_object($UI_CONFIG)) {
        echo "<script>parent.mainView && parent.mainView.updateSettings(" . json_encode($UI_CONFIG, JSON_UNESCAPED_UNICODE) . ");</script>\n";
    }
    echo "</body></html>\n";
}

function nc_print_status($message, $status = 'ok')
{
    echo "<div id='statusMessage' class='nc-alert " . ($status === 'error' ? 'nc--red' : 'nc--green') . "'>"
        . "<div class='nc-alert--message'>$message</div></div>\n";
}

function DeleteFilesInDirectory($folder)
{
    exec('rm -rf ' . escapeshellarg(rtrim($folder, '/')) . '/*');
}

/** install.inc.php: the message, the unpacked files removed, the page ended. */
function InstallationAborted($msg = '')
{
    global $TMP_FOLDER;
    nc_print_status(($msg ? $msg . '<br>' : '') . 'Модуль не установлен.', 'error');
    DeleteFilesInDirectory($TMP_FOLDER);
    EndHtml();
    exit;
}

/** CheckFiles: the files the step requires at the package's root (message.txt for a Russian admin). */
function CheckFiles()
{
    global $TMP_FOLDER;
    foreach (array('id.txt', 'sql.txt', 'sql_int.txt', 'files.txt', 'parameters.txt', 'index.php', 'install.php',
                   'function.inc.php', 'en.lang.php', 'ru.lang.php', MAIN_LANG !== 'ru' ? 'message_int.txt' : 'message.txt') as $f) {
        if (!is_readable($TMP_FOLDER . $f)) {
            echo "Не удалось открыть $f.<br />\n";
            InstallationAborted();
        }
    }
}

/** ExecSQLMultiline (admin/module.inc.php): `;`-terminated statements, `#` and `--` lines skipped. */
function ExecSQLMultiline($file)
{
    global $db;
    $statement = '';
    foreach (file($file, FILE_IGNORE_NEW_LINES) as $line) {
        $t = trim($line);
        if ($t === '' || $t[0] === '#' || strpos($t, '--') === 0) {
            continue;
        }
        $statement .= $line . "\n";
        if (substr($t, -1) === ';') {
            $db->query(str_replace('%%MYSQL_CHARSET%%', $GLOBALS['MYSQL_CHARSET'], rtrim(trim($statement), ';')));
            $statement = '';
        }
    }
}

/** AddModuleForm: the upload form; its button goes into $UI_CONFIG, which phase 4 never sets. */
function AddModuleForm()
{
    global $UI_CONFIG;
    echo "<form enctype='multipart/form-data' action='index.php' method='POST'><fieldset><legend>Модуль с локального диска</legend>"
        . "<input size='60' name='FilePatch' type='file'></fieldset><input type='hidden' name='phase' value='4'></form>\n";
    $UI_CONFIG->actionButtons[] = array('id' => 'submit', 'caption' => 'Закачать', 'action' => 'mainView.submitIframeForm()');
}

/**
 * ModuleList: every module's environment loaded, then a row per module with its icon — the
 * module's own netcat/modules/<keyword>/icon-20x20.png when it has one, else the admin skin's
 * sprite class nc--mod-<keyword>.
 */
function ModuleList()
{
    global $nc_core, $UI_CONFIG, $MODULE_FOLDER, $SUB_FOLDER, $HTTP_ROOT_PATH;
    $nc_core->modules->load_env(MAIN_LANG);
    echo "<table class='admin_table'><tr><th></th><th>Название</th></tr>\n";
    foreach ((array)$nc_core->db->get_results('SELECT * FROM `Module` ORDER BY `Module_ID`', ARRAY_A) as $module) {
        $keyword = $module['Keyword'];
        $name = constant($module['Module_Name']);
        if (file_exists($MODULE_FOLDER . $keyword . '/icon-20x20.png')) {
            $icon = "<i class='nc-icon' title='$name' style='background-image: url($SUB_FOLDER{$HTTP_ROOT_PATH}modules/$keyword/icon-20x20.png); background-position: 0 0;'></i>";
        } else {
            $icon = "<i class='nc-icon nc--mod-$keyword' title='$name'></i>";
        }
        echo "<tr><td>$icon</td><td>$name</td></tr>\n";
    }
    echo "</table>\n";
    $UI_CONFIG->actionButtons[] = array('id' => 'submit', 'caption' => 'Сохранить изменения', 'action' => 'mainView.submitIframeForm()');
}

// ---- phase 4 ----------------------------------------------------------------------------------
BeginHtml();
require $TMP_FOLDER . 'install.php';

// CheckDeps('module') → LoadID(): id.txt line by line, parameters.txt, message.txt
list($Keyword, $SystemID, $SystemVersion, $Patches, $Name, $ExampleURL, $HelpURL, $Description)
    = array_pad(file($TMP_FOLDER . 'id.txt', FILE_IGNORE_NEW_LINES), 8, '');
$Parameters = (string)@file_get_contents($TMP_FOLDER . 'parameters.txt');
CheckFiles();
if ($VERSION_ID !== '6.4.0') {
    InstallationAborted('Несовместимая версия Netcat.');
}
if ($SystemID == '1') {
    InstallationAborted('Несовместимая версия Netcat.');
}
if ($db->get_var("SELECT `Module_ID` FROM `Module` WHERE `Keyword` = '" . $db->escape($Keyword) . "'")) {
    InstallationAborted('Модуль уже установлен.');
}
$Install = CheckAbilityOfInstallation();
if ($Install['Success'] == 0) {
    InstallationAborted('Не выполнены условия установки.<br />' . $Install['ErrorMessage']);
}
$Install = InstallThisModule();
if ($Install['Success'] == 0) {
    InstallationAborted('Ошибка при установке: ' . $Install['ErrorMessage']);
}
$db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Description`, `Parameters`, `Example_URL`, `Help_URL`, `Checked`) VALUES ('"
    . $db->escape($Name) . "', '" . $db->escape($Keyword) . "', '" . $db->escape($Description) . "', '" . $db->escape($Parameters)
    . "', '" . $db->escape($ExampleURL) . "', '" . $db->escape($HelpURL) . "', '1')");
priem_standin_copy_module($DOCUMENT_ROOT . $SUB_FOLDER, $TMP_FOLDER); // CopyFiles('module')
ExecSQLMultiline($TMP_FOLDER . 'sql.txt'); // the site's language is ru
DeleteFilesInDirectory($TMP_FOLDER);
// TitleModule(): for a supervisor the upload form, then the module list
AddModuleForm();
ModuleList();
EndHtml();
