<?php

/**
 * The module's settings: stored as strings in NetCat's Settings table (Module = 'priem'), edited
 * by the admin form, turned into the extension's settings array (src/settings.rs) by engine().
 *
 * Passwords and tokens are write-only: for_form() never returns them, and a form that leaves
 * one blank keeps the stored value (a "<Key>_clear" checkbox empties it).
 */
class nc_priem_settings
{
    /** Every setting with its default (strings, as NetCat stores them). */
    public static $defaults = array(
        // FTP: the MIS uploads schedule snapshots here
        'FtpHost' => '',
        'FtpPort' => '21',
        'FtpUser' => '',
        'FtpPassword' => '',
        'FtpDirectory' => '',
        'FtpTls' => '0',
        'FtpAfterImport' => 'move',
        // a bigger snapshot is not downloaded (alerted, filed into failed/; the schedule kept)
        'FtpMaxSnapshotMb' => '100',
        // bookings to the MIS
        'MisTransport' => 'http',
        'MisFormat' => 'prodoctorov',
        'MisUrl' => '',
        'MisUser' => '',
        'MisPassword' => '',
        'MisToken' => '',
        'MisTimeout' => '10',
        // alert mail
        'MailHost' => '',
        'MailPort' => '',
        'MailSecurity' => 'tls',
        'MailUser' => '',
        'MailPassword' => '',
        'MailFrom' => '',
        'MailTo' => 'klinmed@yandex.ru, diggy@yandex.ru, info@angioclinic.ru',
        'MailRemindHours' => '24',
        // booking policy
        'BookingHorizonDays' => '14',
        'BookingMinNotice' => '60',
        'BookingAnswerTimeout' => '60',
        // a booking in «проверить в МИС» the MIS's snapshot shows free: send it again or refuse it
        'BookingWhenLost' => 'retry',
        // minutes after the MIS confirmed a booking before its snapshots must show it (0 = no check)
        'BookingReconcileMinutes' => '30',
        // days after the appointment the patient's data is kept (0 = for good)
        'BookingRetentionDays' => '30',
        // the editors' cards
        'ClinicComponent' => '',
        'DoctorComponent' => '',
        'CodeField' => 'MisCode',
        'TimezoneField' => 'MisTimezone',
        // HTTP push (ProDoctorov-compatible); empty credentials disable that style; PushMaxMb caps its body
        'PushLogin' => '',
        'PushPassword' => '',
        'PushToken' => '',
        'PushMaxMb' => '100',
        // the booking form (widget and api.php)
        'ClinicPhone' => '',
        'PolicyUrl' => '/politika-konfidentsialnosti/',
        'ConsentVersion' => '1',
        'FormMinSeconds' => '3',
        'RateLimitIp' => '10',
        'RateLimitPhone' => '3',
        'RateLimitDoctorDay' => '20',
        // reverse proxies whose X-Forwarded-For is believed (addresses or networks); none by default
        'TrustedProxies' => '',
        'CaptchaSiteKey' => '',
        'CaptchaServerKey' => '',
        // '1': an unreachable SmartCaptcha lets bookings through; by default it stops them
        'CaptchaFailOpen' => '0',
        // signs the form's tokens; made at install (or on first use) and never shown
        'FormSecret' => '',
        // the key of cron.php's URL (?secret_key=…), the module's own; made at install (or on first use)
        'CronSecret' => '',
        // the ProDoctorov connector: schedule upload and ProDoctorov's direct bookings
        'PdEnabled' => '0',
        'PdApi' => 'old',
        'PdUrl' => '',
        'PdLogin' => '',
        'PdPassword' => '',
        'PdToken' => '',
        'PdInterval' => '15',
        'PdFilials' => '',
        'PdDoctors' => '',
        'PdAcceptWhenMisDown' => '0',
        'PdEndpointUser' => '',
        'PdEndpointPassword' => '',
    );

