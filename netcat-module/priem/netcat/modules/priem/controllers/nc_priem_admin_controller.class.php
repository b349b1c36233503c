<?php

/**
 * The module's admin pages, as NetCat's own modules build theirs (requests, messaging): one
 * controller per tab extending the core's nc_ui_controller, an action_<name>() per page or
 * button, the rights checked in before_action(), views in views/<name>.view.php, the page put
 * into NetCat's admin chrome (BeginHtml/EndHtml, which also link admin.css) in after_action().
 *
 * Reading a tab needs some right on the module; every POST — and only a POST reaches an action
 * of $writes — needs the right to change it and the admin form's token. Nothing exits: a refusal
 * is a page and before_action() returns false, which makes the core's execute() stop.
 */
abstract class nc_priem_admin_controller extends nc_ui_controller
{
    /** The tabs: controller name => lang constant of the caption. */
    const TABS = array(
        'settings' => 'NETCAT_MODULE_PRIEM_TAB_SETTINGS',
        'status' => 'NETCAT_MODULE_PRIEM_TAB_STATUS',
        'bookings' => 'NETCAT_MODULE_PRIEM_TAB_BOOKINGS',
        'codes' => 'NETCAT_MODULE_PRIEM_TAB_CODES',
        'prodoctorov' => 'NETCAT_MODULE_PRIEM_TAB_PRODOCTOROV',
    );

    /** @var string[] the actions that change something (POST only, the edit right, the token) */
    protected $writes = array();

    /** @var nc_priem */
    protected $priem;

    /** @var nc_priem_netcat */
    protected $netcat;

    /** @var array the POST's string fields, in UTF-8 */
    protected $post = array();

    /** @var array the query's string parameters */
    protected $query = array();

    /** @var bool whether the user may change things (the views offer the buttons then) */
    protected $can_write = false;

    /**
     * The controller of a tab (an unknown name gives the settings), as admin.php asks for it.
     *
     * @return nc_priem_admin_controller
     */
    public static function for_tab($name, $view_path)
    {
        $name = is_string($name) && isset(self::TABS[$name]) ? $name : 'settings';
        $class = 'nc_priem_' . $name . '_controller';
        return new $class($view_path);
    }

    /**
     * The action a request asks for: the POST's or the query's "action" when this controller has
     * it, else its page (a POST then is refused: only the actions of $writes take one).
     */
    public function requested_action()
    {
        $action = isset($_POST['action']) ? $_POST['action'] : (isset($_GET['action']) ? $_GET['action'] : 'index');
        return is_string($action) && preg_match('/^[a-z_]{1,40}$/', $action) && method_exists($this, 'action_' . $action)
            ? $action : 'index';
    }

    /** The tab's name (the controller's class without nc_priem_ and _controller). */
    protected function name()
    {
        return substr(get_class($this), strlen('nc_priem_'), -strlen('_controller'));
    }

    protected function init()
    {
        $this->priem = nc_priem::get_instance();
        $this->netcat = $this->priem->netcat();
        foreach ($_POST as $key => $value) {
            if (is_string($value)) {
                $this->post[$key] = $this->netcat->to_utf8($value); // a cp1251 admin → UTF-8
            }
        }
        foreach ($_GET as $key => $value) {
            if (is_string($value)) {
                $this->query[$key] = $value;
            }
        }
    }

    protected function before_action()
    {
        $post = isset($_SERVER['REQUEST_METHOD']) && $_SERVER['REQUEST_METHOD'] === 'POST';
        $write = $post || in_array($this->current_action, $this->writes, true);
        $this->ui_config = new ui_config(array(
            'headerText' => NETCAT_MODULE_PRIEM,
            'tabs' => $this->tabs(),
            'activeTab' => $this->name(),
            'locationHash' => 'module.priem.' . $this->name(),
            'treeMode' => 'modules',
            'treeSelectedNode' => 'module-' . $this->netcat->module_id(),
        ));
        if (!($write ? $this->netcat->may_write() : $this->netcat->may_read())) {
            return $this->refuse(403, $this->netcat->to_utf8(NETCAT_MODULE_PRIEM_NO_RIGHTS));
        }
        if ($write && !($post && in_array($this->current_action, $this->writes, true))) {
            return $this->refuse(405, 'Нет такого действия');
        }
        if ($write && !$this->netcat->token_ok()) {
            return $this->refuse(403, $this->netcat->to_utf8(NETCAT_MODULE_PRIEM_BAD_TOKEN));
        }
        $this->can_write = $this->netcat->may_write();
        return true;
    }

    /** The page inside NetCat's admin chrome; admin.css of the module is linked by BeginHtml. */
    protected function after_action($result)
    {
        BeginHtml(NETCAT_MODULE_PRIEM, NETCAT_MODULES, '', nc_priem::KEYWORD);
        echo $this->netcat->from_utf8((string)$result);
        EndHtml();
        return '';
    }

    /** Answers with $status and a message instead of the action; false stops execute(). */
    private function refuse($status, $message)
    {
        http_response_code($status);
        $this->after_action($this->view('messages', array('messages' => array('error' => $message))));
        return false;
    }

