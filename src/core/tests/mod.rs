//! Conversation tests for the core: a scripted fake server on a virtual clock.
//!
//! Each test plays the server by hand: expect a request, give a response, move time, assert
//! events, and finish by draining to `Idle` and asserting nothing more happens. This is the
//! only place a fake server is allowed; real servers are used by the browser tiers.

mod boundaries;
mod checksums;
mod commands;
mod creation;
mod pacing;
mod parallel;
mod parallel_faults;
mod patching;
#[cfg(proptest)] // set by build.rs where proptest builds (the host)
mod props;
mod recording;
mod recording_faults;
mod resume;
mod retries;
mod sessions;
mod throttling;
mod wake;

use std::collections::VecDeque;

use super::*;

pub const MIB: u64 = 1024 * 1024;
pub const ENDPOINT: &str = "https://tus.example/files/";
pub const UPLOAD_URL: &str = "https://tus.example/files/abc";

/// The app, the driver and the clock, played by the test, for either machine.
///
/// Every input drains the machine to `Idle`. When dropped (unless the test is already
/// failing) it checks that the test ends quiescent: nothing left undrained, every request
/// the machine sent (and did not cancel) taken by the test, and a spurious `handle_timeout` before the next
/// deadline producing nothing. `finish` checks more: that nothing is scheduled at all.
pub struct Harness<M: Machine = Upload> {
    pub up: M,
    pub now: Millis,
    pub events: Vec<Event>,
    pub sent: VecDeque<(RequestId, Request)>,
    pub cancelled: Vec<RequestId>,
    pub wake_at: Option<Millis>,
    /// Session writes and deletions, in order: `Ok(record)` written, `Err(key)` forgotten.
    pub store: Vec<Result<SessionRecord, String>>,
    /// What the machine learnt about endpoints (`Output::Learned`).
    pub learned: Vec<(String, Capabilities)>,
    /// Offsets a recording's buffer was allowed to drop up to (`Output::Release`).
    pub released: Vec<u64>,
}

impl Harness<Upload> {
    /// An upload of `size` bytes in fixed chunks of `chunk` bytes.
    pub fn new(size: u64, chunk: u64) -> Harness {
        let cfg = Config::new(ENDPOINT).fixed_chunks(chunk);
        Harness::with(cfg, SourceInfo::file(size, "video.mp4", "video/mp4"))
    }

    pub fn with(cfg: Config, source: SourceInfo) -> Harness {
        let up = Upload::new(cfg, source, Millis(0)).expect("valid config");
        Harness::from_upload(up)
    }

    pub fn from_upload(up: Upload) -> Harness {
        Harness::of(up)
    }

    /// Fires the stall timer of the request in flight.
    pub fn stall(&mut self) {
        let at = self.up.timers().get(Timer::Stall).expect("no stall timer armed");
        self.now = self.now.max(at);
        self.up.handle_timeout(self.now);
        self.drain();
    }

    /// Answers the POST with a Location and returns the first PATCH.
    pub fn create(&mut self, location: &str) -> (RequestId, Request) {
        self.start();
        let (id, _) = self.expect(Method::Post);
        self.reply(id, created(location));
        self.expect(Method::Patch)
    }
}

impl<M: Machine> Harness<M> {
    /// Plays the app and the driver for `up`.
    pub fn of(up: M) -> Harness<M> {
        Harness {
            up,
            now: Millis(0),
            events: Vec::new(),
            sent: VecDeque::new(),
            cancelled: Vec::new(),
            wake_at: None,
            store: Vec::new(),
            learned: Vec::new(),
            released: Vec::new(),
        }
    }

    pub fn drain(&mut self) {
        loop {
            match self.up.poll_output() {
                Output::Send(id, req) => self.sent.push_back((id, req)),
                Output::Cancel(id) => self.cancelled.push(id),
                Output::Event(ev) => self.events.push(ev),
                Output::Persist(record) => self.store.push(Ok(record)),
                Output::Forget(key) => self.store.push(Err(key)),
                Output::Learned { endpoint, capabilities } => self.learned.push((endpoint, capabilities)),
                Output::Release(offset) => self.released.push(offset),
                Output::Idle { wake_at } => {
                    self.wake_at = wake_at;
                    return;
                }
            }
        }
    }

