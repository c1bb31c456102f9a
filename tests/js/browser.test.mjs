// The extension and the WebAssembly build in headless Chromium, on the fixture pages
// (tests/fixtures/extension, served on 127.0.0.1 by server.mjs): badges, labels, hover
// reasons, dimming and the unsure threshold, the correction flow (stored, surviving a
// browser restart, exported as CSV that `pitchsift-train --update` turns into the same
// model bytes as the in-browser update, reset), the network log (nothing but the
// fixture's own two files), and native/WebAssembly parity on the test split.
// Needs scripts/build-extension.sh --test, cargo build --release, and chromium
// (CHROMIUM=/path to override /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, bin, run, assertSameJsonl } from './common.mjs';
import { serve } from './server.mjs';
import { rustJsonF64 } from '../../js/rustfmt.mjs';

const require = createRequire(`${root}extension/package.json`);
const puppeteer = (await import(require.resolve('puppeteer-core'))).default;

const extDir = realpathSync(`${root}dist/extension-test`);
// Chromium's id for an unpacked extension: the SHA-256 of its path, hex digits as a-p.
const extId = [...createHash('sha256').update(extDir).digest('hex').slice(0, 32)]
  .map((c) => String.fromCharCode(97 + parseInt(c, 16)))
  .join('');
const profile = mkdtempSync(join(tmpdir(), 'pitchsift-chromium-'));
const downloads = mkdtempSync(join(tmpdir(), 'pitchsift-downloads-'));
let origin;
let server;
let browser;
const requests = []; // every request any page made: { page, url, phase }
let phase = 'load';

async function launch() {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--no-sandbox',
      `--disable-extensions-except=${extDir}`,
      `--load-extension=${extDir}`,
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // The extension's background (service worker) is logged too.
  const watch = async (t) => {
    if (!['service_worker', 'background_page'].includes(t.type())) return;
    const cdp = await t.createCDPSession().catch(() => null);
    if (!cdp) return;
    await cdp.send('Network.enable').catch(() => {});
    // A service worker's (re)start loads its own scripts (Chromium may stop an idle worker
    // and start it again at any time): that is the worker starting, not a request made
    // by classifying, so it is logged in a phase of its own; anything else it asks for
    // keeps the page phase.
    const { background } = JSON.parse(readFileSync(join(extDir, 'manifest.json'), 'utf8'));
    const start = new Set([...background.scripts, background.service_worker]
      .map((f) => `chrome-extension://${extId}/${f}`));
    cdp.on('Network.requestWillBeSent', (e) => requests.push({
      page: 'background',
      url: e.request.url,
      phase: start.has(e.request.url) ? 'worker-start' : phase,
    }));
  };
  browser.on('targetcreated', watch);
  await Promise.all(browser.targets().map(watch));
}

/** A page whose every request is logged through the DevTools protocol (Network domain),
 * from before it navigates. */
async function open(url) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1180, height: 720 });
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.requestWillBeSent', (e) => requests.push({ page: url, url: e.request.url, phase }));
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads }).catch(() => {});
  page.on('dialog', (d) => d.accept());
  phase = 'load';
  await page.goto(url, { waitUntil: 'load' });
  phase = 'after-load';
  return page;
}

async function ready(page) {
  await page.waitForFunction(() => document.documentElement.dataset.pitchsiftReady === '1', { timeout: 30000 });
}

const badges = (page) =>
  page.$$eval('.pitchsift-badge', (bs) =>
    bs.map((b) => ({
      label: b.dataset.pitchsiftLabel,
      predicted: b.dataset.pitchsiftPredicted,
      text: b.querySelector('.pitchsift-name').textContent,
      item: b.closest('[data-pitchsift-key]')?.className ?? '',
    })),
  );

/** Wait until `fn()` (in the page) is true. */
// Polled on a timer, not on animation frames: a page behind another tab (the options page
// in front) gets no animation frames, so frame polling would never see it change.
const until = (page, fn, arg) => page.waitForFunction(fn, { timeout: 20000, polling: 100 }, arg);

async function options() {
  const page = await open(`chrome-extension://${extId}/options.html`);
  await until(page, () => document.querySelectorAll('tr.label').length > 0);
  return page;
}

before(async () => {
  assert.ok(existsSync(`${extDir}/manifest.json`), 'run scripts/build-extension.sh --test first');
  ({ server, origin } = await serve());
  await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(downloads, { recursive: true, force: true });
});

