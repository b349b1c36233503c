<?php
/**
 * «Состояние»: how the sync runs, the last sync runs, the last 14 days as bars (bookings by
 * outcome, per creation day in Moscow time as every admin time; imported schedule files), the open alerts.
 *
 * @var array    $messages
 * @var array    $tls    what travels unencrypted, and TLS used by choice (nc_priem_settings::tls_notes())
 * @var array    $cron   nc_priem_status_controller::cron()
 * @var string   $token
 * @var string   $url
 * @var bool     $can_write
 * @var array    $runs   priem_runs(): the last sync runs, their counts in words
 * @var array    $days   priem_daily(): per day, bookings by status and schedule files
 * @var array    $labels priem_booking_labels(): the statuses' names and colours
 * @var array|null $reconciliation priem_reconciliation(): confirmed, seen, missing, check
 * @var string   $alerts the open alerts (alerts.view.php)
 * @var callable $h
 */
$max = 1;
foreach ($days as $d) {
    $max = max($max, array_sum($d['bookings']), $d['files']);
}
$bar = function ($n) use ($max) {
    return $n ? max(3, (int)round(90 * $n / $max)) : 0;
};
require __DIR__ . '/messages.view.php';
require __DIR__ . '/plaintext.view.php';
?>
<h3>Синхронизация по расписанию (cron)</h3>
<?php if ($cron['state'] === 'none'): ?>
<div class="nc-alert nc--red">Синхронизация ещё не запускалась: расписание из МИС не загружается, записи не отправляются
    повторно, оповещения не уходят. Настройте запуск (ниже).</div>
<?php elseif ($cron['state'] === 'stale'): ?>
<div class="nc-alert nc--red">Синхронизация давно не запускалась (последний раз <?= $h(nc_priem_status_controller::ago($cron['last'])) ?>):
    расписание не обновляется, записи не отправляются повторно, оповещения не уходят. Проверьте cron (ниже).</div>
<?php elseif ($cron['state'] === 'netcat'): ?>
<div class="nc-alert nc--yellow">Синхронизацию запускает планировщик NetCat — HTTP-запросом раз в <?= (int)$cron['task']['minutes'] ?> мин
    (последний запуск <?= $h(nc_priem_status_controller::ago($cron['last'])) ?>). Оповещения об отказах МИС и повторы отправки
    ждут следующего запуска до <?= (int)$cron['task']['minutes'] ?> мин.</div>
<?php else: ?>
<div class="nc-alert nc--green">Синхронизацию запускает системный crontab (не планировщик NetCat): последний запуск
    <?= $h(nc_priem_status_controller::ago($cron['last'])) ?>.</div>
<?php endif; ?>
<p>Задача планировщика NetCat (Инструменты → Управление задачами):
    <?php if (!$cron['task']): ?>нет.
    <?php elseif ($cron['task']['launched']): ?>каждые <?= (int)$cron['task']['minutes'] ?> мин, последний запуск <?= $h(nc_priem_status_controller::ago($cron['task']['launched'])) ?>.
    <?php else: ?>каждые <?= (int)$cron['task']['minutes'] ?> мин, но ещё ни разу не запускалась: системный crontab сервера не вызывает netcat/admin/crontab.php.
    <?php endif; ?></p>
<?php if ($cron['task'] && !$cron['keyed']): ?>
<div class="nc-alert nc--red">Адрес задачи планировщика NetCat без действующего ключа модуля: cron.php отвечает ей «Access denied».
    Нажмите «Сменить ключ cron.php» — задача получит адрес с новым ключом.</div>
<?php endif; ?>
<?php if ($can_write): ?>
<form method="post" action="<?= $h($url) ?>">
    <?= $token ?>
    <input type="hidden" name="action" value="rotate_cron_secret">
    <button type="submit" class="nc-btn">Сменить ключ cron.php</button>
    <span class="priem-note">свой ключ модуля в адресе задачи (не SecretKey NetCat); старый адрес перестанет работать</span>
