// The shipped «Клиники» and «Врачи» lists and pages under a host page's own styles (run by
// tests/browser/run.sh; /cards.php renders the component files as NetCat does): on a real
// template they ran together as unstyled lines. Now: separate cards with room between them, the
// name a heading link, «Записаться на приём» a button, a placeholder for a doctor without a
// photo, the clinic's page offering the booking page with its clinic chosen — and nothing of the
// host page restyled. Screenshots: cards-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BASE, SHOTS, FIX, DESKTOP, PHONE, newPage, closeAll } from './helpers.mjs';
import { HOSTILE } from './hostile.mjs';

/** SQL on the test site's database (tests/browser/stack.php made it). */
function sql(query) {
  const { database } = JSON.parse(fs.readFileSync(process.env.PRIEM_STACK_CONFIG, 'utf8'));
  return execFileSync('mysql', ['--protocol=tcp', '-h127.0.0.1', '-uroot', '-N', '-B', database, '-e', query], { encoding: 'utf8' }).trim();
}

const save = (page, name) => page.screenshot({ path: path.join(SHOTS, `cards-${name}.png`), fullPage: true });

/** What the host page's own elements look like (the chrome's header and H1). */
const hostLook = (page) => page.evaluate(() => {
  const look = (e) => { const s = getComputedStyle(e); return [s.fontFamily, s.fontSize, s.color, s.margin, s.padding, s.background].join(' | '); };
  return { header: look(document.querySelector('header')), link: look(document.querySelector('header a')), h1: look(document.querySelector('h1')), body: look(document.body) };
});

for (const device of [DESKTOP, PHONE]) {
  test(`cards (${device.name}): the lists are cards with a heading link and a booking button; the host page keeps its look`, async () => {
    const table = `Message${sql("SELECT Class_ID FROM Class WHERE Keyword = 'priem_doctors'")}`;
    const doctor = FIX.doctors.booking;
    const page = await newPage(device);
    try {
      await page.goto(`${BASE}/index.php`);
      const host = await hostLook(page);
      // one doctor without a photo
      sql(`UPDATE ${table} SET Photo = '' WHERE MisCode = '${doctor.filial}:${doctor.code}'`);
      await page.goto(`${BASE}/cards.php?list=doctors`);
      await page.waitForLoadState('load');
      assert.deepEqual(await hostLook(page), host, 'the header, its link, the H1 and the body look as on a page without the cards');
      const cards = await page.evaluate(() => [...document.querySelectorAll('.priem-doctor')].map((c) => {
        const box = c.getBoundingClientRect();
        const s = getComputedStyle(c);
        const name = c.querySelector('.priem-doctor__name');
        const book = c.querySelector('.priem-doctor__book');
        const b = getComputedStyle(book);
        const photo = c.querySelector('.priem-doctor__photo, .priem-doctor__nophoto');
        return {
          box: [box.left, box.top, box.right, box.bottom], border: s.borderTopWidth, padding: parseFloat(s.paddingLeft),
          heading: name.tagName, link: !!name.querySelector('a[href*="id="]'),
          book: { width: book.getBoundingClientRect().width / box.width, bg: b.backgroundColor, padTop: parseFloat(b.paddingTop),
            padLeft: parseFloat(b.paddingLeft), deco: b.textDecorationLine },
          photo: photo && [photo.className, photo.getBoundingClientRect().width],
        };
      }));
      assert.equal(cards.length, Object.keys(FIX.doctors).length, 'every doctor');
      for (const c of cards) {
        assert.equal(c.heading, 'H2', 'the name is a heading');
        assert.ok(c.link, 'the name links to the doctor page');
        assert.ok(c.border !== '0px' && c.padding >= 12, `a card with a frame and room inside: ${JSON.stringify(c)}`);
        assert.ok(c.book.width < 0.9 && c.book.bg !== 'rgba(0, 0, 0, 0)' && c.book.padTop >= 6 && c.book.padLeft >= 12
          && c.book.deco === 'none', `«Записаться на приём» is a button: ${JSON.stringify(c.book)}`);
        assert.ok(c.photo && c.photo[1] >= 64, `a photo or a placeholder: ${JSON.stringify(c.photo)}`);
      }
      assert.equal(cards.filter((c) => c.photo[0] === 'priem-doctor__nophoto').length, 1, 'the doctor without a photo has the placeholder');
      // the cards do not touch or overlap: room between any two
      for (let i = 0; i < cards.length; i++) {
        for (let j = i + 1; j < cards.length; j++) {
          const [a, b] = [cards[i].box, cards[j].box];
          const gap = Math.max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3]);
          assert.ok(gap >= 8, `cards ${i} and ${j} ${gap} px apart`);
        }
      }
      if (device === DESKTOP) {
        // side by side at 1280, inside NetCat's own list container too
        assert.ok(await page.evaluate(() => !!document.querySelector('.priem-doctors > .tpl-block-list-objects > .priem-doctor')),
          'the records inside NetCat\'s list container, as the real core renders them');
        assert.ok(cards.filter((c) => Math.abs(c.box[1] - cards[0].box[1]) < 1).length >= 2, `two cards or more in a row: ${JSON.stringify(cards.map((c) => c.box))}`);
      }
      const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(width[0] <= width[1], `no sideways scroll: ${width}`);
      await save(page, `doctors-${device.name}`);
      // the doctor's page: the placeholder there too
      const id = sql(`SELECT Message_ID FROM ${table} WHERE MisCode = '${doctor.filial}:${doctor.code}'`);
      await page.goto(`${BASE}/cards.php?list=doctors&id=${id}`);
      const nophoto = await page.evaluate(() => document.querySelector('.priem-doctor--full .priem-doctor__nophoto')?.getBoundingClientRect().width);
      assert.ok(nophoto >= 96, `the doctor page's placeholder: ${nophoto}`);
      await save(page, `doctor-page-${device.name}`);

      await page.goto(`${BASE}/cards.php?list=clinics`);
      assert.deepEqual(await hostLook(page), host, 'the clinics list leaves the host page alone too');
      const clinics = await page.evaluate(() => [...document.querySelectorAll('.priem-clinic')].map((c) => ({
        heading: c.querySelector('.priem-clinic__name').tagName,
        book: c.querySelector('.priem-clinic__book')?.getAttribute('href'),
      })));
      assert.deepEqual(clinics.map((c) => c.heading), Object.keys(FIX.filials).map(() => 'H2'));
      assert.deepEqual(clinics.map((c) => c.book), Object.keys(FIX.filials).map((code) => `/?filial=${code}`),
        'each clinic books on the booking page with itself chosen');
      await save(page, `clinics-${device.name}`);
      // the clinic's page → «Записаться на приём» → the picker opens on that clinic
      await page.click('.priem-clinic:last-child .priem-clinic__link');
      await page.waitForSelector('.priem-clinic--full .priem-clinic__book');
      await save(page, `clinic-page-${device.name}`);
      const last = Object.keys(FIX.filials).at(-1);
      await page.click('.priem-clinic--full .priem-clinic__book');
      await page.waitForSelector('.priem-card');
      // the doctors (preloaded) may be shown before the list of clinics fills the select
      await page.waitForFunction(() => $priem.one('.priem-select')?.options.length > 0);
      const chosen = await page.evaluate(() => $priem.one('.priem-select').value);
      assert.equal(chosen, last, 'the booking page opens on the clinic');
    } finally {
      sql(`UPDATE ${table} SET Photo = CONCAT('/photos/', SUBSTRING_INDEX(MisCode, ':', -1), '.svg')`);
      await closeAll();
    }
  });
}

