<?php
/**
 * Stand-in of NetCat 6.4's nc_ui_controller (netcat/system/admin/ui/components/
 * nc_ui_controller.class.php), the base of the admin controllers of NetCat's modules, modelled on
 * how the real class behaves (written for this project; none of NetCat's code):
 * - the constructor takes the views' folder, binds $this->ui_config to $GLOBALS['UI_CONFIG'], sets
 *   $this->nc_core and $this->db and the site (always 0 here: sites are not modelled), then init();
 * - execute($action): false when the controller has no action_<action>(); false when
 *   before_action() returns false (the action does not run); an exception of the action becomes
 *   an error alert; after_action()'s answer replaces the action's unless it is null or true.
 * Not modelled: bind(), the JSON answers, view() (the real one returns an nc_ui_view whose data
 * include every global; priem renders its views itself).
 */
class nc_ui_controller
{
    protected $view_path = null;
    protected $current_action = 'index';
    protected $ui_config;
    protected $nc_core;
    protected $db;
    protected $site_id;
    protected $use_layout = true;

    public function __construct($view_path = null)
    {
        if ($view_path) {
            $this->set_view_path($view_path);
        }
        $this->ui_config =& $GLOBALS['UI_CONFIG'];
        $this->nc_core = nc_Core::get_object();
        $this->db = $this->nc_core->db;
        $this->site_id = 0;
        $this->init();
    }

    protected function init()
    {
    }

    protected function before_action()
    {
        return '';
    }

    protected function after_action($result)
    {
        return true;
    }

    public function set_view_path($path)
    {
        $this->view_path = rtrim($path, DIRECTORY_SEPARATOR) . DIRECTORY_SEPARATOR;
    }

    public function set_action($action)
    {
        $this->current_action = $action;
    }

    public function execute($action = null, array $args = array())
    {
        if ($action) {
            $this->set_action($action);
        }
        $method = 'action_' . $this->current_action;
        if (!method_exists($this, $method)) {
            return false;
        }
        if ($this->before_action() === false) {
            return false;
        }
        try {
            $result = call_user_func_array(array($this, $method), array_values($args));
        } catch (Exception $e) {
            return '<div class="nc-alert nc--red">' . htmlspecialchars($e->getMessage() ?: get_class($e), ENT_QUOTES, 'UTF-8') . '</div>';
        }
        $after = $this->after_action($result);
        return is_null($after) || $after === true ? $result : $after;
    }
}
