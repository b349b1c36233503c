<?php

/**
 * The module's facade: nc_modules('priem') and nc_priem::get_instance() return it.
 * Everything NetCat-specific goes through nc_priem_netcat; the rest is plain PHP.
 */
class nc_priem
{
    /** The extension version this module is built for (checked by install.php). */
    const EXTENSION_VERSION = '0.1.0';

    /** The module keyword (Module.Keyword, Settings.Module). */
    const KEYWORD = 'priem';

    /** @var nc_priem|null */
    private static $instance = null;

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var nc_priem_settings|null */
    private $settings = null;

    /** @var nc_priem_catalog|null */
    private $catalog = null;

    /** Whether the widget's script tag is already on the page. */
    private static $assets_printed = false;

    /** The nearest times a doctor card of the booking page shows (priem.js asks for as many). */
    const CARD_TIMES = 8;

    public function __construct(nc_priem_netcat $netcat)
    {
        $this->netcat = $netcat;
    }

    /** @return nc_priem */
    public static function get_instance()
    {
        if (self::$instance === null) {
            self::$instance = new self(nc_priem_netcat::from_core());
        }
        return self::$instance;
    }

    /** Replaces the shared instance (tests, or a script that builds its own adapter). */
    public static function set_instance($instance = null)
    {
        self::$instance = $instance;
    }

    /** @return nc_priem_netcat */
    public function netcat()
    {
        return $this->netcat;
    }

    /** @return nc_priem_settings */
    public function settings()
    {
        if ($this->settings === null) {
            $this->settings = new nc_priem_settings($this->netcat);
        }
        return $this->settings;
    }

    /** @return nc_priem_fields */
    public function fields()
    {
        return new nc_priem_fields($this->netcat, $this->settings());
    }

    /** @return nc_priem_push */
    public function push()
    {
        return new nc_priem_push($this->settings());
    }

    /** @return nc_priem_installer */
    public function installer()
    {
        return new nc_priem_installer($this->netcat, $this->settings());
    }

    /** @return nc_priem_catalog the clinic and doctor cards, by MIS code */
    public function catalog()
    {
        if ($this->catalog === null) {
            $this->catalog = new nc_priem_catalog($this->netcat, $this->settings());
        }
        return $this->catalog;
    }

    /** @return nc_priem_guard the booking form's tokens and rate limits */
    public function guard()
    {
        return new nc_priem_guard($this->settings()->form_secret());
    }

    /** @return nc_priem_api the booking form's JSON API (api.php) */
    public function api()
    {
        return new nc_priem_api($this);
    }

    /**
     * The booking widget for a doctor card: the button «Выбрать дату и время» that opens the
     * doctor's schedule. For a doctor-card template:
     * `<?= nc_priem::get_instance()->widget($f_MisCode) ?>`.
     *
     * @param string $codes   the card's MIS code cell ("0042", "0042, 0107", "1:0042")
     * @param array  $options collapsed (default true), policy_url, phone (default: the phone of the
     *                        clinic card of the doctor's filial, else the settings' ClinicPhone)
     * @return string HTML ('' when none of the codes has a schedule)
     */
    public function widget($codes, array $options = array())
    {
        $targets = $this->targets($codes);
        if (!$targets) {
            return '';
        }
        if (!isset($options['phone'])) {
            // «Или позвоните» before the schedule loads: the doctor's (first) filial's clinic card
            $options['phone'] = $targets[0]['phone'];
        }
        $places = array();
        foreach ($targets as $t) {
            $places[] = array('filial' => $t['filial'], 'doctor' => $t['doctor']);
        }
        return $this->widget_html(array_merge(array('mode' => 'doctor', 'targets' => $places, 'collapsed' => true), $options));
    }