/**
 * The cards are laid out by cards.css, not in a shadow root: under the hostile theme the widget's
 * test uses (hostile.mjs: padded dashed `div`s with a min-width, uppercase serif on `*`, 24 px
 * headings with margins, wavy magenta links) they must stay readable — separate cards side by
 * side at 1280 px, the name whole, «Записаться на приём» a visible button inside its card.
 */
for (const device of [DESKTOP, PHONE]) {
  test(`cards under a hostile theme (${device.name}): side by side at 1280 px, names whole, the booking button visible`, async () => {
    const page = await newPage(device);
    try {
      await page.goto(`${BASE}/cards.php?list=doctors`);
      await page.addStyleTag({ content: HOSTILE });
      assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontFamily), 'Georgia, "DejaVu Serif", serif',
        'the hostile sheet is applied to the page');
      await page.waitForTimeout(100);
      await save(page, `doctors-hostile-${device.name}`);
      const cards = await page.evaluate(() => [...document.querySelectorAll('.priem-doctor')].map((c) => {
        const box = c.getBoundingClientRect();
        const name = c.querySelector('.priem-doctor__name a');
        const book = c.querySelector('.priem-doctor__book');
        const bb = book && book.getBoundingClientRect();
        const bs = book && getComputedStyle(book);
        return {
          box: [box.left, box.top, box.right, box.bottom],
          name: name.textContent.trim(), nameWhole: name.scrollWidth <= name.getBoundingClientRect().width + 1,
          nameWidth: name.getBoundingClientRect().width,
          book: book && { box: [bb.left, bb.top, bb.right, bb.bottom], bg: bs.backgroundColor, color: bs.color,
            visibility: bs.visibility, opacity: bs.opacity, text: book.textContent.trim() },
        };
      }));
      assert.equal(cards.length, Object.keys(FIX.doctors).length, 'every doctor');
      for (const c of cards) {
        assert.ok(c.nameWhole && c.nameWidth > 40, `the name fits its card: ${JSON.stringify(c)}`);
        assert.ok(c.book, `a booking button: ${JSON.stringify(c)}`);
        const [l, t, r, b] = c.book.box;
        assert.ok(r - l >= 60 && b - t >= 20, `the button has a size: ${JSON.stringify(c.book)}`);
        assert.ok(l >= c.box[0] && r <= c.box[2] + 0.5 && b <= c.box[3] + 0.5, `the button inside its card: ${JSON.stringify(c)}`);
        assert.ok(r <= device.viewport.width, `the button on the screen: ${JSON.stringify(c.book)}`);
        assert.ok(c.book.visibility === 'visible' && c.book.opacity === '1' && c.book.bg !== 'rgba(0, 0, 0, 0)'
          && c.book.bg !== c.book.color, `the button reads as one: ${JSON.stringify(c.book)}`);
      }
      for (let i = 0; i < cards.length; i++) {
        for (let j = i + 1; j < cards.length; j++) {
          const [a, b] = [cards[i].box, cards[j].box];
          const gap = Math.max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3]);
          assert.ok(gap >= 8, `cards ${i} and ${j} ${gap} px apart`);
        }
      }
      if (device === DESKTOP) {
        assert.ok(cards.filter((c) => Math.abs(c.box[1] - cards[0].box[1]) < 1).length >= 2,
          `two cards or more in a row: ${JSON.stringify(cards.map((c) => c.box))}`);
      }
      const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(width[0] <= width[1], `no sideways scroll: ${width}`);
    } finally {
      await closeAll();
    }
  });
}
