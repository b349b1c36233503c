<?php
/**
 * The ProDoctorov schedule import written in plain PHP, the way a NetCat developer would:
 * json_decode() into arrays, then loops. It is the baseline for bench/parse.sh and must give
 * exactly what the extension's priem_parse_schedule() gives (bench/crosscheck.php checks it):
 *
 *   ['filials'  => [['code' => '1', 'name' => 'Клиника на Ленина'|null, 'timezone' => 'Europe/Moscow'], …],
 *    'doctors'  => [['filial' => '1', 'code' => '0001', 'name' => '…', 'specialties' => ['Кардиолог']], …],
 *    'slots'    => [['filial' => '1', 'doctor' => '0001', 'date' => '2026-12-01',
 *                    'time_start' => '09:00', 'time_end' => '09:30',
 *                    'start_utc' => '2026-12-01T06:00:00Z', 'end_utc' => '2026-12-01T06:30:00Z',
 *                    'free' => true, 'room' => '12'], …],
 *    'rejected' => [['filial' => '1', 'doctor' => '0002', 'path' => 'data["1"]["0002"].cells',
 *                    'message' => 'data["1"]["0002"].cells: отсутствует'], …],
 *    'bad_cells' => [['filial' => '1', 'doctor' => '0001', 'path' => 'data["1"]["0001"].cells[3].time_start',
 *                    'message' => 'data["1"]["0001"].cells[3].time_start: "9:60" — не время ЧЧ:ММ'], …]]
 *
 * Same rules as the extension (src/wire/schedule.rs, src/domain/schedule.rs, zone.rs):
 * - accepts the plain document, {"schedule": …}, and arrays of documents;
 * - the whole document fails (RuntimeException) when it is not JSON or not shaped like a
 *   schedule (no "data", "data" or a filial not an object);
 * - one doctor is rejected (listed in 'rejected', left out of 'doctors' and 'slots') when he is
 *   not an object, efio/espec is not a string, cells is missing or not an array, or he is
 *   listed twice;
 * - one cell is left out (listed in 'bad_cells', the doctor's other cells kept) when it is bad
 *   (missing dt/time_start/time_end/free, bad date or time, free not boolean, room not a string
 *   or number, time_start >= time_end) or overlaps another cell (both are left out), and —
 *   listed after all the others — when its start time is one a DST change skips;
 * - times HH:MM (H:MM and HH:MM:SS are read too) are local to the filial's zone
 *   ($options['timezones'][code], default Europe/Moscow); an end time in a DST gap moves
 *   forward, an ambiguous time is the first of the two;
 * - a UTF-8 BOM is skipped; a filial's name may come from any document of an array or from
 *   outside the {"schedule": …} wrapper; numeric rooms become strings (12 → "12", 12.0 → "12").
 *
 * Known differences that plain PHP cannot avoid: json_decode() keeps only the last of duplicate
 * keys in one object and cannot tell {} from [], so a doctor listed twice inside ONE filial
 * object is silently taken once and "data" twice in one document is not an error (the
 * extension rejects both), and an empty {} / [] are the same thing. Document-level error
 * messages differ (json_decode's "Syntax error" has no position).
 *
 * Efficiency as a competent developer would do it: DateTimeZone once per filial, the UTC
 * offset once per (filial, date), validated dates/times and formatted UTC strings memoized.
 */

declare(strict_types=1);

const PLAIN_DEFAULT_ZONE = 'Europe/Moscow';

