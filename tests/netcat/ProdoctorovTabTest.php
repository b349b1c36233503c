<?php

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/admin_site.php';

/**
 * The ProDoctorov connector in the module: prodoctorov.php over `php -S` (Basic auth, a booking
 * that reaches the MIS peer once, a repeat, a refusal), and the admin tab (settings, "Выгрузить
 * сейчас" to the ProDoctorov peer, the uploads and the bookings that came from ProDoctorov).
 */
final class ProdoctorovTabTest extends TestCase
{
    private static $root;
    private static $procs = array();
    private static $base;
    private static $mis_port;
    private static $mis_log;
    private static $pd_port;
    private static $pd_log;
    /** @var nc_priem */
    private static $priem;

    /** A server on a free port (priem_nc_serve), stopped after the class; its port. */
    private static function spawn(callable $cmd): int
    {
        list(self::$procs[], $port) = priem_nc_serve($cmd, '/dev/null');
        return $port;
    }

    public static function setUpBeforeClass(): void
    {
        priem_nc_reset_db();
        self::$root = priem_nc_site();
        $core = nc_Core::get_object();
        $core->db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`) VALUES ('NETCAT_MODULE_PRIEM', 'priem', 1, 1)");
        self::$priem = priem_nc_module();
        self::$priem->installer()->install();

        $peers = dirname(__DIR__) . '/peers/';
        self::$mis_log = tempnam(sys_get_temp_dir(), 'mis');
        self::$mis_port = self::spawn(function ($port) use ($peers) {
            return array('python3', $peers . 'mis_peer.py', '--port', (string)$port, '--log', self::$mis_log);
        });
        self::$pd_log = tempnam(sys_get_temp_dir(), 'pd');
        self::$pd_port = self::spawn(function ($port) use ($peers) {
            return array('python3', $peers . 'prodoctorov_peer.py', '--port', (string)$port, '--log', self::$pd_log,
                '--login', 'clinic', '--password', 'pd-secret', '--token', 'tok');
        });
        $port = self::spawn(function ($port) {
            return array(PHP_BINARY, '-d', 'extension=' . priem_nc_extension(), '-S', '127.0.0.1:' . $port, '-t', self::$root);
        });
        self::$base = 'http://127.0.0.1:' . $port;

        self::assertSame(array(), self::$priem->settings()->save_form(array(
            'MisUrl' => 'http://127.0.0.1:' . self::$mis_port . '/success', 'MisTimeout' => '2')));
        self::$priem->settings()->forget();
        $tomorrow = gmdate('Y-m-d', time() + 86400);
        $report = priem_import_schedule(self::$priem->settings()->engine(), json_encode(array('data' => array('1' => array(
            '0001' => array('efio' => 'Иванова Мария Петровна', 'espec' => 'Кардиолог', 'cells' => array(
                array('dt' => $tomorrow, 'time_start' => '09:00', 'time_end' => '09:30', 'free' => true),
                array('dt' => $tomorrow, 'time_start' => '09:30', 'time_end' => '10:00', 'free' => true),
            )))))));
        self::assertSame(array(), $report['rejected']);
    }

    public static function tearDownAfterClass(): void
    {
        foreach (self::$procs as $p) {
            proc_terminate($p);
            proc_close($p);
        }
        @unlink(self::$mis_log);
        @unlink(self::$pd_log);
        exec('rm -rf ' . escapeshellarg(self::$root));
    }

    /** The tab as the supervisor sees it after $post (none: just the page): [its alerts, the page]. */
    private function admin(string $tab, array $post = array()): array
    {
        list(, $page) = priem_nc_admin(1, $tab, array(), $post ? $post : null);
        self::$priem->settings()->forget();
        $messages = array();
        foreach (array('ok' => 'green', 'error' => 'red') as $key => $colour) {
            if (preg_match('~<div class="nc-alert nc--' . $colour . '">(.*?)</div>~s', $page, $m)) {
                $messages[$key] = html_entity_decode($m[1], ENT_QUOTES, 'UTF-8');
            }
        }
        if (preg_match_all('~<span class="nc-text-red">.*?</span>~s', $page, $m)) {
            $messages['fields'] = $m[0];
        }
        return array($messages, $page);
    }

    /** @return array{int, array, array|null} */
    private function post(string $body, ?string $auth): array
    {
        $headers = array('Content-Type: application/json');
        if ($auth !== null) {
            $headers[] = 'Authorization: ' . $auth;
        }
        $ctx = stream_context_create(array('http' => array('method' => 'POST', 'header' => implode("\r\n", $headers),
            'content' => $body, 'ignore_errors' => true, 'timeout' => 20)));
        $out = file_get_contents(self::$base . '/netcat/modules/priem/prodoctorov.php', false, $ctx);
        preg_match('~^HTTP/\S+ (\d+)~', $http_response_header[0], $m);
        return array((int)$m[1], $http_response_header, json_decode((string)$out, true));
    }

    private static function booking_json(string $local_start, string $local_end): string
    {
        $tz = new DateTimeZone('Europe/Moscow');
        $day = gmdate('Y-m-d', time() + 86400);
        $utc = function ($t) use ($tz, $day) {
            $d = new DateTime($day . ' ' . $t, $tz);
            $d->setTimezone(new DateTimeZone('UTC'));
            return $d->format('Y-m-d\TH:i:s\Z');
        };
        return json_encode(array('dt_start' => $utc($local_start), 'dt_end' => $utc($local_end), 'filial_id' => '1',
            'doctor_id' => '0001', 'specialty' => 'кардиолог', 'name' => 'Пациент ПроДокторов', 'phone' => '79001112233',
            'comment' => 'через ПроДокторов'), JSON_UNESCAPED_UNICODE);
    }

    private static function mis_received(): int
    {
        return count(array_filter(explode("\n", (string)file_get_contents(self::$mis_log))));
    }

    /** The endpoint's Basic-auth password (at least 16 characters). */
    private const ENDPOINT_PASSWORD = 'pd-endpoint-password-1';

    /** The connector on, saved from the tab as a clinic would: each test starts from it or from off. */
    private function connector_on(): void
    {
        list($messages) = $this->admin('prodoctorov', array('action' => 'save', 'PdEnabled' => '1', 'PdApi' => 'old',
            'PdUrl' => 'http://127.0.0.1:' . self::$pd_port . '/api/mis/send_cells/', 'PdLogin' => 'clinic', 'PdPassword' => 'pd-secret',
            'PdEndpointUser' => 'prodoctorov', 'PdEndpointPassword' => self::ENDPOINT_PASSWORD, 'PdDoctors' => "1: 0001\n"));
        $this->assertArrayHasKey('ok', $messages, json_encode($messages, JSON_UNESCAPED_UNICODE));
    }

    /** @return array the uploads the ProDoctorov peer received */
    private static function uploads(): array
    {
        return array_map(function ($l) {
            return json_decode($l, true);
        }, array_values(array_filter(explode("\n", (string)file_get_contents(self::$pd_log)))));
    }

    public function test_the_endpoint_answers_404_while_the_connector_is_off(): void
    {
        $this->connector_on();
        $this->admin('prodoctorov', array('action' => 'save', 'PdEnabled' => '0'));
        list($status, , $body) = $this->post(self::booking_json('09:00', '09:30'), 'Basic ' . base64_encode('prodoctorov:' . self::ENDPOINT_PASSWORD));
        $this->assertSame(404, $status);
        $this->assertFalse($body['success']);
        $this->assertStringContainsString('выключена', $body['error']);
    }

    public function test_the_tab_saves_the_connector_and_the_upload_reaches_prodoctorov(): void
    {
        $this->connector_on();
        $before = count(self::uploads());
        list($messages, $html) = $this->admin('prodoctorov', array('action' => 'upload'));
        $this->assertArrayHasKey('ok', $messages, json_encode($messages, JSON_UNESCAPED_UNICODE));
        $this->assertStringContainsString('Выгружено в ПроДокторов', $messages['ok']);
        $this->assertStringContainsString('принято', $html);
        $this->assertStringContainsString('/netcat/modules/priem/prodoctorov/', $html);
        $this->assertStringNotContainsString('pd-secret', $html);
        $this->assertStringNotContainsString(self::ENDPOINT_PASSWORD, $html);
        $records = self::uploads();
        $this->assertCount($before + 1, $records);
        $last = end($records);
        $this->assertTrue($last['ok'], (string)$last['problem']);
        $this->assertSame('clinic', $last['login']);
        $this->assertCount(2, $last['document']['data']['1']['0001']['cells']);

        list($messages, $page) = $this->admin('prodoctorov', array('action' => 'save', 'PdDoctors' => 'no colon here'));
        $this->assertArrayHasKey('fields', $messages);
        $this->assertStringContainsString('По строке на филиал', $page);
    }

    public function test_the_endpoint_wants_its_basic_auth_login_and_password(): void
    {
        $this->connector_on();
        $before = self::mis_received();
        list($status, $headers) = $this->post(self::booking_json('09:00', '09:30'), null);
        $this->assertSame(401, $status);
        $this->assertNotEmpty(preg_grep('/^WWW-Authenticate: Basic/i', $headers));
        list($status) = $this->post(self::booking_json('09:00', '09:30'), 'Basic ' . base64_encode('prodoctorov:wrong'));
        $this->assertSame(401, $status);
        $this->assertSame($before, self::mis_received());
    }

    public function test_a_connector_without_an_endpoint_login_and_strong_password_takes_no_booking(): void
    {
        $this->connector_on();
        $before = self::mis_received();
        // what an install saved before the rule: a short password, or none with no login
        foreach (array(array('prodoctorov', 'short'), array('', '')) as list($user, $password)) {
            self::$priem->netcat()->set_module_setting('PdEndpointUser', $user);
            self::$priem->netcat()->set_module_setting('PdEndpointPassword', $password);
            foreach (array(null, 'Basic ' . base64_encode($user . ':' . $password)) as $auth) {
                list($status, , $body) = $this->post(self::booking_json('09:00', '09:30'), $auth);
                $this->assertSame(401, $status, $user . ':' . $password);
                $this->assertStringStartsWith('Прямая запись не настроена на сайте клиники: ', $body['error']);
            }
        }
        $this->assertSame($before, self::mis_received());
    }

    public function test_the_tab_refuses_the_connector_without_a_login_and_a_password_of_16_characters(): void
    {
        $this->connector_on();
        list($messages, $page) = $this->admin('prodoctorov', array('action' => 'save', 'PdEndpointPassword' => 'fifteen-chars-1'));
        $this->assertSame('Настройки не сохранены: исправьте поля', $messages['error']);
        $this->assertStringContainsString('не короче 16 символов: нажмите «Сгенерировать»', $page);
        list($messages) = $this->admin('prodoctorov', array('action' => 'save', 'PdEndpointUser' => '', 'PdEndpointPassword_clear' => '1'));
        $this->assertArrayHasKey('error', $messages);
        $this->assertSame(self::ENDPOINT_PASSWORD, self::$priem->settings()->get('PdEndpointPassword'), 'nothing saved');
        $this->assertMatchesRegularExpression('~<button type="button" class="nc-btn" data-priem-generate="priem_PdEndpointPassword">Сгенерировать</button>~', $page);
    }

    public function test_clear_on_the_tab_empties_the_endpoint_password(): void
    {
        $this->connector_on();
        list($messages) = $this->admin('prodoctorov', array('action' => 'save', 'PdEnabled' => '0', 'PdEndpointPassword_clear' => '1',
            'PdToken_clear' => '1'));
        $this->assertArrayHasKey('ok', $messages, json_encode($messages, JSON_UNESCAPED_UNICODE));
        $this->assertSame('', self::$priem->settings()->get('PdEndpointPassword'));
        $this->assertSame('pd-secret', self::$priem->settings()->get('PdPassword'), 'only what was ticked');
    }

    public function test_a_booking_reaches_the_mis_once_and_shows_in_the_journal(): void
    {
        $this->connector_on();
        $before = self::mis_received();
        $auth = 'Basic ' . base64_encode('prodoctorov:' . self::ENDPOINT_PASSWORD);
        list($status, , $body) = $this->post(self::booking_json('09:00', '09:30'), $auth);
        $this->assertSame(array(200, array('success' => true, 'error' => null)), array($status, $body));
        $this->assertSame($before + 1, self::mis_received());
        list($status, , $body) = $this->post(self::booking_json('09:00', '09:30'), $auth);
        $this->assertSame(200, $status);
        $this->assertTrue($body['success'], 'the same request again answers as the first');
        $this->assertSame($before + 1, self::mis_received(), 'and makes no second booking');

        list($status, , $body) = $this->post(self::booking_json('09:00', '10:00'), $auth);
        $this->assertSame(200, $status);
        $this->assertFalse($body['success'], 'not exactly one cell');
        $this->assertMatchesRegularExpression('/[А-Яа-я]/u', $body['error']);
        list($status) = $this->post('{"dt_start": ', $auth);
        $this->assertSame(400, $status);

        list(, $html) = $this->admin('prodoctorov');
        $this->assertStringContainsString('Записи из ПроДокторов', $html);
        $this->assertSame(1, substr_count($html, '<details>'), 'one booking from ProDoctorov in its journal');
        $this->assertStringNotContainsString('79001112233', $html, 'phones are masked in the journal');
        list(, $journal) = $this->admin('bookings');
        $this->assertMatchesRegularExpression('~<td>\s*ПроДокторов\s*</td>~u', $journal);
    }
}
