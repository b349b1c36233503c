<?php

/**
 * "Добавить поле «Код МИС»": adds the MIS-code field to the chosen clinic and doctor components,
 * and the time-zone field to the clinic component, only where missing (idempotent).
 *
 * Several codes on one card: the code field is one string; a card may hold several codes
 * separated by commas, e.g. "0042, 0107" for a doctor the MIS knows under two codes or who works
 * in two filials, and "1:0042" pins a doctor code to filial 1 when the MIS reuses doctor codes
 * across filials. The engine's known-codes check splits on commas/semicolons; so does the
 * time-zone map for clinic cards ("1, 5" → both filials get the card's zone).
 */
class nc_priem_fields
{
    /** @var nc_priem_netcat */
    private $netcat;

    /** @var nc_priem_settings */
    private $settings;

    public function __construct(nc_priem_netcat $netcat, nc_priem_settings $settings)
    {
        $this->netcat = $netcat;
        $this->settings = $settings;
    }

    /**
     * Adds the fields to a component.
     *
     * @param string $component id or keyword
     * @param string $role      'clinic' or 'doctor'
     * @return array field name => 'added' | 'present'
     * @throws InvalidArgumentException for an unknown component or a bad field name
     */
    public function ensure($component, $role)
    {
        $class_id = $this->netcat->component_id($component);
        if (!$class_id) {
            throw new InvalidArgumentException('Компонент «' . $component . '» не найден');
        }
        $code = $this->settings->get('CodeField');
        $zone = $this->settings->get('TimezoneField');
        if (!nc_priem_settings::is_identifier($code) || !nc_priem_settings::is_identifier($zone)) {
            throw new InvalidArgumentException('Неверное имя поля в настройках модуля');
        }
        $wanted = array($code => array('Код МИС', '', true));
        if ($role === 'clinic') {
            $wanted[$zone] = array('Часовой пояс филиала (IANA, например Europe/Moscow)', 'Europe/Moscow', false);
        } elseif ($role !== 'doctor') {
            throw new InvalidArgumentException('role: clinic or doctor');
        }
        $result = array();
        foreach ($wanted as $name => $spec) {
            if ($this->netcat->has_field($class_id, $name)) {
                $result[$name] = 'present';
                continue;
            }
            $this->netcat->add_string_field($class_id, $name, $spec[0], $spec[1], $spec[2]);
            $result[$name] = 'added';
        }
        return $result;
    }

    /**
     * The components the module ships for sites that have none: role => [keyword, name, extra fields].
     * A field is name => [description, TypeOfData_ID (1 string, 2 integer, 6 file)]. Their file-mode
     * templates are in templates/<keyword>/ of the module (written by create_components()).
     */
    public static $shipped = array(
        'clinic' => array('priem_clinics', 'Клиники', array(
            'Name' => array('Название клиники', 1),
            'Address' => array('Адрес', 1),
            'Phone' => array('Телефон', 1),
            'Metro' => array('Метро (как показать: «м. Чеховская»)', 1),
            'Ages' => array('Возраст пациентов (например, «от 18 лет»)', 1),
        )),
        'doctor' => array('priem_doctors', 'Врачи', array(
            'Name' => array('ФИО врача', 1),
            'Photo' => array('Фото', 6),
            'Specialty' => array('Специальность', 1),
            'Experience' => array('Стаж, лет', 2),
            'PriceFrom' => array('Цена приёма от, руб.', 2),
            'Ages' => array('Возраст пациентов (пусто — как у клиники)', 1),
        )),
    );