    /** Keys never shown back in a form. */
    public static $secrets = array('FtpPassword', 'MisPassword', 'MisToken', 'MailPassword', 'PushPassword', 'PushToken',
        'CaptchaServerKey', 'FormSecret', 'CronSecret', 'PdPassword', 'PdToken', 'PdEndpointPassword');

    /**
     * A server's host or URL => the secrets sent to it. Changing it drops them unless they are
     * typed again, so a stored password never follows a changed address to another server.
     */
    const SENT_TO = array('FtpHost' => array('FtpPassword'), 'MisUrl' => array('MisPassword', 'MisToken'),
                          'MailHost' => array('MailPassword'), 'PdUrl' => array('PdPassword', 'PdToken'));

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var array|null */
    private $cache = null;

    public function __construct(nc_priem_netcat $netcat)
    {
        $this->netcat = $netcat;
    }

    /** The stored settings over the defaults. */
    public function all()
    {
        if ($this->cache === null) {
            $stored = array_intersect_key($this->netcat->module_settings(), self::$defaults);
            $this->cache = array_merge(self::$defaults, $stored);
        }
        return $this->cache;
    }

    /** Drops the cached values (after a setting was written elsewhere). */
    public function forget()
    {
        $this->cache = null;
    }

    public function get($key)
    {
        $all = $this->all();
        return isset($all[$key]) ? $all[$key] : null;
    }

    /** Writes the defaults that are not stored yet (install); returns the keys written. */
    public function store_defaults()
    {
        $written = array();
        foreach (self::$defaults as $key => $value) {
            if ($this->netcat->module_setting($key) === false) {
                $this->netcat->set_module_setting($key, $value);
                $written[] = $key;
            }
        }
        $this->form_secret();
        $this->cron_secret();
        $this->cache = null;
        return $written;
    }

    /** The secret that signs the booking form's tokens: made once, kept in the settings. */
    public function form_secret()
    {
        return $this->made_secret('FormSecret');
    }

    /** The key cron.php wants in ?secret_key= (the module's own, not NetCat's SecretKey). */
    public function cron_secret()
    {
        return $this->made_secret('CronSecret');
    }

    /** Whether $given is the cron key. */
    public function is_cron_secret($given)
    {
        return is_string($given) && hash_equals($this->cron_secret(), $given);
    }

    /** The CronTasks URL of cron.php, with the module's cron key. */
    public function cron_url()
    {
        return nc_priem_installer::CRON_URL . '?secret_key=' . $this->cron_secret();
    }

    /** A new cron key (the old URL stops working); NetCat's CronTasks row gets the new URL. */
    public function rotate_cron_secret()
    {
        $this->netcat->set_module_setting('CronSecret', bin2hex(random_bytes(32)));
        $this->cache = null;
        $this->netcat->ensure_cron_task($this->cron_url(), nc_priem_installer::CRON_MINUTES);
    }

    /** A stored random secret, made on first use. */
    private function made_secret($key)
    {
        $secret = (string)$this->get($key);
        if (strlen($secret) < 32) {
            $secret = bin2hex(random_bytes(32));
            $this->netcat->set_module_setting($key, $secret);
            $this->cache = null;
        }
        return $secret;
    }

    /** Values for the admin form: secrets blank, with "<Key>_set" telling whether one is stored. */
    public function for_form()
    {
        $out = $this->all();
        foreach (self::$secrets as $key) {
            $out[$key . '_set'] = $out[$key] !== '';
            $out[$key] = '';
        }
        return $out;
    }

