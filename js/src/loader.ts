// Loads and initialises the wasm engine on first use, once per page or worker.
// Importing ferry never touches the network, `window` or `indexedDB`: nothing happens
// until the first upload starts. A failed load is retried on the next call.

import type * as Wasm from './wasm/ferry_upload.js';

export type WasmModule = typeof Wasm;

let loading: Promise<WasmModule> | null = null;

export function loadEngine(): Promise<WasmModule> {
  loading ??= import('./wasm/ferry_upload.js').then(
    async (module) => {
      // The glue resolves ferry_upload_bg.wasm next to itself with import.meta.url, which
      // bundlers (webpack, Turbopack, Vite) recognise and emit as an asset.
      await module.default();
      return module;
    },
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}