function plain_parse_schedule(string $json, array $options = []): array
{
    foreach ($options as $k => $_) {
        if ($k !== 'timezones') {
            throw new InvalidArgumentException("unknown option \"$k\" (known: timezones)");
        }
    }
    $zones = [];
    if (isset($options['timezones'])) {
        if (!is_array($options['timezones'])) {
            throw new InvalidArgumentException('option "timezones" must be an array of filial code => IANA zone');
        }
        foreach ($options['timezones'] as $code => $name) {
            if (!is_string($name)) {
                throw new InvalidArgumentException("option \"timezones\"[$code] must be a string like \"Europe/Moscow\"");
            }
            $name = trim($name);
            try {
                $zones[(string)$code] = new DateTimeZone($name === '' ? PLAIN_DEFAULT_ZONE : $name);
            } catch (Exception $e) {
                throw new InvalidArgumentException("unknown time zone \"$name\" for filial $code");
            }
        }
    }

    if (str_starts_with($json, "\xEF\xBB\xBF")) {
        $json = substr($json, 3);   // UTF-8 byte order mark, as 1C and Notepad write
    }
    try {
        $top = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    } catch (JsonException $e) {
        throw new RuntimeException('не JSON: ' . $e->getMessage());
    }

    $st = new PlainScheduleState($zones);
    plain_collect($top, '', $st);
    unset($top);
    // A name pair may stand in another document of an array, or outside a wrapper.
    foreach ($st->names as [$code, $name]) {
        if (isset($st->filials[$code]) && $st->filials[$code]['name'] === null) {
            $st->filials[$code]['name'] = $name;
        }
    }

    // Assemble the result: filials in order of appearance, doctors in order, slots by doctor.
    $filials = [];
    $doctors = [];
    $slots = [];
    $bad = $st->bad;
    foreach ($st->filials as $code => $f) {
        $code = (string)$code;
        $filials[] = ['code' => $code, 'name' => $f['name'], 'timezone' => $f['tz']->getName()];
        foreach ($f['doctors'] as $dcode => $d) {
            // A start time the clocks jump over cannot be booked: that cell is left out.
            foreach ($d['gaps'] as [$path, $reason]) {
                $bad[] = ['filial' => $code, 'doctor' => (string)$dcode, 'path' => $path, 'message' => "$path: $reason"];
            }
            $doctors[] = $d['row'];
            foreach ($d['slots'] as $s) {
                $slots[] = $s;
            }
        }
    }
    return ['filials' => $filials, 'doctors' => $doctors, 'slots' => $slots, 'rejected' => $st->rejected,
        'bad_cells' => $bad];
}

/** What the parse has gathered so far, plus the caches. */
final class PlainScheduleState
{
    /** code => ['name' => ?string, 'tz' => DateTimeZone, 'doctors' => [code => ['row' => [], 'slots' => []]]] */
    public array $filials = [];
    public array $rejected = [];
    /** the bad cells of imported doctors, in document order (DST gaps are added at the end) */
    public array $bad = [];
    /** [code, name] pairs from every document, in order */
    public array $names = [];
    /** "filial\0doctor" => true for every rejected doctor */
    public array $rejectedKeys = [];
    /** @var array<string, DateTimeZone> */
    public array $zones;
    public DateTimeZone $defaultZone;
    public DateTimeZone $utc;
    /** "HH:MM" as sent => minutes since midnight, or false */
    public array $times = [];
    /** minutes => "HH:MM" */
    public array $hhmm = [];
    /** zone name => [date => local midnight as a UTC timestamp, false if not one offset all day] */
    public array $dayBase = [];
    /** timestamp => "YYYY-MM-DDTHH:MM:SSZ" */
    public array $utcText = [];
    /** date => bool */
    public array $dates = [];

    public function __construct(array $zones)
    {
        $this->zones = $zones;
        $this->defaultZone = new DateTimeZone(PLAIN_DEFAULT_ZONE);
        $this->utc = new DateTimeZone('UTC');
        for ($m = 0; $m < 1440; $m++) {
            $this->hhmm[$m] = sprintf('%02d:%02d', intdiv($m, 60), $m % 60);
        }
    }
}

function plain_kind($v): string
{
    if (is_array($v)) {
        return ($v !== [] && !array_is_list($v)) ? 'объект' : 'массив';
    }
    if (is_string($v)) {
        return 'строка';
    }
    if (is_bool($v)) {
        return 'логическое значение';
    }
    if ($v === null) {
        return 'null';
    }
    return 'число';
}

