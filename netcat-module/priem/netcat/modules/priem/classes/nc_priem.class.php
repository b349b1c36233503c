<?php

/**
 * The module's facade: nc_modules('priem') and nc_priem::get_instance() return it.
 * Everything NetCat-specific goes through nc_priem_netcat; the rest is plain PHP.
 */
class nc_priem
{
    /** The extension version this module is built for (checked by install.php). */
    const EXTENSION_VERSION = '0.1.0';

    /** The module keyword (Module.Keyword, Settings.Module). */
    const KEYWORD = 'priem';

    /** @var nc_priem|null */
    private static $instance = null;

    /** @var nc_priem_netcat */
    private $netcat;

    /** @var nc_priem_settings|null */
    private $settings = null;

    public function __construct(nc_priem_netcat $netcat)
    {
        $this->netcat = $netcat;
    }

    /** @return nc_priem */
    public static function get_instance()
    {
        if (self::$instance === null) {
            self::$instance = new self(nc_priem_netcat::from_core());
        }
        return self::$instance;
    }

    /** Replaces the shared instance (tests, or a script that builds its own adapter). */
    public static function set_instance($instance = null)
    {
        self::$instance = $instance;
    }

    /** @return nc_priem_netcat */
    public function netcat()
    {
        return $this->netcat;
    }

    /** @return nc_priem_settings */
    public function settings()
    {
        if ($this->settings === null) {
            $this->settings = new nc_priem_settings($this->netcat);
        }
        return $this->settings;
    }

    /** @return nc_priem_fields */
    public function fields()
    {
        return new nc_priem_fields($this->netcat, $this->settings());
    }

    /** @return nc_priem_push */
    public function push()
    {
        return new nc_priem_push($this->settings());
    }

    /** @return nc_priem_installer */
    public function installer()
    {
        return new nc_priem_installer($this->netcat, $this->settings());
    }

    /**
     * One engine tick (FTP import, code check, outbox, results, alert mails).
     *
     * @return array the report of priem_sync(); 'line' is a one-line summary
     */
    public function sync()
    {
        if (function_exists('set_time_limit')) {
            @set_time_limit(0);
        }
        ignore_user_abort(true);
        return priem_sync($this->settings()->engine());
    }

    /** Whether the extension is loaded and is the version this module expects. */
    public static function extension_problem()
    {
        if (!extension_loaded('priem') || !function_exists('priem_version')) {
            return 'Не загружено PHP-расширение priem (libpriem.so). Добавьте extension=libpriem.so '
                . 'в php.ini и для CLI, и для php-fpm, перезапустите php-fpm и повторите.';
        }
        $version = priem_version();
        if ($version !== self::EXTENSION_VERSION) {
            return 'Расширение priem версии ' . $version . ', а модулю нужна версия '
                . self::EXTENSION_VERSION . '. Установите расширение из того же выпуска, что и модуль.';
        }
        return null;
    }
}
