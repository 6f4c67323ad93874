//! Properties of one upload (`Upload`): any server, any fault, any command, and a good
//! server through network faults (where every run must complete). Configurations vary in
//! size, chunking, keys, sessions, checksums and a known or stored upload URL.
//!
//! It does not vary the retry policy beyond a short and the default one.

use proptest::prelude::*;

use super::checks::Checks;
use super::script::{kind_step, step, Step};
use super::server::{Offer, Remote, Server};
use super::world::World;
use crate::core::tests::ENDPOINT;
use crate::core::{build, Config, Millis, RetryPolicy, SessionRecord, SourceInfo, State};

const KNOWN: &str = "https://tus.example/files/known";

#[derive(Clone, Debug)]
struct Setup {
    size: u64,
    /// Fixed chunks of this size, or adaptive ones from it.
    chunk: u64,
    adaptive: bool,
    key: bool,
    session: bool,
    keep: bool,
    checksum: bool,
    /// An upload the server holds at this offset, given as `uploadUrl` or a stored record.
    known: Option<(u64, bool)>,
    /// The app's stall floor, or the default (`None`).
    stall_floor_ms: Option<u64>,
    progress_interval_ms: u64,
    short_retries: bool,
    seed: u64,
    offer_checksum: bool,
}

fn setup() -> impl Strategy<Value = Setup> {
    let size = prop_oneof![1 => Just(0u64), 6 => 1u64..200_000];
    (
        (size, 1_024u64..60_000, any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (
            prop::option::weighted(0.25, (any::<u64>(), any::<bool>())),
            prop::option::weighted(0.7, 100u64..40_000),
            0u64..300,
            any::<bool>(),
        ),
        (any::<u64>(), any::<bool>()),
    )
        .prop_map(
            |((size, chunk, adaptive, key, session, keep, checksum), (known, stall, interval, short), (seed, oc))| {
                Setup {
                    size,
                    chunk,
                    adaptive,
                    key,
                    session,
                    keep,
                    checksum,
                    known: known.map(|(o, stored)| (if size == 0 { 0 } else { o % (size + 1) }, stored)),
                    stall_floor_ms: stall,
                    progress_interval_ms: interval,
                    short_retries: short,
                    seed,
                    offer_checksum: oc,
                }
            },
        )
}

fn world(s: &Setup) -> World {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(s.chunk);
    if s.adaptive {
        cfg.adaptive_chunks = true;
        cfg.min_chunk_size = 1_024;
        cfg.max_chunk_size = 64 * 1_024;
    }
    cfg.idempotency_key = s.key.then(|| "k-1".to_string());
    cfg.session_key = (s.session || s.known.is_some_and(|(_, stored)| stored)).then(|| "s-1".to_string());
    cfg.keep_session = s.keep;
    cfg.checksum = s.checksum;
    cfg.stall_floor_ms = s.stall_floor_ms;
    cfg.progress_interval_ms = s.progress_interval_ms;
    cfg.seed = s.seed;
    if s.short_retries {
        cfg.retry = RetryPolicy { base_ms: 10, cap_ms: 1_000, budget_ms: 20_000 };
    }
    let mut server = Server::new(Offer { concatenation: false, checksum: s.offer_checksum, max_size: None }, s.size);
    let mut stored = None;
    if let Some((offset, via_record)) = s.known {
        server.holding(KNOWN, Remote { length: s.size, offset, partial: false });
        if via_record {
            stored = Some(record(s.size, offset));
        } else {
            cfg.upload_url = Some(KNOWN.to_string());
        }
    }
    let v = cfg.validate(&SourceInfo::file(s.size, "video.mp4", "video/mp4")).expect("a valid config");
    World::new(build(v, stored, Millis(0)), server, Checks::new(s.size, &[]))
}

fn record(size: u64, confirmed: u64) -> SessionRecord {
    SessionRecord {
        key: "s-1".into(),
        upload_url: KNOWN.into(),
        endpoint: ENDPOINT.into(),
        size,
        name: "video.mp4".into(),
        mime_type: "video/mp4".into(),
        last_modified: 0,
        metadata: vec![],
        bytes_confirmed: confirmed,
        chunk_size: 1_024,
        created_at: 0,
        updated_at: 0,
        expires_at: None,
        parts: vec![],
        recording: false,
    }
}

proptest! {
    #![proptest_config(super::config())]

    /// Whatever the server says and whatever happens, every step keeps the invariants and
    /// the run comes to rest.
    #[test]
    fn one_upload_keeps_the_invariants_against_any_server(s in setup(), steps in prop::collection::vec(step(), 0..80)) {
        let mut w = world(&s);
        w.play(&Step::Start);
        for st in &steps {
            w.play(st);
        }
        w.settle(2);
    }

    /// Against a server that answers well, network faults, time and commands cannot keep an
    /// upload from completing once the app starts it again.
    #[test]
    fn one_upload_completes_against_a_good_server(s in setup(), steps in prop::collection::vec(kind_step(), 0..60)) {
        let mut w = world(&s);
        w.play(&Step::Start);
        for st in &steps {
            w.play(st);
        }
        w.settle(3);
        prop_assert!(w.checks.completed() || w.state() == State::Aborted, "ended {:?}", w.state());
    }
}
