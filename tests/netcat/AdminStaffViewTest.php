<?php

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/admin_site.php';

/**
 * What the clinic's staff read in the admin: whether the policy page the form links to opens,
 * how the sync is run (cron) and what to put into the crontab, a booking's row after a retry
 * confirmed it, a settings field NetCat's code editor leaves alone.
 */
final class AdminStaffViewTest extends TestCase
{
    /** @var resource|null a web server with /policy/ (and nothing else) */
    private static $pages;
    private static $pages_url;
    private static $pages_root;

    public static function setUpBeforeClass(): void
    {
        self::$pages_root = sys_get_temp_dir() . '/priem-policy-' . getmypid();
        @mkdir(self::$pages_root . '/policy', 0777, true);
        file_put_contents(self::$pages_root . '/policy/index.html', '<!DOCTYPE html><title>Политика</title><p>Политика обработки персональных данных');
        $root = self::$pages_root;
        list(self::$pages, $port) = priem_nc_serve(function ($port) use ($root) {
            return array(PHP_BINARY, '-S', '127.0.0.1:' . $port, '-t', $root);
        }, '/dev/null');
        self::$pages_url = 'http://127.0.0.1:' . $port;
    }

    public static function tearDownAfterClass(): void
    {
        proc_terminate(self::$pages);
        proc_close(self::$pages);
        exec('rm -rf ' . escapeshellarg(self::$pages_root));
    }

    protected function setUp(): void
    {
        priem_nc_reset_db();
        priem_nc_module()->installer()->install();
    }

    protected function tearDown(): void
    {
        unset($_SERVER['HTTP_HOST']);
    }

    /** The texts of the page's alerts of that colour. */
    private static function alerts(string $page, string $colour): array
    {
        preg_match_all('~<div class="nc-alert nc--' . $colour . '">(.*?)</div>~s', $page, $m);
        return array_map(function ($s) {
            return preg_replace('/\s+/u', ' ', html_entity_decode($s, ENT_QUOTES, 'UTF-8'));
        }, $m[1]);
    }

