<?php

/**
 * «Настройки»: the settings form, «Проверить соединение», «Добавить поле «Код МИС»» and
 * «Создать компоненты».
 */
class nc_priem_settings_controller extends nc_priem_admin_controller
{
    protected $writes = array('save', 'check', 'add_fields', 'create_components');

    /**
     * "Проверить соединение": what => its caption. priem_check() checks the stored settings of the
     * first three; "policy" whether the personal-data policy page the form links to opens.
     */
    const CHECKS = array('ftp' => 'FTP', 'mis' => 'МИС', 'mail' => 'SMTP (тестовое письмо)', 'policy' => 'страница политики');

    /** The label of the FTP and SMTP servers' CA certificate fields. */
    const CA_LABEL = 'Сертификат удостоверяющего центра (PEM), если сертификат сервера выдан собственным УЦ';

    /** The fieldset of the MIS's HTTP push (its note gives the URL to hand to the MIS). */
    const PUSH_GROUP = 'Приём расписания по HTTP (как у ПроДокторов)';

    protected function action_index(array $messages = array())
    {
        $values = $this->priem->settings()->for_form();
        foreach (array('ClinicComponent', 'DoctorComponent') as $key) {
            // a keyword in the settings (stable across sites) selects its component in the list
            if ($values[$key] !== '' && !ctype_digit((string)$values[$key])) {
                $id = $this->netcat->component_id($values[$key]);
                if ($id) {
                    $values[$key] = (string)$id;
                }
            }
        }
        return $this->view('settings', array(
            'messages' => $messages,
            'tls' => $this->priem->settings()->tls_notes(),
            'fields' => $this->view('fields', array(
                'groups' => $this->groups(), 'values' => $values,
                'errors' => isset($messages['fields']) ? $messages['fields'] : array(),
                'notes' => array(self::PUSH_GROUP => 'Адрес для МИС, которая отправляет расписание как в ПроДокторов: '
                    . $this->netcat->site_url() . $this->netcat->module_url() . 'push/'),
            )),
            'checks' => self::CHECKS,
        ));
    }

    protected function action_save()
    {
        $messages = $this->save($this->post);
        if (isset($messages['ok'])) {
            // a policy page that does not open is worth a warning, never a refusal
            $policy = $this->policy_problem();
            if ($policy !== null) {
                $messages['warnings'][] = $policy;
            }
        }
        return $this->action_index($messages);
    }

