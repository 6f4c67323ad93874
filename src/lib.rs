//! ferry: resumable browser uploads over TUS 1.0.
//!
//! Layers, inner to outer: [`core`] (the pure protocol state machine), [`driver`] (the run
//! loop, generic over a small I/O trait), and, on wasm32 only, `web` (fetch, timers and other
//! browser adapters) and `bindings` (the `#[wasm_bindgen]` surface used by the TypeScript API
//! in `js/`).

pub mod core;
pub mod driver;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// The wasm heap: talc, about 2 KB (gzip) smaller than the standard library's dlmalloc, and
/// as fast or faster for the few, short-lived allocations ferry makes. Single-threaded wasm
/// only (no `atomics`), which is what ferry builds.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