test('messaging page: a badge on each conversation and each opened message', async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  const got = await badges(page);
  assert.deepEqual(
    got.map((b) => b.label),
    ['sales', 'recruiting', 'opportunity', 'networking', 'scam', 'scam'],
  );
  assert.ok(got.every((b) => /^\w+ \d+%$/.test(b.text)), JSON.stringify(got));
  // Hovering shows the reasons.
  const first = await page.$('.msg-s-event-listitem .pitchsift-badge');
  assert.equal(await first.$eval('.pitchsift-reasons', (e) => getComputedStyle(e).display), 'none');
  await first.hover();
  const why = await first.$eval('.pitchsift-reasons', (e) => [getComputedStyle(e).display, e.textContent]);
  assert.equal(why[0], 'block');
  assert.match(why[1], /^scam \d+%: why not networking\n.+ \+\d+\.\d\d\n/);
  assert.match(why[1], /passport|full name|keep/);
  await page.screenshot({ path: `${root}docs/extension.png`, clip: { x: 0, y: 0, width: 1180, height: 470 } });
  // A conversation added later is labelled too (MutationObserver, debounced).
  await page.evaluate(() => {
    const li = document.querySelector('li.msg-conversation-listitem').cloneNode(true);
    li.removeAttribute('data-pitchsift-key');
    li.querySelector('.pitchsift-badge')?.remove();
    li.querySelector('.msg-conversation-card__message-snippet-body').textContent =
      'Hello, we are hiring a product designer in Berlin, would you be open to an interview?';
    document.querySelector('.msg-conversations-container__conversations-list').append(li);
  });
  await until(page, () => document.querySelectorAll('.pitchsift-badge').length === 7);
  assert.equal((await badges(page)).filter((b) => b.label === 'recruiting').length, 2);
  await page.close();
});

test('invitation manager: notes are labelled, an invitation without a note is left alone', async () => {
  const page = await open(`${origin}/mynetwork/invitation-manager/`);
  await ready(page);
  const got = await badges(page);
  assert.deepEqual(got.map((b) => b.label), ['sales', 'networking']);
  assert.equal(await page.$$eval('li.invitation-card', (l) => l.length), 3);
  await page.close();
});

test('a badge opens its correction menu from the keyboard, as it says it is a button', async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  const url = page.url();
  // Tab reaches the badge (role=button, tabIndex 0); Enter opens the menu (nothing did: a
  // keyboard user could read the reasons but never correct a label), its first choice
  // focused; the conversation's link underneath is not followed.
  await page.focus('.msg-conversation-listitem .pitchsift-badge');
  await page.keyboard.press('Enter');
  await until(page, () => document.querySelectorAll('.pitchsift-menu').length === 1);
  const focused = await page.evaluate(() => [
    document.activeElement.closest('.pitchsift-menu') !== null,
    document.activeElement.dataset.pitchsiftChoice,
  ]);
  assert.deepEqual(focused, [true, 'networking']);
  assert.equal(page.url(), url);
  // Closed by a click elsewhere, then Space opens it again.
  await page.mouse.click(900, 700);
  await until(page, () => document.querySelectorAll('.pitchsift-menu').length === 0);
  await page.focus('.msg-s-event-listitem .pitchsift-badge');
  await page.keyboard.press('Space');
  await until(page, () => document.querySelectorAll('.pitchsift-menu').length === 1);
  assert.equal(page.url(), url);
  await page.close();
});

test('a page with none of the selectors is left as it was', async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  // Remove everything the selectors look for: no error, no badge, the page still works.
  await page.evaluate(() => {
    document.querySelector('.msg-messaging-container').innerHTML = '<p id="empty">nothing here</p>';
  });
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await page.$$eval('.pitchsift-badge', (b) => b.length), 0);
  assert.equal(await page.$eval('#empty', (e) => e.textContent), 'nothing here');
  await page.close();
});

test('options: threshold (unsure), dimming and this week\'s counts', async () => {
  const opts = await options();
  const seen = await opts.$$eval('tr.label', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.label, Number(r.querySelector('.seen').textContent)])),
  );
  // Messaging (7 distinct texts) and invitations (2): each counted once this week.
  assert.deepEqual(seen, { networking: 2, opportunity: 1, recruiting: 2, sales: 2, scam: 2, unsure: 0 });
  await opts.$eval('#threshold', (e) => {
    e.value = '0.99';
    e.dispatchEvent(new Event('change'));
  });
  await new Promise((r) => setTimeout(r, 200));
  // An emptied field or a value outside 0..1 is not saved (an empty field used to save 0:
  // nothing unsure); the field shows the threshold in force again.
  for (const bad of ['', '1.5', '-0.2']) {
    await opts.$eval('#threshold', (e, v) => {
      e.value = v;
      e.dispatchEvent(new Event('change'));
    }, bad);
    await until(opts, () => document.querySelector('#threshold').value === '0.99');
  }
  await opts.$eval('input[name="dim-opportunity"]', (e) => e.click());
  await new Promise((r) => setTimeout(r, 300));
  const inv = await open(`${origin}/mynetwork/invitation-manager/`);
  await ready(inv);
  // The sales note is below 0.99: unsure.
  assert.deepEqual((await badges(inv)).map((b) => b.label), ['unsure', 'networking']);
  const msg = await open(`${origin}/messaging/`);
  await ready(msg);
  const dimmed = await msg.$$eval('.pitchsift-dim .pitchsift-badge', (b) => b.map((x) => x.dataset.pitchsiftLabel));
  assert.deepEqual(dimmed, ['opportunity']);
  // Back to the defaults.
  await opts.$eval('#threshold', (e) => {
    e.value = '0.6';
    e.dispatchEvent(new Event('change'));
  });
  await new Promise((r) => setTimeout(r, 200));
  await opts.$eval('input[name="dim-opportunity"]', (e) => e.click());
  await Promise.all([opts.close(), inv.close(), msg.close()]);
});

