// The extension as shipped (dist/extension, scripts/build-extension.sh): permissions,
// matches and code that cannot reach the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { root, run } from './common.mjs';

const dist = `${root}dist/extension`;

test('the shipped manifest asks for storage only and matches linkedin.com only', () => {
  const m = JSON.parse(readFileSync(`${dist}/manifest.json`, 'utf8'));
  assert.equal(m.manifest_version, 3);
  assert.deepEqual(m.permissions, ['storage']);
  assert.equal(m.host_permissions, undefined);
  assert.equal(m.optional_host_permissions, undefined);
  assert.deepEqual(m.content_scripts.flatMap((c) => c.matches), ['https://www.linkedin.com/*']);
  assert.equal(m.externally_connectable, undefined);
  assert.equal(m.web_accessible_resources, undefined);
  // No remote code: every script is in the package.
  assert.match(m.content_security_policy.extension_pages, /^script-src 'self' 'wasm-unsafe-eval'; object-src 'self'$/);
});

test('the manifest serves Chromium and Firefox: service worker, event page, gecko settings', () => {
  const m = JSON.parse(readFileSync(`${dist}/manifest.json`, 'utf8'));
  // Chromium runs background.service_worker (which imports the bytes and core.js); Firefox,
  // which has no extension service workers, runs background.scripts as an event page, in
  // this order.
  assert.equal(m.background.service_worker, 'background.js');
  assert.deepEqual(m.background.scripts, ['bytes-wasm.js', 'bytes-model.js', 'core.js', 'background.js']);
  assert.match(readFileSync(`${dist}/background.js`, 'utf8'), /importScripts\("bytes-wasm\.js","bytes-model\.js","core\.js"\)/);
  for (const f of m.background.scripts) assert.ok(statSync(`${dist}/${f}`).isFile(), f);
  const gecko = m.browser_specific_settings.gecko;
  // A fixed id: Firefox keeps storage.local per add-on id.
  assert.match(gecko.id, /^[\w.-]+@[\w.-]+$/);
  // Declares to Firefox (and addons.mozilla.org) that it collects no data.
  assert.deepEqual(gecko.data_collection_permissions, { required: ['none'] });
});

test('no network API in the extension\'s code (sources and bundles)', () => {
  const files = [
    ...readdirSync(dist).map((f) => `${dist}/${f}`),
    ...readdirSync(`${root}extension/src`).map((f) => `${root}extension/src/${f}`),
    `${root}js/pitchsift.mjs`,
    `${root}js/csv.mjs`,
  ].filter((f) => /\.(m?js|html)$/.test(f));
  assert.ok(files.length >= 10, files.join(' '));
  const banned = /\bfetch\s*\(|XMLHttpRequest|WebSocket|sendBeacon|EventSource|RTCPeerConnection|importScripts\s*\(\s*['"]https?:|https?:\/\/(?!www\.w3\.org)/;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const hit = text.match(banned);
    // background.js loads its siblings (packaged files), nothing else.
    assert.equal(hit, null, `${f.slice(root.length)}: ${hit?.[0]}`);
  }
});

test('the packed extension is under 5 MB', () => {
  const size = statSync(`${root}dist/pitchsift-extension.zip`).size;
  assert.ok(size < 5e6, `${size} bytes`);
});

test('Firefox\'s add-on linter (addons-linter, as addons.mozilla.org runs it) finds no error', () => {
  const linter = `${root}extension/node_modules/addons-linter/bin/addons-linter`;
  // --enable-data-collection-permissions: the manifest key AMO requires of new add-ons.
  let out;
  try {
    out = run(process.execPath, [linter, '--output', 'json', '--enable-data-collection-permissions', dist]);
  } catch (e) {
    out = e.stdout; // exits 1 when it found errors
  }
  const report = JSON.parse(out);
  assert.deepEqual(report.errors.map((m) => `${m.code} ${m.file}: ${m.message}`), []);
  // The one warning: Firefox does not run background.service_worker (Chromium's); it runs
  // background.scripts.
  assert.deepEqual(report.warnings.map((m) => `${m.code} ${m.message}`), ['MANIFEST_FIELD_UNSUPPORTED "/background/service_worker" is not supported.']);
  // Every script in the package is one the linter parsed (under 5 MB).
  for (const f of readdirSync(dist)) assert.ok(statSync(`${dist}/${f}`).size < 5e6, f);
});
