// Accessibility of the widget (run by tests/browser/run.sh against the real stack): axe-core (npm)
// on the booking page, a doctor's page with the day strip and times, and the open dialog, on the
// desktop and the phone: no serious or critical violation, colour contrast included. Then the
// keyboard: the times are one tab stop with arrow keys (a roving tabindex, like the days), and the
// focus ring stands out from the time it is on (≥ 3:1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { HERE, BASE, FIX, DESKTOP, PHONE, newPage, closeAll, openDoctor, firstFree, openDialog } from './helpers.mjs';

const AXE = path.join(HERE, 'node_modules/axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now (it reads open shadow roots). */
async function axe(page, where) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: AXE });
  // label-content-name-mismatch (WCAG 2.5.3) is one of axe's "experimental" rules, off unless asked for
  const options = { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } };
  const violations = await page.evaluate(async (options) => (await window.axe.run(document, options)).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`), options);
  assert.deepEqual(violations, [], `axe on ${where}`);
}

for (const device of [DESKTOP, PHONE]) {
  test(`axe (${device.name}): the booking page, a doctor's day strip and times, the dialog — no serious or critical violation`, async () => {
    const page = await newPage(device);
    await page.goto(`${BASE}/index.php`);
    await page.waitForSelector('.priem-card .priem-slot');
    await axe(page, 'the booking page');
    await page.click('.priem-card__more');
    await page.waitForSelector('.priem-card__schedule .priem-day');
    await axe(page, 'the booking page with a doctor\'s schedule open');

    await openDoctor(page, FIX.doctors.booking);
    await axe(page, 'a doctor\'s page with the day strip');
    await openDialog(page, await firstFree(page));
    await axe(page, 'the open dialog');
    await page.click('.priem-dialog button[type=submit]'); // empty: the field errors
    await page.waitForSelector('.priem-dialog [aria-invalid=true]');
    await axe(page, 'the dialog with field errors');
    await closeAll();
  });
}

/** The WCAG contrast ratio of two CSS colours (rgb()/rgba() over white). */
function contrast(a, b) {
  const rgb = (c) => {
    const [r, g, bl, al = 1] = c.match(/[\d.]+/g).map(Number);
    return [r, g, bl].map((v) => v * al + 255 * (1 - al));
  };
  const lum = (c) => {
    const [r, g, bl] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test('keyboard: the times are one tab stop moved through by arrows; the focus ring contrasts with the time', async () => {
  const page = await newPage(DESKTOP);
  await openDoctor(page, FIX.doctors.booking);
  const focused = () => page.evaluate(() => {
    const e = $priem.active();
    return { cls: e.className, slot: e.getAttribute('data-slot') || '', text: e.textContent.trim() };
  });
  const times = await page.$$eval('.priem-times .priem-slot', (els) => els.map((e) => ({
    slot: e.getAttribute('data-slot'), tab: e.tabIndex, top: Math.round(e.getBoundingClientRect().top), left: Math.round(e.getBoundingClientRect().left),
  })));
  assert.ok(times.length >= 6, `a day with times: ${times.length}`);
  assert.deepEqual(times.map((t) => t.tab), times.map((t, i) => (i === 0 ? 0 : -1)), 'one tab stop: the first free time');

  // Tab from the day strip («next days», after the days) lands on the first time; the arrows move; Tab leaves the times
  await page.focus('.priem-strip__arrow >> nth=1');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).slot, times[0].slot, 'Tab: the first free time');
  await page.keyboard.press('ArrowRight');
  assert.equal((await focused()).slot, times[1].slot, 'ArrowRight: the next time');
  await page.keyboard.press('End');
  assert.equal((await focused()).slot, times[times.length - 1].slot, 'End: the last time');
  await page.keyboard.press('Home');
  assert.equal((await focused()).slot, times[0].slot, 'Home: the first time');
  await page.keyboard.press('ArrowDown');
  const below = times.filter((t) => t.top > times[0].top).sort((a, b) => a.top - b.top || Math.abs(a.left - times[0].left) - Math.abs(b.left - times[0].left))[0];
  assert.equal((await focused()).slot, below.slot, 'ArrowDown: the time below');
  await page.keyboard.press('ArrowUp');
  assert.equal((await focused()).slot, times[0].slot, 'ArrowUp: back up');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.$eval(`[data-slot="${times[1].slot}"]`, (e) => e.tabIndex), 0, 'the tab stop follows the focus');

  // the ring of the focused time against the time's own fill and the panel around it
  const ring = await page.evaluate(() => {
    const e = $priem.active();
    const cs = getComputedStyle(e);
    let p = e.parentElement;
    while (p && getComputedStyle(p).backgroundColor === 'rgba(0, 0, 0, 0)') p = p.parentElement;
    return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor, fill: cs.backgroundColor,
      around: p ? getComputedStyle(p).backgroundColor : 'rgb(255, 255, 255)' };
  });
  assert.equal(ring.style, 'solid', `a visible focus ring: ${JSON.stringify(ring)}`);
  assert.ok(ring.width >= 2, `at least 2 px: ${ring.width}`);
  assert.ok(contrast(ring.color, ring.fill) >= 3, `ring ${ring.color} on the time's ${ring.fill}: ${contrast(ring.color, ring.fill).toFixed(2)}:1`);
  assert.ok(contrast(ring.color, ring.around) >= 3, `ring ${ring.color} on ${ring.around}: ${contrast(ring.color, ring.around).toFixed(2)}:1`);

  await page.keyboard.press('Tab');
  assert.ok(!(await focused()).cls.includes('priem-slot'), `Tab leaves the times: ${JSON.stringify(await focused())}`);
  await page.keyboard.press('Shift+Tab');
  assert.equal((await focused()).slot, times[1].slot, 'Shift+Tab comes back to the time last focused');
  await closeAll();
});
