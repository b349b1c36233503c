<?php

use PHPUnit\Framework\TestCase;

/** Module settings in NetCat's Settings table ⇄ the admin form ⇄ the extension's settings array. */
final class SettingsTest extends TestCase
{
    protected function setUp(): void
    {
        priem_nc_reset_db();
    }

    private function form(array $over = array()): array
    {
        return array_merge(array(
            'FtpHost' => 'ftp.clinic.ru', 'FtpPort' => '21', 'FtpUser' => 'mis', 'FtpPassword' => 'ftp-Pw\\1',
            'FtpDirectory' => 'schedule', 'FtpTls' => '1', 'FtpAfterImport' => 'move',
            'MisTransport' => 'http', 'MisFormat' => 'prodoctorov', 'MisUrl' => 'https://mis.clinic.ru/book',
            'MisUser' => 'site', 'MisPassword' => 'mis-pw', 'MisTimeout' => '10',
            'MailHost' => 'smtp.yandex.ru', 'MailPort' => '', 'MailSecurity' => 'tls', 'MailUser' => 'robot@clinic.ru',
            'MailPassword' => 'mail-pw', 'MailFrom' => 'robot@clinic.ru', 'MailTo' => 'a@clinic.ru; b@clinic.ru',
            'MailRemindHours' => '12', 'BookingHorizonDays' => '21', 'BookingMinNotice' => '90', 'BookingAnswerTimeout' => '60',
            'MisToken' => 'mis-token', 'PushLogin' => 'mis', 'PushPassword' => 'push-pw', 'PushToken' => 'tok',
            'PdUrl' => 'https://pd.example/api/', 'PdPassword' => 'pd-pw', 'PdToken' => 'pd-token',
            'Unknown' => 'ignored',
        ), $over);
    }

    public function test_round_trip_keeps_passwords_when_the_form_leaves_them_blank(): void
    {
        $settings = priem_nc_module()->settings();
        $this->assertSame(array(), $settings->save_form($this->form()));
        $this->assertSame('ftp-Pw\\1', nc_Core::get_object()->get_settings('FtpPassword', 'priem', true), 'backslashes kept (prepare, not escape)');
        $this->assertFalse(nc_Core::get_object()->get_settings('Unknown', 'priem', true));

        // the form shows no secret, only that one is set
        $shown = $settings->for_form();
        foreach (nc_priem_settings::$secrets as $key) {
            $this->assertSame('', $shown[$key], $key);
            $form = $this->form();
            $this->assertSame(isset($form[$key]) && $form[$key] !== '', $shown[$key . '_set'], $key);
        }
        // saved again with every secret blank: all kept; other fields changed
        $blank = $this->form(array('FtpPassword' => '', 'MisPassword' => '', 'MailPassword' => '', 'PushPassword' => '',
                                   'PushToken' => '', 'MisToken' => '', 'FtpUser' => 'mis2'));
        $fresh = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
        $this->assertSame(array(), $fresh->save_form($blank));
        $fresh = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
        $this->assertSame('ftp-Pw\\1', $fresh->get('FtpPassword'));
        $this->assertSame('mail-pw', $fresh->get('MailPassword'));
        $this->assertSame('mis2', $fresh->get('FtpUser'));

        // an explicit "clear" empties it
        $this->assertSame(array(), $fresh->save_form(array('PushToken' => '', 'PushToken_clear' => '1')));
        $fresh = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
        $this->assertSame('', $fresh->get('PushToken'));
        $this->assertSame('push-pw', $fresh->get('PushPassword'));
    }

    public function test_engine_settings_are_what_the_extension_expects(): void
    {
        $settings = priem_nc_module()->settings();
        $settings->save_form($this->form());
        $e = $settings->engine();
        $this->assertSame(array('host' => '127.0.0.1', 'port' => 3306, 'user' => 'root', 'password' => '', 'database' => PRIEM_NC_DB), $e['db']);
        $this->assertSame(array('host' => 'ftp.clinic.ru', 'port' => 21, 'user' => 'mis', 'password' => 'ftp-Pw\\1',
            'directory' => 'schedule', 'tls' => true, 'after_import' => 'move', 'max_snapshot_mb' => 100), $e['ftp']);
        $this->assertSame('https://mis.clinic.ru/book', $e['mis']['url']);
        $this->assertArrayNotHasKey('port', $e['mail']);
        $this->assertSame(array('horizon_days' => 21, 'min_notice_minutes' => 90, 'answer_timeout_minutes' => 60,
            'when_lost' => 'retry', 'reconcile_minutes' => 30, 'retention_days' => 30), $e['booking']);
        $this->assertArrayNotHasKey('cards', $e, 'no components chosen yet');
        // the extension accepts the document (unknown keys would be refused)
        $this->assertIsArray(priem_migrate($e));
        $this->assertIsArray(priem_alerts($e));
    }

