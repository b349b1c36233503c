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
            $this->netcat->ensure_cron_task(self::CRON_URL, self::CRON_MINUTES);
        } catch (\Priem\Exception $e) {
            // the extension's messages never contain passwords
            return array('Success' => 0, 'ErrorMessage' => 'Не удалось создать таблицы модуля priem: ' . $e->getMessage());
        } catch (Exception $e) {
            return array('Success' => 0, 'ErrorMessage' => 'Ошибка установки модуля priem: ' . $e->getMessage());
        }
        return array('Success' => 1, 'ErrorMessage' => '');
    }
}