/** How a value reads in a (Russian) error message: "9:60", число 17, массив. */
function plain_describe($v): string
{
    if (is_string($v)) {
        return plain_quote($v);
    }
    if (is_bool($v)) {
        return $v ? 'true' : 'false';
    }
    if ($v === null) {
        return 'null';
    }
    if (is_int($v)) {
        return 'число ' . $v;
    }
    if (is_float($v)) {
        return 'число ' . plain_float_text($v);
    }
    return plain_kind($v);
}

/** A float as Rust prints it: shortest round-trip digits, never an exponent (12.0 → "12"). */
function plain_float_text(float $f): string
{
    $s = json_encode($f);   // shortest round-trip form (serialize_precision = -1)
    if (preg_match('/^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/i', $s, $m)) {
        $digits = $m[2] . rtrim($m[3] ?? '', '0');
        $point = 1 + (int)$m[4];   // digits before the decimal point
        if ($point >= strlen($digits)) {
            $s = $m[1] . str_pad($digits, $point, '0');
        } elseif ($point <= 0) {
            $s = $m[1] . '0.' . str_repeat('0', -$point) . $digits;
        } else {
            $s = $m[1] . substr($digits, 0, $point) . '.' . substr($digits, $point);
        }
    }
    return str_ends_with($s, '.0') ? substr($s, 0, -2) : $s;
}

function plain_quote(string $s): string
{
    return json_encode($s, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_LINE_TERMINATORS);
}

/** An array that json_decode made from a JSON object (or an empty one). */
function plain_is_object($v): bool
{
    return is_array($v) && ($v === [] || !array_is_list($v));
}

function plain_collect($top, string $path, PlainScheduleState $st): void
{
    if (is_array($top) && $top !== [] && array_is_list($top)) {
        foreach ($top as $i => $doc) {
            if (!plain_is_object($doc)) {
                throw new RuntimeException("{$path}[$i]: ожидался объект расписания, получено: " . plain_kind($doc));
            }
            plain_document($doc, "{$path}[$i]", $st);
        }
        return;
    }
    if ($top === []) {
        return; // [] (or {}): nothing in it
    }
    if (!is_array($top)) {
        throw new RuntimeException(($path === '' ? '(document)' : $path)
            . ': ожидался объект расписания или массив таких объектов, получено: ' . plain_kind($top));
    }
    plain_document($top, $path, $st);
}

function plain_join(string $path, string $field): string
{
    return $path === '' ? $field : "$path.$field";
}

function plain_document(array $doc, string $path, PlainScheduleState $st): void
{
    $names = [];
    foreach ($doc as $k => $v) {
        if ($k !== 'data' && $k !== 'schedule' && is_string($v)) {
            $names[(string)$k] = $v;
        }
    }
    if (!array_key_exists('data', $doc)) {
        if (array_key_exists('schedule', $doc)) {
            foreach ($names as $code => $name) {
                $st->names[] = [(string)$code, $name];
            }
            plain_collect($doc['schedule'], plain_join($path, 'schedule'), $st);
            return;
        }
        throw new RuntimeException(($path === '' ? '(document)' : $path)
            . ': нет объекта "data" (ожидалось {"<филиал>": "<название>", "data": {…}})');
    }
    $dataPath = plain_join($path, 'data');
    $data = $doc['data'];
    if (!plain_is_object($data)) {
        throw new RuntimeException("$dataPath: ожидался объект, получено: " . plain_kind($data));
    }
    foreach ($data as $fcode => $doctors) {
        $fcode = (string)$fcode;
        $fpath = $dataPath . '[' . plain_quote($fcode) . ']';
        if (!plain_is_object($doctors)) {
            throw new RuntimeException("$fpath: ожидался объект с врачами, получено: " . plain_kind($doctors));
        }
        if (!isset($st->filials[$fcode])) {
            $st->filials[$fcode] = [
                'name' => $names[$fcode] ?? null,
                'tz' => $st->zones[$fcode] ?? $st->defaultZone,
                'doctors' => [],
            ];
        }
        $tz = $st->filials[$fcode]['tz'];
        foreach ($doctors as $dcode => $raw) {
            $dcode = (string)$dcode;
            $dpath = $fpath . '[' . plain_quote($dcode) . ']';
            $key = $fcode . "\0" . $dcode;
            if (isset($st->filials[$fcode]['doctors'][$dcode]) || isset($st->rejectedKeys[$key])) {
                unset($st->filials[$fcode]['doctors'][$dcode]);
                plain_reject($st, $fcode, $dcode, $dpath, 'врач указан в этом филиале дважды');
                continue;
            }
            $res = plain_doctor($fcode, $dcode, $raw, $dpath, $tz, $st);
            if (is_string($res[0])) {
                plain_reject($st, $fcode, $dcode, $res[0], $res[1]);
            } else {
                foreach ($res[3] as [$path, $reason]) {
                    $st->bad[] = ['filial' => $fcode, 'doctor' => $dcode, 'path' => $path, 'message' => "$path: $reason"];
                }
                $st->filials[$fcode]['doctors'][$dcode] = ['row' => $res[0], 'slots' => $res[1], 'gaps' => $res[2]];
            }
        }
    }
    foreach ($names as $code => $name) {
        $st->names[] = [(string)$code, $name];
    }
}