    public function test_defaults_give_a_db_only_document_with_the_clients_recipients(): void
    {
        $settings = priem_nc_module()->settings();
        $settings->store_defaults();
        $this->assertSame('klinmed@yandex.ru, diggy@yandex.ru, info@angioclinic.ru', $settings->get('MailTo'));
        $e = $settings->engine();
        $this->assertSame(array('db', 'booking', 'limits', 'prodoctorov'), array_keys($e));
        $this->assertFalse($e['prodoctorov']['enabled'], 'the connector is off until switched on');
        $this->assertSame(array('per_address' => 10, 'per_phone' => 3, 'per_doctor_day' => 20, 'trusted_proxies' => ''),
            array_diff_key($e['limits'], array('secret' => 1)), 'no proxy is trusted by default');
        $this->assertSame($settings->form_secret(), $e['limits']['secret'], 'the counters are keyed by the form secret');
        $this->assertIsArray(priem_migrate($e));
    }

    public function test_bad_values_are_refused_per_field_and_nothing_is_saved(): void
    {
        $settings = priem_nc_module()->settings();
        // every field's problem at once: the module's own (CodeField), the extension's mapped to their fields
        $errors = $settings->save_form($this->form(array('MisTimeout' => '30', 'MisUrl' => 'ftp://x', 'CodeField' => 'Mis Code; DROP',
            'BookingHorizonDays' => '91', 'RateLimitPhone' => '0', 'PdDoctors' => "1: 0001\nбез двоеточия")));
        ksort($errors);
        $this->assertSame(array('BookingHorizonDays' => 'Нужно целое число от 1 до 90', 'CodeField' => 'Имя поля: латинские буквы, цифры и «_», начинается с буквы',
            'MisTimeout' => 'Нужно целое число от 1 до 10', 'MisUrl' => 'Адрес должен начинаться с http:// или https://',
            'PdDoctors' => 'По строке на филиал: «1: 0001, 0002»', 'RateLimitPhone' => 'Нужно целое число от 1 до 1000'), $errors);
        // a number that is no number: the extension names the field
        $this->assertSame(array('MisTimeout' => 'Нужно целое число'), $settings->save_form($this->form(array('MisTimeout' => '5 с'))));
        // several such, and the check's problems with them: every one, each at its field
        $errors = $settings->save_form($this->form(array('MisTimeout' => '5 с', 'FtpPort' => '2 1', 'MailRemindHours' => 'день',
            'MisUrl' => 'mis.clinic.ru', 'BookingHorizonDays' => '0')));
        ksort($errors);
        $this->assertSame(array('BookingHorizonDays' => 'Нужно целое число от 1 до 90', 'FtpPort' => 'Нужно целое число от 0 до 65535',
            'MailRemindHours' => 'Нужно целое число', 'MisTimeout' => 'Нужно целое число',
            'MisUrl' => 'Адрес должен начинаться с http:// или https://'), $errors);
        $this->assertFalse((new nc_priem_netcat(nc_Core::get_object()))->module_setting('FtpHost'));
    }

