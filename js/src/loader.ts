// Loads and initialises the wasm engine on first use, once per page or worker.
// Importing ferry never touches the network, `window` or `indexedDB`: nothing happens
// until the first upload starts. A failed load is retried on the next call.

import type * as Wasm from './wasm/ferry_upload.js';

export type WasmModule = typeof Wasm;

let loading: Promise<WasmModule> | null = null;

/** Whether the platform says it is offline (`navigator.onLine === false`). */
export function isOffline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;
}

/** Resolves at the next `online` event of the page or worker. */
export function nextOnline(): Promise<void> {
  return new Promise((resolve) => {
    const target = globalThis as unknown as EventTarget;
    target.addEventListener('online', () => resolve(), { once: true });
  });
}

export function loadEngine(): Promise<WasmModule> {
  loading ??= (async () => {
    // Never try while offline: some browsers remember a failed module import for the page.
    while (isOffline()) await nextOnline();
    const module = await import('./wasm/ferry_upload.js');
    // The glue resolves ferry_upload_bg.wasm next to itself with import.meta.url, which
    // bundlers (webpack, Turbopack, Vite) recognise and emit as an asset.
    await module.default();
    return module;
  })().catch((err: unknown) => {
    // Any failure (the glue's import, the .wasm fetch, its compilation) is retried next time.
    loading = null;
    throw err;
  });
  return loading;
}