    /** The booking infoblock's component: keyword, name, per-infoblock settings (CustomSettingsTemplate). */
    const BOOKING_KEYWORD = 'priem_booking';
    const BOOKING_NAME = 'Онлайн-запись';
    const BOOKING_SETTINGS = <<<'PHP'
$settings_array = array(
    'mode' => array(
        'type' => 'select',
        'subtype' => 'static',
        'caption' => 'Что показывать',
        'values' => array(
            'picker' => 'Выбор клиники, специальности и врача',
            'doctor' => 'Запись к одному врачу',
        ),
        'default_value' => 'picker',
    ),
    'doctor' => array(
        'type' => 'string',
        'caption' => 'Код МИС врача (пусто — врач карточки, открытой на странице; «1:0042» — врач 0042 в филиале 1)',
        'default_value' => '',
    ),
    'collapsed' => array(
        'type' => 'checkbox',
        'caption' => 'Показывать только кнопку «Выбрать дату и время»',
        'default_value' => '0',
    ),
    'filial' => array(
        'type' => 'string',
        'caption' => 'Код филиала, выбранного сразу (пусто — первый)',
        'default_value' => '',
    ),
    'specialty' => array(
        'type' => 'string',
        'caption' => 'Специальность, выбранная сразу (пусто — все)',
        'default_value' => '',
    ),
);
PHP;

    /** The module's folder of shipped component templates (templates/<keyword>/<part>.html). */
    public static function templates_folder()
    {
        return dirname(__DIR__) . '/templates/';
    }

    /**
     * Creates the "Клиники", "Врачи" and "Онлайн-запись" components (file mode, group «Онлайн-запись») with their
     * fields and the MIS fields, where missing, writes the shipped templates (templates/<keyword>/)
     * into the component's blank part files and Class.html (nc_priem_netcat::write_component_templates),
     * and selects them in the settings when none is selected. Needs a core with nc_component::create() (6.x).
     *
     * @return array role => 'created' | 'present'
     * @throws RuntimeException when the core cannot create components
     */
    public function create_components()
    {
        $out = array();
        foreach (self::$shipped as $role => $spec) {
            list($keyword, $name, $fields) = $spec;
            $id = $this->netcat->component_id($keyword);
            if ($id) {
                $out[$role] = 'present';
            } else {
                if (!$this->netcat->can_create_components()) {
                    throw new RuntimeException('Эта версия NetCat не умеет создавать компоненты из модуля: создайте '
                        . 'компоненты клиник и врачей вручную и нажмите «Добавить поле «Код МИС»»');
                }
                $id = $this->netcat->create_component($name, $keyword, 'Онлайн-запись');
                $out[$role] = 'created';
            }
            foreach ($fields as $field => $spec) {
                if (!$this->netcat->has_field($id, $field)) {
                    $this->netcat->add_field($id, $field, $spec[0], $spec[1], '', false);
                }
            }
            // only into blank part files: a second press completes or repairs, never overwrites
            $this->netcat->write_component_templates($keyword, self::templates_folder() . $keyword . '/');
            $this->ensure($keyword, $role);
            $key = $role === 'clinic' ? 'ClinicComponent' : 'DoctorComponent';
            if ((string)$this->settings->get($key) === '') {
                $this->netcat->set_module_setting($key, $keyword);
                $this->settings->forget();
            }
        }
        $id = $this->netcat->component_id(self::BOOKING_KEYWORD);
        $out['booking'] = $id ? 'present' : 'created';
        if (!$id) {
            $id = $this->netcat->create_component(self::BOOKING_NAME, self::BOOKING_KEYWORD, 'Онлайн-запись');
            $this->netcat->set_component_custom_settings($id, self::BOOKING_SETTINGS);
        }
        $this->netcat->write_component_templates(self::BOOKING_KEYWORD, self::templates_folder() . self::BOOKING_KEYWORD . '/');
        return $out;
    }

    /** Both components from the settings; role => result (or an error message). */
    public function ensure_configured()
    {
        $out = array();
        foreach (array('clinic' => 'ClinicComponent', 'doctor' => 'DoctorComponent') as $role => $key) {
            $component = $this->settings->get($key);
            if ($component === '' || $component === null) {
                continue;
            }
            try {
                $out[$role] = $this->ensure($component, $role);
            } catch (InvalidArgumentException $e) {
                $out[$role] = $e->getMessage();
            }
        }
        return $out;
    }
}