    public function test_a_trusted_proxy_must_be_an_address_or_a_network(): void
    {
        $settings = priem_nc_module()->settings();
        $errors = $settings->save_form($this->form(array('TrustedProxies' => '127.0.0.1, proxy.local')));
        $this->assertSame(array('TrustedProxies'), array_keys($errors));
        $this->assertStringStartsWith('«proxy.local» — не IP-адрес и не сеть', $errors['TrustedProxies']);
        $this->assertSame(array(), $settings->save_form($this->form(array('TrustedProxies' => "127.0.0.1, 10.0.0.0/8\nfd00::/8"))));
        $this->assertSame(array(), $settings->save_form($this->form(array('RateLimitDoctorDay' => '5'))));
        $this->assertSame(5, (new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object())))->engine()['limits']['per_doctor_day']);
        $this->assertSame(array('RateLimitDoctorDay'), array_keys($settings->save_form($this->form(array('RateLimitDoctorDay' => '0')))));
    }

    public function test_a_localhost_connection_uses_the_socket_like_mysqli(): void
    {
        $netcat = new nc_priem_netcat(nc_Core::get_object(), array('host' => 'localhost:/run/mysqld/mysqld.sock',
            'user' => 'u', 'password' => 'p', 'database' => 'site', 'port' => ''));
        $this->assertSame(array('host' => 'localhost', 'port' => 3306, 'user' => 'u', 'password' => 'p',
            'database' => 'site', 'socket' => '/run/mysqld/mysqld.sock'), $netcat->db_settings());
    }

    public function test_a_changed_server_address_drops_the_stored_secrets_sent_to_it_unless_typed_again(): void
    {
        $this->assertSame(array(), priem_nc_module()->settings()->save_form($this->form()));
        $stored = function ($key) {
            return (new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object())))->get($key);
        };
        $changes = array(
            'FtpHost' => array('ftp.elsewhere.example', array('FtpPassword')),
            'MisUrl' => array('https://mis.elsewhere.example/book', array('MisPassword', 'MisToken')),
            'MailHost' => array('smtp.elsewhere.example', array('MailPassword')),
            'PdUrl' => array('https://pd.elsewhere.example/api/', array('PdPassword', 'PdToken')),
        );
        foreach ($changes as $address => list($value, $secrets)) {
            $settings = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
            $this->assertSame(array(), $settings->save_form(array($address => $value), $dropped));
            $this->assertSame($secrets, $dropped, $address);
            foreach ($secrets as $secret) {
                $this->assertSame('', $stored($secret), $secret);
            }
        }
        $this->assertSame('push-pw', $stored('PushPassword'), 'secrets of no server address stay');

        // a secret typed together with the new address is the new one; an unchanged address keeps them
        $settings = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
        $settings->save_form(array('MisUrl' => 'https://mis.clinic.ru/book', 'MisPassword' => 'new-mis-pw'), $dropped);
        $this->assertSame(array(), $dropped, 'the token was already empty');
        $this->assertSame('new-mis-pw', $stored('MisPassword'));
        $settings = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
        $settings->save_form(array('MisUrl' => 'https://mis.clinic.ru/book', 'MisTimeout' => '5'), $dropped);
        $this->assertSame(array(), $dropped);
        $this->assertSame('new-mis-pw', $stored('MisPassword'));
    }

    public function test_cron_php_has_the_modules_own_key_and_rotating_it_moves_netcats_task(): void
    {
        $priem = priem_nc_module();
        $priem->installer()->install();
        $db = nc_Core::get_object()->db;
        $url = $db->get_var('SELECT `Cron_Script_URL` FROM `CronTasks`');
        $this->assertMatchesRegularExpression('~^/netcat/modules/priem/cron\.php\?secret_key=[0-9a-f]{64}$~', $url);
        $key = substr($url, strpos($url, '=') + 1);
        $settings = $priem->settings();
        $this->assertTrue($settings->is_cron_secret($key));
        $this->assertFalse($settings->is_cron_secret('cron-secret-42'), "NetCat's SecretKey is not the module's key");
        $this->assertFalse($settings->is_cron_secret(null));
        $this->assertFalse($settings->is_cron_secret(''));

        $settings->rotate_cron_secret();
        $this->assertFalse($settings->is_cron_secret($key));
        $this->assertSame(array($settings->cron_url()), $db->get_col('SELECT `Cron_Script_URL` FROM `CronTasks`'));
        $this->assertStringNotContainsString($key, $settings->cron_url());
        $priem->installer()->install();
        $this->assertSame(array($settings->cron_url()), $db->get_col('SELECT `Cron_Script_URL` FROM `CronTasks`'), 'a reinstall keeps one task');
    }

    public function test_what_travels_unencrypted_is_named_until_tls_is_on(): void
    {
        $settings = priem_nc_module()->settings();
        $settings->save_form($this->form(array('FtpTls' => '0', 'MisTransport' => 'ftp', 'MisUrl' => 'http://mis.clinic.ru/book',
            'MailSecurity' => 'none', 'PdEnabled' => '1', 'PdUrl' => 'http://pd.example/api/', 'PdLogin' => 'clinic',
            'PdEndpointUser' => 'prodoctorov', 'PdEndpointPassword' => str_repeat('x', 16))));
        $warnings = $settings->plaintext_warnings();
        $this->assertCount(3, $warnings, implode("\n", $warnings));
        $this->assertStringStartsWith('FTP без шифрования: файлы расписания, заявки с ФИО и телефонами пациентов', $warnings[0]);
        $this->assertStringStartsWith('Почта без шифрования', $warnings[1]);
        $this->assertStringStartsWith('Выгрузка в ПроДокторов по http://', $warnings[2]);
        $settings->save_form(array('MisTransport' => 'http'));
        $this->assertStringStartsWith('Записи уходят в МИС по http://', $settings->plaintext_warnings()[1]);
        $settings->save_form(array('FtpTls' => '1', 'MisUrl' => 'https://mis.clinic.ru/book', 'MisPassword' => 'mis-pw',
            'MailSecurity' => 'starttls', 'PdUrl' => 'https://pd.example/api/', 'PdPassword' => 'pd-pw'));
        $this->assertSame(array(), $settings->plaintext_warnings());
    }

    public function test_a_servers_ca_certificate_reaches_the_extension_and_is_checked(): void
    {
        $settings = priem_nc_module()->settings();
        $pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";
        $this->assertSame(array(), $settings->save_form($this->form(array('MailCaPem' => $pem))));
        $e = $settings->engine();
        $this->assertSame($pem, $e['mail']['ca_pem']);
        $this->assertArrayNotHasKey('ca_pem', $e['ftp'], 'none given: the system roots alone');
        $this->assertIsArray(priem_alerts($e), 'the extension accepts the document');

        $errors = $settings->save_form($this->form(array('FtpCaPem' => 'не сертификат')));
        $this->assertArrayHasKey('FtpCaPem', $errors, print_r($errors, true));
        $this->assertStringContainsString('PEM', $errors['FtpCaPem']);
    }
}
