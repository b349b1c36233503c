<?php
/**
 * Screenshots of the module's admin tabs under the NetCat stand-in (run by screenshots.sh):
 * a throw-away site root with the module as the installer copies it, the stand-in admin chrome
 * (standin/admin.php), demo data (a schedule of two filials and three doctors, cards for the
 * clinics and two doctors — one the MIS does not know, bookings in every state, a sync run that
 * could not reach the FTP server and so an open alert), `php -S`, then headless Chromium.
 *
 *   php -d extension=…/libpriem.so tests/netcat/screenshots.php <out dir> [chromium binary]
 *
 * Uses a test database (priem_netcat_test_<pid>), dropped on exit like the tests do.
 */
require __DIR__ . '/bootstrap.php';
require __DIR__ . '/admin_site.php';

$out = isset($argv[1]) ? rtrim($argv[1], '/') : dirname(__DIR__, 2) . '/docs/screenshots';
$chromium = isset($argv[2]) ? $argv[2] : 'chromium';
@mkdir($out, 0777, true);

priem_nc_reset_db();
$core = nc_Core::get_object();
$db = $core->db;
$priem = priem_nc_module();
$priem->installer()->install();

$clinics = priem_nc_component('Клиники', 'clinics');
$doctors = priem_nc_component('Врачи', 'doctors');
$errors = $priem->settings()->save_form(array(
    'ClinicComponent' => 'clinics', 'DoctorComponent' => 'doctors',
    // nothing listens on these ports: the sync run fails fast and raises an alert
    'FtpHost' => '127.0.0.1', 'FtpPort' => '2121', 'FtpUser' => 'mis', 'FtpPassword' => 'demo-ftp-password',
    'MisTransport' => 'http', 'MisUrl' => 'http://127.0.0.1:9/appointments', 'MisUser' => 'site', 'MisPassword' => 'demo-mis-password',
    'PushLogin' => 'mis', 'PushPassword' => 'demo-push-password',
));
if ($errors) {
    fwrite(STDERR, 'settings: ' . json_encode($errors, JSON_UNESCAPED_UNICODE) . "\n");
    exit(1);
}
$priem = priem_nc_module();
$priem->fields()->ensure_configured();
foreach (array(array($clinics, 'Клиника на Ленина', "MisCode` = '1', `MisTimezone` = 'Europe/Moscow"),
               array($clinics, 'Клиника в Екатеринбурге', "MisCode` = '2', `MisTimezone` = 'Asia/Yekaterinburg"),
               array($doctors, 'Иванова Мария Петровна', "MisCode` = '0001"),
               array($doctors, 'Петров Пётр Ильич', "MisCode` = '1:0099"),
               // switched off by an editor: «Коды МИС» lists it, no alert for 0043
               array($doctors, 'Кузнецова Ольга Павловна', "Checked` = 0, `MisCode` = '2:0043")) as $card) {
    $db->query('INSERT INTO `Message' . $card[0] . "` SET `Name` = '" . $db->escape($card[1]) . "', `Created` = NOW(), `" . $card[2] . "'");
}

// the schedule: tomorrow and the day after, Moscow filial 1 and Yekaterinburg filial 2
$now = gmdate('Y-m-d\TH:i:s\Z');
$d1 = gmdate('Y-m-d', time() + 86400);
$d2 = gmdate('Y-m-d', time() + 2 * 86400);
$cells = function ($date, array $times) {
    $out = array();
    foreach ($times as $i => $t) {
        $out[] = array('dt' => $date, 'time_start' => $t, 'time_end' => date('H:i', strtotime("$date $t") + 1800), 'free' => $i % 3 !== 1);
    }
    return $out;
};
$schedule = json_encode(array('data' => array(
    '1' => array(
        '0001' => array('efio' => 'Иванова Мария Петровна', 'espec' => 'Кардиолог',
                        'cells' => array_merge($cells($d1, array('09:00', '09:30', '10:00', '10:30')), $cells($d2, array('14:00', '14:30')))),
        '0007' => array('efio' => 'Смирнов Олег Игоревич', 'espec' => 'Невролог', 'cells' => $cells($d1, array('11:00', '11:30', '12:00'))),
    ),
    '2' => array(
        '0042' => array('efio' => 'Сидоров Сидор Сидорович', 'espec' => 'Терапевт', 'cells' => $cells($d2, array('10:00', '10:30'))),
        '0043' => array('efio' => 'Кузнецова Ольга Павловна', 'espec' => 'Окулист', 'cells' => $cells($d2, array('11:00'))),
    ),
)), JSON_UNESCAPED_UNICODE);
priem_import_schedule($priem->settings()->engine(), $schedule, $now);

// one cron run: the known-codes check (0007 and 0042 have no card, 0099 is not in the schedule)
// and an FTP server that does not answer
$report = $priem->sync();
fwrite(STDERR, 'sync: ' . (is_array($report) ? json_encode($report, JSON_UNESCAPED_UNICODE) : (string)$report) . "\n");

