<?php
/**
 * Autoload of the module's classes: nc_priem and nc_priem_<name> live in
 * classes/<full class name>.class.php (NetCat's "full name" layout), the admin's controllers
 * nc_priem_<tab>_controller in controllers/. Plain PHP, so the same file serves NetCat
 * (function.inc.php, install.php) and the tests.
 */
if (!function_exists('nc_priem_autoload')) {
    function nc_priem_autoload($class)
    {
        $class = strtolower($class);
        if ($class !== 'nc_priem' && strpos($class, 'nc_priem_') !== 0) {
            return;
        }
        $folder = substr($class, -strlen('_controller')) === '_controller' ? 'controllers' : 'classes';
        $file = __DIR__ . '/' . $folder . '/' . $class . '.class.php';
        if (is_file($file)) {
            require_once $file;
        }
    }
    spl_autoload_register('nc_priem_autoload');
}
