<?php
use PHPUnit\Framework\TestCase;

final class BookingTest extends TestCase
{
    private const NOW = '2026-11-30T10:00:00Z';

    private function request(array $over = []): array
    {
        return $over + [
            'filial_id' => '1', 'doctor_id' => '0001', 'date' => '2026-12-01', 'time_start' => '15:30',
            'name' => '  Иванов   Иван ', 'phone' => '8 (900) 123-45-67', 'comment' => 'Первичный приём',
        ];
    }

    public function testBuildsTheExactMisJson(): void
    {
        $json = priem_booking_payload(priem_fixture(), $this->request(['specialty' => 'ТЕРАПЕВТ']), self::NOW);
        $this->assertSame(
            '{"dt_start":"2026-12-01T12:30:00Z","dt_end":"2026-12-01T13:00:00Z","filial_id":"1","doctor_id":"0001",'
            . '"specialty":"терапевт","name":"Иванов Иван","phone":"79001234567","comment":"Первичный приём"}',
            $json
        );
    }

    public function testYekaterinburgTimesGoOutInUtc(): void
    {
        $json = priem_booking_payload(
            priem_fixture(),
            $this->request(['filial_id' => 2, 'date' => '2026-12-01', 'time_start' => '09:00']),
            self::NOW,
            PRIEM_ZONES
        );
        $b = json_decode($json, true);
        $this->assertSame('2026-12-01T04:00:00Z', $b['dt_start']);
        $this->assertSame('2026-12-01T04:20:00Z', $b['dt_end']);
        $this->assertSame('2', $b['filial_id']);
        $this->assertSame('Невролог', $b['specialty']);
    }

    public function testReportsEveryFieldErrorInRussian(): void
    {
        try {
            priem_booking_payload(
                priem_fixture(),
                $this->request(['name' => 'R2-D2', 'phone' => '+380 44 123 45 67', 'comment' => str_repeat('я', 501), 'time_start' => '11:00']),
                self::NOW
            );
            $this->fail('no exception');
        } catch (Priem\ValidationException $e) {
            $this->assertSame(Priem\Exception::CODE_VALIDATION, $e->getCode());
            $this->assertSame([
                'name' => 'Имя может содержать только буквы, пробелы, дефисы и апострофы',
                'phone' => 'Принимаются только российские номера: +7 и 10 цифр',
                'comment' => 'Комментарий длиннее 500 символов',
                'time_start' => 'В расписании врача нет приёма 01.12.2026 в 11:00',
            ], $e->getErrors());
            $this->assertStringNotContainsString('380', $e->getTraceAsString(), 'no input in the trace');
        }
    }

    public function testPastTimeIsAFieldError(): void
    {
        try {
            priem_booking_payload(priem_fixture(), $this->request(['time_start' => '09:00']), '2026-12-01T07:00:00Z');
            $this->fail('no exception');
        } catch (Priem\ValidationException $e) {
            $this->assertSame(['time_start' => 'Это время уже прошло — выберите другое'], $e->getErrors());
        }
    }

    public function testTakenTimeOffersOthers(): void
    {
        try {
            priem_booking_payload(priem_fixture(), $this->request(['time_start' => '09:30']), self::NOW);
            $this->fail('no exception');
        } catch (Priem\ConflictException $e) {
            $this->assertSame('Это время уже занято — выберите другое', $e->getMessage());
            $this->assertSame(Priem\Exception::CODE_CONFLICT, $e->getCode());
            $this->assertSame([
                ['date' => '2026-12-01', 'time_start' => '09:00', 'time_end' => '09:30'],
                ['date' => '2026-12-01', 'time_start' => '15:30', 'time_end' => '16:00'],
                ['date' => '2026-12-02', 'time_start' => '17:00', 'time_end' => '17:30'],
            ], $e->getAlternatives());
        }
    }

    public function testHeldTimeIsTaken(): void
    {
        $this->expectException(Priem\ConflictException::class);
        priem_booking_payload(priem_fixture(), $this->request(), self::NOW, ['held' => ['2026-12-01T12:30:00Z']]);
    }

    public function testUnknownRequestFieldIsRefused(): void
    {
        $this->expectException(Priem\ConfigException::class);
        $this->expectExceptionMessage('неизвестное поле заявки «fio»');
        priem_booking_payload(priem_fixture(), $this->request(['fio' => 'x']), self::NOW);
    }

    public function testRequestFieldOfWrongTypeIsRefused(): void
    {
        $this->expectException(Priem\ConfigException::class);
        $this->expectExceptionMessage('поле заявки «name» должно быть строкой');
        priem_booking_payload(priem_fixture(), $this->request(['name' => ['a']]), self::NOW);
    }

    /** @dataProvider phones */
    public function testNormalizesPhones(string $raw, string $expected): void
    {
        $this->assertSame($expected, priem_normalize_phone($raw));
    }

    public function phones(): array
    {
        return [
            ['+7 (900) 123-45-67', '79001234567'],
            ['8 900 123 45 67', '79001234567'],
            ['9001234567', '79001234567'],
            ['+7 495 123-45-67', '74951234567'],
        ];
    }

    public function testRejectsForeignPhones(): void
    {
        try {
            priem_normalize_phone('+375 29 123-45-67');
            $this->fail('no exception');
        } catch (Priem\ValidationException $e) {
            $this->assertSame(['phone' => 'Принимаются только российские номера: +7 и 10 цифр'], $e->getErrors());
        }
    }

    public function testPhoneMustBeAString(): void
    {
        $this->expectException(TypeError::class);
        priem_normalize_phone(79001234567);
    }
}
