// The shared part of the extension (core.js): WebAssembly, the shipped model and
// loading with corrections, as the global `pitchsiftCore`, so the content script and the
// options page share one copy of the bundled bytes.
import { loadModel, shippedModel } from './model.js';

globalThis.pitchsiftCore = { loadModel, shippedModel };