    /**
     * Saves a submitted form. Only known keys are taken; a blank secret keeps the stored one
     * unless "<Key>_clear" is set — or the host or URL it is sent to changed (SENT_TO): then it
     * is dropped, and its key listed in $dropped. Returns field => Russian error; nothing is saved
     * on errors.
     */
    public function save_form(array $input, &$dropped = null)
    {
        $stored = $this->all();
        $values = array();
        foreach (self::$defaults as $key => $default) {
            if (in_array($key, self::$secrets, true)) {
                $given = isset($input[$key]) ? (string)$input[$key] : '';
                if ($given !== '') {
                    $values[$key] = $given;
                } elseif (!empty($input[$key . '_clear'])) {
                    $values[$key] = '';
                }
                continue;
            }
            if (array_key_exists($key, $input)) {
                // keys not submitted are kept (the form sends FtpTls=0 in a hidden input before its checkbox)
                $values[$key] = trim((string)$input[$key]);
            }
        }
        $dropped = array();
        foreach (self::SENT_TO as $address => $secrets) {
            if (!isset($values[$address]) || $values[$address] === $stored[$address]) {
                continue;
            }
            foreach ($secrets as $secret) {
                if (!isset($values[$secret]) && $stored[$secret] !== '') {
                    $values[$secret] = '';
                    $dropped[] = $secret;
                }
            }
        }
        $errors = $this->check(array_merge($stored, $values));
        if ($errors) {
            $dropped = array();
            return $errors;
        }
        foreach ($values as $key => $value) {
            $this->netcat->set_module_setting($key, $value);
        }
        $this->cache = null;
        return array();
    }

    /**
     * What travels unencrypted with these settings (names and phones of patients, passwords), in
     * Russian, for the settings and status pages; empty when nothing does.
     */
    public function plaintext_warnings()
    {
        $s = $this->all();
        $out = array();
        if ($s['FtpHost'] !== '' && $s['FtpTls'] !== '1') {
            $out[] = 'FTP без шифрования: файлы расписания'
                . ($s['MisTransport'] === 'ftp' ? ', заявки с ФИО и телефонами пациентов' : '')
                . ' и пароль FTP идут по сети открытым текстом. Включите «FTPS (явный TLS)», если сервер FTP его поддерживает.';
        }
        if ($s['MisTransport'] === 'http' && stripos($s['MisUrl'], 'http://') === 0) {
            $out[] = 'Записи уходят в МИС по http:// без шифрования: ФИО и телефоны пациентов и пароль МИС идут по сети '
                . 'открытым текстом. Попросите у разработчика МИС адрес https://.';
        }
        if ($s['MailHost'] !== '' && $s['MailSecurity'] === 'none') {
            $out[] = 'Почта без шифрования: письма-оповещения и пароль SMTP идут по сети открытым текстом. Выберите защиту TLS или STARTTLS.';
        }
        if ($s['PdEnabled'] === '1' && stripos($s['PdUrl'], 'http://') === 0) {
            $out[] = 'Выгрузка в ПроДокторов по http:// без шифрования: расписание и пароль ПроДокторов идут по сети открытым текстом.';
        }
        return $out;
    }

