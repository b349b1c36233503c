<?php
/**
 * What travels unencrypted, one yellow alert; what TLS protects only because the server offers it,
 * a quiet note. @var array $tls nc_priem_settings::tls_notes() @var callable $h
 */
?>
<?php if ($tls['warnings']): ?>
<div class="nc-alert nc--yellow">
    <b>Персональные данные без шифрования</b>
    <ul class="priem-list">
        <?php foreach ($tls['warnings'] as $warning): ?>
        <li><?= $h($warning) ?></li>
        <?php endforeach; ?>
    </ul>
</div>
<?php endif; ?>
<?php if ($tls['notes']): ?>
<div class="nc-alert nc--blue">
    <b>Шифрование по возможности</b>
    <ul class="priem-list">
        <?php foreach ($tls['notes'] as $note): ?>
        <li><?= $h($note) ?></li>
        <?php endforeach; ?>
    </ul>
</div>
<?php endif; ?>
