// The booking widget's weight and speed on the running demo (bench/widget.sh starts it), and its
// look and accessibility there: prints each figure beside its target (issue 13 §4).
//
//   node bench/widget.mjs <demo URL> <the built priem.js> [<screenshots folder>]
//
// - weight: the scripts the package ships, raw and gzip -9: priem.js (with its styles inside), what
//   a page loads before its first times — the target is for it — and priem-dialog.js, the booking
//   dialog, which priem.js loads when the page is idle after them;
// - first times: a first visit (the browser running, its cache cleared and disabled) to the demo's
//   booking page; the time from the navigation's start until the first time button is in the
//   widget, and until it is painted (the next animation frame); RUNS runs, median and worst; the
//   requests the page made by then; and where the time went: the page's answer, the browser's
//   parsing (DOM interactive), the widget's script starting, the doctors' answer;
// - moving between days: on a doctor's page, every day of the strip and both arrows clicked —
//   the requests they cause (the whole window is loaded at once: 0);
// - axe-core on the booking page, a doctor's day strip and the open dialog: serious and critical
//   violations (the demo theme's own colours included);
// - screenshots (with a folder): the demo's booking and doctor pages, desktop 1280×900 and phone
//   390×844 (scrolled to the widget), with the demo's theme and with tests/browser/hostile.mjs on
//   top: demo-theme-*.png and demo-hostile-*.png.
// Uses playwright-core and axe-core from tests/browser/node_modules (tests/browser/run.sh installs them).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const need = createRequire(path.join(REPO, 'tests/browser/package.json'));
const { chromium } = need('playwright-core');
const AXE = need.resolve('axe-core/axe.min.js');
const { HOSTILE } = await import(path.join(REPO, 'tests/browser/hostile.mjs'));

const [base, script, shots] = process.argv.slice(2);
if (!base || !script) {
  console.error('usage: node bench/widget.mjs <demo URL> <priem.js> [<screenshots folder>]');
  process.exit(2);
}
const RUNS = Number(process.env.RUNS || 15);
const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const TARGET = { gzip: 12 * 1024, first: 150, moves: 0 };
let failed = 0;
const verdict = (ok) => { if (!ok) failed++; return ok ? 'ok' : 'MISSED'; };
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// ---- weight -------------------------------------------------------------------------------------
const size = (file) => { const code = fs.readFileSync(file); return [code.length, zlib.gzipSync(code, { level: 9 }).length]; };
const [raw, gz] = size(script);
const [dialogRaw, dialogGz] = size(script.replace(/priem\.js$/, 'priem-dialog.js'));
console.log(`weight: priem.js ${kb(raw)}, gzip ${kb(gz)} (styles inside: what the page loads before the first times) — `
  + `target ≤ ${kb(TARGET.gzip)} gzip: ${verdict(gz <= TARGET.gzip)}`);
console.log(`    priem-dialog.js ${kb(dialogRaw)}, gzip ${kb(dialogGz)} (the dialog, loaded when the page is idle after the first times); `
  + `both ${kb(gz + dialogGz)} gzip`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

/** Records, in the page, when the widget starts, when the first time button enters its shadow root and when it is painted. */
function watchFirstTimes() {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    window.__start = window.__start || performance.now();
    const root = attach.call(this, init);
    const seen = new MutationObserver(() => {
      if (window.__firstTimes || !root.querySelector('.priem-slot')) return;
      window.__firstTimes = performance.now();
      requestAnimationFrame(() => { window.__firstPaint = performance.now(); });
      seen.disconnect();
    });
    seen.observe(root, { childList: true, subtree: true });
    return root;
  };
}

