<?php
/**
 * The site the browser tests run against (run by tests/browser/run.sh; needs the priem extension):
 *
 *   php -d extension=…/libpriem.so tests/browser/stack.php setup <config.json>
 *   php -d extension=…/libpriem.so tests/browser/stack.php set <config.json> Key=Value…
 *
 * config: {"root" (site root, created), "database", "ftp": {"port", "user", "password", "root"
 *          (the FTP server's local folder), "directory"}, "mis_url", "fixture" (JSON written for the
 *          tests)}
 *
 * setup:
 * 1. database <database> dropped and recreated with the NetCat stand-in's tables;
 * 2. the site root: the stand-in's vars.inc.php and connect_io.php, the module copied as NetCat's
 *    installer copies it (the files of files.txt), two pages: /index.php (the picker,
 *    nc_priem::picker()) and /doctor.php?codes=… (a doctor card with nc_priem::widget($codes));
 * 3. the module's real installer, the shipped components, the settings through save_form (FTP of
 *    the test server, MisUrl of the MIS peer, MisTimeout 2, ClinicPhone, FormMinSeconds 1);
 * 4. clinic cards (3 filials, one in Asia/Yekaterinburg) and doctor cards (name, specialty,
 *    experience, price, photo, MIS code);
 * 5. a schedule from tomorrow on (UTC date), uploaded to the FTP server as the MIS does (temporary
 *    name, then rename) and imported by a real engine tick ($priem->sync()): the file must end up
 *    in processed/ and the slots in Priem_Slot.
 * set: saves settings through save_form (e.g. MisUrl=http://127.0.0.1:9/ for "the MIS is down").
 */
$repo = dirname(__DIR__, 2);
$standin = $repo . '/tests/netcat/standin';
$mode = isset($argv[1]) ? $argv[1] : '';
$config = isset($argv[2]) ? json_decode((string)file_get_contents($argv[2]), true) : null;
if (!in_array($mode, array('setup', 'set'), true) || !is_array($config)) {
    fwrite(STDERR, "usage: php -d extension=…/libpriem.so tests/browser/stack.php setup|set <config.json> [Key=Value…]\n");
    exit(2);
}
if (!extension_loaded('priem')) {
    fwrite(STDERR, "stack.php: the priem extension is not loaded\n");
    exit(2);
}
$root = rtrim($config['root'], '/');
$name = $config['database'];
if (!preg_match('/^[A-Za-z0-9_]+$/', $name)) {
    fwrite(STDERR, "stack.php: bad database name $name\n");
    exit(2);
}
$say = function ($s) {
    echo "[stack] $s\n";
};
$fail = function ($s) {
    fwrite(STDERR, "[stack] $s\n");
    exit(1);
};

/** The stand-in core over the site's database, as the site's own scripts get it. */
$boot = function () use ($root, $name, $standin) {
    require_once "$standin/site.php";
    priem_standin_boot($root, array('host' => '127.0.0.1', 'user' => 'root', 'password' => '', 'database' => $name, 'port' => 3306));
    return nc_priem::get_instance();
};

