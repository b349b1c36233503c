<?php

use PHPUnit\Framework\TestCase;

/**
 * "Создать компоненты": the shipped file-mode templates (netcat.md §4.5) as NetCat 6.4 renders and
 * edits them — the stand-in models the core's File_Hash check and regeneration of the parts from
 * Class.html, the admin's component editor and the list's one include of RecordTemplate.html
 * (tests/netcat/standin/component.php).
 */
final class ComponentTemplatesTest extends TestCase
{
    private const PARTS = array('FormPrefix', 'RecordTemplate', 'FormSuffix', 'RecordTemplateFull', 'Settings');

    protected function setUp(): void
    {
        priem_nc_reset_db();
        exec('rm -rf ' . escapeshellarg($GLOBALS['CLASS_TEMPLATE_FOLDER']));
    }

    /** The module installed and its components created; role => Class_ID. */
    private function components(): array
    {
        $priem = priem_nc_module();
        $this->assertSame(1, $priem->installer()->install()['Success']);
        $priem->fields()->create_components();
        $netcat = $priem->netcat();
        return array('clinic' => $netcat->component_id('priem_clinics'), 'doctor' => $netcat->component_id('priem_doctors'),
                     'booking' => $netcat->component_id('priem_booking'));
    }

    private static function add(int $class_id, array $values): int
    {
        $db = nc_Core::get_object()->db;
        $set = array("`Created` = NOW()", "`Keyword` = ''");
        foreach ($values as $k => $v) {
            $set[] = "`$k` = '" . $db->escape((string)$v) . "'";
        }
        $db->query("INSERT INTO `Message$class_id` SET " . implode(', ', $set));
        return (int)$db->insert_id;
    }

    /** Two clinics and two doctors; doctor name => Message_ID. */
    private function cards(array $ids): array
    {
        self::add($ids['clinic'], array('Name' => 'Клиника на Ленина', 'Address' => 'ул. Ленина, 1', 'Phone' => '+7 495 111-11-11',
            'Metro' => 'м. Чеховская', 'Ages' => 'от 18 лет', 'MisCode' => '1'));
        self::add($ids['clinic'], array('Name' => 'Клиника в Екатеринбурге', 'Address' => 'ул. Мира, 5', 'Phone' => '+7 343 222-22-22',
            'MisCode' => '2', 'MisTimezone' => 'Asia/Yekaterinburg'));
        return array(
            'Иванова Мария Петровна' => self::add($ids['doctor'], array('Name' => 'Иванова Мария Петровна', 'Specialty' => 'Кардиолог',
                'Experience' => 12, 'PriceFrom' => 2300, 'MisCode' => '0001')),
            'Сидоров Сидор' => self::add($ids['doctor'], array('Name' => 'Сидоров Сидор', 'Specialty' => 'Терапевт',
                'PriceFrom' => 900, 'Ages' => 'с 3 лет', 'MisCode' => '0042')),
        );
    }

    public function test_creation_writes_the_templates_and_class_html_and_they_parse(): void
    {
        $ids = $this->components();
        foreach (array('priem_clinics', 'priem_doctors') as $keyword) {
            $folder = $GLOBALS['CLASS_TEMPLATE_FOLDER'] . "$keyword/";
            foreach (self::PARTS as $part) {
                $this->assertFileEquals(nc_priem_fields::templates_folder() . "$keyword/$part.html", $folder . "$part.html");
                exec(escapeshellarg(PHP_BINARY) . ' -n -d short_open_tag=On -l ' . escapeshellarg($folder . "$part.html") . ' 2>&1', $output, $rc);
                $this->assertSame(0, $rc, "$folder$part.html: " . implode("\n", $output));
            }
            // the RecordTemplate is what NetCat keeps on disk: the record inside the core's service part
            $record = file_get_contents($folder . 'RecordTemplate.html');
            $body = nc_standin_tpl::clean($record);
            $this->assertSame(nc_standin_tpl::wrap($body), $record);
            // Class.html holds the same parts between NetCat's markers, and File_Hash is its md5
            $main = file_get_contents($folder . 'Class.html');
            $this->assertSame('<!-- FormPrefix -->' . file_get_contents($folder . 'FormPrefix.html') . "<!-- /FormPrefix -->\n\n"
                . '<!-- RecordTemplate -->' . $body . "<!-- /RecordTemplate -->\n\n"
                . '<!-- FormSuffix -->' . file_get_contents($folder . 'FormSuffix.html') . '<!-- /FormSuffix -->', $main);
            $class = nc_standin_tpl::component($ids[$keyword === 'priem_clinics' ? 'clinic' : 'doctor']);
            $this->assertSame(md5($main), $class['File_Hash']);
        }
    }