    private function tabs()
    {
        $tabs = array();
        foreach (self::TABS as $id => $constant) {
            $tabs[] = array('id' => $id, 'caption' => constant($constant), 'location' => 'module.priem.' . $id, 'group' => 'admin');
        }
        return $tabs;
    }

    /**
     * Renders views/<$view>.view.php with exactly $data (no globals) plus what every view uses:
     * $h (escapes for HTML), $token (the form token input), $can_write, $tab (this tab's name) and
     * $url (its address), $messages (none).
     */
    protected function view($view, $data = array())
    {
        return self::render($this->view_path . $view . '.view.php', $data + array(
            'h' => function ($s) {
                return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
            },
            'token' => $this->netcat->token_input(),
            'can_write' => $this->can_write,
            'tab' => $this->name(),
            'url' => '?controller=' . $this->name(),
            'messages' => array(),
        ));
    }

    private static function render($file, array $data)
    {
        extract($data, EXTR_SKIP);
        ob_start();
        include $file;
        return ob_get_clean();
    }

    /** A secret's name for the staff. */
    const SECRET_NAMES = array('FtpPassword' => 'пароль FTP', 'MisPassword' => 'пароль МИС', 'MisToken' => 'токен МИС',
                               'MailPassword' => 'пароль SMTP', 'PdPassword' => 'пароль ПроДокторов', 'PdToken' => 'токен ПроДокторов');

    /**
     * Saves the settings of $input (nc_priem_settings::save_form) and says how it went: saved (with
     * the secrets dropped because their server's address changed), or the fields' errors.
     */
    protected function save(array $input)
    {
        $errors = $this->priem->settings()->save_form($input, $dropped);
        if ($errors) {
            return array('error' => 'Настройки не сохранены: исправьте поля', 'fields' => $errors);
        }
        $names = array();
        foreach ($dropped as $key) {
            $names[] = isset(self::SECRET_NAMES[$key]) ? self::SECRET_NAMES[$key] : $key;
        }
        return array('ok' => $this->netcat->to_utf8(NETCAT_MODULE_PRIEM_SAVED), 'warnings' => $names
            ? array('Адрес сервера изменился, поэтому сохранённые секреты сброшены — они не уйдут на новый сервер: '
                . implode(', ', $names) . '. Введите их снова.')
            : array());
    }

    /** The message with every stored password or token replaced by ***. */
    protected function without_secrets($message)
    {
        foreach (nc_priem_settings::$secrets as $key) {
            $secret = (string)$this->priem->settings()->get($key);
            if (strlen($secret) >= 3) {
                $message = str_replace($secret, '***', $message);
            }
        }
        return $message;
    }

    /** An extension call's exception as a message for the page (secrets masked). */
    protected function failure($prefix, Throwable $e)
    {
        return array('error' => $prefix . $this->without_secrets($e->getMessage()));
    }

    /** The open alerts (of a group, `codes` or `sync`; null: all), as the extension words them. */
    protected function alerts($group)
    {
        return priem_alerts($this->priem->settings()->engine(), $group);
    }

    /** The bookings journal with its filters (the «Записи» tab; ProDoctorov's with $source set). */
    protected function journal($source = null)
    {
        $query = $this->query;
        if ($source !== null) {
            $query['source'] = $source;
        }
        $labels = priem_booking_labels();
        // only what the extension knows: source and status among its labels, days as YYYY-MM-DD
        $filter = array();
        foreach (array('source' => $labels['sources'], 'status' => $labels['statuses']) as $key => $known) {
            if (isset($query[$key]) && isset($known[$query[$key]])) {
                $filter[$key] = $query[$key];
            }
        }
        foreach (array('from', 'to') as $key) {
            if (isset($query[$key]) && preg_match('/^\d{4}-\d{2}-\d{2}$/', $query[$key])) {
                $filter[$key] = $query[$key];
            }
        }
        return $this->view('journal', array(
            'filter' => $filter,
            'labels' => $labels,
            'fixed_source' => $source !== null,
            // the cards name the clinics and doctors beside their MIS codes
            'rows' => priem_bookings($this->priem->settings()->engine(true), $filter, 200, $this->priem->catalog()->all()),
            'back' => '?' . http_build_query(array('controller' => 'bookings') + $filter),
        ));
    }

    /**
     * A UTC time as the staff read it: 2026-11-28T01:48:17Z → «28.11.2026 04:48 МСК» (the site's
     * zone, computed by the extension as the alert letters are); '' for none.
     */
    public static function staff_time($t)
    {
        if ($t === null || $t === '') {
            return '';
        }
        return function_exists('priem_staff_time') ? priem_staff_time((string)$t) : self::minutes($t) . ' UTC';
    }

    /** 2026-11-28T01:48:17Z or 2026-11-28 01:48:17 → 2026-11-28 01:48 */
    public static function minutes($t)
    {
        return preg_match('/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/', (string)$t, $m) ? $m[1] . ' ' . $m[2] : (string)$t;
    }
}