test('corrections: stored, survive a restart, export to the same model as pitchsift-train --update, reset', async () => {
  let page = await open(`${origin}/messaging/`);
  await ready(page);
  // Correct the second message (scam) to networking, and the first conversation to opportunity.
  const pick = async (selector, label) => {
    await page.click(`${selector} .pitchsift-badge`);
    await page.click(`.pitchsift-menu button[data-pitchsift-choice="${label}"]`);
    await until(page, ([s, l]) => document.querySelector(`${s} .pitchsift-badge`)?.dataset.pitchsiftLabel === l, [selector, label]);
  };
  await pick('li.msg-s-message-list__event:nth-child(2)', 'networking');
  await pick('li.msg-conversation-listitem:nth-child(1)', 'opportunity');
  assert.equal(await page.$eval('li.msg-s-message-list__event:nth-child(2) .pitchsift-name', (e) => e.textContent), 'networking ✓');

  // A browser restart keeps them.
  await browser.close();
  await launch();
  page = await open(`${origin}/messaging/`);
  await ready(page);
  const got = await badges(page);
  assert.equal(got[0].text, 'opportunity ✓');
  assert.equal(got[5].text, 'networking ✓');
  const opts = await options();
  assert.equal(await opts.$eval('#n-corrections', (e) => e.textContent), '2');

  // Export: the CSV, and the model with the corrections folded in (in WebAssembly).
  await opts.click('#export');
  await opts.click('#model');
  const csv = join(downloads, 'pitchsift-corrections.csv');
  const inBrowser = join(downloads, 'pitchsift-with-corrections.model');
  for (let i = 0; i < 100 && !(existsSync(csv) && existsSync(inBrowser)); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 300));
  assert.match(readFileSync(csv, 'utf8'), /^text,label\n.+,networking\n.+,opportunity\n$/s);
  // pitchsift-train (its default build takes its logarithms from libm, as WebAssembly
  // does) gives the same bytes.
  const out = join(downloads, 'native.model');
  run(bin('pitchsift-train'), ['--update', `${root}models/default.model`, csv, '-o', out, '--quiet']);
  assert.ok(readFileSync(inBrowser).equals(readFileSync(out)), 'in-browser update == pitchsift-train --update, byte for byte');

  // Reset: back to the shipped model.
  await opts.click('#reset');
  await until(opts, () => document.getElementById('n-corrections').textContent === '0');
  // The page re-renders its badges after a reset: wait for all six, none corrected.
  await until(page, () => {
    const names = [...document.querySelectorAll('.pitchsift-badge .pitchsift-name')];
    return names.length === 6 && !names.some((e) => e.textContent.includes('✓'));
  });
  assert.deepEqual(
    (await badges(page)).map((b) => b.label),
    ['sales', 'recruiting', 'opportunity', 'networking', 'scam', 'scam'],
  );
  await Promise.all([page.close(), opts.close()]);
});

test('options: each checkbox has a label, named by what it does and to which label; its text toggles it', async () => {
  const opts = await options();
  const boxes = await opts.$$eval('tr.label input[type="checkbox"]', (bs) =>
    bs.map((b) => [b.name, b.labels.length, [...b.labels].map((l) => l.textContent.replace(/\s+/g, ' ').trim())]));
  assert.equal(boxes.length, 12);
  for (const [name, n, texts] of boxes) {
    const [what, label] = name.split('-');
    assert.equal(n, 1, `${name}: a label`);
    assert.equal(texts[0], `${what} ${label}`, name);
  }
  // A screen reader's name for it (the accessibility tree), and a click on the label's
  // visible text toggles the box, saved as a click on the box is.
  const box = await opts.$('::-p-aria(hide scam[role="checkbox"])');
  assert.ok(box, 'a checkbox named "hide scam"');
  assert.equal(await box.evaluate((b) => b.name), 'hide-scam');
  // (The page draws its rows again on each change: the text is found again each time.)
  const text = 'input[name="hide-scam"] + .what';
  await opts.click(text);
  await until(opts, () => document.querySelector('input[name="hide-scam"]').checked);
  const saved = await opts.evaluate(() => new Promise((r) => chrome.storage.local.get('settings', (v) => r(v.settings?.hide))));
  assert.deepEqual(saved, ['scam']);
  await new Promise((r) => setTimeout(r, 300));
  await opts.click(text);
  await until(opts, () => !document.querySelector('input[name="hide-scam"]').checked);
  await until(opts, () => new Promise((r) => chrome.storage.local.get('settings', (v) => r(v.settings.hide.length === 0))));
  await opts.close();
});

