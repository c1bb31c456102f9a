/* @ts-self-types="./pitchsift_wasm.d.ts" */
import * as wasm from "./pitchsift_wasm_bg.wasm";
import { __wbg_set_wasm } from "./pitchsift_wasm_bg.js";

__wbg_set_wasm(wasm);
wasm.__wbindgen_start();
export {
    Model
} from "./pitchsift_wasm_bg.js";
