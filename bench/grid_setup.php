<?php
/**
 * The stand-in NetCat site of bench/grid.sh (needs the priem extension loaded):
 *
 *   php -d extension=…/libpriem.so bench/grid_setup.php ROOT DATABASE SCHEDULE NOW_UTC
 *
 * 1. drops and creates DATABASE with the stand-in's NetCat tables (tests/netcat/standin/schema.php);
 * 2. writes the site root ROOT: vars.inc.php, connect_io.php (tests/netcat/standin/site.php) and the
 *    module copied from netcat-module/priem as NetCat's installer copies it;
 * 3. installs the module (nc_priem_installer::install: migrations, default settings, CronTasks),
 *    creates the shipped components and saves the settings through the admin form's path
 *    (BookingHorizonDays 30, BookingMinNotice 60, the card components);
 * 4. a clinic card per filial (name, address, phone, MisTimezone: filials spread over five zones)
 *    and a doctor card per doctor (photo, experience, price), as an editor would;
 * 5. imports SCHEDULE with priem_import_schedule() at NOW_UTC, then holds ~2 % of the free future
 *    times (Priem_Hold rows, as bookings in progress leave them);
 * 6. writes ROOT/bench-config.php (the engine settings and the DB for the scripts and endpoints)
 *    and ROOT/bench-doctors.txt ("filial doctor" per line, every doctor of the schedule).
 * Environment: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD.
 */
if ($argc < 5) {
    fwrite(STDERR, "usage: php -d extension=… bench/grid_setup.php ROOT DATABASE SCHEDULE NOW_UTC\n");
    exit(2);
}
if (!extension_loaded('priem')) {
    fwrite(STDERR, "grid_setup.php: the priem extension is not loaded\n");
    exit(2);
}
list(, $root, $name, $schedule_file, $now_utc) = $argv;
$root = rtrim($root, '/');
$repo = dirname(__DIR__);
$dbc = array('host' => getenv('DB_HOST') ?: '127.0.0.1', 'port' => (int)(getenv('DB_PORT') ?: 3306),
    'user' => getenv('DB_USER') ?: 'root', 'password' => (string)getenv('DB_PASSWORD'), 'database' => $name);
if (!preg_match('/^[A-Za-z0-9_]+$/', $name)) {
    fwrite(STDERR, "grid_setup.php: bad database name $name\n");
    exit(2);
}
$say = function ($s) {
    echo "[setup] $s\n";
};
$t0 = microtime(true);

// ---- 1. the database --------------------------------------------------------------------------
require_once $repo . '/tests/netcat/standin/schema.php';
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$m = new mysqli($dbc['host'], $dbc['user'], $dbc['password'], '', $dbc['port']);
$m->query("DROP DATABASE IF EXISTS `$name`");
$m->query("CREATE DATABASE `$name` CHARACTER SET utf8");
$m->select_db($name);
nc_standin_create_tables($m, 'bench-cron-key');
$m->close();
$say("database $name created (NetCat stand-in tables)");

// ---- 2. the site root -------------------------------------------------------------------------
$standin = $repo . '/tests/netcat/standin';
require_once $standin . '/site.php';
exec('rm -rf ' . escapeshellarg($root));
priem_standin_site_files($root, $dbc);
@mkdir("$root/netcat_template/class", 0777, true);
$pkg = $repo . '/netcat-module/priem';
priem_standin_copy_module($root, $pkg);
$say("site root $root (module copied from netcat-module/priem)");

