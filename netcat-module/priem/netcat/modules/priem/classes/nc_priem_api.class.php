<?php

/**
 * The booking form's JSON API (docs/api.md): filials, doctors with their nearest free times, a
 * doctor's grid, a form token, booking, a booking's status and its .ics. Plain PHP over the
 * extension and the module's adapter; api.php only collects the request and prints the answer.
 *
 * handle() returns [HTTP status, headers, body]. Nothing personal is logged: errors that reach
 * the log carry no form fields.
 */
class nc_priem_api
{
    /** @var nc_priem */
    private $priem;

    /** @var callable|null returns the current UNIX time (tests move the clock) */
    private $clock;

    /** @var array|null */
    private $engine_settings = null;

    public function __construct(nc_priem $priem, $clock = null)
    {
        $this->priem = $priem;
        $this->clock = $clock;
    }

    /**
     * api.php's request: the body (at most 64 KB, read only for a POST) and then handle().
     *
     * @return array [int status, array headers, string body]
     */
    public function serve(array $server, array $get)
    {
        if (nc_priem::extension_problem() !== null) {
            return nc_priem_http::json(503, self::unavailable_answer());
        }
        $body = '';
        if (isset($server['REQUEST_METHOD']) && strtoupper((string)$server['REQUEST_METHOD']) === 'POST') {
            $body = nc_priem_http::body(nc_priem_http::SMALL_BODY);
            if ($body === null) {
                return self::error(413, 'too_large', 'Запрос слишком большой. Позвоните в клинику, пожалуйста.');
            }
        }
        return $this->handle($server, $get, $body);
    }

    /**
     * api.php's grid before NetCat's core is booted: the answer from what this process keeps
     * (the module's settings and the editors' cards, priem_visitor_grid_json) after one cheap
     * statement says they are current — or null, and api.php takes the full path (the core, the
     * settings and cards read, kept again for the next request). The same checks as the full
     * path: GET or HEAD only, UTF-8 only, no session (none is started here), the same responder;
     * anything unusual (a missing parameter, an error) is left to the full path to answer.
     *
     * @return array|null [int status, array headers, string body]
     */
    public static function serve_kept(array $server, array $get)
    {
        $method = isset($server['REQUEST_METHOD']) ? strtoupper((string)$server['REQUEST_METHOD']) : 'GET';
        if (($method !== 'GET' && $method !== 'HEAD') || !isset($get['action']) || $get['action'] !== 'grid'
            || !function_exists('priem_visitor_grid_json') || nc_priem::extension_problem() !== null
            || !nc_priem_http::is_utf8($get)) {
            return null;
        }
        $filial = self::param($get, 'filial');
        $doctor = self::param($get, 'doctor');
        if ($filial === '' || $doctor === '') {
            return null;
        }
        try {
            $json = priem_visitor_grid_json(nc_priem_netcat::site_db(), $filial, $doctor, gmdate('Y-m-d\TH:i:s\Z'));
        } catch (\Priem\NotFoundException $e) {
            return self::error(404, 'not_found', 'Нет такого расписания: ' . $e->getMessage());
        } catch (\Priem\Exception $e) {
            return null; // the full path answers it (and logs what it finds)
        }
        if ($json === null) {
            return null;
        }
        $out = self::json(200, array());
        $out[2] = $json;
        return $out;
    }

    /** What a visitor is told when the site cannot answer (no details: they go to the server's log). */
    public static function unavailable_answer()
    {
        return array('status' => 'unavailable', 'message' => 'Запись через сайт временно недоступна. Позвоните в клинику, пожалуйста.');
    }

