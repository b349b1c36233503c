<?php

/**
 * The ProDoctorov-compatible schedule push (mis-exchange.md §1.2.2), as plain PHP:
 *  - old style: POST form fields login, password, cells (the schedule as JSON text), or the same
 *    three fields as a JSON body;
 *  - v2 style: "Authorization: Token <token>" and a JSON body {"schedule": {…}}.
 * Credentials come from the module settings (PushLogin/PushPassword, PushToken); a style whose
 * credentials are not configured is refused. No credentials: 401; wrong ones: 403.
 */
class nc_priem_push
{
    /** @var nc_priem_settings */
    private $settings;

    public function __construct(nc_priem_settings $settings)
    {
        $this->settings = $settings;
    }

    /**
     * @param string $method  the HTTP method
     * @param string $auth    the Authorization header ('' if none)
     * @param array  $post    $_POST
     * @param string $body    the raw request body
     * @return array [HTTP status, JSON-able answer]
     */
    public function handle($method, $auth, array $post, $body)
    {
        if (strtoupper($method) !== 'POST') {
            return array(405, array('success' => false, 'error' => 'POST only'));
        }
        $json = null;
        if (preg_match('/^\s*Token\s+(\S+)\s*$/i', (string)$auth, $m)) {
            $token = (string)$this->settings->get('PushToken');
            if ($token === '' || !hash_equals($token, $m[1])) {
                return array(403, array('success' => false, 'error' => 'invalid token'));
            }
            $json = (string)$body;
        } else {
            $fields = $post;
            if (!isset($fields['login']) && trim((string)$body) !== '') {
                $decoded = json_decode((string)$body, true);
                if (is_array($decoded) && isset($decoded['login'])) {
                    $fields = $decoded;
                }
            }
            if (!isset($fields['login'], $fields['password']) || !is_string($fields['login'])
                || !is_string($fields['password'])) {
                return array(401, array('success' => false, 'error' => 'authentication required'));
            }
            $login = (string)$this->settings->get('PushLogin');
            $password = (string)$this->settings->get('PushPassword');
            if ($login === '' || $password === '' || !hash_equals($login, $fields['login'])
                || !hash_equals($password, $fields['password'])) {
                return array(403, array('success' => false, 'error' => 'invalid login or password'));
            }
            if (!isset($fields['cells'])) {
                return array(400, array('success' => false, 'error' => 'no cells'));
            }
            $json = is_string($fields['cells'])
                ? $fields['cells']
                : json_encode($fields['cells'], JSON_UNESCAPED_UNICODE);
        }
        return $this->import($json);
    }

    private function import($json)
    {
        try {
            $report = priem_import_schedule($this->settings->engine(), $json);
        } catch (\Priem\ParseException $e) {
            return array(400, array('success' => false, 'error' => $e->getMessage()));
        } catch (\Priem\TransientException $e) {
            return array(503, array('success' => false, 'error' => 'temporarily unavailable, retry later'));
        } catch (\Priem\Exception $e) {
            return array(500, array('success' => false, 'error' => 'import failed'));
        }
        $answer = array('success' => true);
        foreach (array('filials', 'doctors', 'slots_inserted', 'days_unchanged') as $k) {
            if (isset($report[$k])) {
                $answer[$k] = $report[$k];
            }
        }
        $answer['rejected'] = isset($report['rejected']) ? $report['rejected'] : array();
        return array(200, $answer);
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
