<?php
/**
 * priem: loaded by nc_Modules::load_env() on every request (front and admin).
 * Registers the autoload of nc_priem and nc_priem_* (classes/<class>.class.php).
 */
require_once __DIR__ . '/autoload.php';
