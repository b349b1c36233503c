<?php
/**
 * Stand-in of NetCat 6.4's components: fields, creation of a file-mode component, its template
 * files and Class.html, File_Hash, the regeneration of the parts from Class.html, the admin's
 * component editor, and how a list and an object's full page are rendered. Written for this
 * project from reading the 6.4 source (the files and functions named on each method); none of
 * NetCat's code.
 */

/** nc_component (netcat/system/essences/nc_component.class.php). */
class nc_component
{
    /** add_field (l.502): no existence check, TypeOfEdit_ID = 1, an index on DoSearch. */
    public function add_field($component_id, array $field)
    {
        $db = nc_Core::get_object()->db;
        $id = (int)$component_id;
        $priority = (int)$db->get_var('SELECT MAX(`Priority`) FROM `Field` WHERE `Class_ID` = ' . $id) + 1;
        $types = array(1 => 'CHAR(255)', 2 => 'INT', 3 => 'LONGTEXT', 4 => 'INT', 5 => 'TINYINT', 6 => 'TEXT',
                       7 => 'DOUBLE', 8 => 'DATETIME', 9 => 'INT', 10 => 'TEXT', 11 => 'CHAR(255)');
        $type = (int)$field['TypeOfData_ID'];
        $db->query('INSERT INTO `Field` (`Class_ID`, `Field_Name`, `Description`, `TypeOfData_ID`, `Format`, `NotNull`, '
            . '`Priority`, `DoSearch`, `DefaultState`, `System_Table_ID`, `TypeOfEdit_ID`, `Checked`) VALUES ('
            . $id . ", '" . $db->escape($field['Field_Name']) . "', '" . $db->escape($field['Description']) . "', "
            . $type . ", '" . $db->escape($field['Format']) . "', " . (int)$field['NotNull'] . ', ' . $priority . ', '
            . (int)$field['DoSearch'] . ", '" . $db->escape($field['DefaultState']) . "', 0, 1, 1)");
        $field_id = $db->insert_id;
        $db->query('ALTER TABLE `Message' . $id . '` ADD `' . $field['Field_Name'] . '` ' . $types[$type]
            . ($field['NotNull'] ? ' NOT NULL' : ' NULL'));
        if (!empty($field['DoSearch']) && !in_array($type, array(3, 6, 10, 11), true)) {
            $db->query('ALTER TABLE `Message' . $id . '` ADD INDEX (`' . $field['Field_Name'] . '`)');
        }
        return $field_id;
    }

