//! The run loop over a scripted [`Io`]: requests the test answers by hand, a clock the test
//! moves, commands on the real channel. The run future is polled by hand (no executor), so
//! each step shows exactly what one wake-up did.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::channel::mpsc::unbounded;

use super::{run, Command, Io, Lifecycle, GAP_MS};
use crate::core::{
    Capabilities, Config, Event, Method, Millis, Request, Response, SessionRecord, SourceInfo, State, TransportError,
    UnixMillis, Upload,
};

/// 2023-11-14T22:13:20Z at timer instant 0.
const EPOCH: u64 = 1_700_000_000_000;

#[derive(Default)]
struct Slot {
    answer: RefCell<Option<Result<Response, TransportError>>>,
    dropped: Cell<bool>,
}

struct Fetch(Rc<Slot>);

impl Future for Fetch {
    type Output = Result<Response, TransportError>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        match self.0.answer.borrow_mut().take() {
            Some(answer) => Poll::Ready(answer),
            None => Poll::Pending,
        }
    }
}

impl Drop for Fetch {
    fn drop(&mut self) {
        self.0.dropped.set(true);
    }
}

struct Sleep {
    now: Rc<Cell<u64>>,
    at: Millis,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.now.get() >= self.at.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[derive(Default)]
struct FakeIo {
    now: Rc<Cell<u64>>,
    /// How far the wall clock is ahead of the timer clock (a computer that slept).
    slept: Cell<u64>,
    requests: RefCell<Vec<(Request, Rc<Slot>)>>,
    events: RefCell<Vec<Event>>,
    settled: RefCell<Vec<State>>,
    sleeps: RefCell<Vec<Millis>>,
    records: RefCell<Vec<SessionRecord>>,
}

impl Io for FakeIo {
    type Fetch = Fetch;
    type Sleep = Sleep;

    fn now(&self) -> Millis {
        Millis(self.now.get())
    }
    fn today(&self) -> UnixMillis {
        UnixMillis(EPOCH + self.now.get() + self.slept.get())
    }
    fn online(&self) -> bool {
        true
    }
    fn fetch(&self, request: Request) -> Fetch {
        let slot = Rc::new(Slot::default());
        self.requests.borrow_mut().push((request, Rc::clone(&slot)));
        Fetch(slot)
    }
    fn sleep_until(&self, at: Millis) -> Sleep {
        self.sleeps.borrow_mut().push(at);
        Sleep { now: Rc::clone(&self.now), at }
    }
    fn emit(&self, events: Vec<Event>) {
        self.events.borrow_mut().extend(events);
    }
    fn settled(&self, state: State) {
        self.settled.borrow_mut().push(state);
    }
    fn persist(&self, record: SessionRecord) {
        self.records.borrow_mut().push(record);
    }
    fn forget(&self, _key: String) {}
    fn learned(&self, _endpoint: String, _capabilities: Capabilities) {}
    fn release(&self, _offset: u64) {}
}

impl FakeIo {
    /// The `n`th request sent (0-based) and its slot.
    fn request(&self, n: usize) -> (Request, Rc<Slot>) {
        let requests = self.requests.borrow();
        let (req, slot) = requests.get(n).unwrap_or_else(|| panic!("no request #{n}: {} sent", requests.len()));
        (req.clone(), Rc::clone(slot))
    }

    fn sent(&self) -> usize {
        self.requests.borrow().len()
    }

