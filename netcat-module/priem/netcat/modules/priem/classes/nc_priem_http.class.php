<?php

/**
 * What the module's HTTP entry points (api.php, push.php, prodoctorov.php, cron.php) share: no
 * NetCat session, the request body read with a cap, text checked as UTF-8 before the extension
 * sees it, one way to answer (status, headers, body; JSON encoded one way) and the answer to an
 * error nobody caught — the detail to the server's log, never to the client.
 *
 * An answer is [int status, array headers, string body].
 */
final class nc_priem_http
{
    /** The largest body of a booking (api.php) and of a ProDoctorov request: 64 KB. */
    const SMALL_BODY = 65536;

    /**
     * NetCat 6.4 starts a session on every request (system/index.php, required by connect_io.php,
     * calls session_start(); the core has no switch for it): a Set-Cookie and a session file for
     * each push of the MIS, each booking of ProDoctorov, each read of the widget and each cron run.
     * The entry points need no session, so before connect_io.php (and after vars.inc.php, which
     * sets session.use_cookies = 1) the session gets no cookie, no cache headers and a handler
     * that keeps nothing: the core's session_start() still runs, and leaves no trace.
     */
    public static function without_session()
    {
        if (session_status() !== PHP_SESSION_NONE) {
            return;
        }
        ini_set('session.use_cookies', '0');
        session_cache_limiter('');
        session_set_save_handler(new class implements SessionHandlerInterface {
            public function open($path, $name): bool
            {
                return true;
            }

            public function close(): bool
            {
                return true;
            }

            public function read($id): string
            {
                return '';
            }

            public function write($id, $data): bool
            {
                return true;
            }

            public function destroy($id): bool
            {
                return true;
            }

            public function gc($max_lifetime): int
            {
                return 0;
            }
        }, false);
    }

    /**
     * The request body, or null when it is longer than $max bytes: a Content-Length above $max is
     * refused before anything is read, and at most $max + 1 bytes are read (a chunked body has no
     * Content-Length).
     */
    public static function body($max)
    {
        if (self::content_length() > $max) {
            return null;
        }
        $in = fopen('php://input', 'rb');
        if ($in === false) {
            return '';
        }
        $body = (string)stream_get_contents($in, $max + 1);
        fclose($in);
        return strlen($body) > $max ? null : $body;
    }

    /** The request's Content-Length (0 without one). */
    public static function content_length()
    {
        return isset($_SERVER['CONTENT_LENGTH']) && ctype_digit((string)$_SERVER['CONTENT_LENGTH'])
            ? (float)$_SERVER['CONTENT_LENGTH'] : 0.0;
    }

    /** PHP's post_max_size in bytes (0: no limit): PHP drops a form body above it. */
    public static function post_max_bytes()
    {
        $v = trim((string)ini_get('post_max_size'));
        $units = array('k' => 1024, 'm' => 1048576, 'g' => 1073741824);
        $unit = strtolower(substr($v, -1));
        return isset($units[$unit]) ? (float)substr($v, 0, -1) * $units[$unit] : (float)$v;
    }

    /** Whether a string (or every key and value of an array, deeply) is valid UTF-8. */
    public static function is_utf8($value)
    {
        if (is_array($value)) {
            foreach ($value as $k => $v) {
                if (!self::is_utf8((string)$k) || !self::is_utf8($v)) {
                    return false;
                }
            }
            return true;
        }
        return preg_match('//u', (string)$value) === 1;
    }

    /** A JSON answer: UTF-8, not cached. */
    public static function json($status, array $data, array $headers = array())
    {
        return array((int)$status,
            $headers + array('Content-Type' => 'application/json; charset=utf-8', 'Cache-Control' => 'no-store'),
            (string)json_encode($data, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE));
    }

    /** A plain-text answer (cron.php's report line), not cached. */
    public static function text($status, $line)
    {
        return array((int)$status, array('Content-Type' => 'text/plain; charset=utf-8', 'Cache-Control' => 'no-store'), $line . "\n");
    }

    /**
     * The answer to an error nobody caught in entry point $entry: its class, message and place
     * go to the server's error log, the client gets status 500 and $data (the entry point's
     * usual JSON shape, a Russian message without details).
     */
    public static function failed($entry, \Throwable $e, array $data)
    {
        error_log('priem: ' . $entry . ': ' . get_class($e) . ': ' . $e->getMessage() . ' (' . $e->getFile() . ':' . $e->getLine() . ')');
        return self::json(500, $data);
    }

    /**
     * Sends an answer: whatever was printed before (NetCat's output buffer, a stray byte-order
     * mark of some module's file) is dropped, then the status, the headers with
     * X-Content-Type-Options: nosniff, and the body unless the request is HEAD.
     */
    public static function send(array $answer)
    {
        list($status, $headers, $body) = $answer;
        while (ob_get_level() > 0) {
            ob_end_clean();
        }
        if (!headers_sent()) {
            http_response_code($status);
            foreach ($headers as $name => $value) {
                header($name . ': ' . $value);
            }
            header('X-Content-Type-Options: nosniff');
        }
        if (!isset($_SERVER['REQUEST_METHOD']) || strtoupper((string)$_SERVER['REQUEST_METHOD']) !== 'HEAD') {
            echo $body;
        }
    }
}
