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
        'NETCAT_MODULE_PRIEM_SAVE' => 'Save',
        'NETCAT_MODULE_PRIEM_SAVED' => 'Settings saved',
        'NETCAT_MODULE_PRIEM_ADD_FIELD' => 'Add the MIS code field',
        'NETCAT_MODULE_PRIEM_PASSWORD_KEPT' => 'set; leave blank to keep it',
        'NETCAT_MODULE_PRIEM_BAD_TOKEN' => 'The form is stale or was not sent from the admin: reload the page and retry',
        'NETCAT_MODULE_PRIEM_NO_RIGHTS' => 'Not allowed: viewing the online booking module needs a right on the module, changes the right "change settings and send"',
        'NC_PERM_MODULE_PRIEM_VIEW' => 'view the status, the bookings journal and the settings (without passwords)',
        'NC_PERM_MODULE_PRIEM_EDIT' => 'change settings and send (connection checks, retries, uploads)',
        'NETCAT_MODULE_PRIEM_NO_EXTENSION' => 'The priem PHP extension is not loaded',
    );
    foreach ($strings as $name => $text) {
        if (!defined($name)) {
            define($name, $text);
        }
    }
});
