<?php
/** The result of a button: ok (green), warnings (yellow, a list), error (red). @var array $messages @var callable $h */
?>
<?php if (!empty($messages['ok'])): ?>
<div class="nc-alert nc--green"><?= $h($messages['ok']) ?></div>
<?php endif; ?>
<?php foreach (isset($messages['warnings']) ? $messages['warnings'] : array() as $warning): ?>
<div class="nc-alert nc--yellow"><?= $h($warning) ?></div>
<?php endforeach; ?>
<?php if (!empty($messages['error'])): ?>
<div class="nc-alert nc--red"><?= $h($messages['error']) ?></div>
<?php endif; ?>