    /**
     * create (l.235): the Class row (File_Mode 1, TitleTemplate '$f_Name' — the object's page
     * title and H1), the folder <$CLASS_TEMPLATE_FOLDER><Keyword>/ with every part file empty,
     * Class.html from the (empty) parts through parts2main, File_Path, and Message<N>; returns
     * the Class_ID.
     *
     * File_Hash ends up md5(''), not the md5 of the Class.html just written: parts2main stats
     * Class.html (nc_tpl_fields::get_path) while it is still empty, writes it, then hashes it
     * through nc_get_file(), whose filesize() answers from PHP's stat cache — 0, so null. The
     * stand-in's parts2main models that stale size (see nc_standin_tpl::parts2main).
     */
    public function create(array $properties, $base_component_id = null, $parent_component_id = null)
    {
        $db = nc_Core::get_object()->db;
        $keyword = isset($properties['Keyword']) ? (string)$properties['Keyword'] : '';
        $db->query("INSERT INTO `Class` (`Class_Name`, `Keyword`, `Class_Group`, `File_Mode`, `TitleTemplate`) VALUES ('"
            . $db->escape($properties['Class_Name']) . "', '" . $db->escape($keyword) . "', '"
            . $db->escape(isset($properties['Class_Group']) ? $properties['Class_Group'] : '') . "', 1, '\$f_Name')");
        $id = (int)$db->insert_id;
        $relative = $keyword !== '' ? $keyword : (string)$id;
        $folder = $GLOBALS['CLASS_TEMPLATE_FOLDER'] . $relative . '/';
        @mkdir($folder, 0777, true);
        foreach (nc_standin_tpl::$component_files as $file) {
            file_put_contents($folder . $file, '');
        }
        nc_standin_tpl::parts2main($id, $folder);
        $db->query("UPDATE `Class` SET `File_Path` = '/" . $db->escape($relative) . "/' WHERE `Class_ID` = " . $id);
        $db->query('CREATE TABLE `Message' . $id . '` (`Message_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY,
            `User_ID` int NOT NULL, `Subdivision_ID` int NOT NULL, `Sub_Class_ID` int NOT NULL, `Priority` int NOT NULL DEFAULT 0,
            `Keyword` char(255) NOT NULL, `Checked` tinyint NOT NULL DEFAULT 1, `Created` datetime NOT NULL,
            `LastUpdated` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=MyISAM DEFAULT CHARSET=utf8');
        return $id;
    }

    /** The real one forgets the components it read in this request; the stand-in keeps none. */
    public function clear_cache()
    {
    }
}

/** A 5.x-era component object: no add_field, no create. */
class nc_component_5x
{
}

/**
 * Called by the service part of a RecordTemplate.html (its suffix) for every record
 * (netcat/system/templating/nc_tpl_function.inc.php). The real one adds the admin's drag-and-drop
 * markup in admin mode and cache marks; the stand-in renders the site outside the admin.
 */
function nc_finishing_RecordTemplate($row, $inside_admin, $classID, $f_RowID, $parent_message, $cc, $Class_Name, $no_cache_marks)
{
    return $row;
}

/**
 * File-mode component templates (netcat/system/templating/): the parts, Class.html and File_Hash
 * (nc_tpl_parser), the service part of RecordTemplate.html (nc_tpl_function.inc.php), the admin's
 * editor (nc_tpl_component_editor), and rendering (nc_partial_object_list, full.php).
 */
class nc_standin_tpl
{
    /** The files nc_component::create() makes in a new component's folder. */
    public static $component_files = array('AddActionTemplate.html', 'AddCond.html', 'AddTemplate.html',
        'BlockSettingsDialog.html', 'CheckActionTemplate.html', 'Class.html', 'DeleteActionTemplate.html', 'DeleteCond.html',
        'DeleteTemplate.html', 'EditActionTemplate.html', 'EditCond.html', 'EditTemplate.html', 'FormPrefix.html',
        'FormSuffix.html', 'FullSearchTemplate.html', 'RecordTemplate.html', 'RecordTemplateFull.html', 'SearchTemplate.html',
        'Settings.html', 'SiteStyles.css');

    /** The parts Class.html holds between markers, in its order (nc_tpl_parser_working::$all_fields). */
    public static $main_parts = array('FormPrefix', 'RecordTemplate', 'FormSuffix');

    /** What the component editor's main tab («Шаблон отображения») posts (nc_tpl_fields, path 'edit'). */
    public static $edit_tab = array('FormPrefix', 'RecordTemplate', 'FormSuffix', 'RecordTemplateFull', 'Settings');

    /**
     * The service part around a RecordTemplate's body: the loop over the list's records
     * (nc_get_string_service_prefix_for_RecordTemplate; lines separated by a bare CR).
     */
    public static function service_prefix()
    {
        return implode("\r", array(
            '<?/* Служебная часть */',
            'for ($f_RowNum = 0; $f_RowNum < $rowCount; $f_RowNum++) {',
            '    if($fetch_row[$f_RowNum] instanceof Iterator) {',
            '        extract($fetch_row[$f_RowNum]->to_array(), EXTR_PREFIX_ALL, "f");',
            '    } else {',
            '        extract($fetch_row[$f_RowNum], EXTR_PREFIX_ALL, "f");',
            '    }',
            '    foreach($iteration_RecordTemplate[$f_RowNum] as $value) {',
            '        extract($value);',
            '    }',
            '    !isset($cc_env["convert2txt"]) ? $cc_env["convert2txt"] = null : null;',
            '    eval($cc_env["convert2txt"]);',
            '    ob_start();',
            '/* Конец служебной части */?>',
        )) . "\n\r";
    }

