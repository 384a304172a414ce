//! Store calls of marketers' audience: marketing consent, contact import, saved segments and
//! their preview, and benchmark seeding.

use chrono::{DateTime, Utc};

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{ContactId, Event, Filter, Segment, SegmentId};

/// A contact's marketing consent on one channel kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    pub channel: String,
    pub granted: bool,
    pub source: String,
    pub proof: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// A consent decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentChange {
    /// A channel kind (`email`, `whatsapp`, …).
    pub channel: String,
    pub granted: bool,
    pub source: String,
    pub proof: Option<String>,
}

/// One valid row of an import, ready to write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRow {
    /// The line in the file (for the report).
    pub line: u64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// `(scope, external id)`, email and phone included.
    pub identities: Vec<(String, String)>,
    pub consents: Vec<ConsentChange>,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    /// Rows refused while writing (their identities belong to different contacts).
    pub rejected: Vec<(u64, String)>,
}

impl Store {
    /// A contact's consents, by channel kind.
    pub async fn list_consents(&self, contact: ContactId) -> StoreResult<Vec<Consent>> {
        on_backend!(self, audience::list_consents(contact))
    }

    /// Records consent decisions for a contact.
    pub async fn set_consents(
        &self,
        contact: ContactId,
        changes: &[ConsentChange],
    ) -> StoreResult<()> {
        on_backend!(self, audience::set_consents(contact, changes, self.now()))
    }

    /// Writes an import in one transaction: rows match existing contacts by any identity
    /// (created otherwise); a row whose identities belong to two contacts is refused alone.
    pub async fn import_contacts(
        &self,
        rows: &[ImportRow],
        source: &str,
        strict: bool,
    ) -> StoreResult<(ImportOutcome, Vec<Event>)> {
        on_backend!(self, audience::import(rows, source, strict, self.now()))
    }

    /// Saved segments by name.
    pub async fn list_segments(&self) -> StoreResult<Vec<Segment>> {
        on_backend!(self, audience::list_segments())
    }

    /// One saved segment.
    pub async fn get_segment(&self, id: SegmentId) -> StoreResult<Segment> {
        on_backend!(self, audience::get_segment(id))
    }

    /// Saves a segment; a taken name is a conflict.
    pub async fn create_segment(&self, name: &str, filter: &Filter) -> StoreResult<Segment> {
        on_backend!(self, audience::create_segment(name, filter, self.now()))
    }

    /// Replaces a segment's name and filter.
    pub async fn update_segment(
        &self,
        id: SegmentId,
        name: &str,
        filter: &Filter,
    ) -> StoreResult<Segment> {
        on_backend!(self, audience::update_segment(id, name, filter, self.now()))
    }

    /// Deletes a segment.
    pub async fn delete_segment(&self, id: SegmentId) -> StoreResult<()> {
        on_backend!(self, audience::delete_segment(id))
    }

    /// How many contacts a filter selects, and the first `sample` of their ids.
    pub async fn preview_segment(
        &self,
        filter: &Filter,
        sample: i64,
    ) -> StoreResult<(i64, Vec<ContactId>)> {
        on_backend!(self, audience::preview(filter, sample, self.now()))
    }

    /// Benchmark seeding: `count` contacts reachable in `scope` with consent for `kind`;
    /// returns the first new contact's id.
    pub async fn seed_campaign_contacts(
        &self,
        count: i64,
        scope: &str,
        kind: &str,
    ) -> StoreResult<i64> {
        on_backend!(self, audience::seed(count, scope, kind, self.now()))
    }
}
