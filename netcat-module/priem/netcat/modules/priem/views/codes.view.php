<?php
/**
 * «Коды МИС».
 *
 * @var string   $alerts the code alerts (alerts.view.php)
 * @var array    $off    the codes of switched-off cards (priem_cards_off)
 * @var callable $h
 */
?>
<p>Коды из расписания МИС без карточки на сайте и карточки, которых нет в расписании (проверка при каждом запуске cron).</p>
<?= $alerts ?>
<h3>Выключенные карточки</h3>
<p>Карточка выключена в NetCat (снята галочка «включить»): клиники или врача с этим кодом нет на сайте, онлайн-запись закрыта, карточку создавать не нужно.</p>
<table class="nc-table nc--striped">
    <tr><th>Карточка</th><th>Код МИС</th><th>Что это значит</th></tr>
    <?php foreach ($off as $o): ?>
    <tr>
        <td><?= $o['role'] === 'clinic' ? 'Клиника' : 'Врач' ?>, карточка № <?= $h($o['card']) ?></td>
        <td><?= $h($o['code']) ?></td>
        <td>карточка выключена — онлайн-запись закрыта</td>
    </tr>
    <?php endforeach; ?>
    <?php if (!$off): ?>
    <tr><td colspan="3">Нет</td></tr>
    <?php endif; ?>
</table>