if ($mode === 'set') {
    $priem = $boot();
    $form = array();
    foreach (array_slice($argv, 3) as $pair) {
        $eq = strpos($pair, '=');
        if ($eq === false) {
            $fail("set: expected Key=Value, got $pair");
        }
        $form[substr($pair, 0, $eq)] = substr($pair, $eq + 1);
    }
    $errors = $priem->settings()->save_form($form);
    if ($errors) {
        $fail('settings refused: ' . json_encode($errors, JSON_UNESCAPED_UNICODE));
    }
    $say('settings: ' . json_encode($form, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
    exit(0);
}

// ---- 1. the database --------------------------------------------------------------------------
require_once "$standin/schema.php";
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$m = new mysqli('127.0.0.1', 'root', '', '', 3306);
$m->query("DROP DATABASE IF EXISTS `$name`");
$m->query("CREATE DATABASE `$name` CHARACTER SET utf8");
$m->select_db($name);
nc_standin_create_tables($m, 'browser-cron-key');
$m->close();
mysqli_report(MYSQLI_REPORT_OFF);
$say("database $name (NetCat stand-in tables)");

// ---- 2. the site root ---------------------------------------------------------------------------
require_once "$standin/site.php";
exec('rm -rf ' . escapeshellarg($root));
priem_standin_site_files($root, array('host' => '127.0.0.1', 'user' => 'root', 'password' => '', 'database' => $name, 'port' => 3306));
@mkdir("$root/netcat_template/class", 0777, true);
// what the installer's CopyFiles does: the root files into netcat/modules/priem/, then files.txt
$pkg = $repo . '/netcat-module/priem';
priem_standin_copy_module($root, $pkg);

// the pages: minimal chrome around what a NetCat template would print
$chrome = <<<'PHP'
<?php
require __DIR__ . '/netcat/modules/priem/bootstrap.php';
function page_open($title)
{
    header('Content-Type: text/html; charset=utf-8');
    echo '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        . '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        . '<title>' . htmlspecialchars($title) . ' — Клиника «Здоровье»</title><style>'
        . 'body{margin:0;font:16px/1.5 "DejaVu Sans",Arial,sans-serif;color:#222;background:#f5f7f8}'
        . 'header{background:#fff;border-bottom:3px solid #2f9e8f;padding:14px 20px;font-weight:700;font-size:20px;color:#1d5f73}'
        . 'header a{color:inherit;text-decoration:none}'
        . 'main{max-width:960px;margin:20px auto;padding:0 16px}h1{font-size:24px;margin:0 0 14px}'
        . '.card{background:#fff;border:1px solid #e0e7ea;border-radius:10px;padding:18px 20px;margin:0 0 16px}'
        . '.doctor{display:flex;gap:18px;align-items:flex-start}.doctor img{width:120px;height:120px;border-radius:12px;flex:none}'
        . '.doctor p{margin:2px 0}.muted{color:#5a6b77}'
        . '@media (max-width:600px){.doctor img{width:72px;height:72px}}'
        . '</style></head><body><header><a href="/">Клиника «Здоровье»</a></header><main>';
}
function page_close()
{
    echo '</main></body></html>';
}

PHP;
file_put_contents("$root/chrome.inc.php", $chrome);
file_put_contents("$root/index.php", <<<'PHP'
<?php
require __DIR__ . '/chrome.inc.php';
page_open('Онлайн-запись');
echo '<h1>Онлайн-запись на приём</h1><div class="card">', nc_priem::get_instance()->picker(), '</div>';
page_close();

PHP
);
file_put_contents("$root/doctor.php", <<<'PHP'
<?php
require __DIR__ . '/chrome.inc.php';
$codes = isset($_GET['codes']) ? (string)$_GET['codes'] : '';
$db = nc_Core::get_object()->db;
$class = (int)$db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
$card = $db->get_row("SELECT * FROM `Message$class` WHERE `MisCode` = '" . $db->escape($codes) . "'", ARRAY_A);
page_open($card ? $card['Name'] : 'Врач');
if ($card) {
    echo '<div class="card doctor"><img src="', htmlspecialchars($card['Photo']), '" alt=""><div>',
        '<h1>', htmlspecialchars($card['Name']), '</h1>',
        '<p>', htmlspecialchars($card['Specialty']), '</p>',
        '<p class="muted">Стаж ', (int)$card['Experience'], ' лет · приём от&nbsp;', number_format((int)$card['PriceFrom'], 0, '', '&nbsp;'), '&nbsp;₽</p>',
        '</div></div>';
}
echo '<div class="card">', nc_priem::get_instance()->widget($codes), '</div>';
page_close();

PHP
);
// the shipped «Клиники» and «Врачи» lists and pages, as NetCat renders the component files
// (tests/netcat/standin/component.php), inside the same chrome
file_put_contents("$root/cards.php", <<<'PHP'
<?php
require __DIR__ . '/chrome.inc.php';
$db = nc_Core::get_object()->db;
$role = isset($_GET['list']) && $_GET['list'] === 'clinics' ? 'clinics' : 'doctors';
$class = (int)$db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_$role'");
$id = isset($_GET['id']) ? (int)$_GET['id'] : 0;
if ($id > 0) {
    $page = nc_standin_tpl::full_page($class, $id);
    page_open($page['h1']);
    echo '<h1>', htmlspecialchars($page['h1']), '</h1>', $page['body'];
} else {
    page_open($role === 'clinics' ? 'Клиники' : 'Врачи');
    echo '<h1>', $role === 'clinics' ? 'Клиники' : 'Врачи', '</h1>';
    echo nc_standin_tpl::object_list($class, array('link' => function (array $row) use ($role) {
        return '/cards.php?list=' . $role . '&id=' . $row['Message_ID'];
    }));
}
page_close();

PHP
);
$say("site root $root (module from netcat-module/priem, /index.php picker, /doctor.php?codes=… widget, /cards.php lists and pages)");

// ---- 3. the module ------------------------------------------------------------------------------
$priem = $boot();
$core = nc_Core::get_object();
$db = $core->db;
$db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Description`, `Installed`, `Checked`, `Inside_Admin`)"
    . " VALUES ('NETCAT_MODULE_PRIEM', 'priem', 'Онлайн-запись на приём', 1, 1, 1)");
$result = $priem->installer()->install();
if (empty($result['Success'])) {
    $fail('installer: ' . $result['ErrorMessage']);
}
$made = $priem->fields()->create_components();
$say('installer OK; components: ' . json_encode($made, JSON_UNESCAPED_UNICODE));
$ftp = $config['ftp'];
$errors = $priem->settings()->save_form(array(
    'ClinicComponent' => 'priem_clinics', 'DoctorComponent' => 'priem_doctors',
    'FtpHost' => '127.0.0.1', 'FtpPort' => (string)$ftp['port'], 'FtpUser' => $ftp['user'], 'FtpPassword' => $ftp['password'],
    'FtpDirectory' => $ftp['directory'], 'FtpTls' => '0', 'FtpAfterImport' => 'move',
    'MisTransport' => 'http', 'MisFormat' => 'prodoctorov', 'MisUrl' => $config['mis_url'], 'MisTimeout' => '2',
    'BookingHorizonDays' => '14', 'BookingMinNotice' => '60',
    'ClinicPhone' => '+7 (495) 120-45-67', 'PolicyUrl' => '/politika/', 'FormMinSeconds' => '1',
    // every test books from 127.0.0.1: keep the per-address and per-phone limits out of the way
    'RateLimitIp' => '1000', 'RateLimitPhone' => '100',
));
if ($errors) {
    $fail('settings refused: ' . json_encode($errors, JSON_UNESCAPED_UNICODE));
}
$priem->settings()->forget();
$say("settings: FTP 127.0.0.1:{$ftp['port']}/{$ftp['directory']}, MIS {$config['mis_url']}, MisTimeout 2, FormMinSeconds 1");

// ---- 4. the cards -------------------------------------------------------------------------------
$filials = array(
    '1' => array('Клиника «Здоровье» на Ленина', 'г. Москва, ул. Ленина, 12', '+7 (495) 120-45-67', 'Europe/Moscow'),
    '2' => array('Клиника «Здоровье» на проспекте Мира', 'г. Москва, проспект Мира, 48', '+7 (495) 765-43-21', 'Europe/Moscow'),
    '3' => array('Клиника «Здоровье» в Екатеринбурге', 'г. Екатеринбург, ул. Малышева, 30', '+7 (343) 222-33-44', 'Asia/Yekaterinburg'),
);
// code => filial, name, specialty, experience, price, what the tests use it for
$doctors = array(
    '0001' => array('1', 'Иванова Мария Петровна', 'Кардиолог', 14, 2600, 'booking'),
    '0002' => array('1', 'Смирнов Алексей Игоревич', 'Терапевт', 9, 1800, 'race'),
    '0003' => array('1', 'Кузнецова Ольга Сергеевна', 'Невролог', 21, 2500, 'validation'),
    '0004' => array('2', 'Петров Дмитрий Андреевич', 'Педиатр', 6, 1900, 'mis_down'),
    '0005' => array('3', 'Волкова Елена Викторовна', 'Терапевт', 17, 1700, 'yekaterinburg'),
    '0006' => array('3', 'Соколов Игорь Николаевич', 'Офтальмолог', 11, 2300, 'keyboard'),
    '0007' => array('2', 'Морозова Анна Павловна', 'Эндокринолог', 8, 2700, 'phone'),
);
$clinic_id = $priem->netcat()->component_id('priem_clinics');
$doctor_id = $priem->netcat()->component_id('priem_doctors');
$insert = function ($class_id, array $fields) use ($db) {
    $set = array('`Created` = NOW()', '`Checked` = 1');
    foreach ($fields as $k => $v) {
        $set[] = "`$k` = " . (is_int($v) ? $v : "'" . $db->escape($v) . "'");
    }
    if ($db->query("INSERT INTO `Message$class_id` SET " . implode(', ', $set)) === false) {
        throw new RuntimeException($db->last_error);
    }
};
$i = 0;
foreach ($filials as $code => $f) {
    $insert($clinic_id, array('Name' => $f[0], 'Address' => $f[1], 'Phone' => $f[2], 'MisCode' => (string)$code,
        'MisTimezone' => $f[3], 'Priority' => ++$i));
}
@mkdir("$root/photos", 0777, true);
$palette = array('#2f7d6d', '#3a6ea5', '#8a5a9e', '#b5651d', '#4d7c2f', '#a23b4b', '#1f6f8b');
$i = 0;
foreach ($doctors as $code => $d) {
    $parts = preg_split('/\s+/u', $d[1]);
    file_put_contents("$root/photos/$code.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240">'
        . '<rect width="240" height="240" fill="' . $palette[$i % count($palette)] . '"/>'
        . '<text x="120" y="146" font-family="DejaVu Sans,Arial,sans-serif" font-size="84" fill="#fff" text-anchor="middle">'
        . mb_substr($parts[0], 0, 1) . mb_substr($parts[1], 0, 1) . '</text></svg>');
    $insert($doctor_id, array('Name' => $d[1], 'Specialty' => $d[2], 'Experience' => $d[3], 'PriceFrom' => $d[4],
        'MisCode' => "{$d[0]}:$code", 'Photo' => "/photos/$code.svg", 'Priority' => ++$i));
}
$say('cards: ' . count($filials) . ' clinics, ' . count($doctors) . ' doctors');
// the booking block placed on the site's first page (/, the picker): the clinics link to it
$db->query("INSERT INTO `Subdivision` (`Subdivision_ID`, `Hidden_URL`) VALUES (1, '/')");
$db->query('INSERT INTO `Sub_Class` (`Subdivision_ID`, `Class_ID`) VALUES (1, ' . (int)$priem->netcat()->component_id('priem_booking') . ')');

// ---- 5. the schedule: through the FTP server and a real engine tick ----------------------------------
// From tomorrow (UTC date) for 10 days, Sundays off; 30-minute cells in the morning, the day and
// the evening; a few taken in the MIS. Doctor 0004 starts later in the day (12:00).
$start = new DateTimeImmutable('tomorrow', new DateTimeZone('UTC'));
$doc = array();
foreach ($filials as $code => $f) {
    $doc[$code] = $f[0];
}
$doc['data'] = array();
$cells_total = 0;
foreach ($doctors as $code => $d) {
    $cells = array();
    for ($day = 0; $day < 10; $day++) {
        $date = $start->modify("+$day day");
        if ($date->format('N') === '7') {
            continue;
        }
        foreach (array('09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '14:00', '14:30', '15:00', '15:30', '18:00', '18:30') as $k => $t) {
            $end = date('H:i', strtotime("2000-01-01 $t") + 1800);
            $cells[] = array('dt' => $date->format('Y-m-d'), 'time_start' => $t, 'time_end' => $end,
                'free' => !in_array($k, array(1, 7), true), 'room' => (string)(100 + (int)$code));
        }
    }
    $cells_total += count($cells);
    $doc['data'][$d[0]][$code] = array('efio' => $d[1], 'espec' => $d[2], 'cells' => $cells);
}
$json = json_encode($doc, JSON_UNESCAPED_UNICODE);
$ftp_dir = rtrim($ftp['root'], '/') . '/' . $ftp['directory'];
if (function_exists('ftp_connect')) {
    // the MIS's way: upload under a temporary name, then rename
    $c = ftp_connect('127.0.0.1', (int)$ftp['port'], 10);
    if (!$c || !ftp_login($c, $ftp['user'], $ftp['password'])) {
        $fail("cannot log in to the FTP server on port {$ftp['port']}");
    }
    ftp_pasv($c, true);
    $tmp = fopen('php://memory', 'w+');
    fwrite($tmp, $json);
    rewind($tmp);
    if (!ftp_fput($c, "{$ftp['directory']}/.schedule.json.tmp", $tmp, FTP_BINARY)
        || !ftp_rename($c, "{$ftp['directory']}/.schedule.json.tmp", "{$ftp['directory']}/schedule.json")) {
        $fail('cannot upload the schedule to the FTP server');
    }
    ftp_close($c);
    $how = 'uploaded over FTP';
} else {
    file_put_contents("$ftp_dir/schedule.json", $json);
    $how = 'written into the FTP folder';
}
$say("schedule: $cells_total cells from " . $start->format('Y-m-d') . ", $how");

$report = $priem->sync();
$slots = (int)$db->get_var('SELECT COUNT(*) FROM `Priem_Slot`');
if ($slots !== $cells_total || !is_file("$ftp_dir/processed/schedule.json")) {
    $fail("the sync did not import the schedule from the FTP server ($slots slots): " . json_encode($report, JSON_UNESCAPED_UNICODE));
}
$say('sync: ' . $report['line']);

// ---- the fixture for the tests -----------------------------------------------------------------------
$out = array('filials' => array(), 'doctors' => array());
foreach ($filials as $code => $f) {
    $out['filials'][$code] = array('name' => $f[0], 'address' => $f[1], 'phone' => $f[2], 'timezone' => $f[3]);
}
foreach ($doctors as $code => $d) {
    $out['doctors'][$d[5]] = array('code' => $code, 'filial' => $d[0], 'name' => $d[1], 'specialty' => $d[2],
        'codes' => "{$d[0]}:$code");
}
file_put_contents($config['fixture'], json_encode($out, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT));
$say("fixture {$config['fixture']}");
