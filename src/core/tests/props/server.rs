//! A TUS server for property runs. It keeps the uploads it created (length, offset, part or
//! not) and answers as a correct server would (`Reply::Good`, or `Reply::Partial`, which
//! accepts part of a PATCH's body); `Reply::Lost` forgets the upload; `Reply::Raw` says
//! anything at all and changes nothing it holds. It honours `Idempotency-Key` (a key seen
//! before gets the same upload back) and joins complete parts on a final POST.
//!
//! It judges nothing about the client: checks.rs does.

use std::collections::HashMap;

use super::script::{Anchor, Reply, Val, HEADERS};
use crate::core::header::parse_u64;
use crate::core::http::{Body, Method, Request, Response};
use crate::core::tests::ENDPOINT;

/// One upload the server holds.
#[derive(Clone, Debug)]
pub struct Remote {
    pub length: u64,
    pub offset: u64,
    pub partial: bool,
}

/// What the server offers in its OPTIONS answer.
#[derive(Clone, Copy, Debug)]
pub struct Offer {
    pub concatenation: bool,
    pub checksum: bool,
    pub max_size: Option<u64>,
}

#[derive(Debug)]
pub struct Server {
    pub uploads: HashMap<String, Remote>,
    keys: HashMap<String, String>,
    next: u32,
    offer: Offer,
    /// The file's size: the length numbers are drawn near when the request names none.
    size: u64,
}

impl Server {
    pub fn new(offer: Offer, size: u64) -> Server {
        Server { uploads: HashMap::new(), keys: HashMap::new(), next: 0, offer, size }
    }

    /// An upload the server already holds (a known upload URL, a stored session).
    pub fn holding(&mut self, url: &str, remote: Remote) {
        self.uploads.insert(url.to_string(), remote);
    }

    pub fn answer(&mut self, req: &Request, reply: &Reply) -> Response {
        match reply {
            Reply::Good => self.good(req, None),
            Reply::Partial(n) => self.good(req, Some(*n)),
            Reply::Lost { gone } => {
                self.uploads.remove(&req.url);
                Response::new(if *gone { 410 } else { 404 })
            }
            Reply::Raw { status, headers, body } => {
                let mut res = Response::new(*status).with_body(body);
                for (name, val) in headers {
                    let name = HEADERS.get(*name).copied().unwrap_or("X-Other");
                    let value = self.value(req, val);
                    res = res.with_header(name, &value);
                }
                res
            }
        }
    }

    /// A number near an edge of `req`, or any value at all.
    fn value(&self, req: &Request, val: &Val) -> String {
        let (start, len) = patch_range(req);
        let held = self.uploads.get(&req.url);
        let at = |a: Anchor| -> i128 {
            let n = match a {
                Anchor::Zero => 0,
                Anchor::Start => start,
                Anchor::End => start + len,
                Anchor::Size => held.map_or_else(|| upload_length(req).unwrap_or(self.size), |r| r.length),
                Anchor::Held => held.map_or(0, |r| r.offset),
            };
            i128::from(n)
        };
        match val {
            Val::Near(a, d) => (at(*a) + i128::from(*d)).to_string(),
            Val::Num(n) => n.to_string(),
            Val::Text(t) => t.clone(),
        }
    }

    fn good(&mut self, req: &Request, partial: Option<u8>) -> Response {
        match req.method {
            Method::Options => self.options(),
            Method::Post => self.create(req),
            Method::Head => match self.uploads.get(&req.url) {
                Some(r) => Response::new(200)
                    .with_header("Upload-Offset", &r.offset.to_string())
                    .with_header("Upload-Length", &r.length.to_string())
                    .with_header("Cache-Control", "no-store"),
                None => Response::new(404),
            },
            Method::Patch => self.patch(req, partial),
            Method::Delete => {
                self.uploads.remove(&req.url);
                Response::new(204)
            }
        }
    }

    fn options(&self) -> Response {
        let mut ext = String::from("creation,termination");
        if self.offer.concatenation {
            ext.push_str(",concatenation");
        }
        let mut res = Response::new(204).with_header("Tus-Version", "1.0.0");
        if self.offer.checksum {
            ext.push_str(",checksum");
            res = res.with_header("Tus-Checksum-Algorithm", "sha1,sha256");
        }
        if let Some(max) = self.offer.max_size {
            res = res.with_header("Tus-Max-Size", &max.to_string());
        }
        res.with_header("Tus-Extension", &ext)
    }

    fn create(&mut self, req: &Request) -> Response {
        let key = req.header("Idempotency-Key").map(str::to_string);
        if let Some(url) = key.as_ref().and_then(|k| self.keys.get(k)) {
            return Response::new(201).with_header("Location", url);
        }
        let concat = req.header("Upload-Concat").unwrap_or_default();
        let remote = if let Some(urls) = concat.strip_prefix("final;") {
            let parts: Option<Vec<&Remote>> = urls.split(' ').map(|u| self.uploads.get(u)).collect();
            match parts {
                Some(p) if !p.is_empty() && p.iter().all(|r| r.partial && r.offset == r.length) => {
                    let length = p.iter().map(|r| r.length).sum();
                    Remote { length, offset: length, partial: false }
                }
                _ => return Response::new(400).with_body("the parts are not complete"),
            }
        } else {
            let Some(length) = upload_length(req) else {
                return Response::new(400).with_body("no Upload-Length");
            };
            Remote { length, offset: 0, partial: concat == "partial" }
        };
        self.next += 1;
        let url = format!("{ENDPOINT}u{}", self.next);
        self.uploads.insert(url.clone(), remote);
        if let Some(k) = key {
            self.keys.insert(k, url.clone());
        }
        Response::new(201).with_header("Location", &url)
    }

    fn patch(&mut self, req: &Request, partial: Option<u8>) -> Response {
        let (_, len) = patch_range(req);
        let claimed = req.header("Upload-Offset").and_then(parse_u64);
        let Some(r) = self.uploads.get_mut(&req.url) else { return Response::new(404) };
        if claimed != Some(r.offset) {
            return Response::new(409);
        }
        let accepted = match partial {
            Some(n) => len * u64::from(n) / 255,
            None => len,
        };
        r.offset = (r.offset + accepted).min(r.length);
        Response::new(204).with_header("Upload-Offset", &r.offset.to_string())
    }
}

/// A PATCH's Upload-Offset and body length (0 and 0 for other requests).
fn patch_range(req: &Request) -> (u64, u64) {
    let start = req.header("Upload-Offset").and_then(parse_u64).unwrap_or(0);
    let len = match req.body {
        Body::Source { start, end } => end.saturating_sub(start),
        Body::Empty | Body::Commit => 0,
    };
    (start, len)
}

fn upload_length(req: &Request) -> Option<u64> {
    req.header("Upload-Length").and_then(parse_u64)
}
