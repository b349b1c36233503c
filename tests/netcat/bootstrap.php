<?php
/**
 * Tests of the NetCat module against a stand-in of NetCat's core (standin/netcat.php) and a real
 * MariaDB (127.0.0.1:3306, root, no password): database priem_netcat_test with the minimal NetCat
 * tables the module touches (Module, Settings, Class, Field, Message<N>, CronTasks).
 */
if (!extension_loaded('priem')) {
    fwrite(STDERR, "The priem extension is not loaded: run php -d extension=/abs/path/libpriem.so -d short_open_tag=On /usr/bin/phpunit -c tests/netcat/phpunit.xml\n");
    exit(1);
}
if (!ini_get('short_open_tag')) {
    fwrite(STDERR, "NetCat runs component templates with short_open_tag=On: add -d short_open_tag=On\n");
    exit(1);
}

// one database per run, so two runs on one machine (a developer's and CI's) never share it
define('PRIEM_NC_DB', 'priem_netcat_test_' . getmypid());
define('PRIEM_NC_PACKAGE', dirname(__DIR__, 2) . '/netcat-module/priem');

// vars.inc.php's connection globals, which the adapter reads
$GLOBALS['MYSQL_HOST'] = '127.0.0.1';
$GLOBALS['MYSQL_USER'] = 'root';
$GLOBALS['MYSQL_PASSWORD'] = '';
$GLOBALS['MYSQL_DB_NAME'] = PRIEM_NC_DB;
$GLOBALS['MYSQL_PORT'] = 3306;
$GLOBALS['MYSQL_CHARSET'] = 'utf8';
// where nc_component::create() keeps file-mode templates (vars.inc.php's $CLASS_TEMPLATE_FOLDER)
$GLOBALS['CLASS_TEMPLATE_FOLDER'] = sys_get_temp_dir() . '/priem-netcat-templates-' . getmypid() . '/';

require_once __DIR__ . '/standin/netcat.php';
require_once __DIR__ . '/standin/schema.php';
require_once __DIR__ . '/standin/site.php';
require_once PRIEM_NC_PACKAGE . '/netcat/modules/priem/autoload.php';

/** Drops and recreates the test database with NetCat's tables (6.4: MyISAM, utf8). */
function priem_nc_reset_db()
{
    mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
    $m = new mysqli('127.0.0.1', 'root', '', '', 3306);
    $m->query('DROP DATABASE IF EXISTS ' . PRIEM_NC_DB);
    $m->query('CREATE DATABASE ' . PRIEM_NC_DB . ' CHARACTER SET utf8');
    $m->select_db(PRIEM_NC_DB);
    nc_standin_create_tables($m, 'cron-secret-42');
    $m->close();
    nc_Core::reset_object();
    nc_priem::set_instance(null);
}

/** A component (Class row + Message<N> with NetCat's system columns); returns its Class_ID. */
function priem_nc_component($name, $keyword)
{
    $db = nc_Core::get_object()->db;
    $db->query("INSERT INTO `Class` (`Class_Name`, `Keyword`) VALUES ('" . $db->escape($name) . "', '" . $db->escape($keyword) . "')");
    $id = (int)$db->insert_id;
    $db->query('CREATE TABLE `Message' . $id . '` (`Message_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY,
        `User_ID` int NOT NULL DEFAULT 0, `Subdivision_ID` int NOT NULL DEFAULT 0, `Sub_Class_ID` int NOT NULL DEFAULT 0,
        `Priority` int NOT NULL DEFAULT 0, `Keyword` char(255), `Checked` tinyint NOT NULL DEFAULT 1,
        `Created` datetime, `LastUpdated` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, `Name` char(255))
        ENGINE=MyISAM DEFAULT CHARSET=utf8');
    return $id;
}

/** The module facade over the stand-in core. */
function priem_nc_module()
{
    $priem = new nc_priem(new nc_priem_netcat(nc_Core::get_object()));
    nc_priem::set_instance($priem);
    return $priem;
}

/**
 * A throw-away site root: vars.inc.php, netcat/connect_io.php and netcat/require/cron_api.inc.php
 * of the stand-in (the same steps as 6.4's: vars, connect, cron_key check, load_env), plus the
 * module files as the installer copies them.
 */
