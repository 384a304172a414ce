//! Store methods of duplicate suggestions (which addresses to look for is
//! `http::api::contact_duplicates`'s).

use super::{Pool, Store, StoreResult, postgres, sqlite};

/// The reason of a probe that looks for email identities by their mailbox (see
/// `domain::mailbox`), not by the address as written.
pub const MAILBOX: &str = "mailbox";

/// One address to look for among other contacts: an identity's scope and value (`email`,
/// `phone`, a web chat channel's scope), also matched against contacts' own `email` and
/// `phone` columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateProbe {
    /// Why a match counts: `email`, `phone` or `web_chat_user`.
    pub reason: &'static str,
    pub scope: String,
    pub value: String,
}

/// Another contact holding some of the probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAddress {
    pub contact: i64,
    pub probes: Vec<DuplicateProbe>,
}

impl Store {
    /// The other contacts, not erased, holding any of `probes` (at most `limit`).
    pub async fn contacts_sharing(
        &self,
        contact: crate::domain::ContactId,
        probes: &[DuplicateProbe],
        limit: usize,
    ) -> StoreResult<Vec<SharedAddress>> {
        on_backend!(self, duplicates::sharing(contact.get(), probes, limit))
    }
}
