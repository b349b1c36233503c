<?php
/**
 * «Настройки».
 *
 * @var array    $messages
 * @var array    $tls    what travels unencrypted, and TLS used by choice (nc_priem_settings::tls_notes())
 * @var string   $fields  the fieldsets (fields.view.php)
 * @var array    $checks  what => caption of «Проверить соединение»
 * @var string   $token   the admin form token input
 * @var string   $url     this tab
 * @var bool     $can_write
 * @var callable $h
 */
require __DIR__ . '/messages.view.php';
require __DIR__ . '/plaintext.view.php';
?>
<form method="post" action="<?= $h($url) ?>" class="nc-form priem-settings">
    <?= $token ?>
    <input type="hidden" name="action" value="save">
    <?= $fields ?>
    <p>Несколько кодов на одной карточке — через запятую: «0042, 0107»; код врача только для одного филиала — «1:0042».</p>
    <?php if ($can_write): ?>
    <button type="submit" class="nc-btn nc--blue">Сохранить</button>
    <?php endif; ?>
</form>
<?php if ($can_write): ?>
<fieldset class="priem-checks">
    <legend>Проверить соединение</legend>
    <p><small>Проверяются сохранённые настройки: сначала сохраните изменения. Проверка SMTP отправляет тестовое письмо получателям.</small></p>
    <?php foreach ($checks as $what => $caption): ?>
    <form method="post" action="<?= $h($url) ?>">
        <?= $token ?>
        <input type="hidden" name="action" value="check">
        <input type="hidden" name="what" value="<?= $h($what) ?>">
        <button type="submit" class="nc-btn">Проверить соединение: <?= $h($caption) ?></button>
    </form>
    <?php endforeach; ?>
</fieldset>
<form method="post" action="<?= $h($url) ?>">
    <?= $token ?>
    <input type="hidden" name="action" value="add_fields">
    <button type="submit" class="nc-btn">Добавить поле «Код МИС»</button>
</form>
<form method="post" action="<?= $h($url) ?>">
    <?= $token ?>
    <input type="hidden" name="action" value="create_components">
    <button type="submit" class="nc-btn">Создать компоненты «Клиники» и «Врачи»</button>
    <small>для сайта, где клиник и врачей ещё нет</small>
</form>
<?php endif; ?>
