<?php

/** «Состояние»: how the sync runs (cron), the last runs, a 14-day chart, the open alerts. */
class nc_priem_status_controller extends nc_priem_admin_controller
{
    protected $writes = array('rotate_cron_secret');

    protected function action_index(array $messages = array())
    {
        $settings = $this->priem->settings()->engine(true);
        $runs = priem_runs($settings);
        return $this->view('status', array(
            'messages' => $messages,
            'tls' => $this->priem->settings()->tls_notes(),
            'cron' => $this->cron($runs ? strtotime($runs[0]['started_at'] . ' UTC') : null),
            'runs' => $runs,
            'days' => priem_daily($settings, 14),
            'labels' => priem_booking_labels(),
            'reconciliation' => $this->reconciliation(),
            'alerts' => $this->view('alerts', array('title' => 'Открытые оповещения', 'alerts' => $this->alerts(null))),
        ));
    }

    /**
     * Where the upcoming bookings stand against the MIS's schedule (priem_reconciliation()), or
     * null when the extension cannot tell.
     */
    private function reconciliation()
    {
        if (nc_priem::extension_problem() !== null) {
            return null;
        }
        try {
            return priem_reconciliation($this->priem->settings()->engine());
        } catch (Throwable $e) {
            return null;
        }
    }

    /** «Сменить ключ»: a new key for cron.php; NetCat's task gets the new URL, the old one is refused. */
    protected function action_rotate_cron_secret()
    {
        $this->priem->settings()->rotate_cron_secret();
        return $this->action_index(array('ok' => 'Ключ cron.php сменён; задача планировщика NetCat получила новый адрес, старый больше не работает.'));
    }

    /**
     * How the engine's tick (import, retries, alert mails) is run now, for the cron view: 'state' —
     * none (never ran), stale (not for a while), netcat (NetCat's scheduler: an HTTP request every
     * N minutes) or system (something else, e.g. the system crontab with cli.php); the last run, the
     * scheduler's task and whether its URL carries the current key ('keyed'), and the crontab line
     * to recommend.
     *
     * @param int|null $last when the last sync run started (unix time)
     */
    private function cron($last)
    {
        $task = $this->netcat->cron_task(nc_priem_installer::CRON_URL);
        $every = $task && $task['minutes'] > 0 ? $task['minutes'] : 15;
        if ($last === null) {
            $state = 'none';
        } elseif (time() - $last > 60 * max(30, 2 * $every)) {
            $state = 'stale';
        } elseif ($task && $task['launched'] >= $last - 120) {
            $state = 'netcat';
        } else {
            $state = 'system';
        }
        return array('state' => $state, 'last' => $last, 'task' => $task,
            'keyed' => $task !== null && $task['url'] === $this->priem->settings()->cron_url(),
            'line' => nc_priem_installer::crontab_line($this->netcat->module_folder(), $this->netcat->site_url()));
    }

    /** A moment in the past in words: "03.12.2026 12:40 МСК, 5 мин назад". */
    public static function ago($time)
    {
        $minutes = (int)floor((time() - $time) / 60);
        return self::staff_time(gmdate('Y-m-d H:i:s', $time)) . ', '
            . ($minutes < 1 ? 'только что' : ($minutes < 120 ? $minutes . ' мин назад' : floor($minutes / 60) . ' ч назад'));
    }
}
