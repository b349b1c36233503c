<?php
/**
 * The NetCat 6.4 tables the module touches (MyISAM, utf8, as 6.4 creates them): Module, Settings,
 * Class, Field, CronTasks, Subdivision and Sub_Class (where the booking block is placed), plus the site's cron key (Settings.SecretKey), and the admin's users and
 * rights (permission.php). Shared by the tests
 * (tests/netcat/bootstrap.php) and the demo (demo/setup.php). Not NetCat's own schema: only the
 * columns the stand-in and the module read or write.
 */

/** Creates the tables in the selected database of $m (which must be empty of them). */
function nc_standin_create_tables(mysqli $m, $secret_key = 'cron-secret-42')
{
    $t = ' ENGINE=MyISAM DEFAULT CHARSET=utf8';
    $m->query('CREATE TABLE `Module` (`Module_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Module_Name` varchar(255) NOT NULL,
        `Keyword` varchar(255) NOT NULL, `Description` text, `Parameters` text, `Example_URL` varchar(255), `Help_URL` varchar(255),
        `Installed` tinyint NOT NULL DEFAULT 0, `Number` varchar(255), `Inside_Admin` tinyint NOT NULL DEFAULT 0,
        `PerSitePermissions` tinyint NOT NULL DEFAULT 0, `Checked` tinyint NOT NULL DEFAULT 1)' . $t);
    $m->query("CREATE TABLE `Settings` (`Settings_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Key` varchar(255) NOT NULL,
        `Module` varchar(255) NOT NULL DEFAULT 'system', `Value` text, `Catalogue_ID` int NOT NULL DEFAULT 0)" . $t);
    $m->query('CREATE TABLE `Class` (`Class_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Class_Name` varchar(255) NOT NULL,
        `Keyword` varchar(64), `Class_Group` varchar(64), `System_Table_ID` int NOT NULL DEFAULT 0, `ClassTemplate` int NOT NULL DEFAULT 0,
        `File_Mode` tinyint NOT NULL DEFAULT 1, `File_Path` varchar(255), `File_Hash` char(32), `TitleTemplate` text,
        `CustomSettingsTemplate` text)' . $t);
    $m->query("CREATE TABLE `Field` (`Field_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Class_ID` int NOT NULL DEFAULT 0,
        `Field_Name` varchar(64) NOT NULL, `Description` varchar(255), `TypeOfData_ID` int NOT NULL, `Format` varchar(255),
        `Extension` varchar(255), `NotNull` tinyint NOT NULL DEFAULT 0, `Priority` int NOT NULL DEFAULT 0,
        `DoSearch` tinyint NOT NULL DEFAULT 0, `DefaultState` varchar(255), `Inheritance` tinyint NOT NULL DEFAULT 0,
        `System_Table_ID` int NOT NULL DEFAULT 0, `Widget_Class_ID` int NOT NULL DEFAULT 0, `TypeOfEdit_ID` int NOT NULL DEFAULT 1,
        `Checked` tinyint NOT NULL DEFAULT 1, `InTableView` tinyint NOT NULL DEFAULT 0)" . $t);
    $m->query('CREATE TABLE `CronTasks` (`Cron_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Cron_Minutes` int NOT NULL DEFAULT 0,
        `Cron_Hours` int NOT NULL DEFAULT 0, `Cron_Days` int NOT NULL DEFAULT 0, `Cron_Months` int NOT NULL DEFAULT 0,
        `Cron_Weekdays` int NOT NULL DEFAULT 0, `Cron_Script_URL` varchar(255), `Cron_Launch` int NOT NULL DEFAULT 0)' . $t);
    $m->query('CREATE TABLE `Subdivision` (`Subdivision_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Catalogue_ID` int NOT NULL DEFAULT 1,
        `Parent_Sub_ID` int NOT NULL DEFAULT 0, `Subdivision_Name` varchar(255), `Hidden_URL` varchar(255), `Checked` tinyint NOT NULL DEFAULT 1,
        `Priority` int NOT NULL DEFAULT 0)' . $t);
    $m->query('CREATE TABLE `Sub_Class` (`Sub_Class_ID` int NOT NULL AUTO_INCREMENT PRIMARY KEY, `Subdivision_ID` int NOT NULL,
        `Class_ID` int NOT NULL, `Catalogue_ID` int NOT NULL DEFAULT 1, `EnglishName` varchar(255), `Checked` tinyint NOT NULL DEFAULT 1,
        `Priority` int NOT NULL DEFAULT 0)' . $t);
    $m->query("INSERT INTO `Settings` (`Key`, `Module`, `Value`) VALUES ('SecretKey', 'system', '" . $m->real_escape_string($secret_key) . "')");
    require_once __DIR__ . '/permission.php';
    nc_standin_create_user_tables($m);
}