    fn states(&self) -> Vec<State> {
        self.events.borrow().iter().filter_map(|e| if let Event::State(s) = e { Some(*s) } else { None }).collect()
    }
}

fn answer(slot: &Slot, res: Response) {
    *slot.answer.borrow_mut() = Some(Ok(res));
}

fn upload(size: u64) -> Upload {
    let mut cfg = Config::new("https://tus.example/files/").fixed_chunks(4_000);
    cfg.session_key = Some("k".into());
    Upload::new(cfg, SourceInfo::file(size, "a.bin", "application/octet-stream"), Millis(0)).expect("valid")
}

fn poll<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn a_run_creates_patches_and_completes_with_dates_from_the_wall_clock() {
    let io = FakeIo::default();
    let mut up = upload(6_000);
    let (_tx, mut rx) = unbounded();
    let mut fut = std::pin::pin!(run(&io, &mut up, &mut rx, Command::Start));
    assert!(poll(fut.as_mut()).is_pending());
    let (post, slot) = io.request(0);
    assert_eq!(post.method, Method::Post);
    io.now.set(50);
    answer(&slot, Response::new(201).with_header("Location", "/files/x"));
    assert!(poll(fut.as_mut()).is_pending());
    assert_eq!(io.records.borrow()[0].created_at, EPOCH + 50, "records carry dates, not timer instants");
    for (n, offset) in [(1, 4_000), (2, 6_000)] {
        let (patch, slot) = io.request(n);
        assert_eq!(patch.method, Method::Patch);
        answer(&slot, Response::new(204).with_header("Upload-Offset", &offset.to_string()));
        let _ = poll(fut.as_mut());
    }
    assert!(poll(fut.as_mut()).is_pending(), "completion waits for the throttled last progress");
    io.now.set(500);
    assert_eq!(poll(fut.as_mut()), Poll::Ready(Ok("https://tus.example/files/x".to_string())));
    assert_eq!(io.states(), [State::Creating, State::Uploading, State::Completed]);
    assert_eq!(io.settled.borrow().last(), Some(&State::Completed), "the platform hears the final state");
}

#[test]
fn a_command_during_a_request_cancels_it_and_its_late_answer_is_never_read() {
    let io = FakeIo::default();
    let mut up = upload(10_000);
    let (tx, mut rx) = unbounded();
    let mut fut = std::pin::pin!(run(&io, &mut up, &mut rx, Command::Start));
    let _ = poll(fut.as_mut());
    answer(&io.request(0).1, Response::new(201).with_header("Location", "/files/x"));
    let _ = poll(fut.as_mut());
    let (_, patch) = io.request(1);
    tx.unbounded_send(Command::Pause).unwrap();
    assert!(poll(fut.as_mut()).is_pending());
    assert!(patch.dropped.get(), "the PATCH in flight is aborted");
    assert_eq!(io.settled.borrow().last(), Some(&State::Paused));
    // A late answer to the aborted request cannot reach the machine.
    answer(&patch, Response::new(204).with_header("Upload-Offset", "4000"));
    assert!(poll(fut.as_mut()).is_pending());
    assert!(!io.events.borrow().iter().any(|e| matches!(e, Event::Progress { .. })));
    tx.unbounded_send(Command::Start).unwrap();
    let _ = poll(fut.as_mut());
    assert_eq!(io.request(2).0.method, Method::Head, "start re-learns the offset");
    assert_eq!(io.sent(), 3);
}

#[test]
fn the_command_channel_closing_aborts_a_paused_run() {
    let io = FakeIo::default();
    let mut up = upload(10_000);
    let (tx, mut rx) = unbounded();
    let mut fut = std::pin::pin!(run(&io, &mut up, &mut rx, Command::Start));
    let _ = poll(fut.as_mut());
    tx.unbounded_send(Command::Pause).unwrap();
    assert!(poll(fut.as_mut()).is_pending(), "pausing during creation waits for the POST");
    answer(&io.request(0).1, Response::new(201).with_header("Location", "/files/x"));
    assert!(poll(fut.as_mut()).is_pending(), "a paused run stays alive");
    drop(tx);
    match poll(fut.as_mut()) {
        Poll::Ready(Err(e)) => assert_eq!(e.code, "aborted"),
        other => panic!("the run must end aborted, got {other:?}"),
    }
}

#[test]
fn the_timer_is_armed_once_per_deadline_and_fires_the_retry() {
    let io = FakeIo::default();
    let mut up = upload(10_000);
    let (tx, mut rx) = unbounded();
    let mut fut = std::pin::pin!(run(&io, &mut up, &mut rx, Command::Start));
    let _ = poll(fut.as_mut());
    let stall = *io.sleeps.borrow().last().expect("the POST's stall deadline is armed");
    // Wake-ups that change no deadline (a command that does nothing) arm nothing new.
    tx.unbounded_send(Command::Online(true)).unwrap();
    let _ = poll(fut.as_mut());
    assert_eq!(io.sleeps.borrow().as_slice(), [stall]);
    answer(&io.request(0).1, Response::new(429));
    assert!(poll(fut.as_mut()).is_pending());
    assert_eq!(io.states().last(), Some(&State::Reconnecting));
    let retry = *io.sleeps.borrow().last().unwrap();
    assert_ne!(retry, stall, "the retry wait re-arms the timer");
    assert_eq!(io.sent(), 1);
    io.now.set(retry.0);
    assert!(poll(fut.as_mut()).is_pending());
    assert_eq!(io.request(1).0.method, Method::Post, "a 429 creation is sent again when the wait ends");
}

/// A run whose first PATCH is in flight; returns the PATCH's slot.
fn patching<'a>(
    io: &'a FakeIo,
    up: &'a mut Upload,
    rx: &'a mut futures::channel::mpsc::UnboundedReceiver<Command>,
) -> (Pin<Box<impl Future<Output = Result<String, crate::core::Error>> + 'a>>, Rc<Slot>) {
    let mut fut = Box::pin(run(io, up, rx, Command::Start));
    let _ = poll(fut.as_mut());
    answer(&io.request(0).1, Response::new(201).with_header("Location", "/files/x"));
    let _ = poll(fut.as_mut());
    let (patch, slot) = io.request(1);
    assert_eq!(patch.method, Method::Patch);
    (fut, slot)
}

