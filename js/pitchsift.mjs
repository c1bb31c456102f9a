// Loading pitchsift's WebAssembly without fetch: wasm-bindgen's `bundler` output keeps
// the bindings (pitchsift_wasm_bg.js) apart from the loading, which is done here from
// bytes the caller already has (a file in Node, bytes bundled into the extension).
import * as bg from '../wasm/pkg/pitchsift_wasm_bg.js';

export { Model } from '../wasm/pkg/pitchsift_wasm_bg.js';

let ready = null;

/** Instantiate the module from its bytes (once); resolves when `Model` can be used. */
export function init(wasmBytes) {
  if (!ready) {
    ready = WebAssembly.instantiate(wasmBytes, { './pitchsift_wasm_bg.js': bg }).then(
      ({ instance }) => {
        bg.__wbg_set_wasm(instance.exports);
        if (instance.exports.__wbindgen_start) instance.exports.__wbindgen_start();
      },
    );
  }
  return ready;
}
