<?php

/**
 * What the editors typed on the clinic and doctor cards (name, address, phone, metro, photo,
 * experience, price, patients' ages), found by the MIS codes, merged with what the MIS sent (its names, specialties, zones).
 * The cards win where both have a value: editors polish what the MIS exports.
 *
 * Codes on a card (see nc_priem_fields): several separated by commas or semicolons; "1:0042"
 * pins doctor code 0042 to filial 1.
 */
class nc_priem_catalog
{
    /** Russian names of the time zones clinics in Russia use ("время московское"). */
    private static $zone_labels = array(
        'Europe/Kaliningrad' => 'время калининградское',
        'Europe/Moscow' => 'время московское',
        'Europe/Simferopol' => 'время московское',
        'Europe/Kirov' => 'время московское',
        'Europe/Volgograd' => 'время волгоградское',
        'Europe/Samara' => 'время самарское',
        'Europe/Ulyanovsk' => 'время ульяновское',
        'Europe/Saratov' => 'время саратовское',
        'Europe/Astrakhan' => 'время астраханское',
        'Asia/Yekaterinburg' => 'время екатеринбургское',
        'Asia/Omsk' => 'время омское',
        'Asia/Novosibirsk' => 'время новосибирское',
        'Asia/Barnaul' => 'время барнаульское',
        'Asia/Tomsk' => 'время томское',
        'Asia/Novokuznetsk' => 'время кемеровское',
        'Asia/Krasnoyarsk' => 'время красноярское',
        'Asia/Irkutsk' => 'время иркутское',
        'Asia/Chita' => 'время читинское',
        'Asia/Yakutsk' => 'время якутское',
        'Asia/Vladivostok' => 'время владивостокское',
        'Asia/Sakhalin' => 'время сахалинское',
        'Asia/Magadan' => 'время магаданское',
        'Asia/Kamchatka' => 'время камчатское',
    );

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var nc_priem_settings */
    private $settings;

    /** @var array role => (code => card), for the roles preload() read whole */
    private $cards = array();

    public function __construct(nc_priem_netcat $netcat, nc_priem_settings $settings)
    {
        $this->netcat = $netcat;
        $this->settings = $settings;
    }

    public static function zone_label($zone)
    {
        return isset(self::$zone_labels[$zone]) ? self::$zone_labels[$zone] : 'время: ' . $zone;
    }

    /** Splits a card's code cell: "0042, 1:0107" → ['0042', '1:0107']. */
    public static function split_codes($cell)
    {
        $out = array();
        foreach (preg_split('/[,;]/', (string)$cell) as $c) {
            $c = trim($c);
            if ($c !== '') {
                $out[] = $c;
            }
        }
        return $out;
    }

    /**
     * The (filial, doctor) pairs a doctor card's code cell names: a pinned "1:0042" as is, a
     * bare "0042" in every filial whose schedule has that doctor code.
     *
     * @return array [['filial' => '1', 'doctor' => '0042'], …]
     */
    public function targets($cell)
    {
        $out = array();
        foreach (self::split_codes($cell) as $code) {
            if (strpos($code, ':') !== false) {
                list($f, $d) = array_map('trim', explode(':', $code, 2));
                $out[$f . ':' . $d] = array('filial' => $f, 'doctor' => $d);
                continue;
            }
            $filials = $this->netcat->rows('SELECT `filial` FROM `Priem_Doctor` WHERE `code` = '
                . $this->netcat->quote($code) . ' ORDER BY `filial`');
            foreach ($filials as $row) {
                $out[$row['filial'] . ':' . $code] = array('filial' => (string)$row['filial'], 'doctor' => $code);
            }
        }
        return array_values($out);
    }

    /**
     * A filial for the widget: the MIS's name and zone, the clinic card's name, address, phone,
     * and the optional metro and patients' ages («от 18 лет»; null when the card has none or the
     * component no such field).
     *
     * @param array $mis ['code', 'name', 'timezone'] from priem_filials()/priem_doctors()
     */
    public function filial(array $mis)
    {
        $card = $this->card('clinic', $mis['code'], null);
        $name = $card && $card['Name'] !== '' ? $card['Name'] : (string)$mis['name'];
        return array(
            'code' => (string)$mis['code'],
            'name' => $name !== '' ? $name : 'Филиал ' . $mis['code'],
            'address' => $card ? $card['Address'] : '',
            'phone' => $this->phone($mis['code']),
            'metro' => self::optional($card, 'Metro'),
            'ages' => self::optional($card, 'Ages'),
            'timezone' => (string)$mis['timezone'],
            'tz_label' => self::zone_label((string)$mis['timezone']),
        );
    }