    /**
     * What a doctor card of a list offers (the shipped «Врачи» list): «Записаться на приём» to
     * $href (the doctor's page, with his schedule) when the MIS has sent a schedule for one of the
     * card's codes; otherwise «Запись по телефону» with the clinic's phone when one is known, or
     * nothing — never a button that leads to an empty booking form (booking-ux.md).
     *
     * @param string $codes the card's MIS code cell
     * @param string $href  the doctor's page
     * @return string HTML
     */
    public function book_link($codes, $href)
    {
        $targets = $this->targets($codes);
        if ($targets === null) {
            return '';
        }
        if ($targets) {
            return '<a class="priem-doctor__book" href="' . htmlspecialchars((string)$href, ENT_QUOTES) . '">Записаться на приём</a>';
        }
        return $this->phone_note($codes);
    }

    /**
     * «Запись по телефону» with the phone of the card's clinic (else the clinic's ClinicPhone)
     * for a doctor card whose codes have no schedule; '' when they have one or no phone is known.
     * The shipped doctor page prints it where widget() printed nothing.
     *
     * @param string $codes the card's MIS code cell
     * @return string HTML
     */
    public function phone_note($codes)
    {
        if (self::extension_problem() !== null) {
            return '';
        }
        $targets = $this->targets($codes);
        if ($targets === null || $targets) {
            return '';
        }
        $phone = priem_code_phone((string)$codes, $this->catalog()->clinics());
        if ($phone === '') {
            return '';
        }
        $tel = preg_replace('/[^0-9+]/', '', $phone);
        return '<p class="priem-doctor__phone">Запись по телефону <a href="tel:' . htmlspecialchars($tel, ENT_QUOTES) . '">'
            . htmlspecialchars($phone, ENT_QUOTES) . '</a></p>';
    }

    /**
     * Where the card's codes book (priem_code_targets: empty when the MIS has sent none of them),
     * null when that cannot be told (no extension, a broken setting: logged).
     */
    private function targets($codes)
    {
        if (self::extension_problem() !== null) {
            return null;
        }
        try {
            return priem_code_targets($this->settings()->engine(true), (string)$codes, $this->catalog()->clinics());
        } catch (\Priem\Exception $e) {
            error_log('priem: ' . get_class($e) . ': ' . $e->getMessage());
            return null;
        }
    }

    /**
     * The general booking page: clinic → specialty → doctors with their nearest times.
     *
     * @param array $options filial, specialty (preselected), policy_url, phone
     * @return string HTML
     */
    public function picker(array $options = array())
    {
        // a clinic's «Записаться на приём» links here with ?filial=<its MIS code> (booking_url())
        if (!isset($options['filial']) && isset($_GET['filial']) && is_string($_GET['filial'])
            && preg_match('/^[A-Za-z0-9_.-]{1,64}$/', $_GET['filial'])) {
            $options['filial'] = $_GET['filial'];
        }
        return $this->widget_html(array_merge(array('mode' => 'picker'), $options));
    }

    /**
     * The stylesheet of the shipped clinic and doctor templates (cards.css, every rule scoped to
     * the module's own classes, nothing of the host page restyled): a <link> whose URL carries the
     * file's content hash, the same for every list and page, so the browser fetches it once.
     */
    public function cards_style()
    {
        $file = __DIR__ . '/../cards.css';
        $v = is_file($file) ? substr((string)md5_file($file), 0, 10) : '';
        return '<link rel="stylesheet" href="' . htmlspecialchars($this->netcat->module_url() . 'cards.css?v=' . $v, ENT_QUOTES) . '">';
    }

    /**
     * Where to book at a clinic: the site's page with the «Онлайн-запись» block and the clinic's
     * filial chosen (?filial=<the card's first MIS code>); '' when the site has no such page.
     *
     * @param string $codes the clinic card's MIS code cell ("1", "1, 5")
     */
    public function booking_url($codes)
    {
        $path = $this->netcat->booking_page_path($this->netcat->component_id('priem_booking'));
        if ($path === null) {
            return '';
        }
        $first = preg_split('/[\s,;]+/', trim((string)$codes));
        $filial = $first && preg_match('/^[A-Za-z0-9_.-]{1,64}$/', $first[0]) ? $first[0] : '';
        return $path . ($filial !== '' ? '?filial=' . rawurlencode($filial) : '');
    }