    /** nc_get_string_service_suffix_for_RecordTemplate: one record's output, then the loop's end. */
    public static function service_suffix()
    {
        return "\n\r" . implode("\r", array(
            '<?/* Служебная часть */',
            '    echo nc_finishing_RecordTemplate(ob_get_clean(), $inside_admin, $classID, $f_RowID, $parent_message, $cc, $cc_env["Class_Name"], $no_cache_marks);',
            '}',
            '/* Конец служебной части */?>',
        ));
    }

    /** nc_cleaned_RecordTemplate_of_string_service: the body without the service part(s) and the blank around them. */
    public static function clean($record_template)
    {
        return preg_replace('#([\n\r ]*<\?/\* Служебная часть \*/.*?/\* Конец служебной части \*/\?>[\n\r ]*)+#s', '', (string)$record_template);
    }

    /** nc_add_service_string_suffix_for_RecordTemplate. */
    public static function wrap($body)
    {
        return self::service_prefix() . self::clean($body) . self::service_suffix();
    }

    /** A component's Class row (Class_Name, Keyword, File_Path, File_Hash, TitleTemplate). */
    public static function component($class_id)
    {
        $row = nc_Core::get_object()->db->get_row('SELECT * FROM `Class` WHERE `Class_ID` = ' . (int)$class_id, ARRAY_A);
        if (!$row) {
            throw new RuntimeException("no component $class_id");
        }
        return $row;
    }

    /** The component's template folder: $CLASS_TEMPLATE_FOLDER . File_Path (nc_tpl::load). */
    public static function folder($class_id)
    {
        return rtrim($GLOBALS['CLASS_TEMPLATE_FOLDER'], '/') . '/' . trim((string)self::component($class_id)['File_Path'], '/') . '/';
    }

    /** nc_get_file: a file's text, null for an empty or missing one. */
    private static function read($path)
    {
        clearstatcache(true, $path);
        return is_file($path) && filesize($path) ? file_get_contents($path) : null;
    }

    private static function update_hash($class_id, $hash)
    {
        nc_Core::get_object()->db->query("UPDATE `Class` SET `File_Hash` = '" . $hash . "' WHERE `Class_ID` = " . (int)$class_id);
    }

    /**
     * nc_tpl_parser::parts2main: Class.html from the three parts (the RecordTemplate without its
     * service part), then File_Hash. The hash is taken with Class.html's size as it was before
     * this write (PHP's stat cache, see nc_component::create): a Class.html that was empty hashes
     * as md5('').
     */
    public static function parts2main($class_id, $folder = null)
    {
        $folder = $folder !== null ? $folder : self::folder($class_id);
        $main = $folder . 'Class.html';
        clearstatcache(true, $main);
        $size_before = is_file($main) ? filesize($main) : 0;
        $sections = array();
        foreach (self::$main_parts as $part) {
            $content = (string)self::read($folder . $part . '.html');
            $sections[] = "<!-- $part -->" . ($part === 'RecordTemplate' ? self::clean($content) : $content) . "<!-- /$part -->";
        }
        $text = implode("\n\n", $sections);
        file_put_contents($main, $text);
        self::update_hash($class_id, md5($size_before ? $text : ''));
    }

    /**
     * nc_tpl_parser::main2parts, which nc_tpl_component_view::load() and the component editor's
     * fill_fields() run with the stored File_Hash (on every rendering of the component's list or
     * full page, and when the admin opens the component): when md5(Class.html) differs from it,
     * each part that has a section in Class.html is rewritten from that section (the
     * RecordTemplate with the service part around it), and File_Hash becomes md5(Class.html).
     * Returns whether it regenerated.
     */
    public static function main2parts($class_id)
    {
        $stored = (string)self::component($class_id)['File_Hash'];
        $folder = self::folder($class_id);
        $main = self::read($folder . 'Class.html');
        if ($stored === '' || md5((string)$main) === $stored) {
            return false;
        }
        foreach (self::$main_parts as $part) {
            if (preg_match("#<!-- ?$part ?-->(.*)<!-- ?/ ?$part ?-->#is", (string)$main, $m)) {
                file_put_contents($folder . $part . '.html', $part === 'RecordTemplate' ? self::wrap($m[1]) : $m[1]);
            }
        }
        self::update_hash($class_id, md5((string)$main));
        return true;
    }