test('a label corrected from the keyboard gives the focus back to its badge', async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  const item = 'li.msg-s-message-list__event:nth-child(2)';
  await page.focus(`${item} .pitchsift-badge`);
  await page.keyboard.press('Enter');
  await until(page, () => document.activeElement?.dataset.pitchsiftChoice === 'networking');
  // Tab to the second choice, Enter picks it: the badge (made again with the correction)
  // has the focus, not the page's body.
  await page.keyboard.press('Tab');
  const choice = await page.evaluate(() => document.activeElement.dataset.pitchsiftChoice);
  await page.keyboard.press('Enter');
  await until(page, ([s, l]) => document.querySelector(`${s} .pitchsift-badge`)?.dataset.pitchsiftLabel === l, [item, choice]);
  await until(page, (s) => document.activeElement === document.querySelector(`${s} .pitchsift-badge`), item);
  // Enter on it opens its menu again.
  await page.keyboard.press('Enter');
  await until(page, () => document.querySelectorAll('.pitchsift-menu').length === 1);
  await page.close();
  // Back to the shipped model for the tests after this one.
  const opts = await options();
  await opts.click('#reset');
  await until(opts, () => document.getElementById('n-corrections').textContent === '0');
  await opts.close();
});

test('the network log: nothing but the fixture pages and their stylesheet', () => {
  const fixtureFiles = new Set([
    `${origin}/messaging/`,
    `${origin}/mynetwork/invitation-manager/`,
    `${origin}/fixture.css`,
    `chrome-extension://${extId}/options.html`,
  ]);
  // The browser asks every site for /favicon.ico by itself; it is not the extension's.
  const pages = requests.filter((r) => !r.page.startsWith(`${origin}/parity`) && !r.url.endsWith('/favicon.ico'));
  assert.ok(pages.length > 0);
  const other = pages.filter((r) => !fixtureFiles.has(r.url) && !r.url.startsWith(`chrome-extension://${extId}/`));
  assert.deepEqual(other, [], 'requests the extension made');
  // After each page had loaded: classifying, hovering, correcting, exporting made no
  // request (not even to the extension's own files).
  const late = pages.filter((r) => r.phase === 'after-load');
  assert.deepEqual(late, []);
});

test('Chromium: WebAssembly predictions equal pitchsift-predict on data/test.csv', async () => {
  const page = await browser.newPage();
  await page.goto(`${origin}/parity/`);
  await until(page, () => window.parityReady === true);
  const answers = await page.evaluate(() => window.runParity());
  const lines = answers.map((j, i) => {
    const a = JSON.parse(j);
    const probs = Object.entries(a.probabilities).map(([l, p]) => `${JSON.stringify(l)}:${rustJsonF64(p)}`).join(',');
    return `{"row":${i + 1},"predicted":${JSON.stringify(a.label)},"confidence":${rustJsonF64(a.confidence)},"probabilities":{${probs}}}`;
  });
  const native = run(bin('pitchsift-predict'), ['--model', `${root}models/default.model`, '--input', `${root}data/test.csv`, '--format', 'jsonl']);
  const identical = assertSameJsonl(native, lines.join('\n') + '\n');
  process.stderr.write(`wasm parity (chromium): ${identical} of ${lines.length} lines byte-identical, the rest within 1e-12\n`);
  await page.close();
});

test('a message of words the model does not know: the reasons say so', async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  const n = await page.$$eval('.pitchsift-badge', (b) => b.length);
  await page.evaluate(() => {
    const li = document.querySelector('li.msg-conversation-listitem').cloneNode(true);
    li.removeAttribute('data-pitchsift-key');
    li.querySelector('.pitchsift-badge')?.remove();
    li.querySelector('.msg-conversation-card__message-snippet-body').textContent = 'Zorvex qeltrim vashunor plimbet';
    li.id = 'unknown-words';
    document.querySelector('.msg-conversations-container__conversations-list').append(li);
  });
  await until(page, (k) => document.querySelectorAll('.pitchsift-badge').length === k + 1, n);
  const why = await page.$eval('#unknown-words .pitchsift-reasons', (e) => e.textContent);
  // Before: "networking 20%: why\nclick to correct", a why with nothing under it.
  assert.match(why, /^\w+ \d+%: why\nno word of it points to \w+\nclick to correct$/);
  await page.close();
});
