<?php
/**
 * A minimal stand-in for NetCat 6.4's core: only what nc_priem_netcat and the module's entry
 * scripts call, with the signatures and return conventions of the 6.4 source as summarised in
 * shared/docs/netcat.md (§3.3 settings, §4.4 add_field, §5 nc_db, §6 cron). Not NetCat.
 */

if (!defined('OBJECT')) {
    define('OBJECT', 'OBJECT');
    define('ARRAY_A', 'ARRAY_A');
    define('ARRAY_N', 'ARRAY_N');
}
if (!defined('NC_FIELDTYPE_STRING')) {
    define('NC_FIELDTYPE_STRING', 1);
    define('NC_FIELDTYPE_INT', 2);
    define('NC_FIELDTYPE_TEXT', 3);
    define('NC_FIELDTYPE_FILE', 6);
}

require_once __DIR__ . '/component.php';

/** ezSQL-style nc_db over mysqli (§5): false on error, null for no rows, OBJECT by default. */
class nc_db
{
    public $insert_id = 0;
    public $rows_affected = 0;
    public $num_rows = 0;
    public $is_error = false;
    public $last_error = '';
    public $last_query = '';
    /** @var mysqli */
    private $link;
    private $last_result = array();

    public function __construct($host, $user, $password, $name, $port = 3306, $charset = 'utf8')
    {
        mysqli_report(MYSQLI_REPORT_OFF);
        $this->link = new mysqli($host, $user, $password, $name, (int)$port);
        $this->link->query("SET NAMES '" . ($charset ?: 'cp1251') . "'");
        $this->link->query("SET sql_mode=''");
    }

    public function escape($s)
    {
        return $this->link->real_escape_string(stripslashes((string)$s));
    }

    public function prepare($s)
    {
        return $this->link->real_escape_string((string)$s);
    }

    public function query($query)
    {
        $this->last_query = $query;
        $this->last_result = array();
        $this->is_error = false;
        $this->last_error = '';
        $result = $this->link->query($query);
        if ($result === false) {
            $this->is_error = true;
            $this->last_error = $this->link->error;
            return false;
        }
        if ($result instanceof mysqli_result) {
            while ($row = $result->fetch_assoc()) {
                $this->last_result[] = $row;
            }
            $this->num_rows = count($this->last_result);
            return $this->num_rows;
        }
        $this->rows_affected = $this->link->affected_rows;
        $this->insert_id = $this->link->insert_id;
        return $this->rows_affected;
    }

    private static function shape(array $row, $output)
    {
        if ($output === ARRAY_A) {
            return $row;
        }
        if ($output === ARRAY_N) {
            return array_values($row);
        }
        return (object)$row;
    }

    public function get_results($query = null, $output = OBJECT, $index_field = null)
    {
        if ($query !== null && $this->query($query) === false) {
            return null;
        }
        if (!$this->last_result) {
            return null;
        }
        $out = array();
        foreach ($this->last_result as $row) {
            if ($index_field !== null) {
                $out[$row[$index_field]] = self::shape($row, $output);
            } else {
                $out[] = self::shape($row, $output);
            }
        }
        return $out;
    }

    public function get_row($query = null, $output = OBJECT, $y = 0)
    {
        if ($query !== null && $this->query($query) === false) {
            return null;
        }
        return isset($this->last_result[$y]) ? self::shape($this->last_result[$y], $output) : null;
    }

    public function get_var($query = null, $x = 0, $y = 0)
    {
        if ($query !== null && $this->query($query) === false) {
            return null;
        }
        if (!isset($this->last_result[$y])) {
            return null;
        }
        $values = array_values($this->last_result[$y]);
        return array_key_exists($x, $values) ? $values[$x] : null;
    }

    public function get_col($query = null, $x = 0)
    {
        if ($query !== null && $this->query($query) === false) {
            return array();
        }
        $out = array();
        foreach ($this->last_result as $row) {
            $values = array_values($row);
            $out[] = $values[$x];
        }
        return $out;
    }
}

/** nc_Modules::load_env (§3.1): lang file then function.inc.php of every Checked module. */
class nc_Modules
{
    public function load_env($language = 'ru')
    {
        $nc_core = nc_Core::get_object();
        global $MODULE_FOLDER;
        $rows = (array)$nc_core->db->get_results('SELECT `Keyword` FROM `Module` WHERE `Checked` = 1', ARRAY_A);
        foreach ($rows as $row) {
            $folder = $MODULE_FOLDER . $row['Keyword'] . '/';
            if (is_file($folder . $language . '.lang.php')) {
                require_once $folder . $language . '.lang.php';
            } else {
                require_once $folder . 'en.lang.php';
            }
            if (is_file($folder . 'function.inc.php')) {
                require_once $folder . 'function.inc.php';
            }
        }
    }
}

/** $nc_core->token (6.4): the admin forms' CSRF token, md5(User_ID . SecretKey) (netcat.md §9). */
class nc_token
{
    public $user_id = 1;

