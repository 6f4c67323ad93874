//! Progress in a conversation: throttled to the interval, never decreasing, final value
//! delivered once and before the completion events.

use super::*;

#[test]
fn fast_server_gets_throttled_progress_and_final_value_before_completed() {
    let size = 100 * 1024;
    let mut h = Harness::new(size, 1024);
    let (mut id, _) = h.create("/files/abc");
    let mut offset = 0;
    loop {
        h.advance(7);
        offset += 1024;
        h.reply(id, accepted(offset));
        if offset == size {
            break;
        }
        id = h.expect(Method::Patch).0;
    }
    assert_ne!(
        h.events.last(),
        Some(&Event::State(State::Completed)),
        "completion must wait for the trailing progress"
    );
    h.finish();
    let p = h.progress();
    assert_eq!(*p.last().unwrap(), size);
    assert_eq!(p.iter().filter(|&&v| v == size).count(), 1);
    assert!(p.windows(2).all(|w| w[0] < w[1]));
    assert!(p.len() <= 9, "{} events for 700 ms of uploading", p.len());
    let tail: Vec<&Event> = h.events.iter().rev().take(3).collect();
    assert_eq!(tail[0], &Event::State(State::Completed));
    assert!(matches!(tail[1], Event::Completed { .. }));
    assert!(matches!(tail[2], Event::Progress { confirmed, .. } if *confirmed == size));
}
