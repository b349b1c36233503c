<?php

use PHPUnit\Framework\TestCase;

/** The admin pages' logic (nc_priem_admin) under the stand-in core: render, token, no secrets. */
final class AdminTest extends TestCase
{
    /** @var nc_priem */
    private $priem;

    protected function setUp(): void
    {
        priem_nc_reset_db();
        $this->priem = priem_nc_module();
        $this->priem->installer()->install();
        $_POST = array();
    }

    protected function tearDown(): void
    {
        $_POST = array();
    }

    private function post(array $fields, bool $with_token, string $view = 'settings'): array
    {
        $_POST = $fields;
        if ($with_token) {
            $_POST['nc_token'] = nc_Core::get_object()->token->get();
        }
        $admin = new nc_priem_admin($this->priem);
        return $admin->handle_post($view, $_POST, $this->priem->netcat()->token_ok());
    }

    public function test_every_tab_renders(): void
    {
        priem_nc_component('Клиники', 'clinics');
        $admin = new nc_priem_admin($this->priem);
        $token = $this->priem->netcat()->token_input();
        $settings = $admin->render('settings', array(), $token);
        $this->assertStringContainsString("name='nc_token'", $settings);
        $this->assertStringContainsString('klinmed@yandex.ru, diggy@yandex.ru, info@angioclinic.ru', $settings);
        $this->assertStringContainsString('Клиники (clinics)', $settings);
        $this->assertStringContainsString('Добавить поле «Код МИС»', $settings);
        $status = $admin->render('status', array(), $token);
        $this->assertStringContainsString('Последние запуски', $status);
        $this->assertStringContainsString('Последние 14 дней', $status);
        $this->assertStringContainsString('Запусков ещё не было', $status);
        $this->assertStringContainsString('<select name="status">', $admin->render('bookings', array('status' => 'unknown', 'from' => '2030-01-01'), $token));
        $this->assertStringContainsString('Расхождения кодов', $admin->render('codes', array(), $token));
        $this->assertTrue(nc_priem_admin::has_view('codes'));
        $this->assertFalse(nc_priem_admin::has_view('../../etc'));
    }

    public function test_a_post_without_the_token_changes_nothing(): void
    {
        $r = $this->post(array('action' => 'save', 'FtpHost' => 'evil.example'), false);
        $this->assertArrayHasKey('error', $r);
        $this->assertSame('', $this->priem->settings()->get('FtpHost'));
        $r = $this->post(array('action' => 'save', 'FtpHost' => 'evil.example', 'nc_token' => 'forged'), false);
        $this->assertArrayHasKey('error', $r);
    }

    public function test_a_post_with_the_token_saves_and_secrets_never_reach_the_page(): void
    {
        $r = $this->post(array('action' => 'save', 'FtpHost' => 'ftp.clinic.ru', 'FtpUser' => 'mis', 'FtpPassword' => 'Ftp-Secret-1',
                               'MailPassword' => 'Mail-Secret-2', 'PushPassword' => 'Push-Secret-3', 'PushToken' => 'Tok-Secret-4'), true);
        $this->assertSame(array('ok' => 'Настройки сохранены'), $r);
        $fresh = new nc_priem(new nc_priem_netcat(nc_Core::get_object()));
        $this->assertSame('ftp.clinic.ru', $fresh->settings()->get('FtpHost'));
        $html = (new nc_priem_admin($fresh))->render('settings', array(), '', $r);
        foreach (array('Ftp-Secret-1', 'Mail-Secret-2', 'Push-Secret-3', 'Tok-Secret-4') as $secret) {
            $this->assertStringNotContainsString($secret, $html);
        }
        $this->assertStringContainsString('name="FtpPassword_clear"', $html, 'a stored password offers "clear"');

        // an unchecked FTPS box submits the hidden 0; a partial POST keeps what it does not send
        $this->post(array('action' => 'save', 'FtpTls' => '1'), true);
        $this->post(array('action' => 'save', 'MailTo' => 'x@clinic.ru'), true);
        $fresh = new nc_priem(new nc_priem_netcat(nc_Core::get_object()));
        $this->assertSame('1', $fresh->settings()->get('FtpTls'));
        $this->assertStringContainsString('<input type="hidden" name="FtpTls" value="0"><input type="checkbox" value="1" id="priem_FtpTls" name="FtpTls" checked>',
            (new nc_priem_admin($fresh))->render('settings', array(), ''));
        $this->post(array('action' => 'save', 'FtpTls' => '0'), true);
        $this->assertSame('0', (new nc_priem(new nc_priem_netcat(nc_Core::get_object())))->settings()->get('FtpTls'));
    }

    public function test_create_components_button(): void
    {
        $r = $this->post(array('action' => 'create_components'), true);
        $this->assertSame('«Клиники»: компонент создан; «Врачи»: компонент создан; «Онлайн-запись»: компонент создан', $r['ok']);
        $this->assertArrayHasKey('error', $this->post(array('action' => 'create_components'), false));
    }