    public function get()
    {
        return md5($this->user_id . nc_Core::get_object()->get_settings('SecretKey'));
    }

    public function get_input()
    {
        return "<input type='hidden' name='nc_token' value='" . $this->get() . "' />";
    }

    public function verify()
    {
        return isset($_POST['nc_token']) && is_string($_POST['nc_token']) && hash_equals($this->get(), $_POST['nc_token']);
    }
}

class nc_Core
{
    /** @var nc_Core|null */
    private static $object = null;
    /** @var nc_db */
    public $db;
    /** @var object */
    public $component;
    /** @var nc_Modules */
    public $modules;
    /** @var nc_token */
    public $token;
    public $NC_UNICODE = 1;

    public static function get_object()
    {
        if (self::$object === null) {
            global $MYSQL_HOST, $MYSQL_USER, $MYSQL_PASSWORD, $MYSQL_DB_NAME, $MYSQL_PORT, $MYSQL_CHARSET;
            $core = new self();
            $core->db = new nc_db($MYSQL_HOST, $MYSQL_USER, $MYSQL_PASSWORD, $MYSQL_DB_NAME, $MYSQL_PORT ?: 3306, $MYSQL_CHARSET);
            $core->component = new nc_component();
            $core->modules = new nc_Modules();
            $core->token = new nc_token();
            self::$object = $core;
        }
        return self::$object;
    }

    /** Tests only: forget the object (a new DB, a 5.x component layer). */
    public static function reset_object()
    {
        self::$object = null;
    }

    /**
     * 6.4 (nc_core.class.php l.223–301) keeps the settings in memory per site, loaded on the first
     * read (Catalogue_ID = 0 overridden by the site's rows) and reloaded only with $reset; with
     * $catalogue_id null it reads the current site's ($nc_core->catalogue->id(), 1 here: a site
     * request). set_settings() updates only the copy of the site it writes (0 unless given), so
     * after a write a read without $reset still gives the old value for the rest of the request.
     * The stand-in keeps that copy as 6.4 does; new_request() drops it (a new request loads anew).
     */
    public $catalogue_id = 1;
    private $settings = array();

    /** Stand-in only: what a new request starts with (no settings loaded yet). */
    public function new_request()
    {
        $this->settings = array();
    }

    /**
     * 6.4 (§3.3, nc_core.class.php l.271): a value; false when the key is missing; with $key = ''
     * every setting of the module; array() — for any $key — when the module has no settings at
     * all. Per-site values override Catalogue_ID = 0.
     */
    public function get_settings($key = '', $module = 'system', $reset = false, $catalogue_id = null)
    {
        $catalogue_id = (int)($catalogue_id === null ? $this->catalogue_id : $catalogue_id);
        $this->load_all_settings($catalogue_id, $reset);
        if (empty($this->settings[$catalogue_id][$module])) {
            return array(); // the module has no settings at all: array(), even for a key
        }
        $all = $this->settings[$catalogue_id][$module];
        if ($key === '' || $key === null) {
            return $all;
        }
        return array_key_exists($key, $all) ? $all[$key] : false;
    }

    /** 6.4 l.223: the site's copy, Catalogue_ID = 0 under the site's own rows, loaded once. */
    private function load_all_settings($catalogue_id, $reset)
    {
        if (!isset($this->settings[$catalogue_id]) || $reset) {
            $settings = $catalogue_id !== 0 ? $this->load_all_settings(0, $reset) : array();
            $rows = (array)$this->db->get_results('SELECT `Key`, `Module`, `Value` FROM `Settings` WHERE `Catalogue_ID` = '
                . (int)$catalogue_id, ARRAY_A);
            foreach ($rows as $row) {
                $settings[$row['Module']][$row['Key']] = $row['Value'];
            }
            $this->settings[$catalogue_id] = $settings;
        }
        return $this->settings[$catalogue_id];
    }

    /** 6.4: upsert; values go through prepare() (no stripslashes). */
    public function set_settings($key, $value, $module = 'system', $catalogue_id = 0)
    {
        $this->settings[(int)$catalogue_id][$module][$key] = $value; // only this copy, as 6.4
        $where = "`Key` = '" . $this->db->escape($key) . "' AND `Module` = '" . $this->db->escape($module)
            . "' AND `Catalogue_ID` = " . (int)$catalogue_id;
        if ($this->db->get_var('SELECT `Settings_ID` FROM `Settings` WHERE ' . $where)) {
            $this->db->query("UPDATE `Settings` SET `Value` = '" . $this->db->prepare($value) . "' WHERE " . $where);
        } else {
            $this->db->query("INSERT INTO `Settings` (`Key`, `Module`, `Value`, `Catalogue_ID`) VALUES ('"
                . $this->db->escape($key) . "', '" . $this->db->escape($module) . "', '" . $this->db->prepare($value)
                . "', " . (int)$catalogue_id . ')');
        }
        return true;
    }
}
