<?php

use PHPUnit\Framework\TestCase;

/** "Создать компоненты «Клиники» и «Врачи»" writes the shipped file-mode templates (netcat.md §4.5). */
final class ComponentTemplatesTest extends TestCase
{
    private const PARTS = array('FormPrefix', 'RecordTemplate', 'FormSuffix', 'RecordTemplateFull', 'Settings');

    protected function setUp(): void
    {
        priem_nc_reset_db();
        exec('rm -rf ' . escapeshellarg($GLOBALS['CLASS_TEMPLATE_FOLDER']));
        nc_Core::get_object()->component = new nc_component();
    }

    public function test_creation_writes_the_templates_and_they_parse(): void
    {
        priem_nc_module()->fields()->create_components();
        $db = nc_Core::get_object()->db;
        $doctor = $db->get_var("SELECT `Class_ID` FROM `Class` WHERE `Keyword` = 'priem_doctors'");
        $this->assertSame(array('Name', 'Photo', 'Specialty', 'Experience', 'PriceFrom', 'MisCode'),
            $db->get_col("SELECT `Field_Name` FROM `Field` WHERE `Class_ID` = $doctor ORDER BY `Priority`"));
        foreach (array('priem_clinics', 'priem_doctors') as $keyword) {
            foreach (self::PARTS as $part) {
                $file = $GLOBALS['CLASS_TEMPLATE_FOLDER'] . "$keyword/$part.html";
                $this->assertFileEquals(nc_priem_fields::templates_folder() . "$keyword/$part.html", $file);
                exec(escapeshellarg(PHP_BINARY) . ' -n -l ' . escapeshellarg($file) . ' 2>&1', $output, $rc);
                $this->assertSame(0, $rc, "$file: " . implode("\n", $output));
            }
        }
    }

    public function test_a_designers_template_is_not_overwritten(): void
    {
        $folder = $GLOBALS['CLASS_TEMPLATE_FOLDER'] . 'priem_clinics/';
        mkdir($folder, 0777, true);
        file_put_contents($folder . 'RecordTemplate.html', '<?= $f_Name ?>');
        priem_nc_module()->fields()->create_components();
        $this->assertSame('<?= $f_Name ?>', file_get_contents($folder . 'RecordTemplate.html'));
        $this->assertFileEquals(nc_priem_fields::templates_folder() . 'priem_clinics/FormPrefix.html', $folder . 'FormPrefix.html');
    }

    public function test_the_doctor_card_and_full_record_render_escaped(): void
    {
        $vars = array('f_AdminButtons' => '', 'f_Name' => 'Иванов <script>', 'f_Photo' => '', 'f_Specialty' => 'Кардиолог',
                      'f_Experience' => '12', 'f_PriceFrom' => '2500', 'f_MisCode' => '0042');
        $dir = nc_priem_fields::templates_folder() . 'priem_doctors/';
        $card = self::render($dir . 'RecordTemplate.html', $vars);
        $this->assertStringContainsString('Иванов &lt;script&gt;', $card);
        $this->assertStringNotContainsString('<script>', $card);
        $this->assertStringContainsString('Стаж 12 лет', $card);
        $this->assertStringContainsString('от 2500 &#8381;', $card);
        $full = self::render($dir . 'RecordTemplateFull.html', $vars);
        $this->assertStringContainsString('<div class="priem-doctor__booking">', $full);
        $this->assertStringContainsString('Кардиолог', $full);
        $clinic = self::render(nc_priem_fields::templates_folder() . 'priem_clinics/RecordTemplate.html', array(
            'f_AdminButtons' => '', 'f_Name' => 'Клиника «Здоровье»', 'f_Address' => 'ул. Ленина, 1', 'f_Phone' => '+7 495 000-00-00'));
        $this->assertStringContainsString('ул. Ленина, 1', $clinic);
        $this->assertStringContainsString('+7 495 000-00-00', $clinic);
    }

    private static function render(string $file, array $vars): string
    {
        extract($vars);
        ob_start();
        include $file;
        return (string)ob_get_clean();
    }
}
