<?php
use PHPUnit\Framework\TestCase;

/**
 * The ProDoctorov connector's PHP surface against MariaDB, the MIS peer (tests/peers/mis_peer.py)
 * and the ProDoctorov peer (tests/peers/prodoctorov_peer.py). The Rust suite
 * (tests/prodoctorov.rs) covers every refusal, the races and the time budget; this proves the
 * functions, their arguments and the shapes they return.
 */
final class ProdoctorovTest extends TestCase
{
    /** One database per process: a developer's run and CI's on one machine never share it. */
    private static function db(): string
    {
        return 'priem_php_pd_test_' . getmypid();
    }
    private const NOW = '2026-11-30T10:00:00Z';
    private static array $peers = [];
    private static int $misPort;
    private static int $pdPort;
    private static string $pdLog;

    private static function freePort(): int
    {
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock);
        return $port;
    }

    private static function start(array $cmd, int $port): void
    {
        self::$peers[] = proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        for ($i = 0; $i < 100; $i++) {
            if (@fsockopen('127.0.0.1', $port)) {
                return;
            }
            usleep(50000);
        }
        self::fail("a peer did not start on $port");
    }

    public static function setUpBeforeClass(): void
    {
        $db = new mysqli('127.0.0.1', 'root', '', 'test');
        $db->query('DROP DATABASE IF EXISTS ' . self::db());
        $db->query('CREATE DATABASE ' . self::db() . ' CHARACTER SET utf8mb4');
        self::$misPort = self::freePort();
        self::start(['python3', __DIR__ . '/../peers/mis_peer.py', '--port', (string) self::$misPort,
            '--log', tempnam(sys_get_temp_dir(), 'mis')], self::$misPort);
        self::$pdPort = self::freePort();
        self::$pdLog = tempnam(sys_get_temp_dir(), 'pd');
        self::start(['python3', __DIR__ . '/../peers/prodoctorov_peer.py', '--port', (string) self::$pdPort,
            '--log', self::$pdLog, '--login', 'clinic', '--password', 'pd-secret', '--token', 'tok'], self::$pdPort);
        priem_migrate(self::settings());
        priem_import_schedule(self::settings(), priem_fixture(), '2026-11-30T08:00:00Z');
    }

    public static function tearDownAfterClass(): void
    {
        foreach (self::$peers as $p) {
            proc_terminate($p);
            proc_close($p);
        }
        @unlink(self::$pdLog);
        (new mysqli('127.0.0.1', 'root', '', 'test'))->query('DROP DATABASE IF EXISTS ' . self::db());
    }

    private static function settings(array $pd = []): array
    {
        return [
            'db' => ['host' => '127.0.0.1', 'user' => 'root', 'password' => '', 'database' => self::db()],
            'mis' => ['url' => 'http://127.0.0.1:' . self::$misPort . '/success', 'timeout_s' => 2],
            'timezones' => ['2' => 'Asia/Yekaterinburg'],
            'booking' => ['min_notice_minutes' => 30, 'horizon_days' => 14],
            'prodoctorov' => $pd + [
                'enabled' => true, 'api' => 'old',
                'url' => 'http://127.0.0.1:' . self::$pdPort . '/mis/send_cells/',
                'login' => 'clinic', 'password' => 'pd-secret',
                'endpoint_user' => 'pd', 'endpoint_password' => 'ep-secret-of-16-chars',
            ],
        ];
    }

    private static function body(string $start, string $end): string
    {
        return json_encode(['dt_start' => $start, 'dt_end' => $end, 'filial_id' => '1',
            'doctor_id' => '0001', 'name' => 'Иванов Иван', 'phone' => '79001234567']);
    }

    public function testBookingAnswersCarryTheStatusAndTheBody(): void
    {
        $auth = 'Basic ' . base64_encode('pd:ep-secret-of-16-chars');
        $body = self::body('2026-12-01T12:30:00Z', '2026-12-01T13:00:00Z');

        $r = priem_prodoctorov_booking(self::settings(), $body, null, self::NOW);
        $this->assertSame(['http' => 401, 'body' => ['success' => false, 'error' => 'Неверный логин или пароль'],
            'booking_id' => null, 'retry_after' => null], $r);

        $r = priem_prodoctorov_booking(self::settings(), '{nope', $auth, self::NOW);
        $this->assertSame(400, $r['http']);
        $this->assertSame(['success' => false, 'error' => 'Тело запроса — не JSON'], $r['body']);

        $r = priem_prodoctorov_booking(self::settings(), $body, $auth, self::NOW);
        $this->assertSame(200, $r['http']);
        $this->assertSame(['success' => true, 'error' => null], $r['body']);
        $this->assertIsInt($r['booking_id']);
        $this->assertSame('prodoctorov', priem_booking(self::settings(), $r['booking_id'])['source']);

        // The same request again: the same booking.
        $again = priem_prodoctorov_booking(self::settings(), $body, $auth, self::NOW);
        $this->assertSame($r, $again);

        // One cell only.
        $r = priem_prodoctorov_booking(self::settings(), self::body('2026-12-01T06:00:00Z', '2026-12-01T07:00:00Z'),
            $auth, self::NOW);
        $this->assertSame(200, $r['http']);
        $this->assertFalse($r['body']['success']);
        $this->assertStringStartsWith('Время приёма должно совпадать с одной ячейкой', $r['body']['error']);
    }

    public function testUploadAndItsLog(): void
    {
        $r = priem_prodoctorov_upload(self::settings(), true, self::NOW);
        $this->assertSame('ok', $r['outcome'], json_encode($r, JSON_UNESCAPED_UNICODE));
        $this->assertSame('old', $r['api']);
        $this->assertSame(200, $r['http_status']);
        $this->assertSame('not_due', priem_prodoctorov_upload(self::settings(), false, self::NOW)['outcome']);
        $sent = array_map(fn ($l) => json_decode($l, true), array_filter(explode("\n", file_get_contents(self::$pdLog))));
        $this->assertCount(1, $sent);
        $this->assertSame('clinic', $sent[0]['login']);
        $this->assertTrue($sent[0]['ok'], json_encode($sent[0], JSON_UNESCAPED_UNICODE));
        $this->assertSame('Клиника на Ленина', $sent[0]['document']['1']);

        $log = priem_prodoctorov_uploads(self::settings(), 10);
        $this->assertSame('ok', $log[0]['outcome']);
        $this->assertSame('принято', $log[0]['outcome_name'], 'named by the core');
        $this->assertSame('127.0.0.1:' . self::$pdPort, $log[0]['host']);
        $this->assertSame($r['upload_id'], $log[0]['id']);
        $this->assertSame(['id', 'started_at', 'api', 'host', 'outcome', 'outcome_name', 'bytes', 'digest', 'filials', 'doctors',
            'cells', 'http_status', 'answer', 'seconds'], array_keys($log[0]));

        $this->expectException(Priem\ConfigException::class);
        priem_prodoctorov_upload(self::settings(['enabled' => false]), true, self::NOW);
    }

    public function testBadLimitIsAConfigError(): void
    {
        $this->expectException(Priem\ConfigException::class);
        priem_prodoctorov_uploads(self::settings(), 0);
    }
}
