<?php
// priem — русские строки. Исходник в UTF-8; на cp1251-сайтах ($NC_UNICODE = 0) перекодируется.
call_user_func(function () {
    $strings = array(
        'NETCAT_MODULE_PRIEM' => 'Онлайн-запись к врачу',
        'NETCAT_MODULE_PRIEM_DESCRIPTION' => 'Запись на приём с сайта по расписанию из МИС (формат ПроДокторов): импорт по FTP и HTTP, передача записей в МИС, оповещения на почту.',
        'NETCAT_MODULE_PRIEM_TAB_SETTINGS' => 'Настройки',
        'NETCAT_MODULE_PRIEM_TAB_STATUS' => 'Состояние',
        'NETCAT_MODULE_PRIEM_TAB_BOOKINGS' => 'Записи',
        'NETCAT_MODULE_PRIEM_TAB_CODES' => 'Коды МИС',
        'NETCAT_MODULE_PRIEM_TAB_PRODOCTOROV' => 'ПроДокторов',
        'NETCAT_MODULE_PRIEM_SAVED' => 'Настройки сохранены',
        'NETCAT_MODULE_PRIEM_BAD_TOKEN' => 'Форма устарела или отправлена не из админки: обновите страницу и повторите',
        'NETCAT_MODULE_PRIEM_NO_RIGHTS' => 'Недостаточно прав: для просмотра модуля «Онлайн-запись к врачу» нужно право на модуль, для изменений — право «изменение настроек и отправка»',
        'NC_PERM_MODULE_PRIEM_VIEW' => 'просмотр состояния, журнала записей и настроек (без паролей)',
        'NC_PERM_MODULE_PRIEM_EDIT' => 'изменение настроек и отправка (проверка соединения, повтор отправки, выгрузка)',
    );
    $convert = isset($GLOBALS['nc_core']) && is_object($GLOBALS['nc_core'])
        && isset($GLOBALS['nc_core']->NC_UNICODE) && !$GLOBALS['nc_core']->NC_UNICODE;
    foreach ($strings as $name => $text) {
        if (!defined($name)) {
            define($name, $convert ? mb_convert_encoding($text, 'CP1251', 'UTF-8') : $text);
        }
    }
});
