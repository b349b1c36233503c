<?php
/**
 * Stand-in of NetCat 6.4's admin rights (netcat/admin/permission.class.php, consts.inc.php): the
 * `User`, `Permission` and `Module_Permission` tables and the part of the `Permission` class a
 * module's admin relies on, modelled on how the real class behaves (written for this project;
 * none of NetCat's code):
 * - a user's admin types are `Permission` rows: DIRECTOR (7), SUPERVISOR (6), GUEST (8);
 * - module rights are `Module_Permission` rows (Module_Keyword, Catalogue_ID, PermissionType);
 *   PermissionType '*' (NC_PERM_MODULE_ALL) is every right on the module, Module_Keyword '*'
 *   every module; Catalogue_ID 0 is every site;
 * - isAccess(): a director passes; a guest passes exactly when nothing is written ($posting = 0,
 *   "гость может смотреть, но не может редактировать ничего"); a supervisor passes; for
 *   [NC_PERM_MODULE, keyword] an empty action asks for any right on the module, else that right;
 * - hasModulePermission() / hasAnyModulePermission() are true for supervisors and guests;
 * - isInsideAdmin(): the "Доступ в зону администрирования" flag (or supervisor) and some right.
 * Not modelled: user groups, permission periods, site/section/infoblock editors.
 */

foreach (array('DIRECTOR' => 7, 'SUPERVISOR' => 6, 'GUEST' => 8, 'NC_PERM_ITEM_USER' => 3, 'NC_PERM_ITEM_GROUP' => 4,
               'NC_PERM_MODULE' => 11, 'NC_PERM_MODULE_ALL' => '*') as $nc_standin_name => $nc_standin_value) {
    if (!defined($nc_standin_name)) {
        define($nc_standin_name, $nc_standin_value);
    }
}
unset($nc_standin_name, $nc_standin_value);

/**
 * Creates User, Permission and Module_Permission (as 6.4's dump has them, the columns used) with
 * user 1 "admin", a supervisor with admin access, in the selected database of $m.
 */
function nc_standin_create_user_tables(mysqli $m)
{
    $t = ' ENGINE=MyISAM DEFAULT CHARSET=utf8';
    $m->query('CREATE TABLE `User` (`User_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Email` varchar(255),
        `InsideAdminAccess` tinyint NOT NULL DEFAULT 0)' . $t);
    $m->query('CREATE TABLE `Permission` (`Permission_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `User_ID` int NOT NULL DEFAULT 0,
        `AdminType` int NOT NULL DEFAULT 0, `Catalogue_ID` int NOT NULL DEFAULT 0, `PermissionSet` int NOT NULL DEFAULT 0,
        `PermissionGroup_ID` int NOT NULL DEFAULT 0, `PermissionBegin` datetime, `PermissionEnd` datetime)' . $t);
    $m->query('CREATE TABLE `Module_Permission` (`Module_Permission_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY,
        `User_ID` int NOT NULL DEFAULT 0, `PermissionGroup_ID` int NOT NULL DEFAULT 0, `Catalogue_ID` int NOT NULL DEFAULT 0,
        `Module_Keyword` varchar(255), `PermissionType` varchar(255), `PermissionBegin` datetime, `PermissionEnd` datetime)' . $t);
    $m->query("INSERT INTO `User` (`User_ID`, `Email`, `InsideAdminAccess`) VALUES (1, 'admin', 1)");
    $m->query('INSERT INTO `Permission` (`User_ID`, `AdminType`) VALUES (1, ' . SUPERVISOR . ')');
}

/**
 * Adds a user with admin access: $admin_type a Permission.AdminType (SUPERVISOR, GUEST …) or 0,
 * $module_rights [keyword => [PermissionType, …]] for every site. Returns the User_ID.
 */
function nc_standin_add_user($email, $admin_type = 0, array $module_rights = array())
{
    $db = nc_Core::get_object()->db;
    $db->query("INSERT INTO `User` (`Email`, `InsideAdminAccess`) VALUES ('" . $db->escape($email) . "', 1)");
    $id = (int)$db->insert_id;
    if ($admin_type) {
        $db->query('INSERT INTO `Permission` (`User_ID`, `AdminType`) VALUES (' . $id . ', ' . (int)$admin_type . ')');
    }
    foreach ($module_rights as $keyword => $types) {
        foreach ($types as $type) {
            $db->query('INSERT INTO `Module_Permission` (`User_ID`, `Catalogue_ID`, `Module_Keyword`, `PermissionType`) VALUES ('
                . $id . ", 0, '" . $db->escape($keyword) . "', '" . $db->escape($type) . "')");
        }
    }
    return $id;
}