    public function test_a_list_shows_every_record_and_survives_netcats_editing(): void
    {
        $ids = $this->components();
        $doctors = $this->cards($ids);
        $clinics = nc_standin_tpl::object_list($ids['clinic']);
        foreach (array('Клиника на Ленина', 'ул. Ленина, 1', '+7 495 111-11-11', 'Клиника в Екатеринбурге', '+7 343 222-22-22') as $text) {
            $this->assertStringContainsString($text, $clinics);
        }
        $this->assertSame(2, substr_count($clinics, 'class="priem-clinic"'));
        // the optional fields show only where filled (ProDoctorov's cards show metro and ages)
        $this->assertSame(1, substr_count($clinics, 'м. Чеховская'));
        $this->assertSame(1, substr_count($clinics, 'Возраст пациентов: от 18 лет'));
        $list = nc_standin_tpl::object_list($ids['doctor'], array('link' => function (array $row) {
            return '/doctors/' . $row['Message_ID'] . '/';
        }));
        $this->assertSame(2, substr_count($list, 'class="priem-doctor"'), $list);
        foreach ($doctors as $name => $id) {
            // each entry links to the doctor's page, where «Выбрать дату и время» is
            $this->assertMatchesRegularExpression('~<a class="priem-doctor__link" href="/doctors/' . $id . '/">\s*' . preg_quote($name, '~') . '\s*</a>~u', $list);
        }
        $this->assertStringContainsString('от&nbsp;2&nbsp;300&nbsp;&#8381;', $list);
        $this->assertStringContainsString('от&nbsp;900&nbsp;&#8381;', $list);
        $this->assertSame(1, substr_count($list, 'Возраст пациентов: с 3 лет'));
        $this->assertStringContainsString('Стаж 12 лет', $list);

        // each component opened in the admin and saved unchanged, then rendered again
        foreach (array('clinic', 'doctor', 'booking') as $role) {
            nc_standin_tpl::admin_open_and_save($ids[$role]);
        }
        $this->assertSame(preg_replace('/\s+/', ' ', $clinics), preg_replace('/\s+/', ' ', nc_standin_tpl::object_list($ids['clinic'])));
        $this->assertSame(2, substr_count(nc_standin_tpl::object_list($ids['doctor']), 'class="priem-doctor__name"'));

        // an edit in the admin lands in the list
        nc_standin_tpl::admin_open_and_save($ids['clinic'], function (array $form) {
            $form['FormPrefix'] .= '<h2>Наши клиники</h2>';
            return $form;
        });
        $clinics = nc_standin_tpl::object_list($ids['clinic']);
        $this->assertStringContainsString('<h2>Наши клиники</h2>', $clinics);
        $this->assertSame(2, substr_count($clinics, 'class="priem-clinic"'));
    }

    public function test_the_doctor_page_has_one_h1_and_the_clinic_phone(): void
    {
        $ids = $this->components();
        $doctors = $this->cards($ids);
        $priem = nc_priem::get_instance();
        priem_import_schedule($priem->settings()->engine(), priem_nc_schedule());

        $page = nc_standin_tpl::full_page($ids['doctor'], $doctors['Иванова Мария Петровна']);
        // the page's H1 is the object's title (TitleTemplate $f_Name); the record prints no second one
        $this->assertSame('Иванова Мария Петровна', $page['h1']);
        $this->assertStringNotContainsString('<h1', $page['body']);
        $this->assertStringContainsString('Кардиолог', $page['body']);
        $this->assertStringContainsString('Приём от&nbsp;2&nbsp;300&nbsp;&#8381;', $page['body']);
        // the widget offers the doctor's clinic's phone (the card of filial 1), not the settings' one
        $this->assertSame(array(), $priem->settings()->save_form(array('ClinicPhone' => '+7 800 000-00-00')));
        $page = nc_standin_tpl::full_page($ids['doctor'], $doctors['Иванова Мария Петровна']);
        $this->assertSame('+7 495 111-11-11', $this->widget_config($page['body'])['phone']);
        $page = nc_standin_tpl::full_page($ids['doctor'], $doctors['Сидоров Сидор']);
        $this->assertSame('+7 343 222-22-22', $this->widget_config($page['body'])['phone']);
        $this->assertStringContainsString('tel:+73432222222', $page['body']);

        // a filial without a clinic card: the settings' phone
        nc_Core::get_object()->db->query('DELETE FROM `Message' . $ids['clinic'] . "` WHERE `MisCode` = '2'");
        $page = nc_standin_tpl::full_page($ids['doctor'], $doctors['Сидоров Сидор']);
        $this->assertSame('+7 800 000-00-00', $this->widget_config($page['body'])['phone']);
    }