    /** Plain checks of a settings set; field => Russian message. */
    public function check(array $s)
    {
        $errors = array();
        $ints = array('FtpPort' => array(1, 65535), 'FtpMaxSnapshotMb' => array(1, 4096), 'MisTimeout' => array(1, 10), 'MailRemindHours' => array(1, 8760),
                      'BookingHorizonDays' => array(1, 90), 'BookingMinNotice' => array(0, 10080),
                      'BookingAnswerTimeout' => array(1, 10080), 'BookingReconcileMinutes' => array(0, 1440),
                      'BookingRetentionDays' => array(0, 3650), 'FormMinSeconds' => array(0, 600),
                      'RateLimitIp' => array(1, 10000), 'RateLimitPhone' => array(1, 1000),
                      'RateLimitDoctorDay' => array(1, 1000), 'PdInterval' => array(1, 1440), 'PushMaxMb' => array(1, 1024));
        foreach ($ints as $key => $range) {
            $v = (string)$s[$key];
            if (!ctype_digit($v) || (int)$v < $range[0] || (int)$v > $range[1]) {
                $errors[$key] = 'Нужно целое число от ' . $range[0] . ' до ' . $range[1];
            }
        }
        if ($s['MailPort'] !== '' && (!ctype_digit($s['MailPort']) || (int)$s['MailPort'] > 65535)) {
            $errors['MailPort'] = 'Порт — число до 65535 (пусто: по умолчанию для выбранной защиты)';
        }
        $choices = array('FtpAfterImport' => array('move', 'delete'), 'MisTransport' => array('http', 'ftp'),
                         'MisFormat' => array('prodoctorov', 'v2'), 'MailSecurity' => array('none', 'starttls', 'tls'),
                         'PdApi' => array('old', 'v2'), 'PdEnabled' => array('0', '1'), 'PdAcceptWhenMisDown' => array('0', '1'),
                         'CaptchaFailOpen' => array('0', '1'), 'BookingWhenLost' => array('retry', 'refuse'));
        foreach ($choices as $key => $allowed) {
            if (!in_array($s[$key], $allowed, true)) {
                $errors[$key] = 'Допустимо: ' . implode(', ', $allowed);
            }
        }
        if ($s['MisUrl'] !== '' && !preg_match('~^https?://~i', $s['MisUrl'])) {
            $errors['MisUrl'] = 'Адрес должен начинаться с http:// или https://';
        }
        if ($s['PdUrl'] !== '' && !preg_match('~^https?://~i', $s['PdUrl'])) {
            $errors['PdUrl'] = 'Адрес должен начинаться с http:// или https://';
        }
        if ($s['PdEnabled'] === '1' && $s['PdUrl'] !== '' && $s['PdApi'] === 'old' && $s['PdLogin'] === '') {
            $errors['PdLogin'] = 'Для старого API ПроДокторов нужен логин';
        }
        if ($s['PdEnabled'] === '1' && $s['PdUrl'] !== '' && $s['PdApi'] === 'v2' && $s['PdToken'] === '') {
            $errors['PdToken'] = 'Для API v2 нужен токен';
        }
        if ($s['MisTransport'] === 'ftp' && $s['FtpHost'] === '') {
            $errors['MisTransport'] = 'Для передачи записей через FTP заполните настройки FTP';
        }
        foreach (array('CodeField', 'TimezoneField') as $key) {
            if (!self::is_identifier($s[$key])) {
                $errors[$key] = 'Имя поля: латинские буквы, цифры и «_», начинается с буквы';
            }
        }
        if ($s['MailHost'] !== '' && strpos($s['MailFrom'], '@') === false) {
            $errors['MailFrom'] = 'Укажите адрес отправителя';
        }
        if (!$errors) {
            // what the extension's own check of the settings finds: a proxy that is no address, a
            // recipient that is no mail address, ProDoctorov's endpoint without a login and a
            // password of 16 characters (its direct bookings go straight to the MIS)
            foreach (priem_settings_problems($this->engine_of($s, true, '')) as $p) {
                $field = isset(self::ENGINE_KEYS[$p['key']]) ? self::ENGINE_KEYS[$p['key']] : 'settings';
                $message = mb_strtoupper(mb_substr($p['message'], 0, 1, 'UTF-8'), 'UTF-8') . mb_substr($p['message'], 1, null, 'UTF-8');
                $errors[$field] = $field === 'PdEndpointPassword' ? $message . ': нажмите «Сгенерировать»' : $message;
            }
        }
        return $errors;
    }

    /** Keys of the extension's settings => the fields they come from, for its problems. */
    const ENGINE_KEYS = array('mail.to' => 'MailTo', 'limits.trusted_proxies' => 'TrustedProxies', 'limits.per_address' => 'RateLimitIp',
                              'limits.per_phone' => 'RateLimitPhone', 'limits.per_doctor_day' => 'RateLimitDoctorDay',
                              'prodoctorov.endpoint_user' => 'PdEndpointUser', 'prodoctorov.endpoint_password' => 'PdEndpointPassword',
                              'prodoctorov.doctors' => 'PdDoctors');

    public static function is_identifier($s)
    {
        return is_string($s) && (bool)preg_match('/^[A-Za-z][A-Za-z0-9_]{0,63}$/', $s);
    }

