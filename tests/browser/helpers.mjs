// Shared by the browser tests (run by tests/browser/run.sh against the real stack): the browser,
// pages on the desktop and the phone, and the steps of a booking in the widget.
//
// Environment (run.sh sets it): PRIEM_BASE_URL, PRIEM_FIXTURE, PRIEM_SHOTS (screenshots folder), CHROMIUM.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BASE = process.env.PRIEM_BASE_URL;
export const SHOTS = process.env.PRIEM_SHOTS || path.join(HERE, '../../docs/screenshots');
export const FIX = JSON.parse(fs.readFileSync(process.env.PRIEM_FIXTURE, 'utf8'));
export const DESKTOP = { name: 'desktop', viewport: { width: 1280, height: 900 } };
export const PHONE = { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const RESULT = 15000; // ms to wait for the answer of a booking (the widget waits out the 1 s minimum itself)

let browser;
const contexts = [];
const pageErrors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
});

function deepQueries() {
  const roots = () => [...document.querySelectorAll('.priem-widget, .priem-dialog-host')].map((h) => h.shadowRoot).filter(Boolean);
  window.$priem = {
    all: (sel) => roots().flatMap((r) => [...r.querySelectorAll(sel)]),
    one: (sel) => window.$priem.all(sel)[0] || null,
    active: () => {
      let e = document.activeElement;
      while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
      return e;
    },
  };
}

export async function newPage(device) {
  const { name, ...options } = device;
  const ctx = await browser.newContext({ ...options, locale: 'ru-RU' });
  await ctx.addInitScript(deepQueries);
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
  // 409 and 422 are answers the widget expects; a test that breaks the API on purpose sets page.failedLoadsExpected
  page.on('console', (m) => {
    if (m.type() !== 'error' || /Failed to load resource: the server responded with a status of (409|422)/.test(m.text())) return;
    if (page.failedLoadsExpected && /Failed to load resource/.test(m.text())) return;
    pageErrors.push(`${name} console: ${m.text()}`);
  });
  page.bookPosts = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('action=book')) page.bookPosts++; });
  return page;
}

export async function closeAll() {
  while (contexts.length) await contexts.pop().close();
  assert.deepEqual(pageErrors.splice(0), [], 'no script errors in the pages');
}

export async function shot(page, name, fullPage = false) {
  await page.waitForTimeout(200); // past the widget's colour transitions
  await page.screenshot({ path: path.join(SHOTS, `widget-${name}.png`), fullPage });
}

/** "filial|doctor|date|time" of a time button → its parts. */
export function slotOf(dataSlot) {
  const [filial, doctor, date, time] = dataSlot.split('|');
  return { filial, doctor, date, time, dataSlot };
}

/** The doctor's card page, the widget opened («Выбрать дату и время»). */
export async function openDoctor(page, doctor) {
  await page.goto(`${BASE}/doctor.php?codes=${encodeURIComponent(doctor.codes)}`);
  await page.click('.priem-open');
  await page.waitForSelector('.priem-widget .priem-slot');
}

export async function firstFree(page) {
  return slotOf(await page.getAttribute('.priem-widget .priem-slot', 'data-slot'));
}

export async function openDialog(page, slot) {
  await page.click(`.priem-widget [data-slot="${slot.dataSlot}"]`);
  await page.waitForSelector('.priem-dialog form');
}

export async function fillForm(page, { name, phone, comment = '' }) {
  await page.fill('.priem-dialog [name=name]', name);
  await page.click('.priem-dialog [name=phone]');
  await page.keyboard.type(phone); // through the +7 (___) ___-__-__ mask
  if (comment) await page.fill('.priem-dialog [name=comment]', comment);
  await page.check('.priem-dialog [name=consent]');
}

export const submit = (page) => page.click('.priem-dialog button[type=submit]');

export async function resultOf(page) {
  const el = await page.waitForSelector('.priem-result', { timeout: RESULT });
  return { kind: (await el.getAttribute('class')).match(/priem-result--(\w+)/)[1], title: await page.textContent('.priem-result__title') };
}

/** The phone layout: nothing wider than the screen; the dialog, when open, takes the whole screen. */
export async function assertPhoneLayout(page, what) {
  const r = await page.evaluate(() => {
    const vw = window.innerWidth;
    const wide = $priem.all('*').filter((e) => {
      if (e.closest('.priem-hp, .priem-sr')) return false; // the honeypot (off-screen on purpose), screen-reader text
      const b = e.getBoundingClientRect();
      return b.width > 0 && (b.right > vw + 0.5 || b.left < -0.5);
    }).map((e) => e.className || e.tagName);
    const w = $priem.one('.priem-dialog__window');
    const box = w && w.getBoundingClientRect();
    return {
      scrollWidth: document.scrollingElement.scrollWidth, vw, vh: window.innerHeight, wide: wide.slice(0, 5),
      dialog: box && { x: box.x, y: box.y, width: box.width, height: box.height },
      overlay: w && (({ x, y, width, height }) => ({ x, y, width, height }))($priem.one('.priem-dialog').getBoundingClientRect()),
    };
  });
  assert.equal(r.vw, 390, 'a 390 px wide viewport');
  assert.ok(r.scrollWidth <= 390, `${what}: the page does not scroll sideways (scrollWidth ${r.scrollWidth})`);
  assert.deepEqual(r.wide, [], `${what}: no element of the widget sticks out of the screen`);
  if (r.dialog) {
    // the window covers the whole screen (it scrolls inside the fixed overlay when it is taller)
    assert.ok(Math.abs(r.dialog.x) < 1 && Math.abs(r.dialog.width - 390) < 1 && r.dialog.y <= 0.5 && r.dialog.y + r.dialog.height >= r.vh - 1,
      `${what}: the dialog is full-screen (${JSON.stringify(r.dialog)})`);
    assert.deepEqual(r.overlay, { x: 0, y: 0, width: 390, height: r.vh }, `${what}: the dialog layer covers the screen`);
  }
}
