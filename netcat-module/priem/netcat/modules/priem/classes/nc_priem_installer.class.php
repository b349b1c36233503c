<?php

/**
 * What install.php does: refuse without the right extension; create priem's tables through the
 * extension (priem_migrate with NetCat's own DB connection), store default settings, register
 * the CronTasks row (every 15 minutes).
 */
class nc_priem_installer
{
    const CRON_URL = '/netcat/modules/priem/cron.php';
    const CRON_MINUTES = 15;

    /**
     * The system crontab line to recommend (the installer's success page, «Состояние», README):
     * every minute, cli.php of $module_folder (the site's netcat/modules/priem/ on disk) with the
     * site's host as cli.php's argument (the host the request came to; none without one).
     *
     * @param string $module_folder ends with the directory separator
     * @param string $site_url      nc_priem_netcat::site_url(): "https://clinic.ru" or ''
     */
    public static function crontab_line($module_folder, $site_url)
    {
        $host = preg_replace('~^https?://~', '', (string)$site_url);
        return '* * * * * php -d short_open_tag=On ' . $module_folder . 'cli.php' . ($host !== '' ? ' ' . $host : '');
    }

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var nc_priem_settings */
    private $settings;

    public function __construct(nc_priem_netcat $netcat, nc_priem_settings $settings)
    {
        $this->netcat = $netcat;
        $this->settings = $settings;
    }

    /** @return array ['Success' => 1|0, 'ErrorMessage' => …] as NetCat's installer expects */
    public static function check_ability()
    {
        if (version_compare(PHP_VERSION, '8.1.0', '<')) {
            return array('Success' => 0, 'ErrorMessage' => 'Модулю priem нужен PHP 8.1 или новее '
                . '(расширение priem собирается для PHP ≥ 8.1), на сайте PHP ' . PHP_VERSION . '.');
        }
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            return array('Success' => 0, 'ErrorMessage' => $problem);
        }
        return array('Success' => 1, 'ErrorMessage' => '');
    }

    /** @return array ['Success' => 1|0, 'ErrorMessage' => …] */
    public function install()
    {
        $check = self::check_ability();
        if (!$check['Success']) {
            return $check;
        }
        try {
            priem_migrate(array('db' => $this->netcat->db_settings()));
            $this->settings->store_defaults();
            $this->netcat->ensure_cron_task($this->settings->cron_url(), self::CRON_MINUTES);
        } catch (\Priem\Exception $e) {
            // the extension's messages never contain passwords
            return array('Success' => 0, 'ErrorMessage' => 'Не удалось создать таблицы модуля priem: ' . $e->getMessage());
        } catch (Exception $e) {
            return array('Success' => 0, 'ErrorMessage' => 'Ошибка установки модуля priem: ' . $e->getMessage());
        }
        return array('Success' => 1, 'ErrorMessage' => '');
    }

    /**
     * After a successful install in «Инструменты → Установка модуля». NetCat's step
     * (admin/modules/index.php, phase 4) goes on to show the upload form and the module list
     * (TitleModule → AddModuleForm, ModuleList), which add their buttons to $UI_CONFIG; unlike
     * the other phases, phase 4 never creates it, and on PHP 8 `$UI_CONFIG->actionButtons[] = …`
     * on null is a fatal error — HTTP 500 after everything is installed. So $UI_CONFIG is made
     * here as phase 5 (the upload form) makes it, and the page says what to do next. Nothing
     * happens outside NetCat's admin (no ui_config_tool).
     */
    public function admin_success_page()
    {
        if (!class_exists('ui_config_tool')) {
            return;
        }
        if (!isset($GLOBALS['UI_CONFIG']) || !is_object($GLOBALS['UI_CONFIG'])) {
            $title = defined('TOOLS_MODULES') ? TOOLS_MODULES : $this->netcat->from_utf8('Модули');
            $GLOBALS['UI_CONFIG'] = new ui_config_tool($title, $title, 'i_modules_big.gif', 'tools.installmodule');
        }
        echo $this->netcat->from_utf8($this->next_steps_html());
    }

    /** The success message with the next steps: components, connections, cron. */
    private function next_steps_html()
    {
        $h = function ($s) {
            return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
        };
        $settings = $this->netcat->admin_url() . '#module.' . nc_priem::KEYWORD . '.settings';
        // $MODULE_FOLDER of vars.inc.php: the site's netcat/modules/ on disk
        $modules = isset($GLOBALS['MODULE_FOLDER']) ? (string)$GLOBALS['MODULE_FOLDER'] : 'netcat/modules/';
        $line = self::crontab_line(rtrim($modules, '/') . '/' . nc_priem::KEYWORD . '/', $this->netcat->site_url());
        return '<div class="nc-alert nc--green"><i class="nc-icon-l nc--status-success"></i><div class="nc-alert--message">'
            . '<b>Модуль «Онлайн-запись к врачу» установлен.</b> Что сделать дальше:<ol>'
            . '<li><b>Компоненты.</b> В <a href="' . $h($settings) . '" target="_top">настройках модуля</a> нажмите '
            . '«Создать компоненты» (появятся «Клиники», «Врачи» и блок «Онлайн-запись») или выберите свои компоненты клиник '
            . 'и врачей и нажмите «Добавить поле «Код МИС»». Разместите их на страницах сайта и впишите в карточки коды МИС.</li>'
            . '<li><b>Подключения.</b> Там же укажите FTP, адрес МИС, почту для оповещений и телефон клиники, '
            . 'сохраните и нажмите «Проверить соединение».</li>'
            . '<li><b>Cron.</b> Задача модуля добавлена в планировщик NetCat (каждые ' . self::CRON_MINUTES . ' минут); '
            . 'он работает, если crontab сервера вызывает netcat/admin/crontab.php. Надёжнее — строка в crontab сервера '
            . '(каждую минуту: повторная отправка записей и оповещения уходят без задержки): '
            . '<code>' . $h($line) . '</code></li>'
            . '</ol><a href="' . $h($settings) . '" target="_top">Открыть настройки модуля →</a></div></div>';
    }
}
