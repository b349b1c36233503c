<?php

use PHPUnit\Framework\TestCase;

/** A cp1251 site ($NC_UNICODE = 0): NetCat's tables hold cp1251, the extension sees UTF-8. */
final class CharsetTest extends TestCase
{
    protected function setUp(): void
    {
        priem_nc_reset_db();
    }

    protected function tearDown(): void
    {
        nc_Core::get_object()->NC_UNICODE = 1;
        nc_Core::get_object()->db->query("SET NAMES 'utf8mb4'");
    }

    public function test_text_crosses_into_utf8_and_back_into_cp1251(): void
    {
        $core = nc_Core::get_object();
        $core->NC_UNICODE = 0;
        // What a cp1251 NetCat does: its connection speaks cp1251.
        $core->db->query("SET NAMES 'cp1251'");
        $netcat = new nc_priem_netcat($core);
        $this->assertTrue($netcat->is_cp1251());

        $utf8 = 'Запись на приём: клиника «Ёлочка»';
        $cp1251 = $netcat->from_utf8($utf8);
        $this->assertSame(mb_convert_encoding($utf8, 'CP1251', 'UTF-8'), $cp1251);
        $this->assertFalse(mb_check_encoding($cp1251, 'UTF-8'), 'really cp1251 bytes');
        $this->assertSame($utf8, $netcat->to_utf8($cp1251));

        // A mail sender name typed in the cp1251 admin reaches the extension as valid UTF-8.
        $settings = new nc_priem_settings($netcat);
        $this->assertSame(array(), $settings->save_form(array(
            'MailHost' => 'smtp.clinic.ru', 'MailFrom' => 'Клиника <robot@clinic.ru>', 'MailTo' => 'a@clinic.ru',
        )));
        $engine = (new nc_priem_settings(new nc_priem_netcat($core)))->engine();
        $this->assertSame('Клиника <robot@clinic.ru>', $engine['mail']['from']);
        $this->assertTrue(mb_check_encoding(json_encode($engine, JSON_UNESCAPED_UNICODE), 'UTF-8'));
        // The extension accepts it (it rejects invalid UTF-8 outright).
        $this->assertIsArray(priem_migrate($engine));
    }

    public function test_utf8_site_is_left_alone(): void
    {
        $netcat = new nc_priem_netcat(nc_Core::get_object());
        $this->assertFalse($netcat->is_cp1251());
        $this->assertSame('ё', $netcat->from_utf8('ё'));
        $this->assertSame('ё', $netcat->to_utf8('ё'));
    }
}
