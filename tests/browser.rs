//! The web adapters in a browser page (see tests/browser/cases.rs).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

include!("browser/cases.rs");

mod sessions {
    include!("browser/sessions.rs");
}

mod wire {
    include!("browser/wire.rs");
}
