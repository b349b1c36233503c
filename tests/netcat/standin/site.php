<?php
/**
 * The files a NetCat 6.4 site root has that the module's scripts read, over the stand-in core:
 * vars.inc.php (the $MYSQL_* connection, the folders, the session settings), netcat/connect_io.php
 * (standin/connect_io.php: a session started for every request, as 6.4's; the stand-in's files
 * are copied into netcat/standin/, so the site reads nothing outside its root),
 * netcat/require/cron_api.inc.php (6.4's steps: vars, connect, cron_key check, load_env), the
 * admin's netcat/admin/function.inc.php and netcat/system/…/nc_ui_controller.class.php, and what a
 * web server reads: the root .htaccess (as NetCat's: DirectoryIndex index.php, no listings,
 * short_open_tag on, missing files to the front controller) and that front controller,
 * netcat/require/e404.php (here a plain 404).
 * Shared by the tests (tests/netcat/bootstrap.php) and the demo (demo/setup.php).
 *
 * @param string $root site root (created)
 * @param array  $db   host, user, password, database, port
 */
function priem_standin_site_files($root, array $db)
{
    @mkdir("$root/netcat/require", 0777, true);
    $q = function ($v) {
        return var_export($v, true);
    };
    file_put_contents("$root/vars.inc.php", "<?php\n// a NetCat stand-in site's vars.inc.php (tests/netcat/standin/site.php)\n"
        . '$MYSQL_HOST = ' . $q((string)$db['host']) . ";\n\$MYSQL_USER = " . $q((string)$db['user']) . ";\n"
        . '$MYSQL_PASSWORD = ' . $q((string)$db['password']) . ";\n\$MYSQL_DB_NAME = " . $q((string)$db['database']) . ";\n"
        . '$MYSQL_PORT = ' . (int)$db['port'] . ";\n\$MYSQL_SOCKET = '';\n\$MYSQL_CHARSET = 'utf8';\n"
        . "\$NC_UNICODE = 1;\n\$NC_CHARSET = 'utf-8';\n"
        . "\$DOCUMENT_ROOT = __DIR__;\n\$SUB_FOLDER = '';\n\$HTTP_ROOT_PATH = '/netcat/';\n"
        . "\$ROOT_FOLDER = __DIR__ . '/netcat/';\n\$ADMIN_FOLDER = \$ROOT_FOLDER . 'admin/';\n"
        . "\$SYSTEM_FOLDER = \$ROOT_FOLDER . 'system/';\n"
        . "\$MODULE_FOLDER = \$ROOT_FOLDER . 'modules/';\n\$CLASS_TEMPLATE_FOLDER = __DIR__ . '/netcat_template/class/';\n"
        // the session settings of 6.4's vars.inc.php: cookies only, named "sid", 32 characters
        . "foreach (array('session.use_trans_sid' => '0', 'session.use_cookies' => '1', 'session.use_only_cookies' => '1',\n"
        . "    'session.gc_probability' => '1', 'session.gc_maxlifetime' => '1800', 'session.sid_bits_per_character' => '5',\n"
        . "    'session.sid_length' => '32', 'session.name' => 'sid') as \$k => \$v) {\n    @ini_set(\$k, \$v);\n}\n");
    // the stand-in core is copied into the site root (netcat/standin/), so the site needs nothing
    // outside it: the web servers' workers (www-data) may not read the repository's folder
    @mkdir("$root/netcat/standin", 0777, true);
    foreach (glob(__DIR__ . '/*.php') as $file) {
        copy($file, "$root/netcat/standin/" . basename($file));
    }
    file_put_contents("$root/netcat/connect_io.php", "<?php\nrequire __DIR__ . '/standin/connect_io.php';\n");
    file_put_contents("$root/.htaccess", "# a NetCat stand-in site's .htaccess (tests/netcat/standin/site.php)\n"
        . "DirectoryIndex index.php\nOptions -Indexes\nOptions +FollowSymLinks\n"
        . "<IfModule mod_php.c>\nphp_value short_open_tag on\n</IfModule>\n"
        . "<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteCond %{REQUEST_FILENAME} !-d\n"
        . "RewriteRule ^(.+)$ /netcat/require/e404.php\n</IfModule>\n");
    file_put_contents("$root/netcat/require/e404.php", "<?php\n// the stand-in's front controller: no pages here\n"
        . "http_response_code(404);\nheader('Content-Type: text/plain; charset=utf-8');\necho \"Not found\\n\";\n");
    file_put_contents("$root/netcat/require/cron_api.inc.php", "<?php\n"
        . "require_once __DIR__ . '/../../vars.inc.php';\nrequire_once \$ROOT_FOLDER . 'connect_io.php';\n"
        . "\$cron_key = \$nc_core->get_settings('SecretKey');\n"
        . "if (!\$cron_key || !isset(\$_GET['cron_key']) || \$_GET['cron_key'] !== \$cron_key) { die('Access denied'); }\n"
        . "\$nc_core->modules->load_env();\n");
    // the admin: $ADMIN_FOLDER/function.inc.php and the core's nc_ui_controller, of the stand-in
    @mkdir("$root/netcat/admin", 0777, true);
    file_put_contents("$root/netcat/admin/function.inc.php", "<?php\nrequire_once __DIR__ . '/../standin/admin.php';\n");
    @mkdir("$root/netcat/system/admin/ui/components", 0777, true);
    file_put_contents("$root/netcat/system/admin/ui/components/nc_ui_controller.class.php",
        "<?php\nrequire_once __DIR__ . '/../../../../standin/nc_ui_controller.php';\n");
}

/**
 * The module as NetCat's installer copies it into a site root: the package's root files into
 * netcat/modules/priem/, then every path files.txt lists (the core stops at the first blank line).
 */
function priem_standin_copy_module($root, $package)
{
    $dest = "$root/netcat/modules/priem/";
    @mkdir($dest, 0777, true);
    foreach (array('index.php', 'function.inc.php', 'en.lang.php', 'ru.lang.php', 'admin.php', 'admin.inc.php', 'setup.php') as $f) {
        if (is_file("$package/$f")) {
            copy("$package/$f", $dest . $f);
        }
    }
    foreach (file("$package/files.txt", FILE_IGNORE_NEW_LINES) as $line) {
        if (trim($line) === '') {
            break;
        }
        $rel = ltrim(preg_replace('~^\./~', '', trim($line)), '/');
        @mkdir(dirname("$root/$rel"), 0777, true);
        if (!copy("$package/$rel", "$root/$rel")) {
            throw new RuntimeException("files.txt lists $rel, which is not in the package");
        }
    }
}

/**
 * Loads the stand-in core over a site's database in this process, as the site's own scripts get
 * it ($MYSQL_* and the folders of vars.inc.php), and the module's autoloader.
 */
function priem_standin_boot($root, array $db)
{
    $GLOBALS['MYSQL_HOST'] = (string)$db['host'];
    $GLOBALS['MYSQL_USER'] = (string)$db['user'];
    $GLOBALS['MYSQL_PASSWORD'] = (string)$db['password'];
    $GLOBALS['MYSQL_DB_NAME'] = (string)$db['database'];
    $GLOBALS['MYSQL_PORT'] = (int)$db['port'];
    $GLOBALS['MYSQL_SOCKET'] = '';
    $GLOBALS['MYSQL_CHARSET'] = 'utf8';
    $GLOBALS['CLASS_TEMPLATE_FOLDER'] = "$root/netcat_template/class/";
    $GLOBALS['DOCUMENT_ROOT'] = $root;
    require_once __DIR__ . '/netcat.php';
    require_once "$root/netcat/modules/priem/autoload.php";
}
