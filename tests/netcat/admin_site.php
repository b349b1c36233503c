<?php
/**
 * The module's admin served the way NetCat serves it, over the stand-in: a throw-away site root
 * (the module as the installer copies it), $ADMIN_FOLDER/function.inc.php and modules/ui.php of
 * the stand-in admin (standin/admin.php: Authorize, $perm, BeginHtml/EndHtml), `php -S` on a free
 * port with the extension. The logged-in user is the cookie nc_standin_user.
 * Used by the admin tests and tests/netcat/screenshots.php.
 */
final class PriemAdminSite
{
    /** @var string site root */
    public $root;
    /** @var string http://127.0.0.1:<port> */
    public $base;
    /** @var resource */
    private $server;

    /** Needs the test database (priem_nc_reset_db) with the module installed. */
    public function __construct()
    {
        $this->root = priem_nc_site();
        @mkdir($this->root . '/netcat/admin/modules', 0777, true);
        file_put_contents($this->root . '/netcat/admin/function.inc.php',
            "<?php\nrequire " . var_export(__DIR__ . '/standin/admin.php', true) . ";\n");
        file_put_contents($this->root . '/netcat/admin/modules/ui.php', "<?php\n// ui_config_module: in the stand-in's function.inc.php\n");
        $db = nc_Core::get_object()->db;
        if (!$db->get_var("SELECT `Module_ID` FROM `Module` WHERE `Keyword` = 'priem'")) {
            $db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`, `Inside_Admin`) "
                . "VALUES ('NETCAT_MODULE_PRIEM', 'priem', 1, 1, 1)");
        }
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int)substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock);
        $this->server = proc_open(array(PHP_BINARY, '-d', 'extension=' . self::extension(), '-d', 'short_open_tag=On',
            '-S', '127.0.0.1:' . $port, '-t', $this->root),
            array(array('pipe', 'r'), array('file', '/dev/null', 'w'), array('file', $this->root . '/server.log', 'w')), $pipes);
        for ($i = 0; $i < 100 && !@fsockopen('127.0.0.1', $port); $i++) {
            usleep(50000);
        }
        $this->base = 'http://127.0.0.1:' . $port;
    }

    /** The priem extension this process runs with (php -d extension=…), for the server. */
    public static function extension()
    {
        foreach (explode("\0", (string)@file_get_contents('/proc/self/cmdline')) as $arg) {
            if (preg_match('~extension=(.*priem.*)$~', $arg, $m)) {
                return $m[1];
            }
        }
        return dirname(__DIR__, 2) . '/target/debug/libpriem.so';
    }

    /** The admin's URL (path and query under /netcat/modules/priem/admin.php). */
    public function url($query = '')
    {
        return $this->base . '/netcat/modules/priem/admin.php' . ($query !== '' ? '?' . $query : '');
    }

    /** The admin form token of a user (md5(User_ID . SecretKey), as the core's nc_token). */
    public static function token($user_id)
    {
        return md5($user_id . nc_Core::get_object()->get_settings('SecretKey'));
    }

    /**
     * One request as $user_id; $post null for a GET (with the user's token added to a POST).
     *
     * @return array [HTTP status, body]
     */
    public function request($user_id, $query, array $post = null)
    {
        $headers = array('Cookie: nc_standin_user=' . (int)$user_id);
        $http = array('method' => 'GET', 'ignore_errors' => true, 'timeout' => 30);
        if ($post !== null) {
            $post += array('nc_token' => self::token($user_id));
            $headers[] = 'Content-Type: application/x-www-form-urlencoded';
            $http['method'] = 'POST';
            $http['content'] = http_build_query($post);
        }
        $http['header'] = implode("\r\n", $headers);
        $body = (string)file_get_contents($this->url($query), false, stream_context_create(array('http' => $http)));
        preg_match('~^HTTP/\S+ (\d+)~', $http_response_header[0], $m);
        return array((int)$m[1], $body);
    }

    public function stop()
    {
        proc_terminate($this->server);
        proc_close($this->server);
        exec('rm -rf ' . escapeshellarg($this->root));
    }
}
