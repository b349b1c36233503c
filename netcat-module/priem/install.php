<?php
/**
 * priem — NetCat's module installer calls these two functions (netcat/admin/modules/index.php,
 * phase 4). This file is required in the installer's global scope from the unpacked archive, so it
 * defines functions only and assigns no globals (the success page's $UI_CONFIG is set from
 * InstallThisModule(), see nc_priem_installer::admin_success_page()).
 */
require_once __DIR__ . '/netcat/modules/priem/autoload.php';

function CheckAbilityOfInstallation()
{
    return nc_priem_installer::check_ability();
}

function InstallThisModule()
{
    $netcat = nc_priem_netcat::from_core();
    $installer = new nc_priem_installer($netcat, new nc_priem_settings($netcat));
    $result = $installer->install();
    if ($result['Success']) {
        $installer->admin_success_page();
    }
    return $result;
}
