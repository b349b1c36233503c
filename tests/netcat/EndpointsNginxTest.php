<?php

require_once __DIR__ . '/EndpointsTestCase.php';

/** The entry points through nginx + php-fpm 8.2 with the module's shipped snippet (nginx.conf.example). */
final class EndpointsNginxTest extends EndpointsTestCase
{
    const SERVER = 'nginx';
}
