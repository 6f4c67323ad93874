//! Answers as data: what each status verdict means for each kind of request. Every status
//! rule of both machines lives in [`rule`]; the machines look their answers up with
//! [`decide`] and apply the result, and README.md's table is rendered from it ([`render`]).
//!
//! status.rs turns a status into a [`Verdict`]; this module turns (request kind, verdict)
//! into an [`Action`], and the few facts that qualify one (credentials already refreshed?
//! an `Idempotency-Key`? a `Retry-After`?) into a [`Decision`]. It reads no body and sends
//! nothing. OPTIONS is not here: any answer to it is read for what it teaches (none is
//! retried); nor is DELETE, beyond [`delete_again`].

use super::error::{Code, Error};
use super::http::Response;
use super::retry::Delay;
use super::status::{classify, Verdict};

/// A request whose answer has status rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The creation POST.
    Create,
    /// The HEAD that learns the offset.
    Probe,
    /// A PATCH carrying bytes.
    Patch,
    /// The final concatenation POST of a parallel upload.
    Join,
}

impl Kind {
    /// Every kind, in table order.
    pub const ALL: [Kind; 4] = [Kind::Create, Kind::Probe, Kind::Patch, Kind::Join];

    /// The method, as messages name it.
    #[must_use]
    pub fn method(self) -> &'static str {
        match self {
            Kind::Create | Kind::Join => "POST",
            Kind::Probe => "HEAD",
            Kind::Patch => "PATCH",
        }
    }
}

/// How long a retry waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Exponential backoff with jitter.
    Backoff,
    /// At once the first time, then backoff.
    ImmediateOnce,
    /// What `Retry-After` says (seconds or a date), else backoff.
    RetryAfter,
}

/// When a retry is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Always (the request is idempotent, or its retry cannot leave a second upload).
    Always,
    /// A 429, or an answer with `Retry-After`, or a request under an `Idempotency-Key`: the
    /// server certainly created nothing, or created it under our key.
    Announced,
    /// Only under an `Idempotency-Key`.
    Keyed,
}

/// What a verdict means for a kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read the answer and go on.
    Advance,
    /// The server lost the upload: start a new one from byte 0.
    Restart,
    /// Wait, then try again (a PATCH re-learns the offset with HEAD first); `shrink`: halve
    /// adaptive chunks first. When `when` does not hold, fail with `http_status`.
    Retry {
        /// How long to wait.
        wait: Wait,
        /// When the retry is safe.
        when: When,
        /// Halve adaptive chunks.
        shrink: bool,
    },
    /// Send the same request again once with fresh credentials; refused again, fail with
    /// `unauthorized`.
    Refresh,
    /// The body was too large: halve the chunk and re-learn the offset; at the smallest
    /// chunk, fail with `too_large`.
    Shrink,
    /// Fail with this code.
    Fail(Code),
}

const fn retry(wait: Wait, when: When, shrink: bool) -> Action {
    Action::Retry { wait, when, shrink }
}

const BACKOFF: Action = retry(Wait::Backoff, When::Always, false);
const FAIL: Action = Action::Fail(Code::HttpStatus);

