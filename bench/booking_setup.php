<?php
/**
 * bench/booking.sh's requests, over the site of bench/grid_setup.php (needs the extension):
 *
 *   php -d extension=… bench/booking_setup.php ROOT DATABASE MIS_URL COUNT OUT_FILE
 *
 * 1. saves the settings a booking needs through the admin form's path: the MIS over HTTP at
 *    MIS_URL (a local peer answering {"success": true} at once), FormMinSeconds 0 (the requests
 *    are sent the moment they are made), TrustedProxies 127.0.0.1 (each request names its own
 *    visitor's address in X-Forwarded-For, as a proxy in front of the site would); the rate
 *    limits stay as they ship (10 per address, 3 per phone, 20 per doctor-day) and do not trip:
 *    every request has its own address, phone and time, at most 4 times per doctor-day;
 * 2. writes COUNT requests to OUT_FILE, one a line: "X-Forwarded-For<TAB>JSON body", each with
 *    a fresh form token (nc_priem_guard, the site's secret), its own idempotency key, name,
 *    phone, consent and a free time (priem_grid: free, not held, the whole window), the times
 *    taken round-robin over the doctors so concurrent requests hit different doctors.
 * Environment: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD.
 */
if ($argc < 6 || !extension_loaded('priem')) {
    fwrite(STDERR, "usage: php -d extension=… bench/booking_setup.php ROOT DATABASE MIS_URL COUNT OUT_FILE\n");
    exit(2);
}
list(, $root, $name, $mis_url, $count, $out_file) = $argv;
$count = (int)$count;
$root = rtrim($root, '/');
$repo = dirname(__DIR__);
$dbc = array('host' => getenv('DB_HOST') ?: '127.0.0.1', 'port' => (int)(getenv('DB_PORT') ?: 3306),
    'user' => getenv('DB_USER') ?: 'root', 'password' => (string)getenv('DB_PASSWORD'), 'database' => $name);
require_once $repo . '/tests/netcat/standin/site.php';
priem_standin_boot($root, $dbc);
$priem = nc_priem::get_instance();
$errors = $priem->settings()->save_form(array('MisTransport' => 'http', 'MisFormat' => 'prodoctorov', 'MisUrl' => $mis_url,
    'MisTimeout' => '10', 'FormMinSeconds' => '0', 'TrustedProxies' => '127.0.0.1'));
if ($errors) {
    fwrite(STDERR, '[booking setup] settings refused: ' . json_encode($errors, JSON_UNESCAPED_UNICODE) . "\n");
    exit(1);
}
$priem->settings()->forget();
$settings = $priem->settings()->engine(true);
// grid_setup.php's held times stand for bookings that do not exist (ids 1, 2, …): gone, so the
// bookings made here hold their times under their own ids
nc_Core::get_object()->db->query('DELETE FROM `Priem_Hold`');
// the floor endpoint's table (bench/booking_floor_endpoint.php): one row per request
nc_Core::get_object()->db->query('CREATE TABLE IF NOT EXISTS `Priem_Bench_Floor` (`id` INT AUTO_INCREMENT PRIMARY KEY, '
    . '`at` DATETIME(6) NOT NULL) ENGINE=InnoDB');
$guard = new nc_priem_guard($priem->settings()->form_secret());

// the free times of every doctor, at most 4 a doctor-day (the per-doctor-day limit is 20)
$times = array();
foreach (file("$root/bench-doctors.txt", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
    list($filial, $doctor) = explode(' ', $line, 2);
    $g = priem_grid($settings, $filial, $doctor, null, 30);
    $mine = array();
    foreach ($g['days'] as $day) {
        $n = 0;
        foreach ($day['parts'] as $part) {
            foreach ($part['slots'] as $s) {
                if ($s['free'] && !$s['held'] && $n < 4) {
                    $mine[] = array($filial, $doctor, $day['date'], $s['time_start']);
                    $n++;
                }
            }
        }
    }
    shuffle($mine);
    $times[] = $mine;
}
// round-robin over the doctors
$picked = array();
for ($round = 0; count($picked) < $count; $round++) {
    $any = false;
    foreach ($times as $mine) {
        if (isset($mine[$round])) {
            $picked[] = $mine[$round];
            $any = true;
            if (count($picked) >= $count) {
                break;
            }
        }
    }
    if (!$any) {
        break;
    }
}
$now = time();
$out = '';
foreach ($picked as $i => $t) {
    $body = array(
        'token' => $guard->issue_token($now),
        'idempotency_key' => bin2hex(random_bytes(16)),
        'filial' => $t[0], 'doctor' => $t[1], 'date' => $t[2], 'time_start' => $t[3],
        'name' => 'Нагрузочный Тест Пациентович',
        'phone' => sprintf('+7 (9%02d) %03d-%02d-%02d', intdiv($i, 10000000) % 100, intdiv($i, 10000) % 1000,
            intdiv($i, 100) % 100, $i % 100),
        'comment' => '',
        'consent' => true,
        'website' => '',
    );
    $xff = sprintf('10.%d.%d.%d', ($i >> 16) & 255, ($i >> 8) & 255, $i & 255);
    $out .= $xff . "\t" . json_encode($body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) . "\n";
}
file_put_contents($out_file, $out);
printf("[booking setup] MIS %s, %d requests written (%d doctors, distinct times, phones and addresses)\n", $mis_url,
    count($picked), count($times));
if (count($picked) < $count) {
    fwrite(STDERR, "[booking setup] only " . count($picked) . " free times for $count requests\n");
    exit(1);
}
