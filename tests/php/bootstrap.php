<?php
// The extension must be loaded by the php binary (`php -d extension=…`), not by phpunit.
if (!extension_loaded('priem')) {
    fwrite(STDERR, "The priem extension is not loaded: run php -d extension=/abs/path/libpriem.so /usr/bin/phpunit\n");
    exit(1);
}

/** A small schedule: two filials (Moscow, Yekaterinburg), three doctors, one with only a bad cell. */
function priem_fixture(): string
{
    return json_encode([
        '1' => 'Клиника на Ленина',
        '2' => 'Клиника в Екатеринбурге',
        'data' => [
            '1' => [
                '0001' => [
                    'efio' => 'Иванова Мария Петровна',
                    'espec' => 'Кардиолог, терапевт',
                    'cells' => [
                        ['dt' => '2026-12-01', 'time_start' => '09:00', 'time_end' => '09:30', 'free' => true, 'room' => '12'],
                        ['dt' => '2026-12-01', 'time_start' => '09:30', 'time_end' => '10:00', 'free' => false, 'room' => ''],
                        ['dt' => '2026-12-01', 'time_start' => '15:30', 'time_end' => '16:00', 'free' => true],
                        ['dt' => '2026-12-02', 'time_start' => '17:00', 'time_end' => '17:30', 'free' => true, 'room' => '3'],
                    ],
                ],
                '0002' => [
                    'efio' => 'Петров Пётр',
                    'cells' => [
                        ['dt' => '2026-12-01', 'time_start' => '9:60', 'time_end' => '10:00', 'free' => true],
                    ],
                ],
            ],
            '2' => [
                '0001' => [
                    'efio' => 'Сидоров Сидор',
                    'espec' => 'Невролог',
                    'cells' => [
                        ['dt' => '2026-12-01', 'time_start' => '09:00', 'time_end' => '09:20', 'free' => true],
                    ],
                ],
            ],
        ],
    ], JSON_UNESCAPED_UNICODE);
}

const PRIEM_ZONES = ['timezones' => ['2' => 'Asia/Yekaterinburg']];
