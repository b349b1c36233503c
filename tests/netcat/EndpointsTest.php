<?php

use PHPUnit\Framework\TestCase;

/**
 * cron.php, push.php and cli.php as installed in a site root (files copied the way the
 * installer copies them), served by `php -S` with the extension, over real HTTP.
 */
final class EndpointsTest extends TestCase
{
    /** @var string */
    private static $root;
    /** @var resource|null */
    private static $server;
    /** @var string */
    private static $base;

    public static function setUpBeforeClass(): void
    {
        priem_nc_reset_db();
        self::$root = priem_nc_site();
        $core = nc_Core::get_object();
        $core->db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`) VALUES ('NETCAT_MODULE_PRIEM', 'priem', 1, 1)");
        $priem = priem_nc_module();
        $priem->installer()->install();
        TestCase::assertSame(array(), $priem->settings()->save_form(array(
            'PushLogin' => 'mis', 'PushPassword' => 'push-pw', 'PushToken' => 'tok-123')));

        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int)substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock);
        $cmd = array(PHP_BINARY, '-d', 'extension=' . self::extension_path(), '-d', 'short_open_tag=On',
                     '-S', '127.0.0.1:' . $port, '-t', self::$root);
        self::$server = proc_open($cmd, array(array('pipe', 'r'), array('file', '/dev/null', 'w'), array('file', '/dev/null', 'w')), $pipes);
        self::$base = 'http://127.0.0.1:' . $port;
        for ($i = 0; $i < 100; $i++) {
            $c = @fsockopen('127.0.0.1', $port);
            if ($c) {
                fclose($c);
                return;
            }
            usleep(50000);
        }
        throw new RuntimeException('php -S did not start');
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$server) {
            proc_terminate(self::$server);
            proc_close(self::$server);
        }
        exec('rm -rf ' . escapeshellarg(self::$root));
    }

    /** The extension this PHP was started with (php -d extension=…), for the server and the CLI. */
    private static function extension_path(): string
    {
        $args = explode("\0", (string)@file_get_contents('/proc/self/cmdline'));
        foreach ($args as $i => $a) {
            $v = $a === '-d' && isset($args[$i + 1]) ? $args[$i + 1] : (strpos($a, '-d') === 0 ? substr($a, 2) : '');
            if (strpos($v, 'extension=') === 0 && strpos($v, 'priem') !== false) {
                return substr($v, strlen('extension='));
            }
        }
        return dirname(__DIR__, 2) . '/target/debug/libpriem.so';
    }

    /** @return array{int, string} */
    private function request(string $method, string $path, array $headers = array(), string $body = ''): array
    {
        $ctx = stream_context_create(array('http' => array('method' => $method, 'header' => implode("\r\n", $headers),
            'content' => $body, 'ignore_errors' => true, 'timeout' => 30)));
        $out = file_get_contents(self::$base . $path, false, $ctx);
        preg_match('~^HTTP/\S+ (\d+)~', $http_response_header[0], $m);
        return array((int)$m[1], (string)$out);
    }

    public function test_cron_refuses_a_wrong_or_missing_key(): void
    {
        list(, $out) = $this->request('GET', '/netcat/modules/priem/cron.php?cron_key=wrong');
        $this->assertSame('Access denied', trim($out));
        list(, $out) = $this->request('GET', '/netcat/modules/priem/cron.php');
        $this->assertSame('Access denied', trim($out));
        $this->assertSame('0', nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`'));
    }