/** $perm of the admin: what one user may do. */
class Permission
{
    private $user_id;
    private $inside_admin = false;
    private $director = false;
    private $supervisor = false;
    private $guest = false;
    /** @var array keyword => site id => permission type => true */
    private $modules = array();

    public function __construct($user_id)
    {
        $db = nc_Core::get_object()->db;
        $this->user_id = (int)$user_id;
        $this->inside_admin = (bool)$db->get_var('SELECT `InsideAdminAccess` FROM `User` WHERE `User_ID` = ' . $this->user_id);
        foreach ((array)$db->get_results('SELECT `AdminType` FROM `Permission` WHERE `User_ID` = ' . $this->user_id, ARRAY_A) as $row) {
            $type = (int)$row['AdminType'];
            $this->director = $this->director || $type === DIRECTOR;
            $this->supervisor = $this->supervisor || $type === SUPERVISOR;
            $this->guest = $this->guest || $type === GUEST;
        }
        foreach ((array)$db->get_results('SELECT `Module_Keyword`, `Catalogue_ID`, `PermissionType` FROM `Module_Permission` '
            . 'WHERE `User_ID` = ' . $this->user_id, ARRAY_A) as $row) {
            $this->modules[$row['Module_Keyword']][(int)$row['Catalogue_ID']][$row['PermissionType']] = true;
        }
    }

    public function GetUserID()
    {
        return $this->user_id;
    }

    public function isSupervisor()
    {
        return $this->director || $this->supervisor;
    }

    public function isGuest()
    {
        return !$this->isSupervisor() && $this->guest;
    }

    /** The admin lets the user in (function.inc.php refuses everyone else before a module page runs). */
    public function isInsideAdmin()
    {
        return ($this->inside_admin || $this->isSupervisor()) && ($this->isSupervisor() || $this->hasAnyModulePermission());
    }

    /**
     * @param int|array  $instance_type NC_PERM_* or [NC_PERM_MODULE, keyword]
     * @param string     $action        for a module: the right ('' — any right on the module)
     * @param int|null   $id            for a module: the site (0 — every site, null — any site)
     * @param int|bool   $posting       whether the request writes
     */
    public function isAccess($instance_type, $action = '', $id = 0, $posting = 1)
    {
        if ($this->director) {
            return true;
        }
        if ($this->guest) {
            return !$posting;
        }
        if ($this->supervisor && $instance_type != NC_PERM_ITEM_USER && $instance_type != NC_PERM_ITEM_GROUP) {
            return true;
        }
        $instance = null;
        if (is_array($instance_type) && count($instance_type) > 1) {
            list($instance_type, $instance) = $instance_type;
        }
        if ($instance_type === NC_PERM_MODULE) {
            if (!$instance || !$action) {
                return $this->hasAnyModulePermission($instance ?: NC_PERM_MODULE_ALL, $id);
            }
            return $this->hasModulePermission($instance, $action, $id);
        }
        return false;
    }

    public function hasModulePermission($keyword, $type = NC_PERM_MODULE_ALL, $site_id = null)
    {
        if ($this->isSupervisor() || $this->isGuest()) {
            return true;
        }
        if (empty($this->modules[$keyword])) {
            return false;
        }
        if ($site_id === null) {
            foreach (array_keys($this->modules[$keyword]) as $site) {
                if ($this->hasModulePermission($keyword, $type, $site)) {
                    return true;
                }
            }
            return false;
        }
        $site_id = (int)$site_id;
        $all = NC_PERM_MODULE_ALL;
        return !empty($this->modules[$keyword][0][$all]) || !empty($this->modules[$keyword][0][$type])
            || !empty($this->modules[$all][0][$all])
            || ($site_id && (!empty($this->modules[$keyword][$site_id][$all]) || !empty($this->modules[$keyword][$site_id][$type])
                || !empty($this->modules[$all][$site_id][$all])));
    }

    public function hasAnyModulePermission($keyword = null, $site_id = null)
    {
        if ($this->isSupervisor() || $this->isGuest()) {
            return true;
        }
        $all = NC_PERM_MODULE_ALL;
        if (!$keyword && $site_id === null) {
            return !empty($this->modules);
        }
        if ($keyword) {
            if ($site_id === null) {
                return !empty($this->modules[$keyword]) || !empty($this->modules[$all]);
            }
            if ($site_id && (!empty($this->modules[$keyword][$site_id]) || !empty($this->modules[$all][$site_id]))) {
                return true;
            }
            return !empty($this->modules[$keyword][0]) || !empty($this->modules[$all][0]);
        }
        foreach ($this->modules as $sites) {
            if (isset($sites[$site_id])) {
                return true;
            }
        }
        return false;
    }
}
