<?php
/**
 * The demo site (run by demo/run; needs the priem extension loaded):
 *
 *   php -d extension=…/libpriem.so demo/setup.php <config.json>
 *
 * config: {"root", "db": {"host", "port", "user", "password", "database"}, "fresh", "cron_key",
 *          "schedule" (the MIS's schedule file), "ftp": {"port", "user", "password", "directory"},
 *          "mis": {"transport", "url", "user", "password"}, "smtp": {"port"}}
 *
 * 1. the database: with "fresh" (or when it has no NetCat tables) dropped and recreated with the
 *    stand-in's NetCat tables (tests/netcat/standin/schema.php);
 * 2. the site root: the stand-in's files (vars.inc.php, netcat/connect_io.php, cron_api.inc.php,
 *    the admin's netcat/admin/), and the module copied as NetCat's installer copies it;
 * 3. the module: its real installer (nc_priem_installer::install), the shipped components
 *    (nc_priem_fields::create_components), the settings through nc_priem_settings::save_form;
 * 4. clinic and doctor cards matching the schedule (only into empty components), and the
 *    doctors' photos wherever a card's file is missing.
 * Prints one line per step.
 */
$repo = dirname(__DIR__);
$config = json_decode((string)file_get_contents($argv[1]), true);
if (!is_array($config)) {
    fwrite(STDERR, "usage: php demo/setup.php <config.json> (is PRIEM_DEMO_SETTINGS valid JSON?)\n");
    exit(2);
}
if (!extension_loaded('priem')) {
    fwrite(STDERR, "demo/setup.php: the priem extension is not loaded\n");
    exit(2);
}
$root = rtrim($config['root'], '/');
$dbc = $config['db'];
$say = function ($s) {
    echo "[setup] $s\n";
};

// ---- 1. the database ------------------------------------------------------------------------
require_once $repo . '/tests/netcat/standin/schema.php';
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$m = new mysqli($dbc['host'], $dbc['user'], $dbc['password'], '', (int)$dbc['port']);
$name = $dbc['database'];
if (!preg_match('/^[A-Za-z0-9_]+$/', $name)) {
    fwrite(STDERR, "demo/setup.php: bad database name $name\n");
    exit(2);
}
$exists = (bool)$m->query("SHOW DATABASES LIKE '" . $m->real_escape_string($name) . "'")->num_rows;
$has_tables = $exists && (bool)$m->query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '"
    . $m->real_escape_string($name) . "' AND TABLE_NAME = 'Module'")->num_rows;
$fresh = !empty($config['fresh']) || !$has_tables;
if ($fresh) {
    $m->query("DROP DATABASE IF EXISTS `$name`");
    $m->query("CREATE DATABASE `$name` CHARACTER SET utf8");
    $m->select_db($name);
    nc_standin_create_tables($m, $config['cron_key']);
    $say("database $name created (NetCat stand-in tables)");
    touch(dirname($root) . '/db.created'); // demo/run then starts the MIS with a fresh state too
} else {
    $m->select_db($name);
    $m->query("UPDATE `Settings` SET `Value` = '" . $m->real_escape_string($config['cron_key'])
        . "' WHERE `Key` = 'SecretKey' AND `Module` = 'system'");
    $say("database $name kept (demo/run --fresh recreates it)");
}
$m->close();

// ---- 2. the site root -----------------------------------------------------------------------
$standin = $repo . '/tests/netcat/standin';
require_once $standin . '/site.php';
priem_standin_site_files($root, array('host' => $dbc['host'], 'user' => $dbc['user'], 'password' => $dbc['password'],
    'database' => $name, 'port' => $dbc['port']));
@mkdir("$root/netcat_template/class", 0777, true);

// the module as the installer copies it (tests/netcat/standin/site.php)
$pkg = $repo . '/netcat-module/priem';
exec('rm -rf ' . escapeshellarg("$root/netcat/modules/priem"));
priem_standin_copy_module($root, $pkg);
$say("site root $root (module copied from netcat-module/priem)");

