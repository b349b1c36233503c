<?php

use PHPUnit\Framework\TestCase;

/** "Добавить поле «Код МИС»": only where missing, on 6.x (add_field) and 5.x (plain SQL) cores. */
final class FieldsTest extends TestCase
{
    protected function setUp(): void
    {
        priem_nc_reset_db();
    }

    /** @return array<string, array{bool}> */
    public function cores(): array
    {
        return array('6.4 core with add_field' => array(true), '5.x core without add_field' => array(false));
    }

    /** @dataProvider cores */
    public function test_adds_code_and_zone_fields_once(bool $has_add_field): void
    {
        $core = nc_Core::get_object();
        if (!$has_add_field) {
            $core->component = new nc_component_5x();
        }
        $clinic = priem_nc_component('Клиники', 'clinics');
        $doctor = priem_nc_component('Врачи', 'doctors');
        $fields = priem_nc_module()->fields();

        $this->assertSame(array('MisCode' => 'added', 'MisTimezone' => 'added'), $fields->ensure('clinics', 'clinic'));
        $this->assertSame(array('MisCode' => 'added'), $fields->ensure((string)$doctor, 'doctor'));
        // idempotent: a second press changes nothing
        $this->assertSame(array('MisCode' => 'present', 'MisTimezone' => 'present'), $fields->ensure('clinics', 'clinic'));
        $this->assertSame(array('MisCode' => 'present'), $fields->ensure('doctors', 'doctor'));

        $db = $core->db;
        $rows = $db->get_results('SELECT `Class_ID`, `Field_Name`, `TypeOfData_ID`, `TypeOfEdit_ID` FROM `Field` ORDER BY `Field_ID`', ARRAY_A);
        $this->assertSame(array(
            array('Class_ID' => (string)$clinic, 'Field_Name' => 'MisCode', 'TypeOfData_ID' => '1', 'TypeOfEdit_ID' => '2'),
            array('Class_ID' => (string)$clinic, 'Field_Name' => 'MisTimezone', 'TypeOfData_ID' => '1', 'TypeOfEdit_ID' => '2'),
            array('Class_ID' => (string)$doctor, 'Field_Name' => 'MisCode', 'TypeOfData_ID' => '1', 'TypeOfEdit_ID' => '2'),
        ), $rows);
        $this->assertCount(1, (array)$db->get_results("SHOW COLUMNS FROM `Message$clinic` LIKE 'MisTimezone'"));
        $this->assertCount(1, (array)$db->get_results("SHOW COLUMNS FROM `Message$doctor` LIKE 'MisCode'"));
        $this->assertNotNull($db->get_results("SHOW INDEX FROM `Message$doctor` WHERE Column_name = 'MisCode'"));
    }

    public function test_shipped_components_are_created_once_and_selected(): void
    {
        $priem = priem_nc_module();
        $this->assertSame(array('clinic' => 'created', 'doctor' => 'created', 'booking' => 'created'), $priem->fields()->create_components());
        $this->assertSame(array('clinic' => 'present', 'doctor' => 'present', 'booking' => 'present'), $priem->fields()->create_components());
        $db = nc_Core::get_object()->db;
        // «Онлайн-запись»: no fields, the widget in its prefix, per-infoblock settings that NetCat can evaluate
        $custom = $db->get_var("SELECT `CustomSettingsTemplate` FROM `Class` WHERE `Keyword` = 'priem_booking'");
        $settings_array = null;
        eval($custom);
        $this->assertSame(array('mode', 'doctor', 'collapsed', 'filial', 'specialty'), array_keys($settings_array));
        $this->assertSame('picker', $settings_array['mode']['default_value']);
        $this->assertStringContainsString('->infoblock(', (string)file_get_contents(
            nc_priem_netcat::from_core()->component_template_folder('priem_booking') . 'FormPrefix.html'));
        $clinic = $db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_clinics'");
        $this->assertSame(array('Name', 'Address', 'Phone', 'Metro', 'Ages', 'MisCode', 'MisTimezone'),
            $db->get_col("SELECT `Field_Name` FROM `Field` WHERE `Class_ID` = $clinic ORDER BY `Priority`"));
        $settings = new nc_priem_settings(new nc_priem_netcat(nc_Core::get_object()));
        $this->assertSame('priem_clinics', $settings->get('ClinicComponent'));
        $this->assertSame('priem_doctors', $settings->get('DoctorComponent'));
        $this->assertArrayHasKey('cards', $settings->engine());
    }

