<?php

use PHPUnit\Framework\TestCase;

/**
 * The module's entry points as installed in a site root (files copied the way NetCat's installer
 * copies them), served over real HTTP by the server a subclass names (tests/servers/serve):
 * php -S (EndpointsTest), Apache 2.4 + mod_php with .htaccess honoured (EndpointsApacheTest),
 * nginx + php-fpm with the module's shipped snippet (EndpointsNginxTest). The same tests run
 * through each: cron, the MIS's push, ProDoctorov's direct booking and the booking API (a booking
 * reaches the HTTP MIS peer), and — where a server enforces them — which files are served at all.
 */
abstract class EndpointsTestCase extends TestCase
{
    /** The server of tests/servers/serve: php, apache or nginx. */
    const SERVER = 'php';

    const MODULE = '/netcat/modules/priem/';
    const PD_USER = 'prodoctorov';
    const PD_PASSWORD = 'pd-endpoint-password-42';

    /** @var string */
    protected static $root;
    /** @var string the server's work folder: configs, logs, sessions/ */
    protected static $work;
    /** @var string */
    protected static $base;
    /** @var resource[] */
    private static $procs = array();
    /** @var string */
    private static $mis_log;

    public static function setUpBeforeClass(): void
    {
        priem_nc_reset_db();
        self::$root = priem_nc_site();
        $core = nc_Core::get_object();
        $core->db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`) VALUES ('NETCAT_MODULE_PRIEM', 'priem', 1, 1)");
        $priem = priem_nc_module();
        $priem->installer()->install();

        self::$mis_log = tempnam(sys_get_temp_dir(), 'mis');
        $mis_port = self::spawn(function ($port) {
            return array('python3', dirname(__DIR__) . '/peers/mis_peer.py', '--port', (string)$port, '--log', self::$mis_log);
        });
        TestCase::assertSame(array(), $priem->settings()->save_form(array(
            'PushLogin' => 'mis', 'PushPassword' => 'push-pw', 'PushToken' => 'tok-123',
            'MisUrl' => 'http://127.0.0.1:' . $mis_port . '/success', 'MisTimeout' => '5', 'FormMinSeconds' => '1',
            'PdEnabled' => '1', 'PdUrl' => 'http://127.0.0.1:9/api/mis/send_cells/', 'PdLogin' => 'clinic', 'PdPassword' => 'pd-secret',
            'PdEndpointUser' => self::PD_USER, 'PdEndpointPassword' => self::PD_PASSWORD)));
        // filial 3 (Moscow) for the bookings, from tomorrow; the push tests replace filials 1 and 2 only
        $report = priem_import_schedule($priem->settings()->engine(), self::bookable_schedule());
        TestCase::assertSame(array(), $report['rejected']);

        self::$work = sys_get_temp_dir() . '/priem-serve-' . static::SERVER . '-' . getmypid();
        $port = self::spawn(function ($port) {
            exec('rm -rf ' . escapeshellarg(self::$work));
            return array(dirname(__DIR__) . '/servers/serve', static::SERVER, self::$root, (string)$port, self::$work,
                priem_nc_extension());
        });
        self::$base = 'http://127.0.0.1:' . $port;
    }

    public static function tearDownAfterClass(): void
    {
        foreach (self::$procs as $proc) {
            proc_terminate($proc);
            proc_close($proc);
        }
        self::$procs = array();
        @unlink(self::$mis_log);
        exec('rm -rf ' . escapeshellarg(self::$root) . ' ' . escapeshellarg(self::$work));
    }

    protected function tearDown(): void
    {
        // a PHP warning, notice or fatal error of the site fails the test that caused it
        $log = (string)@file_get_contents(self::$work . '/php-errors.log');
        @file_put_contents(self::$work . '/php-errors.log', '');
        $this->assertDoesNotMatchRegularExpression('/PHP (Fatal|Parse|Warning|Notice|Deprecated)/', $log, 'the site logged PHP errors');
    }

    /** A server on a free port (priem_nc_serve), stopped after the class; its port. */
    private static function spawn(callable $cmd): int
    {
        list(self::$procs[], $port) = priem_nc_serve($cmd);
        return $port;
    }

    /** Filial 3 (no card: Europe/Moscow), doctor 0003: half-hour cells tomorrow and the day after. */
    private static function bookable_schedule(): string
    {
        $cells = array();
        foreach (array(1, 2) as $d) {
            $day = gmdate('Y-m-d', time() + $d * 86400);
            foreach (array('10:00', '10:30', '11:00', '11:30', '12:00', '12:30') as $t) {
                $cells[] = array('dt' => $day, 'time_start' => $t, 'time_end' => date('H:i', strtotime("2000-01-01 $t") + 1800), 'free' => true);
            }
        }
        return json_encode(array('3' => 'Клиника на Мира', 'data' => array('3' => array(
            '0003' => array('efio' => 'Смирнова Анна Ивановна', 'espec' => 'Терапевт', 'cells' => $cells)))), JSON_UNESCAPED_UNICODE);
    }

    /**
     * One request; no redirects followed.
     *
     * @return array{int, array<string, string>, string} status, headers (lower-case names; the
     *                                                  last of repeated ones), body
     */
    protected function request(string $method, string $path, array $headers = array(), string $body = '', ?string $from = null): array
    {
        $options = array('http' => array('method' => $method, 'header' => implode("\r\n", $headers),
            'content' => $body, 'ignore_errors' => true, 'timeout' => 30, 'follow_location' => 0));
        if ($from !== null) {
            $options['socket'] = array('bindto' => $from . ':0'); // another client: 127.0.0.0/8 is all loopback
        }
        $ctx = stream_context_create($options);
        $out = @file_get_contents(self::$base . $path, false, $ctx);
        $this->assertIsArray($http_response_header, "$method $path: no HTTP answer");
        preg_match('~^HTTP/\S+ (\d+)~', $http_response_header[0], $m);
        $h = array();
        foreach (array_slice($http_response_header, 1) as $line) {
            $parts = explode(':', $line, 2);
            if (count($parts) === 2) {
                $name = strtolower(trim($parts[0]));
                $h[$name] = isset($h[$name]) && $name === 'set-cookie' ? $h[$name] . "\n" . trim($parts[1]) : trim($parts[1]);
            }
        }
        return array((int)$m[1], $h, (string)$out);
    }

    /** @return array{int, array<string, string>, mixed} status, headers, the decoded JSON body */
    protected function json(string $method, string $path, array $headers = array(), string $body = '', ?string $from = null): array
    {
        list($status, $h, $out) = $this->request($method, $path, $headers, $body, $from);
        $this->assertStringStartsWith('application/json', isset($h['content-type']) ? $h['content-type'] : '',
            "$method $path answers JSON ($status): " . substr($out, 0, 300));
        $json = json_decode($out, true);
        $this->assertIsArray($json, "$method $path: JSON body: " . substr($out, 0, 300));
        return array($status, $h, $json);
    }

    private static function mis_received(): array
    {
        $out = array();
        foreach (array_filter(explode("\n", (string)file_get_contents(self::$mis_log))) as $line) {
            $out[] = json_decode(hex2bin(json_decode($line, true)['body_hex']), true);
        }
        return $out;
    }

    private static function slot_count(): string
    {
        return (string)nc_Core::get_object()->db->get_var("SELECT COUNT(*) FROM `Priem_Slot` WHERE `filial` IN ('1', '2')");
    }

    // ---- what is served at all --------------------------------------------------------------

    /** Entry points: answered by PHP (X-Powered-By), never the server's 403/404. */
    public function test_every_entry_point_answers(): void
    {
        $m = self::MODULE;
        $php = array(
            'GET api.php?action=filials' => 200, 'GET push.php' => 405, 'GET push/' => 405, 'GET prodoctorov.php' => 405,
            'GET prodoctorov/' => 405, 'GET cron.php' => 403, 'HEAD cron.php' => 403, 'GET admin.php' => 200,
        );
        foreach ($php as $what => $status) {
            list($method, $path) = explode(' ', $what);
            list($got, $h, $body) = $this->request($method, $m . $path);
            $this->assertSame($status, $got, "$what: $body");
            $this->assertArrayHasKey('x-powered-by', $h, "$what is answered by PHP");
        }
        // the widget's files, the admin's routes, styles and icon, the cards' styles, as static files
        foreach (array('widget/priem.js' => 'javascript', 'widget/priem.js.gz' => '', 'url_routes.js' => 'javascript', 'admin.js' => 'javascript',
                       'admin.css' => 'text/css', 'icon-20x20.png' => 'image/png', 'cards.css' => 'text/css') as $path => $type) {
            list($got, $h) = $this->request('GET', $m . $path);
            $this->assertSame(200, $got, $path);
            $this->assertStringContainsString($type, $h['content-type'], $path);
            $this->assertArrayNotHasKey('x-powered-by', $h, "$path is a static file");
        }
    }

    /** Internal files: never served (403 or 404 from the server, not PHP's output or the source). */
    public function test_internal_files_are_refused(): void
    {
        if (static::SERVER === 'php') {
            $this->markTestSkipped('php -S serves every file (it reads no .htaccess)');
        }
        // files added after install (another module version, a designer) are refused too, as is
        // source of any kind in widget/
        $mod = self::$root . self::MODULE;
        @mkdir("$mod/lib", 0777, true);
        file_put_contents("$mod/lib/page.php", '<?php echo "LIB RAN";');
        file_put_contents("$mod/controllers/main.php", '<?php echo "CONTROLLER RAN";');
        file_put_contents("$mod/widget/stray.php", '<?php echo "WIDGET PHP RAN";');
        file_put_contents("$mod/notes.txt", 'internal notes');
        $paths = array('bootstrap.php', 'autoload.php', 'cli.php', 'classes/nc_priem.class.php', 'classes/nc_priem_api.class.php',
            'controllers/nc_priem_settings_controller.class.php', 'views/settings.view.php',
            'classes/', 'templates/priem_doctors/RecordTemplate.html', 'templates/priem_booking/Settings.html', 'templates/',
            '.htaccess', 'nginx.conf.example', 'lib/page.php', 'controllers/main.php', 'widget/stray.php', 'widget/',
            'widget/assets.php', 'notes.txt', '', 'no-such-file.php');
        foreach ($paths as $path) {
            list($status, $h, $body) = $this->request('GET', self::MODULE . $path);
            $this->assertContains($status, array(403, 404), "$path must not be served ($status): " . substr($body, 0, 200));
            $this->assertArrayNotHasKey('x-powered-by', $h, "$path: refused by the server, PHP never ran");
            $this->assertStringNotContainsString('<?php', $body, "$path: no source");
            $this->assertStringNotContainsString('RAN', $body, $path);
        }
    }

    // ---- sessions ------------------------------------------------------------------------------

    /** The session files the site's PHP wrote (session.save_path of tests/servers/serve). */
    private static function session_files(): array
    {
        return glob(self::$work . '/sessions/sess_*') ?: array();
    }

    /**
     * NetCat starts a session on every request without a cookie (the stand-in's connect_io.php, as
     * 6.4's system/index.php); the module's endpoints need none: no Set-Cookie, no session file —
     * for the widget's reads and bookings, the MIS's pushes, ProDoctorov and cron alike.
     */
    public function test_no_entry_point_starts_a_session(): void
    {
        foreach (self::session_files() as $f) {
            unlink($f);
        }
        // the stand-in starts sessions as NetCat does: the admin page (which needs one) gets a cookie and a file
        list(, $h) = $this->request('GET', self::MODULE . 'admin.php');
        $this->assertStringStartsWith('sid=', isset($h['set-cookie']) ? $h['set-cookie'] : '', 'the admin starts a NetCat session');
        $this->assertCount(1, self::session_files());
        foreach (self::session_files() as $f) {
            unlink($f);
        }

        $json = array('Content-Type: application/json');
        $auth = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
        $requests = array(
            array('GET', 'api.php?action=filials', array(), ''),
            array('HEAD', 'api.php?action=filials', array(), ''),
            array('GET', 'api.php?action=token', array(), ''),
            array('GET', 'api.php?action=grid&filial=3&doctor=0003', array(), ''),
            array('POST', 'api.php?action=book', $json, '{"broken'),
            array('GET', 'api.php?action=filials', array('Cookie: sid=' . str_repeat('a', 32)), ''),
            array('POST', 'push/', array('Authorization: Token tok-123', 'Content-Type: application/json'), '{"schedule": {"data": {}}}'),
            array('POST', 'push.php', array('Content-Type: application/x-www-form-urlencoded'), 'cells=%7B%7D'),
            array('POST', 'prodoctorov/', array_merge($json, array($auth)), '{"dt_start": '),
            array('POST', 'prodoctorov.php', $json, '{}'),
            array('HEAD', substr(self::cron_url(), strlen(self::MODULE)) . '&cron_key=cron-secret-42', array(), ''),
            array('GET', 'cron.php?secret_key=wrong', array(), ''),
        );
        foreach ($requests as $r) {
            list($status, $h) = $this->request($r[0], self::MODULE . $r[1], $r[2], $r[3]);
            $this->assertArrayNotHasKey('set-cookie', $h, "$r[0] $r[1] ($status) sets no cookie");
            $this->assertArrayNotHasKey('pragma', $h, "$r[0] $r[1]: no session cache headers");
        }
        $this->assertSame(array(), self::session_files(), 'no session file was written');
    }

    // ---- cron -----------------------------------------------------------------------------

    /** The CronTasks URL the installer registered: cron.php with the module's own key. */
    private static function cron_url(): string
    {
        return (string)nc_Core::get_object()->db->get_var('SELECT `Cron_Script_URL` FROM `CronTasks`');
    }

    public function test_cron_refuses_a_wrong_or_missing_key_and_netcats_own_key(): void
    {
        $runs = nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`');
        foreach (array('?secret_key=wrong', '', '?cron_key=cron-secret-42', '?secret_key=cron-secret-42') as $query) {
            list($status, , $out) = $this->request('GET', self::MODULE . 'cron.php' . $query);
            $this->assertSame(403, $status, $query);
            $this->assertSame('Access denied', trim($out));
        }
        $this->assertSame($runs, nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`'));
    }

    public function test_cron_with_the_modules_key_runs_one_tick(): void
    {
        // NetCat's crontab.php appends its own cron_key to the task's URL
        list($status, , $out) = $this->request('GET', self::cron_url() . '&cron_key=cron-secret-42');
        $this->assertSame(200, $status, $out);
        $this->assertStringStartsWith('priem: ', $out, 'the report line');
        $this->assertGreaterThanOrEqual(1, (int)nc_Core::get_object()->db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`'));
    }

    public function test_cron_runs_on_the_head_request_netcat_crontab_makes(): void
    {
        $db = nc_Core::get_object()->db;
        $before = (int)$db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`');
        list($status) = $this->request('HEAD', self::cron_url());
        $this->assertSame(200, $status);
        $this->assertSame($before + 1, (int)$db->get_var('SELECT COUNT(*) FROM `Priem_SyncRun`'));
    }

    // ---- the MIS's push ---------------------------------------------------------------------

    public function test_push_without_credentials_is_401_and_with_wrong_ones_403(): void
    {
        $form = array('Content-Type: application/x-www-form-urlencoded');
        foreach (array('push.php', 'push/') as $url) {
            $this->assertSame(401, $this->json('POST', self::MODULE . $url, $form, 'cells=%7B%7D')[0]);
            $this->assertSame(403, $this->json('POST', self::MODULE . $url, $form,
                http_build_query(array('login' => 'mis', 'password' => 'nope', 'cells' => priem_nc_schedule())))[0]);
            $this->assertSame(403, $this->json('POST', self::MODULE . $url,
                array('Authorization: Token nope', 'Content-Type: application/json'), '{"schedule": {"data": {}}}')[0]);
            $this->assertSame(405, $this->json('GET', self::MODULE . $url)[0]);
        }
        $this->assertSame('0', self::slot_count());
    }

    public function test_push_old_style_form_imports(): void
    {
        list($status, , $answer) = $this->json('POST', self::MODULE . 'push.php', array('Content-Type: application/x-www-form-urlencoded'),
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => priem_nc_schedule())));
        $this->assertSame(200, $status);
        $this->assertTrue($answer['success']);
        $this->assertSame(array(), $answer['rejected']);
        $this->assertSame('3', self::slot_count());
    }

    public function test_push_old_style_as_json_body_and_v2_token_import_at_the_directory_url(): void
    {
        $doc = json_decode(priem_nc_schedule(), true);
        $doc['data']['1']['0001']['cells'][] = array('dt' => '2030-12-03', 'time_start' => '11:00', 'time_end' => '11:30', 'free' => true);
        list($status) = $this->json('POST', self::MODULE . 'push/', array('Content-Type: application/json'),
            json_encode(array('login' => 'mis', 'password' => 'push-pw', 'cells' => json_encode($doc))));
        $this->assertSame(200, $status);
        $this->assertSame('4', self::slot_count());

        unset($doc['data']['2']);
        $doc['data']['1']['0001']['cells'] = array_slice($doc['data']['1']['0001']['cells'], 0, 1);
        // the exact request of a ProDoctorov client (mkv/prodoctorov): Token auth, JSON, a URL with a trailing slash
        list($status, , $answer) = $this->json('POST', self::MODULE . 'push/',
            array('Authorization: Token tok-123', 'Content-Type: application/json'), json_encode(array('schedule' => $doc)));
        $this->assertSame(200, $status);
        $this->assertTrue($answer['success']);
        // filial 1 replaced by one slot, filial 2 (not in this snapshot) kept
        $this->assertSame('2', self::slot_count());
    }

    public function test_push_of_an_unreadable_document_is_400_and_keeps_the_schedule(): void
    {
        $before = self::slot_count();
        list($status, , $answer) = $this->json('POST', self::MODULE . 'push.php', array('Content-Type: application/x-www-form-urlencoded'),
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => '{"no data": 1}')));
        $this->assertSame(400, $status);
        $this->assertFalse($answer['success']);
        $this->assertSame($before, self::slot_count());
    }

    public function test_push_is_recorded_as_a_run_and_a_bad_doctor_alerted_until_a_push_fixes_him(): void
    {
        $engine = priem_nc_module()->settings()->engine();
        $form = array('Content-Type: application/x-www-form-urlencoded');
        $doc = json_decode(priem_nc_schedule(), true);
        $doc['data']['2']['0042']['cells'] = 'нет';
        list($status, , $answer) = $this->json('POST', self::MODULE . 'push.php', $form,
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => json_encode($doc))));
        $this->assertSame(200, $status, json_encode($answer, JSON_UNESCAPED_UNICODE));
        $this->assertSame('0042', $answer['rejected'][0]['doctor']);
        $run = priem_runs($engine, 1)[0];
        $this->assertSame('HTTP push', $run['file']);
        $this->assertSame('push', $run['counts']['source']);
        $this->assertSame(1, $run['counts']['doctors_rejected']);
        $keys = array_column(priem_alerts($engine), 'key');
        $this->assertContains('bad_doctor:2:0042', $keys);

        // the MIS fixes its export: the alert is resolved
        list($status) = $this->json('POST', self::MODULE . 'push.php', $form,
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => priem_nc_schedule())));
        $this->assertSame(200, $status);
        $this->assertNotContains('bad_doctor:2:0042', array_column(priem_alerts($engine), 'key'));
        $this->assertSame('3', self::slot_count());
    }

    public function test_push_stops_an_address_guessing_passwords_and_no_other(): void
    {
        $form = array('Content-Type: application/x-www-form-urlencoded');
        $wrong = http_build_query(array('login' => 'mis', 'password' => 'guess', 'cells' => '{}'));
        for ($i = 0; $i < 10; $i++) {
            $this->assertSame(403, $this->json('POST', self::MODULE . 'push/', $form, $wrong, '127.0.0.31')[0], "guess $i");
        }
        foreach (array($wrong, http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => '{"no data": 1}'))) as $body) {
            list($status, $h, $answer) = $this->json('POST', self::MODULE . 'push.php', $form, $body, '127.0.0.31');
            $this->assertSame(429, $status, 'blocked until the window ends, right password or not');
            $this->assertGreaterThan(0, (int)$h['retry-after']);
            $this->assertLessThanOrEqual(600, (int)$h['retry-after']);
            $this->assertFalse($answer['success']);
            $this->assertStringStartsWith('Слишком много неверных попыток входа', $answer['error']);
        }
        // the MIS's own server, another address: its right password is checked (and the
        // unreadable document refused, the schedule kept)
        list($status, , $answer) = $this->json('POST', self::MODULE . 'push.php', $form,
            http_build_query(array('login' => 'mis', 'password' => 'push-pw', 'cells' => '{"no data": 1}')), '127.0.0.32');
        $this->assertSame(400, $status, json_encode($answer, JSON_UNESCAPED_UNICODE));
    }

    // ---- ProDoctorov's direct booking ----------------------------------------------------------

    /** §2.1 JSON for filial 3's doctor 0003, tomorrow at a Moscow time. */
    private static function pd_booking(string $local_start): string
    {
        $tz = new DateTimeZone('Europe/Moscow');
        $utc = function ($minutes) use ($tz, $local_start) {
            $d = new DateTime(gmdate('Y-m-d', time() + 86400) . ' ' . $local_start, $tz);
            $d->modify("+$minutes minutes");
            $d->setTimezone(new DateTimeZone('UTC'));
            return $d->format('Y-m-d\TH:i:s\Z');
        };
        return json_encode(array('dt_start' => $utc(0), 'dt_end' => $utc(30), 'filial_id' => '3', 'doctor_id' => '0003',
            'specialty' => 'Терапевт', 'name' => 'Пациент ПроДокторов', 'phone' => '79001112233', 'comment' => 'через ПроДокторов'),
            JSON_UNESCAPED_UNICODE);
    }

    public function test_prodoctorov_booking_reaches_the_mis_at_the_directory_url(): void
    {
        list($status, $h) = $this->json('POST', self::MODULE . 'prodoctorov/', array('Content-Type: application/json'), self::pd_booking('10:00'));
        $this->assertSame(401, $status);
        $this->assertStringStartsWith('Basic', $h['www-authenticate']);

        $auth = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
        list($status, , $answer) = $this->json('POST', self::MODULE . 'prodoctorov/', array($auth, 'Content-Type: application/json'),
            self::pd_booking('10:00'));
        $this->assertSame(array(200, true), array($status, $answer['success']), json_encode($answer, JSON_UNESCAPED_UNICODE));
        $mine = array_values(array_filter(self::mis_received(), function ($b) {
            return $b['doctor_id'] === '0003' && $b['name'] === 'Пациент ПроДокторов';
        }));
        $this->assertCount(1, $mine);
        $this->assertSame('79001112233', $mine[0]['phone']);
        list($status, , $answer) = $this->json('POST', self::MODULE . 'prodoctorov.php', array($auth, 'Content-Type: application/json'),
            self::pd_booking('10:00'));
        $this->assertSame(array(200, true), array($status, $answer['success']), 'the old URL, the same request: the same booking');
    }

    // ---- a clean answer to any input ------------------------------------------------------------

    /** A JSON error answer with a Russian message and nothing of the server's insides. */
    private function assert_clean_error(int $expected, array $r, string $what): void
    {
        list($status, $h, $body) = $r;
        $this->assertSame($expected, $status, "$what: $body");
        $this->assertStringStartsWith('application/json', $h['content-type'], $what);
        $json = json_decode($body, true);
        $this->assertIsArray($json, "$what: JSON");
        $message = isset($json['message']) ? $json['message'] : $json['error'];
        $this->assertMatchesRegularExpression('/[А-Яа-яЁё]/u', $message, "$what: a Russian message");
        foreach (array(self::$root, '.php', 'Stack trace', 'Exception', 'settings:') as $inside) {
            $this->assertStringNotContainsString($inside, $body, "$what: no details");
        }
    }

    /** Bytes that are not UTF-8, in the address, a body or a header: JSON 400 (401 for auth), never a PHP error page. */
    public function test_invalid_utf8_anywhere_gets_a_json_400_or_401(): void
    {
        $m = self::MODULE;
        $json = array('Content-Type: application/json');
        $pd = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
        $this->assert_clean_error(400, $this->request('GET', $m . 'api.php?action=grid&filial=%FF&doctor=0003'), 'grid, filial %FF');
        $this->assert_clean_error(400, $this->request('GET', $m . 'api.php?action=doctors&filial[%FF]=1'), 'doctors, a key %FF');
        $this->assert_clean_error(400, $this->request('POST', $m . 'api.php?action=book', $json, "{\"name\": \"\xFF\"}"), 'book, a body with \\xFF');
        $this->assert_clean_error(400, $this->request('POST', $m . 'prodoctorov/', array_merge($json, array($pd)),
            "{\"name\": \"\xFF\xFE\", \"phone\": \"79001112233\"}"), 'ProDoctorov, a body with \\xFF');
        $this->assert_clean_error(400, $this->request('POST', $m . 'prodoctorov.php', $json, "\xFF{}"), 'ProDoctorov, \\xFF before authentication');
        list($status, $h) = $r = $this->request('POST', $m . 'prodoctorov/', array_merge($json, array("Authorization: Basic \xFF\xFE")),
            self::pd_booking('11:00'));
        $this->assert_clean_error(401, $r, 'ProDoctorov, an Authorization header with \\xFF');
        $this->assertStringStartsWith('Basic', $h['www-authenticate']);
        $this->assert_clean_error(400, $this->request('POST', $m . 'push/', array('Authorization: Token tok-123', 'Content-Type: application/json'),
            "{\"schedule\": {\"data\": {\"1\": {\"0001\": {\"efio\": \"\xFF\"}}}}}"), 'push, a token and \\xFF in the JSON');
        $this->assert_clean_error(400, $this->request('POST', $m . 'push.php', array('Content-Type: application/x-www-form-urlencoded'),
            'login=mis&password=push-pw&cells=%7B%22data%22%3A%22%FF%22%7D'), 'push, the form\'s cells with %FF');
        $this->assertSame(array(), array_filter(self::mis_received(), function ($b) {
            return $b['doctor_id'] === '0003' && $b['dt_start'] === json_decode(self::pd_booking('11:00'), true)['dt_start'];
        }), 'nothing was booked');
    }

    /** Bodies above the caps are refused (413) before they are read: 64 KB for bookings, PushMaxMb for the push. */
    public function test_bodies_over_the_cap_get_413(): void
    {
        $m = self::MODULE;
        $big = json_encode(array('name' => str_repeat('я', 40000)), JSON_UNESCAPED_UNICODE); // 80 KB
        $json = array('Content-Type: application/json');
        $pd = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
        $this->assert_clean_error(413, $this->request('POST', $m . 'api.php?action=book', $json, $big), 'a booking of 80 KB');
        $this->assert_clean_error(413, $this->request('POST', $m . 'prodoctorov/', array_merge($json, array($pd)), $big), 'ProDoctorov, 80 KB');
        $this->assert_clean_error(413, $this->chunked($m . 'api.php?action=book', $big), 'a chunked booking of 80 KB (no Content-Length)');

        $settings = priem_nc_module()->settings();
        $this->assertSame(array(), $settings->save_form(array('PushMaxMb' => '1')));
        try {
            $before = self::slot_count();
            $doc = json_decode(priem_nc_schedule(), true);
            $doc['padding'] = str_repeat('x', 1100000);
            $this->assert_clean_error(413, $this->request('POST', $m . 'push/', array('Authorization: Token tok-123', 'Content-Type: application/json'),
                json_encode(array('schedule' => $doc))), 'a push above PushMaxMb = 1');
            $this->assertSame($before, self::slot_count(), 'the schedule is kept');
        } finally {
            $this->assertSame(array(), $settings->save_form(array('PushMaxMb' => '100')));
        }
    }

    /** A POST with a chunked body (no Content-Length), over a plain socket. */
    private function chunked(string $path, string $body): array
    {
        $port = (int)parse_url(self::$base, PHP_URL_PORT);
        $c = fsockopen('127.0.0.1', $port, $errno, $error, 10);
        $this->assertNotFalse($c, $error);
        fwrite($c, "POST $path HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nContent-Type: application/json\r\n"
            . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        foreach (str_split($body, 8192) as $chunk) {
            fwrite($c, dechex(strlen($chunk)) . "\r\n" . $chunk . "\r\n");
        }
        fwrite($c, "0\r\n\r\n");
        $raw = stream_get_contents($c);
        fclose($c);
        list($head, $out) = explode("\r\n\r\n", (string)$raw, 2) + array('', '');
        preg_match('~^HTTP/\S+ (\d+)~', $head, $st);
        $h = array();
        foreach (array_slice(explode("\r\n", $head), 1) as $line) {
            $parts = explode(':', $line, 2);
            $h[strtolower(trim($parts[0]))] = isset($parts[1]) ? trim($parts[1]) : '';
        }
        if (isset($h['transfer-encoding']) && stripos($h['transfer-encoding'], 'chunked') !== false) {
            $decoded = '';
            while (preg_match('/^([0-9a-fA-F]+)\r\n/', $out, $mm) && hexdec($mm[1]) > 0) {
                $decoded .= substr($out, strlen($mm[0]), hexdec($mm[1]));
                $out = substr($out, strlen($mm[0]) + hexdec($mm[1]) + 2);
            }
            $out = $decoded;
        }
        return array(isset($st[1]) ? (int)$st[1] : 0, $h, $out);
    }

    /**
     * Whatever else breaks — here another module's function.inc.php, which NetCat loads for every
     * entry point — the client gets a JSON 500 with a Russian message; the detail goes to the
     * server's log. Stray output of other modules (a byte-order mark) never spoils the JSON.
     */
    public function test_an_error_nobody_caught_is_a_json_500_and_the_detail_goes_to_the_log(): void
    {
        $db = nc_Core::get_object()->db;
        $modules = self::$root . '/netcat/modules/';
        @mkdir($modules . 'noisy');
        file_put_contents($modules . 'noisy/function.inc.php', "\xEF\xBB\xBF<?php echo 'noise';\n");
        file_put_contents($modules . 'noisy/en.lang.php', '<?php');
        $db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`) VALUES ('noisy', 'noisy', 1, 1)");
        try {
            $this->json('GET', self::MODULE . 'api.php?action=filials');
            list($status, , $out) = $this->request('GET', self::cron_url());
            $this->assertSame(200, $status);
            $this->assertStringStartsWith('priem: ', $out, 'the report line alone');

            @mkdir($modules . 'broken');
            file_put_contents($modules . 'broken/function.inc.php', "<?php\nthrow new RuntimeException('broken module at ' . __FILE__);\n");
            file_put_contents($modules . 'broken/en.lang.php', '<?php');
            $db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`) VALUES ('broken', 'broken', 1, 1)");
            $pd = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
            $this->assert_clean_error(500, $this->request('GET', self::MODULE . 'api.php?action=filials'), 'api.php');
            $this->assert_clean_error(500, $this->request('POST', self::MODULE . 'push/', array('Authorization: Token tok-123'), '{}'), 'push');
            $this->assert_clean_error(500, $this->request('POST', self::MODULE . 'prodoctorov/', array($pd), self::pd_booking('11:30')), 'ProDoctorov');
            $this->assert_clean_error(500, $this->request('GET', self::cron_url()), 'cron');
            $log = (string)file_get_contents(self::$work . '/php-errors.log');
            foreach (array('api.php', 'push.php', 'prodoctorov.php', 'cron.php') as $entry) {
                $this->assertStringContainsString("priem: $entry: RuntimeException: broken module at", $log);
            }
        } finally {
            $db->query("DELETE FROM `Module` WHERE `Keyword` IN ('noisy', 'broken')");
        }
    }

    /** Wrong settings are the staff's business: visitors and peers get a generic answer, the detail goes to the server's log. */
    public function test_a_settings_error_is_not_shown_to_visitors(): void
    {
        $settings = priem_nc_module()->settings();
        // the extension refuses a recipient that is not an address (the form refuses it too, so it
        // is stored as an older version of the module could have)
        $this->assertSame(array('MailTo' => '«registratura» — не адрес электронной почты'), $settings->save_form(array(
            'MailHost' => 'smtp.clinic.test', 'MailFrom' => 'robot@clinic.test', 'MailTo' => 'registratura')));
        foreach (array('MailHost' => 'smtp.clinic.test', 'MailFrom' => 'robot@clinic.test', 'MailTo' => 'registratura') as $key => $value) {
            priem_nc_module()->netcat()->set_module_setting($key, $value);
        }
        $settings->forget();
        try {
            $pd = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
            $this->assert_clean_error(503, $this->request('GET', self::MODULE . 'api.php?action=grid&filial=3&doctor=0003'), 'grid');
            $this->assert_clean_error(503, $this->request('POST', self::MODULE . 'prodoctorov/', array($pd), self::pd_booking('11:30')), 'ProDoctorov');
            $this->assert_clean_error(500, $this->request('POST', self::MODULE . 'push/', array('Authorization: Token tok-123'),
                json_encode(array('schedule' => json_decode(priem_nc_schedule(), true)))), 'push');
            $log = (string)file_get_contents(self::$work . '/php-errors.log');
            foreach (array('api.php grid', 'prodoctorov.php', 'push.php') as $entry) {
                $this->assertStringContainsString("priem: $entry: Priem\\ConfigException: настройки: mail.to", $log);
            }
        } finally {
            $this->assertSame(array(), $settings->save_form(array('MailHost' => '', 'MailTo' => 'registratura@clinic.test')));
        }
    }

    public function test_prodoctorov_endpoint_stops_an_address_guessing_passwords_and_no_other(): void
    {
        $json = 'Content-Type: application/json';
        $unknown = json_encode(array('dt_start' => '2030-01-01T10:00:00Z', 'dt_end' => '2030-01-01T10:30:00Z',
            'filial_id' => '99', 'doctor_id' => '1', 'name' => 'Пациент', 'phone' => '79001112233'));
        $wrong = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':guess');
        for ($i = 0; $i < 10; $i++) {
            $this->assertSame(401, $this->json('POST', self::MODULE . 'prodoctorov/', array($wrong, $json), $unknown, '127.0.0.41')[0]);
        }
        $right = 'Authorization: Basic ' . base64_encode(self::PD_USER . ':' . self::PD_PASSWORD);
        list($status, $h, $answer) = $this->json('POST', self::MODULE . 'prodoctorov.php', array($right, $json), $unknown, '127.0.0.41');
        $this->assertSame(429, $status);
        $this->assertGreaterThan(0, (int)$h['retry-after']);
        $this->assertStringStartsWith('Слишком много неверных попыток входа', $answer['error']);
        // ProDoctorov's own address gets through to the booking checks
        list($status, , $answer) = $this->json('POST', self::MODULE . 'prodoctorov/', array($right, $json), $unknown, '127.0.0.42');
        $this->assertSame(array(200, 'Филиал «99»: Клиника не найдена в расписании'), array($status, $answer['error']));
    }

    // ---- the booking form's API ---------------------------------------------------------------

    public function test_api_reads_with_no_store_and_head_without_body(): void
    {
        list($status, $h, $body) = $this->json('GET', self::MODULE . 'api.php?action=filials');
        $this->assertSame(200, $status);
        $this->assertSame('no-store', $h['cache-control']);
        $this->assertSame('nosniff', $h['x-content-type-options']);
        $this->assertContains('3', array_column($body['filials'], 'code'));
        list($status, , $out) = $this->request('HEAD', self::MODULE . 'api.php?action=filials');
        $this->assertSame(array(200, ''), array($status, $out));
        list($status, $h) = $this->json('GET', self::MODULE . 'api.php?action=book');
        $this->assertSame(array(405, 'POST'), array($status, $h['allow']));
        list($status) = $this->json('POST', self::MODULE . 'api.php?action=book', array('Content-Type: application/json'), '{"broken');
        $this->assertSame(400, $status);
    }

    public function test_a_booking_through_the_api_reaches_the_mis(): void
    {
        list(, , $token) = $this->json('GET', self::MODULE . 'api.php?action=token');
        list(, , $grid) = $this->json('GET', self::MODULE . 'api.php?action=grid&filial=3&doctor=0003');
        $slot = null;
        foreach ($grid['days'] as $day) {
            foreach ($day['parts'] as $part) {
                foreach ($part['slots'] as $s) {
                    if ($s['free'] && $slot === null) {
                        $slot = array('date' => $day['date'], 'time_start' => $s['time_start']);
                    }
                }
            }
        }
        $this->assertNotNull($slot, 'a free time in the grid');
        usleep(1100000); // FormMinSeconds = 1
        $booking = json_encode($slot + array('token' => $token['token'], 'idempotency_key' => bin2hex(random_bytes(12)),
            'filial' => '3', 'doctor' => '0003', 'name' => 'Петров Пётр Петрович', 'phone' => '+7 (900) 555-44-33',
            'consent' => true, 'website' => ''), JSON_UNESCAPED_UNICODE);
        list($status) = $this->json('POST', self::MODULE . 'api.php?action=book',
            array('Content-Type: application/json', 'Origin: http://evil.example'), $booking);
        $this->assertSame(403, $status, 'a page of another site');
        // the browser's Origin carries the port (Debian's nginx passes HTTP_HOST without it)
        list($status, , $answer) = $this->json('POST', self::MODULE . 'api.php?action=book',
            array('Content-Type: application/json', 'Origin: ' . self::$base), $booking);
        $this->assertSame(array(200, 'confirmed'), array($status, $answer['status']), json_encode($answer, JSON_UNESCAPED_UNICODE));
        $mine = array_filter(self::mis_received(), function ($b) {
            return $b['phone'] === '79005554433';
        });
        $this->assertCount(1, $mine);
    }

    /**
     * The requests written to the server at once, each from its own address (127.0.0.N), answers
     * read after all were sent: [status, decoded JSON body] each.
     */
    private static function at_once(array $requests): array
    {
        $port = (int)parse_url(self::$base, PHP_URL_PORT);
        $socks = array();
        foreach ($requests as $i => list($path, $body, $from)) {
            $ctx = stream_context_create(array('socket' => array('bindto' => $from . ':0')));
            $sock = stream_socket_client('tcp://127.0.0.1:' . $port, $errno, $error, 10, STREAM_CLIENT_CONNECT, $ctx);
            TestCase::assertNotFalse($sock, $error);
            $socks[$i] = array($sock, "POST $path HTTP/1.0\r\nHost: 127.0.0.1:$port\r\nContent-Type: application/json\r\n"
                . 'Content-Length: ' . strlen($body) . "\r\nConnection: close\r\n\r\n" . $body);
        }
        foreach ($socks as list($sock, $raw)) {
            fwrite($sock, $raw);
        }
        $out = array();
        foreach ($socks as $i => list($sock)) {
            stream_set_timeout($sock, 30);
            $raw = stream_get_contents($sock);
            fclose($sock);
            list($head, $body) = explode("\r\n\r\n", (string)$raw, 2) + array('', '');
            preg_match('~^HTTP/\S+ (\d+)~', $head, $m);
            $out[$i] = array(isset($m[1]) ? (int)$m[1] : 0, json_decode($body, true));
        }
        return $out;
    }

    public function test_ten_bookings_at_once_with_one_phone_make_only_the_allowed_three(): void
    {
        list(, , $grid) = $this->json('GET', self::MODULE . 'api.php?action=grid&filial=3&doctor=0003');
        $slots = array();
        foreach ($grid['days'] as $day) {
            foreach ($day['parts'] as $part) {
                foreach ($part['slots'] as $s) {
                    if ($s['free']) {
                        $slots[] = array('date' => $day['date'], 'time_start' => $s['time_start']);
                    }
                }
            }
        }
        $this->assertGreaterThanOrEqual(10, count($slots), 'ten free times');
        $requests = array();
        foreach (array_slice($slots, 0, 10) as $i => $slot) {
            $from = '127.0.0.' . (50 + $i);
            list(, , $token) = $this->json('GET', self::MODULE . 'api.php?action=token', array(), '', $from);
            $requests[] = array(self::MODULE . 'api.php?action=book', json_encode($slot + array('token' => $token['token'],
                'idempotency_key' => bin2hex(random_bytes(12)), 'filial' => '3', 'doctor' => '0003', 'name' => 'Робот Роботович',
                'phone' => $i % 2 ? '+7 (900) 777-00-11' : '89007770011', 'consent' => true,
                'website' => ''), JSON_UNESCAPED_UNICODE), $from);
        }
        usleep(1100000); // FormMinSeconds = 1
        $answers = self::at_once($requests);
        $made = array_filter($answers, function ($a) {
            return $a[0] === 200;
        });
        $this->assertCount(3, $made, json_encode($answers, JSON_UNESCAPED_UNICODE));
        foreach ($answers as $a) {
            $this->assertContains($a[0], array(200, 429), json_encode($a, JSON_UNESCAPED_UNICODE));
        }
        $this->assertCount(3, array_filter(self::mis_received(), function ($b) {
            return $b['phone'] === '79007770011';
        }), 'three bookings reached the MIS');
    }
}
