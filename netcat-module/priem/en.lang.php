<?php
// priem — English strings (NetCat falls back to this file).
call_user_func(function () {
    $strings = array(
        'NETCAT_MODULE_PRIEM' => 'Online booking',
        'NETCAT_MODULE_PRIEM_DESCRIPTION' => 'Booking a doctor on the site from the MIS schedule (ProDoctorov format): FTP and HTTP import, bookings sent to the MIS, alert e-mails.',
        'NETCAT_MODULE_PRIEM_TAB_SETTINGS' => 'Settings',
        'NETCAT_MODULE_PRIEM_TAB_STATUS' => 'Status',
        'NETCAT_MODULE_PRIEM_TAB_BOOKINGS' => 'Bookings',
        'NETCAT_MODULE_PRIEM_TAB_CODES' => 'MIS codes',
        'NETCAT_MODULE_PRIEM_TAB_PRODOCTOROV' => 'ProDoctorov',
        'NETCAT_MODULE_PRIEM_SAVED' => 'Settings saved',
        'NETCAT_MODULE_PRIEM_BAD_TOKEN' => 'The form is stale or was not sent from the admin: reload the page and retry',
        'NETCAT_MODULE_PRIEM_NO_RIGHTS' => 'Not allowed: viewing the online booking module needs a right on the module, changes the right "change settings and send"',
        'NC_PERM_MODULE_PRIEM_VIEW' => 'view the status, the bookings journal and the settings (without passwords)',
        'NC_PERM_MODULE_PRIEM_EDIT' => 'change settings and send (connection checks, retries, uploads)',
    );
    foreach ($strings as $name => $text) {
        if (!defined($name)) {
            define($name, $text);
        }
    }
});