    /**
     * "Проверить соединение": one priem_check() with the stored settings; the extension's Russian
     * message, stored secrets masked in it should a server echo one.
     */
    protected function action_check()
    {
        $what = isset($this->post['what']) ? $this->post['what'] : '';
        if (!isset(self::CHECKS[$what])) {
            return $this->action_index(array('error' => 'Нет такой проверки'));
        }
        if ($what === 'policy') {
            $problem = $this->policy_problem();
            return $this->action_index($problem === null
                ? array('ok' => 'Страница политики персональных данных открывается: ' . $this->policy_url())
                : array('error' => $problem));
        }
        $title = 'Проверка ' . self::CHECKS[$what] . ': ';
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            return $this->action_index(array('error' => $problem));
        }
        try {
            $r = priem_check($this->priem->settings()->engine(), $what);
        } catch (Throwable $e) {
            return $this->action_index($this->failure($title, $e));
        }
        $message = $title . $this->without_secrets(isset($r['message']) ? (string)$r['message'] : '');
        return $this->action_index(!empty($r['ok']) ? array('ok' => $message) : array('error' => $message));
    }

    protected function action_add_fields()
    {
        $result = $this->priem->fields()->ensure_configured();
        if (!$result) {
            return $this->action_index(array('error' => 'Сначала выберите и сохраните компоненты клиник и врачей'));
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
        return $this->action_index(array('ok' => implode('; ', $lines)));
    }

    protected function action_create_components()
    {
        try {
            $result = $this->priem->fields()->create_components();
        } catch (RuntimeException $e) {
            return $this->action_index(array('error' => $e->getMessage()));
        }
        $lines = array();
        foreach ($result as $role => $state) {
            $name = isset(nc_priem_fields::$shipped[$role]) ? nc_priem_fields::$shipped[$role][1] : nc_priem_fields::BOOKING_NAME;
            $lines[] = '«' . $name . '»' . ($state === 'created' ? ': компонент создан' : ': компонент уже есть');
        }
        return $this->action_index(array('ok' => implode('; ', $lines)));
    }

    /** The policy page's address as the visitor's browser resolves it ('' when the site's is unknown). */
    private function policy_url()
    {
        $url = (string)$this->priem->settings()->get('PolicyUrl');
        return $url !== '' && $url[0] === '/' ? ($this->netcat->site_url() === '' ? '' : $this->netcat->site_url() . $url) : $url;
    }

    /**
     * Why the personal-data policy page the booking form links to does not open (a GET, 5 s, a few
     * redirects, an answer 2xx), or null when it does.
     */
    private function policy_problem()
    {
        $given = (string)$this->priem->settings()->get('PolicyUrl');
        if ($given === '') {
            return 'Страница политики персональных данных не задана: в форме записи не будет ссылки на неё.';
        }
        $url = $this->policy_url();
        if ($url === '') {
            return 'Не удалось проверить страницу политики ' . $given . ': адрес сайта не известен.';
        }
        if (!preg_match('~^https?://~i', $url)) {
            return 'Не удалось проверить страницу политики ' . $url . ': адрес должен начинаться с «/» или http(s)://.';
        }
        if (!ini_get('allow_url_fopen')) {
            return 'Не удалось проверить страницу политики ' . $url . ': в PHP выключен allow_url_fopen.';
        }
        $context = stream_context_create(array('http' => array('method' => 'GET', 'timeout' => 5, 'follow_location' => 1,
            'max_redirects' => 4, 'ignore_errors' => true, 'header' => 'User-Agent: priem (policy page check)')));
        $http_response_header = array();
        $body = @file_get_contents($url, false, $context, 0, 65536);
        $status = 0;
        foreach ($http_response_header as $line) {
            if (preg_match('~^HTTP/\S+ (\d{3})~', $line, $m)) {
                $status = (int)$m[1]; // the last one: after the redirects
            }
        }
        if ($body === false && $status === 0) {
            $error = error_get_last();
            return 'Страница политики персональных данных ' . $url . ' не открывается'
                . ($error ? ' (' . preg_replace('/^file_get_contents\([^)]*\): /', '', $error['message']) . ')' : '')
                . ': посетители не прочитают её перед согласием. Проверьте адрес в настройках.';
        }
        if ($status < 200 || $status > 299) {
            return 'Страница политики персональных данных ' . $url . ' отвечает HTTP ' . $status
                . ': посетители не прочитают её перед согласием. Создайте страницу или укажите её адрес в настройках.';
        }
        return null;
    }

    /** The form's groups: title => [key => [label, type]]; a type is text, password, checkbox or choices. */
    private function groups()
    {
        $components = array('' => '—') + $this->netcat->components();
        return array(
            'FTP (расписание из МИС)' => array(
                'FtpHost' => array('Сервер', 'text'), 'FtpPort' => array('Порт', 'text'), 'FtpUser' => array('Логин', 'text'),
                'FtpPassword' => array('Пароль', 'password'), 'FtpDirectory' => array('Папка', 'text'),
                'FtpTls' => array('FTPS (явный TLS)', 'checkbox'),
                'FtpCaPem' => array(self::CA_LABEL, 'textarea'),
                'FtpAfterImport' => array('Файл после импорта', array('move' => 'перенести в processed/', 'delete' => 'удалить')),
                'FtpMaxSnapshotMb' => array('Наибольший файл расписания, МБ', 'text'),
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
                'MailSecurity' => array('Защита', array('tls' => 'TLS', 'starttls' => 'STARTTLS', 'none' => 'не требовать (STARTTLS, если сервер предлагает)')),
                'MailCaPem' => array(self::CA_LABEL, 'textarea'),
                'MailUser' => array('Логин', 'text'), 'MailPassword' => array('Пароль', 'password'),
                'MailFrom' => array('Отправитель', 'text'), 'MailTo' => array('Получатели (через запятую)', 'text'),
                'MailRemindHours' => array('Напоминать каждые, ч', 'text'),
            ),
            'Запись' => array(
                'BookingHorizonDays' => array('Дней вперёд', 'text'), 'BookingMinNotice' => array('Не раньше чем через, мин', 'text'),
                'BookingAnswerTimeout' => array('Ждать ответа МИС (FTP), мин', 'text'),
                'BookingWhenLost' => array('Если МИС потеряла запись («проверить в МИС», а в выгрузке время свободно)',
                    array('retry' => 'отправить повторно', 'refuse' => 'отменить и сообщить')),
                'BookingReconcileMinutes' => array('Сообщать, если МИС не показывает подтверждённую запись дольше, мин (0 — не сверять)', 'text'),
                'BookingRetentionDays' => array('Хранить имя, телефон и комментарий пациента после приёма, дней (0 — бессрочно)', 'text'),
            ),
            'Форма записи на сайте' => array(
                'ClinicPhone' => array('Телефон клиники (если в карточке нет)', 'text'),
                'PolicyUrl' => array('Страница политики персональных данных', 'text'),
                'ConsentVersion' => array('Версия текста согласия', 'text'),
                'FormMinSeconds' => array('Не быстрее, с (защита от роботов)', 'text'),
                'RateLimitIp' => array('Попыток с одного адреса за 10 мин', 'text'),
                'RateLimitPhone' => array('Записей на один телефон в сутки', 'text'),
                'RateLimitDoctorDay' => array('Записей через сайт к одному врачу на один день', 'text'),
                'TrustedProxies' => array('Доверенные прокси (адреса или сети через запятую; пусто — нет)', 'text'),
                'CaptchaSiteKey' => array('SmartCaptcha: ключ клиента', 'text'),
                'CaptchaServerKey' => array('SmartCaptcha: ключ сервера', 'password'),
                'CaptchaFailOpen' => array('Пропускать записи, когда SmartCaptcha недоступна', 'checkbox'),
            ),
            'Карточки клиник и врачей' => array(
                'ClinicComponent' => array('Компонент клиник', $components),
                'DoctorComponent' => array('Компонент врачей', $components),
                'CodeField' => array('Поле кода МИС', 'text'), 'TimezoneField' => array('Поле часового пояса', 'text'),
            ),
            self::PUSH_GROUP => array(
                'PushLogin' => array('Логин', 'text'), 'PushPassword' => array('Пароль', 'password'),
                'PushToken' => array('Токен (v2)', 'password'),
                'PushMaxMb' => array('Наибольший размер расписания, МБ', 'text'),
            ),
        );
    }
}
