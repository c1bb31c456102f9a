// The extension in headless Firefox (Debian's firefox-esr), driven over WebDriver BiDi by
// puppeteer-core, on the same fixture pages as the Chromium test (browser.test.mjs):
// badges, labels, hover reasons, a conversation added later, the invitation manager,
// threshold and dimming, the correction flow (stored, surviving a browser restart,
// exported as CSV that `pitchsift-train --update` turns into the same model bytes as the
// in-browser update, reset), the network, and WebAssembly parity on the test split.
//
// How the extension gets in: the packed test build (dist/pitchsift-extension-test.zip,
// whose manifest also matches http://127.0.0.1/*) is put in the profile's extensions/
// folder as <gecko id>.xpi, which Firefox installs at startup as a normal (not
// temporary) add-on; ESR honours xpinstall.signatures.required=false for the unsigned
// package. So a restart keeps the add-on and its storage, as for a user.
//
// The network: every protocol of the whole browser goes through a logging proxy
// (server.mjs; localhost included), so a request from any part of the extension (the
// background page too, which WebDriver BiDi's network events do not cover) would be in
// the log. Firefox's own remote-settings polling is pointed at a data: URL. The proxy also
// answers CONNECT www.linkedin.com:443 itself, with the fixture pages over TLS (a
// self-signed certificate made here with openssl; the test's Firefox accepts it), so the
// shipped package, unmodified, is tried on LinkedIn's own addresses.
//
// The background event page is suspended after 1.5 s idle (30 s by default), so pages are
// also classified by a background page that a message woke.
//
// Skipped, with a message, when Firefox is not installed (FIREFOX=/path for another
// Firefox than /usr/bin/firefox-esr; it must install unsigned add-ons: ESR, Developer
// Edition or Nightly).
// Needs scripts/build-extension.sh --test, cargo build --release, and pitchsift-train
// (its default build has portable-math).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, copyFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, bin, run, assertSameJsonl } from './common.mjs';
import { serve, loggingProxy } from './server.mjs';
import { rustJsonF64 } from '../../js/rustfmt.mjs';

const firefox = [process.env.FIREFOX || '/usr/bin/firefox-esr'].find((p) => existsSync(p));
const skip = firefox ? false : 'Firefox is not installed (apt-get install firefox-esr, or set FIREFOX=/path/to/firefox)';
if (skip) process.stderr.write(`firefox.test.mjs: skipped: ${skip}\n`);

const xpi = `${root}dist/pitchsift-extension-test.zip`;
// A fixed internal UUID for the add-on, so its pages have a known moz-extension:// origin.
const UUID = '5e1f7c2a-17f0-4e17-a017-000000000017';
const extOrigin = `moz-extension://${UUID}`;
let geckoId;
let profile;
let downloads;
let origin;
let server;
let proxy;
let proxyPort;
let browser;
const proxied = []; // every request the browser sent to the network (through the proxy)
const requests = []; // every request a page (tab) made, from WebDriver BiDi: { page, url, phase }
let phase = 'load';

async function launch() {
  const puppeteer = (await import(createRequire(`${root}extension/package.json`).resolve('puppeteer-core'))).default;
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefox,
    headless: true,
    userDataDir: profile,
    acceptInsecureCerts: true,
    // Lets WebDriver BiDi navigate a tab to the extension's options page.
    args: ['--remote-allow-system-access'],
    env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
    extraPrefsFirefox: {
      'xpinstall.signatures.required': false,
      // Firefox suspends an idle event page (30 s by default); sooner here, so the tests
      // also classify with a background page that was suspended and woken by a message.
      'extensions.background.idle.timeout': 1500,
      'extensions.autoDisableScopes': 0,
      'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: UUID }),
      'network.proxy.type': 1,
      'network.proxy.share_proxy_settings': true,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': proxyPort,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': proxyPort,
      'network.proxy.allow_hijacking_localhost': true,
      'network.proxy.no_proxies_on': '',
      'network.trr.mode': 5,
      'services.settings.server': 'data:,#remote-settings-dummy/v1',
      'browser.download.folderList': 2,
      'browser.download.dir': downloads,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
    },
  });
}

