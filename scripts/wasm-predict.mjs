#!/usr/bin/env node
// pitchsift-predict's `--format jsonl` in WebAssembly, for checking the two agree:
//   node scripts/wasm-predict.mjs --model M --input FILE.csv [--text-col text]
//        [--min-confidence P] [--wasm wasm/pkg/pitchsift_wasm_bg.wasm]
// prints one JSON object per row: row, predicted, confidence, probabilities (numbers as
// Rust prints them). Build the WebAssembly first: scripts/build-wasm.sh.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, Model } from '../js/pitchsift.mjs';
import { parseCsv } from '../js/csv.mjs';
import { rustJsonF64 } from '../js/rustfmt.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = { wasm: `${here}../wasm/pkg/pitchsift_wasm_bg.wasm`, textCol: 'text' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [flag, value] = [argv[i], argv[i + 1]];
  const key = { '--model': 'model', '--input': 'input', '--text-col': 'textCol', '--wasm': 'wasm', '--min-confidence': 'minConfidence' }[flag];
  if (!key || value === undefined) {
    process.stderr.write(`wasm-predict: unknown or incomplete option ${flag}\n`);
    process.exit(2);
  }
  args[key] = value;
}
if (!args.model || !args.input) {
  process.stderr.write('usage: wasm-predict.mjs --model M --input FILE.csv [--text-col text] [--min-confidence P]\n');
  process.exit(2);
}

// Errors as the native tools give them: one line naming the file, exit code 1.
function fail(file, what) {
  process.stderr.write(`wasm-predict: ${file}: ${what}\n`);
  process.exit(1);
}
function read(file) {
  try {
    return readFileSync(file);
  } catch (e) {
    return fail(file, e.code === 'ENOENT' ? 'no such file' : e.message);
  }
}
// A closed pipe downstream (`| head -1`) ends quietly, as pitchsift-predict does.
process.stdout.on('error', (e) => process.exit(e.code === 'EPIPE' ? 0 : 1));

await init(read(args.wasm));
let model;
try {
  model = Model.load(read(args.model));
} catch (e) {
  fail(args.model, e.message ?? String(e));
}
let text;
try {
  text = new TextDecoder('utf-8', { fatal: true }).decode(read(args.input));
} catch {
  fail(args.input, 'invalid UTF-8 (pitchsift-predict names the line and field)');
}
const [header = [], ...rows] = parseCsv(text);
const col = header.findIndex((h) => h.trim().toLowerCase() === args.textCol.toLowerCase());
if (col < 0) {
  process.stderr.write(`wasm-predict: ${args.input}: no column \`${args.textCol}\`\n`);
  process.exit(1);
}
const min = args.minConfidence === undefined ? null : Number(args.minConfidence);
const out = [];
rows.forEach((r, i) => {
  const a = JSON.parse(model.classifyJson(r[col] ?? '', 0));
  const label = min !== null && a.confidence < min ? 'unsure' : a.label;
  const probs = Object.entries(a.probabilities)
    .map(([l, p]) => `${JSON.stringify(l)}:${rustJsonF64(p)}`)
    .join(',');
  out.push(
    `{"row":${i + 1},"predicted":${JSON.stringify(label)},"confidence":${rustJsonF64(a.confidence)},"probabilities":{${probs}}}`,
  );
});
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