    public function test_add_field_button_adds_fields_to_the_chosen_components(): void
    {
        $clinic = priem_nc_component('Клиники', 'clinics');
        priem_nc_component('Врачи', 'doctors');
        $this->assertArrayHasKey('error', $this->post(array('action' => 'add_fields'), true), 'no components chosen yet');
        $this->post(array('action' => 'save', 'ClinicComponent' => (string)$clinic, 'DoctorComponent' => 'doctors'), true);
        $this->priem = new nc_priem(new nc_priem_netcat(nc_Core::get_object()));
        $r = $this->post(array('action' => 'add_fields'), true);
        $this->assertSame('Клиники: поле MisCode добавлено; Клиники: поле MisTimezone добавлено; Врачи: поле MisCode добавлено', $r['ok']);
        $r = $this->post(array('action' => 'add_fields'), true);
        $this->assertSame('Клиники: поле MisCode уже есть; Клиники: поле MisTimezone уже есть; Врачи: поле MisCode уже есть', $r['ok']);
    }

    public function test_check_buttons_need_the_token(): void
    {
        $html = (new nc_priem_admin($this->priem))->render('settings', array(), $this->priem->netcat()->token_input());
        foreach (array('ftp', 'mis', 'mail') as $what) {
            $this->assertStringContainsString('<input type="hidden" name="action" value="check"><input type="hidden" name="what" value="' . $what . '">', $html);
        }
        $this->assertStringContainsString('Проверить соединение: SMTP (тестовое письмо)', $html);
        foreach (array(null, 'forged') as $token) {
            $fields = array('action' => 'check', 'what' => 'ftp');
            if ($token !== null) {
                $fields['nc_token'] = $token;
            }
            $r = $this->post($fields, false);
            $this->assertSame(array('error' => 'Неверный токен формы'), $r);
        }
    }

    public function test_check_of_what_is_not_configured_says_so(): void
    {
        $this->assertSame(array('error' => 'Проверка FTP: FTP не настроен'), $this->post(array('action' => 'check', 'what' => 'ftp'), true));
        $this->assertSame(array('error' => 'Проверка SMTP (тестовое письмо): почта не настроена'),
            $this->post(array('action' => 'check', 'what' => 'mail'), true));
        $mis = $this->post(array('action' => 'check', 'what' => 'mis'), true);
        $this->assertArrayHasKey('error', $mis);
        $this->assertStringStartsWith('Проверка МИС: ', $mis['error']);
        $this->assertSame(array('error' => 'Нет такой проверки'), $this->post(array('action' => 'check', 'what' => 'db; rm'), true));
    }

    public function test_check_of_an_unreachable_ftp_shows_the_message_but_never_the_password(): void
    {
        $this->post(array('action' => 'save', 'FtpHost' => '127.0.0.1', 'FtpPort' => '1', 'FtpUser' => 'mis',
                          'FtpPassword' => 'Ftp-Secret-1'), true);
        $this->priem = new nc_priem(new nc_priem_netcat(nc_Core::get_object()));
        $r = $this->post(array('action' => 'check', 'what' => 'ftp'), true);
        $this->assertArrayHasKey('error', $r);
        $this->assertStringStartsWith('Проверка FTP: ', $r['error']);
        $this->assertGreaterThan(strlen('Проверка FTP: '), strlen($r['error']));
        $html = (new nc_priem_admin($this->priem))->render('settings', array(), '', $r);
        $this->assertStringContainsString('<div class="nc-alert nc--red">Проверка FTP: ', $html);
        $this->assertStringNotContainsString('Ftp-Secret-1', $html);
    }

    public function test_retry_needs_the_token_and_skips_a_booking_that_does_not_exist(): void
    {
        $this->assertSame(array('error' => 'Неверный токен формы'), $this->post(array('action' => 'retry', 'id' => '1'), false, 'bookings'));
        $r = $this->post(array('action' => 'retry', 'id' => '424242'), true, 'bookings');
        $this->assertSame('skipped', $r['result']);
        $this->assertStringStartsWith('Запись №424242: не отправлена', $r['error']);
        $this->assertSame(array('error' => 'Не указан номер записи'), $this->post(array('action' => 'retry', 'id' => '0 OR 1'), true, 'bookings'));
        $this->assertSame(array('error' => 'Не указан номер записи'), $this->post(array('action' => 'retry'), true, 'bookings'));
    }

    public function test_retry_button_only_on_unknown_and_queued_bookings(): void
    {
        $db = nc_Core::get_object()->db;
        foreach (array(1 => 'unknown', 2 => 'queued', 3 => 'confirmed', 4 => 'rejected') as $id => $status) {
            $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
                `payload`, `created_at`, `phone_masked`) VALUES ($id, 'k$id', 'site', '$status', '1', '0001', '2030-12-02 06:00:00',
                '2030-12-02 06:30:00', '{\"phone\":\"79001234567\"}', UTC_TIMESTAMP(), '7900***4567')");
        }
        $html = (new nc_priem_admin($this->priem))->render('bookings', array('view' => 'bookings', 'status' => ''), "<input type='hidden' name='nc_token' value='t'>");
        $this->assertSame(2, substr_count($html, 'Повторить отправку'));
        $this->assertStringContainsString('<input type="hidden" name="id" value="1">', $html);
        $this->assertStringContainsString('<input type="hidden" name="id" value="2">', $html);
        $this->assertStringNotContainsString('<input type="hidden" name="id" value="3">', $html);
        $this->assertStringNotContainsString('79001234567', $html);

        // a confirmed booking is final: the engine skips it and nothing changes
        $r = $this->post(array('action' => 'retry', 'id' => '3'), true, 'bookings');
        $this->assertSame('skipped', $r['result']);
        $this->assertSame('confirmed', $db->get_var('SELECT `status` FROM `Priem_Booking` WHERE `id` = 3'));
    }
}
