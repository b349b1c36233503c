// The widget under a hostile host theme (run by tests/browser/run.sh against the real stack).
//
// A clinic's site theme is out of our hands. NetCat 6.4's default template styles every element
// globally — `button:not(.owl-dot, .owl-next, .owl-prev, .fancybox-button) { … red, 18px, padding
// 12px 24px … }` outweighs a single class — and other themes do the same with `*`, `div`, `span`,
// `input`, headings. HOSTILE (hostile.mjs) is a sheet of such rules (our own, written for this). The
// widget and its dialog draw in shadow roots, so each of their controls must compute exactly the
// same styles and size under it as under the plain page, and no button text may be clipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, FIX, DESKTOP, PHONE, newPage, closeAll, shot, firstFree, openDialog } from './helpers.mjs';
import { HOSTILE } from './hostile.mjs';


const PROPS = ['color', 'backgroundColor', 'fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'lineHeight', 'letterSpacing',
  'textTransform', 'textAlign', 'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'borderTopWidth', 'borderTopStyle',
  'borderTopColor', 'borderRadius', 'minWidth', 'opacity', 'width', 'height'];

/** The computed styles and size of each named control (a selector inside the widget or its dialog). */
async function measure(page, what) {
  await page.mouse.move(0, 0); // no hover
  await page.waitForTimeout(300); // past the widget's colour transitions
  return page.evaluate(({ what, props }) => {
    const out = {};
    for (const [name, sel] of Object.entries(what)) {
      const el = $priem.one(sel);
      if (!el) { out[name] = 'missing'; continue; }
      const cs = getComputedStyle(el);
      out[name] = Object.fromEntries(props.map((p) => [p, cs[p]]));
    }
    return out;
  }, { what, props: PROPS });
}

/** Buttons, fields and labels of the widget and the dialog whose text does not fit their box. */
function clipped(page) {
  return page.evaluate(() => $priem.all('button, select, input:not([type=checkbox]), .priem-day__date, .priem-slot')
    .filter((e) => e.offsetWidth > 0 && !e.closest('.priem-hp'))
    .filter((e) => e.scrollWidth > e.clientWidth + 0.5 || e.scrollHeight > e.clientHeight + 0.5)
    .map((e) => `${e.className || e.name}: «${(e.textContent || e.value).trim()}» ${e.scrollWidth}×${e.scrollHeight} in ${e.clientWidth}×${e.clientHeight}`));
}

/**
 * Gives the widget's container the same box in both themes (the hostile `div` and `*` rules change
 * the page's own containers, which is not the widget's business), so sizes can be compared.
 */
function pinContainer(page, width) {
  return page.evaluate((width) => {
    const parent = document.querySelector('.priem-widget').parentElement;
    parent.style.cssText = `width:${width}px!important;padding:0!important;margin:0!important;border:0!important;min-width:0!important;box-sizing:content-box!important`;
  }, width);
}

const PAGE_CONTROLS = {
  'a time': '.priem-slot',
  'the chosen day': '.priem-day--active',
  'another day': '.priem-day:not(.priem-day--active):not(.priem-day--off)',
  'a day without times': '.priem-day--off',
  'the day arrow': '.priem-strip__arrow:not([disabled])',
  'the open button': '.priem-open',
  'the range title': '.priem-strip__range',
  'the phone link': '.priem-phone__link',
};
const DIALOG_CONTROLS = {
  'the dialog': '.priem-dialog__window',
  'the dialog title': '.priem-dialog__title',
  'the close cross': '.priem-dialog__close',
  'the name field': '.priem-dialog [name=name]',
  'the comment field': '.priem-dialog [name=comment]',
  'the submit button': '.priem-dialog button[type=submit]',
  'a summary label': '.priem-summary__row dt',
};
const PICKER_CONTROLS = {
  'the clinic select': '.priem-select',
  'a card time': '.priem-card .priem-slot',
  'the card\'s «Все даты и время»': '.priem-card__more',
  'a doctor name': '.priem-card__name',
};

/** A doctor's page with the times shown and then the dialog, with the hostile sheet or without. */
async function doctorPage(device, hostile) {
  const doctor = FIX.doctors.keyboard;
  const page = await newPage(device);
  await page.goto(`${BASE}/doctor.php?codes=${encodeURIComponent(doctor.codes)}`);
  if (hostile) await page.addStyleTag({ content: HOSTILE });
  await page.click('.priem-open');
  await page.waitForSelector('.priem-widget .priem-slot');
  return page;
}

for (const device of [DESKTOP, PHONE]) {
  test(`a hostile theme (${device.name}): the day strip, the times, the dialog and the booking page look the same`, async () => {
    const width = device === PHONE ? 340 : 760;
    const plain = await doctorPage(device, false);
    const hostile = await doctorPage(device, true);
    assert.equal(await hostile.evaluate(() => getComputedStyle(document.body).fontFamily), 'Georgia, "DejaVu Serif", serif',
      'the hostile sheet is applied to the page');
    assert.equal(await hostile.evaluate(() => getComputedStyle(document.querySelector('.priem-widget')).paddingTop), '0px',
      'rules aimed at the widget\'s own element do not get through');

    // the pages as a visitor sees them: the same widget, only the page around it differs
    await shot(plain, `theme-plain-${device.name}`, device === PHONE);
    await shot(hostile, `theme-hostile-${device.name}`, device === PHONE);
    assert.deepEqual(await clipped(hostile), [], 'no clipped text in the widget under the hostile theme');

    const slot = await firstFree(plain);
    for (const p of [plain, hostile]) await openDialog(p, slot);
    await shot(hostile, `theme-hostile-dialog-${device.name}`);
    assert.deepEqual(await clipped(hostile), [], 'no clipped text in the dialog under the hostile theme');
    assert.deepEqual(await measure(hostile, DIALOG_CONTROLS), await measure(plain, DIALOG_CONTROLS), 'the dialog is the same');

    for (const p of [plain, hostile]) {
      await p.keyboard.press('Escape');
      await p.waitForSelector('.priem-dialog', { state: 'detached' });
      await pinContainer(p, width);
    }
    assert.deepEqual(await measure(hostile, PAGE_CONTROLS), await measure(plain, PAGE_CONTROLS), 'the widget is the same');

    for (const p of [plain, hostile]) {
      await p.goto(`${BASE}/index.php`);
      if (p === hostile) await p.addStyleTag({ content: HOSTILE });
      await p.waitForSelector('.priem-card .priem-slot');
    }
    assert.deepEqual(await clipped(hostile), [], 'no clipped text on the booking page under the hostile theme');
    await shot(hostile, `theme-hostile-picker-${device.name}`);
    for (const p of [plain, hostile]) await pinContainer(p, width);
    assert.deepEqual(await measure(hostile, PICKER_CONTROLS), await measure(plain, PICKER_CONTROLS), 'the booking page is the same');
    await closeAll();
  });
}
