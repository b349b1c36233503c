<?php

require_once __DIR__ . '/EndpointsTestCase.php';

/** The entry points through Apache 2.4 + mod_php 8.2 with AllowOverride All (the module's .htaccess enforced). */
final class EndpointsApacheTest extends EndpointsTestCase
{
    const SERVER = 'apache';
}
