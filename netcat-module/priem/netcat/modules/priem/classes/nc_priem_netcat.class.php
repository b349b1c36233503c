<?php

/**
 * The one place that touches NetCat's core: $nc_core, its nc_db, the Settings table, components
 * and fields, CronTasks, the site charset, the admin token and permissions.
 * Only the calls documented for NetCat 6.4 are used (with fallbacks for older 5.x cores where
 * a method is missing); tests replace the core with a small stand-in.
 */
class nc_priem_netcat
{
    /**
     * The module's right to change things (Module_Permission.PermissionType; NetCat's rights form
     * offers it as NC_PERM_MODULE_PRIEM_EDIT, next to NC_PERM_MODULE_PRIEM_VIEW, looking only).
     */
    const RIGHT_EDIT = 'edit';

    /** @var object nc_Core */
    private $core;

    /** @var array|null the $MYSQL_* values of vars.inc.php, when given explicitly */
    private $mysql;

    /** @var array per-request memo: component ids by keyword, column names by table */
    private $memo = array();

    /**
     * The parts NetCat 6.4 also keeps in Class.html, between markers (<!-- FormPrefix -->…
     * <!-- /FormPrefix -->), in this order (nc_tpl_parser).
     */
    private static $main_parts = array('FormPrefix', 'RecordTemplate', 'FormSuffix');

    /**
     * @param object     $core  nc_Core
     * @param array|null $mysql ['host','user','password','database','port','socket'] or null to
     *                          read $MYSQL_* from vars.inc.php's globals
     */
    public function __construct($core, $mysql = null)
    {
        $this->core = $core;
        $this->mysql = $mysql;
    }

    /** @return nc_priem_netcat */
    public static function from_core()
    {
        return new self(nc_Core::get_object());
    }

    /** @return object nc_db */
    public function db()
    {
        return $this->core->db;
    }

    // ---- database -----------------------------------------------------------------------

    /**
     * The extension's `db` settings section, from NetCat's own connection settings
     * ($MYSQL_HOST, $MYSQL_USER, $MYSQL_PASSWORD, $MYSQL_DB_NAME, $MYSQL_PORT, $MYSQL_SOCKET
     * of vars.inc.php). A "localhost" host without a socket means mysqli's default socket, as it
     * does for NetCat's own connection.
     */
    public function db_settings()
    {
        $m = $this->mysql;
        if ($m === null) {
            $m = array();
            foreach (array('host' => 'MYSQL_HOST', 'user' => 'MYSQL_USER', 'password' => 'MYSQL_PASSWORD',
                           'database' => 'MYSQL_DB_NAME', 'port' => 'MYSQL_PORT', 'socket' => 'MYSQL_SOCKET') as $k => $var) {
                if (isset($GLOBALS[$var])) {
                    $m[$k] = $GLOBALS[$var];
                } elseif (isset($this->core->$var)) {
                    $m[$k] = $this->core->$var;
                }
            }
        }
        $host = isset($m['host']) && $m['host'] !== '' ? (string)$m['host'] : 'localhost';
        $port = isset($m['port']) && (int)$m['port'] > 0 ? (int)$m['port'] : 3306;
        if (strpos($host, ':') !== false) {
            // "host:port" or "localhost:/path/to/socket", as mysqli accepts
            list($host, $rest) = explode(':', $host, 2);
            if ($rest !== '' && ctype_digit($rest)) {
                $port = (int)$rest;
            } elseif ($rest !== '') {
                $m['socket'] = $rest;
            }
        }
        $db = array(
            'host' => $host,
            'port' => $port,
            'user' => isset($m['user']) ? (string)$m['user'] : '',
            'password' => isset($m['password']) ? (string)$m['password'] : '',
            'database' => isset($m['database']) ? (string)$m['database'] : '',
        );
        $socket = isset($m['socket']) ? (string)$m['socket'] : '';
        if ($socket === '' && $host === 'localhost') {
            $socket = (string)ini_get('mysqli.default_socket');
        }
        if ($socket !== '') {
            $db['socket'] = $socket;
        }
        return $db;
    }