    /**
     * @param array  $server $_SERVER (method, host, origin, address)
     * @param array  $get    $_GET
     * @param string $body   the raw request body
     * @return array [int status, array headers, string body]
     */
    public function handle(array $server, array $get, $body)
    {
        $method = isset($server['REQUEST_METHOD']) ? strtoupper((string)$server['REQUEST_METHOD']) : 'GET';
        // the extension takes UTF-8 only: other bytes in the address are the client's mistake
        if (!nc_priem_http::is_utf8($get)) {
            return self::error(400, 'bad_request', 'В адресе запроса есть символы не в кодировке UTF-8. Обновите страницу.');
        }
        $action = isset($get['action']) ? (string)$get['action'] : '';
        try {
            switch ($action) {
                case 'filials':
                    return $this->read($method, array($this, 'filials'), $get);
                case 'doctors':
                    return $this->read($method, array($this, 'doctors'), $get);
                case 'grid':
                    return $this->read($method, array($this, 'grid'), $get);
                case 'token':
                    return $this->read($method, array($this, 'token'), $get);
                case 'status':
                    return $this->read($method, array($this, 'status'), $get);
                case 'ics':
                    return $method === 'GET' ? $this->ics($get) : $this->method_not_allowed('GET');
                case 'book':
                    return $method === 'POST' ? $this->book($server, (string)$body) : $this->method_not_allowed('POST');
                default:
                    return self::error(404, 'not_found', 'Неизвестное действие API: ' . $action);
            }
        } catch (\Priem\NotFoundException $e) {
            return self::error(404, 'not_found', 'Нет такого расписания: ' . $e->getMessage());
        } catch (\Priem\Exception $e) {
            // the database is down or broken, the module's settings are wrong (ConfigException):
            // the site's staff read the server's log; the visitor is told the booking is unavailable
            error_log('priem: api.php ' . $action . ': ' . get_class($e) . ': ' . $e->getMessage());
            return $this->unavailable();
        }
    }

    // ---- reads --------------------------------------------------------------------------

    private function read($method, $fn, array $get)
    {
        if ($method !== 'GET' && $method !== 'HEAD') {
            return $this->method_not_allowed('GET');
        }
        $out = call_user_func($fn, $get);
        return is_array($out) && isset($out[0]) && is_int($out[0]) ? $out : self::json(200, $out);
    }

    private function filials(array $get)
    {
        return array('filials' => priem_filials($this->engine_settings(), $this->catalog()->all(), $this->now_utc()));
    }

    private function doctors(array $get)
    {
        $filial = self::param($get, 'filial');
        if ($filial === '') {
            return self::error(400, 'bad_request', 'Не указан филиал (filial)');
        }
        $times = isset($get['times']) ? max(1, min(12, (int)$get['times'])) : 4;
        return priem_doctors($this->engine_settings(), $filial, $this->now_utc(), $times, $this->catalog()->all(),
            self::param($get, 'specialty'));
    }

    private function grid(array $get)
    {
        $filial = self::param($get, 'filial');
        $doctor = self::param($get, 'doctor');
        if ($filial === '' || $doctor === '') {
            return self::error(400, 'bad_request', 'Не указаны филиал и врач (filial, doctor)');
        }
        // the whole answer comes as JSON text from the extension: the days are not decoded and encoded again
        $out = self::json(200, array());
        $kept = $this->keep_for_visitors();
        $out[2] = $kept !== null
            ? priem_grid_json($kept['settings'], $filial, $doctor, $this->now_utc(), null, $kept['cards'])
            : priem_grid_json($this->engine_settings(), $filial, $doctor, $this->now_utc(), null,
                $this->catalog()->of($filial, $doctor));
        return $out;
    }

    /**
     * Reads the settings and every card again and has this process keep them for the lean grid
     * entry (serve_kept), with the check statement read first: a change after it shows as another
     * reading next time. Nothing is kept when the settings named other components meanwhile. Returns what it kept (settings, cards), or
     * null when it kept nothing (the caller reads the one doctor's cards).
     */
    private function keep_for_visitors()
    {
        if (!function_exists('priem_visitor_keep')) {
            return null;
        }
        $netcat = $this->priem->netcat();
        $settings = $this->priem->settings();
        $ids = function () use ($netcat, $settings) {
            return array($netcat->component_id((string)$settings->get('ClinicComponent')),
                         $netcat->component_id((string)$settings->get('DoctorComponent')));
        };
        $before = $ids();
        $check_sql = $netcat->visitor_check_sql($before);
        $check = priem_visitor_check($this->engine_settings(), $check_sql);
        // what the check vouches for is read after it
        $settings->forget();
        $this->engine_settings = null;
        if ($ids() !== $before) {
            return null;
        }
        $kept = array('settings' => $this->engine_settings(), 'cards' => $this->catalog()->all());
        priem_visitor_keep($kept['settings'], $check_sql, $check, $kept['cards']);
        return $kept;
    }

