<?php

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/admin_site.php';

/**
 * The admin's pages and buttons, each request run as admin.php runs it (the tab's controller
 * over the stand-in's nc_ui_controller), as the site's supervisor (user 1).
 */
final class AdminTest extends TestCase
{
    /** @var nc_priem */
    private $priem;

    protected function setUp(): void
    {
        priem_nc_reset_db();
        $this->priem = priem_nc_module();
        $this->priem->installer()->install();
    }

    /** A fresh module (nothing cached), as the next request sees it. */
    private function fresh(): nc_priem
    {
        return $this->priem = priem_nc_module();
    }

    /** The text of the page's alert of that colour ('' when there is none). */
    private static function alert(string $page, string $colour): string
    {
        return preg_match('~<div class="nc-alert nc--' . $colour . '">(.*?)</div>~s', $page, $m)
            ? html_entity_decode($m[1], ENT_QUOTES, 'UTF-8') : '';
    }

    public function test_every_tab_renders_in_the_admin_chrome_with_the_modules_stylesheet(): void
    {
        priem_nc_component('Клиники', 'clinics');
        $GLOBALS['MODULE_FOLDER'] = PRIEM_NC_PACKAGE . '/netcat/modules/';
        $GLOBALS['SUB_FOLDER'] = '';
        $GLOBALS['HTTP_ROOT_PATH'] = '/netcat/';
        list($status, $settings) = priem_nc_admin(1, 'settings');
        unset($GLOBALS['MODULE_FOLDER']);
        $this->assertSame(200, $status);
        $this->assertStringContainsString('href="/netcat/modules/priem/admin.css"', $settings);
        $this->assertStringContainsString("name='nc_token'", $settings);
        $this->assertStringContainsString('klinmed@yandex.ru, diggy@yandex.ru, info@angioclinic.ru', $settings);
        $this->assertStringContainsString('Клиники (clinics)', $settings);
        $this->assertStringContainsString('Добавить поле «Код МИС»', $settings);
        // the URL to hand to an MIS that pushes its schedule, and the push's size cap
        $this->assertStringContainsString('/netcat/modules/priem/push/', $settings);
        $this->assertStringContainsString('name="PushMaxMb"', $settings);
        $this->assertStringNotContainsString(' style=', $settings, 'styles are in admin.css');
        list(, $status_page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Последние запуски', $status_page);
        $this->assertStringContainsString('Последние 14 дней', $status_page);
        $this->assertStringContainsString('Запусков ещё не было', $status_page);
        list(, $bookings) = priem_nc_admin(1, 'bookings', array('status' => 'unknown', 'from' => '2030-01-01'));
        $this->assertStringContainsString('<option value="unknown" selected>', $bookings);
        $this->assertStringContainsString('value="2030-01-01"', $bookings);
        $this->assertStringContainsString('Расхождения кодов', priem_nc_admin(1, 'codes')[1]);
        $this->assertStringContainsString('Последние выгрузки', priem_nc_admin(1, 'prodoctorov')[1]);
        $this->assertStringContainsString('Добавить поле «Код МИС»', priem_nc_admin(1, '../../etc')[1], 'an unknown tab is the settings');
    }

    public function test_a_post_without_the_users_token_changes_nothing(): void
    {
        foreach (array('', 'forged', PriemAdminSite::token(2)) as $token) {
            list($status, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'FtpHost' => 'evil.example', 'nc_token' => $token));
            $this->assertSame(403, $status);
            $this->assertStringContainsString('Форма устарела', self::alert($page, 'red'));
        }
        $this->assertSame('', $this->fresh()->settings()->get('FtpHost'));
    }

    public function test_a_post_that_names_no_action_of_the_tab_changes_nothing(): void
    {
        foreach (array('index', 'drop_everything', '') as $action) {
            list($status, $page) = priem_nc_admin(1, 'settings', array(), array('action' => $action, 'FtpHost' => 'evil.example'));
            $this->assertSame(405, $status, $action);
            $this->assertSame('Нет такого действия', self::alert($page, 'red'));
        }
        $this->assertSame(405, priem_nc_admin(1, 'settings', array('action' => 'save', 'FtpHost' => 'evil.example'))[0], 'a write by GET');
        $this->assertSame('', $this->fresh()->settings()->get('FtpHost'));
    }

