<?php
/**
 * Settings as fieldsets. Passwords and tokens are never shown: blank keeps the stored one, and
 * a stored one offers «очистить».
 *
 * @var array    $groups title => [key => [label, type]]; type: text, password, generated_password (with
 *                       «Сгенерировать», admin.js), checkbox, textarea or [value => label]
 * @var array    $values key => value (secrets blank, "<key>_set" whether one is stored)
 * @var array    $errors key => message
 * @var array    $notes  title => a line under the fieldset's legend (optional)
 * @var bool     $can_write
 * @var callable $h
 */
?>
<?php foreach ($groups as $title => $fields): ?>
<fieldset class="priem-fields">
    <legend><?= $h($title) ?></legend>
    <?php if (isset($notes[$title])): ?><p><?= $h($notes[$title]) ?></p><?php endif; ?>
    <?php foreach ($fields as $key => list($label, $type)): ?>
    <div class="priem-field">
        <label for="priem_<?= $h($key) ?>"><?= $h($label) ?></label>
        <div>
            <?php if (is_array($type)): ?>
            <select id="priem_<?= $h($key) ?>" name="<?= $h($key) ?>"<?= $can_write ? '' : ' disabled' ?>>
                <?php foreach ($type as $value => $caption): ?>
                <option value="<?= $h($value) ?>"<?= (string)$value === (string)$values[$key] ? ' selected' : '' ?>><?= $h($caption) ?></option>
                <?php endforeach; ?>
            </select>
            <?php elseif ($type === 'checkbox'): ?>
            <input type="hidden" name="<?= $h($key) ?>" value="0"><input type="checkbox" value="1" id="priem_<?= $h($key) ?>" name="<?= $h($key) ?>"<?= $values[$key] === '1' ? ' checked' : '' ?><?= $can_write ? '' : ' disabled' ?>>
            <?php elseif ($type === 'textarea'): ?>
            <textarea rows="4" cols="50" class="no_cm" id="priem_<?= $h($key) ?>" name="<?= $h($key) ?>"<?= $can_write ? '' : ' readonly' ?>><?= $h($values[$key]) ?></textarea>
            <?php elseif ($type === 'password' || $type === 'generated_password'): ?>
            <input type="password" autocomplete="new-password" value="" id="priem_<?= $h($key) ?>" name="<?= $h($key) ?>"<?= $can_write ? '' : ' disabled' ?>>
            <?php if ($type === 'generated_password' && $can_write): ?>
            <button type="button" class="nc-btn" data-priem-generate="priem_<?= $h($key) ?>">Сгенерировать</button>
            <?php endif; ?>
            <?php if ($values[$key . '_set']): ?>
            <small>задан; оставьте пустым, чтобы не менять</small>
            <?php if ($can_write): ?><label class="priem-inline"><input type="checkbox" name="<?= $h($key) ?>_clear" value="1"> очистить</label><?php endif; ?>
            <?php endif; ?>
            <?php else: ?>
            <input type="text" value="<?= $h($values[$key]) ?>" id="priem_<?= $h($key) ?>" name="<?= $h($key) ?>"<?= $can_write ? '' : ' readonly' ?>>
            <?php endif; ?>
            <?php if (isset($errors[$key])): ?><span class="nc-text-red"><?= $h($errors[$key]) ?></span><?php endif; ?>
        </div>
    </div>
    <?php endforeach; ?>
</fieldset>
<?php endforeach; ?>
