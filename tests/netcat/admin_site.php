<?php
/**
 * The module's admin under the stand-in, two ways: priem_nc_admin() runs one request in this
 * process (a controller as admin.php runs it); PriemAdminSite serves it the way NetCat does — a
 * throw-away site root (the module as the installer copies it, the stand-in admin: Authorize,
 * $perm, BeginHtml/EndHtml, nc_ui_controller), `php -S` on a free port with the extension, the
 * logged-in user in the cookie nc_standin_user. Used by the admin tests and screenshots.php.
 */
require_once __DIR__ . '/standin/permission.php';
require_once __DIR__ . '/standin/admin_ui.php';
require_once __DIR__ . '/standin/nc_ui_controller.php';
require_once PRIEM_NC_PACKAGE . '/ru.lang.php'; // what load_env() gives the admin

/**
 * One admin request in this process, as $user_id (NetCat's $perm of that user): the controller of
 * $tab with $get as the query and, unless null, $post as a POST (the user's form token added
 * unless $post has one).
 *
 * @return array [HTTP status, the page]
 */
function priem_nc_admin($user_id, $tab, array $get = array(), array $post = null)
{
    nc_Core::get_object()->new_request(); // 6.4 loads the settings anew in each request
    $_SERVER['REQUEST_METHOD'] = $post === null ? 'GET' : 'POST';
    $_GET = array('controller' => $tab) + $get;
    $_POST = $post === null ? array() : $post + array('nc_token' => PriemAdminSite::token($user_id));
    $GLOBALS['perm'] = new Permission($user_id);
    nc_Core::get_object()->token->user_id = $user_id;
    http_response_code(200);
    ob_start();
    $controller = nc_priem_admin_controller::for_tab($tab, PRIEM_NC_PACKAGE . '/netcat/modules/priem/views');
    echo $controller->execute($controller->requested_action());
    $page = ob_get_clean();
    $_GET = $_POST = array();
    return array(http_response_code(), $page);
}
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
        $db = nc_Core::get_object()->db;
        if (!$db->get_var("SELECT `Module_ID` FROM `Module` WHERE `Keyword` = 'priem'")) {
            $db->query("INSERT INTO `Module` (`Module_Name`, `Keyword`, `Installed`, `Checked`, `Inside_Admin`) "
                . "VALUES ('NETCAT_MODULE_PRIEM', 'priem', 1, 1, 1)");
        }
        $root = $this->root;
        list($this->server, $port) = priem_nc_serve(function ($port) use ($root) {
            return priem_nc_php(array('-S', '127.0.0.1:' . $port, '-t', $root));
        }, $root . '/server.log');
        $this->base = 'http://127.0.0.1:' . $port;
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
