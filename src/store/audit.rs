//! Store methods of the audit log (what is recorded when is `http::audit`'s decision).

use super::{Page, PageRequest, Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::audit::{AuditEntry, AuditFilter, NewAuditEntry};
use crate::domain::{ContactId, Millis};

impl Store {
    /// Appends an audit entry now. Returns false when it was a view coalesced into a recent
    /// entry of the same actor on the same subject.
    ///
    /// # Errors
    /// When the database fails: the caller must then fail its request.
    pub async fn record_audit(&self, entry: &NewAuditEntry) -> StoreResult<bool> {
        on_backend!(self, audit::insert(entry, self.now()))
    }

    /// Audit entries matching `filter`, newest first.
    ///
    /// # Errors
    /// `Invalid` for a foreign cursor; when the database fails.
    pub async fn list_audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        on_backend!(self, audit::list(filter, page))
    }

    /// Every audit entry about `contact` (the contact, their conversations and messages),
    /// oldest first: for a data-subject export.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn audit_about_contact(&self, contact: ContactId) -> StoreResult<Vec<AuditEntry>> {
        on_backend!(self, audit::about_contact(contact))
    }

    /// Deletes up to `limit` audit entries written before `cutoff`; returns how many. Call it
    /// until it returns less than `limit`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn delete_audit_before(&self, cutoff: Millis, limit: u32) -> StoreResult<u64> {
        on_backend!(self, audit::delete_before(cutoff, limit))
    }
}