    /**
     * The site's `db` settings read without booting the core: vars.inc.php of the site root
     * (NetCat's own connection settings, $MYSQL_*), included in a function's scope, as
     * db_settings() gives them once the core is up. For the lean grid entry of api.php.
     */
    public static function site_db()
    {
        $vars = dirname(__DIR__, 4) . DIRECTORY_SEPARATOR . 'vars.inc.php';
        $read = static function ($__file) {
            include $__file;
            return array('host' => isset($MYSQL_HOST) ? $MYSQL_HOST : '', 'user' => isset($MYSQL_USER) ? $MYSQL_USER : '',
                         'password' => isset($MYSQL_PASSWORD) ? $MYSQL_PASSWORD : '',
                         'database' => isset($MYSQL_DB_NAME) ? $MYSQL_DB_NAME : '',
                         'port' => isset($MYSQL_PORT) ? $MYSQL_PORT : '', 'socket' => isset($MYSQL_SOCKET) ? $MYSQL_SOCKET : '');
        };
        $self = new self(null, $read($vars));
        return $self->db_settings();
    }

    /**
     * One cheap statement whose first row changes whenever what the visitor's grid reads through
     * NetCat may have changed (a process keeps the module's settings and the editors' cards while
     * it reads back the same, priem_visitor_keep): the module's Settings rows (count and a sum of
     * their hashes), the card components' Field rows, and per card table (Message<N>) its row
     * count and a sum of each row's hash over its id, placement, Checked and every field of the
     * component. Not LastUpdated: NetCat 6.4 creates it as a plain `timestamp NOT NULL` and its
     * edit form does not set it, so on MariaDB it never moves when a card is edited.
     *
     * @param int[] $class_ids the card components' Class_IDs (missing ones left out)
     */
    public function visitor_check_sql(array $class_ids)
    {
        $hash = function (array $columns) {
            return "COALESCE(SUM(CONV(LEFT(MD5(CONCAT_WS(0x1f, " . implode(', ', $columns) . ")), 15), 16, 10)), 0)";
        };
        $parts = array("(SELECT CONCAT(COUNT(*), ':', " . $hash(array('`Catalogue_ID`', '`Key`', '`Value`'))
            . ") FROM `Settings` WHERE `Module` = " . $this->quote(nc_priem::KEYWORD) . ')');
        $ids = array();
        foreach ($class_ids as $id) {
            if ((int)$id > 0) {
                $ids[(int)$id] = (int)$id;
            }
        }
        if ($ids) {
            $parts[] = "(SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(0x1f, `Field_ID`, `Class_ID`, `Field_Name`))), 0)) "
                . 'FROM `Field` WHERE `Class_ID` IN (' . implode(', ', $ids) . '))';
            foreach ($ids as $id) {
                $columns = array('`Message_ID`', '`Subdivision_ID`', '`Sub_Class_ID`', '`Checked`');
                foreach ($this->rows('SELECT `Field_Name` FROM `Field` WHERE `Class_ID` = ' . $id . ' ORDER BY `Field_ID`') as $f) {
                    if (preg_match('/^[A-Za-z0-9_]+$/', (string)$f['Field_Name'])) {
                        $columns[] = 'IFNULL(`' . $f['Field_Name'] . '`, 0x1e)';
                    }
                }
                // CRC32, not MD5: this runs on every grid request over every card (a sum of 32-bit
                // checksums misses an edit only when the edited row's checksum comes out equal)
                $parts[] = "(SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(0x1f, " . implode(', ', $columns) . '))), 0)) '
                    . 'FROM `Message' . $id . '`)';
            }
        }
        return 'SELECT ' . implode(', ', $parts);
    }

    /** Quotes a value for SQL (nc_db::prepare: no stripslashes). */
    public function quote($value)
    {
        return "'" . $this->core->db->prepare((string)$value) . "'";
    }

    /** @return array rows as associative arrays (never null) */
    public function rows($sql)
    {
        return (array)$this->core->db->get_results($sql, ARRAY_A);
    }

    /** @return string|null */
    public function value($sql)
    {
        return $this->core->db->get_var($sql);
    }

    /** Runs a statement; throws when nc_db reports an error (query() returns false). */
    public function execute($sql)
    {
        $db = $this->core->db;
        $result = $db->query($sql);
        if ($result === false && !empty($db->last_error)) {
            throw new RuntimeException('SQL: ' . $db->last_error);
        }
        return $result;
    }

    // ---- settings -----------------------------------------------------------------------

