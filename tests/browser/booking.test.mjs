// The booking widget in a real browser against the real stack (started by tests/browser/run.sh):
// Debian's chromium via playwright-core, the site on php -S with the extension, MariaDB, the
// schedule imported over FTP, the HTTP MIS peer that logs every request (GET /_received).
//
// Environment (run.sh sets it): PRIEM_BASE_URL, PRIEM_MIS_URL, PRIEM_FIXTURE, PRIEM_STACK_CONFIG,
// PRIEM_PHP, PRIEM_SHOTS (screenshots folder), CHROMIUM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  HERE, BASE, FIX, DESKTOP, PHONE, RESULT, newPage, closeAll, shot, slotOf, openDoctor, firstFree, openDialog, fillForm,
  submit, resultOf, assertPhoneLayout,
} from './helpers.mjs';

const MIS = process.env.PRIEM_MIS_URL;
// both zones have had no daylight saving time since 2014
const UTC_OFFSET_HOURS = { 'Europe/Moscow': 3, 'Asia/Yekaterinburg': 5 };

// ---- helpers ----------------------------------------------------------------------------------

/** The MIS peer's log: the bodies of the booking requests it received (§2.1 JSON). */
async function misBookings() {
  const records = await (await fetch(`${MIS}/_received`)).json();
  return records.filter((r) => r.method === 'POST').map((r) => JSON.parse(Buffer.from(r.body_hex, 'hex').toString('utf8')));
}

/** What the MIS must get for a local date and time of a filial: UTC, ISO 8601 with Z. */
function utc(date, time, zone, plusMinutes = 0) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const offset = UTC_OFFSET_HOURS[zone];
  assert.ok(offset !== undefined, `known zone ${zone}`);
  return new Date(Date.UTC(y, m - 1, d, hh - offset, mm + plusMinutes)).toISOString().replace('.000Z', 'Z');
}

