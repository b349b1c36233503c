<?php
use PHPUnit\Framework\TestCase;

final class ScheduleTest extends TestCase
{
    public function testVersionMatchesCargo(): void
    {
        $toml = file_get_contents(__DIR__ . '/../../Cargo.toml');
        preg_match('/^version = "([^"]+)"/m', $toml, $m);
        $this->assertSame($m[1], priem_version());
    }

    public function testParsesTheNormalizedSchedule(): void
    {
        $s = priem_parse_schedule(priem_fixture(), PRIEM_ZONES);
        $this->assertSame(['filials', 'doctors', 'slots', 'rejected', 'bad_cells'], array_keys($s));
        $this->assertSame(
            [
                ['code' => '1', 'name' => 'Клиника на Ленина', 'timezone' => 'Europe/Moscow'],
                ['code' => '2', 'name' => 'Клиника в Екатеринбурге', 'timezone' => 'Asia/Yekaterinburg'],
            ],
            $s['filials']
        );
        $this->assertSame(
            ['filial' => '1', 'code' => '0001', 'name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог', 'терапевт']],
            $s['doctors'][0]
        );
        $this->assertCount(3, $s['doctors'], 'the doctor with a bad cell is kept, without it');
        $this->assertSame([], $s['rejected']);
        $this->assertCount(5, $s['slots']);
        $this->assertSame(
            [
                'filial' => '1', 'doctor' => '0001', 'date' => '2026-12-01',
                'time_start' => '09:00', 'time_end' => '09:30',
                'start_utc' => '2026-12-01T06:00:00Z', 'end_utc' => '2026-12-01T06:30:00Z',
                'free' => true, 'room' => '12',
            ],
            $s['slots'][0]
        );
        $this->assertFalse($s['slots'][1]['free']);
        $this->assertSame('', $s['slots'][2]['room'], 'a missing room is an empty string');
        // 15:30 in Moscow is 12:30 UTC (mis-exchange.md §2.1).
        $this->assertSame('2026-12-01T12:30:00Z', $s['slots'][2]['start_utc']);
        // 09:00 in Yekaterinburg is 04:00 UTC.
        $this->assertSame('2026-12-01T04:00:00Z', $s['slots'][4]['start_utc']);
    }

    public function testReportsTheBadCellWithThePlace(): void
    {
        $s = priem_parse_schedule(priem_fixture());
        $this->assertSame(
            [[
                'filial' => '1',
                'doctor' => '0002',
                'path' => 'data["1"]["0002"].cells[0].time_start',
                'message' => 'data["1"]["0002"].cells[0].time_start: "9:60" — не время ЧЧ:ММ',
            ]],
            $s['bad_cells']
        );
    }

    public function testReportsARejectedDoctorWithThePlace(): void
    {
        $doc = json_decode(priem_fixture(), true);
        $doc['data']['1']['0002']['cells'] = 'нет';
        $s = priem_parse_schedule(json_encode($doc, JSON_UNESCAPED_UNICODE));
        $this->assertSame(
            [[
                'filial' => '1',
                'doctor' => '0002',
                'path' => 'data["1"]["0002"].cells',
                'message' => 'data["1"]["0002"].cells: ожидался массив, получено: строка',
            ]],
            $s['rejected']
        );
        $this->assertCount(2, $s['doctors'], 'a rejected doctor is left out');
    }

    public function testAcceptsTheWrappedAndArrayVariants(): void
    {
        $doc = json_decode(priem_fixture(), true);
        $plain = priem_parse_schedule(priem_fixture());
        $wrapped = priem_parse_schedule(json_encode(['schedule' => $doc], JSON_UNESCAPED_UNICODE));
        $this->assertSame('schedule.data["1"]["0002"].cells[0].time_start', $wrapped['bad_cells'][0]['path']);
        unset($plain['bad_cells'], $wrapped['bad_cells']);
        $this->assertSame($plain, $wrapped);
        $split = [
            ['1' => $doc['1'], 'data' => ['1' => $doc['data']['1']]],
            ['2' => $doc['2'], 'data' => ['2' => $doc['data']['2']]],
        ];
        $many = priem_parse_schedule(json_encode($split, JSON_UNESCAPED_UNICODE));
        $this->assertSame('[0].data["1"]["0002"].cells[0].time_start', $many['bad_cells'][0]['path']);
        unset($many['bad_cells']);
        $this->assertSame($plain, $many);
    }

    public function testLeadingZerosSurvive(): void
    {
        $s = priem_parse_schedule('{"data":{"007":{"0001":{"cells":[]}}}}');
        $this->assertSame('007', $s['filials'][0]['code']);
        $this->assertNull($s['filials'][0]['name']);
        $this->assertSame('0001', $s['doctors'][0]['code']);
        $this->assertSame('', $s['doctors'][0]['name']);
        $this->assertSame([], $s['doctors'][0]['specialties']);
    }

    /** @dataProvider badDocuments */
    public function testABadDocumentThrowsParseException(string $json, string $message): void
    {
        try {
            priem_parse_schedule($json);
            $this->fail('no exception');
        } catch (Priem\ParseException $e) {
            $this->assertSame($message, $e->getMessage());
            $this->assertSame(Priem\Exception::CODE_PARSE, $e->getCode());
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertGreaterThan(0, $e->getLine());
        }
    }

    public function badDocuments(): array
    {
        return [
            'not json' => ['{"data": ', 'не JSON: текст обрывается в строке 1, столбце 9'],
            'a string' => ['"x"', '(document): ожидался объект расписания или массив таких объектов, получено: строка'],
            'no data' => ['{"1": "x"}', '(document): нет объекта "data" (ожидалось {"<филиал>": "<название>", "data": {…}})'],
            'data not object' => ['{"data": []}', 'data: ожидался объект, получено: массив'],
            'filial not object' => ['{"data": {"1": 5}}', 'data["1"]: ожидался объект с врачами, получено: число'],
            'array element' => ['[{"data": {}}, 3]', '[1]: ожидался объект расписания, получено: число'],
        ];
    }

    public function testUnknownTimeZoneIsAConfigError(): void
    {
        $this->expectException(Priem\ConfigException::class);
        $this->expectExceptionMessage('неизвестный часовой пояс "Asia/Yekaterinbrug" для филиала 2');
        priem_parse_schedule(priem_fixture(), ['timezones' => ['2' => 'Asia/Yekaterinbrug']]);
    }

    public function testUnknownOptionIsAConfigError(): void
    {
        $this->expectException(Priem\ConfigException::class);
        $this->expectExceptionMessage('неизвестный параметр «timezone» (известны: timezones)');
        priem_parse_schedule(priem_fixture(), ['timezone' => 'Europe/Moscow']);
    }

    public function testIntegerFilialKeysInOptionsWork(): void
    {
        // PHP turns the key '2' into the integer 2.
        $s = priem_parse_schedule(priem_fixture(), ['timezones' => [2 => 'Asia/Yekaterinburg']]);
        $this->assertSame('Asia/Yekaterinburg', $s['filials'][1]['timezone']);
    }

    public function testWrongPhpTypesThrowTypeError(): void
    {
        $this->expectException(TypeError::class);
        priem_parse_schedule(['not', 'a', 'string']);
    }

    public function testInvalidUtf8IsRejected(): void
    {
        $this->expectException(Throwable::class);
        priem_parse_schedule("{\"data\":{\"1\":{\"\xff\":{\"cells\":[]}}}}");
    }

    public function testAllExceptionsShareTheBase(): void
    {
        foreach (['ParseException', 'ConfigException', 'NotFoundException', 'ValidationException', 'ConflictException'] as $c) {
            $this->assertTrue(is_subclass_of("Priem\\$c", Priem\Exception::class), $c);
        }
        $this->assertTrue(is_subclass_of(Priem\Exception::class, Exception::class));
    }

    public function testAPanicBecomesAnErrorAndPhpGoesOn(): void
    {
        try {
            priem_selftest_panic();
            $this->fail('no error');
        } catch (Error $e) {
            $this->assertStringStartsWith('Rust panic: priem self-test', $e->getMessage());
        }
        $this->assertSame(priem_version(), priem_version(), 'the extension still works after a panic');
    }
}
