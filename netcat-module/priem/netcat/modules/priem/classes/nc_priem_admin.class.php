<?php

/**
 * The admin pages' logic and markup (plain PHP; admin.php wraps it in NetCat's admin chrome):
 * Settings (form, "Добавить поле «Код МИС»"), Status (sync runs, open alerts), Bookings (journal
 * with filters), Codes (MIS codes with no card, cards the MIS never mentions).
 * Every POST needs the admin token; secrets are never written into the page.
 */
class nc_priem_admin
{
    /** @var nc_priem */
    private $priem;

    /** Code-check alert kinds of the engine (src/engine/alert.rs). */
    private static $code_kinds = array('unknown_filial', 'unknown_doctor', 'filial_card_not_in_mis', 'doctor_card_not_in_mis');

    public function __construct(nc_priem $priem)
    {
        $this->priem = $priem;
    }

    /** @return array view => lang constant of its tab caption */
    public static function views()
    {
        return array('settings' => 'NETCAT_MODULE_PRIEM_TAB_SETTINGS', 'status' => 'NETCAT_MODULE_PRIEM_TAB_STATUS',
                     'bookings' => 'NETCAT_MODULE_PRIEM_TAB_BOOKINGS', 'codes' => 'NETCAT_MODULE_PRIEM_TAB_CODES',
                     'prodoctorov' => 'NETCAT_MODULE_PRIEM_TAB_PRODOCTOROV');
    }

    public static function has_view($view)
    {
        return is_string($view) && array_key_exists($view, self::views());
    }

    /**
     * Handles a POST of the settings page.
     *
     * @return array ['ok' => message] or ['error' => message, 'fields' => field => message]
     */
    public function handle_post($view, array $post, $token_ok)
    {
        if (!$token_ok) {
            return array('error' => self::text('NETCAT_MODULE_PRIEM_BAD_TOKEN', 'Неверный токен формы'));
        }
        $action = isset($post['action']) ? (string)$post['action'] : 'save';
        if ($view === 'bookings' && $action === 'retry') {
            return $this->retry(isset($post['id']) ? $post['id'] : '');
        }
        if ($view === 'prodoctorov') {
            return $this->prodoctorov_post($action, $post);
        }
        if ($view !== 'settings') {
            return array('error' => 'Нет такого действия');
        }
        if ($action === 'check') {
            return $this->check(isset($post['what']) ? (string)$post['what'] : '');
        }
        if ($action === 'save') {
            $errors = $this->priem->settings()->save_form($post);
            return $errors ? array('error' => 'Настройки не сохранены: исправьте поля', 'fields' => $errors)
                           : array('ok' => self::text('NETCAT_MODULE_PRIEM_SAVED', 'Настройки сохранены'));
        }
        if ($action === 'add_fields') {
            $result = $this->priem->fields()->ensure_configured();
            if (!$result) {
                return array('error' => 'Сначала выберите и сохраните компоненты клиник и врачей');
            }
            $lines = array();
            foreach ($result as $role => $r) {
                $who = $role === 'clinic' ? 'Клиники' : 'Врачи';
                if (is_string($r)) {
                    $lines[] = $who . ': ' . $r;
                    continue;
                }
                foreach ($r as $field => $state) {
                    $lines[] = $who . ': поле ' . $field . ($state === 'added' ? ' добавлено' : ' уже есть');
                }
            }
            return array('ok' => implode('; ', $lines));
        }
        if ($action === 'create_components') {
            try {
                $result = $this->priem->fields()->create_components();
            } catch (RuntimeException $e) {
                return array('error' => $e->getMessage());
            }
            $lines = array();
            foreach ($result as $role => $state) {
                $name = isset(nc_priem_fields::$shipped[$role]) ? nc_priem_fields::$shipped[$role][1] : nc_priem_fields::BOOKING_NAME;
                $lines[] = '«' . $name . '»' . ($state === 'created' ? ': компонент создан' : ': компонент уже есть');
            }
            return array('ok' => implode('; ', $lines));
        }
        return array('error' => 'Нет такого действия');
    }

    /** Booking source => its name in the journal. */
    private static $source_names = array('site' => 'сайт', 'prodoctorov' => 'ПроДокторов');

    /** Booking status => its name in the journal. */
    private static $status_names = array('queued' => 'в очереди', 'sent' => 'отправлена', 'confirmed' => 'подтверждена',
                                         'rejected' => 'отказ МИС', 'unknown' => 'ответ неизвестен');