/** A new tab whose requests are logged (WebDriver BiDi network events) from before it
 * navigates; dialogs (the reset's confirm) are accepted. */
async function newTab(name) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1180, height: 720 });
  page.on('request', (r) => requests.push({ page: name, url: r.url(), phase }));
  page.on('dialog', (d) => d.accept());
  return page;
}

async function open(url) {
  const page = await newTab(url);
  phase = 'load';
  await page.goto(url, { waitUntil: 'load' });
  phase = 'after-load';
  return page;
}

async function ready(page) {
  await page.waitForFunction(() => document.documentElement.dataset.pitchsiftReady === '1', { timeout: 30000, polling: 100 });
}

const badges = (page) =>
  page.$$eval('.pitchsift-badge', (bs) =>
    bs.map((b) => ({
      label: b.dataset.pitchsiftLabel,
      predicted: b.dataset.pitchsiftPredicted,
      text: b.querySelector('.pitchsift-name').textContent,
    })),
  );

// Polled on a timer: a tab behind another one gets no animation frames.
const until = (page, fn, arg) => page.waitForFunction(fn, { timeout: 20000, polling: 100 }, arg);

async function options() {
  const page = await newTab('options');
  phase = 'load';
  // puppeteer's goto waits for a navigation event that Firefox does not send when a tab
  // moves to an extension page (another process); ask BiDi to navigate and wait for the
  // document itself (puppeteer-core is pinned in extension/package.json).
  await page.mainFrame().browsingContext.navigate(`${extOrigin}/options.html`, 'none');
  await until(page, () => document.querySelectorAll('tr.label').length > 0);
  phase = 'after-load';
  return page;
}

before(async () => {
  if (skip) return;
  assert.ok(existsSync(xpi), 'run scripts/build-extension.sh --test first');
  geckoId = JSON.parse(readFileSync(`${root}dist/extension-test/manifest.json`, 'utf8')).browser_specific_settings.gecko.id;
  profile = mkdtempSync(join(tmpdir(), 'pitchsift-firefox-'));
  downloads = mkdtempSync(join(tmpdir(), 'pitchsift-firefox-downloads-'));
  mkdirSync(join(profile, 'extensions'));
  copyFileSync(xpi, join(profile, 'extensions', `${geckoId}.xpi`));
  ({ server, origin } = await serve());
  // A self-signed certificate for www.linkedin.com: the proxy answers that host itself with
  // the fixture pages (the browser accepts the certificate: acceptInsecureCerts).
  const keyFile = join(profile, 'fixture-key.pem');
  const certFile = join(profile, 'fixture-cert.pem');
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', keyFile, '-out', certFile,
    '-subj', '/CN=www.linkedin.com', '-addext', 'subjectAltName=DNS:www.linkedin.com'], { stdio: 'pipe' });
  const tls = { host: 'www.linkedin.com', key: readFileSync(keyFile), cert: readFileSync(certFile) };
  ({ proxy, port: proxyPort } = await loggingProxy(origin, proxied, tls));
  await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  proxy?.close();
  for (const d of [profile, downloads]) if (d) rmSync(d, { recursive: true, force: true });
});

