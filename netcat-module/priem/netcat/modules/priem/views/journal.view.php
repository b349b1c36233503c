<?php
/**
 * The bookings journal: filters, then the newest bookings (phones masked) with «Повторить
 * отправку» on those the extension says may be sent again. A confirmed booking shows no error
 * of an earlier attempt: the MIS's answer to it is the confirmation.
 *
 * @var array    $filter       source, status, from, to (valid values only)
 * @var array    $labels       priem_booking_labels(): the statuses' and sources' names
 * @var bool     $fixed_source the tab shows one source (ProDoctorov's): no source filter, no column
 * @var array    $rows         priem_bookings(): times already in words («03.12.2026 18:00 МСК+2»:
 *                             the appointment in the filial's zone, «Создана» in Moscow's)
 * @var string   $back         where «Повторить отправку» posts (the «Записи» tab, same filter)
 * @var string   $tab          this tab
 * @var string   $token
 * @var bool     $can_write
 * @var callable $h
 */
$value = function ($key) use ($filter) {
    return isset($filter[$key]) ? $filter[$key] : '';
};
?>
<form method="get" action="" class="priem-filter">
    <input type="hidden" name="controller" value="<?= $h($tab) ?>">
    <?php if ($fixed_source): ?>
    <input type="hidden" name="source" value="<?= $h($value('source')) ?>">
    <?php else: ?>
    <select name="source">
        <option value="">все источники</option>
        <?php foreach ($labels['sources'] as $source => $name): ?>
        <option value="<?= $h($source) ?>"<?= $source === $value('source') ? ' selected' : '' ?>><?= $h($name) ?></option>
        <?php endforeach; ?>
    </select>
    <?php endif; ?>
    <select name="status">
        <option value="">все</option>
        <?php foreach ($labels['statuses'] as $status => $label): ?>
        <option value="<?= $h($status) ?>"<?= $status === $value('status') ? ' selected' : '' ?>><?= $h($label['name']) ?></option>
        <?php endforeach; ?>
    </select>
    с <input type="date" name="from" value="<?= $h($value('from')) ?>">
    по <input type="date" name="to" value="<?= $h($value('to')) ?>">
    <button type="submit" class="nc-btn">Показать</button>
</form>
<table class="nc-table nc--striped priem-journal">
    <tr>
        <th>№</th><th>Создана (МСК)</th><?php if (!$fixed_source): ?><th>Источник</th><?php endif; ?><th>Статус</th>
        <th>Приём (время клиники)</th><th>Телефон</th><th>Ответ МИС / ошибка</th><th>Запрос в МИС</th><?php if ($can_write): ?><th></th><?php endif; ?>
    </tr>
    <?php foreach ($rows as $r): ?>
    <tr>
        <td><?= (int)$r['id'] ?></td>
        <?php $created = array_pad(explode(' ', (string)$r['created_local'], 2), 2, ''); // the date, then «20:11 МСК» ?>
        <td title="<?= $h(nc_priem_admin_controller::minutes($r['created_at'])) ?> UTC"><span class="priem-nowrap"><?= $h($created[0]) ?></span> <span class="priem-nowrap"><?= $h($created[1]) ?></span></td>
        <?php if (!$fixed_source): ?>
        <td><?= $h($r['source_name']) ?></td>
        <?php endif; ?>
        <td title="<?= $h($r['status']) ?>">
            <span class="priem-nowrap"><?= $h($r['status_name']) ?></span>
            <small class="priem-muted">попыток: <?= (int)$r['attempts'] ?></small>
            <?php if ($r['status'] === 'confirmed' && $r['mis_missing_at'] !== null): ?>
            <small class="priem-error">МИС не показывает в расписании</small>
            <?php elseif ($r['status'] === 'confirmed' && $r['mis_seen_at'] !== null): ?>
            <small class="priem-muted">есть в расписании МИС</small>
            <?php endif; ?>
        </td>
        <td>
            <span class="priem-nowrap" title="<?= $h($r['timezone']) ?>"><?= $h($r['start_local']) ?></span>
            <small><?= $h($r['clinic_name'] !== null ? $r['clinic_name'] . ' (филиал ' . $r['filial'] . ')' : 'филиал ' . $r['filial']) ?></small>
            <small><?= $h($r['doctor_name'] !== null ? $r['doctor_name'] . ' (врач ' . $r['doctor'] . ')' : 'врач ' . $r['doctor']) ?></small>
        </td>
        <td class="priem-nowrap"><?= $h($r['phone_shown']) ?></td>
        <td class="priem-error"><?= $r['status'] === 'confirmed' ? '' : $h((string)$r['last_error']) ?></td>
        <td>
            <details>
                <summary>JSON</summary>
                <?php $payload = json_decode((string)$r['payload'], true); ?>
                <pre><?= $h($payload !== null ? json_encode($payload, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT) : $r['payload']) ?></pre>
            </details>
        </td>
        <?php if ($can_write): ?>
        <td>
            <?php if ($r['retryable']): ?>
            <form method="post" action="<?= $h($back) ?>">
                <?= $token ?>
                <input type="hidden" name="action" value="retry">
                <input type="hidden" name="id" value="<?= (int)$r['id'] ?>">
                <button type="submit" class="nc-btn nc--small">Повторить отправку</button>
            </form>
            <?php endif; ?>
        </td>
        <?php endif; ?>
    </tr>
    <?php endforeach; ?>
    <?php if (!$rows): ?>
    <tr><td colspan="9">Записей нет</td></tr>
    <?php endif; ?>
</table>
