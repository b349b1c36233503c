<?php
/** What travels unencrypted with the settings, one yellow alert. @var string[] $plaintext @var callable $h */
?>
<?php if ($plaintext): ?>
<div class="nc-alert nc--yellow">
    <b>Персональные данные без шифрования</b>
    <ul class="priem-list">
        <?php foreach ($plaintext as $warning): ?>
        <li><?= $h($warning) ?></li>
        <?php endforeach; ?>
    </ul>
</div>
<?php endif; ?>