test('Firefox: a badge on each conversation and each opened message, reasons on hover', { skip }, async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  const got = await badges(page);
  assert.deepEqual(
    got.map((b) => b.label),
    ['sales', 'recruiting', 'opportunity', 'networking', 'scam', 'scam'],
  );
  assert.ok(got.every((b) => /^\w+ \d+%$/.test(b.text)), JSON.stringify(got));
  const first = await page.$('.msg-s-event-listitem .pitchsift-badge');
  assert.equal(await first.$eval('.pitchsift-reasons', (e) => getComputedStyle(e).display), 'none');
  await first.hover();
  const why = await first.$eval('.pitchsift-reasons', (e) => [getComputedStyle(e).display, e.textContent]);
  assert.equal(why[0], 'block');
  assert.match(why[1], /^scam \d+%: why not networking\n.+ \+\d+\.\d\d\n/);
  assert.match(why[1], /passport|full name|keep/);
  await page.screenshot({ path: `${root}docs/extension-firefox.png`, clip: { x: 0, y: 0, width: 1180, height: 470 } });
  // A conversation added later is labelled too (MutationObserver, debounced), after the
  // background page went idle: the content script's message wakes it (a new page, the
  // model loaded again).
  await new Promise((r) => setTimeout(r, 2500));
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

test('Firefox: invitation notes are labelled, an invitation without a note is left alone', { skip }, async () => {
  const page = await open(`${origin}/mynetwork/invitation-manager/`);
  await ready(page);
  assert.deepEqual((await badges(page)).map((b) => b.label), ['sales', 'networking']);
  assert.equal(await page.$$eval('li.invitation-card', (l) => l.length), 3);
  await page.close();
});

test('Firefox: a page with none of the selectors is left as it was', { skip }, async () => {
  const page = await open(`${origin}/messaging/`);
  await ready(page);
  await page.evaluate(() => {
    document.querySelector('.msg-messaging-container').innerHTML = '<p id="empty">nothing here</p>';
  });
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await page.$$eval('.pitchsift-badge', (b) => b.length), 0);
  assert.equal(await page.$eval('#empty', (e) => e.textContent), 'nothing here');
  await page.close();
});

test('Firefox options: threshold (unsure), dimming and this week\'s counts', { skip }, async () => {
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
  await opts.$eval('input[name="dim-opportunity"]', (e) => e.click());
  await new Promise((r) => setTimeout(r, 300));
  const inv = await open(`${origin}/mynetwork/invitation-manager/`);
  await ready(inv);
  assert.deepEqual((await badges(inv)).map((b) => b.label), ['unsure', 'networking']);
  const msg = await open(`${origin}/messaging/`);
  await ready(msg);
  const dimmed = await msg.$$eval('.pitchsift-dim .pitchsift-badge', (b) => b.map((x) => x.dataset.pitchsiftLabel));
  assert.deepEqual(dimmed, ['opportunity']);
  assert.equal(await msg.$eval('.pitchsift-dim', (e) => getComputedStyle(e).opacity), '0.45');
  await opts.$eval('#threshold', (e) => {
    e.value = '0.6';
    e.dispatchEvent(new Event('change'));
  });
  await new Promise((r) => setTimeout(r, 200));
  await opts.$eval('input[name="dim-opportunity"]', (e) => e.click());
  await Promise.all([opts.close(), inv.close(), msg.close()]);
});

