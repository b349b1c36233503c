<?php

/**
 * «ПроДокторов»: the connector's settings, «Выгрузить расписание сейчас», the last uploads and
 * the bookings that came from ProDoctorov.
 */
class nc_priem_prodoctorov_controller extends nc_priem_admin_controller
{
    protected $writes = array('save', 'upload');

    /** The tab's settings: key => [label, type]. */
    const FIELDS = array(
        'PdEnabled' => array('Включить связь с ПроДокторов', 'checkbox'),
        'PdApi' => array('API выгрузки', array('old' => 'старое (login, password, cells)', 'v2' => 'v2 (токен)')),
        'PdUrl' => array('Адрес выгрузки расписания', 'text'),
        'PdLogin' => array('Логин (старое API)', 'text'),
        'PdPassword' => array('Пароль (старое API)', 'password'),
        'PdToken' => array('Токен (v2)', 'password'),
        'PdInterval' => array('Выгружать каждые, мин', 'text'),
        'PdFilials' => array('Филиалы (коды через запятую; пусто — все)', 'text'),
        'PdDoctors' => array('Врачи по филиалам («1: 0001, 0002»; филиал без строки — все)', 'textarea'),
        'PdAcceptWhenMisDown' => array('Принимать записи при недоступной МИС', 'checkbox'),
        'PdEndpointUser' => array('Логин для прямой записи (Basic)', 'text'),
        'PdEndpointPassword' => array('Пароль для прямой записи (Basic), не короче 16 символов', 'generated_password'),
    );

    protected function action_index(array $messages = array())
    {
        $values = $this->priem->settings()->for_form();
        $uploads = array();
        if (nc_priem::extension_problem() === null) {
            try {
                $uploads = priem_prodoctorov_uploads($this->priem->settings()->engine(), 20);
                foreach ($uploads as $i => $u) {
                    $uploads[$i]['answer'] = $this->without_secrets((string)$u['answer']);
                }
            } catch (\Priem\Exception $e) {
                $messages += $this->failure('Выгрузки не прочитаны: ', $e);
            }
        }
        return $this->view('prodoctorov', array(
            'messages' => $messages,
            'endpoint' => $this->netcat->site_url() . $this->netcat->module_url() . 'prodoctorov/',
            'endpoint_user' => $values['PdEndpointUser'],
            'fields' => $this->view('fields', array(
                'groups' => array('ПроДокторов' => self::FIELDS), 'values' => $values,
                'errors' => isset($messages['fields']) ? $messages['fields'] : array(),
            )),
            'uploads' => $uploads,
            'journal' => $this->journal('prodoctorov'),
        ));
    }

    protected function action_save()
    {
        $input = array();
        foreach ($this->post as $key => $value) {
            // the tab's fields and their «очистить» boxes
            if (isset(self::FIELDS[$key]) || (substr($key, -6) === '_clear' && isset(self::FIELDS[substr($key, 0, -6)]))) {
                $input[$key] = $value;
            }
        }
        return $this->action_index($this->save($input));
    }

    /** "Выгрузить расписание сейчас": even when nothing changed since the last upload. */
    protected function action_upload()
    {
        try {
            $r = priem_prodoctorov_upload($this->priem->settings()->engine(), true);
        } catch (\Priem\Exception $e) {
            return $this->action_index($this->failure('Выгрузка не выполнена: ', $e));
        }
        $line = 'Расписание: ' . (int)$r['filials'] . ' филиал(ов), ' . (int)$r['doctors'] . ' врач(ей), '
            . (int)$r['cells'] . ' ячеек, ' . self::kb($r['bytes']);
        if ($r['outcome'] === 'ok') {
            return $this->action_index(array('ok' => 'Выгружено в ПроДокторов. ' . $line));
        }
        if ($r['outcome'] === 'locked') {
            return $this->action_index(array('error' => 'Сейчас идёт синхронизация (cron), повторите через минуту'));
        }
        return $this->action_index(array('error' => 'ПроДокторов не принял выгрузку'
            . ($r['http_status'] ? ' (HTTP ' . (int)$r['http_status'] . ')' : '') . ': '
            . $this->without_secrets((string)$r['message']) . '. ' . $line));
    }

    /** 12345 → "12,1 КБ" */
    public static function kb($bytes)
    {
        return number_format((int)$bytes / 1024, 1, ',', ' ') . ' КБ';
    }
}
