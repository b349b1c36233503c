<?php

/**
 * The admin's reads of the core's tables: the bookings journal (the extension's priem_bookings),
 * the sync runs and the daily counts of the status chart. The module's only SQL on Priem_*
 * tables (runs and counts), kept in this one place until the core offers these reads as priem_*
 * functions (issue 14).
 */
class nc_priem_journal
{
    /** Booking status => its name for the clinic's staff. */
    const STATUSES = array('queued' => 'в очереди', 'sent' => 'отправлена', 'confirmed' => 'подтверждена',
                           'rejected' => 'отказ МИС', 'unknown' => 'ответ неизвестен', 'check' => 'проверить в МИС');

    /** Booking source => its name. */
    const SOURCES = array('site' => 'сайт', 'prodoctorov' => 'ПроДокторов');

    /** @var nc_priem_netcat */
    private $netcat;

    public function __construct(nc_priem_netcat $netcat)
    {
        $this->netcat = $netcat;
    }

    /**
     * The journal's filter from request parameters, only what is valid: source, status (keys
     * above), from and to (YYYY-MM-DD, creation day in UTC, both inclusive).
     */
    public function filter(array $query)
    {
        $out = array();
        foreach (array('source' => self::SOURCES, 'status' => self::STATUSES) as $key => $known) {
            if (isset($query[$key]) && is_string($query[$key]) && isset($known[$query[$key]])) {
                $out[$key] = $query[$key];
            }
        }
        foreach (array('from', 'to') as $key) {
            if (isset($query[$key]) && is_string($query[$key]) && preg_match('/^\d{4}-\d{2}-\d{2}$/', $query[$key])) {
                $out[$key] = $query[$key];
            }
        }
        return $out;
    }

    /**
     * The newest bookings (at most $limit) that match a filter(), from the extension: every phone
     * in the payload is masked there, at any depth (the v2 format's client.mobile_phone too).
     */
    public function bookings(array $engine_settings, array $filter, $limit = 200)
    {
        $rows = priem_bookings($engine_settings, $filter, (int)$limit);
        foreach ($rows as $i => $r) {
            $payload = json_decode((string)$r['payload'], true);
            $rows[$i]['payload'] = $payload !== null ? $payload : (string)$r['payload'];
        }
        return $rows;
    }

    /** The last sync runs, newest first; counts and errors decoded from their JSON. */
    public function runs($limit = 50)
    {
        $rows = $this->netcat->rows('SELECT `id`, `started_at`, `finished_at`, `status`, `file`, `counts`, `errors` '
            . 'FROM `Priem_SyncRun` ORDER BY `id` DESC LIMIT ' . (int)$limit);
        foreach ($rows as $i => $r) {
            $counts = json_decode((string)$r['counts'], true);
            $errors = json_decode((string)$r['errors'], true);
            $rows[$i]['counts'] = is_array($counts) ? $counts : array();
            $rows[$i]['errors'] = is_array($errors) ? array_map('strval', $errors) : array_filter(array((string)$r['errors']));
        }
        return $rows;
    }

    /**
     * The last $days days (UTC, oldest first): day => ['by' => status => bookings created that
     * day, 'files' => schedule files imported].
     */
    public function days($days = 14)
    {
        $out = array();
        for ($i = $days - 1; $i >= 0; $i--) {
            $out[gmdate('Y-m-d', time() - $i * 86400)] = array('by' => array(), 'files' => 0);
        }
        $since = 'UTC_DATE() - INTERVAL ' . ((int)$days - 1) . ' DAY';
        foreach ($this->netcat->rows('SELECT DATE(`created_at`) AS d, `status`, COUNT(*) AS n FROM `Priem_Booking` '
            . 'WHERE `created_at` >= ' . $since . ' GROUP BY d, `status`') as $r) {
            if (isset($out[$r['d']]) && isset(self::STATUSES[$r['status']])) {
                $out[$r['d']]['by'][$r['status']] = (int)$r['n'];
            }
        }
        foreach ($this->netcat->rows('SELECT DATE(`started_at`) AS d, `counts` FROM `Priem_SyncRun` WHERE `started_at` >= ' . $since) as $r) {
            $c = json_decode((string)$r['counts'], true);
            if (isset($out[$r['d']]) && is_array($c) && isset($c['files_imported'])) {
                $out[$r['d']]['files'] += (int)$c['files_imported'];
            }
        }
        return $out;
    }
}