test('Firefox corrections: stored, survive a restart, export to the same model as pitchsift-train --update, reset', { skip }, async () => {
  let page = await open(`${origin}/messaging/`);
  await ready(page);
  const pick = async (selector, label) => {
    await page.click(`${selector} .pitchsift-badge`);
    await page.click(`.pitchsift-menu button[data-pitchsift-choice="${label}"]`);
    await until(page, ([s, l]) => document.querySelector(`${s} .pitchsift-badge`)?.dataset.pitchsiftLabel === l, [selector, label]);
  };
  await pick('li.msg-s-message-list__event:nth-child(2)', 'networking');
  await pick('li.msg-conversation-listitem:nth-child(1)', 'opportunity');
  assert.equal(await page.$eval('li.msg-s-message-list__event:nth-child(2) .pitchsift-name', (e) => e.textContent), 'networking ✓');

  // A browser restart (same profile) keeps the add-on and its storage.
  await browser.close();
  await launch();
  page = await open(`${origin}/messaging/`);
  await ready(page);
  const got = await badges(page);
  assert.equal(got[0].text, 'opportunity ✓');
  assert.equal(got[5].text, 'networking ✓');
  const opts = await options();
  assert.equal(await opts.$eval('#n-corrections', (e) => e.textContent), '2');

  await opts.click('#export');
  await opts.click('#model');
  const csv = join(downloads, 'pitchsift-corrections.csv');
  const inBrowser = join(downloads, 'pitchsift-with-corrections.model');
  for (let i = 0; i < 100 && !(existsSync(csv) && existsSync(inBrowser)); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  assert.match(readFileSync(csv, 'utf8'), /^text,label\n.+,networking\n.+,opportunity\n$/s);
  const out = join(downloads, 'native.model');
  run(bin('pitchsift-train'), ['--update', `${root}models/default.model`, csv, '-o', out, '--quiet']);
  assert.ok(readFileSync(inBrowser).equals(readFileSync(out)), 'in-browser update (Firefox) == pitchsift-train --update, byte for byte');

  await opts.click('#reset');
  await until(opts, () => document.getElementById('n-corrections').textContent === '0');
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

test('Firefox network: the whole browser asked the network for the fixture pages and their stylesheet only', { skip }, () => {
  const fixtureFiles = new Set([
    `GET ${origin}/messaging/`,
    `GET ${origin}/mynetwork/invitation-manager/`,
    `GET ${origin}/fixture.css`,
    // The browser asks every site for /favicon.ico by itself; it is not the extension's.
    `GET ${origin}/favicon.ico`,
  ]);
  // The proxy is in the path: the pages came through it.
  assert.ok(proxied.includes(`GET ${origin}/messaging/`), JSON.stringify(proxied));
  assert.deepEqual(proxied.filter((r) => !fixtureFiles.has(r)), [], 'requests that were not the fixture\'s');
  // The tabs: after each page had loaded, classifying, hovering, correcting, exporting
  // made no request (not even to the extension's own files).
  assert.ok(requests.some((r) => r.url === `${origin}/messaging/`));
  const late = requests.filter((r) => r.phase === 'after-load' && !r.url.endsWith('/favicon.ico'));
  assert.deepEqual(late, []);
});

test('Firefox: WebAssembly predictions equal pitchsift-predict on data/test.csv', { skip }, async () => {
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
  process.stderr.write(`wasm parity (firefox): ${identical} of ${lines.length} lines byte-identical, the rest within 1e-12\n`);
  await page.close();
});

test('Firefox: the shipped package, as built, labels https://www.linkedin.com/messaging/ (the fixture behind the proxy) and leaves other sites alone', { skip }, async () => {
  // A temporary add-on (WebDriver BiDi webExtension.install) with the same id replaces the
  // test build until the browser closes.
  assert.equal(await browser.installExtension(`${root}dist/pitchsift-extension.zip`), geckoId);
  const opts = await options();
  assert.equal(await opts.title(), 'pitchsift options');
  assert.equal(await opts.$$eval('tr.label', (l) => l.length), 6);
  await opts.close();
  const before = proxied.length;
  // The shipped manifest matches https://www.linkedin.com/* only: the fixture on 127.0.0.1
  // gets no badge...
  const local = await open(`${origin}/messaging/`);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await local.$$eval('.pitchsift-badge', (b) => b.length), 0);
  assert.equal(await local.evaluate(() => document.documentElement.dataset.pitchsiftReady), undefined);
  await local.close();
  // ...and the same page at LinkedIn's address gets its badges.
  const page = await open('https://www.linkedin.com/messaging/');
  await ready(page);
  assert.deepEqual(
    (await badges(page)).map((b) => b.label),
    ['sales', 'recruiting', 'opportunity', 'networking', 'scam', 'scam'],
  );
  await page.close();
  const inv = await open('https://www.linkedin.com/mynetwork/invitation-manager/');
  await ready(inv);
  assert.deepEqual((await badges(inv)).map((b) => b.label), ['sales', 'networking']);
  await inv.close();
  // What went to the network meanwhile: the pages, nothing else.
  const allowed = new Set([
    `GET ${origin}/messaging/`,
    `GET ${origin}/fixture.css`,
    `GET ${origin}/favicon.ico`,
    'CONNECT www.linkedin.com:443',
    'GET https://www.linkedin.com/messaging/',
    'GET https://www.linkedin.com/mynetwork/invitation-manager/',
    'GET https://www.linkedin.com/fixture.css',
    'GET https://www.linkedin.com/favicon.ico',
  ]);
  const sent = proxied.slice(before);
  assert.ok(sent.includes('GET https://www.linkedin.com/messaging/'), JSON.stringify(sent));
  assert.deepEqual(sent.filter((r) => !allowed.has(r)), []);
});