    /**
     * All of the module's stored settings (Settings table, Module = 'priem'), as strings. Read with
     * $reset: 6.4 keeps the settings in memory per site, and set_settings() updates only the
     * copy of Catalogue_ID 0, not the current site's that get_settings() reads — without it a
     * page would show the values from before a save it has just made.
     */
    public function module_settings()
    {
        $all = $this->core->get_settings('', nc_priem::KEYWORD, true);
        $out = array();
        if (is_array($all)) {
            foreach ($all as $k => $v) {
                if (is_scalar($v)) {
                    $out[$k] = $this->to_utf8((string)$v);
                }
            }
        }
        return $out;
    }

    /**
     * @return string|false false when the key is not stored (6.4's get_settings() gives false for
     *                      a missing key, but array() while the module has no settings at all)
     */
    public function module_setting($key)
    {
        $v = $this->core->get_settings($key, nc_priem::KEYWORD, true);
        return $v === false || $v === null || is_array($v) ? false : $this->to_utf8((string)$v);
    }

    public function set_module_setting($key, $value)
    {
        $this->core->set_settings($key, $this->from_utf8((string)$value), nc_priem::KEYWORD);
    }

    // ---- cron ---------------------------------------------------------------------------

    /**
     * The CronTasks row of a script (its URL's path, with any query), or null: 'id', 'url',
     * 'minutes' (its interval), 'launched' (when NetCat's scheduler last ran it; unix time, 0: never).
     */
    public function cron_task($path)
    {
        $rows = $this->rows('SELECT `Cron_ID`, `Cron_Script_URL`, `Cron_Minutes`, `Cron_Hours`, `Cron_Days`, `Cron_Launch` '
            . 'FROM `CronTasks` WHERE `Cron_Script_URL` = ' . $this->quote($path) . ' OR `Cron_Script_URL` LIKE '
            . $this->quote(addcslashes($path, '%_\\') . '?%') . ' ORDER BY `Cron_ID` LIMIT 1');
        if (!$rows) {
            return null;
        }
        $r = $rows[0];
        return array('id' => (int)$r['Cron_ID'], 'url' => (string)$r['Cron_Script_URL'],
                     'minutes' => (int)$r['Cron_Minutes'] + 60 * (int)$r['Cron_Hours'] + 1440 * (int)$r['Cron_Days'],
                     'launched' => (int)$r['Cron_Launch']);
    }

    /**
     * Makes the CronTasks row of $url's script carry $url (a new key, say), or adds one every
     * $minutes minutes; returns whether a row was added.
     */
    public function ensure_cron_task($url, $minutes)
    {
        $task = $this->cron_task((string)strtok($url, '?'));
        if ($task === null) {
            $this->execute('INSERT INTO `CronTasks` (`Cron_Minutes`, `Cron_Hours`, `Cron_Days`, `Cron_Months`, '
                . '`Cron_Weekdays`, `Cron_Script_URL`, `Cron_Launch`) VALUES (' . (int)$minutes . ', 0, 0, 0, 0, '
                . $this->quote($url) . ', 0)');
            return true;
        }
        if ($task['url'] !== $url) {
            $this->execute('UPDATE `CronTasks` SET `Cron_Script_URL` = ' . $this->quote($url) . ' WHERE `Cron_ID` = ' . $task['id']);
        }
        return false;
    }

    // ---- components and fields ------------------------------------------------------------

    /**
     * A component's Class_ID from its id or keyword (components should be referred to by
     * keyword: ids differ between sites). Null when there is no such component.
     */
    public function component_id($id_or_keyword)
    {
        $id_or_keyword = trim((string)$id_or_keyword);
        if ($id_or_keyword === '') {
            return null;
        }
        $k = 'class:' . $id_or_keyword;
        if (!array_key_exists($k, $this->memo)) {
            $where = ctype_digit($id_or_keyword)
                ? '`Class_ID` = ' . (int)$id_or_keyword
                : '`Keyword` = ' . $this->quote($id_or_keyword);
            $id = $this->value('SELECT `Class_ID` FROM `Class` WHERE ' . $where . ' AND `System_Table_ID` = 0');
            if ($id === null) {
                return null; // not remembered: the installer may create it next
            }
            $this->memo[$k] = (int)$id;
        }
        return $this->memo[$k];
    }

    public function has_field($class_id, $field_name)
    {
        return (bool)$this->value('SELECT `Field_ID` FROM `Field` WHERE `Class_ID` = ' . (int)$class_id
            . ' AND `Field_Name` = ' . $this->quote($field_name));
    }

