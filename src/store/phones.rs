//! Store methods of the phone-number upkeep (the reading of numbers is `domain::phone`'s).

use super::{Pool, Store, StoreResult, postgres, sqlite};

/// What one batch of [`Store::normalise_phones`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneBatch {
    /// The last contact of the batch: the next batch starts after it. `None` when no contact
    /// was left.
    pub last_contact: Option<i64>,
    /// Phones and identities rewritten (or dropped as the same contact's duplicate).
    pub rewritten: u64,
    /// Identities whose rewritten number another contact holds already: the number stays
    /// the contact's phone (unless it has another), for the duplicate suggestions to offer
    /// a merge.
    pub left_with_another_contact: u64,
}

impl Store {
    /// Whether the upkeep `name`, which a migration asked for, is still to do.
    pub async fn upkeep_pending(&self, name: &str) -> StoreResult<bool> {
        on_backend!(self, phones::upkeep_pending(name))
    }

    /// Marks the upkeep `name` done.
    pub async fn upkeep_done(&self, name: &str) -> StoreResult<()> {
        on_backend!(self, phones::upkeep_done(name))
    }

    /// Rewrites the phones of up to `limit` contacts after contact `after` with `normalise`
    /// (see `sql/phones.rs`), in one transaction.
    pub async fn normalise_phones(
        &self,
        after: i64,
        limit: i64,
        normalise: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> StoreResult<PhoneBatch> {
        on_backend!(self, phones::normalise(after, limit, normalise))
    }
}