// ---- first times on the booking page --------------------------------------------------------------
const firsts = [];
let requests = [];
{
  const ctx = await browser.newContext({ ...DESKTOP, locale: 'ru-RU' });
  await ctx.addInitScript(watchFirstTimes);
  for (let i = 0; i < RUNS + 1; i++) {
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const seen = [];
    page.on('request', (r) => seen.push(r.url().replace(base, '')));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.__firstPaint, null, { timeout: 20000 });
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const doctors = performance.getEntriesByType('resource').find((e) => e.name.includes('action=doctors'));
      return { dom: window.__firstTimes, paint: window.__firstPaint, page: nav.responseEnd, interactive: nav.domInteractive,
        start: window.__start, doctors: doctors ? doctors.responseEnd : NaN, n: performance.getEntriesByType('resource')
          .filter((e) => e.startTime < window.__firstTimes).length + 1 };
    });
    if (i > 0) { firsts.push(t); requests = seen.slice(0, t.n); } // the first run warms the site's PHP up
    await page.close();
  }
  await ctx.close();
}
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const med = (k) => q(firsts.map((t) => t[k]), 0.5).toFixed(0);
const paint = firsts.map((t) => t.paint);
console.log(`first times on the booking page (${RUNS} first visits): in the DOM median ${med('dom')} ms, `
  + `painted median ${med('paint')} ms, worst ${Math.max(...paint).toFixed(0)} ms — target ≤ ${TARGET.first} ms: ${verdict(q(paint, 0.5) <= TARGET.first)}`);
console.log(`    medians: the page's answer ${med('page')} ms, DOM interactive ${med('interactive')} ms, the widget's script starts `
  + `${med('start')} ms, the doctors' answer (preloaded) ${med('doctors')} ms`);
console.log(`    ${requests.length} requests by then: ${requests.join(', ')}`);

// ---- moving between the loaded days --------------------------------------------------------------
const ctx = await browser.newContext({ ...DESKTOP, locale: 'ru-RU' });
const page = await ctx.newPage();
await page.goto(`${base}/doctors/`);
const doctorUrl = new URL(await page.getAttribute('a.priem-doctor__link', 'href'), base).href;
await page.goto(doctorUrl);
const open = await page.$('.priem-open');
if (open) await open.click();
await page.waitForSelector('.priem-day');
let moves = 0;
page.on('request', () => { moves++; });
for (const arrow of ['next', 'prev']) {
  for (let i = 0; i < 7; i++) {
    const day = page.locator('.priem-day:not(.priem-day--off)').nth(i);
    if (await day.count()) await day.click();
  }
  const a = page.locator('.priem-strip__arrow').nth(arrow === 'next' ? 1 : 0);
  if (await a.isEnabled()) await a.click();
}
console.log(`moving between loaded days (every day of two weeks, both arrows): ${moves} requests — `
  + `target ${TARGET.moves}: ${verdict(moves === TARGET.moves)}`);

// ---- axe on the demo -------------------------------------------------------------------------------
async function axe(p, where) {
  await p.addScriptTag({ path: AXE });
  const v = await p.evaluate(async () => (await window.axe.run(document, {
    resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } },
  })).violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((x) => `${x.id}: ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`));
  console.log(`axe on the demo, ${where}: ${v.length} serious or critical — target 0: ${verdict(v.length === 0)}`);
  for (const line of v) console.log(`    ${line}`);
}
await axe(page, 'a doctor\'s page with the day strip');
await page.locator('.priem-slot:not([disabled])').first().click();
await page.waitForSelector('.priem-dialog form');
await axe(page, 'the open dialog');
await page.goto(`${base}/`);
await page.waitForSelector('.priem-card .priem-slot');
await axe(page, 'the booking page');
await ctx.close();

// ---- screenshots: the demo's theme and a hostile one ------------------------------------------------
if (shots) {
  for (const [device, options] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    for (const theme of ['theme', 'hostile']) {
      const c = await browser.newContext({ ...options, locale: 'ru-RU' });
      const p = await c.newPage();
      for (const [what, url] of [['booking', `${base}/`], ['doctor', doctorUrl]]) {
        await p.goto(url);
        if (theme === 'hostile') await p.addStyleTag({ content: HOSTILE });
        const more = await p.$('.priem-open');
        if (more) await more.click();
        await p.waitForSelector('.priem-widget .priem-slot');
        await p.mouse.move(0, 0);
        await p.waitForTimeout(300);
        // the window; on the phone scrolled to the widget's top (the page above it is long)
        if (device === 'phone') await p.evaluate(() => document.querySelector('.priem-widget').scrollIntoView({ block: 'start' }));
        const file = path.join(shots, `demo-${theme}-${what}-${device}.png`);
        await p.screenshot({ path: file });
        console.log(`screenshot ${path.relative(REPO, file)}`);
      }
      await c.close();
    }
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
