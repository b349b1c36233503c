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
                     'bookings' => 'NETCAT_MODULE_PRIEM_TAB_BOOKINGS', 'codes' => 'NETCAT_MODULE_PRIEM_TAB_CODES');
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
        if ($view !== 'settings') {
            return array('error' => 'Нет такого действия');
        }
        $action = isset($post['action']) ? (string)$post['action'] : 'save';
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
                $lines[] = nc_priem_fields::$shipped[$role][1] . ($state === 'created' ? ': компонент создан' : ': компонент уже есть');
            }
            return array('ok' => implode('; ', $lines));
        }
        return array('error' => 'Нет такого действия');
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
                return $html . $this->bookings($query);
            case 'codes':
                return $html . $this->codes();
            default:
                return $html . $this->settings_form($token_input, isset($messages['fields']) ? $messages['fields'] : array());
        }
    }

    private function settings_form($token_input, array $errors)
    {
        $v = $this->priem->settings()->for_form();
        $components = $this->priem->netcat()->components();
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
            . '<input type="hidden" name="action" value="save">';
        foreach ($groups as $title => $fields) {
            $html .= '<fieldset><legend>' . self::h($title) . '</legend><table class="nc-table">';
            foreach ($fields as $key => $spec) {
                $html .= '<tr><td><label for="priem_' . $key . '">' . self::h($spec[0]) . '</label></td><td>'
                    . $this->input($key, $spec[1], $v) . (isset($errors[$key]) ? ' <span class="nc-text-red">' . self::h($errors[$key]) . '</span>' : '')
                    . '</td></tr>';
            }
            $html .= '</table></fieldset>';
        }
        $html .= '<p>Несколько кодов на одной карточке — через запятую: «0042, 0107»; код врача только для одного филиала — «1:0042».</p>'
            . '<button type="submit" class="nc-btn nc--blue">' . self::h(self::text('NETCAT_MODULE_PRIEM_SAVE', 'Сохранить')) . '</button></form>'
            . '<form method="post" action="?view=settings">' . $token_input . '<input type="hidden" name="action" value="add_fields">'
            . '<button type="submit" class="nc-btn">' . self::h(self::text('NETCAT_MODULE_PRIEM_ADD_FIELD', 'Добавить поле «Код МИС»')) . '</button></form>'
            . '<form method="post" action="?view=settings">' . $token_input . '<input type="hidden" name="action" value="create_components">'
            . '<button type="submit" class="nc-btn">Создать компоненты «Клиники» и «Врачи»</button> '
            . '<small>для сайта, где клиник и врачей ещё нет</small></form>';
        return $html;
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
            . '<th>Файл</th><th>Счётчики</th><th>Ошибки</th></tr>';
        foreach ($runs as $r) {
            $html .= '<tr><td>' . self::h($r['started_at']) . '</td><td>' . self::h($r['status']) . '</td><td>' . self::h((string)$r['file'])
                . '</td><td><code>' . self::h((string)$r['counts']) . '</code></td><td>' . self::h((string)$r['errors']) . '</td></tr>';
        }
        $html .= '</table>';
        $days = $netcat->rows('SELECT DATE(`created_at`) AS d, `status`, COUNT(*) AS n FROM `Priem_Booking` '
            . 'WHERE `created_at` >= UTC_TIMESTAMP() - INTERVAL 14 DAY GROUP BY d, `status` ORDER BY d');
        $html .= '<h3>Записи за 14 дней</h3><table class="nc-table"><tr><th>День</th><th>Статус</th><th>Сколько</th></tr>';
        foreach ($days as $r) {
            $html .= '<tr><td>' . self::h($r['d']) . '</td><td>' . self::h($r['status']) . '</td><td>' . (int)$r['n'] . '</td></tr>';
        }
        $html .= '</table>';
        return $html . $this->alerts_table('Открытые оповещения', null);
    }

    private function alerts_table($title, $kinds)
    {
        $alerts = priem_alerts($this->priem->settings()->engine());
        $html = '<h3>' . self::h($title) . '</h3><table class="nc-table nc--striped"><tr><th>Что</th><th>Впервые</th>'
            . '<th>Последний раз</th><th>Писем</th></tr>';
        $n = 0;
        foreach ($alerts as $a) {
            if ($kinds !== null && !in_array($a['kind'], $kinds, true)) {
                continue;
            }
            $n++;
            $html .= '<tr><td>' . self::h($a['text']) . '</td><td>' . self::h((string)$a['first_seen']) . '</td><td>'
                . self::h((string)$a['last_seen']) . '</td><td>' . (int)$a['mails'] . '</td></tr>';
        }
        return $html . ($n ? '' : '<tr><td colspan="4">Нет</td></tr>') . '</table>';
    }

    private function bookings(array $query)
    {
        $netcat = $this->priem->netcat();
        $statuses = array('queued', 'sent', 'confirmed', 'rejected', 'unknown');
        $where = array('1');
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
        $html = '<form method="get"><input type="hidden" name="view" value="bookings"><select name="status"><option value="">все</option>';
        foreach ($statuses as $s) {
            $html .= '<option' . ($s === $status ? ' selected' : '') . '>' . $s . '</option>';
        }
        $html .= '</select> с <input type="date" name="from" value="' . self::h(isset($query['from']) ? (string)$query['from'] : '')
            . '"> по <input type="date" name="to" value="' . self::h(isset($query['to']) ? (string)$query['to'] : '')
            . '"> <button type="submit" class="nc-btn">Показать</button></form>'
            . '<table class="nc-table nc--striped"><tr><th>№</th><th>Создана (UTC)</th><th>Статус</th><th>Филиал / врач</th>'
            . '<th>Приём (UTC)</th><th>Телефон</th><th>Попыток</th><th>Ответ МИС / ошибка</th><th>Отправлено в МИС</th></tr>';
        foreach ($rows as $r) {
            $payload = json_decode((string)$r['payload'], true);
            if (is_array($payload) && isset($payload['phone'])) {
                $payload['phone'] = $r['phone_masked']; // the journal shows masked numbers only
            }
            $html .= '<tr><td>' . (int)$r['id'] . '</td><td>' . self::h($r['created_at']) . '</td><td>' . self::h($r['status'])
                . '</td><td>' . self::h($r['filial'] . ' / ' . $r['doctor']) . '</td><td>' . self::h($r['start_utc']) . '</td><td>'
                . self::h($r['phone_masked']) . '</td><td>' . (int)$r['attempts'] . '</td><td>' . self::h((string)$r['last_error'])
                . '</td><td><details><summary>JSON</summary><pre>'
                . self::h(json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT)) . '</pre></details></td></tr>';
        }
        return $html . '</table>';
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
