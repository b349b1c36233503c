// The layout a design review asked for (issue 13 §3), on the desktop and the phone (run by
// tests/browser/run.sh against the real stack): the widget fills its card, the clinic's phone is
// near the top, a long clinic name ends in «…», dates do not break between the day and the month,
// a doctor card's times fill whole rows, the taken times are not shown; the optional card fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BASE, FIX, DESKTOP, PHONE, newPage, closeAll, openDoctor, firstFree, openDialog } from './helpers.mjs';

// tests/browser/stack.php: every working day has these times taken in the MIS
const TAKEN = ['09:30', '14:30'];

for (const device of [DESKTOP, PHONE]) {
  test(`layout (${device.name}): the booking page and a doctor's schedule`, async () => {
    const page = await newPage(device);
    const requests = [];
    page.on('request', (r) => requests.push(r.url().replace(BASE, '')));
    await page.goto(`${BASE}/index.php`);
    await page.waitForSelector('.priem-card .priem-slot');
    // the first clinic's doctors come once: the page's preload is what the widget uses; the
    // dialog's script comes after the times, when the page is idle
    assert.deepEqual(requests.filter((u) => u.includes('action=doctors')),
      [`/netcat/modules/priem/api.php?action=doctors&filial=${FIX.doctors.booking.filial}&times=8`], 'one request for the doctors');
    if (!requests.some((u) => u.includes('priem-dialog.js'))) await page.waitForRequest((r) => r.url().includes('/widget/priem-dialog.js?v='));
    const order = (part) => requests.findIndex((u) => u.includes(part));
    assert.ok(order('priem-dialog.js') > order('action=doctors'), `the dialog's script after the doctors: ${requests}`);
    const picker = await page.evaluate(() => {
      const host = document.querySelector('.priem-widget');
      const parent = getComputedStyle(host.parentElement);
      const box = (e) => e.getBoundingClientRect();
      const select = getComputedStyle($priem.one('.priem-select'));
      return {
        width: box(host).width,
        room: host.parentElement.clientWidth - parseFloat(parent.paddingLeft) - parseFloat(parent.paddingRight),
        phones: $priem.all('.priem-phone__link').map((e) => box(e).top),
        firstCard: box($priem.one('.priem-card')).top,
        select: [select.textOverflow, select.whiteSpace],
        when: $priem.all('.priem-card__when strong').map((e) => e.textContent),
        cards: $priem.all('.priem-card .priem-slots').map((g) => [...g.children].map((b) => [Math.round(box(b).left), Math.round(box(b).top)])),
      };
    });
    assert.ok(Math.abs(picker.width - picker.room) < 1, `the widget fills its card: ${picker.width} of ${picker.room} px`);
    assert.ok(picker.phones.length >= 2 && picker.phones[0] < picker.firstCard, `the phone above the doctors too: ${JSON.stringify(picker)}`);
    assert.deepEqual(picker.select, ['ellipsis', 'nowrap'], `a long clinic ends in «…»: ${picker.select}`);
    assert.ok(picker.when.length && picker.when.every((w) => /^[а-я]{2}, \d{1,2}\u00a0[а-я]+$/.test(w)), `«пт, 4 декабря» with a no-break space: ${picker.when}`);
    for (const times of picker.cards) {
      const rows = new Map();
      for (const [left, top] of times) rows.set(top, [...(rows.get(top) || []), left]);
      // 8, or 4 when the booking tests took some of that day (fewer than 4 are shown as they are)
      assert.ok(times.length >= 4 && [...rows.values()].every((r) => r.length === 4),
        `a card's times in whole rows of four: ${JSON.stringify([...rows.values()])}`);
    }

    await openDoctor(page, FIX.doctors.booking);
    const doctor = await page.evaluate(() => {
      const box = (e) => e.getBoundingClientRect();
      return {
        widget: box(document.querySelector('.priem-widget')).width,
        panel: box($priem.one('.priem-panel')).width,
        free: Number($priem.one('.priem-day--active .priem-day__free').firstChild.textContent),
        times: $priem.all('.priem-times .priem-slot').map((e) => e.textContent),
        place: $priem.one('.priem-place').textContent,
        range: $priem.one('.priem-strip__range').textContent,
      };
    });
    assert.ok(Math.abs(doctor.panel - doctor.widget) < 1, `the schedule takes the widget's width: ${doctor.panel} of ${doctor.widget}`);
    assert.equal(doctor.times.length, doctor.free, `only the free times, as many as the day says: ${doctor.times}`);
    assert.ok(!doctor.times.some((t) => TAKEN.includes(t)), `no taken time shown: ${doctor.times}`);
    assert.ok(doctor.place.includes(FIX.filials[FIX.doctors.booking.filial].phone), `the phone with the clinic: ${doctor.place}`);
    assert.match(doctor.range, /^\d{1,2}(\u00a0[а-я]+)?\u00a0– \d{1,2}\u00a0[а-я]+$/, `the week's range keeps its parts together: ${doctor.range}`);
    await closeAll();
  });
}

/** SQL on the test site's database (tests/browser/stack.php made it). */
function sql(query) {
  const { database } = JSON.parse(fs.readFileSync(process.env.PRIEM_STACK_CONFIG, 'utf8'));
  return execFileSync('mysql', ['--protocol=tcp', '-h127.0.0.1', '-uroot', '-N', '-B', database, '-e', query], { encoding: 'utf8' }).trim();
}

test('the optional card fields: a clinic\'s metro and patients\' ages, shown where filled', async () => {
  // the shipped clinic component's optional fields, as ProDoctorov's cards have them
  const table = `Message${sql("SELECT Class_ID FROM Class WHERE Keyword = 'priem_clinics'")}`;
  const doctor = FIX.doctors.mis_down;
  try {
    sql(`UPDATE ${table} SET Metro = 'м. Проспект Мира', Ages = 'от 18 лет' WHERE MisCode = '${doctor.filial}'`);
    const page = await newPage(DESKTOP);
    await openDoctor(page, doctor);
    const place = await page.textContent('.priem-place');
    assert.ok(place.includes('проспект Мира, 48, м. Проспект Мира'), `the metro after the address: ${place}`);
    assert.ok(place.includes('Возраст пациентов: от 18 лет'), `the ages: ${place}`);
    await openDialog(page, await firstFree(page));
    const summary = await page.textContent('.priem-summary');
    assert.ok(summary.includes('м. Проспект Мира') && summary.includes('от 18 лет'), `in the dialog: ${summary}`);
    await page.goto(`${BASE}/index.php`);
    await page.waitForSelector('.priem-card');
    assert.ok(!(await page.textContent('.priem-list')).includes('Возраст'), 'not where the card has none (filial 1)');
    await closeAll();
  } finally {
    sql(`UPDATE ${table} SET Metro = NULL, Ages = NULL`);
  }
});
