<?php

use PHPUnit\Framework\TestCase;

/** The package and install.php, as NetCat's module installer uses them (netcat.md §3.3). */
final class InstallTest extends TestCase
{
    /** @var string|null the site root of admin_install() */
    private static $site;

    protected function setUp(): void
    {
        priem_nc_reset_db();
    }

    public function test_package_has_every_file_the_installer_requires(): void
    {
        foreach (array('id.txt', 'sql.txt', 'sql_int.txt', 'files.txt', 'parameters.txt', 'index.php', 'install.php',
                       'function.inc.php', 'en.lang.php', 'ru.lang.php', 'message.txt', 'message_int.txt') as $f) {
            $this->assertFileIsReadable(PRIEM_NC_PACKAGE . '/' . $f);
        }
        $id = file(PRIEM_NC_PACKAGE . '/id.txt', FILE_IGNORE_NEW_LINES);
        $this->assertSame('priem', $id[0]);
        $this->assertNotSame('1', $id[1], 'SystemID 1 aborts the install');
        $this->assertSame('NETCAT_MODULE_PRIEM', $id[4]);
        $this->assertStringContainsString('ADMIN_SETTINGS_LOCATION=module.priem.settings',
            file_get_contents(PRIEM_NC_PACKAGE . '/parameters.txt'));
        $lines = file(PRIEM_NC_PACKAGE . '/files.txt', FILE_IGNORE_NEW_LINES);
        $this->assertNotContains('', array_map('trim', $lines), 'the installer stops copying at a blank line');
        $listed = array_map(function ($l) { return ltrim($l, '/'); }, $lines);
        $tree = array();
        $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator(PRIEM_NC_PACKAGE . '/netcat', FilesystemIterator::SKIP_DOTS));
        foreach ($it as $file) {
            $tree[] = substr($file->getPathname(), strlen(PRIEM_NC_PACKAGE) + 1);
        }
        sort($tree);
        sort($listed);
        $this->assertSame($tree, $listed, 'files.txt lists exactly the module tree');
    }

    public function test_build_makes_an_archive_with_the_package_at_its_root(): void
    {
        exec(escapeshellarg(dirname(PRIEM_NC_PACKAGE) . '/build.sh') . ' 2>&1', $out, $rc);
        $this->assertSame(0, $rc, implode("\n", $out));
        $archive = end($out);
        $this->assertStringEndsWith('/build/priem-netcat-' . nc_priem::EXTENSION_VERSION . '.tgz', $archive);
        exec('tar -tzf ' . escapeshellarg($archive), $entries);
        foreach (array('id.txt', 'install.php', 'files.txt', 'admin.php', 'netcat/modules/priem/cron.php') as $e) {
            $this->assertContains($e, $entries);
        }
    }

    public function test_lang_files_define_the_module_name_constant(): void
    {
        require PRIEM_NC_PACKAGE . '/ru.lang.php';
        require PRIEM_NC_PACKAGE . '/en.lang.php'; // guarded: no redefinition warning
        $this->assertSame('Онлайн-запись к врачу', NETCAT_MODULE_PRIEM);
        $this->assertTrue(defined('NETCAT_MODULE_PRIEM_DESCRIPTION'));
    }

    public function test_check_ability_accepts_the_loaded_extension(): void
    {
        require_once PRIEM_NC_PACKAGE . '/install.php';
        $this->assertSame(array('Success' => 1, 'ErrorMessage' => ''), CheckAbilityOfInstallation());
        $this->assertSame(priem_version(), nc_priem::EXTENSION_VERSION);
    }

    public function test_check_ability_refuses_without_the_extension_in_russian(): void
    {
        // a PHP without the extension: run install.php's check in a child process
        $code = 'require ' . var_export(PRIEM_NC_PACKAGE . '/install.php', true) . '; echo json_encode(CheckAbilityOfInstallation(), JSON_UNESCAPED_UNICODE);';
        $out = shell_exec(escapeshellarg(PHP_BINARY) . ' -n -r ' . escapeshellarg($code));
        $r = json_decode((string)$out, true);
        $this->assertSame(0, $r['Success'], (string)$out);
        $this->assertStringContainsString('Не загружено PHP-расширение priem', $r['ErrorMessage']);
    }

    /**
     * The built .tgz through «Инструменты → Установка модуля» (the stand-in of phase 4, its own PHP
     * process as the real step): the page after the install is the success page with the next
     * steps — not the HTTP 500 of NetCat's AddModuleForm() on PHP 8 — and lists the module with
     * its icon; everything is installed.
     */
    public function test_the_admin_installer_installs_the_package_and_shows_the_next_steps(): void
    {
        $page = $this->admin_install();
        $this->assertStringNotContainsString('Fatal error', $page);
        $this->assertStringContainsString('Модуль «Онлайн-запись к врачу» установлен.', $page);
        foreach (array('Создать компоненты', 'Проверить соединение', 'php -d short_open_tag=On ') as $next) {
            $this->assertStringContainsString($next, $page);
        }
        $this->assertStringContainsString('/netcat/admin/#module.priem.settings', $page);
        // the crontab line as «Состояние» and the README give it: cli.php with the site's host
        $this->assertStringContainsString(self::$site . '/netcat/modules/priem/cli.php clinic.test</code>', $page);
        // the module list after the install shows the module with its own icon
        $this->assertMatchesRegularExpression("~<i class='nc-icon' title='Онлайн-запись к врачу' style='background-image: "
            . "url\(/netcat/modules/priem/icon-20x20\.png\)~u", $page);
        $this->assertStringEndsWith("</body></html>\n", $page);
        $this->assertSame(array(20, 20), array_slice((array)getimagesize(self::$site . '/netcat/modules/priem/icon-20x20.png'), 0, 2));

        $db = nc_Core::get_object()->db;
        $this->assertSame(array('Module_Name' => 'NETCAT_MODULE_PRIEM', 'Installed' => '1', 'Inside_Admin' => '1', 'Checked' => '1'),
            $db->get_row("SELECT `Module_Name`, `Installed`, `Inside_Admin`, `Checked` FROM `Module` WHERE `Keyword` = 'priem'", ARRAY_A));
        $tables = $db->get_col("SHOW TABLES LIKE 'Priem\\_%'");
        $this->assertContains('Priem_Booking', $tables);
        $this->assertContains('Priem_Slot', $tables);
        $this->assertSame('klinmed@yandex.ru, diggy@yandex.ru, info@angioclinic.ru',
            nc_Core::get_object()->get_settings('MailTo', 'priem', true));
        // every default setting (the form's secret among them), nothing else
        $this->assertEqualsCanonicalizing(array_keys(nc_priem_settings::$defaults),
            $db->get_col("SELECT `Key` FROM `Settings` WHERE `Module` = 'priem'"));
        $cron = $db->get_results('SELECT * FROM `CronTasks`', ARRAY_A);
        $this->assertCount(1, $cron);
        $this->assertSame('15', $cron[0]['Cron_Minutes']);
        $this->assertMatchesRegularExpression('~^/netcat/modules/priem/cron\.php\?secret_key=[0-9a-f]{64}$~', $cron[0]['Cron_Script_URL']);
        $this->assertFileExists(self::$site . '/netcat/modules/priem/admin.php');

        // uploading it again: NetCat refuses, nothing is touched
        nc_Core::get_object()->set_settings('MailTo', 'admin@clinic.ru', 'priem');
        $this->assertStringContainsString('Модуль уже установлен.', $this->admin_install());
        $this->assertSame('admin@clinic.ru', nc_Core::get_object()->get_settings('MailTo', 'priem', true));
    }

    public function test_install_is_repeatable_and_keeps_edited_settings(): void
    {
        require_once PRIEM_NC_PACKAGE . '/install.php';
        $this->assertSame(array('Success' => 1, 'ErrorMessage' => ''), InstallThisModule());
        // a second run (reinstall after removing the Module row) keeps edited settings, adds no task
        nc_Core::get_object()->set_settings('MailTo', 'admin@clinic.ru', 'priem');
        $this->assertSame(1, InstallThisModule()['Success']);
        $this->assertSame('admin@clinic.ru', nc_Core::get_object()->get_settings('MailTo', 'priem', true));
        $this->assertSame('1', nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `CronTasks`'));
    }

    /** The built package unpacked into the site's netcat/tmp/ and installed by the stand-in's phase 4; the page. */
    private function admin_install(): string
    {
        if (self::$site === null) {
            self::$site = sys_get_temp_dir() . '/priem-netcat-install-' . getmypid();
            exec('rm -rf ' . escapeshellarg(self::$site));
            priem_standin_site_files(self::$site, array('host' => '127.0.0.1', 'user' => 'root', 'password' => '',
                'database' => PRIEM_NC_DB, 'port' => 3306));
        }
        exec(escapeshellarg(dirname(PRIEM_NC_PACKAGE) . '/build.sh') . ' 2>&1', $out, $rc);
        $this->assertSame(0, $rc, implode("\n", $out));
        $tmp = self::$site . '/netcat/tmp';
        @mkdir($tmp, 0777, true);
        exec('tar -xzf ' . escapeshellarg(end($out)) . ' -C ' . escapeshellarg($tmp), $ignored, $rc);
        $this->assertSame(0, $rc);
        $cmd = implode(' ', array_map('escapeshellarg', priem_nc_php(array(__DIR__ . '/standin/admin_modules_install.php', self::$site, $tmp))));
        exec($cmd . ' 2>&1', $page, $rc);
        $page = implode("\n", $page) . "\n";
        $this->assertSame(0, $rc, $page);
        return $page;
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$site !== null) {
            exec('rm -rf ' . escapeshellarg(self::$site));
        }
    }

    public function test_install_reports_a_database_failure_without_the_password(): void
    {
        $netcat = new nc_priem_netcat(nc_Core::get_object(), array('host' => '127.0.0.1', 'user' => 'nobody',
            'password' => 'S3cret-pw', 'database' => PRIEM_NC_DB, 'port' => 3306));
        $r = (new nc_priem_installer($netcat, new nc_priem_settings($netcat)))->install();
        $this->assertSame(0, $r['Success']);
        $this->assertStringContainsString('priem', $r['ErrorMessage']);
        $this->assertStringNotContainsString('S3cret-pw', $r['ErrorMessage']);
    }
}