    public function test_a_clinic_page_shows_metro_and_ages_but_no_mis_code(): void
    {
        $ids = $this->components();
        $this->cards($ids);
        $id = (int)nc_Core::get_object()->db->get_var('SELECT `Message_ID` FROM `Message' . $ids['clinic'] . "` WHERE `MisCode` = '1'");
        $page = nc_standin_tpl::full_page($ids['clinic'], $id);
        $this->assertSame('Клиника на Ленина', $page['h1']);
        $this->assertStringContainsString('м. Чеховская', $page['body']);
        $this->assertStringContainsString('Возраст пациентов: от 18 лет', $page['body']);
        // the MIS code and the time zone are the editors' business, not the visitors'
        $this->assertStringNotContainsString('Код МИС', $page['body']);
    }

    public function test_a_designers_template_is_not_overwritten(): void
    {
        $ids = $this->components();
        $folder = nc_standin_tpl::folder($ids['clinic']);
        // the designer's record markup and an emptied suffix, saved in the admin
        nc_standin_tpl::admin_open_and_save($ids['clinic'], function (array $form) {
            $form['RecordTemplate'] = '<p><?= $f_Name ?></p>';
            $form['FormSuffix'] = '';
            return $form;
        });
        $record = file_get_contents($folder . 'RecordTemplate.html');
        $main = file_get_contents($folder . 'Class.html');
        // a second press writes only what is blank: the suffix, and Class.html with it
        priem_nc_module()->fields()->create_components();
        $this->assertSame($record, file_get_contents($folder . 'RecordTemplate.html'));
        $this->assertFileEquals(nc_priem_fields::templates_folder() . 'priem_clinics/FormSuffix.html', $folder . 'FormSuffix.html');
        $this->assertNotSame($main, file_get_contents($folder . 'Class.html'));
        $this->cards($ids);
        $list = nc_standin_tpl::object_list($ids['clinic']);
        $this->assertStringContainsString('<p>Клиника на Ленина</p>', $list);
        $this->assertStringContainsString('<p>Клиника в Екатеринбурге</p>', $list);
        $this->assertStringEndsWith("</div>\n", $list, 'the shipped suffix closes the list');
        // a third press changes nothing
        $before = file_get_contents($folder . 'Class.html');
        priem_nc_module()->fields()->create_components();
        $this->assertSame($before, file_get_contents($folder . 'Class.html'));
    }

    /**
     * On a real template the lists ran together as plain lines: the shipped templates link the
     * module's cards.css (once per page: one URL), whose every rule is scoped to the module's own
     * classes; a name is a heading link, a doctor without a photo gets a neutral placeholder, and
     * «Записаться на приём» is a button-like link.
     */
    public function test_the_lists_are_laid_out_by_the_modules_own_scoped_stylesheet(): void
    {
        $ids = $this->components();
        $this->cards($ids);
        priem_import_schedule(nc_priem::get_instance()->settings()->engine(), priem_nc_schedule());
        $css = (string)file_get_contents(PRIEM_NC_PACKAGE . '/netcat/modules/priem/cards.css');
        $rules = preg_replace('~/\*.*?\*/~s', '', $css);
        preg_match_all('~([^{}]+)\{[^}]*\}~', $rules, $m);
        $this->assertGreaterThan(10, count($m[1]));
        foreach ($m[1] as $selectors) {
            foreach (explode(',', $selectors) as $selector) {
                $this->assertMatchesRegularExpression('~^\.priem-(clinic|doctor)[a-z_-]*\b~', trim($selector), "scoped: $selector");
            }
        }
        foreach (array('.priem-doctors {', '.priem-clinic, .priem-doctor {', '.priem-clinic__book, .priem-doctor__book {') as $rule) {
            $this->assertStringContainsString($rule, $css);
        }
        $link = '~<link rel="stylesheet" href="/netcat/modules/priem/cards\.css\?v=[0-9a-f]{10}">~';
        $clinics = nc_standin_tpl::object_list($ids['clinic']);
        $doctors = nc_standin_tpl::object_list($ids['doctor']);
        foreach (array($clinics, $doctors) as $list) {
            $this->assertSame(1, preg_match_all($link, $list), 'one stylesheet per list');
        }
        preg_match($link, $clinics, $a);
        preg_match($link, $doctors, $b);
        $this->assertSame($a[0], $b[0], 'the same URL: fetched once per page');
        $this->assertSame(2, preg_match_all('~<h2 class="priem-clinic__name"><a class="priem-clinic__link" href="[^"]+">~u', $clinics));
        $this->assertSame(2, preg_match_all('~<h2 class="priem-doctor__name"><a class="priem-doctor__link" href="[^"]+">~u', $doctors));
        // the test's cards have no photos: the placeholder, hidden from screen readers
        $this->assertSame(2, substr_count($doctors, '<span class="priem-doctor__nophoto" aria-hidden="true"><svg'));
        $this->assertSame(2, substr_count($doctors, 'class="priem-doctor__book"'));
        $page = nc_standin_tpl::full_page($ids['doctor'], (int)nc_Core::get_object()->db->get_var('SELECT MIN(`Message_ID`) FROM `Message' . $ids['doctor'] . '`'));
        $this->assertMatchesRegularExpression($link, $page['body']);
        $this->assertStringContainsString('class="priem-doctor__nophoto"', $page['body']);
        // a photo replaces the placeholder
        nc_Core::get_object()->db->query('UPDATE `Message' . $ids['doctor'] . "` SET `Photo` = '/photos/1.jpg'");
        $doctors = nc_standin_tpl::object_list($ids['doctor']);
        $this->assertStringNotContainsString('priem-doctor__nophoto', $doctors);
        $this->assertSame(2, substr_count($doctors, '<img class="priem-doctor__photo" src="/photos/1.jpg" alt="">'));
    }

