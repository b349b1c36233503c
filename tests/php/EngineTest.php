<?php
use PHPUnit\Framework\TestCase;

/**
 * The stateful functions against a real MariaDB (127.0.0.1:3306, root) and a real HTTP peer
 * playing the MIS (tests/peers/mis_peer.py). The Rust suite (tests/engine.rs) covers FTP, mail
 * and the failure cases in depth; this proves the PHP surface end to end.
 */
final class EngineTest extends TestCase
{
    /** One database per process: a developer's run and CI's on one machine never share it. */
    private static function db(): string
    {
        return 'priem_php_test_' . getmypid();
    }
    private const NOW = '2026-11-30T10:00:00Z';
    private static $peer;
    private static int $port;
    private static string $log;

    public static function setUpBeforeClass(): void
    {
        $db = new mysqli('127.0.0.1', 'root', '', 'test');
        $db->query('DROP DATABASE IF EXISTS ' . self::db());
        $db->query('CREATE DATABASE ' . self::db() . ' CHARACTER SET utf8mb4');
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        self::$port = (int) substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock);
        self::$log = tempnam(sys_get_temp_dir(), 'mis');
        $cmd = ['python3', __DIR__ . '/../peers/mis_peer.py', '--port', (string) self::$port, '--log', self::$log];
        self::$peer = proc_open($cmd, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
        for ($i = 0; $i < 100; $i++) {
            if (@fsockopen('127.0.0.1', self::$port)) {
                return;
            }
            usleep(50000);
        }
        self::fail('the MIS peer did not start');
    }

    public static function tearDownAfterClass(): void
    {
        proc_terminate(self::$peer);
        proc_close(self::$peer);
        @unlink(self::$log);
        (new mysqli('127.0.0.1', 'root', '', 'test'))->query('DROP DATABASE IF EXISTS ' . self::db());
    }

    private static function settings(string $misPath = '/success'): array
    {
        return [
            'db' => ['host' => '127.0.0.1', 'user' => 'root', 'password' => '', 'database' => self::db()],
            'mis' => ['url' => 'http://127.0.0.1:' . self::$port . $misPath, 'timeout_s' => 2],
            'timezones' => ['2' => 'Asia/Yekaterinburg'],
            'booking' => ['min_notice_minutes' => 30, 'horizon_days' => 14],
            'limits' => ['per_phone' => 1000], // one number books many times here
        ];
    }

    private static function received(): array
    {
        $lines = array_filter(explode("\n", (string) file_get_contents(self::$log)));
        return array_map(fn ($l) => hex2bin(json_decode($l, true)['body_hex']), array_values($lines));
    }

    private function request(array $over = []): array
    {
        return $over + ['filial_id' => '1', 'doctor_id' => '0001', 'date' => '2026-12-01',
            'time_start' => '15:30', 'name' => 'Иванов Иван', 'phone' => '+7 (900) 123-45-67'];
    }

    private function meta(string $key): array
    {
        return ['idempotency_key' => $key, 'consent_version' => 'policy-2026-01', 'consent_ip' => '203.0.113.5',
            'now_utc' => self::NOW];
    }

    public function testMigrateThenImport(): void
    {
        priem_migrate(self::settings());
        $this->assertSame([], priem_migrate(self::settings()), 'migrations run once');
        $r = priem_import_schedule(self::settings(), priem_fixture(), self::NOW);
        $this->assertSame(2, $r['filials']);
        $this->assertSame(3, $r['doctors']);
        $this->assertSame(5, $r['slots_inserted']);
        $this->assertSame([], $r['rejected']);
        $this->assertSame('0002', $r['bad_cells'][0]['doctor']);
        $again = priem_import_schedule(self::settings(), priem_fixture(), self::NOW);
        $this->assertSame(0, $again['slots_inserted'], 'an unchanged snapshot writes nothing');
        $this->assertSame($again['days_unchanged'], $r['days_added']);
    }

    /** @depends testMigrateThenImport */
    public function testGridFromTheDatabaseMatchesTheParser(): void
    {
        $stored = priem_grid(self::settings(), '2', '0001', self::NOW, 3);
        $parsed = priem_slot_grid(priem_fixture(), '2', '0001', self::NOW, 3, ['timezones' => ['2' => 'Asia/Yekaterinburg'], 'min_notice' => 30]);
        $this->assertSame($parsed, $stored);
        $this->assertSame('Asia/Yekaterinburg', $stored['timezone']);
    }

