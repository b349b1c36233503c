<?php

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/admin_site.php';

/**
 * Who may do what in the module's admin, through `php -S` and the stand-in admin with NetCat's
 * rights (standin/permission.php): reading needs some right on the module, every POST the right
 * "edit" — a read-only user, a NetCat guest or a user of another module change nothing.
 */
final class AdminRightsTest extends TestCase
{
    /** @var PriemAdminSite */
    private static $site;
    private static $reader;
    private static $editor;
    private static $guest;
    private static $stranger;

    /** Every tab: its query and a text only that tab shows. */
    private const TABS = array(
        'settings' => array('controller=settings', 'Получатели (через запятую)'),
        'status' => array('controller=status', 'Последние запуски'),
        'bookings' => array('controller=bookings', 'Приём (время клиники)'),
        'codes' => array('controller=codes', 'Расхождения кодов'),
        'prodoctorov' => array('controller=prodoctorov', 'Последние выгрузки'),
    );

    /** Every POST the admin takes: [query, fields]. */
    private static function writes(): array
    {
        return array(
            'save settings' => array('controller=settings', array('action' => 'save', 'MisUrl' => 'http://attacker.example/book')),
            'check a connection' => array('controller=settings', array('action' => 'check', 'what' => 'mis')),
            'add the code fields' => array('controller=settings', array('action' => 'add_fields')),
            'create components' => array('controller=settings', array('action' => 'create_components')),
            'retry a booking' => array('controller=bookings', array('action' => 'retry', 'id' => '1')),
            'save the ProDoctorov tab' => array('controller=prodoctorov', array('action' => 'save', 'PdEnabled' => '1',
                'PdUrl' => 'http://attacker.example/upload/')),
            'upload to ProDoctorov' => array('controller=prodoctorov', array('action' => 'upload')),
            'rotate the cron key' => array('controller=status', array('action' => 'rotate_cron_secret')),
            'erase a patient' => array('controller=bookings', array('action' => 'erase', 'phone' => '+7 900 123-45-67', 'confirm' => '1')),
        );
    }

    public static function setUpBeforeClass(): void
    {
        priem_nc_reset_db();
        priem_nc_module()->installer()->install();
        self::$reader = nc_standin_add_user('reader@clinic.ru', 0, array('priem' => array('view')));
        self::$editor = nc_standin_add_user('editor@clinic.ru', 0, array('priem' => array(nc_priem_netcat::RIGHT_EDIT)));
        self::$guest = nc_standin_add_user('guest@clinic.ru', GUEST);
        self::$stranger = nc_standin_add_user('requests@clinic.ru', 0, array('requests' => array(NC_PERM_MODULE_ALL)));
        $db = nc_Core::get_object()->db;
        $db->query("INSERT INTO `Priem_Booking` (`id`, `idempotency_key`, `source`, `status`, `filial`, `doctor`, `start_utc`, `end_utc`,
            `payload`, `created_at`, `phone_masked`) VALUES (1, 'k1', 'site', 'unknown', '1', '0001', '2030-12-02 06:00:00',
            '2030-12-02 06:30:00', '{\"name\":\"Сидорова Анна\",\"phone\":\"79001234567\"}', UTC_TIMESTAMP(), '7900***4567')");
        self::$site = new PriemAdminSite();
    }

    public static function tearDownAfterClass(): void
    {
        self::$site->stop();
    }

    /** What a POST could have changed: the settings, the components, the booking. */
    private static function state(): array
    {
        $db = nc_Core::get_object()->db;
        return array(
            (array)$db->get_results("SELECT `Key`, `Value` FROM `Settings` WHERE `Module` = 'priem' ORDER BY `Key`", ARRAY_A),
            (int)$db->get_var('SELECT COUNT(*) FROM `Class`'),
            $db->get_row('SELECT `status`, `attempts`, `payload`, `anonymized_at` FROM `Priem_Booking` WHERE `id` = 1', ARRAY_A),
        );
    }

    public function test_a_read_only_user_sees_every_tab(): void
    {
        foreach (self::TABS as $tab => list($query, $text)) {
            list($status, $body) = self::$site->request(self::$reader, $query);
            $this->assertSame(200, $status, $tab);
            $this->assertStringContainsString($text, $body, $tab);
        }
    }

    public function test_a_read_only_user_cannot_change_anything(): void
    {
        $before = self::state();
        foreach (self::writes() as $what => list($query, $fields)) {
            list($status, $body) = self::$site->request(self::$reader, $query, $fields);
            $this->assertSame(403, $status, $what);
            $this->assertStringContainsString('Недостаточно прав', $body, $what);
        }
        $this->assertSame($before, self::state());
    }

    public function test_a_netcat_guest_gets_nothing(): void
    {
        $before = self::state();
        foreach (self::TABS as $tab => list($query)) {
            list($status, $body) = self::$site->request(self::$guest, $query);
            $this->assertSame(403, $status, $tab);
            $this->assertStringNotContainsString('7900***4567', $body);
            $this->assertStringNotContainsString('***-45-67', $body);
        }
        foreach (self::writes() as $what => list($query, $fields)) {
            $this->assertSame(403, self::$site->request(self::$guest, $query, $fields)[0], $what);
        }
        $this->assertSame($before, self::state());
    }

    public function test_a_user_with_rights_on_another_module_only_gets_nothing(): void
    {
        foreach (self::TABS as $tab => list($query)) {
            $this->assertSame(403, self::$site->request(self::$stranger, $query)[0], $tab);
        }
        $this->assertSame(403, self::$site->request(self::$stranger, 'controller=settings', array('action' => 'save', 'FtpHost' => 'x'))[0]);
    }

    public function test_the_edit_right_saves_settings_with_that_users_token_only(): void
    {
        list($status) = self::$site->request(self::$editor, 'controller=settings',
            array('action' => 'save', 'ClinicPhone' => '+7 (343) 000-00-00', 'nc_token' => PriemAdminSite::token(self::$reader)));
        $this->assertSame(403, $status);
        $this->assertSame('', nc_Core::get_object()->get_settings('ClinicPhone', 'priem', true), "another user's token is refused");
        list($status, $body) = self::$site->request(self::$editor, 'controller=settings',
            array('action' => 'save', 'ClinicPhone' => '+7 (343) 000-00-00'));
        $this->assertSame(200, $status);
        $this->assertStringContainsString('Настройки сохранены', $body);
        $this->assertSame('+7 (343) 000-00-00', nc_Core::get_object()->get_settings('ClinicPhone', 'priem', true));
    }

    public function test_the_sites_supervisor_sees_every_tab(): void
    {
        foreach (self::TABS as $tab => list($query, $text)) {
            list($status, $body) = self::$site->request(1, $query);
            $this->assertSame(200, $status, $tab);
            $this->assertStringContainsString($text, $body, $tab);
        }
    }
}
