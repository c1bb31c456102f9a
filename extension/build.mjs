// Builds the extension into dist/extension/ (and, with --test, dist/extension-test/,
// whose manifest also matches http://127.0.0.1/* for the fixture pages; the shipped
// manifest matches linkedin.com only):
//   node extension/build.mjs [--model models/default.model] [--test]
// The WebAssembly module (wasm/pkg, scripts/build-wasm.sh) and the gzipped model are
// bundled as base64 in two classic scripts, bytes-wasm.js and bytes-model.js, loaded
// before core.js (so the extension never fetches anything). Two files, not one: Firefox's
// add-on linter (what addons.mozilla.org runs) refuses any script over 5 MB.
import { readFileSync, writeFileSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const modelPath = argv.includes('--model') ? argv[argv.indexOf('--model') + 1] : `${root}models/default.model`;
const wasm = readFileSync(`${root}wasm/pkg/pitchsift_wasm_bg.wasm`);
const model = readFileSync(modelPath);
// The scripts that hold the bytes, each under this size (addons-linter: 5 MB).
const MAX_SCRIPT = 4_500_000;
const BYTES = {
  'bytes-wasm.js': `globalThis.pitchsiftWasmB64=${JSON.stringify(wasm.toString('base64'))};\n`,
  'bytes-model.js': `globalThis.pitchsiftModelGzB64=${JSON.stringify(gzipSync(model, { level: 9 }).toString('base64'))};\n`,
};
for (const [name, text] of Object.entries(BYTES)) {
  if (text.length > MAX_SCRIPT) {
    throw new Error(`${name} would be ${text.length} bytes (over ${MAX_SCRIPT}: Firefox's add-on linter refuses scripts over 5 MB); split it`);
  }
}

async function bundle(out, test) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const name of ['core', 'background', 'content', 'options']) {
    await build({
      entryPoints: [`${root}extension/src/${name}.js`],
      outfile: `${out}/${name}.js`,
      bundle: true,
      format: 'iife',
      target: ['chrome110', 'firefox115'],
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  for (const [name, text] of Object.entries(BYTES)) writeFileSync(`${out}/${name}`, text);
  copyFileSync(`${root}extension/src/options.html`, `${out}/options.html`);
  copyFileSync(`${root}extension/src/badge.css`, `${out}/badge.css`);
  const manifest = JSON.parse(readFileSync(`${root}extension/manifest.json`, 'utf8'));
  if (test) {
    manifest.name += ' (test build)';
    manifest.content_scripts[0].matches.push('http://127.0.0.1/*');
  }
  writeFileSync(`${out}/manifest.json`, JSON.stringify(manifest, null, 2) + '\n');
}

await bundle(`${root}dist/extension`, false);
if (argv.includes('--test')) await bundle(`${root}dist/extension-test`, true);