</form>
<?php endif; ?>
<?php if ($cron['state'] !== 'system'): ?>
<p>Рекомендуем запускать синхронизацию из системного crontab сервера каждую минуту — без ограничений времени HTTP-запроса,
    оповещения уходят в течение минуты (задачу NetCat тогда можно удалить):</p>
<pre class="priem-code"><?= $h($cron['line']) ?></pre>
<?php endif; ?>

<?php if ($reconciliation !== null): ?>
<h3>Сверка с МИС</h3>
<p>Предстоящих подтверждённых записей: <?= (int)$reconciliation['confirmed'] ?>, из них МИС показывает в расписании:
    <?= (int)$reconciliation['seen'] ?><?php if ($reconciliation['confirmed'] > $reconciliation['seen'] + $reconciliation['missing']): ?>,
    ждут следующей выгрузки: <?= (int)($reconciliation['confirmed'] - $reconciliation['seen'] - $reconciliation['missing']) ?><?php endif; ?>.</p>
<?php if ($reconciliation['missing'] > 0): ?>
<div class="nc-alert nc--red">МИС не показывает записей: <?= (int)$reconciliation['missing'] ?> — время подтверждённой записи в выгрузках
    МИС свободно дольше допустимого. Найдите эти записи в МИС (номера — в оповещениях ниже).</div>
<?php endif; ?>
<?php if ($reconciliation['check'] > 0): ?>
<div class="nc-alert nc--yellow">Записей «проверить в МИС»: <?= (int)$reconciliation['check'] ?> — МИС ответила «занято» после попытки без
    ответа; состояние уточнится по следующей выгрузке расписания (подробности — в оповещениях ниже).</div>
<?php endif; ?>
<?php endif; ?>

<h3>Последние запуски</h3>
<table class="nc-table nc--striped">
    <tr><th>Начало (МСК)</th><th>Итог</th><th>Файл</th><th>Что сделано</th><th>Ошибки</th></tr>
    <?php foreach ($runs as $r): ?>
    <tr>
        <td class="priem-nowrap"><?= $h(nc_priem_admin_controller::staff_time($r['started_at'])) ?></td>
        <td class="priem-nowrap"><?= $h($r['status_name']) ?></td>
        <td><?= $h((string)$r['file']) ?></td>
        <td><?= $h($r['summary']) ?></td>
        <td class="priem-error"><?= $h(implode('; ', $r['errors'])) ?></td>
    </tr>
    <?php endforeach; ?>
    <?php if (!$runs): ?>
    <tr><td colspan="5">Запусков ещё не было</td></tr>
    <?php endif; ?>
</table>

<h3>Последние 14 дней</h3>
<svg class="priem-chart" width="<?= 34 * count($days) ?>" height="112" role="img" aria-label="Записи и файлы расписания по дням">
    <?php $x = 0; foreach ($days as $d): ?>
    <g>
        <?php $y = 92; foreach ($d['bookings'] as $status => $n): $y -= $bar($n); ?>
        <rect class="<?= $h($labels['statuses'][$status]['class']) ?>" x="<?= $x + 4 ?>" y="<?= $y ?>" width="16" height="<?= $bar($n) ?>"><title><?= $h($labels['statuses'][$status]['name'] . ': ' . $n) ?></title></rect>
        <?php endforeach; ?>
        <?php if ($d['files']): ?>
        <rect class="priem-files" x="<?= $x + 22 ?>" y="<?= 92 - $bar($d['files']) ?>" width="8" height="<?= $bar($d['files']) ?>"><title>файлов расписания: <?= (int)$d['files'] ?></title></rect>
        <?php endif; ?>
        <text x="<?= $x + 17 ?>" y="108"><?= $h(substr($d['date'], 8, 2) . '.' . substr($d['date'], 5, 2)) ?></text>
    </g>
    <?php $x += 34; endforeach; ?>
</svg>
<p class="priem-legend"><small>
    <?php foreach ($labels['statuses'] as $label): ?>
    <span class="priem-swatch <?= $h($label['class']) ?>"></span> <?= $h($label['name']) ?>
    <?php endforeach; ?>
    <span class="priem-swatch priem-files"></span> файлы расписания (записи — по дню создания, МСК)
</small></p>

<?= $alerts ?>