/** Points the site at another MIS address (tests/browser/stack.php set → nc_priem_settings::save_form). */
function setMisUrl(url) {
  const [php, ...phpArgs] = process.env.PRIEM_PHP.split(' ');
  execFileSync(php, [...phpArgs, path.join(HERE, 'stack.php'), 'set', process.env.PRIEM_STACK_CONFIG, `MisUrl=${url}`],
    { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A port nothing listens on (bound, then closed). */
function closedPort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Checks the MIS got exactly one booking for this time, with the UTC times of the filial's zone. */
async function assertMisGot(slot, { name, phone, comment }) {
  const zone = FIX.filials[slot.filial].timezone;
  const start = utc(slot.date, slot.time, zone);
  const mine = (await misBookings()).filter((b) => b.doctor_id === slot.doctor && b.dt_start === start);
  assert.equal(mine.length, 1, `exactly one MIS request for ${slot.dataSlot} (${start})`);
  const b = mine[0];
  assert.equal(b.dt_end, utc(slot.date, slot.time, zone, 30), 'dt_end: the end of the 30-minute cell in UTC');
  assert.equal(b.filial_id, slot.filial);
  assert.equal(b.doctor_id, slot.doctor);
  assert.equal(b.name, name);
  assert.equal(b.phone, phone);
  if (comment !== undefined) assert.equal(b.comment, comment);
  return b;
}

// ---- the tests --------------------------------------------------------------------------------

test('book a time on a doctor card (Moscow, UTC+3): the MIS gets the §2.1 JSON in UTC, the widget says «Вы записаны»', async () => {
  const doctor = FIX.doctors.booking;
  const page = await newPage(DESKTOP);
  await openDoctor(page, doctor);
  assert.match(await page.textContent('.priem-strip__tz'), /время московское/i);
  // choose the second day with free times, then its first free time
  const days = await page.$$('.priem-day:not(.priem-day--off)');
  await days[1].click();
  await page.waitForSelector('.priem-day--active[aria-pressed=true]');
  const slot = await firstFree(page);
  assert.equal(await page.getAttribute('.priem-day--active', 'data-date'), slot.date,
    'the times shown are the chosen day\'s');
  await shot(page, 'doctor-desktop');
  await openDialog(page, slot);
  const summary = await page.textContent('.priem-summary');
  assert.ok(summary.includes(doctor.name) && summary.includes(slot.time) && summary.includes(FIX.filials[slot.filial].address),
    'the dialog summarises doctor, time and address');
  const form = { name: 'Петров Пётр Петрович', phone: '9001234567', comment: 'Первичный приём' };
  await fillForm(page, form);
  assert.equal(await page.inputValue('.priem-dialog [name=phone]'), '+7 (900) 123-45-67', 'the phone mask');
  await shot(page, 'form-desktop');
  await submit(page);
  const r = await resultOf(page);
  assert.equal(r.kind, 'success');
  assert.equal(r.title, 'Вы записаны');
  const details = await page.textContent('.priem-details');
  const bold = await page.$$eval('.priem-details dd', (els) => els.filter((e) => Number(getComputedStyle(e).fontWeight) >= 600).map((e) => e.textContent));
  assert.ok(bold.length === 1 && bold[0].includes(slot.time), `only the date and time stand out: ${bold}`);
  for (const part of [doctor.name, FIX.filials[slot.filial].name, FIX.filials[slot.filial].address, slot.time, 'время московское', '№']) {
    assert.ok(details.includes(part), `the confirmation shows ${part}`);
  }
  await shot(page, 'confirmed-desktop');
  assert.equal(page.bookPosts, 1, 'one POST');
  const sent = await assertMisGot(slot, { name: form.name, phone: '79001234567', comment: form.comment });
  assert.equal(sent.specialty, doctor.specialty);
  // «Добавить в календарь»: the .ics has the same UTC time
  const ics = await (await page.request.get(BASE + (await page.getAttribute('.priem-result a[href*="action=ics"]', 'href')))).text();
  assert.ok(ics.includes(`DTSTART:${utc(slot.date, slot.time, 'Europe/Moscow').replace(/[-:]/g, '')}`), 'the .ics in UTC');
  // closing: the booked time is taken in the widget, and for the next visitor too
  await page.click('.priem-result .priem-btn--primary');
  assert.equal(await page.$('.priem-dialog'), null);
  assert.equal(await page.$(`[data-slot="${slot.dataSlot}"]`), null, 'the booked time is gone from the widget');
  assert.ok(await page.$('.priem-times .priem-slot'), 'the day\'s other times are still there');
  const other = await newPage(DESKTOP);
  await openDoctor(other, doctor);
  await other.click(`.priem-day[data-date="${slot.date}"]`);
  await other.waitForSelector(`.priem-day--active[data-date="${slot.date}"]`);
  assert.ok(await other.$('.priem-times .priem-slot'), 'the day has other times');
  assert.equal(await other.$(`[data-slot="${slot.dataSlot}"]`), null, 'another visitor is not offered the taken time');
  await closeAll();
});

test('book in the Yekaterinburg filial (UTC+5) from the general booking page', async () => {
  const doctor = FIX.doctors.yekaterinburg;
  const page = await newPage(DESKTOP);
  await page.goto(`${BASE}/index.php`);
  await page.waitForSelector('.priem-card');
  await shot(page, 'picker-desktop', true);
  await page.selectOption('.priem-widget select >> nth=0', doctor.filial);
  await page.waitForFunction((n) => $priem.one('.priem-list').textContent.includes(n), doctor.name);
  await page.selectOption('.priem-widget select >> nth=1', doctor.specialty);
  await page.waitForFunction((n) => $priem.all('.priem-card__name').map((e) => e.textContent).join() === n, doctor.name);
  const card = page.locator('.priem-card', { hasText: doctor.name });
  assert.match(await card.locator('.priem-card__tz').textContent(), /время екатеринбургское/);
  assert.match(await page.textContent('.priem-widget__phone'), /\+7 \(343\) 222-33-44/, 'the filial\'s phone as the fallback');
  const slot = slotOf(await card.locator('.priem-slot').first().getAttribute('data-slot'));
  await openDialog(page, slot);
  const form = { name: 'Сидорова Анна', phone: '89121234567' };
  await fillForm(page, form);
  await submit(page);
  const r = await resultOf(page);
  assert.deepEqual([r.kind, r.title], ['success', 'Вы записаны']);
  assert.match(await page.textContent('.priem-details'), /время екатеринбургское/);
  const sent = await assertMisGot(slot, { name: form.name, phone: '79121234567' });
  // spelled out: 09:00 in Yekaterinburg is 04:00Z
  assert.equal(new Date(sent.dt_start).getUTCHours(), Number(slot.time.slice(0, 2)) - 5);
  await closeAll();
});

for (const device of [DESKTOP, PHONE]) {
  test(`two visitors take the same time at the same moment (${device.name}): one is booked, the other sees «уже занято» and other times`, async () => {
    const doctor = FIX.doctors.race;
    const a = await newPage(device);
    const b = await newPage(device);
    await openDoctor(a, doctor);
    const slot = await firstFree(a);
    const chosenDay = (await a.getAttribute(`[data-slot="${slot.dataSlot}"]`, 'aria-label')).replace(/, \d\d:\d\d$/, '');
    await openDoctor(b, doctor);
    await openDialog(a, slot);
    await openDialog(b, slot);
    const forms = new Map([[a, { name: 'Первый Посетитель', phone: '9031111111' }], [b, { name: 'Второй Посетитель', phone: '9032222222' }]]);
    for (const [p, f] of forms) await fillForm(p, f);
    await a.waitForTimeout(1600); // past the form's minimal fill time in both dialogs: the clicks go out at once
    await Promise.all([submit(a), submit(b)]);
    const results = await Promise.all([resultOf(a), resultOf(b)]);
    const kinds = results.map((r) => r.kind).sort();
    assert.deepEqual(kinds, ['success', 'taken'], `one booked, one refused: ${JSON.stringify(results)}`);
    const winner = results[0].kind === 'success' ? a : b;
    const loser = winner === a ? b : a;
    assert.equal((await resultOf(winner)).title, 'Вы записаны');
    assert.match((await resultOf(loser)).title, /время уже занято/);
    const alternatives = await loser.$$eval('.priem-result--taken .priem-slot', (els) => els.map((e) => e.getAttribute('aria-label')));
    assert.ok(alternatives.length > 0, 'other times are offered');
    const align = await loser.$$eval('.priem-result__title, .priem-result__text', (els) => els.map((e) => getComputedStyle(e).textAlign));
    assert.deepEqual(align, ['left', 'left'], 'the title and the text read from the left, as the times under them');
    assert.ok(alternatives.every((l) => /, \d\d:\d\d$/.test(l)), `times named with their date: ${alternatives}`);
    // the nearest to the time chosen: that day's first (the fixture's day has other free times)
    assert.ok(alternatives[0].startsWith(`${chosenDay}, `), `the chosen day (${chosenDay}) first: ${alternatives}`);
    await shot(loser, `taken-${device.name}`);
    // exactly one request reached the MIS for that time, the winner's
    await assertMisGot(slot, { name: forms.get(winner).name, phone: '7' + forms.get(winner).phone });
    // the loser takes an offered time: back to the form with what was typed, and booked
    await loser.click('.priem-result--taken .priem-slot');
    await loser.waitForSelector('.priem-dialog form');
    assert.equal(await loser.inputValue('.priem-dialog [name=name]'), forms.get(loser).name, 'the typed name is kept');
    assert.ok(await loser.isChecked('.priem-dialog [name=consent]'), 'the consent tick is kept');
    const when = await loser.textContent('.priem-summary__when');
    await submit(loser);
    const again = await resultOf(loser);
    assert.deepEqual([again.kind, again.title], ['success', 'Вы записаны'], `the alternative ${when} is booked`);
    await closeAll();
  });
}

for (const device of [DESKTOP, PHONE]) {
  test(`the MIS is down (${device.name}): «Заявка принята — клиника перезвонит», never «Вы записаны»`, async () => {
    const doctor = FIX.doctors.mis_down;
    setMisUrl(`http://127.0.0.1:${await closedPort()}/success`);
    try {
      const page = await newPage(device);
      await openDoctor(page, doctor);
      const slot = await firstFree(page);
      await openDialog(page, slot);
      await fillForm(page, { name: 'Орлова Вера', phone: '9164445566' });
      const before = (await misBookings()).length;
      await submit(page);
      const r = await resultOf(page);
      assert.equal(r.kind, 'pending');
      assert.equal(r.title, 'Заявка принята — клиника перезвонит для подтверждения');
      const text = await page.textContent('.priem-dialog');
      assert.ok(!text.includes('Вы записаны'), 'no confirmation is claimed');
      assert.equal(await page.$('.priem-result a[href*="action=ics"]'), null, 'no calendar entry');
      assert.ok(text.includes(FIX.filials[slot.filial].phone), 'the clinic\'s phone is shown');
      assert.equal((await misBookings()).length, before, 'nothing reached the (closed) MIS port');
      if (device === PHONE) await assertPhoneLayout(page, 'pending');
      await shot(page, `pending-${device.name}`);
      // the time is kept for the visitor: a fresh page shows it taken
      await page.reload();
      await page.click('.priem-open');
      await page.waitForSelector('.priem-widget .priem-slot');
      assert.notEqual(await firstFree(page).then((s) => s.dataSlot), slot.dataSlot, 'the accepted time is held');
    } finally {
      setMisUrl(`${MIS}/success`);
    }
    await closeAll();
  });
}

for (const device of [DESKTOP, PHONE]) {
  test(`validation errors (${device.name}) are shown at the fields and keep what was typed`, async () => {
    const doctor = FIX.doctors.validation;
    const page = await newPage(device);
    await openDoctor(page, doctor);
    const slot = await firstFree(page);
    await openDialog(page, slot);
    // 1. the browser's own check: nothing sent
    await submit(page);
    const invalid = await page.$$eval('.priem-dialog [aria-invalid=true]', (els) => els.map((e) => e.name));
    assert.deepEqual(invalid, ['name', 'phone', 'consent']);
    assert.equal(await page.evaluate(() => $priem.active().name), 'name', 'focus on the first bad field');
    assert.equal(page.bookPosts, 0, 'an empty form is not sent');
    // 2. the server's check (what the browser cannot know): a digit in the name, a phone code that does not exist
    const typed = { name: 'Кузнецов 2', phone: '1001234567', comment: 'Болит голова по утрам' };
    await fillForm(page, typed);
    await submit(page);
    await page.waitForSelector('.priem-dialog [name=phone][aria-invalid=true]', { timeout: RESULT });
    assert.equal(page.bookPosts, 1);
    const errors = await page.$$eval('.priem-field__error:not([hidden])', (els) => els.map((e) => e.textContent));
    assert.ok(errors.some((e) => /букв/.test(e)), `the name error: ${errors}`);
    assert.ok(errors.some((e) => /код/.test(e)), `the phone error: ${errors}`);
    assert.equal(await page.getAttribute('.priem-dialog [name=name]', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('.priem-dialog [name=name]'), typed.name, 'the name is kept');
    assert.equal(await page.inputValue('.priem-dialog [name=phone]'), '+7 (100) 123-45-67', 'the phone is kept');
    assert.equal(await page.inputValue('.priem-dialog [name=comment]'), typed.comment, 'the comment is kept');
    assert.ok(await page.isChecked('.priem-dialog [name=consent]'), 'the consent tick is kept');
    if (device === PHONE) await assertPhoneLayout(page, 'validation errors');
    await shot(page, `errors-${device.name}`);
    // 3. corrected: booked, with the corrected values only
    await page.fill('.priem-dialog [name=name]', 'Кузнецов Иван');
    await page.fill('.priem-dialog [name=phone]', '');
    await page.click('.priem-dialog [name=phone]');
    await page.keyboard.type('9261234567');
    await submit(page);
    const r = await resultOf(page);
    assert.deepEqual([r.kind, r.title], ['success', 'Вы записаны']);
    await assertMisGot(slot, { name: 'Кузнецов Иван', phone: '79261234567', comment: typed.comment });
    await closeAll();
  });
}

test('the booking service is out of reach: the widget says what happened and offers the phone, never «Не удалось проверить форму»', async () => {
  const doctor = FIX.doctors.validation;
  const phone = FIX.filials[doctor.filial].phone;
  const page = await newPage(DESKTOP);
  page.failedLoadsExpected = true;
  await openDoctor(page, doctor);
  const slot = await firstFree(page);
  await openDialog(page, slot);
  await fillForm(page, { name: 'Недоступный Сервис', phone: '9035550000' });
  // the web server's own error page (what a proxy or a server rule answers, not the API): 404 text/html of php -S
  await page.evaluate(() => { document.querySelector('.priem-widget').__priem.api.base = '/netcat/modules/priem/no-such-api.php'; });
  await submit(page);
  const error = page.locator('.priem-dialog .priem-alert--error');
  await error.waitFor({ timeout: RESULT });
  let text = await error.textContent();
  assert.match(text, /^Сервис записи сейчас недоступен \(ошибка 404\)\. Попробуйте позже или позвоните: /, text);
  assert.ok(text.includes(phone), `the clinic's phone in «${text}»`);
  // no connection at all
  await page.evaluate((url) => { document.querySelector('.priem-widget').__priem.api.base = url; }, `http://127.0.0.1:${await closedPort()}/api.php`);
  await submit(page);
  await page.waitForFunction((t) => $priem.one('.priem-alert--error').textContent !== t, text, { timeout: RESULT });
  text = await error.textContent();
  assert.match(text, /^Нет связи с сервером\. Проверьте интернет и попробуйте ещё раз или позвоните: /, text);
  assert.ok(text.includes(phone));
  // the API's own refusal for too many bookings on one number says why, not «через N минут»
  await page.evaluate(() => { document.querySelector('.priem-widget').__priem.api.base = '/netcat/modules/priem/api.php'; });
  const why = 'На этот номер уже сделано несколько записей за сутки. Чтобы записаться ещё, позвоните в клинику.';
  await page.route('**/api.php?action=book*', (route) => route.fulfill({
    status: 429, headers: { 'Retry-After': '80000' }, contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({ status: 'rate_limited', message: why }),
  }));
  await submit(page);
  await page.waitForFunction((t) => $priem.one('.priem-alert--error').textContent !== t, text, { timeout: RESULT });
  text = await error.textContent();
  assert.ok(text.startsWith(why), text);
  await page.unroute('**/api.php?action=book*');
  // a schedule that cannot be loaded: the same words in the widget, with the site's phone
  await page.keyboard.press('Escape');
  await page.evaluate(() => {
    const el = document.createElement('div');
    el.className = 'priem-widget';
    el.id = 'broken';
    el.setAttribute('data-priem', JSON.stringify({ api: '/netcat/modules/priem/no-such-api.php', mode: 'picker', phone: '+7 (495) 120-45-67' }));
    document.querySelector('main').appendChild(el);
    window.Priem.mount(el);
  });
  const broken = page.locator('#broken .priem-error');
  await broken.waitFor();
  assert.match(await broken.textContent(), /^Сервис записи сейчас недоступен \(ошибка 404\)\. Попробуйте позже или позвоните: \+7 \(495\) 120-45-67\./);
  await closeAll();
});

test('phone layout 390×844: the doctor card, the booking page, the full-screen dialog, the confirmation', async () => {
  const doctor = FIX.doctors.phone;
  const page = await newPage(PHONE);
  await page.goto(`${BASE}/doctor.php?codes=${encodeURIComponent(doctor.codes)}`);
  await page.waitForSelector('.priem-open');
  await assertPhoneLayout(page, 'the collapsed widget');
  await page.click('.priem-open');
  await page.waitForSelector('.priem-widget .priem-slot');
  await assertPhoneLayout(page, 'the day strip and times');
  const days = await page.$$eval('.priem-strip__days .priem-day', (els) => els.map((e) => {
    const b = e.getBoundingClientRect();
    return b.right <= window.innerWidth && b.left >= 0 && b.height >= 44;
  }));
  assert.equal(days.length, 7, 'a week of days');
  assert.ok(days.every(Boolean), 'every day button on screen and at least 44 px tall (a finger)');
  await shot(page, 'doctor-phone', true);

  await page.goto(`${BASE}/index.php`);
  await page.waitForSelector('.priem-card');
  await assertPhoneLayout(page, 'the booking page');
  await shot(page, 'picker-phone', true);

  const slot = slotOf(await page.getAttribute('.priem-card .priem-slot', 'data-slot'));
  await openDialog(page, slot);
  await assertPhoneLayout(page, 'the dialog');
  assert.equal(await page.evaluate(() => document.documentElement.style.overflow), 'hidden', 'the page behind does not scroll');
  const form = { name: 'Лебедева Ирина', phone: '9057778899', comment: 'Нужна справка' };
  await fillForm(page, form);
  await page.evaluate(() => $priem.active().blur());
  await page.evaluate(() => $priem.one('.priem-dialog').scrollTo(0, 0));
  await shot(page, 'form-phone');
  await submit(page);
  const r = await resultOf(page);
  assert.deepEqual([r.kind, r.title], ['success', 'Вы записаны']);
  await assertPhoneLayout(page, 'the confirmation');
  await shot(page, 'confirmed-phone');
  await assertMisGot(slot, { name: form.name, phone: '79057778899', comment: form.comment });
  await closeAll();
});

test('keyboard only: Tab, arrows, Space and Enter book a time (Yekaterinburg) without a mouse', async () => {
  const doctor = FIX.doctors.keyboard;
  const page = await newPage(DESKTOP);
  await page.goto(`${BASE}/doctor.php?codes=${encodeURIComponent(doctor.codes)}`);
  await page.waitForSelector('.priem-open');
  const focused = () => page.evaluate(() => {
    const e = $priem.active();
    return { cls: e.className || '', name: e.name || '', date: e.getAttribute('data-date') || '', text: e.textContent.trim().slice(0, 40),
      slot: e.getAttribute('data-slot') || '', type: e.type || '', off: e.classList.contains('priem-day--off') };
  });
  async function tabTo(pred, what, key = 'Tab', max = 30) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press(key);
      const f = await focused();
      if (pred(f)) return f;
    }
    assert.fail(`${what} not reached with ${key}`);
  }
  await tabTo((f) => f.cls.includes('priem-open'), '«Выбрать дату и время»');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.priem-day');
  const day0 = await tabTo((f) => f.cls.includes('priem-day'), 'the day strip');
  assert.match(day0.cls, /priem-day--active/, 'Tab lands on the chosen day');
  // arrows move through the days (Sundays have no times), Space chooses
  let f = day0;
  do {
    await page.keyboard.press('ArrowRight');
    f = await focused();
  } while (f.off);
  assert.notEqual(f.date, day0.date, 'ArrowRight moved to another day');
  await page.keyboard.press('Space');
  await page.waitForFunction((d) => $priem.one('.priem-day--active')?.getAttribute('data-date') === d, f.date);
  const time = await tabTo((x) => x.cls.includes('priem-slot'), 'a time');
  const slot = slotOf(time.slot);
  assert.equal(slot.date, f.date, 'the times of the chosen day');
  await shot(page, 'keyboard-desktop');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.priem-dialog form');
  assert.equal((await focused()).name, 'name', 'the dialog opens with the focus in the first field');
  await page.keyboard.type('Соколова Дарья');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'phone');
  await page.keyboard.type('9221234567');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'comment');
  await page.keyboard.type('Записываюсь с клавиатуры');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'consent');
  await page.keyboard.press('Space');
  assert.ok(await page.isChecked('.priem-dialog [name=consent]'), 'Space ticks the consent');
  await tabTo((x) => x.type === 'submit', '«Записаться»');
  await page.keyboard.press('Enter');
  const r = await resultOf(page);
  assert.deepEqual([r.kind, r.title], ['success', 'Вы записаны']);
  assert.ok((await focused()).cls.includes('priem-result__title'), 'the focus moves to the result');
  await assertMisGot(slot, { name: 'Соколова Дарья', phone: '79221234567', comment: 'Записываюсь с клавиатуры' });
  // «Готово» by keyboard closes the dialog; the focus goes back into the widget
  await tabTo((x) => x.text === 'Готово', '«Готово»');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.priem-dialog', { state: 'detached' });
  assert.ok(await page.evaluate(() => !!document.activeElement.closest('.priem-widget')), 'the focus is back in the widget');
  await closeAll();
});