function plain_reject(PlainScheduleState $st, string $filial, string $doctor, string $path, string $reason): void
{
    $st->rejectedKeys[$filial . "\0" . $doctor] = true;
    $st->rejected[] = ['filial' => $filial, 'doctor' => $doctor, 'path' => $path, 'message' => "$path: $reason"];
}

/** "Кардиолог, терапевт" → ["Кардиолог", "терапевт"]: trimmed, no empties, no repeats (any case). */
function plain_specialties(string $espec): array
{
    $out = [];
    $seen = [];
    foreach (preg_split('/[,;]/', $espec) as $part) {
        $p = implode(' ', preg_split('/\s+/u', $part, -1, PREG_SPLIT_NO_EMPTY));
        if ($p === '') {
            continue;
        }
        $lc = mb_strtolower($p, 'UTF-8');
        if (!isset($seen[$lc])) {
            $seen[$lc] = true;
            $out[] = $p;
        }
    }
    return $out;
}

/**
 * One doctor: [row, slots, gaps, bad] when fine, [path, reason] when rejected. bad: [path,
 * reason] of each bad cell, by index; gaps: the same for each good cell whose start a DST change
 * skips (listed after all the others).
 */
function plain_doctor(string $fcode, string $dcode, $raw, string $path, DateTimeZone $tz, PlainScheduleState $st): array
{
    if (!plain_is_object($raw)) {
        return [$path, 'ожидался объект врача, получено: ' . plain_kind($raw)];
    }
    $text = [];
    foreach (['efio', 'espec'] as $field) {
        $v = $raw[$field] ?? '';
        if (!is_string($v)) {
            return ["$path.$field", 'ожидалась строка, получено: ' . plain_describe($v)];
        }
        $text[$field] = $v;
    }
    if (!array_key_exists('cells', $raw)) {
        return ["$path.cells", 'отсутствует'];
    }
    $cells = $raw['cells'];
    if (!is_array($cells) || ($cells !== [] && !array_is_list($cells))) {
        return ["$path.cells", 'ожидался массив, получено: ' . plain_kind($cells)];
    }

    $zoneName = $tz->getName();
    if (!isset($st->dayBase[$zoneName])) {
        $st->dayBase[$zoneName] = [];
    }
    $base = &$st->dayBase[$zoneName];
    $times = &$st->times;
    $hhmm = $st->hhmm;
    $utcText = &$st->utcText;
    $dates = &$st->dates;

    $slots = [];
    $keys = [];          // [date, start, end] per good cell, for the overlap check
    $index = [];         // the index in cells[] of each good cell
    $gapAt = [];         // good cell => [date, start] when its start falls in a DST gap
    $bad = [];           // index => [path, reason]
    foreach ($cells as $i => $c) {
        // Fast path: a well-formed cell; anything odd goes to plain_cell_error() for the reason.
        if (!is_array($c)
            || !is_string($dt = $c['dt'] ?? null)
            || !($dates[$dt] ??= plain_valid_date($dt))
            || !is_string($ts = $c['time_start'] ?? null)
            || false === ($start = $times[$ts] ??= plain_time($ts))
            || !is_string($te = $c['time_end'] ?? null)
            || false === ($end = $times[$te] ??= plain_time($te))
            || !is_bool($free = $c['free'] ?? null)
            || !(is_string($room = $c['room'] ?? '') || (is_int($room) && ($room = (string)$room) !== '')
                || (is_float($room) && ($room = plain_float_text($room)) !== ''))
            || $start >= $end
        ) {
            $err = plain_cell_error($c, $st);
            $bad[$i] = ["$path.cells[$i]{$err[0]}", $err[1]];
            continue;
        }
        $b = $base[$dt] ?? null;
        if ($b === null) {
            $b = $base[$dt] = plain_day_base($dt, $tz, $st);
        }
        if ($b !== false) {
            $t0 = $b + $start * 60;
            $t1 = $b + $end * 60;
        } else {
            [$t0, $kind] = plain_local_to_utc($dt, $start, $tz, $st);
            [$t1] = plain_local_to_utc($dt, $end, $tz, $st);
            if ($kind === 0) {
                $gapAt[count($keys)] = [$dt, $start];
            }
        }
        $keys[] = [$dt, $start, $end];
        $index[] = $i;
        $slots[] = [
            'filial' => $fcode,
            'doctor' => $dcode,
            'date' => $dt,
            'time_start' => $hhmm[$start],
            'time_end' => $hhmm[$end],
            'start_utc' => $utcText[$t0] ??= gmdate('Y-m-d\TH:i:s\Z', $t0),
            'end_utc' => $utcText[$t1] ??= gmdate('Y-m-d\TH:i:s\Z', $t1),
            'free' => $free,
            'room' => $room,
        ];
    }
    foreach (plain_overlaps($keys) as $k => $o) {
        [$dk, $sk, $ek] = $keys[$k];
        [, $so, $eo] = $keys[$o];
        $bad[$index[$k]] = ["$path.cells[{$index[$k]}]", "$dk {$hhmm[$sk]}–{$hhmm[$ek]} пересекается с cells[{$index[$o]}] {$hhmm[$so]}–{$hhmm[$eo]}"];
        unset($slots[$k], $gapAt[$k]);
    }
    ksort($bad);
    $gaps = [];
    foreach ($gapAt as $k => [$dt, $start]) {
        unset($slots[$k]);
        $gaps[] = ["$path.cells[{$index[$k]}].time_start",
            "{$hhmm[$start]} $dt не существует в поясе $zoneName (перевод часов)"];
    }
    $row = [
        'filial' => $fcode,
        'code' => $dcode,
        'name' => $text['efio'],
        'specialties' => plain_specialties($text['espec']),
    ];
    return [$row, array_values($slots), $gaps, array_values($bad)];
}

