// Shared by the JavaScript tests: paths, running the native tools, comparing JSON lines.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const bin = (name) => `${root}target/release/${name}`;

/** Run a program; its standard output (throws with its stderr on failure). */
export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
}

/** Same rows, same labels, same label order and probabilities within `tol`; returns
 * how many lines are byte-identical. */
export function assertSameJsonl(nativeText, wasmText, tol = 1e-12) {
  const a = nativeText.trim().split('\n');
  const b = wasmText.trim().split('\n');
  assert.equal(b.length, a.length, 'line count');
  let identical = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) {
      identical++;
      continue;
    }
    const x = JSON.parse(a[i]);
    const y = JSON.parse(b[i]);
    // Numbers that differ in their last digits (from `exp`) are still written alike:
    // the same notation (decimal or exponent) in both.
    const notation = (line) => [...line.matchAll(/:(-?[0-9][0-9.]*(e-?[0-9]+)?)/g)].map((m) => m[2] !== undefined);
    assert.deepEqual(notation(b[i]), notation(a[i]), `row ${x.row}: notation of the numbers\n${a[i]}\n${b[i]}`);
    assert.equal(y.row, x.row);
    assert.equal(y.predicted, x.predicted, `row ${x.row}`);
    assert.deepEqual(Object.keys(y.probabilities), Object.keys(x.probabilities));
    assert.ok(Math.abs(y.confidence - x.confidence) <= tol, `row ${x.row} confidence`);
    for (const k of Object.keys(x.probabilities)) {
      assert.ok(Math.abs(y.probabilities[k] - x.probabilities[k]) <= tol, `row ${x.row} ${k}`);
    }
  }
  return identical;
}
