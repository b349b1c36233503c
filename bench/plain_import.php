<?php
/**
 * The schedule import into MySQL written in plain PHP, the way a NetCat developer would: the
 * baseline of bench/import.sh.
 *
 *   json_decode($json, true), then in ONE transaction, for every (filial, doctor) of the
 *   snapshot: DELETE its rows, then INSERT every cell with a mysqli prepared statement
 *   (bound once, executed per row). UTC is computed with DateTime/DateTimeZone, one
 *   DateTimeZone per filial (cached). Cells that start before $nowUtc are skipped, as the
 *   extension drops past slots.
 *
 * No diffing: a snapshot where 1 % of the cells changed rewrites every row, like a full one.
 * Only the plain §1.1 document ({"<filial code>": "name", …, "data": {filial: {doctor:
 * {efio, espec, cells: [...]}}}}) is read; no validation beyond what the loop needs.
 *
 * The table (plain_create_table()): filial, doctor, date, local start/end, start_utc, end_utc,
 * free, room; primary key (filial, doctor, start_utc) — the same key as Priem_Slot.
 */

declare(strict_types=1);

const PLAIN_IMPORT_DEFAULT_ZONE = 'Europe/Moscow';

/** CREATE TABLE for the plain importer (and, with another name, for the LOAD DATA floor). */
function plain_create_table(mysqli $db, string $table): void
{
    $db->query("DROP TABLE IF EXISTS `$table`");
    $db->query("CREATE TABLE `$table` (
        filial     VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        doctor     VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        date       DATE NOT NULL,
        time_start TIME NOT NULL,
        time_end   TIME NOT NULL,
        start_utc  DATETIME NOT NULL,
        end_utc    DATETIME NOT NULL,
        free       TINYINT(1) NOT NULL,
        room       VARCHAR(255) NOT NULL DEFAULT '',
        PRIMARY KEY (filial, doctor, start_utc)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
}

/**
 * Imports one snapshot. $zones: filial code => IANA zone (default Europe/Moscow).
 * Returns ['cells' => rows inserted, 'deleted' => rows deleted, 'doctors' => doctors seen].
 */
function plain_import_schedule(mysqli $db, string $table, string $json, string $nowUtc, array $zones = []): array
{
    $doc = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    if (!is_array($doc) || !isset($doc['data']) || !is_array($doc['data'])) {
        throw new RuntimeException('not a schedule document: no "data"');
    }
    $utc = new DateTimeZone('UTC');
    $now = (new DateTime($nowUtc))->setTimezone($utc)->format('Y-m-d H:i:s');
    $zoneCache = [];

    $delete = $db->prepare("DELETE FROM `$table` WHERE filial = ? AND doctor = ?");
    $insert = $db->prepare("INSERT INTO `$table`
        (filial, doctor, date, time_start, time_end, start_utc, end_utc, free, room)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    $filial = $doctor = $date = $timeStart = $timeEnd = $startUtc = $endUtc = $room = '';
    $free = 0;
    $delete->bind_param('ss', $filial, $doctor);
    $insert->bind_param('sssssssis', $filial, $doctor, $date, $timeStart, $timeEnd, $startUtc, $endUtc, $free, $room);

    $cells = 0;
    $deleted = 0;
    $doctors = 0;
    $db->begin_transaction();
    try {
        foreach ($doc['data'] as $filialCode => $filialDoctors) {
            $filial = (string)$filialCode;
            $zone = $zoneCache[$filial] ??= new DateTimeZone($zones[$filial] ?? PLAIN_IMPORT_DEFAULT_ZONE);
            foreach ($filialDoctors as $doctorCode => $d) {
                $doctor = (string)$doctorCode;
                $doctors++;
                $delete->execute();
                $deleted += $delete->affected_rows;
                foreach ($d['cells'] ?? [] as $cell) {
                    $date = $cell['dt'];
                    $timeStart = $cell['time_start'];
                    $timeEnd = $cell['time_end'];
                    $t = new DateTime($date . ' ' . $timeStart, $zone);
                    $t->setTimezone($utc);
                    $startUtc = $t->format('Y-m-d H:i:s');
                    if ($startUtc < $now) {
                        continue;   // past: not offered any more
                    }
                    $t = new DateTime($date . ' ' . $timeEnd, $zone);
                    $t->setTimezone($utc);
                    $endUtc = $t->format('Y-m-d H:i:s');
                    $free = $cell['free'] ? 1 : 0;
                    $room = (string)($cell['room'] ?? '');
                    $insert->execute();
                    $cells++;
                }
            }
        }
        $db->commit();
    } catch (Throwable $e) {
        $db->rollback();
        throw $e;
    }
    $delete->close();
    $insert->close();
    return ['cells' => $cells, 'deleted' => $deleted, 'doctors' => $doctors];
}

/**
 * Writes the rows plain_import_schedule() would insert as a tab-separated file in the table's
 * column order (for LOAD DATA). Not timed by the benchmark. Returns the number of rows.
 */
function plain_write_tsv(string $json, string $file, string $nowUtc, array $zones = []): int
{
    $doc = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    $utc = new DateTimeZone('UTC');
    $now = (new DateTime($nowUtc))->setTimezone($utc)->format('Y-m-d H:i:s');
    $out = fopen($file, 'wb');
    if ($out === false) {
        throw new RuntimeException("cannot write $file");
    }
    $rows = 0;
    $buf = '';
    foreach ($doc['data'] as $filialCode => $filialDoctors) {
        $filial = (string)$filialCode;
        $zone = new DateTimeZone($zones[$filial] ?? PLAIN_IMPORT_DEFAULT_ZONE);
        foreach ($filialDoctors as $doctorCode => $d) {
            foreach ($d['cells'] ?? [] as $cell) {
                $t = new DateTime($cell['dt'] . ' ' . $cell['time_start'], $zone);
                $start = $t->setTimezone($utc)->format('Y-m-d H:i:s');
                if ($start < $now) {
                    continue;
                }
                $t = new DateTime($cell['dt'] . ' ' . $cell['time_end'], $zone);
                $end = $t->setTimezone($utc)->format('Y-m-d H:i:s');
                $room = strtr((string)($cell['room'] ?? ''), ["\\" => "\\\\", "\t" => "\\t", "\n" => "\\n"]);
                $buf .= $filial . "\t" . $doctorCode . "\t" . $cell['dt'] . "\t" . $cell['time_start'] . "\t"
                    . $cell['time_end'] . "\t" . $start . "\t" . $end . "\t" . ($cell['free'] ? 1 : 0) . "\t" . $room . "\n";
                $rows++;
                if (strlen($buf) > 1 << 20) {
                    fwrite($out, $buf);
                    $buf = '';
                }
            }
        }
    }
    fwrite($out, $buf);
    fclose($out);
    return $rows;
}