    /** Whether Message<N> has the column (a field row may be missing while the column exists). */
    public function has_column($class_id, $column)
    {
        $k = 'columns:' . (int)$class_id;
        if (!isset($this->memo[$k])) {
            $this->memo[$k] = array();
            foreach ($this->rows('SHOW COLUMNS FROM `Message' . (int)$class_id . '`') as $row) {
                $this->memo[$k][strtolower($row['Field'])] = true;
            }
        }
        return isset($this->memo[$k][strtolower((string)$column)]);
    }

    /**
     * Adds a string field to a component: $nc_core->component->add_field() where the core has it
     * (6.x), otherwise the same by hand (Field row + ALTER TABLE Message<N>). Then makes it
     * editable by administrators only (TypeOfEdit_ID = 2).
     */
    public function add_string_field($class_id, $name, $description, $default, $searchable)
    {
        $this->add_field($class_id, $name, $description, 1, $default, $searchable);
    }

    /** The same for a field of type $type (1 string, 2 integer, 6 file). */
    public function add_field($class_id, $name, $description, $type, $default, $searchable)
    {
        $class_id = (int)$class_id;
        $type = (int)$type;
        unset($this->memo['columns:' . $class_id]);
        $component = isset($this->core->component) ? $this->core->component : null;
        $props = array(
            'Field_Name' => $name,
            'Description' => $this->from_utf8($description),
            'TypeOfData_ID' => $type,
            'Format' => '',
            'NotNull' => 0,
            'DefaultState' => $default,
            'DoSearch' => $searchable ? 1 : 0,
        );
        if (is_object($component) && method_exists($component, 'add_field') && !$this->has_column($class_id, $name)) {
            $component->add_field($class_id, $props);
        } else {
            $priority = (int)$this->value('SELECT MAX(`Priority`) FROM `Field` WHERE `Class_ID` = ' . $class_id) + 1;
            $this->execute('INSERT INTO `Field` (`Class_ID`, `Field_Name`, `Description`, `TypeOfData_ID`, `Format`, '
                . '`NotNull`, `Priority`, `DoSearch`, `DefaultState`, `Inheritance`, `System_Table_ID`, '
                . '`TypeOfEdit_ID`, `Checked`) VALUES (' . $class_id . ', ' . $this->quote($name) . ', '
                . $this->quote($props['Description']) . ', ' . $type . ', \'\', 0, ' . $priority . ', ' . $props['DoSearch'] . ', '
                . $this->quote($default) . ', 0, 0, 2, 1)');
            if (!$this->has_column($class_id, $name)) {
                $this->execute('ALTER TABLE `Message' . $class_id . '` ADD `' . $name . '` '
                    . ($type === 2 ? 'INT' : 'CHAR(255)') . ' DEFAULT NULL');
                if ($searchable) {
                    $this->execute('ALTER TABLE `Message' . $class_id . '` ADD INDEX (`' . $name . '`)');
                }
            }
        }
        $this->execute('UPDATE `Field` SET `TypeOfEdit_ID` = 2 WHERE `Class_ID` = ' . $class_id
            . ' AND `Field_Name` = ' . $this->quote($name));
        unset($this->memo['columns:' . $class_id]);
        if (is_object($component) && method_exists($component, 'clear_cache')) {
            $component->clear_cache();
        }
    }

    /** Whether the core can create components from code (nc_component::create, 6.x). */
    public function can_create_components()
    {
        return isset($this->core->component) && is_object($this->core->component)
            && method_exists($this->core->component, 'create');
    }

    /**
     * Creates a file-mode component (Class row, netcat_template/class/<keyword>/, Message<N>)
     * through $nc_core->component->create(); returns its Class_ID.
     */
    public function create_component($name, $keyword, $group)
    {
        $id = $this->core->component->create(array(
            'Class_Name' => $this->from_utf8($name),
            'Keyword' => $keyword,
            'Class_Group' => $this->from_utf8($group),
        ));
        if (!$id) {
            throw new RuntimeException('Компонент «' . $name . '» не создан');
        }
        return (int)$id;
    }

