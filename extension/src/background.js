// The background (a service worker in Chromium, an event page in Firefox): the model
// lives here, in WebAssembly (extension pages may compile WebAssembly; a site's
// Content-Security-Policy would stop it in a content script). Content scripts send
// {type: 'classify', texts} and get {labels, answers}, and send {type: 'seen', items}
// (this week's counts) and {type: 'correct', text, label} (a correction): only the
// background writes those.
// Chromium's service worker loads the shared scripts itself; Firefox's event page has them
// from the manifest's background.scripts.
if (typeof importScripts === 'function' && !globalThis.pitchsiftCore) {
  importScripts('bytes-wasm.js', 'bytes-model.js', 'core.js');
}
import * as store from './store.js';

const api = globalThis.browser?.runtime ? globalThis.browser : globalThis.chrome;
const REASONS = 5;
// The user's question is whether a message is networking: a message the model calls
// anything else is explained against `networking` (why it is not networking), not
// against the runner-up, when the model has that label.
const AGAINST = 'networking';
let current = null; // { key, model: Promise<Model> }: the model for these corrections

async function model() {
  const corrections = await store.getCorrections();
  const key = JSON.stringify(corrections.map((c) => [c.text, c.label]));
  if (!current || current.key !== key) {
    current = { key, model: globalThis.pitchsiftCore.loadModel(corrections) };
  }
  return current.model;
}

api.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (msg?.type === 'seen') {
    // This week's counts: written here only, one update after the other (store.js).
    store
      .countSeenInOrder(msg.items)
      .then(() => reply({ ok: true }))
      .catch((e) => reply({ error: String(e) }));
    return true;
  }
  if (msg?.type === 'correct') {
    // Corrections are written here only too, one after the other (store.js).
    store
      .addCorrectionInOrder(msg.text, msg.label)
      .then((corrections) => reply({ corrections }))
      .catch((e) => reply({ error: String(e) }));
    return true;
  }
  if (msg?.type !== 'classify') return false;
  model()
    .then((m) => {
      const against = m.labels.includes(AGAINST) ? AGAINST : undefined;
      reply({ labels: m.labels, against, answers: msg.texts.map((t) => m.classify(t, REASONS, against)) });
    })
    .catch((e) => reply({ error: String(e) }));
  return true;
});
