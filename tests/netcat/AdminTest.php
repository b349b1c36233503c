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

    private function post(array $fields, bool $with_token): array
    {
        $_POST = $fields;
        if ($with_token) {
            $_POST['nc_token'] = nc_Core::get_object()->token->get();
        }
        $admin = new nc_priem_admin($this->priem);
        return $admin->handle_post('settings', $_POST, $this->priem->netcat()->token_ok());
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
        $this->assertStringContainsString('Последние запуски', $admin->render('status', array(), $token));
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
        $this->assertSame('Клиники: компонент создан; Врачи: компонент создан', $r['ok']);
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
}