    /** "Проверить соединение" caption => what priem_check() checks. */
    private static $checks = array('ftp' => 'FTP', 'mis' => 'МИС', 'mail' => 'SMTP (тестовое письмо)');

    /**
     * "Проверить соединение": one priem_check() with the stored settings. The answer is the
     * extension's Russian message; stored secrets are masked in it, just in case a server echoes one.
     */
    private function check($what)
    {
        if (!array_key_exists($what, self::$checks)) {
            return array('error' => 'Нет такой проверки');
        }
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            return array('error' => $problem);
        }
        $title = 'Проверка ' . self::$checks[$what] . ': ';
        try {
            $r = priem_check($this->priem->settings()->engine(), $what);
        } catch (Exception $e) {
            return array('error' => $title . $this->without_secrets($e->getMessage()));
        } catch (Error $e) {
            return array('error' => $title . $this->without_secrets($e->getMessage()));
        }
        $message = $title . $this->without_secrets(isset($r['message']) ? (string)$r['message'] : '');
        return !empty($r['ok']) ? array('ok' => $message) : array('error' => $message);
    }

    /** "Повторить отправку" of one booking (unknown or queued) through priem_retry(). */
    private function retry($id)
    {
        if (!is_scalar($id) || !preg_match('/^[1-9][0-9]{0,17}$/', (string)$id)) {
            return array('error' => 'Не указан номер записи');
        }
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            return array('error' => $problem);
        }
        $n = 'Запись №' . $id . ': ';
        try {
            $r = priem_retry($this->priem->settings()->engine(), (int)$id);
        } catch (Exception $e) {
            return array('error' => $n . $this->without_secrets($e->getMessage()));
        } catch (Error $e) {
            return array('error' => $n . $this->without_secrets($e->getMessage()));
        }
        $result = isset($r['result']) ? (string)$r['result'] : '';
        $message = isset($r['message']) ? $this->without_secrets((string)$r['message']) : '';
        switch ($result) {
            case 'confirmed':
                return array('ok' => $n . 'МИС подтвердила запись', 'result' => $result);
            case 'dropped':
                return array('ok' => $n . 'файл заявки выложен на FTP, ответ МИС придёт файлом', 'result' => $result);
            case 'refused':
                return array('error' => $n . 'МИС отказала' . ($message !== '' ? ': ' . $message : ''), 'result' => $result);
            case 'unknown':
                return array('error' => $n . 'ответ МИС снова неизвестен' . ($message !== '' ? ': ' . $message : ''), 'result' => $result);
            default:
                return array('error' => $n . 'не отправлена — её нет, она уже не ждёт отправки (не «unknown»/«queued») '
                    . 'или передача в МИС не настроена', 'result' => 'skipped');
        }
    }

    /** The message with every stored password or token replaced by ***. */
    private function without_secrets($message)
    {
        foreach (nc_priem_settings::$secrets as $key) {
            $secret = (string)$this->priem->settings()->get($key);
            if (strlen($secret) >= 3) {
                $message = str_replace($secret, '***', $message);
            }
        }
        return $message;
    }

    /** The page body for a view. */
    public function render($view, array $query, $token_input, array $messages = array())
    {
        $html = '';
        if (!empty($messages['ok'])) {
            $html .= '<div class="nc-alert nc--green">' . self::h($messages['ok']) . '</div>';
        }
        if (!empty($messages['error'])) {
            $html .= '<div class="nc-alert nc--red">' . self::h($messages['error']) . '</div>';
        }
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            $html .= '<div class="nc-alert nc--red">' . self::h($problem) . '</div>';
            if ($view !== 'settings') {
                return $html;
            }
        }
        switch ($view) {
            case 'status':
                return $html . $this->status();
            case 'bookings':
                return $html . $this->bookings($query, $token_input);
            case 'codes':
                return $html . $this->codes();
            case 'prodoctorov':
                return $html . $this->prodoctorov($query, $token_input, isset($messages['fields']) ? $messages['fields'] : array());
            default:
                return $html . $this->settings_form($token_input, isset($messages['fields']) ? $messages['fields'] : array());
        }
    }

    private function settings_form($token_input, array $errors)
    {
        $v = $this->priem->settings()->for_form();
        $components = $this->priem->netcat()->components();
        foreach (array('ClinicComponent', 'DoctorComponent') as $key) {
            // a keyword in the settings (stable across sites) selects its component in the list
            if ($v[$key] !== '' && !ctype_digit((string)$v[$key])) {
                $id = $this->priem->netcat()->component_id($v[$key]);
                if ($id) {
                    $v[$key] = (string)$id;
                }
            }
        }
        $groups = array(
            'FTP (расписание из МИС)' => array(
                'FtpHost' => array('Сервер', 'text'), 'FtpPort' => array('Порт', 'text'), 'FtpUser' => array('Логин', 'text'),
                'FtpPassword' => array('Пароль', 'password'), 'FtpDirectory' => array('Папка', 'text'),
                'FtpTls' => array('FTPS (явный TLS)', 'checkbox'),
                'FtpAfterImport' => array('Файл после импорта', array('move' => 'перенести в processed/', 'delete' => 'удалить')),
            ),
            'Передача записей в МИС' => array(
                'MisTransport' => array('Способ', array('http' => 'HTTP POST', 'ftp' => 'файл на FTP')),
                'MisFormat' => array('Формат', array('prodoctorov' => 'ПроДокторов (прямая запись)', 'v2' => 'v2 / MedFlex')),
                'MisUrl' => array('Адрес МИС', 'text'), 'MisUser' => array('Логин (Basic)', 'text'),
                'MisPassword' => array('Пароль (Basic)', 'password'), 'MisToken' => array('Токен', 'password'),
                'MisTimeout' => array('Таймаут, с (1–10)', 'text'),
            ),
            'Почта для оповещений' => array(
                'MailHost' => array('SMTP-сервер', 'text'), 'MailPort' => array('Порт', 'text'),
                'MailSecurity' => array('Защита', array('tls' => 'TLS', 'starttls' => 'STARTTLS', 'none' => 'нет')),
                'MailUser' => array('Логин', 'text'), 'MailPassword' => array('Пароль', 'password'),
                'MailFrom' => array('Отправитель', 'text'), 'MailTo' => array('Получатели (через запятую)', 'text'),
                'MailRemindHours' => array('Напоминать каждые, ч', 'text'),
            ),
            'Запись' => array(
                'BookingHorizonDays' => array('Дней вперёд', 'text'), 'BookingMinNotice' => array('Не раньше чем через, мин', 'text'),
                'BookingAnswerTimeout' => array('Ждать ответа МИС (FTP), мин', 'text'),
            ),
            'Форма записи на сайте' => array(
                'ClinicPhone' => array('Телефон клиники (если в карточке нет)', 'text'),
                'PolicyUrl' => array('Страница политики персональных данных', 'text'),
                'ConsentVersion' => array('Версия текста согласия', 'text'),
                'FormMinSeconds' => array('Не быстрее, с (защита от роботов)', 'text'),
                'RateLimitIp' => array('Попыток с одного адреса за 10 мин', 'text'),
                'RateLimitPhone' => array('Записей на один телефон в сутки', 'text'),
                'CaptchaSiteKey' => array('SmartCaptcha: ключ клиента', 'text'),
                'CaptchaServerKey' => array('SmartCaptcha: ключ сервера', 'password'),
            ),
            'Карточки клиник и врачей' => array(
                'ClinicComponent' => array('Компонент клиник', array('' => '—') + $components),
                'DoctorComponent' => array('Компонент врачей', array('' => '—') + $components),
                'CodeField' => array('Поле кода МИС', 'text'), 'TimezoneField' => array('Поле часового пояса', 'text'),
            ),
            'Приём расписания по HTTP (как у ПроДокторов)' => array(
                'PushLogin' => array('Логин', 'text'), 'PushPassword' => array('Пароль', 'password'),
                'PushToken' => array('Токен (v2)', 'password'),
            ),
        );
        $html = '<form method="post" action="?view=settings" class="nc-form">' . $token_input
            . '<input type="hidden" name="action" value="save">' . $this->fieldsets($groups, $v, $errors);
        $html .= '<p>Несколько кодов на одной карточке — через запятую: «0042, 0107»; код врача только для одного филиала — «1:0042».</p>'
            . '<button type="submit" class="nc-btn nc--blue">' . self::h(self::text('NETCAT_MODULE_PRIEM_SAVE', 'Сохранить')) . '</button></form>'
            . $this->check_buttons($token_input)
            . '<form method="post" action="?view=settings">' . $token_input . '<input type="hidden" name="action" value="add_fields">'
            . '<button type="submit" class="nc-btn">' . self::h(self::text('NETCAT_MODULE_PRIEM_ADD_FIELD', 'Добавить поле «Код МИС»')) . '</button></form>'
            . '<form method="post" action="?view=settings">' . $token_input . '<input type="hidden" name="action" value="create_components">'
            . '<button type="submit" class="nc-btn">Создать компоненты «Клиники» и «Врачи»</button> '
            . '<small>для сайта, где клиник и врачей ещё нет</small></form>';
        return $html;
    }

    /** Settings groups as fieldsets: title => [key => [label, type]]. */
    private function fieldsets(array $groups, array $v, array $errors)
    {
        $html = '';
        foreach ($groups as $title => $fields) {
            $html .= '<fieldset><legend>' . self::h($title) . '</legend><table class="nc-table">'
                . '<colgroup><col style="width:240px"><col></colgroup>';
            foreach ($fields as $key => $spec) {
                $html .= '<tr><td><label for="priem_' . $key . '">' . self::h($spec[0]) . '</label></td><td>'
                    . $this->input($key, $spec[1], $v) . (isset($errors[$key]) ? ' <span class="nc-text-red">' . self::h($errors[$key]) . '</span>' : '')
                    . '</td></tr>';
            }
            $html .= '</table></fieldset>';
        }
        return $html;
    }

    /** "Проверить соединение" for FTP, MIS and SMTP: each its own POST form (stored settings are checked). */
    private function check_buttons($token_input)
    {
        $html = '<fieldset class="priem-checks"><legend>Проверить соединение</legend>'
            . '<p><small>Проверяются сохранённые настройки: сначала сохраните изменения. Проверка SMTP отправляет тестовое письмо получателям.</small></p>';
        foreach (self::$checks as $what => $label) {
            $html .= '<form method="post" action="?view=settings" style="display:inline-block;margin:0 8px 8px 0">' . $token_input
                . '<input type="hidden" name="action" value="check"><input type="hidden" name="what" value="' . $what . '">'
                . '<button type="submit" class="nc-btn">Проверить соединение: ' . self::h($label) . '</button></form>';
        }
        return $html . '</fieldset>';
    }

    private function input($key, $type, array $v)
    {
        $id = ' id="priem_' . $key . '" name="' . $key . '"';
        if (is_array($type)) {
            $html = '<select' . $id . '>';
            foreach ($type as $value => $label) {
                $html .= '<option value="' . self::h((string)$value) . '"' . ((string)$value === (string)$v[$key] ? ' selected' : '') . '>'
                    . self::h($label) . '</option>';
            }
            return $html . '</select>';
        }
        if ($type === 'checkbox') {
            // the hidden 0 is what an unchecked box submits
            return '<input type="hidden" name="' . $key . '" value="0"><input type="checkbox" value="1"' . $id
                . ($v[$key] === '1' ? ' checked' : '') . '>';
        }
        if ($type === 'textarea') {
            return '<textarea rows="3" cols="50"' . $id . '>' . self::h($v[$key]) . '</textarea>';
        }
        if ($type === 'password') {
            // never echoed: blank keeps the stored value
            $note = $v[$key . '_set'] ? ' <small>' . self::h(self::text('NETCAT_MODULE_PRIEM_PASSWORD_KEPT', 'задан')) . '</small>'
                . ' <label><input type="checkbox" name="' . $key . '_clear" value="1"> очистить</label>' : '';
            return '<input type="password" autocomplete="new-password" value=""' . $id . '>' . $note;
        }
        return '<input type="text" value="' . self::h($v[$key]) . '"' . $id . '>';
    }

    private function status()
    {
        $netcat = $this->priem->netcat();
        $runs = $netcat->rows('SELECT `id`, `started_at`, `finished_at`, `status`, `file`, `counts`, `errors` FROM `Priem_SyncRun` '
            . 'ORDER BY `id` DESC LIMIT 50');
        $html = '<h3>Последние запуски</h3><table class="nc-table nc--striped"><tr><th>Начало (UTC)</th><th>Итог</th>'
            . '<th>Файл</th><th>Что сделано</th><th>Ошибки</th></tr>';
        foreach ($runs as $r) {
            $html .= '<tr><td style="white-space:nowrap">' . self::h($r['started_at']) . '</td><td>' . self::h($r['status']) . '</td><td>'
                . self::h((string)$r['file']) . '</td><td>' . self::h(self::counts_summary((string)$r['counts'])) . '</td><td>'
                . self::h(self::errors_summary((string)$r['errors'])) . '</td></tr>';
        }
        $html .= ($runs ? '' : '<tr><td colspan="5">Запусков ещё не было</td></tr>') . '</table>';
        $days = $netcat->rows('SELECT DATE(`created_at`) AS d, `status`, COUNT(*) AS n FROM `Priem_Booking` '
            . 'WHERE `created_at` >= UTC_DATE() - INTERVAL 13 DAY GROUP BY d, `status` ORDER BY d');
        $imports = $netcat->rows('SELECT DATE(`started_at`) AS d, `counts` FROM `Priem_SyncRun` '
            . 'WHERE `started_at` >= UTC_DATE() - INTERVAL 13 DAY');
        return $html . $this->chart($days, $imports) . $this->alerts_table('Открытые оповещения', null);
    }

    /** Bookings by outcome and imported files, per day (UTC) of the last 14 days: plain HTML bars. */
    private function chart(array $bookings, array $runs)
    {
        $colors = array('confirmed' => '#4caf50', 'rejected' => '#e57373', 'unknown' => '#ffb74d', 'sent' => '#64b5f6', 'queued' => '#b0bec5');
        $names = array('confirmed' => 'подтверждены', 'rejected' => 'отказ МИС', 'unknown' => 'ответ неизвестен',
                       'sent' => 'отправлены', 'queued' => 'в очереди');
        $days = array();
        for ($i = 13; $i >= 0; $i--) {
            $days[gmdate('Y-m-d', time() - $i * 86400)] = array('files' => 0, 'by' => array());
        }
        foreach ($bookings as $r) {
            if (isset($days[$r['d']]) && isset($colors[$r['status']])) {
                $days[$r['d']]['by'][$r['status']] = (int)$r['n'];
            }
        }
        foreach ($runs as $r) {
            $c = json_decode((string)$r['counts'], true);
            if (isset($days[$r['d']]) && is_array($c) && isset($c['files_imported'])) {
                $days[$r['d']]['files'] += (int)$c['files_imported'];
            }
        }
        $max = 1;
        foreach ($days as $d) {
            $max = max($max, array_sum($d['by']), $d['files']);
        }
        $html = '<h3>Последние 14 дней</h3><table class="nc-table" style="border-collapse:collapse"><tr>';
        foreach ($days as $date => $d) {
            $bar = '';
            foreach ($colors as $status => $color) {
                if (!empty($d['by'][$status])) {
                    $bar .= '<div title="' . self::h($names[$status] . ': ' . $d['by'][$status]) . '" style="background:' . $color
                        . ';height:' . max(3, (int)round(90 * $d['by'][$status] / $max)) . 'px"></div>';
                }
            }
            $files = $d['files'] ? '<div title="файлов расписания: ' . $d['files'] . '" style="background:#7e57c2;height:'
                . max(3, (int)round(90 * $d['files'] / $max)) . 'px"></div>' : '';
            $html .= '<td style="vertical-align:bottom;padding:0 3px;text-align:center">'
                . '<div style="display:flex;align-items:flex-end;gap:2px;height:92px">'
                . '<div style="width:16px">' . $bar . '</div><div style="width:8px">' . $files . '</div></div>'
                . '<small>' . self::h(substr($date, 8, 2) . '.' . substr($date, 5, 2)) . '</small></td>';
        }
        $html .= '</tr></table><p><small>';
        foreach ($colors as $status => $color) {
            $html .= '<span style="display:inline-block;width:10px;height:10px;background:' . $color . '"></span> '
                . self::h($names[$status]) . ' &nbsp; ';
        }
        return $html . '<span style="display:inline-block;width:10px;height:10px;background:#7e57c2"></span> файлы расписания'
            . ' (записи — по дню создания, UTC)</small></p>';
    }

    /** A sync run's counters in words (the JSON of Priem_SyncRun.counts). */
    private static function counts_summary($json)
    {
        $c = json_decode($json, true);
        if (!is_array($c)) {
            return $json;
        }
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

    /** Priem_SyncRun.errors: a JSON list or text. */
    private static function errors_summary($errors)
    {
        $list = json_decode($errors, true);
        return is_array($list) ? implode('; ', array_map('strval', $list)) : $errors;
    }

    /**
     * An alert's stored text (subject, blank line, the letter) for the page: the subject in bold,
     * then what happened and what to do — without the letter's "Когда:" (the table has the times)
     * and its signature.
     */
    private static function alert_html($text)
    {
        $paragraphs = preg_split('/\n\s*\n/', trim((string)$text));
        $subject = trim((string)array_shift($paragraphs));
        $html = '<b>' . self::h($subject) . '</b>';
        foreach ($paragraphs as $p) {
            $p = trim($p);
            if ($p === '' || rtrim($p, '.') === rtrim($subject, '.') || strpos($p, 'Когда:') === 0 || strpos($p, '— ') === 0) {
                continue;
            }
            $html .= '<br>' . nl2br(self::h($p), false);
        }
        return $html;
    }

    /** 2026-11-28T01:48:17Z → 2026-11-28 01:48 UTC */
    private static function utc($t)
    {
        return preg_match('/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/', (string)$t, $m) ? $m[1] . ' ' . $m[2] : (string)$t;
    }

    private function alerts_table($title, $kinds)
    {
        $alerts = priem_alerts($this->priem->settings()->engine());
        $html = '<h3>' . self::h($title) . '</h3><table class="nc-table nc--striped"><tr><th>Что</th><th>Впервые (UTC)</th>'
            . '<th>Последний раз (UTC)</th><th>Писем</th></tr>';
        $n = 0;
        foreach ($alerts as $a) {
            if ($kinds !== null && !in_array($a['kind'], $kinds, true)) {
                continue;
            }
            $n++;
            $html .= '<tr><td>' . self::alert_html($a['text']) . '</td><td style="white-space:nowrap">' . self::h(self::utc($a['first_seen']))
                . '</td><td style="white-space:nowrap">' . self::h(self::utc($a['last_seen'])) . '</td><td>' . (int)$a['mails'] . '</td></tr>';
        }
        return $html . ($n ? '' : '<tr><td colspan="4">Нет</td></tr>') . '</table>';
    }

    private function bookings(array $query, $token_input = '', $view = 'bookings')
    {
        $netcat = $this->priem->netcat();
        $statuses = array('queued', 'sent', 'confirmed', 'rejected', 'unknown');
        $where = array('1');
        $source = isset($query['source']) && isset(self::$source_names[$query['source']]) ? $query['source'] : '';
        if ($source !== '') {
            $where[] = '`source` = ' . $netcat->quote($source);
        }
        $status = isset($query['status']) && in_array($query['status'], $statuses, true) ? $query['status'] : '';
        if ($status !== '') {
            $where[] = '`status` = ' . $netcat->quote($status);
        }
        foreach (array('from' => '>=', 'to' => '<') as $k => $op) {
            if (!empty($query[$k]) && preg_match('/^\d{4}-\d{2}-\d{2}$/', (string)$query[$k])) {
                $date = $k === 'to' ? date('Y-m-d', strtotime($query[$k] . ' +1 day')) : $query[$k];
                $where[] = '`created_at` ' . $op . ' ' . $netcat->quote($date);
            }
        }
        $rows = $netcat->rows('SELECT `id`, `status`, `filial`, `doctor`, `start_utc`, `created_at`, `attempts`, `last_error`, '
            . '`payload`, `phone_masked`, `source` FROM `Priem_Booking` WHERE ' . implode(' AND ', $where) . ' ORDER BY `id` DESC LIMIT 200');
        $html = '<form method="get"><input type="hidden" name="view" value="' . self::h($view) . '">';
        if ($view === 'bookings') {
            $html .= '<select name="source"><option value="">все источники</option>';
            foreach (self::$source_names as $s => $name) {
                $html .= '<option value="' . $s . '"' . ($s === $source ? ' selected' : '') . '>' . self::h($name) . '</option>';
            }
            $html .= '</select> ';
        } else {
            $html .= '<input type="hidden" name="source" value="' . self::h($source) . '">';
        }
        $html .= '<select name="status"><option value="">все</option>';
        foreach ($statuses as $s) {
            $html .= '<option value="' . $s . '"' . ($s === $status ? ' selected' : '') . '>' . self::h(self::$status_names[$s]) . '</option>';
        }
        $html .= '</select> с <input type="date" name="from" value="' . self::h(isset($query['from']) ? (string)$query['from'] : '')
            . '"> по <input type="date" name="to" value="' . self::h(isset($query['to']) ? (string)$query['to'] : '')
            . '"> <button type="submit" class="nc-btn">Показать</button></form>'
            . '<table class="nc-table nc--striped"><tr><th>№</th><th>Создана (UTC)</th><th>Источник</th><th>Статус</th><th>Филиал / врач</th>'
            . '<th>Приём (UTC)</th><th>Телефон</th><th>Попыток</th><th>Ответ МИС / ошибка</th><th>Отправлено в МИС</th><th></th></tr>';
        $back = '?' . http_build_query(array('view' => 'bookings') + array_intersect_key($query, array('source' => 1, 'status' => 1, 'from' => 1, 'to' => 1)));
        foreach ($rows as $r) {
            $payload = json_decode((string)$r['payload'], true);
            if (is_array($payload) && isset($payload['phone'])) {
                $payload['phone'] = $r['phone_masked']; // the journal shows masked numbers only
            }
            $html .= '<tr><td>' . (int)$r['id'] . '</td><td style="white-space:nowrap">' . self::h($r['created_at']) . '</td><td>'
                . self::h(isset(self::$source_names[$r['source']]) ? self::$source_names[$r['source']] : $r['source'])
                . '</td><td title="' . self::h($r['status']) . '">'
                . self::h(isset(self::$status_names[$r['status']]) ? self::$status_names[$r['status']] : $r['status'])
                . '</td><td>' . self::h($r['filial'] . ' / ' . $r['doctor']) . '</td><td style="white-space:nowrap">' . self::h($r['start_utc']) . '</td><td>'
                . self::h($r['phone_masked']) . '</td><td>' . (int)$r['attempts'] . '</td><td>' . self::h((string)$r['last_error'])
                . '</td><td><details><summary>JSON</summary><pre>'
                . self::h(json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT)) . '</pre></details></td><td>'
                . (in_array($r['status'], array('unknown', 'queued'), true)
                    ? '<form method="post" action="' . self::h($back) . '">' . $token_input
                      . '<input type="hidden" name="action" value="retry"><input type="hidden" name="id" value="' . (int)$r['id'] . '">'
                      . '<button type="submit" class="nc-btn nc--small" style="white-space:nowrap">Повторить отправку</button></form>'
                    : '')
                . '</td></tr>';
        }
        return $html . (count($rows) ? '' : '<tr><td colspan="11">Записей нет</td></tr>') . '</table>';
    }

    /** ProDoctorov tab: "save" (its settings) or "upload" (now, even when unchanged). */
    private function prodoctorov_post($action, array $post)
    {
        if ($action === 'save') {
            $errors = $this->priem->settings()->save_form(array_intersect_key($post, self::$pd_fields));
            return $errors ? array('error' => 'Настройки не сохранены: исправьте поля', 'fields' => $errors)
                           : array('ok' => self::text('NETCAT_MODULE_PRIEM_SAVED', 'Настройки сохранены'));
        }
        if ($action === 'upload') {
            try {
                $r = priem_prodoctorov_upload($this->priem->settings()->engine(), true);
            } catch (\Priem\Exception $e) {
                return array('error' => 'Выгрузка не выполнена: ' . $this->without_secrets($e->getMessage()));
            }
            $line = 'Расписание: ' . (int)$r['filials'] . ' филиал(ов), ' . (int)$r['doctors'] . ' врач(ей), '
                . (int)$r['cells'] . ' ячеек, ' . number_format((int)$r['bytes'] / 1024, 1, ',', ' ') . ' КБ';
            if ($r['outcome'] === 'ok') {
                return array('ok' => 'Выгружено в ПроДокторов. ' . $line);
            }
            if ($r['outcome'] === 'locked') {
                return array('error' => 'Сейчас идёт синхронизация (cron), повторите через минуту');
            }
            return array('error' => 'ПроДокторов не принял выгрузку'
                . ($r['http_status'] ? ' (HTTP ' . (int)$r['http_status'] . ')' : '') . ': '
                . $this->without_secrets((string)$r['message']) . '. ' . $line);
        }
        return array('error' => 'Нет такого действия');
    }

    /** The ProDoctorov tab's settings: key => [label, type]. */
    private static $pd_fields = array(
        'PdEnabled' => array('Включить связь с ПроДокторов', 'checkbox'),
        'PdApi' => array('API выгрузки', array('old' => 'старое (login, password, cells)', 'v2' => 'v2 (токен)')),
        'PdUrl' => array('Адрес выгрузки расписания', 'text'),
        'PdLogin' => array('Логин (старое API)', 'text'),
        'PdPassword' => array('Пароль (старое API)', 'password'),
        'PdToken' => array('Токен (v2)', 'password'),
        'PdInterval' => array('Выгружать каждые, мин', 'text'),
        'PdFilials' => array('Филиалы (коды через запятую; пусто — все)', 'text'),
        'PdDoctors' => array('Врачи по филиалам («1: 0001, 0002»; филиал без строки — все)', 'textarea'),
        'PdAcceptWhenMisDown' => array('Принимать записи при недоступной МИС', 'checkbox'),
        'PdEndpointUser' => array('Логин для прямой записи (Basic)', 'text'),
        'PdEndpointPassword' => array('Пароль для прямой записи (Basic)', 'password'),
    );

    private function prodoctorov(array $query, $token_input, array $errors)
    {
        $v = $this->priem->settings()->for_form();
        $endpoint = $this->priem->netcat()->site_url() . $this->priem->netcat()->module_url() . 'prodoctorov.php';
        $html = '<p>Сайт выгружает расписание из МИС в ПроДокторов (с временем, уже занятым на сайте) и принимает '
            . 'прямые записи ПроДокторов тем же путём, что и записи с сайта: одно время не достанется двоим.</p>'
            . '<p>Адрес для прямой записи — сообщите его менеджеру ПроДокторов: <code>' . self::h($endpoint) . '</code>'
            . ($v['PdEndpointUser'] !== '' ? ' (HTTP Basic, логин «' . self::h($v['PdEndpointUser']) . '»)' : ' (без авторизации: задайте логин и пароль ниже)')
            . '</p><form method="post" action="?view=prodoctorov" class="nc-form">' . $token_input
            . '<input type="hidden" name="action" value="save">'
            . $this->fieldsets(array('ПроДокторов' => self::$pd_fields), $v, $errors)
            . '<button type="submit" class="nc-btn nc--blue">' . self::h(self::text('NETCAT_MODULE_PRIEM_SAVE', 'Сохранить')) . '</button></form>'
            . '<form method="post" action="?view=prodoctorov">' . $token_input . '<input type="hidden" name="action" value="upload">'
            . '<button type="submit" class="nc-btn">Выгрузить расписание сейчас</button></form>';

        $html .= '<h3>Последние выгрузки</h3><table class="nc-table nc--striped"><tr><th>Время (UTC)</th><th>Итог</th><th>API / сервер</th>'
            . '<th>Объём</th><th>Ответ ПроДокторов</th></tr>';
        $uploads = array();
        if (nc_priem::extension_problem() === null && function_exists('priem_prodoctorov_uploads')) {
            try {
                $uploads = priem_prodoctorov_uploads($this->priem->settings()->engine(), 20);
            } catch (\Priem\Exception $e) {
                $html .= '<tr><td colspan="5">' . self::h($this->without_secrets($e->getMessage())) . '</td></tr>';
            }
        }
        $outcomes = array('ok' => 'принято', 'failed' => 'ошибка', 'unchanged' => 'без изменений, не отправлялось');
        foreach ($uploads as $u) {
            $html .= '<tr><td style="white-space:nowrap">' . self::h($u['started_at']) . '</td><td>'
                . self::h(isset($outcomes[$u['outcome']]) ? $outcomes[$u['outcome']] : $u['outcome']) . '</td><td>'
                . self::h($u['api'] . ' / ' . $u['host']) . '</td><td style="white-space:nowrap">'
                . (int)$u['doctors'] . ' врачей, ' . (int)$u['cells'] . ' ячеек, ' . number_format((int)$u['bytes'] / 1024, 1, ',', ' ') . ' КБ</td><td>'
                . ($u['http_status'] ? 'HTTP ' . (int)$u['http_status'] . ' ' : '') . self::h($this->without_secrets((string)$u['answer'])) . '</td></tr>';
        }
        $html .= ($uploads ? '' : '<tr><td colspan="5">Выгрузок ещё не было</td></tr>') . '</table>';
        return $html . '<h3>Записи из ПроДокторов</h3>'
            . $this->bookings(array('source' => 'prodoctorov') + $query, $token_input, 'prodoctorov');
    }

    private function codes()
    {
        return '<p>Коды из расписания МИС без карточки на сайте и карточки, которых нет в расписании (проверка при каждом запуске cron).</p>'
            . $this->alerts_table('Расхождения кодов', self::$code_kinds);
    }

    private static function text($constant, $fallback)
    {
        return defined($constant) ? constant($constant) : $fallback;
    }

    private static function h($s)
    {
        return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
    }
}
