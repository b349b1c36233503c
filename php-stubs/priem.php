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
         * Other free times, the nearest to the one wanted first: `[['date' => '2026-12-01',
         * 'time_start' => '09:30', 'time_end' => '10:00'], …]`.
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

        public const CODE_LIMIT = 8;

        public const CODE_NOT_FOUND = 3;

        public const CODE_PARSE = 1;

        public const CODE_STORAGE = 7;

        public const CODE_TRANSIENT = 6;

        public const CODE_VALIDATION = 4;

        public function __construct() {}
    }

    /**
     * A booking from the site refused by a protection before anything was stored: the phone
     * number's bookings for the day, the doctor's day as full as the clinic allows through the
     * site, or a form token that already made a booking. The message is for the visitor.
     */
    class LimitException extends \Priem\Exception {
        public function __construct() {}

        /**
         * `phone`, `doctor_day` or `form_used`.
         *
         * @return string
         */
        public function getKind(): string {}

        /**
         * Seconds until the limit no longer applies (`null` for a used form token).
         *
         * @return int|null
         */
        public function getRetryAfter(): ?int {}
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
     * The database failed in a way a retry will not fix (no tables, no permission …).
     */
    class StorageException extends \Priem\Exception {
        public function __construct() {}
    }

    /**
     * The database or a server failed in a way that a retry may fix (connection lost, lock wait).
     */
    class TransientException extends \Priem\Exception {
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
     * The open problems: `key`, `kind`, `group` (`codes`: the known-codes check, else `sync`),
     * `text` (the letter), `subject` and `paragraphs` (what happened, what to do: the letter without
     * its time and signature), `first_seen`, `last_seen`, `last_sent`, `mails`, `occurrences`,
     * `last_error` (why the last mail failed). `$group` keeps that group's.
     *
     * @param array $settings
     * @param string|null $group
     * @return array
     */
    function priem_alerts(array $settings, ?string $group = null): array {}

    /**
     * Books a time: validates the fields against the stored schedule, holds the time (the
     * database decides who got it), stores the booking and sends it to the MIS at once.
     *
     * `$request` as for `priem_booking_payload`. `$meta`: `idempotency_key` (required: the same
     * key never makes a second booking), `source` (`site` or `prodoctorov`), `consent_ip`,
     * `consent_version` (the consent text shown; required for `site`), `form_nonce` (the form
     * token's nonce: one token makes one booking), `now_utc`. A booking from the site is counted
     * per phone number and per doctor-day (settings `limits`).
     *
     * Returns `['status' => 'confirmed'|'pending'|'refused', 'booking_id' => 17, 'reason' => …,
     * 'alternatives' => [['date', 'time_start', 'time_end'], …], 'booking' => what the visitor sees
     * of it (as `priem_booking`'s `view`, with `$cards`)]`. Throws
     * `Priem\ValidationException` (field errors), `Priem\ConflictException` (the time was just
     * taken; other times offered) or `Priem\LimitException` (a limit is reached, or the form
     * token made another booking; nothing stored).
     *
     * @param array $settings
     * @param array $request
     * @param array $meta
     * @param array|null $cards
     * @return array
     */
    function priem_book(array $settings, array $request, array $meta, ?array $cards = null): array {}

    /**
     * One booking as stored, or null: `status` (`queued`, `sent`, `confirmed`, `rejected`,
     * `unknown`, or `check` — «проверить в МИС»: a retry after an unanswered attempt was answered
     * "taken", settled by the MIS's next snapshot) and `status_name` (its Russian name, see
     * `priem_booking_labels`), `source` and `source_name`, `retryable` (staff may send it again:
     * «Повторить отправку»), times, `payload` (the JSON sent to the MIS
     * with every phone masked), `attempts`, `last_error`, `unsure` (an attempt may have reached the
     * MIS unanswered), `mis_seen_at` (a snapshot of the MIS showed the confirmed time busy),
     * `mis_missing_at` (since when its snapshots show it free: «МИС не показывает запись»), …,
     * and `view`, what the visitor sees of it: `['id', 'number', 'status' =>
     * 'confirmed'|'pending'|'refused', 'filial', 'doctor', 'doctor_name', 'specialty', 'clinic',
     * 'address', 'phone', 'date', 'time_start', 'time_end'` (the filial's local day and times)`,
     * 'timezone', 'tz_label']` (names from `$cards` over the MIS's, as for `priem_grid_json`).
     *
     * @param array $settings
     * @param int $id
     * @param array|null $cards
     * @return array|null
     */
    function priem_booking(array $settings, int $id, ?array $cards = null): ?array {}

    /**
     * What the admin calls bookings' statuses and sources: `['statuses' => ['queued' => ['name'
     * => 'в очереди', 'visitor' => 'pending' (what the visitor is told: confirmed, pending,
     * refused), 'class' => 'priem-tone-new' (the colour in the admin's styles)], …], 'sources' =>
     * ['site' => 'сайт', 'prodoctorov' => 'ПроДокторов']]`, in the order to list them.
     *
     * @return array
     */
    function priem_booking_labels(): array {}

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
     * The journal: the newest bookings first (at most `$limit`, 1–1000), each as `priem_booking`
     * gives it (the payload's phones masked) and with how the staff read it: `start_local`
     * («03.12.2026 18:00 МСК+2», the appointment in the filial's zone), `timezone` (its IANA
     * name), `created_local` (when it was made, in the site's zone Europe/Moscow), `clinic_name`
     * and `doctor_name` (from `$cards` over the MIS's names; null when neither has one),
     * `phone_shown` (the masked phone as staff read numbers: `+7 900 ***-45-67`).
     * `$filter`: `source` (`site`, `prodoctorov`), `status` (`queued`, `sent`, `confirmed`,
     * `rejected`, `unknown`, `check`), `from` and `to` (`YYYY-MM-DD`, the day it was made in Moscow
     * time, as «Создана» shows it; both included); a key left out or empty filters nothing.
     *
     * @param array $settings
     * @param array|null $filter
     * @param int $limit
     * @param array|null $cards
     * @return array
     */
    function priem_bookings(array $settings, ?array $filter = null, int $limit = 200, ?array $cards = null): array {}

    /**
     * The codes switched off on the site (`domain::cards`: on switched-off cards only), for the
     * «Коды МИС» tab: `[['role' => 'clinic'|'doctor', 'card' => the first such card's id,
     * 'code' => '1:0042'], …]`, clinics first.
     *
     * @param array|null $cards
     * @return array
     */
    function priem_cards_off(?array $cards = null): array {}

    /**
     * "Проверить соединение": `$what` is `db`, `ftp`, `mis` (reachability only, nothing is
     * booked) or `mail` (sends a test letter). Returns `['ok' => bool, 'message' => '…']` in
     * Russian; never throws for a failing server.
     *
     * @param array $settings
     * @param string $what
     * @return array
     */
    function priem_check(array $settings, string $what): array {}

    /**
     * The address a request comes from: `$remoteAddr` (`$_SERVER['REMOTE_ADDR']`), or — only when
     * that is one of the settings' `limits.trusted_proxies` — what `$forwardedFor`
     * (`$_SERVER['HTTP_X_FORWARDED_FOR']`) says, read from the right. Use it for every limit, the
     * consent record and the captcha.
     *
     * @param array $settings
     * @param string $remote_addr
     * @param string|null $forwarded_for
     * @return string
     */
    function priem_client_address(array $settings, string $remote_addr, ?string $forwarded_for = null): string {}

    /**
     * The phone a doctor card whose codes have no schedule (`priem_code_targets` is empty) gives
     * instead of a booking button, «Запись по телефону»: the clinic card's of the filial its first
     * pinned code names, else `$cards['phone']` (the clinic's); `''` when neither is known.
     *
     * @param string $codes
     * @param array|null $cards
     * @return string
     */
    function priem_code_phone(string $codes, ?array $cards = null): string {}

    /**
     * Where a doctor card's MIS code cell books (`"0042, 1:0107"`): a pinned `1:0107` when filial 1's
     * schedule has that doctor, a bare `0042` in every filial whose schedule has him — `[['filial' => '1', 'doctor' =>
     * '0042', 'phone' => the filial's phone (its clinic card's, else `$cards['phone']`)], …]`; empty
     * when no code has a schedule; a filial or doctor switched off on the site (`$cards`) is left out.
     *
     * @param array $settings
     * @param string $codes
     * @param array|null $cards
     * @return array
     */
    function priem_code_targets(array $settings, string $codes, ?array $cards = null): array {}

    /**
     * Counts one booking attempt of `$client` (per IPv4 address, per IPv6 /64); returns the seconds
     * it must wait when that exceeds `limits.per_address` in its 10-minute window, else 0.
     *
     * @param array $settings
     * @param string $client
     * @param string|null $now_utc
     * @return int
     */
    function priem_count_attempt(array $settings, string $client, ?string $now_utc = null): int {}

    /**
     * The last `$days` days (1–366, default 14) up to today, days of Moscow time as the admin's
     * times are (`priem_staff_time`), oldest first, for the admin's chart: `[['date' =>
     * '2026-12-01', 'bookings' => ['confirmed' => 3, 'rejected' => 1], 'files' => 96], …]` — the bookings made that day per status (only statuses with some, in the
     * order of `priem_booking_labels`) and the schedule files the cron imported.
     *
     * @param array $settings
     * @param int $days
     * @param string|null $now_utc
     * @return array
     */
    function priem_daily(array $settings, int $days = 14, ?string $now_utc = null): array {}

    /**
     * A filial's doctors with free time in the booking window, as the booking form lists them
     * (`docs/api.md`, `doctors`): each with his card (`$cards`, see `priem_grid_json`) over the
     * MIS's name and specialties, the soonest first; `$specialty` (one of `specialties`; null or
     * `''`: all) keeps that specialty's:
     *
     * ```text
     * ['filial' => [as priem_filials gives it, without doctors],
     *  'specialties' => [['name' => 'Кардиолог', 'doctors' => 2], …],
     *  'doctors' => [['code' => '0001', 'name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог'],
     *                 'photo' => ?string, 'experience' => ?int, 'price_from' => ?int, 'ages' => ?string,
     *                 'free' => 37, 'nearest' => ['date' => '2026-12-01',
     *                 'times' => [['time_start' => '09:00', 'time_end' => '09:30'], …]]], …]]
     * ```
     *
     * `$times` (1–50, default 4) is how many times of the nearest day to give. Throws
     * `Priem\NotFoundException` when the MIS never sent the filial.
     *
     * @param array $settings
     * @param string $filial_code
     * @param string|null $now_utc
     * @param int|null $times
     * @param array|null $cards
     * @param string|null $specialty
     * @return array
     */
    function priem_doctors(array $settings, string $filial_code, ?string $now_utc = null, ?int $times = null, ?array $cards = null, ?string $specialty = null): array {}

    /**
     * Erases one person's data on request (152-ФЗ): every booking made with this phone number (as
     * typed, any way of writing it), the alerts and sync run errors that quote the patient and the
     * booking and result files on FTP; a booking the MIS has not settled yet is cancelled. The rows
     * stay for statistics. `$actor` is who erased (the admin user) — recorded with the time and the
     * counts, never the person's data (`priem_erasures()`).
     *
     * Returns `['erased' => true, 'message' => '…', 'bookings' => 2, 'files' => 3, 'texts' => 1,
     * 'cancelled' => 0]`, or `['erased' => false, 'message' => '…']` (in Russian) when the number is
     * not a phone number or the FTP server failed — then nothing was changed.
     *
     * @param array $settings
     * @param string $phone_number
     * @param string $actor
     * @param string|null $now_utc
     * @return array
     */
    function priem_erase_person(array $settings, string $phone_number, string $actor, ?string $now_utc = null): array {}

    /**
     * The latest erasures on request, newest first: `[['erased_at' => '2026-12-01T10:00:00Z',
     * 'actor' => '…', 'bookings' => 2, 'files' => 3], …]` (who and when, never whose).
     *
     * @param array $settings
     * @param int|null $limit
     * @return array
     */
    function priem_erasures(array $settings, ?int $limit = null): array {}

    /**
     * The filials the MIS has sent, by code, as the booking form lists them: each with its clinic
     * card (`$cards`, see `priem_grid_json`) over the MIS's name, and `doctors`, how many of its
     * doctors have free time in the booking window:
     *
     * ```text
     * [['code' => '1', 'name' => 'Клиника на Ленина', 'address' => 'ул. Ленина, 1',
     *   'phone' => '+7 (495) 111-22-33', 'metro' => 'м. Чеховская'|null, 'ages' => 'от 18 лет'|null,
     *   'timezone' => 'Europe/Moscow', 'tz_label' => 'время московское', 'doctors' => 3], …]
     * ```
     *
     * @param array $settings
     * @param array|null $cards
     * @param string|null $now_utc
     * @return array
     */
    function priem_filials(array $settings, ?array $cards = null, ?string $now_utc = null): array {}

    /**
     * What the booking form says in words the site and the widget share: `['name_missing' =>
     * 'Укажите фамилию, имя и отчество', 'name_short', 'phone_missing', 'phone_length',
     * 'consent_missing', 'confirmed' => 'Вы записаны', 'pending', 'taken']` — the field errors the
     * widget checks before sending, in the core's words, and the outcomes.
     *
     * @return array
     */
    function priem_form_texts(): array {}

    /**
     * The grid a visitor sees, from the stored schedule (same shape as `priem_slot_grid`);
     * `$days` defaults to the booking horizon of the settings.
     *
     * @param array $settings
     * @param string $filial_code
     * @param string $doctor_code
     * @param string|null $now_utc
     * @param int|null $days
     * @return array
     */
    function priem_grid(array $settings, string $filial_code, string $doctor_code, ?string $now_utc = null, ?int $days = null): array {}

    /**
     * The booking form's `grid` answer (docs/api.md) as JSON text, ready to send: the filial and
     * the doctor as the visitor sees them — the site's cards over the MIS's data —, `timezone`,
     * `tz_label`, `free` and `days` (no UTC instants or rooms, and no PHP arrays to build for a
     * thousand times). `$cards`: the site's cards as the module read them, `['clinics' =>
     * [['id', 'codes' => '1, 5', 'name', 'address', 'phone', 'metro', 'ages', 'timezone'], …],
     * 'doctors' => [['id', 'codes' => '0001, 2:0042', 'name', 'photo', 'specialties', 'experience',
     * 'price_from', 'ages'], …], 'phone' => the clinic's phone]` (fields left out or empty: not
     * filled on the card); null: the MIS's data only.
     *
     * @param array $settings
     * @param string $filial_code
     * @param string $doctor_code
     * @param string|null $now_utc
     * @param int|null $days
     * @param array|null $cards
     * @return string
     */
    function priem_grid_json(array $settings, string $filial_code, string $doctor_code, ?string $now_utc = null, ?int $days = null, ?array $cards = null): string {}

    /**
     * Imports one schedule snapshot (any §1.1 variant) into the database by the replacement rule.
     * Returns counts (`filials`, `doctors`, `days_unchanged`, `slots_inserted`, …), `rejected`:
     * the doctors left out (each keeps its previous schedule), and `bad_cells`: the cells left out
     * of imported doctors; each entry with `filial`, `doctor`, `path`, `message`.
     *
     * @param array $settings
     * @param string $json_text
     * @param string|null $now_utc
     * @return array
     */
    function priem_import_schedule(array $settings, string $json_text, ?string $now_utc = null): array {}

    /**
     * Counts a wrong login of `$client`; returns the wait it now has (0 while under 10).
     *
     * @param array $settings
     * @param string $client
     * @param string|null $now_utc
     * @return int
     */
    function priem_login_failed(array $settings, string $client, ?string $now_utc = null): int {}

    /**
     * The seconds `$client` must wait before its credentials are checked again: it had 10 wrong
     * logins in the current 10-minute window (its /64 for IPv6). 0: check them.
     *
     * @param array $settings
     * @param string $client
     * @param string|null $now_utc
     * @return int
     */
    function priem_login_wait(array $settings, string $client, ?string $now_utc = null): int {}

    /**
     * `79001234567` → `7900***4567`, for logs and journals.
     *
     * @param string $phone_number
     * @return string
     */
    function priem_mask_phone(string $phone_number): string {}

    /**
     * Creates or upgrades priem's tables (`Priem_*`); returns the migration versions applied now
     * (empty when up to date).
     *
     * @param array $settings
     * @return array
     */
    function priem_migrate(array $settings): array {}

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
     *  'rejected' => [['filial' => '1', 'doctor' => '0002', 'path' => 'data["1"]["0002"].cells',
     *                  'message' => 'data["1"]["0002"].cells: отсутствует'], …],
     *  'bad_cells' => [['filial' => '1', 'doctor' => '0001',
     *                  'path' => 'data["1"]["0001"].cells[3].time_start',
     *                  'message' => 'data["1"]["0001"].cells[3].time_start: "9:60" — не время ЧЧ:ММ'], …]]
     * ```
     *
     * Options: `'timezones' => ['<filial code>' => '<IANA zone>']` (default `Europe/Moscow`).
     * A bad cell (and both cells of an overlap) is left out and listed in `bad_cells`, the
     * doctor's other cells are kept; a doctor that is wrong itself (no `cells` array, listed
     * twice) is left out and listed in `rejected`; a document that cannot be read at all throws
     * `Priem\ParseException` naming the place.
     *
     * @param string $json
     * @param array|null $options
     * @return array
     */
    function priem_parse_schedule(string $json, ?array $options = null): array {}

    /**
     * Answers ProDoctorov's direct booking (the §2.1 JSON POSTed to the module's endpoint).
     * `$authorization` is the raw `Authorization` header, checked against
     * `prodoctorov.endpoint_user`/`endpoint_password` (without both — a password of at least 16
     * characters — the endpoint is closed: 401). `$client` is the request's address
     * (`priem_client_address`): 10 wrong logins from it (its /64 for IPv6) in 10 minutes close the
     * door to it until the window ends (429).
     *
     * Returns `['http' => 200|400|401|403|429|503, 'body' => ['success' => bool, 'error' =>
     * ?string], 'booking_id' => ?int, 'retry_after' => ?int]`: send `http` as the status and
     * `body` as JSON (with `WWW-Authenticate: Basic` on 401, `Retry-After` on 429). Refusals (unknown codes, a time that is not exactly one
     * free cell, past, taken, held, the MIS refusing or not answering in time) are 200 with
     * `success => false` and a Russian reason; an unreadable request is 400; 503 means the site's
     * database failed. Answers within 9 s. Throws only for unusable `$settings`.
     *
     * @param array $settings
     * @param string $body
     * @param string|null $authorization
     * @param string|null $now_utc
     * @param string|null $client
     * @return array
     */
    function priem_prodoctorov_booking(array $settings, string $body, ?string $authorization = null, ?string $now_utc = null, ?string $client = null): array {}

    /**
     * Uploads the schedule to ProDoctorov now, when due (the interval has passed since the last
     * upload) or always with `$force` (which also sends an unchanged schedule). Takes the cron
     * lock. Returns `['outcome' => 'ok'|'failed'|'unchanged'|'not_due'|'locked', 'upload_id' =>
     * ?int, 'api' => 'old'|'v2', 'host', 'bytes', 'filials', 'doctors', 'cells', 'http_status' =>
     * ?int, 'message' => ?string, 'seconds', 'digest']`. A failing ProDoctorov is an outcome, not an
     * exception; throws `Priem\ConfigException` when the connector is off or has no URL.
     *
     * @param array $settings
     * @param bool $force
     * @param string|null $now_utc
     * @return array
     */
    function priem_prodoctorov_upload(array $settings, bool $force = false, ?string $now_utc = null): array {}

    /**
     * The newest uploads to ProDoctorov first (at most `$limit`, 1–1000): `['id', 'started_at',
     * 'api', 'host', 'outcome' => 'ok'|'failed'|'unchanged', 'outcome_name' (in Russian), 'bytes', 'digest', 'filials',
     * 'doctors', 'cells', 'http_status' => ?int, 'answer' => ?string, 'seconds']`.
     *
     * @param array $settings
     * @param int $limit
     * @return array
     */
    function priem_prodoctorov_uploads(array $settings, int $limit): array {}

    /**
     * The MIS's HTTP push (`push.php`): imports the snapshot `$body` as `priem_import_schedule`
     * does, and records it as the cron's import of a file is recorded — a sync run (file «HTTP
     * push», `counts['source']` `push`) and the alerts (an unreadable document, doctors and cells
     * left out; the ones fixed resolved), mailed by the next `priem_sync`. Returns `['ok' => true,
     * 'run' => id, …priem_import_schedule's report]`, or `['ok' => false, 'run' => id, 'error' =>
     * '…']` (Russian) when the document cannot be read at all (not UTF-8, not the schedule):
     * nothing imported, the schedule kept.
     *
     * @param array $settings
     * @param string $body
     * @param string|null $now_utc
     * @return array
     */
    function priem_push_schedule(array $settings, string $body, ?string $now_utc = null): array {}

    /**
     * Where the site's upcoming bookings stand against the MIS's schedule, for the admin's
     * «Состояние»: `['confirmed' => 12, 'seen' => 10, 'missing' => 1, 'check' => 0]` — confirmed
     * bookings whose time is ahead; of them, the ones the MIS's snapshots show busy; the ones still
     * shown free `booking.reconcile_minutes` after the confirmation (alerted «МИС не показывает
     * запись № …»); and bookings in «проверить в МИС» (`check`).
     *
     * @param array $settings
     * @param string|null $now_utc
     * @return array
     */
    function priem_reconciliation(array $settings, ?string $now_utc = null): array {}

    /**
     * Sends a booking again now (the journal's "повторить отправку"): only one whose outcome is
     * unknown. Returns `['result' => 'confirmed'|'refused'|'dropped'|'unknown'|'check'|'skipped',
     * 'message' => …, 'ok' => bool, 'text' => '…']` (`check`: answered "taken" after an unanswered
     * attempt — «проверить в МИС», settled by the MIS's next snapshot; `text`: what the staff are
     * told, in Russian, with the message).
     *
     * @param array $settings
     * @param int $id
     * @param string|null $now_utc
     * @return array
     */
    function priem_retry(array $settings, int $id, ?string $now_utc = null): array {}

    /**
     * The newest sync runs first (at most `$limit`, 1–1000): `['id', 'started_at', 'finished_at'
     * (UTC, null while running), 'status' => 'running'|'ok'|'failed', 'status_name' (in Russian),
     * 'file', 'counts' (the tick's report), 'summary' (the counts in Russian words), 'errors' =>
     * ['…', …]]`.
     *
     * @param array $settings
     * @param int $limit
     * @return array
     */
    function priem_runs(array $settings, int $limit = 50): array {}

    /**
     * Panics on purpose, to check on a given PHP build that a Rust panic surfaces as a PHP
     * `\Error` ("Rust panic: …") and never crashes the process. For installers and tests.
     *
     * @return int
     */
    function priem_selftest_panic(): int {}

    /**
     * The settings check, for the admin before it saves: `[]` when `$settings` work, else the
     * problems as `[['key' => 'limits.trusted_proxies', 'message' => '…'], …]` (the key as in the
     * settings array, empty for the array as a whole). Never throws for bad settings.
     *
     * @param array $settings
     * @return array
     */
    function priem_settings_problems(array $settings): array {}

    /**
     * The grid a visitor sees for one doctor in one filial: `$days` days from the filial's local
     * "today" at `$nowUtc`, past times (and those within `min_notice` minutes) left out, taken and
     * held times marked `free => false`, times grouped by part of the day:
     *
     * ```text
     * ['filial' => '1', 'doctor' => '0001', 'filial_name' => 'Клиника на Ленина'|null,
     *  'doctor_name' => 'Иванова Мария Петровна', 'specialties' => ['Кардиолог'],
     *  'timezone' => 'Europe/Moscow', 'free' => 12,
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
     * A UTC moment as the clinic's staff read it, in the site's zone (Europe/Moscow, as the alert
     * letters say it): `2026-11-28T01:48:17Z` or `2026-11-28 01:48:17` → `28.11.2026 04:48 МСК`.
     * Anything else comes back as it was.
     *
     * @param string $utc
     * @return string
     */
    function priem_staff_time(string $utc): string {}

    /**
     * One cron cycle: import from FTP, check codes, deliver the outbox, read FTP results, mail
     * alerts. Returns the report (counts, `errors`, `seconds`) with `line`, a one-line summary.
     * Never throws for a failing server: failures become alerts and `errors`.
     *
     * @param array $settings
     * @param string|null $now_utc
     * @return array
     */
    function priem_sync(array $settings, ?string $now_utc = null): array {}

    /**
     * What travels unencrypted, for «Настройки» and «Состояние»: `['warnings' => ['FTP без
     * шифрования: …', …], 'notes' => ['Почта: последнее соединение (…) защищено TLS — …']]`, in
     * Russian. For SMTP without demanded TLS and FTP without FTPS the last connection's recorded
     * protection (opportunistic TLS) replaces the guess from the settings; the settings alone when
     * nothing was recorded yet or the database cannot be read.
     *
     * @param array $settings
     * @return array
     */
    function priem_tls_notes(array $settings): array {}

    /**
     * The extension's version; the NetCat module refuses to install against another one.
     *
     * @return string
     */
    function priem_version(): string {}

    /**
     * The first row of `$check_sql` on the extension's connection for these settings, as one text
     * (its values joined by U+001F): what `priem_visitor_keep` is given, read before the settings
     * and cards it vouches for.
     *
     * @param array $settings
     * @param string $check_sql
     * @return string
     */
    function priem_visitor_check(array $settings, string $check_sql): string {}

    /**
     * The booking form's `grid` answer (as `priem_grid_json` with the kept settings and cards,
     * the horizon's days) for the site of `$db` (the `db` section of its settings), or null when
     * this process keeps nothing for it or the kept check reads back another text (then it is
     * dropped): the caller reads the settings and cards and keeps them again.
     *
     * @param array $db
     * @param string $filial_code
     * @param string $doctor_code
     * @param string|null $now_utc
     * @return string|null
     */
    function priem_visitor_grid_json(array $db, string $filial_code, string $doctor_code, ?string $now_utc = null): ?string {}

    /**
     * Keeps, in this process, the engine of `$settings` and the editors' `$cards` (the shape of
     * `priem_grid_json`'s) for the site of `$settings['db']`, while `$check_sql` reads back as
     * `$check` (from `priem_visitor_check`, read before the settings and cards were).
     *
     * @param array $settings
     * @param string $check_sql
     * @param string $check
     * @param array|null $cards
     * @return void
     */
    function priem_visitor_keep(array $settings, string $check_sql, string $check, ?array $cards = null): void {}
}