    /** @depends testMigrateThenImport */
    public function testBookingReachesTheMisOnceAndIsConfirmed(): void
    {
        $before = count(self::received());
        $r = priem_book(self::settings(), $this->request(), $this->meta('form-1'));
        $this->assertSame('confirmed', $r['status']);
        $sent = array_slice(self::received(), $before);
        $this->assertSame([
            '{"dt_start":"2026-12-01T12:30:00Z","dt_end":"2026-12-01T13:00:00Z","filial_id":"1","doctor_id":"0001",'
            . '"specialty":"Кардиолог","name":"Иванов Иван","phone":"79001234567","comment":""}',
        ], $sent);

        // A double click: the same key answers as the first booking, and nothing is resent.
        $again = priem_book(self::settings(), $this->request(), $this->meta('form-1'));
        $this->assertSame($r, $again);
        $this->assertCount($before + 1, self::received());

        $b = priem_booking(self::settings(), $r['booking_id']);
        $this->assertSame('confirmed', $b['status']);
        $this->assertSame('7900***4567', $b['phone_masked']);
        $this->assertSame(str_replace('79001234567', '7900***4567', $sent[0]), $b['payload'], 'what was sent, the phone masked');
        $this->assertNull(priem_booking(self::settings(), 999999));

        // The time is now taken for everyone else.
        $g = priem_grid(self::settings(), '1', '0001', self::NOW, 2);
        $slot = $g['days'][1]['parts'][1]['slots'][0];
        $this->assertSame('15:30', $slot['time_start']);
        $this->assertFalse($slot['free']);
        try {
            priem_book(self::settings(), $this->request(['name' => 'Пётр Петров']), $this->meta('form-2'));
            $this->fail('no conflict');
        } catch (Priem\ConflictException $e) {
            $this->assertSame([
                ['date' => '2026-12-01', 'time_start' => '09:00', 'time_end' => '09:30'],
                ['date' => '2026-12-02', 'time_start' => '17:00', 'time_end' => '17:30'],
            ], $e->getAlternatives());
        }
    }

    /** @depends testMigrateThenImport */
    public function testRefusalAndUnreachableMis(): void
    {
        $refusing = self::settings('/refuse?reason=' . rawurlencode('Врач в отпуске'));
        $r = priem_book($refusing, $this->request(['time_start' => '09:00']), $this->meta('form-3'));
        $this->assertSame('refused', $r['status']);
        $this->assertSame('Врач в отпуске', $r['reason']);
        $this->assertNotContains(['date' => '2026-12-01', 'time_start' => '09:00', 'time_end' => '09:30'], $r['alternatives']);
        $this->assertContains(['date' => '2026-12-02', 'time_start' => '17:00', 'time_end' => '17:30'], $r['alternatives']);

        $down = self::settings();
        $down['mis']['url'] = 'http://127.0.0.1:9/book';
        $p = priem_book($down, $this->request(['date' => '2026-12-02', 'time_start' => '17:00']), $this->meta('form-4'));
        $this->assertSame('pending', $p['status'], 'kept and retried, never pretended confirmed');
        $b = priem_booking($down, $p['booking_id']);
        $this->assertSame('unknown', $b['status']);
        $this->assertSame(1, $b['attempts']);
        $this->assertNotNull($b['next_attempt_at']);

        // The next tick after the back-off, with the MIS back, delivers the same payload.
        $report = priem_sync(self::settings(), '2026-11-30T10:05:00Z');
        $this->assertTrue($report['ran']);
        $this->assertSame(1, $report['bookings_confirmed']);
        $this->assertStringStartsWith('priem: ', $report['line']);
        $this->assertSame('confirmed', priem_booking(self::settings(), $p['booking_id'])['status']);
        $this->assertSame($b['payload'], str_replace('79001234567', '7900***4567', array_slice(self::received(), -1)[0]));
    }