    public function test_a_5x_core_cannot_create_components_and_says_what_to_do(): void
    {
        nc_Core::get_object()->component = new nc_component_5x();
        $this->expectException(RuntimeException::class);
        $this->expectExceptionMessage('создайте компоненты клиник и врачей вручную');
        priem_nc_module()->fields()->create_components();
    }

    public function test_a_column_without_a_field_row_gets_only_the_row(): void
    {
        $doctor = priem_nc_component('Врачи', 'doctors');
        nc_Core::get_object()->db->query("ALTER TABLE `Message$doctor` ADD `MisCode` CHAR(255) NULL");
        $this->assertSame(array('MisCode' => 'added'), priem_nc_module()->fields()->ensure('doctors', 'doctor'));
        $this->assertSame('1', nc_Core::get_object()->db->get_var("SELECT COUNT(*) FROM `Field` WHERE `Field_Name` = 'MisCode'"));
    }

    public function test_unknown_component_is_refused_in_russian(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionMessage('Компонент «nope» не найден');
        priem_nc_module()->fields()->ensure('nope', 'doctor');
    }

    public function test_configured_components_and_comma_separated_codes_reach_the_engine(): void
    {
        $clinic = priem_nc_component('Клиники', 'clinics');
        $doctor = priem_nc_component('Врачи', 'doctors');
        $priem = priem_nc_module();
        $this->assertSame(array(), $priem->settings()->save_form(array('ClinicComponent' => 'clinics', 'DoctorComponent' => 'doctors')));
        $result = $priem->fields()->ensure_configured();
        $this->assertSame('added', $result['clinic']['MisTimezone']);

        // no cards yet: the codes are still checked (against none)
        $engine = $priem->settings()->engine();
        $this->assertArrayNotHasKey('timezones', $engine);
        $this->assertSame(array('clinics' => array(), 'doctors' => array()), $engine['cards']);
        priem_migrate($engine);
        $this->assertSame(array(), priem_sync($engine)['errors'] ?? array());

        $db = nc_Core::get_object()->db;
        $db->query("INSERT INTO `Message$clinic` (`Name`, `MisCode`, `MisTimezone`) VALUES ('Ленина', '1', 'Europe/Moscow'), "
            . "('Екатеринбург', '2, 5', 'Asia/Yekaterinburg'), ('Без пояса', '7', ''), ('Опечатка', '8', 'Asia/Ekb')");
        $db->query("INSERT INTO `Message$doctor` (`Name`, `MisCode`) VALUES ('Иванова', '0001'), ('Сидоров', '0042, 2:0107')");

        // the cards' code cells as typed (the extension splits them), no table or column names
        $engine = $priem->settings()->engine();
        $this->assertSame(array(
            array('id' => '1', 'codes' => '1', 'timezone' => 'Europe/Moscow'),
            array('id' => '2', 'codes' => '2, 5', 'timezone' => 'Asia/Yekaterinburg'),
            array('id' => '3', 'codes' => '7', 'timezone' => ''),
            array('id' => '4', 'codes' => '8', 'timezone' => 'Asia/Ekb'),
        ), $engine['cards']['clinics']);
        $this->assertSame(array(array('id' => '1', 'codes' => '0001'), array('id' => '2', 'codes' => '0042, 2:0107')),
            $engine['cards']['doctors']);
        // the booking form's and ProDoctorov's requests skip what only the import and the code check use
        $light = $priem->settings()->engine(true);
        $this->assertSame(array_diff_key($engine, array('cards' => 1)), $light);

        // the engine accepts these settings, imports, and checks the codes against the cards
        priem_migrate($engine);
        priem_import_schedule($engine, priem_nc_schedule());
        $report = priem_sync($engine);
        $this->assertArrayHasKey('line', $report);
        $this->assertSame(array(), $report['errors'] ?? array(), $report['line']);
        // the clinic cards' zones reached the import (a typo or no zone: Moscow)
        $zones = array();
        foreach (priem_filials($engine) as $f) {
            $zones[$f['code']] = $f['timezone'];
        }
        $this->assertSame(array('1' => 'Europe/Moscow', '2' => 'Asia/Yekaterinburg'), $zones);
        // each code of a cell is compared: the pinned 2:0107 and the clinics 5, 7, 8 the MIS never sent
        $keys = array_column(priem_alerts($engine), 'key');
        sort($keys);
        $this->assertSame(array('doctor_card_not_in_mis:2:0107', 'filial_card_not_in_mis:5', 'filial_card_not_in_mis:7',
            'filial_card_not_in_mis:8'), $keys);
    }
}