    private function token(array $get)
    {
        $s = $this->priem->settings();
        $site_key = (string)$s->get('CaptchaSiteKey');
        return array(
            'token' => $this->guard()->issue_token($this->now()),
            'min_fill_seconds' => (int)$s->get('FormMinSeconds'),
            'captcha' => $site_key !== '' && (string)$s->get('CaptchaServerKey') !== '' ? array('site_key' => $site_key) : null,
        );
    }

    private function status(array $get)
    {
        $booking = $this->visitor_booking($get);
        if (isset($booking[0])) {
            return $booking;
        }
        return array('status' => $booking['view']['status'], 'booking' => $this->booking_view($booking['view']));
    }

    private function ics(array $get)
    {
        $booking = $this->visitor_booking($get);
        if (isset($booking[0])) {
            return $booking;
        }
        if ($booking['status'] !== 'confirmed') {
            return self::error(404, 'not_confirmed', 'Запись ещё не подтверждена клиникой');
        }
        $v = $booking['view'];
        $esc = function ($s) {
            return str_replace(array('\\', ';', ',', "\r", "\n"), array('\\\\', '\\;', '\\,', '', '\\n'), (string)$s);
        };
        $stamp = function ($utc) {
            return gmdate('Ymd\THis\Z', strtotime($utc));
        };
        $lines = array(
            'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//priem//booking//RU', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH',
            'BEGIN:VEVENT',
            'UID:priem-' . (int)$booking['id'] . '@' . preg_replace('/[^A-Za-z0-9.-]/', '', (string)$this->host()),
            'DTSTAMP:' . gmdate('Ymd\THis\Z', $this->now()),
            'DTSTART:' . $stamp($booking['start_utc']),
            'DTEND:' . $stamp($booking['end_utc']),
            'SUMMARY:' . $esc('Приём: ' . $v['doctor_name'] . ($v['specialty'] !== '' ? ' (' . $v['specialty'] . ')' : '')),
            'LOCATION:' . $esc(trim($v['clinic'] . ', ' . $v['address'], ', ')),
            'DESCRIPTION:' . $esc('Запись № ' . $v['number'] . ($v['phone'] !== '' ? '. Телефон клиники: ' . $v['phone'] : '')),
            'END:VEVENT', 'END:VCALENDAR',
        );
        $body = '';
        foreach ($lines as $line) {
            $body .= self::fold($line) . "\r\n";
        }
        return array(200, array(
            'Content-Type' => 'text/calendar; charset=utf-8',
            'Content-Disposition' => 'attachment; filename="priem-' . (int)$booking['id'] . '.ics"',
            'Cache-Control' => 'no-store',
        ), $body);
    }

    /** RFC 5545 folding: lines of at most 75 octets, not splitting a UTF-8 character. */
    private static function fold($line)
    {
        $out = '';
        while (strlen($line) > 75) {
            $cut = 75;
            while ($cut > 0 && (ord($line[$cut]) & 0xC0) === 0x80) {
                $cut--;
            }
            $out .= substr($line, 0, $cut) . "\r\n ";
            $line = substr($line, $cut);
        }
        return $out . $line;
    }

    /** The booking named by id and status token, or an error answer. */
    private function visitor_booking(array $get)
    {
        $id = isset($get['id']) ? (int)$get['id'] : 0;
        $t = self::param($get, 't');
        if ($id <= 0 || !$this->guard()->status_token_ok($id, $t)) {
            return self::error(404, 'not_found', 'Запись не найдена');
        }
        $booking = priem_booking($this->engine_settings(), $id, $this->catalog()->all());
        return $booking === null ? self::error(404, 'not_found', 'Запись не найдена') : $booking;
    }

    // ---- booking ------------------------------------------------------------------------