    /** Sets a component's per-infoblock settings (Class.CustomSettingsTemplate, PHP text). */
    public function set_component_custom_settings($class_id, $template)
    {
        $component = isset($this->core->component) ? $this->core->component : null;
        if (is_object($component) && method_exists($component, 'update')) {
            $component->update((int)$class_id, array('CustomSettingsTemplate' => $this->from_utf8($template)));
            return;
        }
        $this->execute('UPDATE `Class` SET `CustomSettingsTemplate` = ' . $this->quote($this->from_utf8($template))
            . ' WHERE `Class_ID` = ' . (int)$class_id);
    }

    /**
     * The folder of a file-mode component's templates: netcat_template/class/<keyword>/ under
     * $CLASS_TEMPLATE_FOLDER of vars.inc.php (or DOCUMENT_ROOT + SUB_FOLDER when it is unset).
     */
    public function component_template_folder($keyword)
    {
        $base = isset($GLOBALS['CLASS_TEMPLATE_FOLDER']) ? (string)$GLOBALS['CLASS_TEMPLATE_FOLDER'] : '';
        if ($base === '') {
            $root = isset($GLOBALS['DOCUMENT_ROOT']) ? (string)$GLOBALS['DOCUMENT_ROOT'] : rtrim((string)getenv('DOCUMENT_ROOT'), '/\\');
            $sub = isset($GLOBALS['SUB_FOLDER']) ? (string)$GLOBALS['SUB_FOLDER'] : '';
            if ($root === '') {
                throw new RuntimeException('Не известна папка шаблонов компонентов ($CLASS_TEMPLATE_FOLDER): '
                    . 'шаблоны компонента ' . $keyword . ' не записаны');
            }
            $base = $root . $sub . '/netcat_template/class/';
        }
        return rtrim($base, '/\\') . '/' . $keyword . '/';
    }

    /**
     * Writes the shipped template parts (<part>.html of $source) into the component's folder,
     * each only where NetCat left it blank (nc_component::create makes empty parts; a
     * designer's work is never overwritten), then Class.html (write_main_template). Templates
     * are UTF-8; converted on cp1251 sites. Returns the parts written.
     */
    public function write_component_templates($keyword, $source)
    {
        $folder = $this->component_template_folder($keyword);
        if (!is_dir($folder) && !@mkdir($folder, 0775, true) && !is_dir($folder)) {
            throw new RuntimeException('Не удалось создать папку шаблонов ' . $folder);
        }
        $written = array();
        foreach ((array)glob($source . '*.html') as $file) {
            $part = basename($file, '.html');
            $target = $folder . $part . '.html';
            if (!$this->blank_part($target, $part)) {
                continue;
            }
            if (@file_put_contents($target, $this->from_utf8((string)file_get_contents($file))) === false) {
                throw new RuntimeException('Не удалось записать шаблон ' . $target);
            }
            $written[] = $part;
        }
        $class_id = $this->component_id($keyword);
        if ($class_id && (array_intersect($written, self::$main_parts) || $this->main_template_blank($folder))) {
            $this->write_main_template($class_id, $folder);
        }
        return $written;
    }

    /**
     * A part file with nothing of a designer's in it: missing, empty, or — a RecordTemplate — only
     * NetCat's service part (what the core writes into a new component's, or regenerates from an
     * empty Class.html section).
     */
    private function blank_part($path, $part)
    {
        clearstatcache(true, $path);
        if (!is_file($path) || filesize($path) === 0) {
            return true;
        }
        return $part === 'RecordTemplate' && trim($this->without_service_part((string)file_get_contents($path))) === '';
    }

    /** Class.html missing or with all three sections empty: the state nc_component::create leaves. */
    private function main_template_blank($folder)
    {
        $main = is_file($folder . 'Class.html') ? (string)file_get_contents($folder . 'Class.html') : '';
        foreach (self::$main_parts as $part) {
            if (preg_match('#<!-- ?' . $part . ' ?-->(.*)<!-- ?/ ?' . $part . ' ?-->#s', $main, $m) && trim($m[1]) !== '') {
                return false;
            }
        }
        return true;
    }

    /**
     * A RecordTemplate.html without NetCat's "Служебная часть" (the loop over the list's records
     * around the record's markup), as the core strips it for Class.html and the admin's editor.
     */
    private function without_service_part($text)
    {
        $text = preg_replace('#([\n\r ]*<\?/\* Служебная часть \*/.*?/\* Конец служебной части \*/\?>[\n\r ]*)+#s', '',
            $this->to_utf8($text));
        return $this->from_utf8((string)$text);
    }

