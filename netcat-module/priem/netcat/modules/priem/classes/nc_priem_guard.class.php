<?php

/**
 * The booking form's protections: signed form tokens (CSRF and the minimal fill time; the
 * extension makes each one book once), the status tokens of bookings, the client's address, the
 * same-origin check and the optional Yandex SmartCaptcha. What counts (attempts per address,
 * bookings per phone and per doctor-day, wrong logins) is the extension's: priem_count_attempt,
 * priem_book, priem_login_wait / priem_login_failed.
 */
class nc_priem_guard
{
    /** How long a form token is accepted, seconds. */
    const TOKEN_TTL = 7200;

    /** Where SmartCaptcha tokens are checked (overridable for tests). */
    public static $captcha_url = 'https://smartcaptcha.yandexcloud.net/validate';

    /** @var string */
    private $secret;

    public function __construct($secret)
    {
        $this->secret = (string)$secret;
    }

    // ---- tokens -------------------------------------------------------------------------

    /** A form token issued at $now: "<time>.<nonce>.<mac>". */
    public function issue_token($now)
    {
        $payload = (int)$now . '.' . bin2hex(random_bytes(8));
        return $payload . '.' . $this->mac('form|' . $payload);
    }

    /**
     * Checks a form token: null when good, else 'bad' (not ours), 'expired' or 'fast' (sent
     * sooner than $min_seconds after it was issued).
     */
    public function check_token($token, $now, $min_seconds)
    {
        $m = self::token_parts($token);
        if ($m === null) {
            return 'bad';
        }
        if (!hash_equals($this->mac('form|' . $m[1] . '.' . $m[2]), $m[3])) {
            return 'bad';
        }
        $age = (int)$now - (int)$m[1];
        if ($age > self::TOKEN_TTL || $age < -60) {
            return 'expired';
        }
        return $age < (int)$min_seconds ? 'fast' : null;
    }

    /** A form token's nonce (what the extension keeps with the booking it made), or null. */
    public static function nonce($token)
    {
        $m = self::token_parts($token);
        return $m === null ? null : $m[2];
    }

    private static function token_parts($token)
    {
        return is_string($token) && preg_match('/^(\d{1,12})\.([0-9a-f]{16})\.([0-9a-f]{32})$/', $token, $m) ? $m : null;
    }

    /** The token that lets a visitor read his booking's status and .ics. */
    public function status_token($booking_id)
    {
        return $this->mac('booking|' . (int)$booking_id);
    }

    public function status_token_ok($booking_id, $token)
    {
        return is_string($token) && hash_equals($this->status_token($booking_id), $token);
    }

    private function mac($text)
    {
        return substr(hash_hmac('sha256', $text, $this->secret), 0, 32);
    }

    // ---- origin -------------------------------------------------------------------------

    /**
     * Whether a POST comes from a page of this site: an Origin (or, without one, a Referer) of
     * another host, or the browser's Sec-Fetch-Site "cross-site", refuse it.
     */
    public static function same_origin(array $server)
    {
        if (isset($server['HTTP_SEC_FETCH_SITE']) && $server['HTTP_SEC_FETCH_SITE'] === 'cross-site') {
            return false;
        }
        $host = isset($server['HTTP_HOST']) ? strtolower((string)$server['HTTP_HOST']) : '';
        $from = isset($server['HTTP_ORIGIN']) ? (string)$server['HTTP_ORIGIN']
            : (isset($server['HTTP_REFERER']) ? (string)$server['HTTP_REFERER'] : '');
        if ($from === '') {
            return true; // no header: not a browser's cross-site request; the token still applies
        }
        $parts = parse_url($from);
        if (!is_array($parts) || !isset($parts['host'])) {
            return false; // "Origin: null" and the like
        }
        $origin = strtolower($parts['host']) . (isset($parts['port']) ? ':' . $parts['port'] : '');
        if ($host !== '' && $origin === $host) {
            return true;
        }
        // a Host without its port (Debian's nginx passes HTTP_HOST as $host): the names alone
        return $host !== '' && !preg_match('/:\d+$/', $host) && strtolower($parts['host']) === $host;
    }

    // ---- counting (the extension's: Priem_RateLimit is the core's) --------------------------

    /**
     * The address a request comes from (the one place that decides it): REMOTE_ADDR, or what a
     * trusted proxy's X-Forwarded-For says (settings «Доверенные прокси»).
     */
    public static function client(array $engine_settings, array $server)
    {
        $forwarded = isset($server['HTTP_X_FORWARDED_FOR']) ? (string)$server['HTTP_X_FORWARDED_FOR'] : null;
        return priem_client_address($engine_settings,
            isset($server['REMOTE_ADDR']) ? (string)$server['REMOTE_ADDR'] : '',
            $forwarded !== null && nc_priem_http::is_utf8($forwarded) ? $forwarded : null); // the extension takes UTF-8 only
    }

    // ---- captcha ------------------------------------------------------------------------

    /**
     * Yandex SmartCaptcha's verdict on a token: 'ok', 'failed' (no token, or the service says
     * no) or 'unavailable' (no answer, an HTTP error, an answer that is not its JSON). The caller
     * decides what an unavailable service means (CaptchaFailOpen: by default, no booking).
     */
    public static function captcha($server_key, $token, $ip)
    {
        if ((string)$token === '') {
            return 'failed';
        }
        $context = stream_context_create(array('http' => array(
            'method' => 'POST',
            'header' => "Content-Type: application/x-www-form-urlencoded\r\n",
            'content' => http_build_query(array('secret' => $server_key, 'token' => $token, 'ip' => $ip)),
            'timeout' => 3,
            'ignore_errors' => true,
        )));
        $answer = @file_get_contents(self::$captcha_url, false, $context);
        $status = isset($http_response_header[0]) && preg_match('~^HTTP/\S+ (\d{3})~', $http_response_header[0], $m)
            ? (int)$m[1] : 0;
        $json = is_string($answer) ? json_decode($answer, true) : null;
        if ($status !== 200 || !is_array($json) || !isset($json['status']) || !is_string($json['status'])) {
            return 'unavailable';
        }
        return $json['status'] === 'ok' ? 'ok' : 'failed';
    }
}
