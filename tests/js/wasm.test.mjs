// The WebAssembly build against the native tools, under Node: same predictions on the
// test split, and an in-memory update that gives the bytes of `pitchsift-train --update`.
// Needs `cargo build --release` and scripts/build-wasm.sh (.ci/run does both).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, bin, run, assertSameJsonl } from './common.mjs';
import { init, Model } from '../../js/pitchsift.mjs';
import { toCsv, parseCsv } from '../../js/csv.mjs';
import { rustDebugF64 } from '../../js/rustfmt.mjs';

const temps = [];
/** A temporary directory, removed when the tests end. */
function tempDir() {
  const d = mkdtempSync(join(tmpdir(), 'pitchsift-'));
  temps.push(d);
  return d;
}
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const model = `${root}models/default.model`;
await init(readFileSync(`${root}wasm/pkg/pitchsift_wasm_bg.wasm`));

test('wasm-predict prints what pitchsift-predict --format jsonl prints on data/test.csv', () => {
  const args = ['--model', model, '--input', `${root}data/test.csv`];
  const native = run(bin('pitchsift-predict'), [...args, '--format', 'jsonl']);
  const wasm = run('node', [`${root}scripts/wasm-predict.mjs`, ...args]);
  const n = native.trim().split('\n').length;
  assert.ok(n > 1000, `${n} rows`);
  const identical = assertSameJsonl(native, wasm);
  process.stderr.write(`wasm parity (node): ${identical} of ${n} lines byte-identical, the rest within 1e-12\n`);
});

test('--min-confidence labels unsure as pitchsift-predict does', () => {
  const csv = join(tempDir(), 'few.csv');
  writeFileSync(csv, toCsv(['text'], [['quick demo of our platform?'], ['hi'], ['']]));
  const args = ['--model', model, '--input', csv, '--min-confidence', '0.9'];
  const native = run(bin('pitchsift-predict'), [...args, '--format', 'jsonl']);
  const wasm = run('node', [`${root}scripts/wasm-predict.mjs`, ...args]);
  assert.match(native, /"unsure"/);
  assertSameJsonl(native, wasm);
});

test('numbers print as Rust prints an f64', () => {
  const cases = [
    [0.5, '0.5'], [1, '1.0'], [0, '0.0'], [1e-4, '0.0001'], [9.5e-5, '9.5e-5'],
    [1e-5, '1e-5'], [123.25, '123.25'], [1e16, '1e16'], [0.1 + 0.2, '0.30000000000000004'],
  ];
  for (const [x, s] of cases) assert.equal(rustDebugF64(x), s, String(x));
});

test('classify answers label, confidence, probabilities and reasons', () => {
  const m = Model.load(readFileSync(model));
  const a = m.classify('Earn $5,000 a week from home, no experience needed! DM me', 3);
  assert.deepEqual(Object.keys(a), ['label', 'confidence', 'probabilities', 'reasons']);
  assert.deepEqual(Object.keys(a.probabilities), m.labels);
  assert.equal(a.confidence, a.probabilities[a.label]);
  assert.ok(Math.abs(Object.values(a.probabilities).reduce((s, p) => s + p, 0) - 1) < 1e-9);
  assert.ok(a.reasons.length > 0 && a.reasons.length <= 3);
  assert.ok(a.reasons.every((r) => typeof r.term === 'string' && r.weight > 0));
  assert.throws(() => Model.load(new Uint8Array([1, 2, 3])), /not a pitchsift model/);
});

test('update(texts, labels) gives the bytes of pitchsift-train --update of the same CSV', () => {
  const rows = [
    ['Loved your talk on supply chains, would be glad to stay in touch', 'networking'],
    ['Quick question: can I show you our "AI SDR" in 15 minutes, Thursday?', 'sales'],
    ['We are hiring a staff data engineer, remote, are you open to a chat?', 'recruiting'],
    ['Your account will be suspended,\nverify at [url] today', ' scam '],
    ['Join my team, financial freedom in 90 days', 'opportunity'],
  ];
  const dir = tempDir();
  const csv = join(dir, 'corrections.csv');
  writeFileSync(csv, toCsv(['text', 'label'], rows));
  assert.deepEqual(parseCsv(readFileSync(csv, 'utf8')).slice(1), rows);
  const m = Model.load(readFileSync(model));
  m.update(rows.map((r) => r[0]), rows.map((r) => r[1]));
  const inBrowser = Buffer.from(m.save());

  // pitchsift-train (the default build takes the logarithms from libm, as WebAssembly
  // does: the portable-math feature): the same bytes.
  const out = join(dir, 'updated.model');
  run(bin('pitchsift-train'), ['--update', model, csv, '-o', out, '--quiet']);
  const native = readFileSync(out);
  assert.equal(inBrowser.length, native.length);
  assert.ok(inBrowser.equals(native), 'same model bytes');

  // One correction at a time gives the same model as all at once.
  const step = Model.load(readFileSync(model));
  for (const [t, l] of rows) step.update([t], [l]);
  assert.ok(Buffer.from(step.save()).equals(native), 'incremental update');

  // The updated model predicts what the native tools predict with it.
  const a = m.classify(rows[1][0], 0);
  const line = run(bin('pitchsift-predict'), ['--model', out, rows[1][0]]);
  assert.equal(line.split('\t')[0], a.label);

  // Bad input leaves the model as it was.
  assert.throws(() => m.update(['x'], ['']), /empty label/);
  assert.throws(() => m.update(['x', 'y'], ['sales']), /2 texts but 1 labels/);
  assert.ok(Buffer.from(m.save()).equals(native));
});