    public function test_saving_keeps_secrets_out_of_the_page(): void
    {
        list($status, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'FtpHost' => 'ftp.clinic.ru',
            'FtpUser' => 'mis', 'FtpPassword' => 'Ftp-Secret-1', 'MailPassword' => 'Mail-Secret-2', 'PushPassword' => 'Push-Secret-3',
            'PushToken' => 'Tok-Secret-4'));
        $this->assertSame(200, $status);
        $this->assertSame('Настройки сохранены', self::alert($page, 'green'));
        $this->assertSame('ftp.clinic.ru', $this->fresh()->settings()->get('FtpHost'));
        list(, $page) = priem_nc_admin(1, 'settings');
        foreach (array('Ftp-Secret-1', 'Mail-Secret-2', 'Push-Secret-3', 'Tok-Secret-4') as $secret) {
            $this->assertStringNotContainsString($secret, $page);
        }
        $this->assertStringContainsString('name="FtpPassword_clear"', $page, 'a stored password offers "clear"');
    }

    public function test_an_unchecked_box_saves_as_off_and_a_partial_post_keeps_the_rest(): void
    {
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'FtpTls' => '1'));
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MailTo' => 'x@clinic.ru'));
        $this->assertSame('1', $this->fresh()->settings()->get('FtpTls'));
        list(, $page) = priem_nc_admin(1, 'settings');
        $this->assertMatchesRegularExpression('~<input type="hidden" name="FtpTls" value="0"><input type="checkbox" value="1" id="priem_FtpTls" name="FtpTls" checked>~', $page);
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'FtpTls' => '0'));
        $this->assertSame('0', $this->fresh()->settings()->get('FtpTls'));
    }

    /**
     * NetCat 6.4 keeps the settings in memory per site and set_settings() updates only the copy of
     * Catalogue_ID 0: the page a save or «Создать компоненты» answers with must still show what it
     * stored, else the editor sees the old values and the next «Сохранить» writes them back.
     */
    public function test_the_page_after_a_save_or_create_components_shows_what_was_stored(): void
    {
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'FtpHost' => 'ftp.clinic.ru',
            'PolicyUrl' => 'http://127.0.0.1:9/policy-page/'));
        $this->assertStringContainsString('Настройки сохранены', self::alert($page, 'green'));
        $this->assertStringContainsString('<input type="text" value="ftp.clinic.ru" id="priem_FtpHost" name="FtpHost">', $page);
        $this->assertStringContainsString('http://127.0.0.1:9/policy-page/', self::alert($page, 'yellow'));

        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'create_components'));
        $this->assertSame('priem_clinics', $this->fresh()->settings()->get('ClinicComponent'));
        $this->assertMatchesRegularExpression('~<option value="[1-9][0-9]*" selected>Клиники \(priem_clinics\)</option>~u', $page);
        $this->assertMatchesRegularExpression('~<option value="[1-9][0-9]*" selected>Врачи \(priem_doctors\)</option>~u', $page);
    }

    public function test_create_components_creates_the_three_shipped_components(): void
    {
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'create_components'));
        $this->assertSame('«Клиники»: компонент создан; «Врачи»: компонент создан; «Онлайн-запись»: компонент создан', self::alert($page, 'green'));
    }

    public function test_add_field_adds_the_code_fields_to_the_chosen_components_once(): void
    {
        $clinic = priem_nc_component('Клиники', 'clinics');
        priem_nc_component('Врачи', 'doctors');
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'add_fields'));
        $this->assertSame('Сначала выберите и сохраните компоненты клиник и врачей', self::alert($page, 'red'));
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'ClinicComponent' => (string)$clinic, 'DoctorComponent' => 'doctors'));
        $this->fresh();
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'add_fields'));
        $this->assertSame('Клиники: поле MisCode добавлено; Клиники: поле MisTimezone добавлено; Врачи: поле MisCode добавлено',
            self::alert($page, 'green'));
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'add_fields'));
        $this->assertSame('Клиники: поле MisCode уже есть; Клиники: поле MisTimezone уже есть; Врачи: поле MisCode уже есть',
            self::alert($page, 'green'));
    }

    public function test_check_of_what_is_not_configured_says_so_in_red(): void
    {
        $this->assertSame('Проверка FTP: FTP не настроен',
            self::alert(priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'ftp'))[1], 'red'));
        $this->assertSame('Проверка SMTP (тестовое письмо): почта не настроена',
            self::alert(priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'mail'))[1], 'red'));
        $this->assertStringStartsWith('Проверка МИС: ',
            self::alert(priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'mis'))[1], 'red'));
        $this->assertSame('Нет такой проверки',
            self::alert(priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'db; rm'))[1], 'red'));
    }

    public function test_check_of_an_unreachable_ftp_shows_the_message_but_never_the_password(): void
    {
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'FtpHost' => '127.0.0.1', 'FtpPort' => '1', 'FtpUser' => 'mis',
            'FtpPassword' => 'Ftp-Secret-1'));
        $this->fresh();
        list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'ftp'));
        $error = self::alert($page, 'red');
        $this->assertStringStartsWith('Проверка FTP: ', $error);
        $this->assertGreaterThan(strlen('Проверка FTP: '), strlen($error));
        $this->assertSame('', self::alert($page, 'green'));
        $this->assertStringNotContainsString('Ftp-Secret-1', $page);
    }

    /** A connection failure in the staff's words, the technical detail in parentheses. */
    public function test_a_failing_check_and_the_journal_say_it_in_russian(): void
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $closed = (int)substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock); // nothing listens there now
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MisUrl' => "http://127.0.0.1:$closed/book",
            'MailHost' => '127.0.0.1', 'MailPort' => (string)$closed, 'MailSecurity' => 'none', 'MailFrom' => 'robot@clinic.test',
            'FtpHost' => '127.0.0.1', 'FtpPort' => (string)$closed, 'FtpUser' => 'mis'));
        $this->fresh();
        foreach (array('mis' => 'Проверка МИС: нет соединения с МИС (', 'ftp' => "Проверка FTP: нет соединения с FTP-сервером 127.0.0.1:$closed (",
                       'mail' => "Проверка SMTP (тестовое письмо): нет соединения с SMTP-сервером 127.0.0.1:$closed (") as $what => $start) {
            list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => $what));
            $this->assertStringStartsWith($start, self::alert($page, 'red'), $what);
            $this->assertSame('', self::alert($page, 'green'), $what);
        }
        // a booking the MIS did not take: its row in the journal says why, in Russian
        $s = $this->priem->settings()->engine();
        priem_import_schedule($s, json_encode(array('data' => array('1' => array('0001' => array('efio' => 'Иванова',
            'cells' => array(array('dt' => '2030-12-02', 'time_start' => '09:00', 'time_end' => '09:30', 'free' => true))))))),
            '2030-12-01T08:00:00Z');
        $r = priem_book($s, array('filial_id' => '1', 'doctor_id' => '0001', 'date' => '2030-12-02', 'time_start' => '09:00',
            'name' => 'Петров Пётр', 'phone' => '+79001234567'), array('idempotency_key' => 'k-ru', 'consent_version' => '1',
            'now_utc' => '2030-12-01T08:00:00Z'));
        $this->assertSame('pending', $r['status']);
        list(, $page) = priem_nc_admin(1, 'bookings');
        $this->assertMatchesRegularExpression('~<td class="priem-error">нет соединения с МИС \\(~u', $page);
    }

    public function test_retry_of_a_booking_that_does_not_wait_is_skipped(): void
    {
        list(, $page) = priem_nc_admin(1, 'bookings', array(), array('action' => 'retry', 'id' => '424242'));
        $this->assertStringStartsWith('Запись №424242: не отправлена', self::alert($page, 'red'));
        foreach (array('0 OR 1', '') as $id) {
            list(, $page) = priem_nc_admin(1, 'bookings', array(), array('action' => 'retry', 'id' => $id));
            $this->assertSame('Не указан номер записи', self::alert($page, 'red'));
        }
    }

    public function test_the_retry_button_is_only_on_unknown_and_queued_bookings_and_phones_are_masked(): void
    {
        $db = nc_Core::get_object()->db;
        foreach (array(1 => 'unknown', 2 => 'queued', 3 => 'confirmed', 4 => 'rejected') as $id => $status) {
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `created_at`, `phone_masked`) VALUES ($id, 'k$id', 'site', '$status', '1', '0001', '2030-12-02 06:00:00',
                '2030-12-02 06:30:00', '{\"phone\":\"79001234567\"}', UTC_TIMESTAMP(), '7900***4567')");
        }
        list(, $page) = priem_nc_admin(1, 'bookings');
        $this->assertSame(2, substr_count($page, 'Повторить отправку</button>'));
        $this->assertStringContainsString('<input type="hidden" name="id" value="1">', $page);
        $this->assertStringContainsString('<input type="hidden" name="id" value="2">', $page);
        $this->assertStringNotContainsString('<input type="hidden" name="id" value="3">', $page);
        $this->assertStringNotContainsString('79001234567', $page);

        // a confirmed booking is final: the engine skips it and nothing changes
        list(, $page) = priem_nc_admin(1, 'bookings', array(), array('action' => 'retry', 'id' => '3'));
        $this->assertStringStartsWith('Запись №3: не отправлена', self::alert($page, 'red'));
        $this->assertSame('confirmed', $db->get_var('SELECT `status` FROM `Priem_Booking` WHERE `id` = 3'));
    }

    public function test_the_status_tab_counts_bookings_against_the_mis_and_the_journal_marks_them(): void
    {
        $db = nc_Core::get_object()->db;
        $rows = array(11 => array('confirmed', 'UTC_TIMESTAMP()', 'NULL'), 12 => array('confirmed', 'NULL', 'UTC_TIMESTAMP()'),
                      13 => array('confirmed', 'NULL', 'NULL'), 14 => array('check', 'NULL', 'NULL'));
        foreach ($rows as $id => $r) {
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `created_at`, `phone_masked`, `mis_seen_at`, `mis_missing_at`) VALUES ($id, 'r$id', 'site', '{$r[0]}', '1', '0001',
                '2030-12-02 06:00:00' + INTERVAL $id MINUTE, '2030-12-02 06:30:00', '{}', UTC_TIMESTAMP(), '7900***4567', {$r[1]}, {$r[2]})");
        }
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Сверка с МИС', $page);
        $this->assertMatchesRegularExpression('/Предстоящих подтверждённых записей: 3, из них МИС показывает в расписании:\s+1,\s+ждут следующей выгрузки: 1\./u', $page);
        $this->assertStringContainsString('МИС не показывает записей: 1', $page);
        $this->assertStringContainsString('Записей «проверить в МИС»: 1', $page);
        list(, $page) = priem_nc_admin(1, 'bookings');
        $this->assertSame(1, substr_count($page, 'МИС не показывает в расписании'));
        $this->assertSame(1, substr_count($page, 'есть в расписании МИС'));
        $this->assertStringContainsString('проверить в МИС', $page);
    }

    public function test_the_status_tab_shows_the_cores_runs_and_days_in_its_names_and_colours(): void
    {
        $db = nc_Core::get_object()->db;
        foreach (array(31 => 'confirmed', 32 => 'confirmed', 33 => 'check') as $id => $status) {
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `created_at`, `phone_masked`) VALUES ($id, 'd$id', 'site', '$status', '1', '0001',
                '2030-12-02 06:00:00' + INTERVAL $id MINUTE, '2030-12-02 06:30:00', '{}', UTC_TIMESTAMP(), '7900***4567')");
        }
        $report = priem_sync(priem_nc_module()->settings()->engine());
        $this->assertTrue($report['ran']);
        list(, $page) = priem_nc_admin(1, 'status');
        // today's bars: the colour classes and Russian names the extension gives
        $this->assertMatchesRegularExpression('/<rect class="priem-tone-ok"[^>]*><title>подтверждена: 2<\/title>/u', $page);
        $this->assertMatchesRegularExpression('/<rect class="priem-tone-check"[^>]*><title>проверить в МИС: 1<\/title>/u', $page);
        $this->assertSame(14, substr_count($page, '<text x='));
        foreach (priem_booking_labels()['statuses'] as $label) {
            $this->assertStringContainsString('<span class="priem-swatch ' . $label['class'] . '"></span> ' . $label['name'], $page);
        }
        // the run: its status and counts in Russian words
        $this->assertMatchesRegularExpression('/<td class="priem-nowrap">(без ошибок|с ошибками)<\/td>\s*<td><\/td>\s*<td>файлов: 0; слотов \+0\/−0/u', $page);
    }

    public function test_erasing_a_patients_data_needs_the_confirmation_and_records_who_did_it(): void
    {
        $db = nc_Core::get_object()->db;
        foreach (array(21 => array('confirmed', '79001234567', 'Сидорова Анна'), 22 => array('unknown', '79001234567', 'Сидорова Анна'),
                       23 => array('confirmed', '79007654321', 'Кузнецов Игорь')) as $id => $b) {
            $payload = $db->escape(json_encode(array('name' => $b[2], 'phone' => $b[1], 'comment' => 'болит'), JSON_UNESCAPED_UNICODE));
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `created_at`, `phone_masked`, `consent_ip`) VALUES ($id, 'e$id', 'site', '{$b[0]}', '1', '0001',
                '2030-12-02 06:00:00' + INTERVAL $id MINUTE, '2030-12-02 06:30:00', '$payload', UTC_TIMESTAMP(),
                '" . priem_mask_phone($b[1]) . "', '203.0.113.7')");
        }
        list(, $page) = priem_nc_admin(1, 'bookings');
        $this->assertStringContainsString('Удаление данных пациента по его запросу', $page);
        $this->assertStringContainsString('name="action" value="erase"', $page);

        list(, $page) = priem_nc_admin(1, 'bookings', array(), array('action' => 'erase', 'phone' => '8 (900) 123-45-67'));
        $this->assertSame('Данные не удалены: подтвердите, что пациент просил удалить свои данные', self::alert($page, 'red'));
        list(, $page) = priem_nc_admin(1, 'bookings', array(), array('action' => 'erase', 'phone' => '123', 'confirm' => '1'));
        $this->assertStringStartsWith('Данные не удалены: ', self::alert($page, 'red'));
        $this->assertSame(0, (int)$db->get_var('SELECT COUNT(*) FROM `Priem_Booking` WHERE `anonymized_at` IS NOT NULL'));

        list(, $page) = priem_nc_admin(1, 'bookings', array(), array('action' => 'erase', 'phone' => '8 (900) 123-45-67', 'confirm' => '1'));
        $this->assertStringStartsWith('Данные удалены: записей — 2', self::alert($page, 'green'));
        $this->assertStringContainsString('неотправленных записей отменено — 1', self::alert($page, 'green'));
        $rows = $db->get_results('SELECT `id`, `status`, `payload`, `phone_masked`, `consent_ip` FROM `Priem_Booking` WHERE `id` > 20 ORDER BY `id`', ARRAY_A);
        $this->assertSame('rejected', $rows[1]['status'], 'the unsent one is cancelled');
        foreach (array($rows[0], $rows[1]) as $r) {
            $this->assertStringNotContainsString('79001234567', $r['payload']);
            $this->assertStringNotContainsString('Сидорова', $r['payload']);
            $this->assertSame(array('', null), array($r['phone_masked'], $r['consent_ip']));
        }
        $this->assertStringContainsString('79007654321', $rows[2]['payload'], 'another patient is kept');
        // Who and when, never whose: the page lists it, with no phone.
        $this->assertMatchesRegularExpression('~<td>пользователь NetCat №1</td>\s*<td>2</td>\s*<td>0</td>~u', $page);
        $this->assertStringNotContainsString('123-45-67', $page);
    }

    public function test_a_changed_mis_address_with_a_blank_password_never_gets_the_old_secret(): void
    {
        $log = tempnam(sys_get_temp_dir(), 'mis');
        list($peer, $port) = priem_nc_serve(function ($port) use ($log) {
            return array('python3', dirname(__DIR__) . '/peers/mis_peer.py', '--port', (string)$port, '--log', $log);
        }, '/dev/null');
        $old = 'Basic ' . base64_encode('site:Old-Mis-Secret-7');
        $authorizations = function () use ($log) {
            return array_map(function ($line) {
                $headers = array_change_key_case((array)json_decode($line, true)['headers']);
                return isset($headers['authorization']) ? $headers['authorization'] : '';
            }, array_values(array_filter(explode("\n", (string)file_get_contents($log)))));
        };
        try {
            priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MisUrl' => "http://127.0.0.1:$port/success",
                'MisUser' => 'site', 'MisPassword' => 'Old-Mis-Secret-7'));
            priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'mis'));
            $this->assertSame(array($old), $authorizations(), 'the stored password went to the address it was typed for');

            // another address (the same peer under another name), the password field left blank
            list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MisUrl' => "http://localhost:$port/success",
                'MisUser' => 'site', 'MisPassword' => ''));
            $this->assertStringContainsString('сохранённые секреты сброшены — они не уйдут на новый сервер: пароль МИС',
                self::alert($page, 'yellow'));
            priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'mis'));
            $sent = $authorizations();
            $this->assertCount(2, $sent, 'the check reached the new address');
            $this->assertNotSame($old, $sent[1]);
            $this->assertStringNotContainsString('Old-Mis-Secret-7', base64_decode(substr($sent[1], strlen('Basic '))));
            $this->assertSame('', $this->fresh()->settings()->get('MisPassword'));
        } finally {
            proc_terminate($peer);
            proc_close($peer);
            @unlink($log);
        }
    }

    public function test_the_status_tab_names_what_travels_unencrypted_and_rotates_the_cron_key(): void
    {
        priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MisUrl' => 'http://mis.clinic.ru/book'));
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Записи уходят в МИС по http:// без шифрования', $page);
        $this->assertStringContainsString('value="rotate_cron_secret"', $page);
        $this->assertStringNotContainsString('Адрес задачи планировщика NetCat без действующего ключа', $page);

        $url = nc_Core::get_object()->db->get_var('SELECT `Cron_Script_URL` FROM `CronTasks`');
        list(, $page) = priem_nc_admin(1, 'status', array(), array('action' => 'rotate_cron_secret'));
        $this->assertStringStartsWith('Ключ cron.php сменён', self::alert($page, 'green'));
        $this->assertNotSame($url, nc_Core::get_object()->db->get_var('SELECT `Cron_Script_URL` FROM `CronTasks`'));
        $this->assertStringNotContainsString($this->fresh()->settings()->cron_secret(), $page, 'the key never reaches the page');

        // a task of an older install, without the key
        nc_Core::get_object()->db->query("UPDATE `CronTasks` SET `Cron_Script_URL` = '/netcat/modules/priem/cron.php'");
        list(, $page) = priem_nc_admin(1, 'status');
        $this->assertStringContainsString('Адрес задачи планировщика NetCat без действующего ключа модуля', $page);
    }

    /**
     * SMTP without demanded TLS, a server offering STARTTLS (smtp_sink.py --tls-optional) with a
     * certificate of a private CA: the check's message and «Состояние» say what protected the last
     * connection — plain text and why while the CA is unknown, TLS «по возможности» once its
     * certificate is in the settings.
     */
    public function test_the_status_page_and_the_mail_check_say_how_smtp_was_protected(): void
    {
        $dir = sys_get_temp_dir() . '/priem-smtp-tls-' . getmypid();
        @mkdir($dir);
        $run = function ($cmd) use ($dir) {
            exec('cd ' . escapeshellarg($dir) . ' && ' . $cmd . ' 2>&1', $out, $rc);
            $this->assertSame(0, $rc, $cmd . "\n" . implode("\n", $out));
        };
        // a private CA and a certificate for 127.0.0.1, as tests/peers/mod.rs makes them
        $run('openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=priem test CA" -keyout ca.key -out ca.pem'
            . ' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign');
        $run('openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr');
        file_put_contents("$dir/server.ext", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
            . "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n");
        $run('openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem -extfile server.ext');
        list($sink, $port) = priem_nc_serve(function ($port) use ($dir) {
            return array('python3', dirname(__DIR__) . '/peers/smtp_sink.py', '--port', (string)$port, '--dir', "$dir/mail",
                '--tls-cert', "$dir/server.pem", '--tls-key', "$dir/server.key", '--tls-optional');
        }, '/dev/null');
        $letter = function ($n) use ($dir) {
            return json_decode((string)file_get_contents("$dir/mail/$n.json"), true);
        };
        try {
            priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MailHost' => '127.0.0.1', 'MailPort' => (string)$port,
                'MailSecurity' => 'none', 'MailFrom' => 'robot@clinic.test', 'MailTo' => 'admin@clinic.test'));
            // no connection yet: the settings alone
            list(, $status) = priem_nc_admin(1, 'status');
            $this->assertStringContainsString('Почта без шифрования: письма-оповещения и пароль SMTP идут по сети открытым текстом. '
                . 'Выберите защиту TLS или STARTTLS.', self::alert($status, 'yellow'));

            // the server's CA unknown: the letter goes all the same, in plain text, and both pages say why
            $this->fresh();
            list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'mail'));
            $this->assertStringContainsString('Проверочное письмо отправлено: admin@clinic.test; соединение без шифрования: сервер '
                . 'предложил TLS, но защищённое соединение не установилось (сертификат сервера выдан неизвестным удостоверяющим '
                . 'центром)', self::alert($page, 'green'));
            $this->assertFalse($letter(1)['tls'], 'the sink saw a plain session');
            foreach (array('status' => array(), 'settings' => array()) as $tab => $query) {
                list(, $shown) = priem_nc_admin(1, $tab, $query);
                $warning = self::alert($shown, 'yellow');
                $this->assertMatchesRegularExpression('~Почта без шифрования: письма-оповещения и пароль SMTP идут по сети открытым '
                    . 'текстом\. При последнем соединении \(\d\d\.\d\d\.\d{4} \d\d:\d\d МСК\) сервер предложил STARTTLS, но '
                    . 'защищённое соединение не установилось: сертификат сервера выдан неизвестным удостоверяющим центром; '
                    . 'соединение повторено без шифрования\. Если сертификат сервера выдан собственным удостоверяющим центром, '
                    . 'вставьте сертификат этого центра в поле «Сертификат удостоверяющего центра \(PEM\)» раздела «Почта для '
                    . 'оповещений» настроек~u', $warning, $tab);
                $this->assertSame('', self::alert($shown, 'blue'), $tab);
            }

            // the CA's certificate in the settings: STARTTLS, «по возможности»
            priem_nc_admin(1, 'settings', array(), array('action' => 'save', 'MailCaPem' => file_get_contents("$dir/ca.pem")));
            $this->fresh();
            list(, $page) = priem_nc_admin(1, 'settings', array(), array('action' => 'check', 'what' => 'mail'));
            $this->assertStringContainsString('Проверочное письмо отправлено: admin@clinic.test; соединение защищено TLS: сервер его '
                . 'предложил (шифрование «по возможности»)', self::alert($page, 'green'));
            $this->assertTrue($letter(2)['tls'], 'the sink saw an encrypted session');
            list(, $status) = priem_nc_admin(1, 'status');
            $this->assertStringNotContainsString('Почта без шифрования', $status);
            $this->assertMatchesRegularExpression('~Почта: последнее соединение \(\d\d\.\d\d\.\d{4} \d\d:\d\d МСК\) защищено TLS — '
                . 'сервер предлагает STARTTLS, и модуль использует его по возможности\..*чтобы это стало невозможно, выберите '
                . 'защиту «STARTTLS»\.~us', self::alert($status, 'blue'));
            // FTP has no observation yet: the settings' guess
            $this->assertStringNotContainsString('FTP: последнее соединение', $status);
        } finally {
            proc_terminate($sink);
            proc_close($sink);
            exec('rm -rf ' . escapeshellarg($dir));
        }
    }
}
