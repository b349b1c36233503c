<?php

/**
 * What the module's entry points (api.php, push.php, prodoctorov.php, cron.php, cli.php) share
 * about HTTP under NetCat.
 */
final class nc_priem_http
{
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
}