    /**
     * booking-ux.md: no «Записаться» for a doctor the MIS sends no schedule for (a code typed on
     * the card the MIS never sent, bare or pinned to a filial) — it led to a doctor page with no
     * booking form. Such a card says «Запись по телефону» with its clinic's phone (the pinned
     * filial's card, else the clinic's ClinicPhone), in the list and on its page; nothing when no
     * phone is known.
     */
    public function test_a_doctor_without_a_schedule_offers_the_phone_not_a_booking_button(): void
    {
        $ids = $this->components();
        $this->cards($ids);
        $pinned = self::add($ids['doctor'], array('Name' => 'Петров Пётр', 'MisCode' => '2:0043'));
        $unknown = self::add($ids['doctor'], array('Name' => 'Кузнецова Ольга', 'MisCode' => '0099'));
        priem_import_schedule(nc_priem::get_instance()->settings()->engine(), priem_nc_schedule());
        $cards = function ($html) {
            preg_match_all('~<div class="priem-doctor">.*?</div>\s*(?=<div class="priem-doctor">|</div>|$)~su', $html, $m);
            $out = array();
            foreach ($m[0] as $card) {
                preg_match('~class="priem-doctor__link"[^>]*>([^<]+)<~u', $card, $name);
                $book = substr_count($card, 'class="priem-doctor__book"');
                preg_match('~<p class="priem-doctor__phone">(.*?)</p>~su', $card, $phone);
                $out[$name[1]] = array($book, isset($phone[1]) ? strip_tags($phone[1]) : null);
            }
            ksort($out);
            return $out;
        };
        $this->assertSame(array(
            'Иванова Мария Петровна' => array(1, null),
            'Кузнецова Ольга' => array(0, null),
            'Петров Пётр' => array(0, 'Запись по телефону +7 343 222-22-22'),
            'Сидоров Сидор' => array(1, null),
        ), $cards(nc_standin_tpl::object_list($ids['doctor'])), 'no phone known for 0099 yet: nothing');
        $this->assertStringContainsString('<a href="tel:+73432222222">+7 343 222-22-22</a>', nc_standin_tpl::object_list($ids['doctor']));

        $this->assertSame(array(), nc_priem::get_instance()->settings()->save_form(array('ClinicPhone' => '+7 (800) 000-00-00')));
        priem_nc_module();
        $this->assertSame(array(0, 'Запись по телефону +7 (800) 000-00-00'), $cards(nc_standin_tpl::object_list($ids['doctor']))['Кузнецова Ольга']);
        foreach (array($pinned => '+7 343 222-22-22', $unknown => '+7 (800) 000-00-00') as $id => $phone) {
            $body = nc_standin_tpl::full_page($ids['doctor'], $id)['body'];
            $this->assertStringNotContainsString('data-priem=', $body, 'no booking widget');
            $this->assertStringContainsString('Запись по телефону <a href="tel:', $body);
            $this->assertStringContainsString('>' . $phone . '</a>', $body);
        }
        $body = nc_standin_tpl::full_page($ids['doctor'], (int)nc_Core::get_object()->db->get_var('SELECT MIN(`Message_ID`) FROM `Message' . $ids['doctor'] . '`'))['body'];
        $this->assertStringContainsString('data-priem=', $body, 'a doctor with a schedule: the widget');
        $this->assertStringNotContainsString('priem-doctor__phone', $body);
    }

