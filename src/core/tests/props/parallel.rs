//! Properties of a parallel upload (`Parallel`): the same invariants as one upload's, with
//! one request in flight per part, creations counted per part, and the final POST; a server
//! with or without concatenation, capabilities learnt before or not.
//!
//! Some runs continue a stored session whose parts the server holds part-way.
//!
//! It does not vary the retry policy beyond a short and the default one, nor the progress
//! interval (the default).

use proptest::prelude::*;

use super::checks::Checks;
use super::script::{kind_step, step, Step};
use super::server::{Offer, Remote, Server};
use super::world::World;
use crate::core::parallel::plan::{plan, tiles, MIN_PART, PART_GRAIN};
use crate::core::tests::{ENDPOINT, MIB};
use crate::core::{build, Capabilities, Config, Millis, PartRecord, RetryPolicy, SessionRecord, SourceInfo, State};

#[derive(Clone, Debug)]
struct Setup {
    size: u64,
    parallel: u32,
    chunk: u64,
    key: bool,
    session: bool,
    checksum: bool,
    offer: Offer,
    /// What an earlier OPTIONS taught: concatenation or not.
    known: Option<bool>,
    /// The app's stall floor, or the default (`None`).
    stall_floor_ms: Option<u64>,
    short_retries: bool,
    seed: u64,
    /// A stored session to continue: how far the server holds each part (out of 255).
    stored: Option<u8>,
}

fn setup(good: bool) -> impl Strategy<Value = Setup> {
    let max_size = if good { Just(None).boxed() } else { prop::option::weighted(0.1, 0u64..80 * MIB).boxed() };
    (
        (10 * MIB..40 * MIB, 2u32..=4, MIB..12 * MIB, any::<bool>(), any::<bool>(), any::<bool>()),
        (prop::bool::weighted(0.8), any::<bool>(), max_size, prop::option::weighted(0.3, any::<bool>())),
        (
            prop::option::weighted(0.7, 100u64..40_000),
            any::<bool>(),
            any::<u64>(),
            prop::option::weighted(0.2, any::<u8>()),
        ),
    )
        .prop_map(
            |(
                (size, parallel, chunk, key, session, checksum),
                (concatenation, oc, max_size, known),
                (stall, short, seed, stored),
            )| {
                Setup {
                    size,
                    parallel,
                    chunk,
                    key,
                    session,
                    checksum,
                    offer: Offer { concatenation, checksum: oc, max_size },
                    known,
                    stall_floor_ms: stall,
                    short_retries: short,
                    seed,
                    stored,
                }
            },
        )
}

fn world(s: &Setup) -> World {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(s.chunk);
    cfg.parallel = s.parallel;
    cfg.idempotency_key = s.key.then(|| "k-1".to_string());
    cfg.session_key = s.session.then(|| "s-1".to_string());
    cfg.checksum = s.checksum;
    cfg.stall_floor_ms = s.stall_floor_ms;
    cfg.seed = s.seed;
    cfg.capabilities = s.known.map(|concatenation| Capabilities {
        concatenation,
        checksum: None,
        max_size: None,
        defer_length: false,
    });
    if s.short_retries {
        cfg.retry = RetryPolicy { base_ms: 10, cap_ms: 1_000, budget_ms: 20_000 };
    }
    let v = cfg.validate(&SourceInfo::file(s.size, "video.mp4", "video/mp4")).expect("a valid config");
    let ranges = plan(s.size, s.parallel);
    let mut server = Server::new(s.offer, s.size);
    let stored = s.stored.map(|fill| {
        let mut parts = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            let url = format!("{ENDPOINT}p{i}");
            let length = r.end - r.start;
            let offset = length * ((u64::from(fill) + 97 * i as u64) % 256) / 255;
            server.holding(&url, Remote { length, offset, partial: true });
            parts.push(PartRecord { url, start: r.start, end: r.end, confirmed: offset });
        }
        SessionRecord {
            key: "s-1".into(),
            upload_url: String::new(),
            endpoint: ENDPOINT.into(),
            size: s.size,
            name: "video.mp4".into(),
            mime_type: "video/mp4".into(),
            last_modified: 0,
            metadata: vec![],
            bytes_confirmed: parts.iter().map(|p| p.confirmed).sum(),
            chunk_size: s.chunk,
            created_at: 0,
            updated_at: 0,
            expires_at: None,
            parts,
            recording: false,
        }
    });
    World::new(build(v, stored, Millis(0)), server, Checks::new(s.size, &ranges))
}

proptest! {
    #![proptest_config(super::config())]

    /// Whatever the server says and whatever happens, every step keeps the invariants and
    /// the run comes to rest.
    #[test]
    fn parallel_upload_keeps_the_invariants_against_any_server(
        s in setup(false),
        steps in prop::collection::vec(step(), 0..100),
    ) {
        let mut w = world(&s);
        w.play(&Step::Start);
        for st in &steps {
            w.play(st);
        }
        w.settle(2);
    }

    /// Against a server that answers well, network faults, time and commands cannot keep a
    /// parallel upload from completing once the app starts it again.
    #[test]
    fn parallel_upload_completes_against_a_good_server(
        s in setup(true),
        steps in prop::collection::vec(kind_step(), 0..80),
    ) {
        let mut w = world(&s);
        w.play(&Step::Start);
        for st in &steps {
            w.play(st);
        }
        w.settle(3);
        prop_assert!(w.checks.completed() || w.state() == State::Aborted, "ended {:?}", w.state());
    }
}

proptest! {
    #![proptest_config(super::config())]

    /// The split plan: no more parts than connections, none smaller than `MIN_PART`, each
    /// starting on the grain, together the whole file; none at all below two parts' worth.
    #[test]
    fn the_split_plan_tiles_the_file_in_at_most_the_parts_asked_for(
        size in prop_oneof![0u64..1 << 40, (1u64..20_000, 0u64..4).prop_map(|(g, r)| g * PART_GRAIN + r)],
        n in 0u32..16,
    ) {
        let ranges = plan(size, n);
        prop_assert!(ranges.len() <= n as usize, "{} parts for {n} connections", ranges.len());
        prop_assert_eq!(ranges.is_empty(), n < 2 || size < 2 * MIN_PART);
        if !ranges.is_empty() {
            prop_assert!(tiles(&ranges, size), "{ranges:?}");
        }
        for r in &ranges {
            prop_assert!(r.end - r.start >= MIN_PART && r.start % PART_GRAIN == 0, "{r:?} of {size}");
        }
    }
}
