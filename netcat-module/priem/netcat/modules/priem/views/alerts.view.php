<?php
/**
 * Open alerts: the letter's subject in bold, what happened and what to do.
 *
 * @var string   $title
 * @var array    $alerts nc_priem_admin_controller::alerts()
 * @var callable $h
 */
?>
<h3><?= $h($title) ?></h3>
<table class="nc-table nc--striped">
    <tr><th>Что</th><th>Впервые (МСК)</th><th>Последний раз (МСК)</th><th>Писем</th></tr>
    <?php foreach ($alerts as $a): ?>
    <tr>
        <td>
            <b><?= $h($a['subject']) ?></b>
            <?php foreach ($a['paragraphs'] as $p): ?>
            <br><?= nl2br($h($p), false) ?>
            <?php endforeach; ?>
        </td>
        <td class="priem-nowrap"><?= $h(nc_priem_admin_controller::staff_time($a['first_seen'])) ?></td>
        <td class="priem-nowrap"><?= $h(nc_priem_admin_controller::staff_time($a['last_seen'])) ?></td>
        <td><?= (int)$a['mails'] ?></td>
    </tr>
    <?php endforeach; ?>
    <?php if (!$alerts): ?>
    <tr><td colspan="4">Нет</td></tr>
    <?php endif; ?>
</table>
