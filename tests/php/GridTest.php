<?php
use PHPUnit\Framework\TestCase;

final class GridTest extends TestCase
{
    private const NOW = '2026-11-30T21:00:00Z'; // 2026-12-01 00:00 in Moscow

    public function testGroupsTimesByPartOfDay(): void
    {
        $g = priem_slot_grid(priem_fixture(), '1', '0001', self::NOW, 3);
        $this->assertSame('Europe/Moscow', $g['timezone']);
        $this->assertSame(['2026-12-01', '2026-12-02', '2026-12-03'], array_column($g['days'], 'date'));
        $this->assertSame([2, 1, 0], array_column($g['days'], 'free'));
        $this->assertSame(3, $g['free']);
        $day1 = $g['days'][0];
        $this->assertSame(['morning', 'afternoon'], array_column($day1['parts'], 'part'));
        $this->assertSame(['Утро', 'День'], array_column($day1['parts'], 'label'));
        $this->assertSame(['09:00', '09:30'], array_column($day1['parts'][0]['slots'], 'time_start'));
        $this->assertSame([true, false], array_column($day1['parts'][0]['slots'], 'free'), 'taken times are kept, not free');
        $this->assertSame('Вечер', $g['days'][1]['parts'][0]['label']);
        $this->assertSame([], $g['days'][2]['parts']);
    }

    public function testDropsPastTimesAndThoseWithinNotice(): void
    {
        // 09:10 Moscow: 09:00 is gone, 09:30 (taken) and 15:30 stay; with 400 min notice only 17:00
        // of the next day is left.
        $g = priem_slot_grid(priem_fixture(), '1', '0001', '2026-12-01T06:10:00Z', 2);
        $times = array_merge(...array_map(fn ($p) => array_column($p['slots'], 'time_start'), $g['days'][0]['parts']));
        $this->assertSame(['09:30', '15:30'], $times);
        $g = priem_slot_grid(priem_fixture(), '1', '0001', '2026-12-01T06:10:00Z', 2, ['min_notice' => 400]);
        $this->assertSame(0, $g['days'][0]['free']);
        $this->assertSame(1, $g['days'][1]['free']);
    }

    public function testHeldTimesAreNotFree(): void
    {
        $g = priem_slot_grid(priem_fixture(), '1', '0001', self::NOW, 1, ['held' => ['2026-12-01T06:00:00Z']]);
        $slot = $g['days'][0]['parts'][0]['slots'][0];
        $this->assertFalse($slot['free']);
        $this->assertTrue($slot['held']);
        $this->assertSame(1, $g['days'][0]['free']);
    }

    public function testTheWindowStartsAtTheFilialsLocalToday(): void
    {
        // 19:30 UTC on 30 Nov is already 1 Dec 00:30 in Yekaterinburg, still 30 Nov in Moscow.
        $g = priem_slot_grid(priem_fixture(), '2', '0001', '2026-11-30T19:30:00Z', 1, PRIEM_ZONES);
        $this->assertSame('Asia/Yekaterinburg', $g['timezone']);
        $this->assertSame('2026-12-01', $g['days'][0]['date']);
        $this->assertSame('2026-12-01T04:00:00Z', $g['days'][0]['parts'][0]['slots'][0]['start_utc']);
        $m = priem_slot_grid(priem_fixture(), '1', '0001', '2026-11-30T19:30:00Z', 1);
        $this->assertSame('2026-11-30', $m['days'][0]['date']);
    }

    public function testUnknownDoctorThrowsNotFound(): void
    {
        try {
            priem_slot_grid(priem_fixture(), '1', '0042', self::NOW, 7);
            $this->fail('no exception');
        } catch (Priem\NotFoundException $e) {
            $this->assertSame('нет врача с кодом 0042 в филиале 1 в расписании', $e->getMessage());
            $this->assertSame(Priem\Exception::CODE_NOT_FOUND, $e->getCode());
        }
        $this->expectException(Priem\NotFoundException::class);
        $this->expectExceptionMessage('нет филиала с кодом 3 в расписании');
        priem_slot_grid(priem_fixture(), '3', '0001', self::NOW, 7);
    }

    public function testBadArguments(): void
    {
        foreach ([
            [self::NOW, 0, [], '$days must be from 1 to 366, got 0'],
            ['yesterday', 7, [], '$now_utc должен быть моментом UTC вида 2026-12-01T06:00:00Z, а не «yesterday»'],
            [self::NOW, 7, ['min_notice' => -5], 'параметр «min_notice» должен быть целым числом минут ≥ 0'],
            [self::NOW, 7, ['held' => ['tomorrow']], 'параметр «held»[0] должен быть моментом UTC вида 2026-12-01T06:00:00Z'],
        ] as [$now, $days, $opts, $msg]) {
            try {
                priem_slot_grid(priem_fixture(), '1', '0001', $now, $days, $opts);
                $this->fail("no exception for $msg");
            } catch (Priem\ConfigException $e) {
                $this->assertSame($msg, $e->getMessage());
            }
        }
        $this->expectException(TypeError::class);
        priem_slot_grid(priem_fixture(), '1', '0001', self::NOW, '7');
    }
}