    public function test_a_policy_page_that_does_not_open_is_a_warning_when_saving_not_a_refusal(): void
    {
        list($status, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'PolicyUrl' => self::$pages_url . '/missing/'));
        $this->assertSame(200, $status);
        $this->assertSame(array('Настройки сохранены'), self::alerts($page, 'green'));
        $warnings = self::alerts($page, 'yellow');
        $this->assertCount(1, $warnings);
        $this->assertStringContainsString(self::$pages_url . '/missing/ отвечает HTTP 404', $warnings[0]);
        $this->assertSame(self::$pages_url . '/missing/', priem_nc_module()->settings()->get('PolicyUrl'), 'saved all the same');

        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'PolicyUrl' => self::$pages_url . '/policy/'));
        $this->assertSame(array(), self::alerts($page, 'yellow'));
    }

    public function test_a_policy_address_on_the_site_is_checked_on_the_site(): void
    {
        $_SERVER['HTTP_HOST'] = substr(self::$pages_url, strlen('http://'));
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'PolicyUrl' => '/policy/'));
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'policy'));
        $this->assertSame(array('Страница политики персональных данных открывается: ' . self::$pages_url . '/policy/'),
            self::alerts($page, 'green'));
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'PolicyUrl' => '/politika-konfidentsialnosti/'));
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'policy'));
        $this->assertSame(array(), self::alerts($page, 'green'));
        $this->assertStringContainsString('/politika-konfidentsialnosti/ отвечает HTTP 404', self::alerts($page, 'red')[0]);
    }

    public function test_a_policy_server_that_does_not_answer_is_said_in_russian(): void
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $closed = 'http://' . stream_socket_get_name($sock, false) . '/policy/';
        fclose($sock);
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'PolicyUrl' => $closed));
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'policy'));
        $this->assertStringStartsWith('Страница политики персональных данных ' . $closed . ' не открывается', self::alerts($page, 'red')[0]);
    }

    public function test_the_status_tab_says_how_the_sync_runs_and_recommends_the_crontab_line(): void
    {
        $db = nc_Core::get_object()->db;
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Синхронизация ещё не запускалась', self::alerts($page, 'red')[0]);
        $this->assertStringContainsString('ещё ни разу не запускалась: системный crontab сервера не вызывает netcat/admin/crontab.php', $page);
        $this->assertMatchesRegularExpression('~\* \* \* \* \* php -d short_open_tag=On /\S+/netcat/modules/priem/cli\.php~', $page);
        // the line names the site's host for cli.php, as the installer's page does (one builder)
        $_SERVER['HTTP_HOST'] = 'clinic.test';
        list(, $page) = priem_nc_admin(1, 'status');
        unset($_SERVER['HTTP_HOST']);
        $this->assertStringContainsString('/netcat/modules/priem/cli.php clinic.test</pre>', $page);

        // NetCat's scheduler ran the task and with it the tick
        $db->query("INSERT INTO `Priem_SyncRun` (`started_at`, `finished_at`, `status`) VALUES (UTC_TIMESTAMP(), UTC_TIMESTAMP(), 'ok')");
        $db->query('UPDATE `CronTasks` SET `Cron_Launch` = ' . time());
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Синхронизацию запускает планировщик NetCat — HTTP-запросом раз в 15 мин', self::alerts($page, 'yellow')[0]);
        // the run's time as the staff read it (Moscow's, as the letters), not UTC
        $this->assertMatchesRegularExpression('~последний запуск \d\d\.\d\d\.\d{4} \d\d:\d\d МСК, только что~u', self::alerts($page, 'yellow')[0]);
        $this->assertStringContainsString('<th>Начало (МСК)</th>', $page);
        $this->assertStringNotContainsString('(UTC)', $page);
        $this->assertStringContainsString('cli.php', $page, 'the crontab line is recommended');
        // a run's outcome is a short label kept on one line (it wrapped beside a long «Ошибки»)
        $this->assertStringContainsString('<td class="priem-nowrap">без ошибок</td>', $page);

        // the scheduler has not run for an hour, the ticks come from elsewhere (cli.php)
        $db->query('UPDATE `CronTasks` SET `Cron_Launch` = ' . (time() - 3600));
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Синхронизацию запускает системный crontab', self::alerts($page, 'green')[0]);
        $this->assertStringNotContainsString('<pre class="priem-code">', $page);

        // nothing ran for two hours
        $db->query('UPDATE `Priem_SyncRun` SET `started_at` = UTC_TIMESTAMP() - INTERVAL 2 HOUR');
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Синхронизация давно не запускалась (последний раз', self::alerts($page, 'red')[0]);
        $this->assertStringContainsString('2 ч назад', self::alerts($page, 'red')[0]);
    }

    /**
     * The note beside «Сменить ключ cron.php» says what the button breaks: it is read at the size
     * of the page's text, not in a <small> (11 px in NetCat's admin, unreadable beside the button).
     */
    public function test_the_note_beside_the_cron_key_button_is_body_sized(): void
    {
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertMatchesRegularExpression('~Сменить ключ cron\.php</button>\s*<span class="priem-note">свой ключ модуля~u', $page);
        $this->assertStringNotContainsString('<small>свой ключ', $page);
        $css = (string)file_get_contents(PRIEM_NC_PACKAGE . '/netcat/modules/priem/admin.css');
        $this->assertMatchesRegularExpression('~^\.priem-note \{[^}]*font-size: (\d+)px~m', $css);
        preg_match('~^\.priem-note \{[^}]*font-size: (\d+)px~m', $css, $m);
        $this->assertGreaterThanOrEqual(13, (int)$m[1]);
    }

    /**
     * The journal's «Ответ МИС / ошибка» cell keeps its words whole. With `overflow-wrap: anywhere`
     * the cell's narrowest width is one letter, so NetCat 6.4's admin table (1280 px window) gave the
     * column what was left, ~90 px, and broke the words inside: «соединени|я», «принимаю|т».
     */
    public function test_the_journals_error_cell_breaks_no_word(): void
    {
        list(, $page) = priem_nc_admin(1, 'bookings');
        $this->assertStringContainsString('<th>Ответ МИС / ошибка</th>', $page);
        $css = (string)file_get_contents(PRIEM_NC_PACKAGE . '/netcat/modules/priem/admin.css');
        $this->assertSame(1, preg_match('~^\.priem-error \{([^}]*)\}~m', $css, $m), 'admin.css styles .priem-error');
        $this->assertStringNotContainsString('anywhere', $m[1]);
        $this->assertStringNotContainsString('break-all', $m[1]);
        $this->assertStringContainsString('overflow-wrap: break-word', $m[1], 'a word wider than the column still wraps');
    }

    /**
     * The settings' text and password fields are wide enough for a URL («Адрес МИС») or a list of
     * recipients. NetCat 6.4's admin sheet, linked after the module's, sets `.nc-admin
     * input[type="text"] { width: auto }`: a rule of the module's as specific as that one lost, and
     * the MIS address showed in a 200 px box. The module's rule has one class more.
     */
    public function test_the_settings_fields_are_wide_for_urls_against_netcats_admin_sheet(): void
    {
        list(, $page) = priem_nc_admin(1, 'settings');
        $this->assertMatchesRegularExpression('~<fieldset class="priem-fields">\s*<legend>~u', $page);
        $this->assertMatchesRegularExpression('~<div class="priem-field">\s*<label for="priem_MisUrl">~u', $page);
        $css = (string)file_get_contents(PRIEM_NC_PACKAGE . '/netcat/modules/priem/admin.css');
        $this->assertSame(1, preg_match('~^(\.priem-fields \.priem-field input\[type=text\][^{]*)\{([^}]*)\}~m', $css, $m),
            'two classes and an element: more specific than NetCat\'s .nc-admin input[type="text"]');
        $this->assertStringContainsString('.priem-fields .priem-field input[type=password]', $m[1]);
        $this->assertMatchesRegularExpression('~width: 100%;~', $m[2]);
        $this->assertMatchesRegularExpression('~max-width: \d{3}px~', $m[2]);
    }

    public function test_a_confirmed_booking_shows_no_error_of_an_earlier_attempt(): void
    {
        $db = nc_Core::get_object()->db;
        foreach (array(1 => 'confirmed', 2 => 'unknown') as $id => $status) {
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `attempts`, `last_error`, `created_at`, `phone_masked`) VALUES ($id, 'k$id', 'site', '$status', '1', '0001',
                '2030-12-02 06:00:00', '2030-12-02 06:30:00', '{}', 2, 'МИС не ответила за 10 с (попытка $id)', UTC_TIMESTAMP(), '7900***4567')");
        }
        list(, $page) = priem_nc_admin(1, 'bookings');
        $this->assertStringNotContainsString('(попытка 1)', $page);
        $this->assertStringContainsString('МИС не ответила за 10 с (попытка 2)', $page);
    }

    /**
     * Editors think in the clinic's time: «Приём» is the filial's local time with its offset from
     * Moscow (an 18:00 Moscow booking is not shown as 15:00 UTC), «Создана» is Moscow's, and the
     * clinic's and doctor's names stand beside the MIS codes when known (here: the MIS's names).
     */
    public function test_the_journal_shows_times_in_the_clinics_zone_and_names_beside_the_codes(): void
    {
        $db = nc_Core::get_object()->db;
        $db->query("INSERT INTO `Priem_Filial` (`code`, `name`, `zone`, `first_seen`, `last_seen`) VALUES
            ('1', 'Клиника на Ленина', 'Europe/Moscow', UTC_TIMESTAMP(), UTC_TIMESTAMP()),
            ('2', NULL, 'Asia/Yekaterinburg', UTC_TIMESTAMP(), UTC_TIMESTAMP())");
        $db->query("INSERT INTO `Priem_Doctor` (`filial`, `code`, `name`, `specialties`, `first_seen`, `last_seen`) VALUES
            ('1', '0002', 'Иванова Мария Петровна', 'Кардиолог', UTC_TIMESTAMP(), UTC_TIMESTAMP())");
        foreach (array(1 => array('1', '0002', '2030-12-03 15:00:00'), 2 => array('2', '0042', '2030-12-03 15:00:00')) as $id => $b) {
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `attempts`, `created_at`, `phone_masked`) VALUES ($id, 'k$id', 'site', 'confirmed', '$b[0]', '$b[1]',
                '$b[2]', '$b[2]' + INTERVAL 30 MINUTE, '{}', 1, '2030-12-01 21:30:00', '7900***4567')");
        }
        list(, $page) = priem_nc_admin(1, 'bookings');
        $text = html_entity_decode($page, ENT_QUOTES, 'UTF-8');
        $this->assertStringNotContainsString('(UTC)', $text);
        $this->assertStringContainsString('<th>Создана (МСК)</th>', $text);
        $this->assertStringContainsString('<th>Приём (время клиники)</th>', $text);
        // 15:00 UTC: 18:00 in Moscow, 20:00 in Yekaterinburg; made 21:30 UTC = 00:30 the next day in Moscow
        $this->assertStringContainsString('<span class="priem-nowrap" title="Europe/Moscow">03.12.2030 18:00 МСК</span>', $text);
        $this->assertStringContainsString('<span class="priem-nowrap" title="Asia/Yekaterinburg">03.12.2030 20:00 МСК+2</span>', $text);
        // «Создана»: the date and the time each whole, a line apart when the journal is tight (on the
        // real 6.4 admin, a 989 px frame at a 1280 px window, the one-line date made the table 5 px too
        // wide once a row had «Повторить отправку»)
        $this->assertSame(2, substr_count($text, '<span class="priem-nowrap">02.12.2030</span> <span class="priem-nowrap">00:30 МСК</span></td>'));
        $this->assertStringNotContainsString('<td class="priem-nowrap" title=', $text);
        $this->assertStringContainsString('<small>Клиника на Ленина (филиал 1)</small>', $text);
        $this->assertStringContainsString('<small>Иванова Мария Петровна (врач 0002)</small>', $text);
        // nothing known of filial 2's name or doctor 0042: the codes alone
        $this->assertStringContainsString('<small>филиал 2</small>', $text);
        $this->assertStringContainsString('<small>врач 0042</small>', $text);
        // the other admin times: one conversion, in the core
        $this->assertSame('02.12.2030 00:30 МСК', priem_staff_time('2030-12-01T21:30:00Z'));
        $this->assertSame('02.12.2030 00:30 МСК', nc_priem_admin_controller::staff_time('2030-12-01 21:30:00'));
        $this->assertSame('не время', priem_staff_time('не время'));
        // the date filter counts the same Moscow days: made at 00:30 МСК on the 2nd
        foreach (array('2030-12-02' => 2, '2030-12-01' => 0) as $day => $rows) {
            list(, $page) = priem_nc_admin(1, 'bookings', array('from' => $day, 'to' => $day));
            $this->assertSame($rows, substr_count(html_entity_decode($page, ENT_QUOTES, 'UTF-8'), '>02.12.2030</span> <span class="priem-nowrap">00:30 МСК</span></td>'), "с $day по $day");
        }
        // and so does the chart of «Состояние», which says so
        $days = priem_daily(priem_nc_module()->settings()->engine(), 2, '2030-12-02T09:00:00Z');
        $this->assertSame(array('2030-12-01' => 0, '2030-12-02' => 2), array_combine(array_column($days, 'date'),
            array_map(function ($d) { return array_sum($d['bookings']); }, $days)));
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('(записи — по дню создания, МСК)', $page);
        $this->assertStringNotContainsString('UTC', strip_tags($page));
    }

    public function test_the_journal_masks_every_phone_of_a_payload_at_any_depth(): void
    {
        $db = nc_Core::get_object()->db;
        // what the v2 / MedFlex format sends: the number under client, a second one in the comment
        $v2 = json_encode(array('doctor' => array('id' => '0001'), 'date_start' => '2030-12-02 09:00',
            'client' => array('last_name' => 'Петрова', 'mobile_phone' => '+79001234567', 'phones' => array('8 (912) 345-67-89')),
            'comment' => 'если не дозвонитесь — 8 916 555-44-33'), JSON_UNESCAPED_UNICODE);
        $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
            `payload`, `attempts`, `created_at`, `phone_masked`) VALUES (1, 'k1', 'site', 'confirmed', '1', '0001',
            '2030-12-02 06:00:00', '2030-12-02 06:30:00', '" . $db->escape($v2) . "', 1, UTC_TIMESTAMP(), '7900***4567')");
        list(, $page) = priem_nc_admin(1, 'bookings');
        $text = html_entity_decode($page, ENT_QUOTES, 'UTF-8');
        foreach (array('79001234567', '9123456789', '345-67-89', '916 555-44-33') as $full) {
            $this->assertStringNotContainsString($full, $text);
        }
        foreach (array('"mobile_phone": "7900***4567"', '"7912***6789"', 'если не дозвонитесь — +7 916 ***-44-33', '"date_start": "2030-12-02 09:00"') as $shown) {
            $this->assertStringContainsString($shown, $text);
        }
        // the phone column as staff read numbers, the same digits hidden
        $this->assertStringContainsString('<td class="priem-nowrap">+7 900 ***-45-67</td>', $text);
        // the status, a short label, on one line («ответ неизвестен» wrapped at 1280 px)
        $this->assertStringContainsString('<span class="priem-nowrap">подтверждена</span>', $text);
        $this->assertStringNotContainsString('>7900***4567<', $text);
        // the extension's own view of the booking masks it the same way
        $this->assertStringNotContainsString('79001234567', priem_booking(priem_nc_module()->settings()->engine(), 1)['payload']);
    }

    public function test_the_doctors_per_filial_field_is_one_netcats_code_editor_leaves_alone(): void
    {
        list(, $page) = priem_nc_admin(1, 'prodoctorov');
        // NetCat's admin turns every textarea without the class no_cm into a CodeMirror editor
        $this->assertMatchesRegularExpression('~<textarea[^>]* class="no_cm"[^>]* name="PdDoctors"~', $page);
        $this->assertSame(1, substr_count($page, '<textarea'));
    }
}