    /**
     * Class.html from the part files, and Class.File_Hash = its md5. NetCat 6.4 renders the parts,
     * but whenever md5(Class.html) differs from File_Hash — on every view of the component's list
     * or object and when the admin opens the component — it rewrites FormPrefix, RecordTemplate
     * and FormSuffix from Class.html's sections (nc_tpl_parser::main2parts). A new component's
     * Class.html has those sections empty and its File_Hash is md5('') (nc_component::create), so
     * without this the first view would wipe the parts just written. The text is what the core's
     * parts2main writes: the sections joined by a blank line, the RecordTemplate without its
     * service part.
     */
    private function write_main_template($class_id, $folder)
    {
        $sections = array();
        foreach (self::$main_parts as $part) {
            $path = $folder . $part . '.html';
            $text = is_file($path) ? (string)file_get_contents($path) : '';
            $sections[] = '<!-- ' . $part . ' -->' . ($part === 'RecordTemplate' ? $this->without_service_part($text) : $text)
                . '<!-- /' . $part . ' -->';
        }
        $main = implode("\n\n", $sections);
        if (@file_put_contents($folder . 'Class.html', $main) === false) {
            throw new RuntimeException('Не удалось записать шаблон ' . $folder . 'Class.html');
        }
        $this->execute('UPDATE `Class` SET `File_Hash` = ' . $this->quote(md5($main)) . ' WHERE `Class_ID` = ' . (int)$class_id);
        $component = isset($this->core->component) ? $this->core->component : null;
        if (is_object($component) && method_exists($component, 'clear_cache')) {
            $component->clear_cache();
        }
    }

    /** Pairs (code cell, time-zone cell) of a component's objects, for the time-zone map. */
    public function code_rows($class_id, $code_column, $zone_column)
    {
        $sql = 'SELECT `' . $code_column . '` AS code, `' . $zone_column . '` AS zone FROM `Message' . (int)$class_id
            . '` WHERE `' . $code_column . '` IS NOT NULL AND `' . $code_column . "` <> ''";
        $out = array();
        foreach ($this->rows($sql) as $row) {
            $out[] = array('code' => $this->to_utf8((string)$row['code']), 'zone' => $this->to_utf8((string)$row['zone']));
        }
        return $out;
    }

    /**
     * The objects of a component with the wanted columns that exist, as UTF-8 strings; each row
     * also has Message_ID and Checked (1 = published, 0 = switched off by an editor).
     */
    public function card_rows($class_id, array $columns, $where = '1')
    {
        $have = array('`Message_ID`', '`Checked`');
        foreach ($columns as $c) {
            if (self::identifier($c) && $c !== 'Checked' && $this->has_column($class_id, $c)) {
                $have[] = '`' . $c . '`';
            }
        }
        $rows = $this->rows('SELECT ' . implode(', ', $have) . ' FROM `Message' . (int)$class_id
            . '` WHERE ' . $where . ' ORDER BY `Priority`, `Message_ID`');
        $out = array();
        foreach ($rows as $row) {
            foreach ($row as $k => $v) {
                $row[$k] = $v === null ? '' : $this->to_utf8((string)$v);
            }
            $out[] = $row;
        }
        return $out;
    }

    /**
     * card_rows() narrowed to the objects whose code cell mentions one of $codes (a superset:
     * the caller splits the cells); one indexed-free scan but only the matching rows travel.
     */
    public function card_rows_like($class_id, array $columns, $code_column, array $codes)
    {
        $like = array();
        foreach ($codes as $c) {
            $like[] = '`' . $code_column . '` LIKE ' . $this->quote('%' . addcslashes((string)$c, '%_\\') . '%');
        }
        return $this->card_rows($class_id, $columns, $like ? '(' . implode(' OR ', $like) . ')' : '0');
    }

