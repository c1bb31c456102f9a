// The model in WebAssembly: the shipped model (bundled into the package as bytes, in
// bytes-wasm.js and bytes-model.js, loaded before core.js, so nothing is fetched), with
// the user's corrections folded in exactly.
import { init, Model } from '../../js/pitchsift.mjs';

function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function gunzip(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let shipped = null;

/** The shipped model's bytes (decoded once). */
export async function shippedModel() {
  if (!shipped) {
    await init(bytes(globalThis.pitchsiftWasmB64));
    shipped = await gunzip(bytes(globalThis.pitchsiftModelGzB64));
  }
  return shipped;
}

/** The shipped model with `corrections` ([{text, label}], in order) folded in. */
export async function loadModel(corrections = []) {
  const m = Model.load(await shippedModel());
  if (corrections.length) {
    m.update(corrections.map((c) => c.text), corrections.map((c) => c.label));
  }
  return m;
}