    pub fn start(&mut self) {
        self.up.start(self.now);
        self.drain();
    }

    pub fn pause(&mut self) {
        self.up.pause(self.now);
        self.drain();
    }

    pub fn abort(&mut self, terminate: bool) {
        self.up.abort(terminate, self.now);
        self.drain();
    }

    /// Takes the next request, which must use `method`.
    pub fn expect(&mut self, method: Method) -> (RequestId, Request) {
        let (id, req) = self.sent.pop_front().unwrap_or_else(|| panic!("expected a {method:?}, nothing was sent"));
        assert_eq!(req.method, method, "unexpected request {req:?}");
        assert_eq!(req.header("Tus-Resumable"), Some("1.0.0"));
        (id, req)
    }

    /// Takes the first request using `method`, wherever it is in the queue.
    pub fn take(&mut self, method: Method) -> (RequestId, Request) {
        let at = self.sent.iter().position(|(_, r)| r.method == method);
        let at = at.unwrap_or_else(|| panic!("no {method:?} in {:?}", self.sent));
        self.sent.remove(at).expect("a position inside the queue")
    }

    pub fn reply(&mut self, id: RequestId, res: Response) {
        self.up.handle_response(id, res, self.now);
        self.drain();
    }

    pub fn fail(&mut self, id: RequestId, err: TransportError) {
        self.up.handle_failure(id, err, self.now);
        self.drain();
    }

    /// Moves the clock, firing the timer if it is due.
    pub fn advance(&mut self, ms: u64) {
        self.now = self.now.plus(ms);
        if matches!(self.wake_at, Some(t) if t <= self.now) {
            self.up.handle_timeout(self.now);
            self.drain();
        }
    }

    /// Fires the earliest timer.
    pub fn fire(&mut self) {
        let at = self.wake_at.expect("a timer is armed");
        self.now = self.now.max(at);
        self.up.handle_timeout(self.now);
        self.drain();
    }

    /// Lets every timer fire until a request goes out (whose answer the test then plays).
    pub fn settle(&mut self) {
        for _ in 0..100 {
            if !self.sent.is_empty() {
                return;
            }
            match self.wake_at {
                Some(t) => {
                    self.now = self.now.max(t);
                    self.up.handle_timeout(self.now);
                    self.drain();
                }
                None => return,
            }
        }
        panic!("timers never settled");
    }

    /// Ends a test: nothing unsent, nothing scheduled, and a spurious timeout changes nothing.
    pub fn finish(&mut self) {
        self.settle();
        assert!(self.sent.is_empty(), "unexpected requests left: {:?}", self.sent);
        let before = self.events.len();
        self.up.handle_timeout(self.now.plus(3_600_000));
        self.drain();
        assert_eq!(self.events.len(), before, "a spurious timeout produced events");
        assert!(self.sent.is_empty());
    }

    /// A gap: the page was frozen or the computer slept (`handle_wake`).
    pub fn wake(&mut self) {
        self.up.handle_wake(self.now);
        self.drain();
    }

    pub fn online(&mut self, online: bool) {
        self.up.handle_online(online, self.now);
        self.drain();
    }

    pub fn states(&self) -> Vec<State> {
        self.events.iter().filter_map(|e| if let Event::State(s) = e { Some(*s) } else { None }).collect()
    }

    pub fn progress(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter_map(|e| if let Event::Progress { confirmed, .. } = e { Some(*confirmed) } else { None })
            .collect()
    }