/// The table: every status rule of both machines.
#[must_use]
pub const fn rule(kind: Kind, verdict: Verdict) -> Action {
    use Verdict as V;
    match (kind, verdict) {
        (_, V::Success) => Action::Advance,
        (_, V::Unauthorized) => Action::Refresh,
        (_, V::Fatal) => FAIL,
        (_, V::Redirect) => Action::Fail(Code::Redirected),
        // Creation: sent again only where no second upload can be left behind (rule 8).
        (Kind::Create, V::Throttled) => retry(Wait::RetryAfter, When::Announced, false),
        (Kind::Create, V::ServerError) => retry(Wait::Backoff, When::Keyed, false),
        (Kind::Create, V::TooLarge) => Action::Fail(Code::TooLarge),
        (Kind::Create, V::Gone | V::Conflict | V::Locked | V::ChecksumMismatch) => FAIL,
        // HEAD: retried on its own; only 404/410 start over.
        (Kind::Probe, V::Gone) => Action::Restart,
        (Kind::Probe, V::Throttled) => retry(Wait::RetryAfter, When::Always, false),
        (Kind::Probe, V::Conflict | V::Locked | V::ServerError) => BACKOFF,
        (Kind::Probe, V::TooLarge | V::ChecksumMismatch) => FAIL,
        // PATCH: after a HEAD has re-learnt the offset.
        (Kind::Patch, V::Gone) => Action::Restart,
        (Kind::Patch, V::Conflict) => retry(Wait::ImmediateOnce, When::Always, false),
        (Kind::Patch, V::Throttled) => retry(Wait::RetryAfter, When::Always, false),
        (Kind::Patch, V::Locked | V::ServerError | V::ChecksumMismatch) => retry(Wait::Backoff, When::Always, true),
        (Kind::Patch, V::TooLarge) => Action::Shrink,
        // The final POST: the parts stay on the server until it succeeds. It creates an
        // upload, so it is sent again on the creation's terms. 404/410: a part may have
        // expired after it completed; the parts are asked again (parallel/join.rs).
        (Kind::Join, V::Gone) => Action::Restart,
        (Kind::Join, V::Throttled) => retry(Wait::RetryAfter, When::Announced, false),
        (Kind::Join, V::ServerError) => retry(Wait::Backoff, When::Keyed, false),
        (Kind::Join, V::Locked) => BACKOFF,
        (Kind::Join, V::TooLarge) => Action::Fail(Code::TooLarge),
        (Kind::Join, V::Conflict | V::ChecksumMismatch) => FAIL,
    }
}

/// Whether an abort's DELETE answered `status` is sent again: only a refusal for now (423,
/// the cancelled PATCH still holding the upload; 429; 5xx). Any other answer ends the abort,
/// 404 and 410 (already gone) included.
#[must_use]
pub fn delete_again(status: u16) -> bool {
    matches!(classify(status), Verdict::Locked | Verdict::Throttled | Verdict::ServerError)
}

/// What qualifies an answer beyond its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// This request was already sent with fresh credentials.
    pub refreshed: bool,
    /// The request carries an `Idempotency-Key`.
    pub keyed: bool,
    /// The answer's `Retry-After`, in milliseconds, when it had a valid one.
    pub retry_after: Option<u64>,
}

/// What to do with one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Read the answer and go on.
    Advance,
    /// Start a new upload from byte 0.
    Restart,
    /// Wait `delay`, then try again; `shrink`: halve adaptive chunks first.
    Retry {
        /// How long.
        delay: Delay,
        /// Halve adaptive chunks.
        shrink: bool,
    },
    /// Send the same request again with fresh credentials.
    Refresh,
    /// Halve the chunk and re-learn the offset (the machine fails at the smallest chunk).
    Shrink,
    /// Fail with this code (build the error with [`error`]).
    Fail(Code),
}

/// Looks up `res` for a request of `kind`.
#[must_use]
pub fn decide(kind: Kind, res: &Response, ctx: Context) -> Decision {
    match rule(kind, classify(res.status)) {
        Action::Advance => Decision::Advance,
        Action::Restart => Decision::Restart,
        Action::Refresh if ctx.refreshed => Decision::Fail(Code::Unauthorized),
        Action::Refresh => Decision::Refresh,
        Action::Shrink => Decision::Shrink,
        Action::Fail(code) => Decision::Fail(code),
        Action::Retry { wait, when, shrink } => {
            let safe = match when {
                When::Always => true,
                When::Announced => ctx.keyed || res.status == 429 || ctx.retry_after.is_some(),
                When::Keyed => ctx.keyed,
            };
            if !safe {
                return Decision::Fail(Code::HttpStatus);
            }
            let delay = match (wait, ctx.retry_after) {
                (Wait::RetryAfter, Some(ms)) => Delay::After(ms),
                (Wait::ImmediateOnce, _) => Delay::ImmediateOnce,
                (Wait::RetryAfter | Wait::Backoff, _) => Delay::Backoff,
            };
            Decision::Retry { delay, shrink }
        }
    }
}

