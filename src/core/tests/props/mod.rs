//! Property tests: both machines, built with `core::build` as the driver builds them, driven
//! through random runs (script.rs) against a fake server that answers well, partly, or with
//! any status and any header value (server.rs), with resets, stalls, offline spells, time
//! jumps, stale answers and the app's commands at any point (world.rs). Every output of every
//! step is checked against the invariants (checks.rs), and every run must come to rest.
//!
//! What it does not do: check what exactly is sent or announced in a given situation (the
//! conversation tests do), touch a real network, or persist failing cases (a case it finds
//! becomes a named conversation test). The seed and the case count are fixed, so a run is
//! the same on every machine.

mod checks;
mod parallel;
mod script;
mod server;
mod single;
mod world;

use proptest::test_runner::{Config as ProptestConfig, RngSeed};

/// Runs per property: enough to find the bugs this suite was written for, small enough
/// for `cargo test` on a shared machine.
const CASES: u32 = 256;

pub fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x1405_u64),
        ..ProptestConfig::default()
    }
}