/// A run whose first PATCH was answered within the write interval (so the armed timer is the
/// coalesced session write, not a stall deadline); returns the second PATCH's slot.
fn coalesced<'a>(
    io: &'a FakeIo,
    up: &'a mut Upload,
    rx: &'a mut futures::channel::mpsc::UnboundedReceiver<Command>,
) -> (Pin<Box<impl Future<Output = Result<String, crate::core::Error>> + 'a>>, Rc<Slot>) {
    let (mut fut, first) = patching(io, up, rx);
    io.now.set(100);
    answer(&first, Response::new(204).with_header("Upload-Offset", "4000"));
    assert!(poll(fut.as_mut()).is_pending());
    let (patch, slot) = io.request(2);
    assert_eq!(patch.method, Method::Patch);
    (fut, slot)
}

#[test]
fn a_timer_that_fires_far_later_than_due_is_a_gap() {
    let io = FakeIo::default();
    let mut up = upload(10_000);
    let (_tx, mut rx) = unbounded();
    let (mut fut, patch) = coalesced(&io, &mut up, &mut rx);
    let armed = *io.sleeps.borrow().last().expect("a timer is armed");
    // The page was frozen: the timer fires 20 s after it was due.
    io.now.set(armed.0 + 20_000);
    assert!(poll(fut.as_mut()).is_pending());
    assert!(patch.dropped.get(), "the PATCH in flight across the gap is aborted");
    assert_eq!(io.request(3).0.method, Method::Head, "the offset is re-learnt at once");
    assert_eq!(io.sent(), 4);
    assert!(!io.events.borrow().iter().any(|e| matches!(e, Event::Reconnecting { .. })), "no backoff");
}

#[test]
fn a_timer_late_by_less_than_the_gap_is_only_a_timer() {
    let io = FakeIo::default();
    let mut up = upload(10_000);
    let (_tx, mut rx) = unbounded();
    let (mut fut, patch) = coalesced(&io, &mut up, &mut rx);
    let (armed, records) = (*io.sleeps.borrow().last().expect("a timer is armed"), io.records.borrow().len());
    io.now.set(armed.0 + GAP_MS - 1_000);
    assert!(poll(fut.as_mut()).is_pending());
    assert_eq!(io.records.borrow().len(), records + 1, "the timer did its work");
    assert!(!patch.dropped.get(), "a throttled timer leaves the request alone");
    assert_eq!(io.sent(), 3);
}

#[test]
fn resume_and_pageshow_are_gaps_and_a_plain_tab_switch_is_not() {
    for (event, gap) in [(Lifecycle::Resumed, true), (Lifecycle::Restored, true), (Lifecycle::Visible, false)] {
        let io = FakeIo::default();
        let mut up = upload(10_000);
        let (tx, mut rx) = unbounded();
        let (mut fut, patch) = patching(&io, &mut up, &mut rx);
        io.now.set(io.now.get() + 2_000);
        tx.unbounded_send(Command::Lifecycle(event)).unwrap();
        assert!(poll(fut.as_mut()).is_pending());
        assert_eq!(patch.dropped.get(), gap, "{event:?}");
        assert_eq!(io.sent(), if gap { 3 } else { 2 }, "{event:?}");
        if gap {
            assert_eq!(io.request(2).0.method, Method::Head, "{event:?}");
        }
    }
}

#[test]
fn visible_after_the_wall_clock_outran_the_timer_clock_is_a_gap() {
    // A computer that sleeps stops the timer clock (performance.now) but not the calendar.
    let io = FakeIo::default();
    let mut up = upload(10_000);
    let (tx, mut rx) = unbounded();
    let (mut fut, patch) = patching(&io, &mut up, &mut rx);
    io.slept.set(3_600_000);
    io.now.set(io.now.get() + 10);
    tx.unbounded_send(Command::Lifecycle(Lifecycle::Visible)).unwrap();
    assert!(poll(fut.as_mut()).is_pending());
    assert!(patch.dropped.get());
    assert_eq!(io.request(2).0.method, Method::Head);
    // One gap, one HEAD: the next wake-up (its answer) is no gap.
    answer(
        &io.request(2).1,
        Response::new(200).with_header("Upload-Offset", "0").with_header("Upload-Length", "10000"),
    );
    assert!(poll(fut.as_mut()).is_pending());
    assert_eq!(io.request(3).0.method, Method::Patch);
    assert_eq!(io.sent(), 4);
}

#[test]
fn suspending_writes_the_pending_record_at_once() {
    let io = FakeIo::default();
    let mut up = upload(12_000);
    let (tx, mut rx) = unbounded();
    let (mut fut, patch) = patching(&io, &mut up, &mut rx);
    io.now.set(100);
    answer(&patch, Response::new(204).with_header("Upload-Offset", "4000"));
    assert!(poll(fut.as_mut()).is_pending());
    let written = io.records.borrow().len();
    assert!(io.records.borrow().iter().all(|r| r.bytes_confirmed == 0), "coalesced: not written yet");
    tx.unbounded_send(Command::Lifecycle(Lifecycle::Suspending)).unwrap();
    assert!(poll(fut.as_mut()).is_pending());
    assert_eq!(io.records.borrow().len(), written + 1);
    assert_eq!(io.records.borrow().last().map(|r| r.bytes_confirmed), Some(4_000));
    assert!(!io.request(2).1.dropped.get(), "suspending is no gap");
}
