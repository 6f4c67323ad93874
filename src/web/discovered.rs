//! What each endpoint's OPTIONS answer said, remembered for the life of this page or worker,
//! so that later uploads to the same endpoint (a queue of files, a retry after a reload of
//! the component) skip the request.
//!
//! Kept in memory only: a server's configuration may change between visits, and one
//! OPTIONS per page and endpoint is cheap. Nothing here sends requests.

use std::cell::RefCell;

use crate::core::Capabilities;

thread_local! {
    static KNOWN: RefCell<Vec<(String, Capabilities)>> = const { RefCell::new(Vec::new()) };
}

/// Remembers `capabilities` for `endpoint`, replacing what was known.
pub fn remember(endpoint: &str, capabilities: Capabilities) {
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        known.retain(|(e, _)| e != endpoint);
        known.push((endpoint.to_string(), capabilities));
    });
}

/// What an earlier upload learnt about `endpoint`, if any.
pub fn known(endpoint: &str) -> Option<Capabilities> {
    KNOWN.with(|known| known.borrow().iter().find(|(e, _)| e == endpoint).map(|(_, c)| *c))
}
