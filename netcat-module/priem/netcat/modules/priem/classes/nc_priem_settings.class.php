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
        // CA certificates (PEM) of a server whose certificate a private CA signed, besides the system's
        'FtpCaPem' => '',
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
        'MailCaPem' => '',
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
     * What travels unencrypted (names and phones of patients, passwords), in Russian, for the
     * settings and status pages: 'warnings' (empty when nothing does) and quiet 'notes' (TLS used
     * because the server offers it). The extension decides (priem_tls_notes): the settings, and
     * how the last SMTP and FTP connections were protected where the settings leave TLS optional.
     *
     * @return array{warnings: string[], notes: string[]}
     */
    public function tls_notes()
    {
        $problem = nc_priem::extension_problem();
        if ($problem === null) {
            try {
                return priem_tls_notes($this->engine(true));
            } catch (Throwable $e) {
                $problem = 'настройки модуля не прочитаны; сохраните их заново на странице «Настройки».';
            }
        }
        return array('warnings' => array('Не удалось определить, что идёт по сети без шифрования: ' . $problem), 'notes' => array());
    }

    /** tls_notes()' warnings alone. */
    public function plaintext_warnings()
    {
        $notes = $this->tls_notes();
        return $notes['warnings'];
    }

    /**
     * The check of a settings set; field => Russian message. The extension checks what it reads
     * (priem_settings_problems: every problem, each mapped back to its field); the module only
     * what it alone reads (the form's, the push's, the cards' fields).
     */
    public function check(array $s)
    {
        $errors = array();
        foreach (array('FormMinSeconds' => array(0, 600), 'PushMaxMb' => array(1, 1024)) as $key => $range) {
            $v = (string)$s[$key];
            if (!ctype_digit($v) || (int)$v < $range[0] || (int)$v > $range[1]) {
                $errors[$key] = 'Нужно целое число от ' . $range[0] . ' до ' . $range[1];
            }
        }
        foreach (array('CodeField', 'TimezoneField') as $key) {
            if (!self::is_identifier($s[$key])) {
                $errors[$key] = 'Имя поля: латинские буквы, цифры и «_», начинается с буквы';
            }
        }
        foreach (priem_settings_problems($this->engine_of($s, true, '')) as $p) {
            $field = isset(self::ENGINE_KEYS[$p['key']]) ? self::ENGINE_KEYS[$p['key']] : 'settings';
            $message = mb_strtoupper(mb_substr($p['message'], 0, 1, 'UTF-8'), 'UTF-8') . mb_substr($p['message'], 1, null, 'UTF-8');
            if (!isset($errors[$field])) {
                $errors[$field] = $field === 'PdEndpointPassword' ? $message . ': нажмите «Сгенерировать»' : $message;
            }
        }
        return $errors;
    }

    /** Keys of the extension's settings => the fields they come from, for its problems. */
    const ENGINE_KEYS = array(
        'ftp.port' => 'FtpPort', 'ftp.ca_pem' => 'FtpCaPem', 'ftp.after_import' => 'FtpAfterImport', 'ftp.max_snapshot_mb' => 'FtpMaxSnapshotMb',
        'mis.transport' => 'MisTransport', 'mis.format' => 'MisFormat', 'mis.url' => 'MisUrl', 'mis.timeout_s' => 'MisTimeout',
        'mail.port' => 'MailPort', 'mail.security' => 'MailSecurity', 'mail.ca_pem' => 'MailCaPem', 'mail.from' => 'MailFrom', 'mail.to' => 'MailTo',
        'mail.remind_hours' => 'MailRemindHours',
        'booking.horizon_days' => 'BookingHorizonDays', 'booking.min_notice_minutes' => 'BookingMinNotice',
        'booking.answer_timeout_minutes' => 'BookingAnswerTimeout', 'booking.when_lost' => 'BookingWhenLost',
        'booking.reconcile_minutes' => 'BookingReconcileMinutes', 'booking.retention_days' => 'BookingRetentionDays',
        'limits.trusted_proxies' => 'TrustedProxies', 'limits.per_address' => 'RateLimitIp',
        'limits.per_phone' => 'RateLimitPhone', 'limits.per_doctor_day' => 'RateLimitDoctorDay',
        'prodoctorov.api' => 'PdApi', 'prodoctorov.url' => 'PdUrl', 'prodoctorov.login' => 'PdLogin', 'prodoctorov.token' => 'PdToken',
        'prodoctorov.interval_minutes' => 'PdInterval', 'prodoctorov.doctors' => 'PdDoctors',
        'prodoctorov.endpoint_user' => 'PdEndpointUser', 'prodoctorov.endpoint_password' => 'PdEndpointPassword',
    );

    /** A whole number typed in the form as the extension's integer; anything else as typed (the extension says what is wrong). */
    private static function int($v)
    {
        return ctype_digit((string)$v) && strlen((string)$v) < 10 ? (int)$v : (string)$v;
    }

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
                'port' => self::int($s['FtpPort']),
                'user' => $s['FtpUser'],
                'password' => $s['FtpPassword'],
                'directory' => $s['FtpDirectory'],
                'tls' => $s['FtpTls'] === '1',
                'after_import' => $s['FtpAfterImport'],
                'max_snapshot_mb' => self::int($s['FtpMaxSnapshotMb']),
            );
            if ($s['FtpCaPem'] !== '') {
                $out['ftp']['ca_pem'] = $s['FtpCaPem'];
            }
        }
        if ($s['MisTransport'] !== 'http') {
            $out['mis'] = array('transport' => $s['MisTransport']);
        } elseif ($s['MisUrl'] !== '') {
            $out['mis'] = array(
                'transport' => 'http',
                'format' => $s['MisFormat'],
                'url' => $s['MisUrl'],
                'user' => $s['MisUser'],
                'password' => $s['MisPassword'],
                'token' => $s['MisToken'],
                'timeout_s' => self::int($s['MisTimeout']),
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
                'remind_hours' => self::int($s['MailRemindHours']),
            );
            if ($s['MailPort'] !== '') {
                $mail['port'] = self::int($s['MailPort']);
            }
            if ($s['MailCaPem'] !== '') {
                $mail['ca_pem'] = $s['MailCaPem'];
            }
            $out['mail'] = $mail;
        }
        $out['booking'] = array(
            'horizon_days' => self::int($s['BookingHorizonDays']),
            'min_notice_minutes' => self::int($s['BookingMinNotice']),
            'answer_timeout_minutes' => self::int($s['BookingAnswerTimeout']),
            'when_lost' => $s['BookingWhenLost'],
            'reconcile_minutes' => self::int($s['BookingReconcileMinutes']),
            'retention_days' => self::int($s['BookingRetentionDays']),
        );
        $out['limits'] = array(
            'secret' => $secret,
            'per_address' => self::int($s['RateLimitIp']),
            'per_phone' => self::int($s['RateLimitPhone']),
            'per_doctor_day' => self::int($s['RateLimitDoctorDay']),
            'trusted_proxies' => $s['TrustedProxies'],
        );

        // always, switched off or on: its fields are checked, and an endpoint switched off answers no one
        $pd = array(
            'enabled' => $s['PdEnabled'] === '1',
            'api' => $s['PdApi'],
            'url' => $s['PdUrl'],
            'login' => $s['PdLogin'],
            'password' => $s['PdPassword'],
            'token' => $s['PdToken'],
            'interval_minutes' => self::int($s['PdInterval']),
            'accept_when_mis_down' => $s['PdAcceptWhenMisDown'] === '1',
            'endpoint_user' => $s['PdEndpointUser'],
            'endpoint_password' => $s['PdEndpointPassword'],
            // the extension reads the lists: "1, 2" and a line a filial, "1: 0001, 0002"
            'filials' => $s['PdFilials'],
            'doctors' => $s['PdDoctors'],
        );
        $out['prodoctorov'] = $pd;

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