// ---- 3. the module ----------------------------------------------------------------------------
priem_standin_boot($root, array('database' => $name) + $dbc);
$core = nc_Core::get_object();
$db = $core->db;
$db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Description`, `Installed`, `Checked`, `Inside_Admin`)"
    . " VALUES ('NETCAT_MODULE_PRIEM', 'priem', 'Онлайн-запись на приём', 1, 1, 1)");
$priem = nc_priem::get_instance();
$result = $priem->installer()->install();
if (empty($result['Success'])) {
    fwrite(STDERR, '[setup] installer: ' . $result['ErrorMessage'] . "\n");
    exit(1);
}
$made = $priem->fields()->create_components();
$errors = $priem->settings()->save_form(array(
    'ClinicComponent' => 'priem_clinics', 'DoctorComponent' => 'priem_doctors',
    'BookingHorizonDays' => '30', 'BookingMinNotice' => '60', 'ClinicPhone' => '+7 (495) 120-45-67',
));
if ($errors) {
    fwrite(STDERR, '[setup] settings refused: ' . json_encode($errors, JSON_UNESCAPED_UNICODE) . "\n");
    exit(1);
}
$priem->settings()->forget();
$say('module installed, components ' . json_encode($made, JSON_UNESCAPED_UNICODE) . ', horizon 30 days, min notice 60 min');

// ---- 4. the cards -----------------------------------------------------------------------------
$clinic_id = $priem->netcat()->component_id('priem_clinics');
$doctor_id = $priem->netcat()->component_id('priem_doctors');
$json = (string)file_get_contents($schedule_file);
$schedule = json_decode($json, true);
$zones = array('Europe/Moscow', 'Asia/Yekaterinburg', 'Europe/Moscow', 'Asia/Novosibirsk', 'Europe/Kaliningrad',
    'Europe/Moscow', 'Asia/Vladivostok', 'Europe/Samara');
$prices = array('Терапевт' => 1800, 'Педиатр' => 1900, 'Кардиолог' => 2600, 'Невролог' => 2500);
$insert = function ($class_id, array $fields) use ($db) {
    $set = array('`Created` = NOW()', '`Checked` = 1');
    foreach ($fields as $k => $v) {
        $set[] = "`$k` = " . (is_int($v) ? $v : "'" . $db->escape($v) . "'");
    }
    $db->query("INSERT INTO `Message$class_id` SET " . implode(', ', $set));
};
$pairs = array();
$n = 0;
foreach ($schedule['data'] as $code => $doctors) {
    $code = (string)$code;
    $insert($clinic_id, array('Name' => isset($schedule[$code]) ? $schedule[$code] : "Филиал $code",
        'Address' => "г. Москва, ул. Тестовая, $code", 'Phone' => '+7 (495) 100-00-' . sprintf('%02d', (int)$code % 100),
        'MisCode' => $code, 'MisTimezone' => $zones[$n % count($zones)], 'Priority' => (int)$code));
    $n++;
}
$i = 0;
foreach ($schedule['data'] as $fcode => $doctors) {
    foreach ($doctors as $dcode => $d) {
        $spec = isset($d['espec']) ? (string)$d['espec'] : '';
        $insert($doctor_id, array('Name' => $d['efio'], 'Specialty' => $spec, 'MisCode' => (string)$dcode,
            'Photo' => "/photos/$dcode.jpg", 'Experience' => 4 + (crc32($d['efio']) % 27),
            'PriceFrom' => isset($prices[$spec]) ? $prices[$spec] : 2000, 'Priority' => ++$i));
        $pairs[] = $fcode . ' ' . $dcode;
    }
}
$say("cards: $n clinics, $i doctors");

// ---- 5. the schedule --------------------------------------------------------------------------
$settings = $priem->settings()->engine();
$t = microtime(true);
$report = priem_import_schedule($settings, $json, $now_utc);
$say(sprintf('imported %s (%d bytes) at %s in %.1f s: %d filials, %d doctors, %d slots, %d rejected',
    basename($schedule_file), strlen($json), $now_utc, microtime(true) - $t, $report['filials'], $report['doctors'],
    $report['slots_inserted'], count($report['rejected'])));
unset($json, $schedule);
$mysql_now = gmdate('Y-m-d H:i:s', strtotime($now_utc));
$db->query('SET @n = 0');
$db->query("INSERT INTO `Priem_Hold` (`filial`, `doctor`, `start_utc`, `booking_id`, `created_at`) "
    . "SELECT `filial`, `doctor`, `start_utc`, (@n := @n + 1), UTC_TIMESTAMP() FROM `Priem_Slot` "
    . "WHERE `free` = 1 AND `start_utc` >= '$mysql_now' AND CRC32(CONCAT(`doctor`, `start_utc`)) % 50 = 0");
$holds = (int)$db->get_var('SELECT COUNT(*) FROM `Priem_Hold`');
$slots = (int)$db->get_var('SELECT COUNT(*) FROM `Priem_Slot`');
$say("holds: $holds of $slots slots (free in the MIS, held by the site)");

// ---- 6. what the scripts and endpoints read ---------------------------------------------------
$config = array(
    'root' => $root,
    'settings' => $settings,
    'db' => $dbc,
    'days' => 30,
    'min_notice' => 60,
);
file_put_contents("$root/bench-config.php", "<?php\n// written by bench/grid_setup.php\nreturn "
    . var_export($config, true) . ";\n");
file_put_contents("$root/bench-doctors.txt", implode("\n", $pairs) . "\n");
$say(sprintf('engine settings: %s; %d doctors listed; %.1f s', implode(', ', array_keys($settings)), count($pairs),
    microtime(true) - $t0));