    /** A filial's phone: its clinic card's, else the settings' ClinicPhone. */
    public function phone($filial)
    {
        $card = $this->card('clinic', (string)$filial, null);
        return $card && $card['Phone'] !== '' ? $card['Phone'] : (string)$this->settings->get('ClinicPhone');
    }

    /**
     * A doctor for the widget: the MIS's name and specialties, the card's name, photo,
     * experience, price and patients' ages («от 18 лет», over the clinic's) where the card has them.
     *
     * @param array $mis ['code', 'name', 'specialties'] from the MIS
     */
    public function doctor($filial, array $mis)
    {
        $card = $this->card('doctor', (string)$mis['code'], (string)$filial);
        $specialties = isset($mis['specialties']) ? (array)$mis['specialties'] : array();
        if ($card && $card['Specialty'] !== '') {
            $specialties = array_values(array_filter(array_map('trim', preg_split('/[,;]/', $card['Specialty']))));
        }
        return array(
            'code' => (string)$mis['code'],
            'name' => $card && $card['Name'] !== '' ? $card['Name'] : (string)$mis['name'],
            'specialties' => $specialties,
            'photo' => $card && $card['photo_url'] !== '' ? $card['photo_url'] : null,
            'experience' => $card && (int)$card['Experience'] > 0 ? (int)$card['Experience'] : null,
            'price_from' => $card && (int)$card['PriceFrom'] > 0 ? (int)$card['PriceFrom'] : null,
            'ages' => self::optional($card, 'Ages'),
        );
    }

    /** An optional text field of a card: null when empty (or the component has no such field). */
    private static function optional($card, $field)
    {
        return $card && isset($card[$field]) && $card[$field] !== '' ? $card[$field] : null;
    }

    /**
     * Reads every card of a role at once, for pages that show many (the doctors listing); without
     * it each card is read on its own, which is what a single grid or booking wants.
     */
    public function preload($role)
    {
        if (!isset($this->cards[$role])) {
            $this->cards[$role] = $this->read_cards($role, null);
        }
    }

    /** The card of a clinic (by filial code) or of a doctor (by doctor code in a filial). */
    private function card($role, $code, $filial)
    {
        $cards = isset($this->cards[$role]) ? $this->cards[$role] : $this->read_cards($role, (string)$code);
        if ($filial !== null && isset($cards[$filial . ':' . $code])) {
            return $cards[$filial . ':' . $code];
        }
        return isset($cards[$code]) ? $cards[$code] : null;
    }

    /**
     * code => card of the role's component: all of them, or ($mentioning) only those whose code
     * cell mentions that code (the SQL narrows with LIKE, split_codes() decides).
     */
    private function read_cards($role, $mentioning)
    {
        $out = array();
        $key = $role === 'clinic' ? 'ClinicComponent' : 'DoctorComponent';
        $class_id = $this->netcat->component_id((string)$this->settings->get($key));
        $code_field = (string)$this->settings->get('CodeField');
        if (!$class_id || !nc_priem_settings::is_identifier($code_field) || !$this->netcat->has_column($class_id, $code_field)) {
            return $out;
        }
        $wanted = $role === 'clinic'
            ? array('Name', 'Address', 'Phone', 'Metro', 'Ages')
            : array('Name', 'Photo', 'Specialty', 'Experience', 'PriceFrom', 'Ages');
        $columns = array_merge(array($code_field), $wanted);
        $rows = $mentioning === null ? $this->netcat->card_rows($class_id, $columns)
            : $this->netcat->card_rows_like($class_id, $columns, $code_field, array($mentioning));
        foreach ($rows as $row) {
            $card = array();
            foreach ($wanted as $f) {
                $card[$f] = isset($row[$f]) ? trim($row[$f]) : '';
            }
            if ($role === 'doctor') {
                $card['photo_url'] = $card['Photo'] === '' ? ''
                    : $this->netcat->file_url($class_id, $row['Message_ID'], 'Photo', $card['Photo']);
            }
            foreach (self::split_codes($row[$code_field]) as $code) {
                if (!isset($out[$code])) {
                    $out[$code] = $card;
                }
            }
        }
        return $out;
    }
}
