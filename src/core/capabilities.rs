//! What a TUS server says about itself in its OPTIONS answer: the extensions the client uses
//! (`concatenation`, `creation-defer-length`), the best checksum algorithm both sides know, and `Tus-Max-Size`.
//!
//! Learnt once per endpoint: an upload that learns them says so with [`Output::Learned`] and
//! the platform hands them to later uploads to the same endpoint in `Config::capabilities`, so
//! a queue of parallel or checksummed uploads sends one OPTIONS, not one per file. Only a
//! successful answer is worth remembering. Nothing here sends a request or keeps a cache.
//!
//! [`Output::Learned`]: super::machine::Output::Learned

use super::checksum::Algorithm;
use super::error::{Code, Error, ErrorKind};
use super::header;
use super::http::Response;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
/// What a server's OPTIONS answer says it supports.
pub struct Capabilities {
    /// `Tus-Extension` lists `concatenation`.
    pub concatenation: bool,
    /// `Tus-Extension` lists `creation-defer-length`: an upload may be created before its
    /// length is known (a recording), the length following with a later PATCH.
    pub defer_length: bool,
    /// sha256 when offered, else sha1, from `Tus-Checksum-Algorithm`.
    pub checksum: Option<Algorithm>,
    /// `Tus-Max-Size`: the largest upload the server accepts.
    pub max_size: Option<u64>,
}

impl Capabilities {
    /// Reads a successful OPTIONS answer; `None` for any other answer (nothing learnt).
    pub fn from_options(res: &Response) -> Option<Capabilities> {
        if !res.is_success() {
            return None;
        }
        let extension =
            |name: &str| res.header("tus-extension").is_some_and(|v| header::parse_list(v).any(|e| e == name));
        Some(Capabilities {
            concatenation: extension("concatenation"),
            defer_length: extension("creation-defer-length"),
            checksum: res.header("tus-checksum-algorithm").and_then(Algorithm::choose),
            max_size: res.header("tus-max-size").and_then(header::parse_u64),
        })
    }

    /// A `too_large` error when a file of `size` bytes exceeds `Tus-Max-Size`.
    pub fn check_size(&self, size: u64) -> Result<(), Error> {
        match self.max_size {
            Some(max) if max < size => Err(Error {
                kind: ErrorKind::Rejected,
                code: Code::TooLarge,
                status: None,
                message: format!("the file has {size} bytes but the server accepts at most {max} (Tus-Max-Size)"),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: String::new(),
        }
    }

    #[test]
    fn reads_extensions_checksum_and_max_size() {
        let caps = Capabilities::from_options(&options(
            204,
            &[
                ("Tus-Extension", "creation, termination,concatenation,creation-defer-length"),
                ("Tus-Checksum-Algorithm", "md5,sha1,sha256"),
                ("Tus-Max-Size", "1048576"),
            ],
        ))
        .expect("a 204 is an answer");
        assert!(caps.concatenation && caps.defer_length);
        assert_eq!(caps.checksum, Some(Algorithm::Sha256));
        assert_eq!(caps.max_size, Some(1_048_576));
        assert!(caps.check_size(1_048_576).is_ok());
        assert_eq!(caps.check_size(1_048_577).unwrap_err().code, "too_large");
    }

    #[test]
    fn a_bare_answer_offers_nothing() {
        let caps =
            Capabilities::from_options(&options(200, &[("Tus-Extension", "concatenation-unfinished, creation-defer")]))
                .unwrap();
        assert_eq!(caps, Capabilities { concatenation: false, defer_length: false, checksum: None, max_size: None });
        assert!(caps.check_size(u64::MAX).is_ok());
    }

    #[test]
    fn a_failed_or_malformed_answer_teaches_nothing() {
        assert_eq!(Capabilities::from_options(&options(405, &[("Tus-Extension", "concatenation")])), None);
        assert_eq!(Capabilities::from_options(&options(500, &[])), None);
        let caps = Capabilities::from_options(&options(204, &[("Tus-Max-Size", "-1")])).unwrap();
        assert_eq!(caps.max_size, None);
    }
}
