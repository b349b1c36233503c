<?php
/**
 * The grid endpoint in plain PHP — the baseline of bench/grid.sh: what a competent NetCat
 * developer would write without the extension, over the same tables the extension fills.
 *
 * - one persistent mysqli connection ("p:" host) per PHP process, prepared statements;
 * - the filial and the doctor in one query, the doctor's slots of the window with their holds
 *   (Priem_Slot LEFT JOIN Priem_Hold, by the primary key, ORDER BY start_utc) in another;
 * - the grid built in PHP with the rules of src/domain/grid.rs: the window is `$days` local days
 *   from the filial's "today" (zone from Priem_Filial.zone, DateTime/DateTimeZone); times that
 *   start sooner than now + min notice are left out; a held time that is free in the MIS is
 *   shown `free: false, held: true`; parts Утро (< 12:00) / День (12:00–16:59) / Вечер (≥ 17:00),
 *   only the parts that have times, in day order; every day of the window listed.
 *
 * Returns the same array as priem_grid() (same keys in the same order, same types), or null when
 * the filial or the doctor has no schedule (the extension throws Priem\NotFoundException). With
 * `$form`, the slots carry only what the booking form shows (time_start, time_end, free): the
 * `days` of priem_grid_json(), the answer api.php gives the widget.
 */

/** The connection: persistent, utf8mb4, errors as exceptions. */
function priem_plain_db(array $db)
{
    static $links = array();
    $key = implode('|', array($db['host'], $db['port'], $db['user'], $db['database']));
    if (!isset($links[$key])) {
        mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
        $m = new mysqli('p:' . $db['host'], $db['user'], $db['password'], $db['database'], (int)$db['port']);
        $m->set_charset('utf8mb4');
        $links[$key] = $m;
    }
    return $links[$key];
}

/**
 * @param mysqli $m
 * @param string $filial     MIS filial code
 * @param string $doctor     MIS doctor code
 * @param int    $now        UNIX time
 * @param int    $days       window length in local days
 * @param int    $min_notice minutes
 * @param bool   $form       the booking form's slots only
 * @return array|null
 */
function priem_plain_grid(mysqli $m, $filial, $doctor, $now, $days, $min_notice, $form = false)
{
    // prepared once per connection (per request under php-fpm, once per process in a CLI loop)
    static $stmts = array();
    $id = spl_object_id($m);
    if (!isset($stmts[$id])) {
        $stmts[$id] = array(
            $m->prepare('SELECT f.zone, f.name, d.name, d.specialties FROM Priem_Filial f '
                . 'LEFT JOIN Priem_Doctor d ON d.filial = f.code AND d.code = ? WHERE f.code = ?'),
            $m->prepare('SELECT s.date, s.start_min, s.end_min, s.start_utc, s.end_utc, s.free, s.room, '
                . 'h.booking_id IS NOT NULL AS held FROM Priem_Slot s LEFT JOIN Priem_Hold h '
                . 'ON h.filial = s.filial AND h.doctor = s.doctor AND h.start_utc = s.start_utc '
                . 'WHERE s.filial = ? AND s.doctor = ? AND s.start_utc >= ? AND s.start_utc < ? ORDER BY s.start_utc'),
        );
    }
    list($head, $slots) = $stmts[$id];

    $head->bind_param('ss', $doctor, $filial);
    $head->execute();
    $row = $head->get_result()->fetch_row();
    if ($row === null || $row[2] === null) {
        return null;
    }
    list($zone_name, $filial_name, $doctor_name, $specialties) = $row;

    static $zones = array();
    if (!isset($zones[$zone_name])) {
        $zones[$zone_name] = new DateTimeZone($zone_name === '' ? 'Europe/Moscow' : $zone_name);
    }
    $local = new DateTime('@' . $now);
    $local->setTimezone($zones[$zone_name]);
    $today = $local->format('Y-m-d');

    // every day of the window, index by date
    $out_days = array();
    $index = array();
    $t = strtotime($today . ' 12:00:00 UTC');
    for ($i = 0; $i < $days; $i++) {
        $date = gmdate('Y-m-d', $t + $i * 86400);
        $index[$date] = $i;
        $out_days[] = array('date' => $date, 'free' => 0, 'parts' => array());
    }

    $from = gmdate('Y-m-d H:i:s', $now + $min_notice * 60);
    $to = gmdate('Y-m-d H:i:s', $now + ($days + 1) * 86400);
    $slots->bind_param('ssss', $filial, $doctor, $from, $to);
    $slots->execute();
    $total = 0;
    $labels = array('morning' => 'Утро', 'afternoon' => 'День', 'evening' => 'Вечер');
    // $last[i]: the part key of day i's last part, $cur[i]: its index
    $last = array();
    foreach ($slots->get_result()->fetch_all(MYSQLI_NUM) as $s) {
        if (!isset($index[$s[0]])) {
            continue;
        }
        $i = $index[$s[0]];
        $start = (int)$s[1];
        $end = (int)$s[2];
        $part = $start < 720 ? 'morning' : ($start < 1020 ? 'afternoon' : 'evening');
        $held = $s[5] && $s[7];
        $free = $s[5] && !$held;
        if (!isset($last[$i]) || $last[$i] !== $part) {
            $out_days[$i]['parts'][] = array('part' => $part, 'label' => $labels[$part], 'slots' => array());
            $last[$i] = $part;
        }
        $out_days[$i]['parts'][count($out_days[$i]['parts']) - 1]['slots'][] = $form ? array(
            'time_start' => sprintf('%02d:%02d', intdiv($start, 60), $start % 60),
            'time_end' => sprintf('%02d:%02d', intdiv($end, 60), $end % 60),
            'free' => (bool)$free,
        ) : array(
            'time_start' => sprintf('%02d:%02d', intdiv($start, 60), $start % 60),
            'time_end' => sprintf('%02d:%02d', intdiv($end, 60), $end % 60),
            'start_utc' => str_replace(' ', 'T', $s[3]) . 'Z',
            'end_utc' => str_replace(' ', 'T', $s[4]) . 'Z',
            'free' => (bool)$free,
            'held' => (bool)$held,
            'room' => (string)$s[6],
        );
        if ($free) {
            $out_days[$i]['free']++;
            $total++;
        }
    }

    // "Кардиолог, Терапевт" → ['Кардиолог', 'Терапевт'] (as the extension splits the stored text)
    $specs = array();
    $seen = array();
    foreach (preg_split('/[,;]/', (string)$specialties) as $p) {
        $p = trim(preg_replace('/\s+/u', ' ', $p));
        $lower = mb_strtolower($p);
        if ($p !== '' && !isset($seen[$lower])) {
            $seen[$lower] = true;
            $specs[] = $p;
        }
    }

    return array(
        'filial' => $filial,
        'doctor' => $doctor,
        'filial_name' => $filial_name,
        'doctor_name' => $doctor_name,
        'specialties' => $specs,
        'timezone' => $zone_name === '' ? 'Europe/Moscow' : $zone_name,
        'free' => $total,
        'days' => $out_days,
    );
}