    /**
     * The extension's settings array (src/engine/settings/): db from NetCat's connection, the rest
     * from the stored settings, the cards' codes and zones from the chosen components.
     *
     * @param bool $for_visitors without the cards' codes and zones, which only the import and the
     *                           code check use (the stored schedule has its zones): what the
     *                           booking form and ProDoctorov's bookings need, without reading
     *                           the components on every request
     */
    public function engine($for_visitors = false)
    {
        return $this->engine_of($this->all(), $for_visitors, $this->form_secret());
    }

    /**
     * engine() of a settings set (the stored ones, or a form's before they are saved), with
     * $secret keying the rate limits' counters.
     */
    private function engine_of(array $s, $for_visitors, $secret)
    {
        $out = array('db' => $this->netcat->db_settings());

        if ($s['FtpHost'] !== '') {
            $out['ftp'] = array(
                'host' => $s['FtpHost'],
                'port' => (int)$s['FtpPort'],
                'user' => $s['FtpUser'],
                'password' => $s['FtpPassword'],
                'directory' => $s['FtpDirectory'],
                'tls' => $s['FtpTls'] === '1',
                'after_import' => $s['FtpAfterImport'],
                'max_snapshot_mb' => (int)$s['FtpMaxSnapshotMb'],
            );
        }
        if ($s['MisTransport'] === 'ftp') {
            $out['mis'] = array('transport' => 'ftp');
        } elseif ($s['MisUrl'] !== '') {
            $out['mis'] = array(
                'transport' => 'http',
                'format' => $s['MisFormat'],
                'url' => $s['MisUrl'],
                'user' => $s['MisUser'],
                'password' => $s['MisPassword'],
                'token' => $s['MisToken'],
                'timeout_s' => (int)$s['MisTimeout'],
            );
        }
        if ($s['MailHost'] !== '') {
            $mail = array(
                'host' => $s['MailHost'],
                'security' => $s['MailSecurity'],
                'user' => $s['MailUser'],
                'password' => $s['MailPassword'],
                'from' => $s['MailFrom'],
                'to' => $s['MailTo'],
                'remind_hours' => (int)$s['MailRemindHours'],
            );
            if ($s['MailPort'] !== '') {
                $mail['port'] = (int)$s['MailPort'];
            }
            $out['mail'] = $mail;
        }
        $out['booking'] = array(
            'horizon_days' => (int)$s['BookingHorizonDays'],
            'min_notice_minutes' => (int)$s['BookingMinNotice'],
            'answer_timeout_minutes' => (int)$s['BookingAnswerTimeout'],
            'when_lost' => $s['BookingWhenLost'],
            'reconcile_minutes' => (int)$s['BookingReconcileMinutes'],
            'retention_days' => (int)$s['BookingRetentionDays'],
        );
        $out['limits'] = array(
            'secret' => $secret,
            'per_address' => (int)$s['RateLimitIp'],
            'per_phone' => (int)$s['RateLimitPhone'],
            'per_doctor_day' => (int)$s['RateLimitDoctorDay'],
            'trusted_proxies' => $s['TrustedProxies'],
        );

        if ($s['PdEnabled'] === '1') {
            $pd = array(
                'enabled' => true,
                'api' => $s['PdApi'],
                'url' => $s['PdUrl'],
                'login' => $s['PdLogin'],
                'password' => $s['PdPassword'],
                'token' => $s['PdToken'],
                'interval_minutes' => (int)$s['PdInterval'],
                'accept_when_mis_down' => $s['PdAcceptWhenMisDown'] === '1',
                'endpoint_user' => $s['PdEndpointUser'],
                'endpoint_password' => $s['PdEndpointPassword'],
            );
            // the extension reads the lists: "1, 2" and a line a filial, "1: 0001, 0002"
            $pd['filials'] = $s['PdFilials'];
            $pd['doctors'] = $s['PdDoctors'];
            $out['prodoctorov'] = $pd;
        }

        if ($for_visitors) {
            return $out;
        }
        // the cards' codes (and clinics' zones) for the code check and the import's zones
        $cards = (new nc_priem_catalog($this->netcat, $this))->codes();
        if ($cards !== null) {
            $out['cards'] = $cards;
        }
        return $out;
    }
}