    private function book(array $server, $body)
    {
        if (!nc_priem_guard::same_origin($server)) {
            return self::error(403, 'forbidden', 'Запрос пришёл не со страницы этого сайта');
        }
        $in = json_decode($body, true);
        if (!is_array($in)) {
            return self::error(400, 'bad_request', 'Тело запроса — не JSON-объект');
        }
        $s = $this->priem->settings();
        $guard = $this->guard();
        $now = $this->now();
        if (isset($in['website']) && (string)$in['website'] !== '') {
            return self::error(403, 'forbidden', 'Запись не отправлена. Позвоните в клинику, пожалуйста.');
        }
        $bad = $guard->check_token(isset($in['token']) ? $in['token'] : null, $now, (int)$s->get('FormMinSeconds'));
        if ($bad === 'bad' || $bad === 'expired') {
            return self::error(403, 'forbidden', 'Форма устарела. Нажмите «Записаться» ещё раз.');
        }
        if ($bad === 'fast') {
            return self::error(403, 'too_fast', 'Форма отправлена слишком быстро. Проверьте данные и нажмите «Записаться» ещё раз.');
        }
        $settings = $this->engine_settings();
        $ip = nc_priem_guard::client($settings, $server);
        $captcha_key = (string)$s->get('CaptchaServerKey');
        if ($captcha_key !== '' && (string)$s->get('CaptchaSiteKey') !== '') {
            $verdict = nc_priem_guard::captcha($captcha_key, isset($in['captcha']) ? (string)$in['captcha'] : '', $ip);
            if ($verdict === 'failed') {
                return self::error(403, 'captcha', 'Подтвердите, что вы не робот');
            }
            if ($verdict === 'unavailable' && (string)$s->get('CaptchaFailOpen') !== '1') {
                $phone = (string)$s->get('ClinicPhone');
                return self::error(503, 'captcha_unavailable', 'Проверка «Я не робот» сейчас не отвечает, поэтому запись '
                    . 'не отправлена. Попробуйте через минуту или позвоните в клинику' . ($phone !== '' ? ': ' . $phone : '') . '.');
            }
        }
        $wait = priem_count_attempt($settings, $ip, $this->now_utc());
        if ($wait > 0) {
            return $this->rate_limited($wait);
        }
        $key = isset($in['idempotency_key']) ? (string)$in['idempotency_key'] : '';
        if (!preg_match('/^[A-Za-z0-9_-]{16,128}$/', $key)) {
            return self::error(400, 'bad_request', 'Нет ключа повтора (idempotency_key) или он неверен');
        }

        $request = array(
            'filial_id' => self::param($in, 'filial'),
            'doctor_id' => self::param($in, 'doctor'),
            'date' => self::param($in, 'date'),
            'time_start' => self::param($in, 'time_start'),
            'name' => isset($in['name']) && is_string($in['name']) ? $in['name'] : '',
            'phone' => isset($in['phone']) && is_string($in['phone']) ? $in['phone'] : '',
            'comment' => isset($in['comment']) && is_string($in['comment']) ? $in['comment'] : '',
        );

        $texts = priem_form_texts();
        try {
            // the extension counts the booking per phone and per doctor-day and uses the token once
            $result = priem_book($settings, $request, array(
                'idempotency_key' => $key,
                'source' => 'site',
                'consent_ip' => $ip,
                // the visitor's consent (152-ФЗ): without it the extension refuses with the field errors
                'consent_version' => isset($in['consent']) && $in['consent'] === true ? (string)$s->get('ConsentVersion') : null,
                'form_nonce' => nc_priem_guard::nonce($in['token']),
                'now_utc' => $this->now_utc(),
            ), $this->catalog()->of($request['filial_id'], $request['doctor_id']));
        } catch (\Priem\ValidationException $e) {
            return $this->invalid(self::api_errors($e->getErrors()));
        } catch (\Priem\ConflictException $e) {
            return self::json(409, array(
                'status' => 'taken',
                'message' => $texts['taken'] . '. Выберите другое:',
                'alternatives' => $e->getAlternatives(),
            ));
        } catch (\Priem\LimitException $e) {
            if ($e->getKind() === 'form_used') {
                return self::error(403, 'forbidden', $e->getMessage());
            }
            if ($e->getKind() === 'doctor_day') {
                return $this->invalid(array('form' => $e->getMessage())); // the day, not the visitor: pick another
            }
            return $this->rate_limited($e->getRetryAfter(), $e->getMessage());
        }
        $view = $this->booking_view($result['booking']);
        $out = array('status' => $result['status'], 'booking' => $view);
        if ($result['status'] === 'confirmed') {
            $out['message'] = $texts['confirmed'];
            $out['ics_url'] = $this->ics_url($view);
        } elseif ($result['status'] === 'pending') {
            $out['message'] = $texts['pending'];
        } else {
            $out['message'] = 'Клиника не подтвердила запись' . ($result['reason'] !== null && $result['reason'] !== ''
                ? ': ' . $result['reason'] : '') . '. Выберите другое время или позвоните в клинику.';
            $out['alternatives'] = $result['alternatives'];
        }
        return self::json(200, $out);
    }

