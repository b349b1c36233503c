<?php

use PHPUnit\Framework\TestCase;

/**
 * The booking form's JSON API (nc_priem_api, docs/api.md) over the stand-in core, a real MariaDB
 * and the HTTP MIS peer (tests/peers/mis_peer.py): the reads merged with the editors' cards, the
 * form's protections, every booking outcome, status and .ics (api.php itself over HTTP: the
 * Endpoints*Test classes).
 */
final class ApiTest extends TestCase
{
    /** The API's clock: 1 December 2030, 11:00 in Moscow (the fixture's schedule is 2 December). */
    private static $now;
    private static $peer;
    private static $port;
    private static $log;
    /** @var nc_priem */
    private static $priem;

    public static function setUpBeforeClass(): void
    {
        priem_nc_reset_db();
        $core = nc_Core::get_object();
        $core->db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`) VALUES ('NETCAT_MODULE_PRIEM', 'priem', 1, 1)");
        self::$priem = priem_nc_module();
        self::assertSame(1, self::$priem->installer()->install()['Success']);
        self::$priem->fields()->create_components();
        self::$priem->settings()->forget();

        self::$log = tempnam(sys_get_temp_dir(), 'mis');
        list(self::$peer, self::$port) = priem_nc_serve(function ($port) {
            return array('python3', dirname(__DIR__) . '/peers/mis_peer.py', '--port', (string)$port, '--log', self::$log);
        }, '/dev/null');

        // the editors' cards: a clinic with address and phone, a doctor with photo and price; the
        // optional metro and patients' ages, fields a site's own components may have
        $clinics = $core->db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_clinics'");
        $doctors = $core->db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
        $core->db->query("ALTER TABLE `Message$clinics` ADD `Metro` VARCHAR(255) NULL, ADD `Ages` VARCHAR(255) NULL");
        $core->db->query("ALTER TABLE `Message$doctors` ADD `Ages` VARCHAR(255) NULL");
        $core->db->query("INSERT INTO `Message$clinics` (`Name`, `Address`, `Phone`, `Metro`, `Ages`, `MisCode`, `MisTimezone`) VALUES "
            . "('Клиника «Здоровье» на Ленина', 'ул. Ленина, 1', '+7 (495) 111-22-33', 'м. Чеховская', 'от 18 лет', '1', 'Europe/Moscow'), "
            . "('Клиника в Екатеринбурге', 'ул. Малышева, 5', '+7 (343) 222-33-44', '', NULL, '2', 'Asia/Yekaterinburg')");
        $core->db->query("INSERT INTO `Message$doctors` (`Name`, `Photo`, `Specialty`, `Experience`, `PriceFrom`, `Ages`, `MisCode`) VALUES "
            . "('Иванова Мария Петровна', '/netcat_files/ivanova.jpg', 'Кардиолог', 14, 1500, 'от 16 лет', '1:0001')");
        self::set_settings(array('MisUrl' => 'http://127.0.0.1:' . self::$port . '/success', 'MisTimeout' => '2',
            'BookingMinNotice' => '30', 'ClinicPhone' => '+7 (800) 000-00-00'));
        self::$now = strtotime('2030-12-01T08:00:00Z');
        $report = priem_import_schedule(self::$priem->settings()->engine(), self::schedule(), gmdate('Y-m-d\TH:i:s\Z', self::$now));
        self::assertSame(array(), $report['rejected']);
    }

    public static function tearDownAfterClass(): void
    {
        proc_terminate(self::$peer);
        proc_close(self::$peer);
        @unlink(self::$log);
    }

    protected function setUp(): void
    {
        // the test reads and clears the extension's counters; the module never touches them
        nc_Core::get_object()->db->query('DELETE FROM `Priem_RateLimit`');
        self::set_settings(array('MisUrl' => 'http://127.0.0.1:' . self::$port . '/success', 'RateLimitIp' => '10', 'RateLimitPhone' => '3',
            'RateLimitDoctorDay' => '20', 'TrustedProxies' => ''));
    }

    private static function set_settings(array $values)
    {
        $errors = self::$priem->settings()->save_form($values);
        self::assertSame(array(), $errors);
        self::$priem->settings()->forget();
    }

    /** Filial 1 (Moscow): doctor 0001 with six half-hour cells, one taken; filial 2 (Yekaterinburg): 0042 and 0043. */
    private static function schedule(): string
    {
        $cells = function ($times, $taken = array()) {
            $out = array();
            foreach ($times as $t) {
                list($a, $b) = explode('-', $t);
                $out[] = array('dt' => '2030-12-02', 'time_start' => $a, 'time_end' => $b, 'free' => !in_array($t, $taken, true));
            }
            return $out;
        };
        return json_encode(array('data' => array(
            '1' => array(
                '0001' => array('efio' => 'Иванова М. П.', 'espec' => 'Кардиолог', 'cells' => $cells(
                    array('09:00-09:30', '09:30-10:00', '10:00-10:30', '17:00-17:30', '17:30-18:00', '18:00-18:30'), array('09:30-10:00'))),
                '0007' => array('efio' => 'Петров Пётр', 'espec' => 'Терапевт', 'cells' => $cells(array('12:00-12:20'), array('12:00-12:20'))),
            ),
            '2' => array('0042' => array('efio' => 'Сидоров Сидор', 'espec' => 'Невролог', 'cells' => $cells(array('10:00-10:20', '10:20-10:40'))),
                         // the protections' tests book (and have refused) these
                         '0043' => array('efio' => 'Кузнецова Ольга', 'espec' => 'Окулист', 'cells' => $cells(array('11:00-11:20', '11:20-11:40')))),
        )), JSON_UNESCAPED_UNICODE);
    }

    /** @return array{int, array, array|string} status, headers, decoded body (string for non-JSON) */
    private function call(string $method, array $get, $body = '', array $server = array(), ?int $at = null): array
    {
        $clock = function () use ($at) {
            return $at !== null ? $at : self::$now;
        };
        $api = new nc_priem_api(self::$priem, $clock);
        list($status, $headers, $out) = $api->handle($server + array('REQUEST_METHOD' => $method, 'HTTP_HOST' => 'clinic.test',
            'REMOTE_ADDR' => '203.0.113.7'), $get, is_array($body) ? json_encode($body, JSON_UNESCAPED_UNICODE) : $body);
        $json = json_decode($out, true);
        return array($status, $headers, is_array($json) ? $json : $out);
    }

    private function token(): string
    {
        list(, , $body) = $this->call('GET', array('action' => 'token'), '', array(), self::$now - 10);
        return $body['token'];
    }

    private function booking(array $over = array()): array
    {
        return $over + array('token' => $this->token(), 'idempotency_key' => bin2hex(random_bytes(12)),
            'filial' => '1', 'doctor' => '0001', 'date' => '2030-12-02', 'time_start' => '09:00',
            'name' => 'Петров Пётр Петрович', 'phone' => '+7 (900) 123-45-67', 'comment' => 'Первичный приём',
            'consent' => true, 'website' => '');
    }

    private static function received(): array
    {
        $out = array();
        foreach (array_filter(explode("\n", (string)file_get_contents(self::$log))) as $line) {
            $out[] = json_decode(hex2bin(json_decode($line, true)['body_hex']), true);
        }
        return $out;
    }

    /** Runs $test, then frees the times it held, so the tests after it find them free. */
    private static function holding_nothing_after(callable $test): void
    {
        $db = nc_Core::get_object()->db;
        $since = (int)$db->get_var('SELECT COALESCE(MAX(`id`), 0) FROM `Priem_Booking`');
        try {
            $test();
        } finally {
            $db->query('DELETE FROM `Priem_Hold` WHERE `booking_id` > ' . $since);
        }
    }

    private static function free_slot_count(string $filial, string $doctor): int
    {
        return (int)nc_Core::get_object()->db->get_var("SELECT COUNT(*) FROM `Priem_Slot` s LEFT JOIN `Priem_Hold` h "
            . "ON h.filial = s.filial AND h.doctor = s.doctor AND h.start_utc = s.start_utc "
            . "WHERE s.filial = '$filial' AND s.doctor = '$doctor' AND s.free = 1 AND h.booking_id IS NULL");
    }

    // ---- reads --------------------------------------------------------------------------

    public function test_filials_merge_the_clinic_cards_with_the_schedule(): void
    {
        list($status, $headers, $body) = $this->call('GET', array('action' => 'filials'));
        $this->assertSame(200, $status);
        $this->assertSame('no-store', $headers['Cache-Control']);
        $this->assertSame(array('code' => '1', 'name' => 'Клиника «Здоровье» на Ленина', 'address' => 'ул. Ленина, 1',
            'phone' => '+7 (495) 111-22-33', 'metro' => 'м. Чеховская', 'ages' => 'от 18 лет', 'timezone' => 'Europe/Moscow',
            'tz_label' => 'время московское', 'doctors' => 1), $body['filials'][0]);
        $this->assertSame(array(null, null), array($body['filials'][1]['metro'], $body['filials'][1]['ages']), 'empty: null');
        $this->assertSame('Asia/Yekaterinburg', $body['filials'][1]['timezone']);
        $this->assertSame('время екатеринбургское', $body['filials'][1]['tz_label']);
    }

    public function test_doctors_lists_those_with_free_time_with_the_nearest_times_and_the_card(): void
    {
        list($status, , $body) = $this->call('GET', array('action' => 'doctors', 'filial' => '1', 'times' => '3'));
        $this->assertSame(200, $status);
        $this->assertCount(1, $body['doctors'], 'Петров has no free time and is not listed');
        $d = $body['doctors'][0];
        $this->assertSame('Иванова Мария Петровна', $d['name'], 'the card name wins over the MIS "Иванова М. П."');
        $this->assertSame('/netcat_files/ivanova.jpg', $d['photo']);
        $this->assertSame(1500, $d['price_from']);
        $this->assertSame(14, $d['experience']);
        $this->assertSame('от 16 лет', $d['ages'], 'the doctor\'s patients\' ages (over the clinic\'s)');
        $this->assertSame(5, $d['free']);
        $this->assertSame(array('date' => '2030-12-02', 'times' => array(
            array('time_start' => '09:00', 'time_end' => '09:30'), array('time_start' => '10:00', 'time_end' => '10:30'),
            array('time_start' => '17:00', 'time_end' => '17:30'))), $d['nearest']);
        $this->assertSame(array(array('name' => 'Кардиолог', 'doctors' => 1)), $body['specialties']);

        list(, , $none) = $this->call('GET', array('action' => 'doctors', 'filial' => '1', 'specialty' => 'Невролог'));
        $this->assertSame(array(), $none['doctors']);
        list($status) = $this->call('GET', array('action' => 'doctors', 'filial' => '99'));
        $this->assertSame(404, $status);
    }

    public function test_grid_gives_the_whole_window_in_the_clinic_time_zone(): void
    {
        list($status, $headers, $body) = $this->call('GET', array('action' => 'grid', 'filial' => '2', 'doctor' => '0042'));
        $this->assertSame(200, $status);
        $this->assertSame('no-store', $headers['Cache-Control']);
        $this->assertSame('Asia/Yekaterinburg', $body['timezone']);
        $this->assertSame('ул. Малышева, 5', $body['filial']['address']);
        $this->assertSame('Сидоров Сидор', $body['doctor']['name'], 'no card: the MIS name');
        $this->assertCount(14, $body['days']);
        $this->assertSame('2030-12-01', $body['days'][0]['date']);
        $this->assertSame(array('date' => '2030-12-02', 'free' => 2, 'parts' => array(array('part' => 'morning', 'label' => 'Утро',
            'slots' => array(array('time_start' => '10:00', 'time_end' => '10:20', 'free' => true),
                             array('time_start' => '10:20', 'time_end' => '10:40', 'free' => true))))), $body['days'][1]);

        list($status, , $body) = $this->call('GET', array('action' => 'grid', 'filial' => '1', 'doctor' => '9999'));
        $this->assertSame(404, $status);
        $this->assertSame('not_found', $body['status']);
        list($status) = $this->call('POST', array('action' => 'grid', 'filial' => '1', 'doctor' => '0001'));
        $this->assertSame(405, $status);
    }

    /**
     * api.php's lean grid entry (nc_priem_api::serve_kept → priem_visitor_grid_json): the full
     * path keeps the settings and the cards in the process; the kept answer is the full path's,
     * byte for byte, until one statement reads back something else — a card edited (as NetCat
     * 6.4's form edits it: LastUpdated does not move), a setting saved.
     */
    public function test_the_kept_grid_is_the_full_paths_until_a_card_or_a_setting_changes(): void
    {
        $db = nc_Core::get_object()->db;
        $doctors = (int)$db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
        $clinics = (int)$db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_clinics'");
        $engine = self::$priem->settings()->engine(true);
        $now = gmdate('Y-m-d\TH:i:s\Z', self::$now);
        $kept = function () use ($engine, $now) {
            return priem_visitor_grid_json($engine['db'], '1', '0001', $now);
        };
        $grid = array('action' => 'grid', 'filial' => '1', 'doctor' => '0001');
        try {
            list($status, , $full) = $this->call('GET', $grid);
            $this->assertSame(200, $status);
            $this->assertSame('Иванова Мария Петровна', $full['doctor']['name']);
            $this->assertNotNull($kept(), 'the full path kept the settings and cards');
            $this->assertSame($full, json_decode($kept(), true), 'the kept answer is the full path\'s');

            // an editor renames the doctor, then changes his price: each is seen on the next request
            $db->query("UPDATE `Message$doctors` SET `Name` = 'Иванова-Смирнова Мария Петровна' WHERE `MisCode` = '1:0001'");
            $this->assertNull($kept(), 'a card edited: what was kept is not used');
            list(, , $full) = $this->call('GET', $grid);
            $this->assertSame('Иванова-Смирнова Мария Петровна', $full['doctor']['name']);
            $this->assertSame($full, json_decode($kept(), true), 'kept again at once');
            $db->query("UPDATE `Message$doctors` SET `PriceFrom` = `PriceFrom` + 150 WHERE `MisCode` = '1:0001'");
            $this->assertNull($kept(), 'a price edited in the same second: what was kept is not used');
            list(, , $priced) = $this->call('GET', $grid);
            $this->assertNotSame($full['doctor'], $priced['doctor']);
            $this->assertSame($priced, json_decode($kept(), true));
            $db->query("UPDATE `Message$clinics` SET `Checked` = 0 WHERE `MisCode` = '1'");
            $this->assertNull($kept(), 'a clinic card switched off: what was kept is not used');
            $db->query("UPDATE `Message$clinics` SET `Checked` = 1 WHERE `MisCode` = '1'");

            // a setting saved (the phone a filial without one shows)
            self::set_settings(array('ClinicPhone' => '+7 (800) 555-00-00'));
            $this->assertNull($kept(), 'a setting saved: what was kept is not used');
            $this->call('GET', $grid);
            $this->assertNotNull($kept());
        } finally {
            $db->query("UPDATE `Message$doctors` SET `Name` = 'Иванова Мария Петровна', `PriceFrom` = 1500 WHERE `MisCode` = '1:0001'");
            $db->query("UPDATE `Message$clinics` SET `Checked` = 1 WHERE `MisCode` = '1'");
            self::set_settings(array('ClinicPhone' => '+7 (800) 000-00-00'));
        }
    }

    /**
     * An editor switches a doctor's card off in NetCat («включить» unticked, Checked = 0): on the
     * next request the doctor is gone from the form — the grid through api.php's lean path too,
     * the doctors and filials, a booking is refused — and the code check asks for no card; «Коды
     * МИС» says the booking is closed. Switched on again, he is back.
     */
    public function test_a_switched_off_doctor_card_takes_the_doctor_off_the_form_and_asks_for_no_card(): void
    {
        require_once __DIR__ . '/admin_site.php';
        $db = nc_Core::get_object()->db;
        $doctors = (int)$db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
        $engine = self::$priem->settings()->engine(true);
        $now = gmdate('Y-m-d\TH:i:s\Z', self::$now);
        $lean = function () use ($engine, $now) {
            return priem_visitor_grid_json($engine['db'], '1', '0001', $now);
        };
        $grid = array('action' => 'grid', 'filial' => '1', 'doctor' => '0001');
        $codes = function () {
            return implode("\n", array_column(priem_alerts(self::$priem->settings()->engine(), 'codes'), 'subject'));
        };
        try {
            list($status) = $this->call('GET', $grid);
            $this->assertSame(200, $status);
            $this->assertNotNull($lean(), 'kept by the full path');

            $db->query("UPDATE `Message$doctors` SET `Checked` = 0 WHERE `MisCode` = '1:0001'");
            $this->assertNull($lean(), 'the switch seen by the lean path\'s check');
            list($status, , $body) = $this->call('GET', $grid);
            $this->assertSame(404, $status, 'the full path');
            $this->assertSame('not_found', $body['status']);
            try {
                $lean();
                $this->fail('the lean path answered a switched-off doctor\'s grid');
            } catch (\Priem\NotFoundException $e) {
                $this->assertStringContainsString('0001', $e->getMessage(), 'api.php answers it 404 as the full path');
            }
            list(, , $body) = $this->call('GET', array('action' => 'doctors', 'filial' => '1'));
            $this->assertSame(array(), $body['doctors']);
            list(, , $body) = $this->call('GET', array('action' => 'filials'));
            $this->assertSame(0, $body['filials'][0]['doctors']);
            list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('time_start' => '17:30')));
            $this->assertSame(422, $status, json_encode($body, JSON_UNESCAPED_UNICODE));
            $this->assertSame(array('form'), array_keys($body['errors']));
            $this->assertSame('Врач не ведёт приём в этой клинике', $body['errors']['form'], 'as for a doctor the MIS does not send');
            $this->assertSame(5, self::free_slot_count('1', '0001'), 'nothing held');

            $report = priem_sync(self::$priem->settings()->engine(), $now);
            $this->assertTrue($report['ran']);
            $this->assertStringNotContainsString('0001', $codes(), 'a switched-off card is a card: no «Нет врача»');
            $this->assertStringContainsString('Нет врача с кодом 0007 в филиале 1', $codes(), 'a doctor with no card still is');
            list(, $page) = priem_nc_admin(1, 'codes');
            $this->assertMatchesRegularExpression('~Врач, карточка № \d+</td>\s*<td>1:0001</td>\s*<td>карточка выключена — онлайн-запись закрыта~u', $page);

            $db->query("UPDATE `Message$doctors` SET `Checked` = 1 WHERE `MisCode` = '1:0001'");
            list($status, , $body) = $this->call('GET', $grid);
            $this->assertSame(200, $status);
            $this->assertSame('Иванова Мария Петровна', $body['doctor']['name']);
            $this->assertSame($body, json_decode($lean(), true), 'the lean path has him back');
            list(, , $body) = $this->call('GET', array('action' => 'doctors', 'filial' => '1'));
            $this->assertCount(1, $body['doctors']);
            priem_sync(self::$priem->settings()->engine(), $now);
            $this->assertStringNotContainsString('0001', $codes());
            list(, $page) = priem_nc_admin(1, 'codes');
            $this->assertStringNotContainsString('1:0001', $page);
        } finally {
            $db->query("UPDATE `Message$doctors` SET `Checked` = 1 WHERE `MisCode` = '1:0001'");
        }
    }

    // ---- the form's protections ---------------------------------------------------------

    public function test_booking_needs_a_token_of_this_site_sent_not_too_fast(): void
    {
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('token' => 'forged')));
        $this->assertSame(403, $status);
        $this->assertStringContainsString('Форма устарела', $body['message']);

        list(, , $t) = $this->call('GET', array('action' => 'token'));
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('token' => $t['token'])));
        $this->assertSame(403, $status, 'sent in the same second the form opened');
        $this->assertSame('too_fast', $body['status']);

        $old = $this->booking();
        list($status) = $this->call('POST', array('action' => 'book'), $old, array(), self::$now + 3 * 3600);
        $this->assertSame(403, $status, 'a token older than two hours');
        $this->assertSame(5, self::free_slot_count('1', '0001'), 'nothing was held');
    }

    public function test_a_cross_site_post_or_a_filled_honeypot_is_refused(): void
    {
        list($status) = $this->call('POST', array('action' => 'book'), $this->booking(), array('HTTP_ORIGIN' => 'https://evil.example'));
        $this->assertSame(403, $status);
        list($status) = $this->call('POST', array('action' => 'book'), $this->booking(), array('HTTP_SEC_FETCH_SITE' => 'cross-site'));
        $this->assertSame(403, $status);
        list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('website' => 'http://spam')));
        $this->assertSame(403, $status);
        $this->assertSame(5, self::free_slot_count('1', '0001'));
    }

    public function test_field_errors_name_each_field_and_nothing_is_booked(): void
    {
        list($status, , $body) = $this->call('POST', array('action' => 'book'),
            $this->booking(array('consent' => false, 'phone' => '123', 'name' => ' ')));
        $this->assertSame(422, $status);
        $this->assertSame('invalid', $body['status']);
        $this->assertSame(array('name', 'phone', 'consent'), array_keys($body['errors']));

        list($status, , $body) = $this->call('POST', array('action' => 'book'),
            $this->booking(array('phone' => '+1 212 555 0100', 'comment' => str_repeat('я', 2001))));
        $this->assertSame(422, $status);
        $this->assertArrayHasKey('phone', $body['errors']);
        $this->assertArrayHasKey('comment', $body['errors']);
        $this->assertSame(5, self::free_slot_count('1', '0001'));
    }

    public function test_too_many_attempts_from_one_address_get_429_with_retry_after(): void
    {
        self::set_settings(array('RateLimitIp' => '2'));
        for ($i = 0; $i < 2; $i++) {
            list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('phone' => '1')));
            $this->assertSame(422, $status);
        }
        list($status, $headers, $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('phone' => '1')));
        $this->assertSame(429, $status);
        $this->assertSame('rate_limited', $body['status']);
        $this->assertGreaterThan(0, (int)$headers['Retry-After']);
        $this->assertStringContainsString('Слишком много попыток', $body['message']);
        list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('phone' => '1')),
            array('REMOTE_ADDR' => '198.51.100.1'));
        $this->assertSame(422, $status, 'another address is not limited');
        $stored = nc_Core::get_object()->db->get_col('SELECT `bucket` FROM `Priem_RateLimit`');
        foreach ($stored as $bucket) {
            $this->assertStringNotContainsString('203.0.113', $bucket, 'addresses are kept hashed');
        }
    }

    public function test_smartcaptcha_is_checked_only_when_keys_are_set(): void
    {
        $was = nc_priem_guard::$captcha_url;
        self::set_settings(array('CaptchaSiteKey' => 'site-key', 'CaptchaServerKey' => 'server-key'));
        $answer = function ($json) {
            return 'http://127.0.0.1:' . self::$port . '/json?body=' . rawurlencode($json);
        };
        try {
            list(, , $t) = $this->call('GET', array('action' => 'token'));
            $this->assertSame(array('site_key' => 'site-key'), $t['captcha']);
            nc_priem_guard::$captcha_url = $answer('{"status":"failed","message":""}');
            list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('captcha' => 'tok')));
            $this->assertSame(array(403, 'captcha'), array($status, $body['status']));
            list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('captcha' => '')));
            $this->assertSame(403, $status, 'no captcha token at all');
            nc_priem_guard::$captcha_url = $answer('{"status":"ok","message":""}');
            list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('captcha' => 'tok', 'phone' => '1')));
            $this->assertSame(422, $status, 'the captcha passed; the phone did not');
        } finally {
            nc_priem_guard::$captcha_url = $was;
            self::set_settings(array('CaptchaSiteKey' => '', 'CaptchaServerKey' => '', 'CaptchaServerKey_clear' => '1'));
        }
        list(, , $t) = $this->call('GET', array('action' => 'token'));
        $this->assertNull($t['captcha']);
    }

    public function test_an_unreachable_smartcaptcha_stops_bookings_unless_the_clinic_chose_otherwise(): void
    {
        self::holding_nothing_after(function () {
            $was = nc_priem_guard::$captcha_url;
            self::set_settings(array('CaptchaSiteKey' => 'site-key', 'CaptchaServerKey' => 'server-key'));
            $peer = 'http://127.0.0.1:' . self::$port;
            try {
                // down (nothing listens), an HTTP error, an answer that is not SmartCaptcha's
                foreach (array('http://127.0.0.1:9/validate', $peer . '/status/502', $peer . '/garbage', $peer . '/json?body=%7B%7D') as $url) {
                    nc_priem_guard::$captcha_url = $url;
                    list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('captcha' => 'tok',
                        'time_start' => '17:30')));
                    $this->assertSame(array(503, 'captcha_unavailable'), array($status, $body['status']), $url);
                    $this->assertStringContainsString('позвоните в клинику: +7 (800) 000-00-00', $body['message']);
                }
                $this->assertSame(5, self::free_slot_count('1', '0001'), 'nothing was booked');
                self::set_settings(array('CaptchaFailOpen' => '1'));
                list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('captcha' => 'tok',
                    'time_start' => '17:30', 'phone' => '+7 903 111-22-33')));
                $this->assertSame(array(200, 'confirmed'), array($status, $body['status']), 'fail-open: the booking goes through');
            } finally {
                nc_priem_guard::$captcha_url = $was;
                self::set_settings(array('CaptchaSiteKey' => '', 'CaptchaServerKey' => '', 'CaptchaServerKey_clear' => '1',
                    'CaptchaFailOpen' => '0'));
            }
        });
    }

    public function test_ipv6_addresses_share_the_budget_of_their_64(): void
    {
        self::set_settings(array('RateLimitIp' => '2'));
        foreach (array('2001:db8:7:1::1', '2001:db8:7:1:ffff::2') as $ip) {
            list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('phone' => '1')), array('REMOTE_ADDR' => $ip));
            $this->assertSame(422, $status, $ip);
        }
        list($status, $headers) = $this->call('POST', array('action' => 'book'), $this->booking(array('phone' => '1')),
            array('REMOTE_ADDR' => '2001:db8:7:1:abcd::3'));
        $this->assertSame(429, $status, 'a third host of the same /64');
        $this->assertGreaterThan(0, (int)$headers['Retry-After']);
        list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('phone' => '1')),
            array('REMOTE_ADDR' => '2001:db8:7:2::1'));
        $this->assertSame(422, $status, 'another /64');
    }

    public function test_behind_a_trusted_proxy_each_visitor_has_a_budget_of_his_own(): void
    {
        self::holding_nothing_after(function () {
            self::set_settings(array('RateLimitIp' => '1'));
            $via_proxy = function ($visitor, array $over = array()) {
                return $this->call('POST', array('action' => 'book'), $this->booking($over + array('phone' => '1')),
                    array('REMOTE_ADDR' => '127.0.0.1', 'HTTP_X_FORWARDED_FOR' => $visitor));
            };
            // no proxy trusted (the default): everyone behind it shares the proxy's budget, and the
            // header, which anyone can send, changes nothing
            $this->assertSame(422, $via_proxy('198.51.100.1')[0]);
            $this->assertSame(429, $via_proxy('198.51.100.2')[0]);
            self::set_settings(array('TrustedProxies' => '127.0.0.1'));
            nc_Core::get_object()->db->query('DELETE FROM `Priem_RateLimit`');
            $this->assertSame(422, $via_proxy('198.51.100.1')[0]);
            $this->assertSame(422, $via_proxy('203.0.113.50, 198.51.100.2')[0], 'the address the proxy saw, not one the visitor claims');
            $this->assertSame(429, $via_proxy('198.51.100.1')[0]);
            // the consent is recorded with the visitor's address
            list($status, , $body) = $via_proxy('198.51.100.3', array('time_start' => '18:00', 'phone' => '+7 904 000-11-22'));
            $this->assertSame(200, $status, json_encode($body, JSON_UNESCAPED_UNICODE));
            $this->assertSame('198.51.100.3', nc_Core::get_object()->db->get_var(
                'SELECT `consent_ip` FROM `Priem_Booking` WHERE `id` = ' . (int)$body['booking']['id']));
        });
    }

    public function test_a_form_token_books_once_while_a_repeat_of_its_booking_keeps_working(): void
    {
        self::holding_nothing_after(function () {
            $token = $this->token();
            $first = $this->booking(array('token' => $token, 'time_start' => '17:00', 'phone' => '+7 905 000-11-22'));
            list($status, , $body) = $this->call('POST', array('action' => 'book'), $first);
            $this->assertSame(array(200, 'confirmed'), array($status, $body['status']), json_encode($body, JSON_UNESCAPED_UNICODE));
            list($status, , $again) = $this->call('POST', array('action' => 'book'), $first);
            $this->assertSame(200, $status, 'the same request again (a lost answer, a double click)');
            $this->assertSame($body['booking']['id'], $again['booking']['id']);
            list($status, , $second) = $this->call('POST', array('action' => 'book'), $this->booking(array('token' => $token,
                'time_start' => '10:00', 'phone' => '+7 905 000-11-22')));
            $this->assertSame(array(403, 'forbidden'), array($status, $second['status']), 'the same form, another booking');
            $this->assertSame('Эта форма уже отправлена. Нажмите «Записаться» ещё раз.', $second['message']);
            $this->assertSame(4, self::free_slot_count('1', '0001'), '17:00 held; 10:00 not');
            // a refusal by the MIS gives the form back: the visitor picks another time
            self::set_settings(array('MisUrl' => 'http://127.0.0.1:' . self::$port . '/refuse?reason=busy'));
            $token = $this->token();
            list(, , $refused) = $this->call('POST', array('action' => 'book'), $this->booking(array('token' => $token,
                'filial' => '2', 'doctor' => '0043', 'time_start' => '11:00')));
            $this->assertSame('refused', $refused['status']);
            self::set_settings(array('MisUrl' => 'http://127.0.0.1:' . self::$port . '/success'));
            list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('token' => $token,
                'filial' => '2', 'doctor' => '0043', 'time_start' => '11:20')));
            $this->assertSame(array(200, 'confirmed'), array($status, $body['status']), json_encode($body, JSON_UNESCAPED_UNICODE));
        });
    }

    // ---- outcomes -----------------------------------------------------------------------

    public function test_a_booking_is_confirmed_once_and_a_repeat_answers_the_same(): void
    {
        $before = count(self::received());
        $request = $this->booking(array('time_start' => '17:00'));
        list($status, $headers, $body) = $this->call('POST', array('action' => 'book'), $request);
        $this->assertSame(200, $status, json_encode($body, JSON_UNESCAPED_UNICODE));
        $this->assertSame('no-store', $headers['Cache-Control']);
        $this->assertSame('confirmed', $body['status']);
        $this->assertSame('Вы записаны', $body['message']);
        $b = $body['booking'];
        $this->assertSame(array('Иванова Мария Петровна', 'Кардиолог', 'Клиника «Здоровье» на Ленина', 'ул. Ленина, 1',
            '+7 (495) 111-22-33', '2030-12-02', '17:00', '17:30', 'время московское'),
            array($b['doctor_name'], $b['specialty'], $b['clinic'], $b['address'], $b['phone'], $b['date'],
                  $b['time_start'], $b['time_end'], $b['tz_label']));
        $this->assertArrayNotHasKey('payload', $b);
        $sent = array_slice(self::received(), $before);
        $this->assertCount(1, $sent);
        $this->assertSame(array('dt_start' => '2030-12-02T14:00:00Z', 'dt_end' => '2030-12-02T14:30:00Z', 'filial_id' => '1',
            'doctor_id' => '0001', 'name' => 'Петров Пётр Петрович', 'phone' => '79001234567'),
            array_intersect_key($sent[0], array_flip(array('dt_start', 'dt_end', 'filial_id', 'doctor_id', 'phone', 'name'))));

        // a double click: the same key, the same answer, no second request to the MIS
        list($status, , $again) = $this->call('POST', array('action' => 'book'), $request);
        $this->assertSame(200, $status);
        $this->assertSame($b['id'], $again['booking']['id']);
        $this->assertCount(1, array_slice(self::received(), $before));

        // status and .ics with the booking's token only
        list($status, , $st) = $this->call('GET', array('action' => 'status', 'id' => $b['id'], 't' => $b['status_token']));
        $this->assertSame(array(200, 'confirmed'), array($status, $st['status']));
        list($status) = $this->call('GET', array('action' => 'status', 'id' => $b['id'], 't' => str_repeat('0', 32)));
        $this->assertSame(404, $status);
        parse_str((string)parse_url($body['ics_url'], PHP_URL_QUERY), $q);
        list($status, $headers, $ics) = $this->call('GET', $q);
        $this->assertSame(200, $status);
        $this->assertStringStartsWith('text/calendar', $headers['Content-Type']);
        $this->assertStringContainsString("DTSTART:20301202T140000Z\r\n", $ics);
        $this->assertStringContainsString("DTEND:20301202T143000Z\r\n", $ics);
        $this->assertStringContainsString('LOCATION:Клиника «Здоровье» на Ленина\, ул. Ленина\, 1', str_replace("\r\n ", '', $ics));
        foreach (explode("\r\n", $ics) as $line) {
            $this->assertLessThanOrEqual(75, strlen($line), 'folded lines');
        }
    }

    /**
     * The status link and the .ics keep working when the MIS later drops the doctor and the
     * clinic from its schedule and the editors remove their cards: the booking is shown from what
     * was stored, never a 404.
     */
    public function test_a_booking_whose_doctor_and_clinic_are_gone_still_shows_its_status(): void
    {
        $core = nc_Core::get_object();
        $doctors = $core->db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
        $core->db->query("INSERT INTO `Message$doctors` (`Name`, `Specialty`, `MisCode`) VALUES ('Кузнецова Ольга Игоревна', 'Офтальмолог', '2:0043')");
        self::$priem->settings()->forget();
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('filial' => '2', 'doctor' => '0043',
            'time_start' => '11:20')));
        $this->assertSame(array(200, 'confirmed'), array($status, $body['status']), json_encode($body, JSON_UNESCAPED_UNICODE));
        $b = $body['booking'];
        $this->assertSame(array('Кузнецова Ольга Игоревна', 'Клиника в Екатеринбурге'), array($b['doctor_name'], $b['clinic']));
        $query = array('id' => $b['id'], 't' => $b['status_token']);
        // the MIS's next snapshot of filial 2 no longer has the doctor; the editors remove his card
        $gone = json_decode(self::schedule(), true);
        unset($gone['data']['2']['0043']);
        $settings = self::$priem->settings()->engine();
        try {
            priem_import_schedule($settings, json_encode($gone, JSON_UNESCAPED_UNICODE), gmdate('Y-m-d\TH:i:s\Z', self::$now));
            $core->db->query("DELETE FROM `Message$doctors` WHERE `MisCode` = '2:0043'");
            self::$priem->settings()->forget();
            list($status, , $st) = $this->call('GET', array('action' => 'status') + $query);
            $this->assertSame(200, $status, json_encode($st, JSON_UNESCAPED_UNICODE));
            $this->assertSame('confirmed', $st['status']);
            $v = $st['booking'];
            $this->assertSame(array('2030-12-02', '11:20', '11:40', 'время екатеринбургское'), array($v['date'], $v['time_start'], $v['time_end'], $v['tz_label']));
            $this->assertSame(array('Кузнецова Ольга Игоревна', 'Офтальмолог', 'Клиника в Екатеринбурге', 'ул. Малышева, 5'),
                array($v['doctor_name'], $v['specialty'], $v['clinic'], $v['address']), 'the names the visitor was shown at booking time');
            list($status, , $ics) = $this->call('GET', array('action' => 'ics') + $query);
            $this->assertSame(200, $status);
            $this->assertStringContainsString('SUMMARY:Приём: Кузнецова Ольга Игоревна (Офтальмолог)', str_replace("\r\n ", '', $ics));
            // a booking made before names were kept: the doctor's code said plainly, never a blank
            $core->db->query('UPDATE `Priem_Booking` SET `names` = NULL WHERE `id` = ' . (int)$b['id']);
            list($status, , $st) = $this->call('GET', array('action' => 'status') + $query);
            $this->assertSame(array(200, 'врач 0043', 'Клиника в Екатеринбурге'), array($status, $st['booking']['doctor_name'], $st['booking']['clinic']));
        } finally {
            $core->db->query("DELETE FROM `Message$doctors` WHERE `MisCode` = '2:0043'");
            priem_import_schedule($settings, self::schedule(), gmdate('Y-m-d\TH:i:s\Z', self::$now));
            $core->db->query('DELETE FROM `Priem_Hold` WHERE `booking_id` = ' . (int)$b['id']);
            self::$priem->settings()->forget();
        }
    }

    public function test_a_time_just_taken_answers_409_with_other_times(): void
    {
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('time_start' => '09:30')));
        $this->assertSame(409, $status);
        $this->assertSame('taken', $body['status']);
        $this->assertStringContainsString('уже занято', $body['message']);
        $this->assertNotEmpty($body['alternatives']);
        $this->assertSame(array('date' => '2030-12-02', 'time_start' => '09:00', 'time_end' => '09:30'), $body['alternatives'][0]);
    }

    public function test_the_mis_down_gives_an_accepted_booking_kept_for_retry(): void
    {
        self::set_settings(array('MisUrl' => 'http://127.0.0.1:9/success'));
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('time_start' => '18:00',
            'phone' => '8 901 000 11 22')));
        $this->assertSame(200, $status);
        $this->assertSame('pending', $body['status']);
        $this->assertSame('Заявка принята — клиника перезвонит для подтверждения', $body['message']);
        $this->assertArrayNotHasKey('ics_url', $body);
        list(, , $st) = $this->call('GET', array('action' => 'status', 'id' => $body['booking']['id'], 't' => $body['booking']['status_token']));
        $this->assertSame('pending', $st['status']);
        list($status) = $this->call('GET', array('action' => 'ics', 'id' => $body['booking']['id'], 't' => $body['booking']['status_token']));
        $this->assertSame(404, $status, 'no calendar entry for an unconfirmed booking');
    }

    public function test_a_refusal_of_the_mis_is_said_with_its_reason(): void
    {
        self::set_settings(array('MisUrl' => 'http://127.0.0.1:' . self::$port . '/refuse?reason=' . rawurlencode('Врач заболел')));
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('time_start' => '10:00',
            'phone' => '+79010002233')));
        $this->assertSame(200, $status);
        $this->assertSame('refused', $body['status']);
        $this->assertStringContainsString('Врач заболел', $body['message']);
    }

    public function test_one_phone_gets_a_few_bookings_a_day(): void
    {
        self::set_settings(array('RateLimitPhone' => '1'));
        nc_Core::get_object()->db->query("DELETE FROM `Priem_Hold` WHERE `filial` = '2'");
        $first = $this->booking(array('filial' => '2', 'doctor' => '0042', 'time_start' => '10:00', 'phone' => '+7 902 555-66-77'));
        list($status) = $this->call('POST', array('action' => 'book'), $first);
        $this->assertSame(200, $status);
        list($status) = $this->call('POST', array('action' => 'book'), $first);
        $this->assertSame(200, $status, 'repeating the made booking is not a new one');
        list($status, $headers, $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('filial' => '2',
            'doctor' => '0042', 'time_start' => '10:20', 'phone' => '89025556677')));
        $this->assertSame(429, $status);
        $this->assertStringContainsString('позвоните в клинику', $body['message']);
        $this->assertGreaterThan(0, (int)$headers['Retry-After']);
        $this->assertSame(1, (int)nc_Core::get_object()->db->get_var(
            "SELECT COUNT(*) FROM `Priem_Hold` WHERE `filial` = '2'"), 'the refused one holds nothing');
    }

    public function test_a_doctors_day_takes_a_capped_number_of_bookings_from_the_site(): void
    {
        self::set_settings(array('RateLimitDoctorDay' => '1'));
        nc_Core::get_object()->db->query("DELETE FROM `Priem_Hold` WHERE `filial` = '2'");
        list($status) = $this->call('POST', array('action' => 'book'), $this->booking(array('filial' => '2', 'doctor' => '0042',
            'time_start' => '10:00', 'phone' => '+7 906 000-00-01')));
        $this->assertSame(200, $status);
        list($status, , $body) = $this->call('POST', array('action' => 'book'), $this->booking(array('filial' => '2',
            'doctor' => '0042', 'time_start' => '10:20', 'phone' => '+7 906 000-00-02')));
        $this->assertSame(array(422, 'invalid'), array($status, $body['status']));
        $this->assertStringStartsWith('Запись к этому врачу на этот день через сайт закрыта', $body['errors']['form']);
    }

    // ---- the widget's HTML and api.php --------------------------------------------------

    public function test_widget_finds_the_doctor_by_the_card_codes(): void
    {
        $html = self::$priem->widget('0042');
        $this->assertMatchesRegularExpression('~<div class="priem-widget" data-priem="([^"]+)"~', $html);
        preg_match('~data-priem="([^"]+)"~', $html, $m);
        $config = json_decode(html_entity_decode($m[1], ENT_QUOTES), true);
        $this->assertSame('doctor', $config['mode']);
        $this->assertSame(array(array('filial' => '2', 'doctor' => '0042')), $config['targets']);
        $this->assertSame('/netcat/modules/priem/api.php', $config['api']);
        $this->assertSame('', self::$priem->widget('nobody'), 'no schedule: no widget');
        preg_match('~data-priem="([^"]+)"~', self::$priem->widget('1:0001, 0042'), $m);
        $this->assertCount(2, json_decode(html_entity_decode($m[1], ENT_QUOTES), true)['targets']);
        preg_match('~data-priem="([^"]+)"~', self::$priem->infoblock(array('mode' => 'picker', 'filial' => '2')), $m);
        $this->assertSame(array('picker', '2'), array_values(array_intersect_key(json_decode(html_entity_decode($m[1], ENT_QUOTES), true),
            array('mode' => 1, 'filial' => 1))));
    }

    public function test_an_infoblock_on_a_doctor_page_books_that_doctor(): void
    {
        $db = nc_Core::get_object()->db;
        $doctors = $db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
        $db->query("UPDATE `Message$doctors` SET `Subdivision_ID` = 7");
        $id = (int)$db->get_var("SELECT `Message_ID` FROM `Message$doctors` WHERE `MisCode` = '1:0001'");
        $config = function ($html) {
            preg_match('~data-priem="([^"]+)"~', $html, $m);
            return $m ? json_decode(html_entity_decode($m[1], ENT_QUOTES), true) : null;
        };
        try {
            $GLOBALS['message'] = $id;
            $GLOBALS['sub'] = 7;
            $c = $config(self::$priem->infoblock(array('mode' => 'doctor', 'doctor' => '')));
            $this->assertSame(array(array('filial' => '1', 'doctor' => '0001')), $c['targets']);
            $GLOBALS['sub'] = 8; // the object is not in this section: no card on the page
            $this->assertSame('', self::$priem->infoblock(array('mode' => 'doctor', 'doctor' => '')));
            $c = $config(self::$priem->infoblock(array('mode' => 'doctor', 'doctor' => '0042')));
            $this->assertSame('2', $c['targets'][0]['filial'], 'a code typed into the block wins');
        } finally {
            unset($GLOBALS['message'], $GLOBALS['sub']);
        }
    }
}
