<?php

/** «Состояние»: the last sync runs, a 14-day chart, the open alerts. */
class nc_priem_status_controller extends nc_priem_admin_controller
{
    protected function action_index()
    {
        $journal = new nc_priem_journal($this->netcat);
        return $this->view('status', array(
            'runs' => $journal->runs(),
            'days' => $journal->days(14),
            'alerts' => $this->view('alerts', array('title' => 'Открытые оповещения', 'alerts' => $this->alerts(null))),
        ));
    }

    /** A sync run's counters in words (Priem_SyncRun.counts). */
    public static function counts_summary(array $c)
    {
        $n = function ($k) use ($c) {
            return isset($c[$k]) ? (int)$c[$k] : 0;
        };
        $parts = array('файлов: ' . $n('files_imported') . ($n('files_failed') ? ' (+' . $n('files_failed') . ' с ошибкой)' : ''),
                       'слотов +' . $n('slots_inserted') . '/−' . $n('slots_deleted'));
        if ($n('doctors_rejected')) {
            $parts[] = 'врачей отклонено: ' . $n('doctors_rejected');
        }
        $sent = array();
        foreach (array('bookings_confirmed' => 'подтв.', 'bookings_refused' => 'отказ', 'bookings_dropped' => 'на FTP',
                       'bookings_unknown' => 'без ответа') as $k => $label) {
            if ($n($k)) {
                $sent[] = $label . ' ' . $n($k);
            }
        }
        if ($sent) {
            $parts[] = 'записи: ' . implode(', ', $sent);
        }
        if ($n('alerts_raised') || $n('alerts_resolved')) {
            $parts[] = 'оповещений: ' . $n('alerts_raised') . ($n('alerts_resolved') ? ', снято ' . $n('alerts_resolved') : '');
        }
        if ($n('mails_sent') || $n('mails_failed')) {
            $parts[] = 'писем: ' . $n('mails_sent') . ($n('mails_failed') ? ', не ушло ' . $n('mails_failed') : '');
        }
        if (isset($c['seconds'])) {
            $parts[] = number_format((float)$c['seconds'], 2, ',', '') . ' с';
        }
        return implode('; ', $parts);
    }
}
