/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_model_free: (a: number, b: number) => void;
export const model_classify: (a: number, b: number, c: number, d: number) => [number, number, number];
export const model_classifyJson: (a: number, b: number, c: number, d: number) => [number, number];
export const model_labels: (a: number) => [number, number];
export const model_load: (a: number, b: number) => [number, number, number];
export const model_save: (a: number) => [number, number, number, number];
export const model_update: (a: number, b: number, c: number, d: number, e: number) => [number, number];
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_exn_store: (a: number) => void;
export const __externref_table_alloc: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __externref_table_dealloc: (a: number) => void;
export const __externref_drop_slice: (a: number, b: number) => void;
export const __wbindgen_start: () => void;
