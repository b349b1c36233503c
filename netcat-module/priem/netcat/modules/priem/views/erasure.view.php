<?php
/**
 * Erasure of a patient's data on request (152-ФЗ): the form, for those who may change things, and
 * the last erasures — who erased and when, never whose data.
 *
 * @var array    $log       priem_erasures()
 * @var string   $token
 * @var string   $url
 * @var bool     $can_write
 * @var callable $h
 */
?>
<h3>Удаление данных пациента по его запросу</h3>
<p>Модуль удаляет имя, телефон, комментарий и адрес согласия пациента из всех его записей, из текстов оповещений и журнала
    синхронизации, а файлы его записей — с FTP-сервера. Записи остаются в статистике без личных данных; запись, которую МИС
    ещё не подтвердила, отменяется. В самой МИС данные пациента удаляются средствами МИС.</p>
<?php if ($can_write): ?>
<form method="post" action="<?= $h($url) ?>" class="priem-filter">
    <?= $token ?>
    <input type="hidden" name="action" value="erase">
    <label>Телефон пациента <input type="tel" name="phone" placeholder="+7 (___) ___-__-__" required></label>
    <label class="priem-inline"><input type="checkbox" name="confirm" value="1" required> пациент просил удалить свои данные</label>
    <button type="submit" class="nc-btn nc--red">Удалить данные</button>
</form>
<?php endif; ?>
<?php if ($log): ?>
<table class="nc-table nc--striped">
    <tr><th>Когда (МСК)</th><th>Кто удалил</th><th>Записей</th><th>Файлов на FTP</th></tr>
    <?php foreach ($log as $e): ?>
    <tr>
        <td class="priem-nowrap"><?= $h(nc_priem_admin_controller::staff_time($e['erased_at'])) ?></td>
        <td><?= $h($e['actor']) ?></td>
        <td><?= (int)$e['bookings'] ?></td>
        <td><?= (int)$e['files'] ?></td>
    </tr>
    <?php endforeach; ?>
</table>
<?php endif; ?>