    /** @depends testMigrateThenImport */
    public function testFieldErrorsAndMetaChecks(): void
    {
        try {
            priem_book(self::settings(), $this->request(['phone' => '123', 'time_start' => '09:30']), $this->meta('form-5'));
            $this->fail('no exception');
        } catch (Priem\ValidationException $e) {
            $this->assertSame(['phone'], array_keys($e->getErrors()));
        }
        // without the visitor's consent (152-ФЗ) a booking from the site is refused with the other field errors
        try {
            priem_book(self::settings(), $this->request(['name' => '']), ['idempotency_key' => 'x']);
            $this->fail('no exception');
        } catch (Priem\ValidationException $e) {
            $this->assertSame(['name' => priem_form_texts()['name_missing'], 'consent' => priem_form_texts()['consent_missing']],
                array_intersect_key($e->getErrors(), ['name' => 1, 'consent' => 1]));
        }
        $this->expectException(Priem\ConfigException::class);
        $this->expectExceptionMessage('$meta["idempotency_key"] must be 1 to 128 characters');
        priem_book(self::settings(), $this->request(), ['idempotency_key' => '', 'consent_version' => '1']);
    }

    public function testBadSettingsNameTheKey(): void
    {
        $s = self::settings();
        $s['mis']['timeout_s'] = 30;
        try {
            priem_migrate($s);
            $this->fail('no exception');
        } catch (Priem\ConfigException $e) {
            $this->assertSame('настройки: mis.timeout_s: нужно целое число от 1 до 10', $e->getMessage());
        }
        $this->expectException(Priem\ConfigException::class);
        $this->expectExceptionMessage('настройки: db: не указан параметр «database»');
        priem_migrate(['db' => ['user' => 'root']]);
    }

    public function testDatabaseDownIsTransientAndHidesThePassword(): void
    {
        $s = self::settings();
        $s['db']['port'] = 9;
        $s['db']['password'] = 'S3cret-pass';
        try {
            priem_grid($s, '1', '0001', self::NOW);
            $this->fail('no exception');
        } catch (Priem\TransientException $e) {
            $this->assertStringNotContainsString('S3cret-pass', $e->getMessage());
            $this->assertSame(Priem\Exception::CODE_TRANSIENT, $e->getCode());
        }
        $r = priem_sync($s, self::NOW);
        $this->assertNotEmpty($r['errors'], 'a tick reports the failure instead of throwing');
    }

    /** @depends testRefusalAndUnreachableMis */
    public function testRetryByHandAndConnectionChecks(): void
    {
        $down = self::settings();
        $down['mis']['url'] = 'http://127.0.0.1:9/book';
        $p = priem_book($down, $this->request(['filial_id' => '2', 'time_start' => '09:00']), $this->meta('form-6'));
        $this->assertSame('pending', $p['status']);
        $skipped = priem_retry(self::settings(), 999999);
        $this->assertSame(['result' => 'skipped', 'message' => '', 'ok' => false], array_diff_key($skipped, ['text' => 1]));
        $this->assertStringStartsWith('не отправлена', $skipped['text'], 'what the staff are told, by the core');
        $r = priem_retry(self::settings(), $p['booking_id'], self::NOW);
        $this->assertSame('confirmed', $r['result']);
        $this->assertSame([true, 'МИС подтвердила запись'], [$r['ok'], $r['text']]);
        $this->assertSame('confirmed', priem_booking(self::settings(), $p['booking_id'])['status']);
        $this->assertSame('skipped', priem_retry(self::settings(), $p['booking_id'])['result'], 'never sent twice');
        $this->assertStringContainsString('"dt_start":"2026-12-01T04:00:00Z"', array_slice(self::received(), -1)[0]);

        $this->assertTrue(priem_check(self::settings(), 'db')['ok']);
        $mis = priem_check(self::settings(), 'mis');
        $this->assertTrue($mis['ok'], $mis['message']);
        $this->assertStringStartsWith('МИС ответила HTTP', $mis['message']);
        $this->assertSame(['ok' => false, 'message' => 'FTP не настроен'], priem_check(self::settings(), 'ftp'));
        $this->assertFalse(priem_check($down, 'mis')['ok']);
    }

    public function testMaskPhone(): void
    {
        $this->assertSame('7900***4567', priem_mask_phone('79001234567'));
    }
}