/** Why a cell is bad: [field suffix, reason], checked in the extension's order. */
function plain_cell_error($c, PlainScheduleState $st): array
{
    if (!plain_is_object($c)) {
        return ['', 'ожидался объект ячейки, получено: ' . plain_kind($c)];
    }
    if (!array_key_exists('dt', $c)) {
        return ['.dt', 'отсутствует'];
    }
    if (!is_string($c['dt']) || !plain_valid_date($c['dt'])) {
        return ['.dt', plain_describe($c['dt']) . ' — не дата ГГГГ-ММ-ДД'];
    }
    $m = [];
    foreach (['time_start', 'time_end'] as $f) {
        if (!array_key_exists($f, $c)) {
            return [".$f", 'отсутствует'];
        }
        $m[$f] = is_string($c[$f]) ? plain_time($c[$f]) : false;
        if ($m[$f] === false) {
            return [".$f", plain_describe($c[$f]) . ' — не время ЧЧ:ММ'];
        }
    }
    if (!array_key_exists('free', $c)) {
        return ['.free', 'отсутствует'];
    }
    if (!is_bool($c['free'])) {
        return ['.free', 'ожидалось true или false, получено: ' . plain_describe($c['free'])];
    }
    $room = $c['room'] ?? null;
    if ($room !== null && !is_string($room) && !is_int($room) && !is_float($room)) {
        return ['.room', 'ожидалась строка, получено: ' . plain_describe($room)];
    }
    return ['', sprintf('time_start %s не раньше time_end %s',
        $st->hhmm[$m['time_start']], $st->hhmm[$m['time_end']])];
}