    /**
     * The code cell of the card shown in full on the current page: NetCat sets $message (the
     * object's id) and $sub (the section) for an object's full page; the object must be of
     * the component and stand in that section. '' when the page shows no such card.
     */
    /**
     * The path of the site's first page where component $class_id (the «Онлайн-запись» block) is
     * placed and switched on (Sub_Class → Subdivision.Hidden_URL, "/zapis/"), with $SUB_FOLDER;
     * null when there is none.
     */
    public function booking_page_path($class_id)
    {
        if (!$class_id) {
            return null;
        }
        // the site of this request (NetCat's $catalogue), when known
        $site = isset($GLOBALS['catalogue']) ? (int)$GLOBALS['catalogue'] : 0;
        $k = 'booking_page:' . (int)$class_id . ':' . $site;
        if (array_key_exists($k, $this->memo)) {
            return $this->memo[$k];
        }
        $url = $this->value('SELECT s.`Hidden_URL` FROM `Sub_Class` sc JOIN `Subdivision` s ON s.`Subdivision_ID` = sc.`Subdivision_ID`'
            . ' WHERE sc.`Class_ID` = ' . (int)$class_id . ' AND sc.`Checked` = 1 AND s.`Checked` = 1'
            . ($site > 0 ? ' AND s.`Catalogue_ID` = ' . $site : '')
            . ' ORDER BY s.`Priority`, sc.`Priority`, sc.`Sub_Class_ID` LIMIT 1');
        $sub = isset($GLOBALS['SUB_FOLDER']) ? rtrim((string)$GLOBALS['SUB_FOLDER'], '/') : '';
        return $this->memo[$k] = ($url === null || (string)$url === '') ? null : $sub . '/' . ltrim($this->to_utf8((string)$url), '/');
    }

    public function current_card_code($class_id, $code_column)
    {
        $id = isset($GLOBALS['message']) ? (int)$GLOBALS['message'] : 0;
        $sub = isset($GLOBALS['sub']) ? (int)$GLOBALS['sub'] : 0;
        if ($id <= 0 || !$class_id || !self::identifier($code_column) || !$this->has_column($class_id, $code_column)) {
            return '';
        }
        $code = $this->value('SELECT `' . $code_column . '` FROM `Message' . (int)$class_id . '` WHERE `Message_ID` = ' . $id
            . ($sub > 0 ? ' AND `Subdivision_ID` = ' . $sub : '') . ' AND `Checked` = 1');
        return $code === null ? '' : $this->to_utf8((string)$code);
    }

    /**
     * The URL of a file field's file: NetCat's nc_file_path() when the core has it; a stored
     * value that is already a path or a URL is used as it is.
     */
    public function file_url($class_id, $message_id, $field, $raw)
    {
        if (function_exists('nc_file_path')) {
            $url = nc_file_path((int)$class_id, (int)$message_id, $field);
            if (is_string($url) && $url !== '') {
                return $url;
            }
        }
        $raw = (string)$raw;
        return preg_match('~^(/|https?://)~i', $raw) ? $raw : '';
    }

    private static function identifier($s)
    {
        return is_string($s) && (bool)preg_match('/^[A-Za-z][A-Za-z0-9_]{0,63}$/', $s);
    }