    /// `(attempt, reason)` of every `Reconnecting` event.
    pub fn reconnecting(&self) -> Vec<(u32, Error)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Reconnecting { attempt, reason, .. } => Some((*attempt, reason.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn failure(&self) -> Option<&Error> {
        self.events.iter().find_map(|e| if let Event::Failed(err) = e { Some(err) } else { None })
    }
}

impl<M: Machine> Drop for Harness<M> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let left = self.up.poll_output();
        assert!(matches!(left, Output::Idle { .. }), "the test left outputs undrained: {left:?}");
        // Requests the machine cancelled again are over; every other one must have been taken.
        let live: Vec<_> = self.sent.iter().filter(|(id, _)| !self.cancelled.contains(id)).collect();
        assert!(live.is_empty(), "the test ignored requests the machine sent: {live:?}");
        // A timeout before any deadline is spurious: it must change nothing.
        let spurious = match self.wake_at {
            Some(t) if t <= self.now => None,
            _ => Some(self.now),
        };
        if let Some(at) = spurious {
            let (events, cancelled, live_before) = (self.events.len(), self.cancelled.len(), self.sent.len());
            self.up.handle_timeout(at);
            self.drain();
            assert_eq!(self.events.len(), events, "a spurious timeout produced events: {:?}", self.events);
            assert!(self.cancelled.len() == cancelled, "a spurious timeout cancelled requests");
            assert!(self.sent.len() == live_before, "a spurious timeout sent requests: {:?}", self.sent);
        }
    }
}

pub fn created(location: &str) -> Response {
    Response::new(201).with_header("Location", location)
}

pub fn accepted(offset: u64) -> Response {
    Response::new(204).with_header("Upload-Offset", &offset.to_string())
}

pub fn head_ok(offset: u64, length: u64) -> Response {
    Response::new(200)
        .with_header("Upload-Offset", &offset.to_string())
        .with_header("Upload-Length", &length.to_string())
}

pub fn range(req: &Request) -> (u64, u64) {
    match req.body {
        Body::Source { start, end } => (start, end),
        Body::Empty | Body::Commit => panic!("request has no body: {req:?}"),
    }
}

/// A machine from `machine::build`, for the harness.
pub struct BoxedMachine(Box<dyn Machine>);

impl Machine for BoxedMachine {
    fn start(&mut self, now: Millis) {
        self.0.start(now)
    }
    fn pause(&mut self, now: Millis) {
        self.0.pause(now)
    }
    fn abort(&mut self, terminate: bool, now: Millis) {
        self.0.abort(terminate, now)
    }
    fn handle_response(&mut self, id: RequestId, res: Response, now: Millis) {
        self.0.handle_response(id, res, now)
    }
    fn handle_failure(&mut self, id: RequestId, err: TransportError, now: Millis) {
        self.0.handle_failure(id, err, now)
    }
    fn handle_timeout(&mut self, now: Millis) {
        self.0.handle_timeout(now)
    }
    fn handle_online(&mut self, online: bool, now: Millis) {
        self.0.handle_online(online, now)
    }
    fn handle_lock(&mut self, held: bool, now: Millis) {
        self.0.handle_lock(held, now)
    }
    fn handle_wall_clock(&mut self, clock: WallClock) {
        self.0.handle_wall_clock(clock)
    }
    fn handle_wake(&mut self, now: Millis) {
        self.0.handle_wake(now)
    }
    fn handle_suspend(&mut self, now: Millis) {
        self.0.handle_suspend(now)
    }
    fn handle_data(&mut self, available: u64, now: Millis) {
        self.0.handle_data(available, now)
    }
    fn handle_end(&mut self, total: u64, now: Millis) {
        self.0.handle_end(total, now)
    }
    fn handle_released(&mut self, offset: u64) {
        self.0.handle_released(offset)
    }
    fn poll_output(&mut self) -> Output {
        self.0.poll_output()
    }
    fn state(&self) -> State {
        self.0.state()
    }
    fn outcome(&self) -> Option<Result<String, Error>> {
        self.0.outcome()
    }
    fn bytes_total(&self) -> u64 {
        self.0.bytes_total()
    }
}