/** YYYY-MM-DD, a real calendar date. */
function plain_valid_date(string $s): bool
{
    return preg_match('/^(\d{4})-(\d\d)-(\d\d)$/D', $s, $m) === 1
        && checkdate((int)$m[2], (int)$m[3], (int)$m[1]);
}

/** HH:MM (also H:MM, HH:MM:SS) → minutes since midnight, or false. */
function plain_time(string $s)
{
    if (preg_match('/^(\d{1,2}):(\d\d)(?::[0-5]\d)?$/D', $s, $m) !== 1) {
        return false;
    }
    $h = (int)$m[1];
    $min = (int)$m[2];
    if ($h > 23 || $min > 59) {
        return false;
    }
    return $h * 60 + $min;
}

/** UTC offset (seconds) of a zone at a UTC timestamp. */
function plain_offset_at(DateTimeZone $tz, int $ts, PlainScheduleState $st): int
{
    static $probe = null;
    $probe ??= new DateTime('@0');
    return $tz->getOffset($probe->setTimestamp($ts));
}

/**
 * Local wall-clock time (as seconds, read as if UTC) → [UTC timestamp, kind]: kind 1 when the
 * time exists once, 2 when twice (the first is taken), 0 when it falls in a gap (read with the
 * offset in force before the gap, so it lands that much later).
 */
function plain_local_resolve(DateTimeZone $tz, int $local, PlainScheduleState $st): array
{
    $before = plain_offset_at($tz, $local - 86400, $st);
    $after = plain_offset_at($tz, $local + 86400, $st);
    $found = [];
    foreach (array_unique([$before, $after]) as $off) {
        if (plain_offset_at($tz, $local - $off, $st) === $off) {
            $found[] = $local - $off;
        }
    }
    if ($found === []) {
        return [$local - $before, 0];
    }
    return [min($found), count($found)];
}

/** A date's local midnight as a UTC timestamp, or false when the offset changes that day. */
function plain_day_base(string $date, DateTimeZone $tz, PlainScheduleState $st)
{
    $midnight = (new DateTimeImmutable($date . ' 00:00:00', $st->utc))->getTimestamp();
    [$t0, $kind0] = plain_local_resolve($tz, $midnight, $st);
    [$t1, $kind1] = plain_local_resolve($tz, $midnight + 86399, $st);
    if ($kind0 === 1 && $kind1 === 1 && ($midnight - $t0) === ($midnight + 86399 - $t1)) {
        return $t0;
    }
    return false;
}

/** [UTC timestamp, kind] as plain_local_resolve(). */
function plain_local_to_utc(string $date, int $minute, DateTimeZone $tz, PlainScheduleState $st): array
{
    $midnight = (new DateTimeImmutable($date . ' 00:00:00', $st->utc))->getTimestamp();
    return plain_local_resolve($tz, $midnight + $minute * 60, $st);
}

/**
 * The cells that overlap another: position => the first position it was found to overlap, by
 * the extension's sweep (in (date, start, end) order, against the cell that reaches furthest).
 */
function plain_overlaps(array $keys): array
{
    $n = count($keys);
    if ($n < 2) {
        return [];
    }
    $order = range(0, $n - 1);
    usort($order, fn($a, $b) => [$keys[$a], $a] <=> [$keys[$b], $b]);
    $found = [];
    $furthest = null;
    foreach ($order as $i) {
        if ($furthest !== null && $keys[$furthest][0] === $keys[$i][0] && $keys[$i][1] < $keys[$furthest][2]) {
            $found[$i] = min($found[$i] ?? $furthest, $furthest);
            $found[$furthest] = min($found[$furthest] ?? $i, $i);
            if ($keys[$i][2] > $keys[$furthest][2]) {
                $furthest = $i;
            }
        } else {
            $furthest = $i;
        }
    }
    ksort($found);
    return $found;
}
