//! What a property run does, as data: the steps of one run (the app's commands, the
//! network's faults, time, and how the server answers), and the proptest strategies that
//! draw them.
//!
//! It says what happens, not whether the machine got it right: world.rs plays the steps and
//! checks.rs judges the outputs. Values are drawn relative to the request they answer
//! (`Val::Near`), so that "any header value" also reaches the edges that matter (the chunk's
//! start and end, the file's size, one off either way).

use proptest::prelude::*;

/// One step of a run.
#[derive(Clone, Debug)]
pub enum Step {
    /// The server answers request number `pick` (modulo those in flight).
    Answer {
        pick: usize,
        reply: Reply,
    },
    /// Request number `pick` gets no HTTP answer.
    Fail {
        pick: usize,
        how: Failure,
    },
    /// An answer to a request no longer in flight (answered, or cancelled by the machine).
    Stale {
        pick: usize,
        reply: Reply,
    },
    /// The clock moves by this many milliseconds; a due timer fires.
    Advance(u64),
    /// The clock moves to the next wake-up, which fires.
    Fire,
    /// A timeout before any deadline: must change nothing.
    Spurious,
    Online(bool),
    /// A gap: the page was frozen, the computer slept (the clock moves on by this much).
    Wake(u64),
    /// The page may never run again.
    Suspend,
    Start,
    Pause,
    Abort {
        terminate: bool,
    },
    Lock(bool),
}

/// Why a request got no answer.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// A reset, a refused connection.
    Network,
    /// The app's headers callback threw.
    Headers,
    /// The server redirected it (fetch refuses to follow).
    Redirect,
    /// The file changed on disk: its bytes can no longer be read.
    Unreadable,
}

/// How the server answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// What a correct server says.
    Good,
    /// A 2xx PATCH that accepts `n`/255 of the body (other requests: as `Good`).
    Partial(u8),
    /// 404 or 410, and the server forgets the upload.
    Lost { gone: bool },
    /// Any status, any headers.
    Raw { status: u16, headers: Vec<(usize, Val)>, body: String },
}

/// A header value.
#[derive(Clone, Debug)]
pub enum Val {
    /// A number near an edge of the request it answers.
    Near(Anchor, i8),
    Num(u64),
    Text(String),
}

/// The edges a number is drawn near.
#[derive(Clone, Copy, Debug)]
pub enum Anchor {
    Zero,
    /// The PATCH's Upload-Offset.
    Start,
    /// Its Upload-Offset plus its body's length.
    End,
    /// The length of the upload (or the file).
    Size,
    /// What the server really holds.
    Held,
}

/// The response headers a raw answer may carry, by index.
pub const HEADERS: [&str; 9] = [
    "Upload-Offset",
    "Upload-Length",
    "Location",
    "Retry-After",
    "Upload-Expires",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
    "Upload-Concat",
];

fn anchor() -> impl Strategy<Value = Anchor> {
    prop_oneof![Just(Anchor::Zero), Just(Anchor::Start), Just(Anchor::End), Just(Anchor::Size), Just(Anchor::Held)]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("-1".to_string()),
        Just(" 5".to_string()),
        Just("1e3".to_string()),
        Just("18446744073709551616".to_string()),
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_string()),
        Just("Thu, 01 Jan 2099 00:00:00 GMT".to_string()),
        Just("/files/elsewhere".to_string()),
        Just("https://tus.example/files/other".to_string()),
        Just("//evil.example/x".to_string()),
        Just("http://[::1".to_string()),
        Just("creation,concatenation,checksum".to_string()),
        Just("sha256,sha1".to_string()),
        Just("final;https://tus.example/files/u1".to_string()),
        "[ -~]{0,16}",
        "\\PC{0,8}",
    ]
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        4 => (anchor(), -2i8..=2).prop_map(|(a, d)| Val::Near(a, d)),
        1 => any::<u64>().prop_map(Val::Num),
        2 => text().prop_map(Val::Text),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => prop::sample::select(vec![
            200u16, 201, 204, 206, 301, 400, 401, 403, 404, 408, 409, 410, 412, 413, 417, 423, 429, 460, 500,
            502, 503, 504,
        ]),
        1 => 100u16..=599,
        1 => any::<u16>(),
    ]
}

pub fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        6 => Just(Reply::Good),
        2 => any::<u8>().prop_map(Reply::Partial),
        1 => any::<bool>().prop_map(|gone| Reply::Lost { gone }),
        3 => (status(), prop::collection::vec((0..HEADERS.len(), val()), 0..4), "[ -~]{0,8}")
            .prop_map(|(status, headers, body)| Reply::Raw { status, headers, body }),
    ]
}

/// A well-behaved server's answers only, though it may lose an upload now and then: every
/// request eventually succeeds.
pub fn kind_reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        16 => Just(Reply::Good),
        4 => any::<u8>().prop_map(Reply::Partial),
        1 => any::<bool>().prop_map(|gone| Reply::Lost { gone }),
    ]
}

fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![18 => Just(Failure::Network), 1 => Just(Failure::Headers), 1 => Just(Failure::Redirect), 1 => Just(Failure::Unreadable)]
}

fn time_jump() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0u64..1_000, 2 => 1_000u64..120_000, 1 => 120_000u64..10_000_000]
}

/// Steps of a run against any server.
pub fn step() -> impl Strategy<Value = Step> {
    steps_with(reply().boxed())
}

/// Steps of a run against a server whose answers all succeed (faults are the network's).
pub fn kind_step() -> impl Strategy<Value = Step> {
    steps_with(kind_reply().boxed())
}

fn steps_with(reply: BoxedStrategy<Reply>) -> impl Strategy<Value = Step> {
    prop_oneof![
        45 => (any::<usize>(), reply.clone()).prop_map(|(pick, reply)| Step::Answer { pick, reply }),
        8 => (any::<usize>(), failure()).prop_map(|(pick, how)| Step::Fail { pick, how }),
        4 => (any::<usize>(), reply).prop_map(|(pick, reply)| Step::Stale { pick, reply }),
        8 => time_jump().prop_map(Step::Advance),
        8 => Just(Step::Fire),
        3 => Just(Step::Spurious),
        4 => any::<bool>().prop_map(Step::Online),
        2 => time_jump().prop_map(Step::Wake),
        1 => Just(Step::Suspend),
        8 => Just(Step::Start),
        4 => Just(Step::Pause),
        1 => prop::bool::weighted(0.3).prop_map(|terminate| Step::Abort { terminate }),
        3 => any::<bool>().prop_map(Step::Lock),
    ]
}
