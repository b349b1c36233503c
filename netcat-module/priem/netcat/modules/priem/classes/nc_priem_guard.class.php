<?php

/**
 * The booking form's protections: signed form tokens (CSRF and the minimal fill time), the
 * status tokens of bookings, rate limits per address and per phone (Priem_RateLimit, keys are
 * salted hashes), the same-origin check and the optional Yandex SmartCaptcha.
 */
class nc_priem_guard
{
    /** How long a form token is accepted, seconds. */
    const TOKEN_TTL = 7200;

    /** Per-address window, seconds (RateLimitIp attempts per window). */
    const IP_WINDOW = 600;

    /** Per-phone window, seconds (RateLimitPhone bookings per window). */
    const PHONE_WINDOW = 86400;

    /** Where SmartCaptcha tokens are checked (overridable for tests). */
    public static $captcha_url = 'https://smartcaptcha.yandexcloud.net/validate';

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var string */
    private $secret;

    public function __construct(nc_priem_netcat $netcat, $secret)
    {
        $this->netcat = $netcat;
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
        if (!is_string($token) || !preg_match('/^(\d{1,12})\.([0-9a-f]{16})\.([0-9a-f]{32})$/', $token, $m)) {
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

    // ---- rate limits --------------------------------------------------------------------

    /** Bucket names: a salted hash, never the address or the number itself. */
    public function bucket($kind, $value)
    {
        return $kind . ':' . substr(hash_hmac('sha256', $kind . '|' . $value, $this->secret), 0, 40);
    }

    /**
     * Counts one hit in the bucket's current window; returns the seconds to wait when the
     * count now exceeds $limit, else 0.
     */
    public function hit($bucket, $limit, $window, $now)
    {
        $start = $this->window_start($window, $now);
        $b = $this->netcat->quote($bucket);
        $this->netcat->execute('INSERT INTO `Priem_RateLimit` (`bucket`, `window_start`, `hits`) VALUES ('
            . $b . ", '" . gmdate('Y-m-d H:i:s', $start) . "', 1) ON DUPLICATE KEY UPDATE `hits` = `hits` + 1");
        if (mt_rand(1, 50) === 1) {
            $this->netcat->execute("DELETE FROM `Priem_RateLimit` WHERE `window_start` < '"
                . gmdate('Y-m-d H:i:s', (int)$now - 2 * self::PHONE_WINDOW) . "'");
        }
        return $this->hits($bucket, $window, $now) > $limit ? $start + $window - (int)$now : 0;
    }

    /** Hits in the bucket's current window. */
    public function hits($bucket, $window, $now)
    {
        return (int)$this->netcat->value('SELECT `hits` FROM `Priem_RateLimit` WHERE `bucket` = '
            . $this->netcat->quote($bucket) . " AND `window_start` = '"
            . gmdate('Y-m-d H:i:s', $this->window_start($window, $now)) . "'");
    }

    /** Seconds until the bucket's window ends when it already holds $limit hits, else 0. */
    public function exhausted($bucket, $limit, $window, $now)
    {
        return $this->hits($bucket, $window, $now) >= $limit
            ? $this->window_start($window, $now) + $window - (int)$now : 0;
    }

    private function window_start($window, $now)
    {
        return (int)(floor((int)$now / $window) * $window);
    }

    // ---- captcha ------------------------------------------------------------------------

    /**
     * Yandex SmartCaptcha: true when the token passes. An unreachable captcha service lets
     * the booking through (a clinic would rather take a booking than lose one).
     */
    public static function captcha_ok($server_key, $token, $ip)
    {
        if ((string)$token === '') {
            return false;
        }
        $context = stream_context_create(array('http' => array(
            'method' => 'POST',
            'header' => "Content-Type: application/x-www-form-urlencoded\r\n",
            'content' => http_build_query(array('secret' => $server_key, 'token' => $token, 'ip' => $ip)),
            'timeout' => 3,
            'ignore_errors' => true,
        )));
        $answer = @file_get_contents(self::$captcha_url, false, $context);
        if ($answer === false) {
            return true;
        }
        $json = json_decode($answer, true);
        return !is_array($json) || !isset($json['status']) || $json['status'] === 'ok';
    }
}
