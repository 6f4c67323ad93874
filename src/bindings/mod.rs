//! The `#[wasm_bindgen]` surface: one exported class, `Engine`, per upload.
//!
//! What it does: reads options from JavaScript without trusting them (every field checked,
//! typed `usage` errors, never a panic), owns one core `Upload` and runs the driver loop
//! in a JS promise. What it does not do: public API ergonomics (events, `FerryError`,
//! lazy loading); those live in the TypeScript layer in `js/`.

mod engine;
mod options;

pub use engine::{forget_session, list_sessions, Engine};