    /**
     * The component opened in the admin («Разработка → Компоненты → <component>», main tab) and
     * saved: the editor loads it (main2parts with File_Hash, admin/class/function.inc.php l.549),
     * shows each part of the tab in a textarea, the RecordTemplate without its service part
     * (l.573); the browser posts the textareas back, line breaks as CRLF (HTML form
     * submission); nc_component::update (l.1851) → nc_tpl_component_editor::save_fields writes
     * the posted parts (the RecordTemplate wrapped in the service part again) and parts2main.
     *
     * @param callable|null $edit function (array $form): array — what the person changes
     */
    public static function admin_open_and_save($class_id, $edit = null)
    {
        self::main2parts($class_id);
        $folder = self::folder($class_id);
        $form = array();
        foreach (self::$edit_tab as $part) {
            $content = (string)self::read($folder . $part . '.html');
            $form[$part] = $part === 'RecordTemplate' ? self::clean($content) : $content;
        }
        if ($edit !== null) {
            $form = $edit($form);
        }
        foreach ($form as $part => $text) {
            $text = preg_replace("/\r\n|\r|\n/", "\r\n", $text);
            file_put_contents($folder . $part . '.html', $part === 'RecordTemplate' ? self::wrap($text) : $text);
        }
        self::parts2main($class_id, $folder);
    }

    /** The stand-in runs component templates the way NetCat needs them: with short tags (connect_io.php refuses otherwise). */
    private static function require_short_tags()
    {
        if (!ini_get('short_open_tag')) {
            throw new RuntimeException('NetCat needs short_open_tag=On (php -d short_open_tag=On)');
        }
    }

    /**
     * A component's list as nc_partial_object_list::get_object_list renders a file-mode
     * component: load with File_Hash (main2parts), Settings.html, the records (Checked,
     * SortBy `Priority`, `Message_ID`), FormPrefix.html; then, per record, its $f_ values
     * extracted and its links kept in $iteration_RecordTemplate; then RecordTemplate.html
     * included once — its service part loops over $fetch_row — and FormSuffix.html. Between the
     * prefix and the records NetCat puts its list container (nc_partial_object_list::
     * inject_list_container_attributes): its class on the prefix's last tag when that is <ul> or
     * <ol>, else a <div class='tpl-block-list-objects …'> around the records.
     *
     * @param array $options cc_settings (the infoblock's custom settings), link (function (row): the
     *                       record's $fullLink; default NetCat's without the routing module,
     *                       <sub_link><Keyword or cc_keyword_ID>.html), sub_link, cc_keyword
     * @return string HTML
     */
    public static function object_list($class_id, array $options = array())
    {
        self::require_short_tags();
        $class = self::component($class_id);
        self::main2parts($class_id);
        $folder = self::folder($class_id);
        $sub_link = isset($options['sub_link']) ? $options['sub_link'] : '/';
        $cc_keyword = isset($options['cc_keyword']) ? $options['cc_keyword'] : (string)$class['Keyword'];
        $link = isset($options['link']) ? $options['link'] : function (array $row) use ($sub_link, $cc_keyword) {
            return $sub_link . ((string)$row['Keyword'] !== '' ? $row['Keyword'] : $cc_keyword . '_' . $row['Message_ID']) . '.html';
        };
        $rows = (array)nc_Core::get_object()->db->get_results('SELECT * FROM `Message' . (int)$class_id
            . '` WHERE `Checked` = 1 ORDER BY `Priority` ASC, `Message_ID` ASC', ARRAY_A);
        $iteration = array();
        foreach ($rows as $n => $row) {
            $iteration[$n] = array('vars' => array('f_RowID' => $row['Message_ID'], 'fullLink' => $link($row),
                'f_AdminButtons' => '', 'f_Keyword' => $row['Keyword']));
        }
        return self::run(array($folder . 'Settings.html', $folder . 'FormPrefix.html', $folder . 'RecordTemplate.html',
            $folder . 'FormSuffix.html'), array(
            'classID' => (int)$class_id,
            'cc' => 0,
            'cc_settings' => isset($options['cc_settings']) ? $options['cc_settings'] : array(),
            'cc_env' => array('Class_Name' => $class['Class_Name'], 'convert2txt' => ''),
            'fetch_row' => $rows,
            'rowCount' => count($rows),
            'totRows' => count($rows),
            'iteration_RecordTemplate' => $iteration,
            // the listing loop leaves the last record's values behind, as the real one does
            'last_row' => $rows ? $rows[count($rows) - 1] : array(),
        ), array($folder . 'FormPrefix.html' => function ($html) use (&$div) {
            $list = "tpl-block-list-objects ";
            if (preg_match_all('~<([A-Za-z][A-Za-z0-9]*)~', $html, $m, PREG_OFFSET_CAPTURE) && $m[1]) {
                $last = $m[1][count($m[1]) - 1];
                if (in_array(strtolower($last[0]), array('ul', 'ol'), true)) {
                    $div = false;
                    $start = $last[1] - 1;
                    $end = strpos($html, '>', $start);
                    $tag = substr($html, $start, $end - $start);
                    $tag = preg_match('~\sclass=["\']~', $tag)
                        ? preg_replace('~(\sclass=["\'])~', '${1}' . $list, $tag, 1) : $tag . " class='$list'";
                    return substr($html, 0, $start) . $tag . substr($html, $end);
                }
            }
            $div = true;
            return $html . "<div class='$list' >";
        }, $folder . 'RecordTemplate.html' => function ($html) use (&$div) {
            return $div ? $html . '</div>' : $html;
        }));
    }