/// The error a failed answer of `kind` fails with.
#[must_use]
pub fn error(kind: Kind, code: Code, res: &Response) -> Error {
    let method = kind.method();
    match code {
        Code::UploadGone => Error::expired(method, res.status),
        Code::Redirected => redirected(method, Some(res.status)),
        Code::Unauthorized => {
            let base = Error::rejected(method, res.status, &res.body);
            let message = format!("{}; fresh headers were requested and refused as well", base.message);
            Error { code, message, ..base }
        }
        Code::TooLarge if kind != Kind::Patch => {
            let body = format!("the file is larger than the server accepts. {}", res.body);
            Error { code, ..Error::rejected(method, res.status, &body) }
        }
        _ => Error { code, ..Error::rejected(method, res.status, &res.body) },
    }
}

/// The request was redirected (`status` when the answer showed one; fetch's opaque redirects
/// hide it). Nothing is sent to the redirect's target.
#[must_use]
pub fn redirected(method: &str, status: Option<u16>) -> Error {
    let shown = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    let message = format!(
        "the server answered {method} with a redirect{shown}; ferry follows no redirects: \
         point the endpoint at the final upload URL"
    );
    Error { kind: super::error::ErrorKind::Protocol, code: Code::Redirected, status, message }
}

/// The statuses each verdict stands for, as README names them.
fn statuses(v: Verdict) -> &'static str {
    match v {
        Verdict::Success => "2xx",
        Verdict::Gone => "404, 410",
        Verdict::Conflict => "409",
        Verdict::Locked => "423",
        Verdict::Throttled => "429, 503",
        Verdict::ServerError => "408, 5xx",
        Verdict::Unauthorized => "401, 403",
        Verdict::TooLarge => "413",
        Verdict::ChecksumMismatch => "460, 417",
        Verdict::Redirect => "3xx",
        Verdict::Fatal => "other",
    }
}

const VERDICTS: [Verdict; 11] = [
    Verdict::Success,
    Verdict::Gone,
    Verdict::Conflict,
    Verdict::Locked,
    Verdict::Throttled,
    Verdict::ServerError,
    Verdict::Unauthorized,
    Verdict::TooLarge,
    Verdict::ChecksumMismatch,
    Verdict::Redirect,
    Verdict::Fatal,
];

fn describe(kind: Kind, action: Action) -> String {
    match action {
        Action::Advance => "goes on".to_string(),
        Action::Restart if kind == Kind::Join => {
            "asks every part again with HEAD; a lost part starts over (`restarted` \
                                                  event), then the final POST again; the second time: `upload_gone`"
                .to_string()
        }
        Action::Restart => "`restarted` event, then a new upload from byte 0".to_string(),
        Action::Refresh => {
            "calls `headers` with `refused: true` and sends it again once; then `unauthorized`".to_string()
        }
        Action::Shrink => {
            "halves the chunk (down to 1 KiB), learns the offset, continues; then `too_large`".to_string()
        }
        Action::Fail(code) => format!("fails: `{}`", code.as_str()),
        Action::Retry { wait, when, shrink } => {
            let wait = match wait {
                Wait::Backoff => "waits (backoff)",
                Wait::ImmediateOnce => "at once, then backoff",
                Wait::RetryAfter => "waits `Retry-After` (seconds or a date) or backoff",
            };
            let then = match kind {
                Kind::Create => "sends the creation again",
                Kind::Probe => "asks again",
                Kind::Patch => "learns the offset with HEAD, continues",
                Kind::Join => "sends the final POST again",
            };
            let when = match when {
                When::Always => "",
                When::Announced => " if 429, `Retry-After` or `idempotencyKey`, else `http_status`",
                When::Keyed => " only with `idempotencyKey`, else `http_status`",
            };
            let shrink = if shrink { "; 'auto' chunks halve" } else { "" };
            format!("{wait}, {then}{when}{shrink}")
        }
    }
}