    /** The site's scheme and host as the current request sees them ("https://clinic.ru"). */
    public function site_url()
    {
        $https = (isset($_SERVER['HTTPS']) && $_SERVER['HTTPS'] !== '' && $_SERVER['HTTPS'] !== 'off')
            || (isset($_SERVER['HTTP_X_FORWARDED_PROTO']) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https');
        $host = isset($_SERVER['HTTP_HOST']) ? preg_replace('/[^A-Za-z0-9.:\[\]-]/', '', (string)$_SERVER['HTTP_HOST']) : '';
        return $host === '' ? '' : ($https ? 'https://' : 'http://') . $host;
    }

    /** The module folder on disk (netcat/modules/priem/ of the site). */
    public function module_folder()
    {
        return dirname(__DIR__) . DIRECTORY_SEPARATOR;
    }

    /** The module folder's URL path: $SUB_FOLDER . $HTTP_ROOT_PATH . 'modules/priem/'. */
    public function module_url()
    {
        $sub = isset($GLOBALS['SUB_FOLDER']) ? (string)$GLOBALS['SUB_FOLDER'] : '';
        $root = isset($GLOBALS['HTTP_ROOT_PATH']) ? (string)$GLOBALS['HTTP_ROOT_PATH'] : '/netcat/';
        return rtrim($sub, '/') . '/' . trim($root, '/') . '/modules/' . nc_priem::KEYWORD . '/';
    }

    // ---- admin --------------------------------------------------------------------------

    /** The admin's URL path: $ADMIN_PATH of vars.inc.php ($SUB_FOLDER . $HTTP_ROOT_PATH . 'admin/'). */
    public function admin_url()
    {
        if (isset($GLOBALS['ADMIN_PATH']) && (string)$GLOBALS['ADMIN_PATH'] !== '') {
            return (string)$GLOBALS['ADMIN_PATH'];
        }
        return dirname(dirname($this->module_url())) . '/admin/';
    }

    /** The hidden CSRF input of NetCat's admin forms ($nc_core->token). */
    public function token_input()
    {
        return isset($this->core->token) && is_object($this->core->token) ? (string)$this->core->token->get_input() : '';
    }

    /** Whether the request carries a valid admin token; false when the core has no token service. */
    public function token_ok()
    {
        return isset($this->core->token) && is_object($this->core->token) && (bool)$this->core->token->verify();
    }

    /**
     * Whether the admin user may look at the module's pages: some right on the module for every
     * site ($perm->isAccess() of NetCat's Permission, nothing written). A NetCat "guest" — who may
     * look at everything else — sees nothing here: the journal holds patients' names and phones.
     */
    public function may_read()
    {
        $perm = self::perm();
        return $perm !== null && !$perm->isGuest() && $perm->isAccess(array(NC_PERM_MODULE, nc_priem::KEYWORD), '', 0, 0);
    }

    /**
     * Whether the admin user may change something (save, check a connection, retry, upload): the
     * module's right "edit" (NC_PERM_MODULE_PRIEM_EDIT) or every right, for every site, writing.
     */
    public function may_write()
    {
        $perm = self::perm();
        return $perm !== null && $perm->isAccess(array(NC_PERM_MODULE, nc_priem::KEYWORD), self::RIGHT_EDIT, 0, 1);
    }

    /** Who the admin user is, for records that must say who did something: "пользователь NetCat №1". */
    public function admin_user()
    {
        $perm = self::perm();
        return 'пользователь NetCat №' . ($perm !== null && method_exists($perm, 'GetUserID') ? (int)$perm->GetUserID() : 0);
    }

    /** @return object|null the admin's $perm (NetCat's Permission of the logged-in user) */
    private static function perm()
    {
        return isset($GLOBALS['perm']) && is_object($GLOBALS['perm']) && defined('NC_PERM_MODULE') ? $GLOBALS['perm'] : null;
    }

    /** Module.Module_ID of priem (for the admin tree), or 0. */
    public function module_id()
    {
        return (int)$this->value('SELECT `Module_ID` FROM `Module` WHERE `Keyword` = ' . $this->quote(nc_priem::KEYWORD));
    }

    /** Components for the admin's pickers: Class_ID => "name (keyword)". */
    public function components()
    {
        $out = array();
        foreach ($this->rows('SELECT `Class_ID`, `Class_Name`, `Keyword` FROM `Class` WHERE `System_Table_ID` = 0 '
            . 'AND (`ClassTemplate` = 0 OR `ClassTemplate` IS NULL) ORDER BY `Class_Name`') as $row) {
            $name = $this->to_utf8((string)$row['Class_Name']);
            $out[(int)$row['Class_ID']] = $row['Keyword'] !== '' && $row['Keyword'] !== null ? $name . ' (' . $row['Keyword'] . ')' : $name;
        }
        return $out;
    }

    // ---- charset ------------------------------------------------------------------------

    /** Whether the site is cp1251 ($NC_UNICODE = 0). */
    public function is_cp1251()
    {
        return isset($this->core->NC_UNICODE) && !$this->core->NC_UNICODE;
    }

    /** Text read from NetCat's tables → UTF-8 for the extension. */
    public function to_utf8($s)
    {
        if (!$this->is_cp1251()) {
            return $s;
        }
        if (isset($this->core->utf8) && is_object($this->core->utf8) && method_exists($this->core->utf8, 'win2utf')) {
            return $this->core->utf8->win2utf($s);
        }
        return mb_convert_encoding($s, 'UTF-8', 'CP1251');
    }

    /** UTF-8 text → the site's charset, for NetCat's tables. */
    public function from_utf8($s)
    {
        if (!$this->is_cp1251()) {
            return $s;
        }
        if (isset($this->core->utf8) && is_object($this->core->utf8) && method_exists($this->core->utf8, 'utf2win')) {
            return $this->core->utf8->utf2win($s);
        }
        return mb_convert_encoding($s, 'CP1251', 'UTF-8');
    }
}