    /** The engine's field names → the form's. */
    private static function api_errors(array $errors)
    {
        $map = array('filial_id' => 'form', 'doctor_id' => 'form', 'date' => 'time_start', 'specialty' => 'form');
        $out = array();
        foreach ($errors as $field => $message) {
            $f = isset($map[$field]) ? $map[$field] : $field;
            $out[$f] = isset($out[$f]) ? $out[$f] . ' ' . $message : $message;
        }
        return $out;
    }

    /** What the visitor sees of a booking (the extension's view) with its status token. */
    private function booking_view(array $view)
    {
        return array_slice($view, 0, 2) + array('status_token' => $this->guard()->status_token($view['id'])) + $view;
    }

    private function ics_url(array $view)
    {
        return $this->api_url() . '?action=ics&id=' . $view['id'] . '&t=' . $view['status_token'];
    }

    // ---- helpers ------------------------------------------------------------------------

    /** The URL path of api.php on the site. */
    public function api_url()
    {
        return $this->priem->netcat()->module_url() . 'api.php';
    }

    private function host()
    {
        return isset($_SERVER['HTTP_HOST']) ? $_SERVER['HTTP_HOST'] : 'localhost';
    }

    /** The extension's settings, made once per request (they read the cards' components). */
    private function engine_settings()
    {
        if ($this->engine_settings === null) {
            $this->engine_settings = $this->priem->settings()->engine(true);
        }
        return $this->engine_settings;
    }

    /** @return nc_priem_catalog */
    private function catalog()
    {
        return $this->priem->catalog();
    }

    private function guard()
    {
        return $this->priem->guard();
    }

    private function now()
    {
        return $this->clock ? (int)call_user_func($this->clock) : time();
    }

    private function now_utc()
    {
        return gmdate('Y-m-d\TH:i:s\Z', $this->now());
    }

    private static function param(array $a, $key)
    {
        return isset($a[$key]) && is_scalar($a[$key]) ? trim((string)$a[$key]) : '';
    }

    private function invalid(array $errors)
    {
        return self::json(422, array('status' => 'invalid', 'message' => 'Проверьте поля формы', 'errors' => $errors));
    }

    private function rate_limited($wait, $message = null)
    {
        $minutes = max(1, (int)ceil($wait / 60));
        $out = self::error(429, 'rate_limited', $message !== null ? $message
            : 'Слишком много попыток записи. Попробуйте через ' . $minutes . ' мин. или позвоните в клинику.');
        $out[1]['Retry-After'] = (string)max(1, (int)$wait);
        return $out;
    }

    private function unavailable()
    {
        $phone = (string)$this->priem->settings()->get('ClinicPhone');
        return self::error(503, 'unavailable', 'Запись через сайт временно недоступна'
            . ($phone !== '' ? '. Позвоните в клинику: ' . $phone : '. Позвоните в клинику, пожалуйста') . '.');
    }

    private function method_not_allowed($allowed)
    {
        $out = self::error(405, 'method_not_allowed', 'Метод не поддерживается');
        $out[1]['Allow'] = $allowed;
        return $out;
    }

    private static function error($status, $word, $message)
    {
        return self::json($status, array('status' => $word, 'message' => $message));
    }

    private static function json($status, array $data)
    {
        return nc_priem_http::json($status, $data);
    }
}
