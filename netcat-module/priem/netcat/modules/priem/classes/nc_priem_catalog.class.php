<?php

/**
 * The editors' clinic and doctor cards, read through NetCat for the extension: each card's id,
 * its MIS code cell and the fields a visitor sees (name, address, phone, metro, photo,
 * experience, price, patients' ages). The extension matches the codes (several on a card,
 * "1:0042" pinned to a filial) with the MIS's and puts the cards over the MIS's data
 * (priem_filials, priem_doctors, priem_grid_json, priem_book, priem_booking, priem_code_targets);
 * the cron's code check compares them (the settings' "cards"). A card an editor switched off
 * («включить» unticked, Checked = 0) goes too, marked 'off' => true: its codes take the filial or
 * doctor off the site (no booking) and off the code check's «нет врача» alerts.
 */
class nc_priem_catalog
{
    /** Card key => the component field it is read from (the zone's field is a setting). */
    const CLINIC_FIELDS = array('name' => 'Name', 'address' => 'Address', 'phone' => 'Phone', 'metro' => 'Metro', 'ages' => 'Ages');

    const DOCTOR_FIELDS = array('name' => 'Name', 'photo' => 'Photo', 'specialties' => 'Specialty', 'experience' => 'Experience',
                                'price_from' => 'PriceFrom', 'ages' => 'Ages');

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var nc_priem_settings */
    private $settings;

    public function __construct(nc_priem_netcat $netcat, nc_priem_settings $settings)
    {
        $this->netcat = $netcat;
        $this->settings = $settings;
    }

    /** Every card, for the pages that show many (the filials, a filial's doctors, a booking's status). */
    public function all()
    {
        return $this->cards(null, null);
    }

    /** The clinic cards only, for a filial's phone (priem_code_targets, priem_code_phone). */
    public function clinics()
    {
        $clinics = $this->rows('clinic', null, self::CLINIC_FIELDS);
        return array('clinics' => $clinics ? $clinics : array(), 'doctors' => array(),
                     'phone' => (string)$this->settings->get('ClinicPhone'));
    }

    /**
     * The cards whose code cells mention the filial's or the doctor's code (a superset: the
     * extension decides), for a page about one doctor (his grid, a booking).
     */
    public function of($filial, $doctor)
    {
        return $this->cards((string)$filial, (string)$doctor);
    }

    /**
     * The codes on the cards, for the settings' "cards": each card's id and code cell, a clinic's
     * time zone. Null when the components are not chosen or have no code field.
     */
    public function codes()
    {
        $clinics = $this->rows('clinic', null, array());
        $doctors = $this->rows('doctor', null, array());
        return $clinics === null || $doctors === null ? null : array('clinics' => $clinics, 'doctors' => $doctors);
    }

    private function cards($filial, $doctor)
    {
        $clinics = $this->rows('clinic', $filial, self::CLINIC_FIELDS);
        $doctors = $this->rows('doctor', $doctor, self::DOCTOR_FIELDS);
        return array('clinics' => $clinics ? $clinics : array(), 'doctors' => $doctors ? $doctors : array(),
                     'phone' => (string)$this->settings->get('ClinicPhone'));
    }

    /**
     * The cards of a role's component with the $fields it has (all of them, or only those whose
     * code cell mentions $mentioning): id, codes, the fields, a clinic's zone, and 'off' => true
     * on a switched-off card. Null when the component or its code field is missing.
     */
    private function rows($role, $mentioning, array $fields)
    {
        $key = $role === 'clinic' ? 'ClinicComponent' : 'DoctorComponent';
        $class_id = $this->netcat->component_id((string)$this->settings->get($key));
        $code_field = (string)$this->settings->get('CodeField');
        if (!$class_id || !nc_priem_settings::is_identifier($code_field) || !$this->netcat->has_column($class_id, $code_field)) {
            return null;
        }
        if ($role === 'clinic') {
            $fields['timezone'] = (string)$this->settings->get('TimezoneField');
        }
        $columns = array_merge(array($code_field), array_values($fields));
        $rows = $mentioning === null ? $this->netcat->card_rows($class_id, $columns)
            : $this->netcat->card_rows_like($class_id, $columns, $code_field, array($mentioning));
        $out = array();
        foreach ($rows as $row) {
            if (trim($row[$code_field]) === '') {
                continue;
            }
            $card = array('id' => (string)$row['Message_ID'], 'codes' => $row[$code_field]);
            foreach ($fields as $name => $field) {
                $card[$name] = isset($row[$field]) ? trim($row[$field]) : '';
            }
            if (isset($card['photo']) && $card['photo'] !== '') {
                $card['photo'] = $this->netcat->file_url($class_id, $row['Message_ID'], 'Photo', $card['photo']);
            }
            if ((string)$row['Checked'] !== '1') {
                $card['off'] = true;
            }
            $out[] = $card;
        }
        return $out;
    }
}
