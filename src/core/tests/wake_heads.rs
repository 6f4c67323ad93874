//! The HEADs after a gap (upload/wake.rs, rule 6): one sent on a connection that died in the
//! sleep too is never answered, so after a short deadline another goes out alongside it, up
//! to a limit (the last with the ordinary deadline); the first answer to any of them is taken
//! and the others are cancelled; when the last passes its deadline too, all are cancelled and
//! the usual backoff and deadline follow.

use super::*;

/// Twenty seconds pass without the machine hearing of them (a frozen page: no timers fire).
fn sleep(h: &mut Harness) {
    h.now = h.now.plus(20_000);
}

fn sorted(ids: &[RequestId]) -> Vec<RequestId> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

/// A started upload with a 30 s stall floor, its first PATCH in flight.
fn floored() -> (Harness, RequestId) {
    let mut cfg = Config::new(ENDPOINT).fixed_chunks(4 * MIB);
    cfg.stall_floor_ms = Some(30_000);
    let mut h = Harness::with(cfg, SourceInfo::file(64 * MIB, "a", "b"));
    let (id, _) = h.create("/files/abc");
    (h, id)
}

#[test]
fn heads_after_a_gap_on_dead_connections_go_out_alongside_each_other_up_to_the_limit() {
    use crate::core::upload::{WAKE_PROBES, WAKE_PROBE_STALL_MS};
    let (mut h, patch) = floored();
    sleep(&mut h);
    h.wake();
    // Each HEAD went out on a connection that died in the sleep too: no answer, ever.
    let mut heads = Vec::new();
    for n in 1..=WAKE_PROBES {
        let sent_at = h.now;
        let (head, _) = h.expect(Method::Head);
        heads.push(head);
        let stall_at = h.up.timers().get(Timer::Stall).unwrap();
        if n < WAKE_PROBES {
            assert_eq!(
                stall_at,
                sent_at.plus(WAKE_PROBE_STALL_MS),
                "HEAD {n}: a short deadline, below the stall floor"
            );
        } else {
            assert_eq!(stall_at, sent_at.plus(30_000), "the last HEAD: the ordinary deadline");
        }
        h.stall();
        if n < WAKE_PROBES {
            assert_eq!(h.cancelled, vec![patch], "HEAD {n} is kept: it holds its connection");
            assert!(h.reconnecting().is_empty(), "HEAD {n}: no backoff");
        }
    }
    // The last one passed its deadline too: all are cancelled, then the usual backoff and deadline.
    heads.insert(0, patch);
    assert_eq!(sorted(&h.cancelled), heads);
    assert!(h.sent.is_empty(), "the next try waits");
    assert_eq!(h.reconnecting().len(), 1);
    h.settle();
    let sent_at = h.now;
    let (head, _) = h.expect(Method::Head);
    assert_eq!(h.up.timers().get(Timer::Stall).unwrap(), sent_at.plus(30_000));
    h.reply(head, head_ok(4 * MIB, 64 * MIB));
    h.expect(Method::Patch);
}

#[test]
fn a_slow_answer_to_an_earlier_head_after_a_gap_is_taken_and_the_others_cancelled() {
    let (mut h, patch) = floored();
    sleep(&mut h);
    h.wake();
    let (first, _) = h.expect(Method::Head);
    h.stall();
    let (second, _) = h.expect(Method::Head);
    h.stall();
    let (third, _) = h.expect(Method::Head);
    // The server held the upload for the dead PATCH a while, then answered the first HEAD.
    h.advance(300);
    h.reply(first, head_ok(4 * MIB, 64 * MIB));
    assert_eq!(sorted(&h.cancelled), [patch, second, third], "the HEADs still out are cancelled");
    let (_, req) = h.expect(Method::Patch);
    assert_eq!(range(&req), (4 * MIB, 8 * MIB));
    // A late answer to a cancelled one is not read.
    h.reply(second, head_ok(0, 64 * MIB));
    assert!(h.sent.is_empty());
    assert_eq!(h.states(), [State::Creating, State::Uploading, State::Resuming, State::Uploading]);
}

#[test]
fn an_answer_ends_the_heads_after_a_gap() {
    let (mut h, _) = floored();
    sleep(&mut h);
    h.wake();
    h.expect(Method::Head);
    h.stall();
    let (head, _) = h.expect(Method::Head);
    h.reply(head, head_ok(4 * MIB, 64 * MIB));
    let (patch, _) = h.expect(Method::Patch);
    h.reply(patch, accepted(8 * MIB));
    // A later HEAD (after a stalled PATCH) has the ordinary deadline again.
    h.expect(Method::Patch);
    h.stall();
    h.settle();
    let sent_at = h.now;
    h.expect(Method::Head);
    assert_eq!(h.up.timers().get(Timer::Stall).unwrap(), sent_at.plus(30_000));
}