    /**
     * An object's full page as full.php renders it: load with File_Hash (main2parts), the
     * record's $f_ values, $f_title from the component's TitleTemplate, which becomes the page's
     * H1 ($nc_core->page->set_h1); Settings.html and RecordTemplateFull.html. The site's page
     * template prints the H1 (netcat_template/template/netcat_default: <h1><?= get_h1() ?></h1>).
     *
     * @return array ['h1' => the page's H1, 'body' => the component's output]
     */
    public static function full_page($class_id, $message_id)
    {
        self::require_short_tags();
        $class = self::component($class_id);
        self::main2parts($class_id);
        $folder = self::folder($class_id);
        $row = nc_Core::get_object()->db->get_row('SELECT * FROM `Message' . (int)$class_id . '` WHERE `Message_ID` = '
            . (int)$message_id . ' AND `Checked` = 1', ARRAY_A);
        if (!$row) {
            throw new RuntimeException("no object $message_id of component $class_id");
        }
        $GLOBALS['message'] = (int)$message_id;
        $f_title = '';
        if ((string)$class['TitleTemplate'] !== '') {
            $title = function ($template, $row) {
                extract($row, EXTR_PREFIX_ALL, 'f');
                return eval('return "' . $template . '";');
            };
            $f_title = (string)$title($class['TitleTemplate'], $row);
        }
        $body = self::run(array($folder . 'Settings.html', $folder . 'RecordTemplateFull.html'), array(
            'classID' => (int)$class_id,
            'cc' => 0,
            'cc_settings' => array(),
            'cc_env' => array('Class_Name' => $class['Class_Name'], 'convert2txt' => ''),
            'last_row' => $row,
            'f_title' => $f_title,
        ));
        return array('h1' => $f_title, 'body' => $body);
    }

    /** Includes the template files in one scope with the variables the core gives templates. */
    /** @param callable[] $nc_after per file: what the output so far becomes after it (NetCat's own markup) */
    private static function run(array $nc_files, array $nc_vars, array $nc_after = array())
    {
        extract($nc_vars['last_row'], EXTR_PREFIX_ALL, 'f');
        unset($nc_vars['last_row']);
        extract($nc_vars);
        $nc_core = nc_Core::get_object();
        $db = $nc_core->db;
        $inside_admin = $admin_mode = $parent_message = $no_cache_marks = 0;
        $f_AdminCommon = $f_AdminButtons = '';
        if (isset($f_Message_ID)) {
            $f_RowID = $f_Message_ID;
        }
        ob_start();
        foreach ($nc_files as $nc_file) {
            include $nc_file;
            if (isset($nc_after[$nc_file])) {
                $nc_html = (string)ob_get_clean();
                ob_start();
                echo $nc_after[$nc_file]($nc_html);
            }
        }
        return (string)ob_get_clean();
    }
}