/// The table as markdown: one row per verdict, one column per kind of request.
#[must_use]
pub fn render() -> String {
    let mut out = String::from("| status | POST (create) | HEAD (offset) | PATCH (bytes) | final POST (parallel) |\n");
    out.push_str("|---|---|---|---|---|\n");
    for v in VERDICTS {
        out.push_str("| ");
        out.push_str(statuses(v));
        for kind in Kind::ALL {
            out.push_str(" | ");
            out.push_str(&describe(kind, rule(kind, v)));
        }
        out.push_str(" |\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context { refreshed: false, keyed: false, retry_after: None }
    }

    #[test]
    fn readme_shows_the_table_the_machines_use() {
        let readme = include_str!("../../README.md");
        let begin = "<!-- answers:begin (rendered from src/core/answer.rs) -->\n";
        let end = "<!-- answers:end -->";
        let start = readme.find(begin).map(|i| i + begin.len()).expect("README marks the answer table");
        let stop = readme.get(start..).and_then(|rest| rest.find(end)).map(|i| start + i).expect("end marker");
        let shown = readme.get(start..stop).unwrap_or_default();
        assert_eq!(shown, render(), "README.md's table differs from answer.rs; paste this:\n{}", render());
    }

    #[test]
    fn a_refusal_refreshes_once_then_fails() {
        let res = Response::new(401);
        assert_eq!(decide(Kind::Join, &res, ctx()), Decision::Refresh);
        let again = Context { refreshed: true, ..ctx() };
        assert_eq!(decide(Kind::Join, &res, again), Decision::Fail(Code::Unauthorized));
    }

    #[test]
    fn a_creation_is_sent_again_only_where_it_cannot_leave_a_second_upload() {
        let keyed = Context { keyed: true, ..ctx() };
        let after = Context { retry_after: Some(2_000), ..ctx() };
        let no_shrink = |delay| Decision::Retry { delay, shrink: false };
        assert_eq!(decide(Kind::Create, &Response::new(503), ctx()), Decision::Fail(Code::HttpStatus));
        assert_eq!(decide(Kind::Create, &Response::new(503), after), no_shrink(Delay::After(2_000)));
        assert_eq!(decide(Kind::Create, &Response::new(429), ctx()), no_shrink(Delay::Backoff));
        assert_eq!(decide(Kind::Create, &Response::new(500), ctx()), Decision::Fail(Code::HttpStatus));
        assert_eq!(decide(Kind::Create, &Response::new(500), keyed), no_shrink(Delay::Backoff));
        assert_eq!(decide(Kind::Create, &Response::new(404), keyed), Decision::Fail(Code::HttpStatus));
    }

    #[test]
    fn the_final_post_follows_the_same_rules_as_other_requests() {
        let after = Context { retry_after: Some(5_000), ..ctx() };
        assert_eq!(
            decide(Kind::Join, &Response::new(503), after),
            Decision::Retry { delay: Delay::After(5_000), shrink: false }
        );
        assert_eq!(
            decide(Kind::Join, &Response::new(423), ctx()),
            Decision::Retry { delay: Delay::Backoff, shrink: false }
        );
        assert_eq!(decide(Kind::Join, &Response::new(410), ctx()), Decision::Restart);
        assert_eq!(decide(Kind::Join, &Response::new(400), ctx()), Decision::Fail(Code::HttpStatus));
        assert_eq!(error(Kind::Join, Code::UploadGone, &Response::new(410)).kind, crate::core::ErrorKind::Expired);
    }

    #[test]
    fn patch_answers_shrink_restart_or_reprobe() {
        assert_eq!(decide(Kind::Patch, &Response::new(413), ctx()), Decision::Shrink);
        assert_eq!(decide(Kind::Patch, &Response::new(404), ctx()), Decision::Restart);
        assert_eq!(
            decide(Kind::Patch, &Response::new(409), ctx()),
            Decision::Retry { delay: Delay::ImmediateOnce, shrink: false }
        );
        assert_eq!(
            decide(Kind::Patch, &Response::new(460), ctx()),
            Decision::Retry { delay: Delay::Backoff, shrink: true }
        );
        assert_eq!(decide(Kind::Probe, &Response::new(404), ctx()), Decision::Restart);
        assert_eq!(
            decide(Kind::Probe, &Response::new(409), ctx()),
            Decision::Retry { delay: Delay::Backoff, shrink: false }
        );
    }
}
