<?php

/**
 * The ProDoctorov-compatible schedule push (mis-exchange.md §1.2.2), as plain PHP:
 *  - old style: POST form fields login, password, cells (the schedule as JSON text), or the same
 *    three fields as a JSON body;
 *  - v2 style: "Authorization: Token <token>" and a JSON body {"schedule": {…}}.
 * Credentials come from the module settings (PushLogin/PushPassword, PushToken); a style whose
 * credentials are not configured is refused. No credentials: 401; wrong ones: 403, counted per
 * address by the extension — after 10 in 10 minutes the address gets 429 (Retry-After) until the
 * window ends, right credentials or not; a body above PushMaxMb: 413; a document that is not
 * UTF-8 JSON of the schedule: 400 (the schedule kept).
 * Answers are JSON {"success": …, "error": "<Russian>"} for the MIS's integrators.
 */
class nc_priem_push
{
    /** @var nc_priem_settings */
    private $settings;

    public function __construct(nc_priem_settings $settings)
    {
        $this->settings = $settings;
    }

    /** The largest push body accepted, in bytes (setting PushMaxMb). */
    public function max_bytes()
    {
        return max(1, (int)$this->settings->get('PushMaxMb')) * 1048576;
    }

    /**
     * @param string      $method the HTTP method
     * @param string      $auth   the Authorization header ('' if none)
     * @param array       $post   $_POST
     * @param string|null $body   the raw request body, null when longer than max_bytes()
     * @param array       $server $_SERVER (the client's address)
     * @return array the answer (nc_priem_http)
     */
    public function handle($method, $auth, array $post, $body, array $server = array())
    {
        if (nc_priem::extension_problem() !== null) {
            return self::answer(503, 'Приём расписания на сайте временно недоступен, повторите позже');
        }
        if (strtoupper($method) !== 'POST') {
            return self::answer(405, 'Нужен POST с расписанием', array('Allow' => 'POST'));
        }
        if ($body === null) {
            return self::answer(413, 'Расписание больше ' . (int)$this->settings->get('PushMaxMb')
                . ' МБ — предела, заданного в настройках модуля (PushMaxMb)');
        }
        $limit = nc_priem_http::post_max_bytes();
        if (!$post && $limit > 0 && nc_priem_http::content_length() > $limit) {
            // PHP dropped the form fields: say so instead of "no credentials"
            return self::answer(413, 'Запрос больше, чем принимает PHP сайта (post_max_size = ' . ini_get('post_max_size')
                . '): увеличьте post_max_size');
        }
        try {
            $settings = $this->settings->engine(true);
            $client = nc_priem_guard::client($settings, $server);
            $wait = priem_login_wait($settings, $client);
            if ($wait > 0) {
                return self::answer(429, 'Слишком много неверных попыток входа с этого адреса. Повторите через '
                    . max(1, (int)ceil($wait / 60)) . ' мин.', array('Retry-After' => (string)(int)$wait));
            }
            $checked = $this->authenticate($auth, $post, $body);
            if ($checked[0] === 403) {
                priem_login_failed($settings, $client);
            }
        } catch (\Priem\TransientException $e) {
            return self::answer(503, 'База данных сайта временно недоступна, повторите позже');
        } catch (\Priem\Exception $e) {
            error_log('priem: push.php: ' . get_class($e) . ': ' . $e->getMessage());
            return self::answer(500, 'Расписание не загружено из-за ошибки на сайте; подробности — в журнале ошибок сервера сайта');
        }
        return is_string($checked[1]) ? $this->import($checked[1]) : $checked[1];
    }

    /**
     * The credentials of either style: [0, the schedule's JSON text] when they are right, else
     * [status, the answer] — 401 (none), 403 (wrong), 400 (no cells).
     */
    private function authenticate($auth, array $post, $body)
    {
        if (preg_match('/^\s*Token\s+(\S+)\s*$/i', (string)$auth, $m)) {
            $token = (string)$this->settings->get('PushToken');
            if ($token === '' || !hash_equals($token, $m[1])) {
                return array(403, self::answer(403, 'Неверный токен'));
            }
            return array(0, $body);
        }
        $fields = $post;
        if (!isset($fields['login']) && trim($body) !== '') {
            $decoded = json_decode($body, true);
            if (is_array($decoded) && isset($decoded['login'])) {
                $fields = $decoded;
            }
        }
        if (!isset($fields['login'], $fields['password']) || !is_string($fields['login'])
            || !is_string($fields['password'])) {
            return array(401, self::answer(401, 'Нужны логин и пароль (поля login и password) или заголовок Authorization: Token',
                array('WWW-Authenticate' => 'Token')));
        }
        $login = (string)$this->settings->get('PushLogin');
        $password = (string)$this->settings->get('PushPassword');
        if ($login === '' || $password === '' || !hash_equals($login, $fields['login'])
            || !hash_equals($password, $fields['password'])) {
            return array(403, self::answer(403, 'Неверный логин или пароль'));
        }
        if (!isset($fields['cells'])) {
            return array(400, self::answer(400, 'Нет поля cells с расписанием'));
        }
        return array(0, is_string($fields['cells'])
            ? $fields['cells']
            : json_encode($fields['cells'], JSON_UNESCAPED_UNICODE));
    }

    /**
     * The import, recorded by the extension as the cron's import of a file is: a sync run
     * («HTTP push» in «Состояние») and the alerts (mailed by the next cron run).
     */
    private function import($json)
    {
        try {
            $report = priem_push_schedule($this->settings->engine(), $json);
        } catch (\Priem\TransientException $e) {
            return self::answer(503, 'База данных сайта временно недоступна, повторите позже');
        } catch (\Priem\Exception $e) {
            error_log('priem: push.php: ' . get_class($e) . ': ' . $e->getMessage());
            return self::answer(500, 'Расписание не загружено из-за ошибки на сайте; подробности — в журнале ошибок сервера сайта');
        }
        if (!$report['ok']) {
            return self::answer(400, 'Расписание не принято: ' . $report['error'] . '; прежнее расписание сохранено');
        }
        $answer = array('success' => true);
        foreach (array('filials', 'doctors', 'slots_inserted', 'days_unchanged') as $k) {
            if (isset($report[$k])) {
                $answer[$k] = $report[$k];
            }
        }
        foreach (array('rejected', 'bad_cells') as $k) {
            $answer[$k] = isset($report[$k]) ? $report[$k] : array();
        }
        return nc_priem_http::json(200, $answer);
    }

    private static function answer($status, $error, array $headers = array())
    {
        return nc_priem_http::json($status, array('success' => false, 'error' => $error), $headers);
    }

    /** The Authorization header under Apache, FastCGI and php -S. */
    public static function authorization_header(array $server)
    {
        foreach (array('HTTP_AUTHORIZATION', 'REDIRECT_HTTP_AUTHORIZATION') as $k) {
            if (!empty($server[$k])) {
                return (string)$server[$k];
            }
        }
        if (function_exists('getallheaders')) {
            foreach ((array)getallheaders() as $name => $value) {
                if (strtolower($name) === 'authorization') {
                    return (string)$value;
                }
            }
        }
        return '';
    }
}