    public function test_cron_with_the_right_key_runs_one_tick(): void
    {
        list($status, $out) = $this->request('GET', '/netcat/modules/priem/cron.php?cron_key=cron-secret-42');
        $this->assertSame(200, $status, $out);
        $this->assertStringStartsWith('priem: ', $out, 'the report line');
        $this->assertStringNotContainsString('Access denied', $out);
        $this->assertGreaterThanOrEqual(1, (int)nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`'));
    }

    public function test_cron_runs_on_the_head_request_netcat_crontab_makes(): void
    {
        $db = nc_Core::get_object()->db;
        $before = (int)$db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`');
        list($status) = $this->request('HEAD', '/netcat/modules/priem/cron.php?cron_key=cron-secret-42');
        $this->assertSame(200, $status);
        $this->assertSame($before + 1, (int)$db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`'));
    }

    public function test_cli_prints_the_one_line_report(): void
    {
        $cmd = escapeshellarg(PHP_BINARY) . ' -d extension=' . escapeshellarg(self::extension_path())
            . ' ' . escapeshellarg(self::$root . '/netcat/modules/priem/cli.php') . ' clinic.test 2>&1';
        exec($cmd, $lines, $rc);
        $this->assertSame(0, $rc, implode("\n", $lines));
        $this->assertCount(1, $lines, implode("\n", $lines));
        $this->assertStringStartsWith('priem: ', $lines[0]);
    }

    public function test_push_without_credentials_is_401_and_with_wrong_ones_403(): void
    {
        $form = array('Content-Type: application/x-www-form-urlencoded');
        $this->assertSame(401, $this->request('POST', '/netcat/modules/priem/push.php', $form, 'cells=%7B%7D')[0]);
        $this->assertSame(403, $this->request('POST', '/netcat/modules/priem/push.php', $form,
            http_build_query(array('login' => 'mis', 'password' => 'nope', 'cells' => priem_nc_schedule())))[0]);
        $this->assertSame(403, $this->request('POST', '/netcat/modules/priem/push.php',
            array('Authorization: Token nope', 'Content-Type: application/json'), '{"schedule": {"data": {}}}')[0]);
        $this->assertSame(405, $this->request('GET', '/netcat/modules/priem/push.php')[0]);
        $this->assertSame('0', nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_Slot`'));
    }

    public function test_push_old_style_form_imports(): void
    {
        list($status, $out) = $this->request('POST', '/netcat/modules/priem/push.php', array('Content-Type: application/x-www-form-urlencoded'),
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => priem_nc_schedule())));
        $this->assertSame(200, $status, $out);
        $answer = json_decode($out, true);
        $this->assertTrue($answer['success'], $out);
        $this->assertSame(array(), $answer['rejected']);
        $this->assertSame('3', nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_Slot`'));
    }

    public function test_push_old_style_as_json_body_and_v2_token_import(): void
    {
        $doc = json_decode(priem_nc_schedule(), true);
        $doc['data']['1']['0001']['cells'][] = array('dt' => '2030-12-03', 'time_start' => '11:00', 'time_end' => '11:30', 'free' => true);
        list($status, $out) = $this->request('POST', '/netcat/modules/priem/push.php', array('Content-Type: application/json'),
            json_encode(array('login' => 'mis', 'password' => 'push-pw', 'cells' => json_encode($doc))));
        $this->assertSame(200, $status, $out);
        $this->assertSame('4', nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_Slot`'));

        unset($doc['data']['2']);
        $doc['data']['1']['0001']['cells'] = array_slice($doc['data']['1']['0001']['cells'], 0, 1);
        list($status, $out) = $this->request('POST', '/netcat/modules/priem/push.php',
            array('Authorization: Token tok-123', 'Content-Type: application/json'), json_encode(array('schedule' => $doc)));
        $this->assertSame(200, $status, $out);
        $this->assertTrue(json_decode($out, true)['success']);
        // filial 1 replaced by one slot, filial 2 (not in this snapshot) kept
        $this->assertSame('2', nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_Slot`'));
    }

    public function test_push_of_an_unreadable_document_is_400_and_keeps_the_schedule(): void
    {
        $before = nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_Slot`');
        list($status, $out) = $this->request('POST', '/netcat/modules/priem/push.php', array('Content-Type: application/x-www-form-urlencoded'),
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => '{"no data": 1}')));
        $this->assertSame(400, $status, $out);
        $this->assertFalse(json_decode($out, true)['success']);
        $this->assertSame($before, nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_Slot`'));
    }
}