// ---- 3. the module ----------------------------------------------------------------------------
priem_standin_boot($root, array('database' => $name) + $dbc);
$core = nc_Core::get_object();
$db = $core->db;
if (!$db->get_var("SELECT `Module_ID` FROM `Module` WHERE `Keyword` = 'priem'")) {
    $db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Description`, `Installed`, `Checked`, `Inside_Admin`)"
        . " VALUES ('NETCAT_MODULE_PRIEM', 'priem', 'Онлайн-запись на приём', 1, 1, 1)");
}
$priem = nc_priem::get_instance();
$result = $priem->installer()->install();
if (empty($result['Success'])) {
    fwrite(STDERR, "[setup] installer: " . $result['ErrorMessage'] . "\n");
    exit(1);
}
$say('installer: tables migrated, default settings stored, CronTasks row registered');
$made = $priem->fields()->create_components();
$say('components: ' . json_encode($made, JSON_UNESCAPED_UNICODE));

$ftp = $config['ftp'];
$mis = $config['mis'];
$form = array(
    'ClinicComponent' => 'priem_clinics', 'DoctorComponent' => 'priem_doctors',
    'FtpHost' => '127.0.0.1', 'FtpPort' => (string)$ftp['port'], 'FtpUser' => $ftp['user'], 'FtpPassword' => $ftp['password'],
    'FtpDirectory' => $ftp['directory'], 'FtpTls' => '0', 'FtpAfterImport' => 'move',
    'MisTransport' => $mis['transport'], 'MisFormat' => 'prodoctorov', 'MisUrl' => $mis['url'],
    'MisUser' => $mis['user'], 'MisPassword' => $mis['password'], 'MisTimeout' => '10',
    'MailHost' => '127.0.0.1', 'MailPort' => (string)$config['smtp']['port'], 'MailSecurity' => 'none',
    'MailUser' => '', 'MailFrom' => 'robot@zdorovie.example',
    'MailTo' => 'registratura@zdorovie.example, it@zdorovie.example', 'MailRemindHours' => '24',
    'BookingHorizonDays' => '14', 'BookingMinNotice' => '60', 'BookingAnswerTimeout' => '10',
    // the booking form's settings (keys the module does not know are ignored by save_form)
    'ClinicPhone' => '+7 (495) 120-45-67', 'PolicyUrl' => '/politika-konfidentsialnosti/',
    'RateLimitIp' => '200', 'RateLimitPhone' => '20',
);
if (!empty($config['prodoctorov'])) {
    // the site as the clinic's ProDoctorov connector, ProDoctorov played by tests/peers/prodoctorov_peer.py
    $pd = $config['prodoctorov'];
    $form += array(
        'PdEnabled' => '1', 'PdApi' => 'old', 'PdUrl' => $pd['url'], 'PdLogin' => $pd['login'], 'PdPassword' => $pd['password'],
        'PdInterval' => '2', 'PdEndpointUser' => $pd['endpoint_user'], 'PdEndpointPassword' => $pd['endpoint_password'],
    );
}
// PRIEM_DEMO_SETTINGS (JSON object of setting => value) overrides, e.g. for automated tests
if (!empty($config['settings']) && is_array($config['settings'])) {
    $form = array_merge($form, array_map('strval', $config['settings']));
}
$errors = $priem->settings()->save_form($form);
if ($errors) {
    fwrite(STDERR, '[setup] settings refused: ' . json_encode($errors, JSON_UNESCAPED_UNICODE) . "\n");
    exit(1);
}
$priem->settings()->forget();
$say("settings: FTP 127.0.0.1:{$ftp['port']}/{$ftp['directory']}, MIS {$mis['transport']} {$mis['url']} (Basic {$mis['user']}), "
    . "SMTP 127.0.0.1:{$config['smtp']['port']}");

// ---- 4. the cards -----------------------------------------------------------------------------
$clinic_id = $priem->netcat()->component_id('priem_clinics');
$doctor_id = $priem->netcat()->component_id('priem_doctors');
$schedule = json_decode((string)file_get_contents($config['schedule']), true);
$clinics = array(
    '1' => array('г. Москва, ул. Ленина, 12', '+7 (495) 120-45-67', 'Europe/Moscow'),
    '2' => array('г. Москва, проспект Мира, 48, стр. 2', '+7 (495) 765-43-21', 'Europe/Moscow'),
    '3' => array('г. Екатеринбург, ул. Малышева, 30', '+7 (343) 222-33-44', 'Asia/Yekaterinburg'),
);
$prices = array('Терапевт' => 1800, 'Педиатр' => 1900, 'Кардиолог' => 2600, 'Невролог' => 2500,
                'Стоматолог' => 2200, 'Офтальмолог' => 2300, 'Эндокринолог' => 2700);
$insert = function ($class_id, array $fields) use ($db) {
    $set = array("`Created` = NOW()", "`Checked` = 1");
    foreach ($fields as $k => $v) {
        $set[] = "`$k` = " . (is_int($v) ? $v : "'" . $db->escape($v) . "'");
    }
    $db->query("INSERT INTO `Message$class_id` SET " . implode(', ', $set));
    return (int)$db->insert_id;
};
@mkdir("$root/demo-photos", 0777, true);
if (!$db->get_var("SELECT COUNT(*) FROM `Message$clinic_id`")) {
    $n = 0;
    foreach ($schedule['data'] as $code => $doctors) {
        $code = (string)$code;
        $info = isset($clinics[$code]) ? $clinics[$code] : array('', '', 'Europe/Moscow');
        $insert($clinic_id, array('Name' => isset($schedule[$code]) ? $schedule[$code] : "Филиал $code", 'Address' => $info[0],
            'Phone' => $info[1], 'MisCode' => $code, 'MisTimezone' => $info[2], 'Priority' => (int)$code));
        $n++;
    }
    $i = 0;
    foreach ($schedule['data'] as $fcode => $doctors) {
        foreach ($doctors as $dcode => $d) {
            $spec = isset($d['espec']) ? (string)$d['espec'] : '';
            $insert($doctor_id, array(
                'Name' => $d['efio'], 'Specialty' => $spec, 'MisCode' => (string)$dcode,
                'Photo' => "/demo-photos/$dcode.svg",
                'Experience' => 4 + (crc32($d['efio']) % 27),
                'PriceFrom' => isset($prices[$spec]) ? $prices[$spec] : 2000,
                'Priority' => ++$i,
            ));
        }
    }
    $say("cards: $n clinics, $i doctors (from the MIS schedule)");
} else {
    $say('cards kept');
}
// the doctors' photos (initials on a colour): written wherever one is missing — a kept database
// with a new site root (a second clone, a removed demo/.run/site) has none
$palette = array('#2f7d6d', '#3a6ea5', '#8a5a9e', '#b5651d', '#4d7c2f', '#a23b4b');
$drawn = 0;
foreach ((array)$db->get_results("SELECT `Name`, `Photo`, `Priority` FROM `Message$doctor_id` WHERE `Photo` LIKE '/demo-photos/%'", ARRAY_A) as $row) {
    $file = $root . $row['Photo'];
    if (is_file($file) || !preg_match('~^/demo-photos/[A-Za-z0-9_-]+\.svg$~', $row['Photo'])) {
        continue;
    }
    $parts = preg_split('/\s+/u', (string)$row['Name']);
    $initials = mb_substr($parts[0], 0, 1) . (isset($parts[1]) ? mb_substr($parts[1], 0, 1) : '');
    file_put_contents($file, '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">'
        . '<rect width="240" height="240" rx="24" fill="' . $palette[max(0, (int)$row['Priority'] - 1) % count($palette)] . '"/>'
        . '<text x="120" y="142" font-family="DejaVu Sans,Arial,sans-serif" font-size="84" fill="#fff" text-anchor="middle">'
        . htmlspecialchars($initials) . '</text></svg>');
    $drawn++;
}
$say("photos: $drawn drawn");
$say('engine settings OK: ' . implode(', ', array_keys($priem->settings()->engine())));