    /**
     * A clinic offers a way to book: «Записаться на приём» to the site's page with the
     * «Онлайн-запись» block, that clinic's filial chosen there (?filial=); nothing while the site
     * has no such page.
     */
    public function test_a_clinic_links_to_the_booking_page_with_its_filial_chosen(): void
    {
        $ids = $this->components();
        $this->cards($ids);
        $db = nc_Core::get_object()->db;
        $id = (int)$db->get_var('SELECT `Message_ID` FROM `Message' . $ids['clinic'] . "` WHERE `MisCode` = '2'");
        $this->assertStringNotContainsString('priem-clinic__book', nc_standin_tpl::full_page($ids['clinic'], $id)['body']);
        $this->assertStringNotContainsString('priem-clinic__book', nc_standin_tpl::object_list($ids['clinic']));

        // the booking block placed on /zapis/ (a switched-off placement elsewhere does not count)
        $db->query("INSERT INTO `Subdivision` (`Subdivision_ID`, `Hidden_URL`, `Checked`, `Priority`) VALUES (7, '/old-zapis/', 0, 1), (8, '/zapis/', 1, 2)");
        $db->query('INSERT INTO `Sub_Class` (`Subdivision_ID`, `Class_ID`) VALUES (7, ' . $ids['booking'] . '), (8, ' . $ids['booking'] . ')');
        priem_nc_module(); // a fresh module: nothing remembered of the page before
        $page = nc_standin_tpl::full_page($ids['clinic'], $id);
        $this->assertStringContainsString('<a class="priem-clinic__book" href="/zapis/?filial=2">Записаться на приём</a>', $page['body']);
        $list = nc_standin_tpl::object_list($ids['clinic']);
        $this->assertStringContainsString('href="/zapis/?filial=1">Записаться на приём</a>', $list);
        $this->assertStringContainsString('href="/zapis/?filial=2">Записаться на приём</a>', $list);

        // there the picker opens on that clinic; anything but a code is ignored
        priem_import_schedule(nc_priem::get_instance()->settings()->engine(), priem_nc_schedule());
        foreach (array(array('2', '2'), array('"><script>', null)) as list($given, $chosen)) {
            $_GET = array('filial' => $given);
            $html = nc_priem::get_instance()->picker();
            $_GET = array();
            preg_match('/data-priem="([^"]*)"/', $html, $m);
            $config = json_decode(html_entity_decode($m[1], ENT_QUOTES), true);
            if ($chosen === null) {
                $this->assertNotSame($given, $config['filial']);
                $this->assertStringNotContainsString('<script>', $html);
            } else {
                $this->assertSame($chosen, $config['filial']);
            }
        }
    }

    /** A site where NetCat already wiped the templates (v0.1): "Создать компоненты" again repairs them. */
    public function test_a_second_press_repairs_wiped_templates(): void
    {
        $ids = $this->components();
        $folder = nc_standin_tpl::folder($ids['doctor']);
        // what NetCat's regeneration from an empty Class.html leaves
        file_put_contents($folder . 'FormPrefix.html', '');
        file_put_contents($folder . 'RecordTemplate.html', nc_standin_tpl::wrap(''));
        file_put_contents($folder . 'FormSuffix.html', '');
        nc_standin_tpl::parts2main($ids['doctor']);
        $this->cards($ids);
        $this->assertStringNotContainsString('priem-doctor__name', nc_standin_tpl::object_list($ids['doctor']));

        priem_nc_module()->fields()->create_components();
        $list = nc_standin_tpl::object_list($ids['doctor']);
        $this->assertSame(2, substr_count($list, 'class="priem-doctor__name"'));
    }

    /** The data-priem JSON of the page's widget. */
    private function widget_config(string $html): array
    {
        $this->assertMatchesRegularExpression('/data-priem="([^"]*)"/', $html);
        preg_match('/data-priem="([^"]*)"/', $html, $m);
        return json_decode(html_entity_decode($m[1], ENT_QUOTES), true);
    }
}
