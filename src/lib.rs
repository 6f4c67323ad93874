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
