<?php

// Stubs for priem

namespace Priem {
    /**
     * An option or setting is wrong.
     */
    class ConfigException extends \Priem\Exception {
        public function __construct() {}
    }

    /**
     * The chosen time is taken; other free times of the same doctor are offered.
     */
    class ConflictException extends \Priem\Exception {
        public function __construct() {}

        /**
         * Other free times, soonest first: `[['date' => '2026-12-01', 'time_start' => '09:30'], …]`.
         *
         * @return array
         */
        public function getAlternatives(): array {}
    }

    /**
     * Base class of every exception priem throws.
     */
    class Exception extends \Exception {
        public const CODE_CONFIG = 2;

        public const CODE_CONFLICT = 5;

        public const CODE_NOT_FOUND = 3;

        public const CODE_PARSE = 1;

        public const CODE_VALIDATION = 4;

        public function __construct() {}
    }

    /**
     * No such filial or doctor in the schedule.
     */
    class NotFoundException extends \Priem\Exception {
        public function __construct() {}
    }

    /**
     * A document cannot be read: the message says where and why.
     */
    class ParseException extends \Priem\Exception {
        public function __construct() {}
    }

    /**
     * Form fields are wrong; the messages are for the visitor, in Russian.
     */
    class ValidationException extends \Priem\Exception {
        public function __construct() {}

        /**
         * Field name => message, e.g. `['phone' => 'В номере должно быть 10 цифр после +7']`.
         *
         * @return array
         */
        public function getErrors(): array {}
    }
}

namespace {
    /**
     * Validates a visitor's booking against the schedule and returns the exact JSON the MIS
     * receives (mis-exchange.md §2.1, times in UTC).
     *
     * `$request`: `['filial_id', 'doctor_id', 'date' => 'YYYY-MM-DD', 'time_start' => 'HH:MM'`
     * (the filial's local time, as in the cells)`, 'name', 'phone', 'comment', 'specialty']`
     * (`comment` and `specialty` optional). Options: `timezones`, `min_notice`, `held`.
     *
     * Throws `Priem\ValidationException` with every field error (`getErrors()`), or
     * `Priem\ConflictException` when the time is taken or held (`getAlternatives()`).
     *
     * @param string $schedule_json
     * @param array $request
     * @param string $now_utc
     * @param array|null $options
     * @return string
     */
    function priem_booking_payload(string $schedule_json, array $request, string $now_utc, ?array $options = null): string {}

    /**
     * `+7 (900) 123-45-67`, `8 900 123 45 67`, `9001234567` … → `79001234567`. Throws
     * `Priem\ValidationException` (field `phone`, message in Russian) for anything else,
     * including numbers of other countries.
     *
     * @param string $raw
     * @return string
     */
    function priem_normalize_phone(string $raw): string {}

    /**
     * Parses a ProDoctorov schedule document (any variant of mis-exchange.md §1.1) and returns
     * the normalized schedule:
     *
     * ```text
     * ['filials'  => [['code' => '1', 'name' => 'Клиника на Ленина'|null, 'timezone' => 'Europe/Moscow'], …],
     *  'doctors'  => [['filial' => '1', 'code' => '0001', 'name' => 'Иванова Мария Петровна',
     *                  'specialties' => ['Кардиолог']], …],
     *  'slots'    => [['filial' => '1', 'doctor' => '0001', 'date' => '2026-12-01',
     *                  'time_start' => '09:00', 'time_end' => '09:30',
     *                  'start_utc' => '2026-12-01T06:00:00Z', 'end_utc' => '2026-12-01T06:30:00Z',
     *                  'free' => true, 'room' => '12'], …],
     *  'rejected' => [['filial' => '1', 'doctor' => '0002',
     *                  'path' => 'data["1"]["0002"].cells[3].time_start',
     *                  'message' => 'data["1"]["0002"].cells[3].time_start: "9:60" is not HH:MM'], …]]
     * ```
     *
     * Options: `'timezones' => ['<filial code>' => '<IANA zone>']` (default `Europe/Moscow`).
     * A doctor with a bad cell is left out and listed in `rejected`; a document that cannot be
     * read at all throws `Priem\ParseException` naming the place.
     *
     * @param string $json
     * @param array|null $options
     * @return array
     */
    function priem_parse_schedule(string $json, ?array $options = null): array {}

    /**
     * Panics on purpose, to check on a given PHP build that a Rust panic surfaces as a PHP
     * `\Error` ("Rust panic: …") and never crashes the process. For installers and tests.
     *
     * @return int
     */
    function priem_selftest_panic(): int {}

    /**
     * The grid a visitor sees for one doctor in one filial: `$days` days from the filial's local
     * "today" at `$nowUtc`, past times (and those within `min_notice` minutes) left out, taken and
     * held times marked `free => false`, times grouped by part of the day:
     *
     * ```text
     * ['filial' => '1', 'doctor' => '0001', 'timezone' => 'Europe/Moscow', 'free' => 12,
     *  'days' => [['date' => '2026-12-01', 'free' => 3,
     *              'parts' => [['part' => 'morning', 'label' => 'Утро',
     *                           'slots' => [['time_start' => '09:00', 'time_end' => '09:30',
     *                                        'start_utc' => '2026-12-01T06:00:00Z',
     *                                        'end_utc' => '2026-12-01T06:30:00Z',
     *                                        'free' => true, 'held' => false, 'room' => '12'], …]],
     *                          …]], …]]
     * ```
     *
     * Options: `timezones` (as for `priem_parse_schedule`), `min_notice` (minutes, default 0),
     * `held` (UTC start times the site holds). Throws `Priem\NotFoundException` when the filial or
     * doctor is not in the schedule.
     *
     * @param string $schedule_json
     * @param string $filial_code
     * @param string $doctor_code
     * @param string $now_utc
     * @param int $days
     * @param array|null $options
     * @return array
     */
    function priem_slot_grid(string $schedule_json, string $filial_code, string $doctor_code, string $now_utc, int $days, ?array $options = null): array {}

    /**
     * The extension's version; the NetCat module refuses to install against another one.
     *
     * @return string
     */
    function priem_version(): string {}
}