function priem_nc_site()
{
    $root = sys_get_temp_dir() . '/priem-netcat-site-' . getmypid();
    exec('rm -rf ' . escapeshellarg($root));
    priem_standin_site_files($root, array('host' => '127.0.0.1', 'user' => 'root', 'password' => '',
        'database' => PRIEM_NC_DB, 'port' => 3306));
    priem_standin_copy_module($root, PRIEM_NC_PACKAGE); // what the installer's CopyFiles does (§3.3 step 7)
    return $root;
}

/** The priem extension this PHP was started with (php -d extension=…), else target/debug/libpriem.so. */
function priem_nc_extension()
{
    $argv = explode("\0", (string)@file_get_contents('/proc/self/cmdline'));
    foreach ($argv as $i => $a) {
        $v = $a === '-d' && isset($argv[$i + 1]) ? $argv[$i + 1] : (strpos($a, '-d') === 0 ? substr($a, 2) : '');
        if (strpos($v, 'extension=') === 0 && strpos($v, 'priem') !== false) {
            return substr($v, strlen('extension='));
        }
    }
    return dirname(__DIR__, 2) . '/target/debug/libpriem.so';
}

/** A PHP command line for a child process as NetCat runs PHP: this extension and short_open_tag=On. */
function priem_nc_php(array $args)
{
    return array_merge(array(PHP_BINARY, '-d', 'extension=' . priem_nc_extension(), '-d', 'short_open_tag=On'), $args);
}

/**
 * Starts a server on a free port and waits until it accepts connections. $cmd is a function of the
 * port returning the command line. Another process may take the chosen port before the server binds
 * it (tests run side by side): a server that exits instead of listening is started again on
 * another port. $stderr: a file for the server's errors (default: this process's stderr).
 *
 * @return array [process, port]
 */
function priem_nc_serve(callable $cmd, $stderr = null)
{
    for ($attempt = 1; $attempt <= 5; $attempt++) {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int)substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock);
        $proc = proc_open($cmd($port), array(array('pipe', 'r'), array('file', '/dev/null', 'w'),
            $stderr === null ? STDERR : array('file', $stderr, 'a')), $pipes);
        for ($i = 0; $i < 300; $i++) {
            $c = @fsockopen('127.0.0.1', $port);
            if ($c) {
                fclose($c);
                usleep(200000); // whoever answered may be another process holding the port: ours must stay up
                if (proc_get_status($proc)['running']) {
                    return array($proc, $port);
                }
                break;
            }
            if (!proc_get_status($proc)['running']) {
                break;
            }
            usleep(50000);
        }
        proc_terminate($proc);
        proc_close($proc);
    }
    throw new RuntimeException(implode(' ', $cmd(0)) . ' did not start listening (5 ports tried)');
}

/** A schedule in ProDoctorov's format (filial 1 in Moscow, filial 2 in Yekaterinburg). */
function priem_nc_schedule()
{
    return json_encode(array(
        '1' => 'Клиника на Ленина',
        'data' => array(
            '1' => array('0001' => array('efio' => 'Иванова Мария Петровна', 'espec' => 'Кардиолог', 'cells' => array(
                array('dt' => '2030-12-02', 'time_start' => '09:00', 'time_end' => '09:30', 'free' => true),
                array('dt' => '2030-12-02', 'time_start' => '09:30', 'time_end' => '10:00', 'free' => false),
            ))),
            '2' => array('0042' => array('efio' => 'Сидоров Сидор', 'cells' => array(
                array('dt' => '2030-12-02', 'time_start' => '10:00', 'time_end' => '10:20', 'free' => true),
            ))),
        ),
    ), JSON_UNESCAPED_UNICODE);
}

register_shutdown_function(function () {
    mysqli_report(MYSQLI_REPORT_OFF);
    $m = @new mysqli('127.0.0.1', 'root', '', '', 3306);
    if (!$m->connect_errno) {
        $m->query('DROP DATABASE IF EXISTS ' . PRIEM_NC_DB);
    }
});
