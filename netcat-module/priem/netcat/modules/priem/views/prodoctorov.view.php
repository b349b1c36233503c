<?php
/**
 * «ПроДокторов».
 *
 * @var array    $messages
 * @var string   $endpoint      the direct-booking URL to give ProDoctorov's manager
 * @var string   $endpoint_user its Basic-auth login ('' — not set)
 * @var string   $fields        the tab's settings (fields.view.php)
 * @var array    $uploads       priem_prodoctorov_uploads()
 * @var string   $journal       the bookings from ProDoctorov (journal.view.php)
 * @var string   $token
 * @var string   $url
 * @var bool     $can_write
 * @var callable $h
 */
require __DIR__ . '/messages.view.php';
?>
<p>Сайт выгружает расписание из МИС в ПроДокторов (с временем, уже занятым на сайте) и принимает
    прямые записи ПроДокторов тем же путём, что и записи с сайта: одно время не достанется двоим.</p>
<p>Адрес для прямой записи — сообщите его менеджеру ПроДокторов: <code><?= $h($endpoint) ?></code>
    <?php if ($endpoint_user !== ''): ?>(HTTP Basic, логин «<?= $h($endpoint_user) ?>»)<?php else: ?>(закрыт, пока ниже не заданы логин и пароль)<?php endif; ?></p>
<form method="post" action="<?= $h($url) ?>" class="nc-form">
    <?= $token ?>
    <input type="hidden" name="action" value="save">
    <?= $fields ?>
    <?php if ($can_write): ?>
    <button type="submit" class="nc-btn nc--blue">Сохранить</button>
    <?php endif; ?>
</form>
<?php if ($can_write): ?>
<form method="post" action="<?= $h($url) ?>">
    <?= $token ?>
    <input type="hidden" name="action" value="upload">
    <button type="submit" class="nc-btn">Выгрузить расписание сейчас</button>
</form>
<?php endif; ?>

<h3>Последние выгрузки</h3>
<table class="nc-table nc--striped">
    <tr><th>Время (МСК)</th><th>Итог</th><th>API / сервер</th><th>Объём</th><th>Ответ ПроДокторов</th></tr>
    <?php foreach ($uploads as $u): ?>
    <tr>
        <td class="priem-nowrap"><?= $h(nc_priem_admin_controller::staff_time($u['started_at'])) ?></td>
        <td class="priem-nowrap"><?= $h($u['outcome_name']) ?></td>
        <td><?= $h($u['api'] . ' / ' . $u['host']) ?></td>
        <td><?= (int)$u['doctors'] ?> врачей, <?= (int)$u['cells'] ?> ячеек, <?= $h(nc_priem_prodoctorov_controller::kb($u['bytes'])) ?></td>
        <td class="priem-error"><?= $u['http_status'] ? 'HTTP ' . (int)$u['http_status'] . ' ' : '' ?><?= $h($u['answer']) ?></td>
    </tr>
    <?php endforeach; ?>
    <?php if (!$uploads): ?>
    <tr><td colspan="5">Выгрузок ещё не было</td></tr>
    <?php endif; ?>
</table>

<h3>Записи из ПроДокторов</h3>
<?= $journal ?>