// bookings in every state (as the engine stores them: payload as sent, phone masked)
$bookings = array(
    array('confirmed', '1', '0001', "$d1 06:00:00", 'Анна К.', '79161234567', 1, null, -26),
    array('rejected', '1', '0007', "$d1 08:00:00", 'Борис Л.', '79037654321', 1, 'Время уже занято', -20),
    array('unknown', '2', '0042', "$d2 05:00:00", 'Вера М.', '79221112233', 5, 'МИС не ответила за 10 с', -6),
    array('queued', '1', '0001', "$d2 11:30:00", 'Глеб Н.', '79998887766', 0, null, -1),
    array('check', '1', '0001', "$d1 07:00:00", 'Дарья О.', '79035556677', 2, 'Время уже занято', -3),
    array('confirmed', '1', '0007', "$d1 09:00:00", 'Евгений П.', '79034443322', 1, null, -2),
);
foreach ($bookings as $i => $b) {
    list($status, $filial, $doctor, $start, $name, $phone, $attempts, $error, $hours) = $b;
    $payload = json_encode(array('filial_id' => $filial, 'doctor_id' => $doctor, 'dt' => substr($start, 0, 10),
        'time_start' => substr($start, 11, 5), 'name' => $name, 'phone' => $phone), JSON_UNESCAPED_UNICODE);
    $masked = substr($phone, 0, 4) . '***' . substr($phone, -4);
    $db->query("INSERT INTO `Priem_Booking` (`idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`, `payload`,
        `attempts`, `last_error`, `created_at`, `phone_masked`) VALUES ('demo-$i', 'site', '$status', '$filial', '$doctor', '$start',
        '$start' + INTERVAL 30 MINUTE, '" . $db->escape($payload) . "', $attempts, " . ($error === null ? 'NULL' : "'" . $db->escape($error) . "'")
        . ", UTC_TIMESTAMP() - INTERVAL " . (-$hours) . " HOUR, '$masked')");
}

// reconciliation: the MIS's snapshot shows the first confirmed booking, not the last one
$db->query("UPDATE `Priem_Booking` SET `answered_at` = `created_at`, `mis_seen_at` = UTC_TIMESTAMP() WHERE `idempotency_key` = 'demo-0'");
$db->query("UPDATE `Priem_Booking` SET `answered_at` = `created_at`, `mis_missing_at` = UTC_TIMESTAMP() WHERE `idempotency_key` = 'demo-5'");

// serve the site root
$site = new PriemAdminSite();
$root = $site->root;
$base = $site->url();

// the buttons' POSTs (with the admin token), as pages that submit themselves on load
$post_page = function ($name, $tab, array $fields) use ($site) {
    $html = '<!DOCTYPE html><meta charset="utf-8"><body onload="document.forms[0].submit()">'
        . '<form method="post" action="/netcat/modules/priem/admin.php?controller=' . $tab . '">'
        . '<input type="hidden" name="nc_token" value="' . PriemAdminSite::token(1) . '">';
    foreach ($fields as $k => $v) {
        $html .= '<input type="hidden" name="' . $k . '" value="' . htmlspecialchars($v) . '">';
    }
    file_put_contents("$site->root/$name.html", $html . '</form>');
    return "$site->base/$name.html";
};
$shots = array(
    'settings' => array("$base?controller=settings", 900),
    'status' => array("$base?controller=status", 900),
    'bookings' => array("$base?controller=bookings", 900),
    'codes' => array("$base?controller=codes", 900),
    'prodoctorov' => array("$base?controller=prodoctorov", 900),
    // after the buttons: "Проверить соединение: FTP" and "Повторить отправку" of booking 3 (unknown)
    'settings-check' => array($post_page('post-check', 'settings', array('action' => 'check', 'what' => 'ftp')), 900),
    'bookings-retry' => array($post_page('post-retry', 'bookings', array('action' => 'retry', 'id' => '3')), 900),
    // "Удалить данные" of the patient of booking 3, by his phone typed as people do (taken last,
    // with the unreachable FTP server taken out of the settings: an erasure waits for FTP)
    'bookings-erase' => array($post_page('post-erase', 'bookings', array('action' => 'erase', 'phone' => '8 (922) 111-22-33',
        'confirm' => '1')), 1400),
);
$rc = 0;
foreach ($shots as $view => $shot) {
    list($url, $height) = $shot;
    if ($view === 'bookings-erase') {
        priem_nc_module()->settings()->save_form(array('FtpHost' => ''));
    }
    $png = "$out/admin-$view.png";
    @unlink($png);
    $cmd = escapeshellarg($chromium) . ' --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars'
        . ' --lang=ru-RU --virtual-time-budget=15000'
        . ' --screenshot=' . escapeshellarg($png) . ' --window-size=1280,' . $height . ' ' . escapeshellarg($url) . ' 2>/dev/null';
    exec($cmd, $ignored, $code);
    echo (is_file($png) ? 'ok   ' : 'FAIL ') . $png . "\n";
    $rc = is_file($png) ? $rc : 1;
}
if (getenv('PRIEM_SHOTS_KEEP')) {
    echo "serving $base — press Enter to stop\n";
    fgets(STDIN);
}
$site->stop();
exit($rc);
