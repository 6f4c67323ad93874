//! Says whether the property tests can be built: proptest is a dev-dependency of the host
//! only (its random source does not build for wasm32-unknown-unknown), so src/core/tests
//! compiles its `props` module under `cfg(proptest)`, set here, rather than naming the
//! target inside the platform-free core.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(proptest)");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        println!("cargo::rustc-cfg=proptest");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