    /**
     * The «Онлайн-запись» infoblock: its custom settings ($cc_settings) say whether it books the
     * doctor of the card it stands on (mode "doctor", codes from the card or typed in) or shows
     * the picker.
     */
    public function infoblock(array $cc_settings, $card_codes = '')
    {
        $mode = isset($cc_settings['mode']) ? (string)$cc_settings['mode'] : 'picker';
        $options = array();
        foreach (array('filial', 'specialty') as $k) {
            if (isset($cc_settings[$k]) && (string)$cc_settings[$k] !== '') {
                $options[$k] = (string)$cc_settings[$k];
            }
        }
        if ($mode === 'doctor') {
            $codes = isset($cc_settings['doctor']) && (string)$cc_settings['doctor'] !== '' ? $cc_settings['doctor'] : $card_codes;
            if ((string)$codes === '') {
                // the block stands on a doctor's page: the doctor of the card shown there
                $s = $this->settings();
                $codes = $this->netcat->current_card_code($this->netcat->component_id((string)$s->get('DoctorComponent')),
                    (string)$s->get('CodeField'));
            }
            return $this->widget((string)$codes, array('collapsed' => !empty($cc_settings['collapsed'])));
        }
        return $this->picker($options);
    }

    private function widget_html(array $config)
    {
        $s = $this->settings();
        $base = $this->netcat->module_url();
        $config = array_merge(array(
            'api' => $base . 'api.php',
            'phone' => (string)$s->get('ClinicPhone'),
            'policy_url' => (string)$s->get('PolicyUrl'),
            'consent_version' => (string)$s->get('ConsentVersion'),
            // the form's words (field errors, outcomes) as the extension says them
            'texts' => self::extension_problem() === null ? priem_form_texts() : array(),
        ), $config);
        $html = $script = '';
        if ($config['mode'] === 'picker') {
            // The booking page shows the first clinic's doctors (or the block's clinic): name it, so
            // the widget asks for them at once, and have the browser fetch them while the script loads.
            if (!isset($config['filial']) || (string)$config['filial'] === '') {
                $config['filial'] = $this->first_filial();
            }
            if ($config['filial'] !== '') {
                $html .= '<link rel="preload" as="fetch" crossorigin href="' . htmlspecialchars($config['api']
                    . '?action=doctors&filial=' . rawurlencode($config['filial']) . '&times=' . self::CARD_TIMES, ENT_QUOTES) . '">';
            }
        }
        if (!self::$assets_printed) {
            self::$assets_printed = true;
            // one script, its styles inside (it loads the dialog's later), right after the widget and
            // async: it starts as soon as it is here, not after the rest of the page; the content hash
            // (written by build.sh) renews the URL with every build
            $v = (string)include __DIR__ . '/../widget/assets.php';
            $script = '<script src="' . htmlspecialchars($base . 'widget/priem.js?v=' . rawurlencode($v), ENT_QUOTES) . '" async></script>';
        }
        $json = json_encode($config, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        $fallback = $config['phone'] !== ''
            ? 'Запись по телефону: <a href="tel:' . htmlspecialchars(preg_replace('/[^0-9+]/', '', $config['phone']), ENT_QUOTES) . '">'
              . htmlspecialchars($config['phone'], ENT_QUOTES) . '</a>'
            : 'Загрузка расписания…';
        return $html . '<div class="priem-widget" data-priem="' . htmlspecialchars($json, ENT_QUOTES) . '">'
            . '<noscript>Для онлайн-записи включите JavaScript.</noscript>'
            . '<p class="priem-widget__fallback">' . $fallback . '</p></div>' . $script;
    }

    /** The first clinic with a schedule (as the API lists them), '' when there is none or no extension. */
    private function first_filial()
    {
        if (self::extension_problem() !== null) {
            return '';
        }
        try {
            $filials = priem_filials($this->settings()->engine(true));
        } catch (\Priem\Exception $e) {
            return '';
        }
        return $filials ? (string)$filials[0]['code'] : '';
    }

    /**
     * One engine tick (FTP import, code check, outbox, results, alert mails).
     *
     * @return array the report of priem_sync(); 'line' is a one-line summary
     */
    public function sync()
    {
        if (function_exists('set_time_limit')) {
            @set_time_limit(0);
        }
        ignore_user_abort(true);
        return priem_sync($this->settings()->engine());
    }

    /** What ProDoctorov is told when the site cannot take its booking now (details: the server's log). */
    const PD_UNAVAILABLE = 'Сервис записи клиники временно недоступен';

    /**
     * ProDoctorov's direct booking (prodoctorov.php): the answer (nc_priem_http), JSON
     * {"success": …, "error": …}. The connector must be on (settings, ProDoctorov tab) with the
     * endpoint's login and a strong password (401 otherwise, whatever is sent); the extension
     * checks them — 10 wrong passwords from an address in 10 minutes: 429 with Retry-After until
     * the window ends — and does the rest.
     *
     * @param string      $method        the HTTP method
     * @param string      $authorization the Authorization header ('' if none)
     * @param string|null $body          the request body, null when longer than 64 KB
     * @param array       $server        $_SERVER (the client's address)
     */
    public function prodoctorov_booking($method, $authorization, $body, array $server = array())
    {
        $answer = function ($status, $error, array $headers = array()) {
            return nc_priem_http::json($status, array('success' => false, 'error' => $error), $headers);
        };
        $challenge = array('WWW-Authenticate' => 'Basic realm="priem", charset="UTF-8"');
        if (self::extension_problem() !== null) {
            return $answer(503, self::PD_UNAVAILABLE);
        }
        if ($method !== 'POST') {
            return $answer(405, 'Нужен POST с JSON прямой записи', array('Allow' => 'POST'));
        }
        if ($body === null) {
            return $answer(413, 'Запрос больше 64 КБ');
        }
        // the extension takes UTF-8 only: anything else is refused before it sees the text
        if (!nc_priem_http::is_utf8($authorization)) {
            return $answer(401, 'Заголовок Authorization не в кодировке UTF-8', $challenge);
        }
        if (!nc_priem_http::is_utf8($body)) {
            return $answer(400, 'Тело запроса не в кодировке UTF-8');
        }
        $settings = $this->settings()->engine(true);
        if (empty($settings['prodoctorov']['enabled'])) {
            return $answer(404, 'Прямая запись от ПроДокторов на этом сайте выключена');
        }
        try {
            // the extension keeps the door: closed without a login and a strong password, and an
            // address that sent 10 wrong passwords in 10 minutes waits (429)
            $r = priem_prodoctorov_booking($settings, $body, $authorization === '' ? null : $authorization, null,
                nc_priem_guard::client($settings, $server));
        } catch (\Priem\Exception $e) {
            error_log('priem: prodoctorov.php: ' . get_class($e) . ': ' . $e->getMessage());
            return $answer(503, self::PD_UNAVAILABLE);
        }
        $headers = (int)$r['http'] === 401 ? $challenge : array();
        if ($r['retry_after'] !== null) {
            $headers['Retry-After'] = (string)$r['retry_after'];
        }
        return nc_priem_http::json((int)$r['http'], $r['body'], $headers);
    }

    /** Whether the extension is loaded and is the version this module expects. */
    public static function extension_problem()
    {
        if (!extension_loaded('priem') || !function_exists('priem_version')) {
            return 'Не загружено PHP-расширение priem (libpriem.so). Добавьте extension=libpriem.so '
                . 'в php.ini и для CLI, и для php-fpm, перезапустите php-fpm и повторите.';
        }
        $version = priem_version();
        if ($version !== self::EXTENSION_VERSION) {
            return 'Расширение priem версии ' . $version . ', а модулю нужна версия '
                . self::EXTENSION_VERSION . '. Установите расширение из того же выпуска, что и модуль.';
        }
        return null;
    }
}
