<?php

use PHPUnit\Framework\TestCase;

/** The package and install.php, as NetCat's module installer uses them (netcat.md §3.3). */
final class InstallTest extends TestCase
{
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

    public function test_install_creates_tables_settings_and_cron_task_and_is_repeatable(): void
    {
        require_once PRIEM_NC_PACKAGE . '/install.php';
        $this->assertSame(array('Success' => 1, 'ErrorMessage' => ''), InstallThisModule());

        // what the core does next: the Module row, then sql.txt
        $db = nc_Core::get_object()->db;
        $db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Description`, `Parameters`, `Checked`) VALUES "
            . "('NETCAT_MODULE_PRIEM', 'priem', 'NETCAT_MODULE_PRIEM_DESCRIPTION', '"
            . $db->prepare(file_get_contents(PRIEM_NC_PACKAGE . '/parameters.txt')) . "', '1')");
        foreach (self::sql_statements(PRIEM_NC_PACKAGE . '/sql.txt') as $sql) {
            $this->assertNotFalse($db->query($sql), $db->last_error);
        }
        $this->assertSame(array('Installed' => '1', 'Inside_Admin' => '1'),
            $db->get_row("SELECT `Installed`, `Inside_Admin` FROM `Module` WHERE `Keyword` = 'priem'", ARRAY_A));

        $tables = $db->get_col("SHOW TABLES LIKE 'Priem\\_%'");
        $this->assertContains('Priem_Booking', $tables);
        $this->assertContains('Priem_Slot', $tables);

        $this->assertSame('klinmed@yandex.ru, diggy@yandex.ru, info@angioclinic.ru',
            nc_Core::get_object()->get_settings('MailTo', 'priem'));
        $cron = $db->get_results('SELECT * FROM `CronTasks`', ARRAY_A);
        $this->assertCount(1, $cron);
        $this->assertSame('15', $cron[0]['Cron_Minutes']);
        $this->assertSame('/netcat/modules/priem/cron.php', $cron[0]['Cron_Script_URL']);

        // a second run (reinstall after removing the Module row) keeps edited settings, adds no task
        nc_Core::get_object()->set_settings('MailTo', 'admin@clinic.ru', 'priem');
        $this->assertSame(1, InstallThisModule()['Success']);
        $this->assertSame('admin@clinic.ru', nc_Core::get_object()->get_settings('MailTo', 'priem'));
        $this->assertSame('1', $db->get_var('SELECT COUNT(*) FROM `CronTasks`'));
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

    /** ExecSQLMultiline's rules: `;`-terminated statements, `#`/`--` lines skipped. */
    private static function sql_statements($file)
    {
        $out = array();
        $current = '';
        foreach (file($file, FILE_IGNORE_NEW_LINES) as $line) {
            $t = trim($line);
            if ($t === '' || $t[0] === '#' || strpos($t, '--') === 0) {
                continue;
            }
            $current .= $line . "\n";
            if (substr($t, -1) === ';') {
                $out[] = rtrim(trim($current), ';');
                $current = '';
            }
        }
        return $out;
    }
}
