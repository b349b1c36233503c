<?php

/**
 * The module's admin tabs (NetCat's ui_config_module; loaded only in the admin, after
 * $ADMIN_FOLDER/modules/ui.php). Tabs: Settings / Status / Bookings / Codes.
 */
class nc_priem_ui_config extends ui_config_module
{
    public function __construct($view, $module_id = 0)
    {
        $this->headerText = defined('NETCAT_MODULE_PRIEM') ? NETCAT_MODULE_PRIEM : 'priem';
        foreach (nc_priem_admin::views() as $id => $constant) {
            $this->tabs[] = array(
                'id' => $id,
                'caption' => defined($constant) ? constant($constant) : $id,
                'location' => 'module.priem.' . $id,
                'group' => 'admin',
            );
        }
        $this->activeTab = $view;
        $this->locationHash = 'module.priem.' . $view;
        $this->treeMode = 'modules';
        if ($module_id) {
            $this->treeSelectedNode = 'module-' . (int)$module_id;
        }
    }
}
