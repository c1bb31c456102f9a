#!/usr/bin/env node
// The WebAssembly build's figures: bundle size (wasm + model, and the packed extension),
// model load time and the time to classify 100 messages (with 5 reasons each) after
// load, in Node, headless Chromium and headless Firefox (if installed; FIREFOX=/path).
// Needs scripts/build-extension.sh.
//   node scripts/bench-wasm.mjs [N=100]
import { readFileSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { init, Model } from '../js/pitchsift.mjs';
import { parseCsv } from '../js/csv.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const n = Number(process.argv[2] || 100);
const wasm = readFileSync(`${root}wasm/pkg/pitchsift_wasm_bg.wasm`);
const model = readFileSync(`${root}models/default.model`);
const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`wasm ${kb(wasm.length)} (gzip ${kb(gzipSync(wasm).length)}), model ${kb(model.length)} (gzip ${kb(gzipSync(model).length)})`);
const zip = `${root}dist/pitchsift-extension.zip`;
if (existsSync(zip)) console.log(`packed extension ${kb(statSync(zip).size)} (${zip.slice(root.length)})`);

await init(wasm);
const [header, ...rows] = parseCsv(readFileSync(`${root}data/test.csv`, 'utf8'));
const texts = rows.slice(0, n).map((r) => r[header.indexOf('text')]);
let t = performance.now();
const m = Model.load(model);
const load = performance.now() - t;
const runs = [];
for (let k = 0; k < 5; k++) {
  t = performance.now();
  for (const x of texts) m.classify(x, 5);
  runs.push(performance.now() - t);
}
console.log(`node ${process.version}: load ${load.toFixed(1)} ms; ${n} messages: first pass ${runs[0].toFixed(1)} ms, median of 5 ${median(runs).toFixed(1)} ms (${runs.map((r) => r.toFixed(1)).join(', ')})`);

// Headless Chromium, on the parity page of the test server.
const require = createRequire(`${root}extension/package.json`);
const puppeteer = (await import(require.resolve('puppeteer-core'))).default;
const { serve } = await import('../tests/js/server.mjs');
const { server, origin } = await serve();
const browsers = [['chromium', { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] }]];
const firefox = [process.env.FIREFOX || '/usr/bin/firefox-esr'].find((p) => existsSync(p));
if (firefox) browsers.push(['firefox', { browser: 'firefox', executablePath: firefox }]);
try {
  for (const [name, options] of browsers) {
    const browser = await puppeteer.launch({ headless: true, ...options });
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/parity/`);
      await page.waitForFunction(() => window.parityReady === true, { polling: 100 });
      const r = await page.evaluate((k) => window.bench(k), n);
      console.log(`${name} ${await browser.version()}: load ${r.load.toFixed(1)} ms; ${n} messages: first pass ${r.runs[0].toFixed(1)} ms, median of 5 ${median(r.runs).toFixed(1)} ms (${r.runs.map((x) => x.toFixed(1)).join(', ')})`);
    } finally {
      await browser.close();
    }
  }
} finally {
  server.close();
}
