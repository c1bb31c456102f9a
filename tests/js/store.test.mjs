// This week's counts (extension/src/store.js, background.js, content.js) under a fake
// `browser` API in Node: storage.local whose get and set each take a turn of the event
// loop, as the real one answers asynchronously, so overlapping updates interleave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { root } from './common.mjs';

const data = {};
const later = () => new Promise((r) => setTimeout(r, 0));
let listener = null;
globalThis.browser = {
  storage: {
    local: {
      async get(key) {
        await later();
        return key in data ? { [key]: structuredClone(data[key]) } : {};
      },
      async set(obj) {
        await later();
        Object.assign(data, structuredClone(obj));
      },
    },
    onChanged: { addListener() {} },
  },
  runtime: {
    onMessage: {
      addListener(fn) {
        listener = fn;
      },
    },
  },
};
// background.js loads the model's scripts only when they are not there yet.
globalThis.pitchsiftCore = {};
const store = await import(`${root}extension/src/store.js`);
await import(`${root}extension/src/background.js`);

/** Two batches of different messages, as two tabs (or two scans) report them. */
const tabA = [['hello there', 'networking'], ['buy our tool', 'sales'], ['a role for you', 'recruiting']];
const tabB = [['earn from home', 'opportunity'], ['quick demo?', 'sales'], ['send the fee', 'scam']];
const total = (seen) => Object.values(seen.counts).reduce((a, b) => a + b, 0);

test('countSeen alone, twice at once: the second write loses the first (the defect)', async () => {
  delete data.seen;
  await Promise.all([store.countSeen(tabA), store.countSeen(tabB)]);
  // Both read the empty week, each wrote its own three: 3 of 6 are left.
  assert.equal(total(await store.getSeen()), 3);
});

test('the counts go through the background, one update after the other: all six are kept', async () => {
  delete data.seen;
  assert.ok(listener, 'background.js listens for messages');
  const send = (msg) =>
    new Promise((resolve) => {
      assert.equal(listener(msg, {}, resolve), true, 'it answers asynchronously');
    });
  const replies = await Promise.all([
    send({ type: 'seen', items: tabA }),
    send({ type: 'seen', items: tabB }),
    send({ type: 'seen', items: tabA }), // the same messages again: counted once a week
  ]);
  assert.deepEqual(replies, [{ ok: true }, { ok: true }, { ok: true }]);
  const seen = await store.getSeen();
  assert.deepEqual(seen.counts, { networking: 1, sales: 2, recruiting: 1, opportunity: 1, scam: 1 });
  assert.equal(seen.keys.length, 6);
});

test('a failed update does not stop the ones after it', async () => {
  delete data.seen;
  const set = globalThis.browser.storage.local.set;
  globalThis.browser.storage.local.set = async () => {
    throw new Error('quota');
  };
  await assert.rejects(store.countSeenInOrder(tabA), /quota/);
  globalThis.browser.storage.local.set = set;
  await store.countSeenInOrder(tabB);
  assert.equal(total(await store.getSeen()), 3);
});

test('addCorrection alone, twice at once: the second write loses the first (the defect)', async () => {
  delete data.corrections;
  await Promise.all([store.addCorrection('hello there', 'sales'), store.addCorrection('quick demo?', 'networking')]);
  assert.equal((await store.getCorrections()).length, 1);
});

test('corrections go through the background, one after the other: both are kept, in order', async () => {
  delete data.corrections;
  const send = (msg) =>
    new Promise((resolve) => {
      assert.equal(listener(msg, {}, resolve), true, 'it answers asynchronously');
    });
  const [a, b] = await Promise.all([
    send({ type: 'correct', text: 'hello there', label: 'sales' }),
    send({ type: 'correct', text: 'quick demo?', label: 'networking' }),
  ]);
  // Each reply is the list after its own correction: what the content script shows.
  assert.deepEqual(a.corrections.map((c) => c.text), ['hello there']);
  assert.deepEqual(b.corrections.map((c) => [c.text, c.label]), [
    ['hello there', 'sales'],
    ['quick demo?', 'networking'],
  ]);
  assert.equal((await store.getCorrections()).length, 2);
});
