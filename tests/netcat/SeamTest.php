<?php

use PHPUnit\Framework\TestCase;

/**
 * The seam between the module and the core (issue 14): the core never names NetCat's tables —
 * the module reads its cards through NetCat and hands codes and fields over —, and the module
 * never sends SQL to the core's Priem_* tables — it asks the extension.
 */
final class SeamTest extends TestCase
{
    /** @return string[] path => text of every file under $dir ending in $ext */
    private static function files($dir, $ext)
    {
        $out = array();
        $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS));
        foreach ($it as $file) {
            if (substr($file->getFilename(), -strlen($ext)) === $ext) {
                $out[$file->getPathname()] = (string)file_get_contents($file->getPathname());
            }
        }
        ksort($out);
        return $out;
    }

    public function test_the_core_names_no_netcat_table(): void
    {
        $root = dirname(__DIR__, 2);
        $files = self::files($root . '/src', '.rs');
        $this->assertGreaterThan(40, count($files));
        // NetCat's objects (Message<N>, their Message_ID), components (Class), fields (Field),
        // infoblocks (Sub_Class), sections (Subdivision), sites (Catalogue), users (User)
        $tables = 'Class|Field|Sub_Class|Subdivision|Catalogue|User|CronTasks';
        $netcat = '/\bMessage(\d+|<N>|_ID)\b|\b(' . $tables . ')_(ID|Name)\b|\b(' . $tables . ')`|`(' . $tables . ')\b'
            . '|\b(FROM|JOIN|INTO|UPDATE)\s+`?(' . $tables . '|Message\w*)\b/';
        foreach ($files as $path => $text) {
            $this->assertSame(0, preg_match($netcat, $text, $m), substr($path, strlen($root) + 1) . ' names ' . ($m[0] ?? ''));
        }
        // the check itself finds what it is for
        $this->assertSame(1, preg_match($netcat, 'SELECT `MisCode` FROM `Message12`'));
        $this->assertSame(1, preg_match($netcat, 'id_column: "Message_ID"'));
        $this->assertSame(1, preg_match($netcat, 'SELECT Class_Name FROM Class'));
        $this->assertSame(1, preg_match($netcat, 'SELECT `Catalogue_ID` FROM `Subdivision`'));
        $this->assertSame(1, preg_match($netcat, 'JOIN User u ON u.User_ID = b.user'));
        $this->assertSame(1, preg_match($netcat, 'sub_class: "Sub_Class_ID"'));
        $this->assertSame(0, preg_match($netcat, 'the user class of a catalogue'), 'prose is not a table');
    }

    public function test_the_module_sends_no_sql_to_the_cores_tables(): void
    {
        $root = dirname(__DIR__, 2) . '/netcat-module/priem';
        $files = self::files($root, '.php');
        $this->assertGreaterThan(40, count($files));
        foreach ($files as $path => $text) {
            // the strings of the code, not its comments: a comment may name a table
            foreach (token_get_all($text) as $t) {
                if (is_array($t) && in_array($t[0], array(T_CONSTANT_ENCAPSED_STRING, T_ENCAPSED_AND_WHITESPACE, T_INLINE_HTML), true)) {
                    $this->assertSame(0, preg_match('/Priem_[A-Z]/', $t[1]), substr($path, strlen($root) + 1)
                        . ':' . $t[2] . ' names a table of the core in ' . $t[1]);
                }
            }
        }
    }
}
