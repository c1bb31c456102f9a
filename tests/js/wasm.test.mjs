// The WebAssembly build against the native tools, under Node: same predictions on the
// test split, and an in-memory update that gives the bytes of `pitchsift-train --update`.
// Needs `cargo build --release` and scripts/build-wasm.sh (.ci/run does both).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, bin, run, assertSameJsonl } from './common.mjs';
import { init, Model } from '../../js/pitchsift.mjs';
import { toCsv, parseCsv } from '../../js/csv.mjs';
import { rustJsonF64 } from '../../js/rustfmt.mjs';

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

test('wasm-predict: bad input is one line naming the file, exit 1; a closed pipe ends quietly', () => {
  const d = tempDir();
  const script = `${root}scripts/wasm-predict.mjs`;
  const files = {
    'empty.csv': '',
    'bad-utf8.csv': Buffer.from('text\nbad \xff byte\n', 'latin1'),
    'not-a-model.model': 'text\nhello\n',
    'text.csv': 'text\nhello\n',
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(d, name), bytes);
  const truncated = join(d, 'truncated.model');
  writeFileSync(truncated, readFileSync(model).subarray(0, 5000));
  const cases = [
    [['--model', model, '--input', join(d, 'empty.csv')], 'empty.csv: no column `text`'],
    [['--model', model, '--input', join(d, 'missing.csv')], 'missing.csv: no such file'],
    [['--model', model, '--input', join(d, 'bad-utf8.csv')], 'bad-utf8.csv: invalid UTF-8'],
    [['--model', truncated, '--input', join(d, 'text.csv')], 'truncated.model: '],
    [['--model', join(d, 'not-a-model.model'), '--input', join(d, 'text.csv')], 'not-a-model.model: '],
  ];
  for (const [args, want] of cases) {
    // These used to end in an uncaught exception and its stack trace (or, for invalid
    // UTF-8, print predictions of U+FFFD where pitchsift-predict refuses the file).
    const r = spawnSync('node', [script, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith('wasm-predict: ') && r.stderr.includes(want), r.stderr);
  }
  // `| head -1`: exit 0 and nothing on stderr (was EPIPE, a stack trace, exit 1).
  const p = spawnSync('bash', ['-c', `set -o pipefail; node ${script} --model ${model} --input ${root}data/test.csv | head -1 >/dev/null`], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stderr, '');
});

test('numbers print as pitchsift-predict prints an f64 in JSON', () => {
  // serde_json's (ryu's) notation: decimal from 1e-5 (Rust's `{:?}` would print 9.5e-5).
  const cases = [
    [0.5, '0.5'], [1, '1.0'], [0, '0.0'], [1e-4, '0.0001'], [9.5e-5, '0.000095'],
    [1e-5, '0.00001'], [9.5e-6, '9.5e-6'], [1e-6, '1e-6'], [1.5e-7, '1.5e-7'],
    [123.25, '123.25'], [1e16, '1e16'], [0.1 + 0.2, '0.30000000000000004'],
  ];
  for (const [x, s] of cases) assert.equal(rustJsonF64(x), s, String(x));
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

test('classify(text, k, against) gives the reasons of pitchsift-predict --explain-against', () => {
  const m = Model.load(readFileSync(model));
  const text = 'Would you share your contact list with me? I can offer your connections a great deal on our CRM.';
  for (const against of m.labels) {
    const native = JSON.parse(
      run(bin('pitchsift-predict'), ['--model', model, '--explain', '3', '--explain-against', against, '-f', 'jsonl', text]),
    );
    const a = m.classify(text, 3, against);
    assert.equal(a.label, native.predicted);
    assert.deepEqual(a.reasons.map((r) => r.term), native.explanation.map((r) => r.term), against);
    a.reasons.forEach((r, i) => assert.ok(Math.abs(r.weight - native.explanation[i].weight) < 1e-12, against));
  }
  // Without `against`: the runner-up, as --explain alone.
  const plain = JSON.parse(run(bin('pitchsift-predict'), ['--model', model, '--explain', '3', '-f', 'jsonl', text]));
  assert.deepEqual(m.classify(text, 3).reasons.map((r) => r.term), plain.explanation.map((r) => r.term));
  assert.throws(() => m.classify(text, 3, 'nope'), /against nope: the model has no such label/);
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
