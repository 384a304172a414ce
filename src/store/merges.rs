//! Store methods of contact merges and their undo (what the API allows is
//! `http::api::contact_merges`'s).

use serde::{Deserialize, Serialize};

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{AgentId, ContactId, Event, Millis};

/// One merge: `source` was merged into `target` (the survivor).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactMerge {
    pub id: i64,
    pub target: ContactId,
    pub source: ContactId,
    pub merged_by: Option<AgentId>,
    pub merged_at: Millis,
    pub undone_by: Option<AgentId>,
    pub undone_at: Option<Millis>,
    pub record: MergeRecord,
}

/// What a merge moved and what the survivor gained: everything its undo needs. The contact
/// merged away keeps its own profile, tags and consents untouched (it only points at the
/// survivor), so they need no copy here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    /// Identities moved to the survivor.
    pub identities: Vec<i64>,
    /// Conversations moved to the survivor.
    pub conversations: Vec<i64>,
    /// The highest conversation id when the merge was made: a later conversation that runs
    /// through one of the moved identities goes back with them on undo.
    pub conversation_watermark: i64,
    /// Campaigns whose send record moved (those the survivor had a record of stay behind).
    pub campaign_sends: Vec<i64>,
    /// Automatic-reply records copied to the survivor: (channel, template, sent at).
    pub auto_replies: Vec<(String, String, i64)>,
    /// Fields the survivor lacked and took from the other contact.
    pub added: AddedFields,
    /// The other contact's attribute values where the survivor had its own, which won.
    pub overridden_attributes: serde_json::Map<String, serde_json::Value>,
    /// The survivor's consents before the merge, for the channels the merge changed.
    pub consents_before: Vec<ConsentRow>,
    /// The consents the merge wrote on the survivor.
    pub consents_written: Vec<ConsentRow>,
    /// The survivor's `updated_at` before the merge.
    pub target_updated_at: i64,
}

/// Profile fields a merge filled in on the survivor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddedFields {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
}

/// A consent record of one contact and channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ConsentRow {
    pub channel: String,
    pub status: String,
    pub source: String,
    pub proof: Option<String>,
    pub changed_at: i64,
}

/// Why a merge or an undo was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefused {
    #[error("a contact cannot be merged into itself")]
    SameContact,
    #[error("contact {contact} was merged into contact {into}; work on that one")]
    AlreadyMerged { contact: i64, into: i64 },
    #[error("contact {0} is erased")]
    Erased(i64),
    #[error(
        "contact {contact} is in campaign {campaign}, which is still sending; merge after it finishes"
    )]
    CampaignSending { contact: i64, campaign: i64 },
    #[error("merge {0} was undone already")]
    AlreadyUndone(i64),
    #[error(
        "contact {contact} was merged into another contact since (merge {merge}); undo that first"
    )]
    MergedSince { contact: i64, merge: i64 },
}

/// A merge or undo done, with its events; or why not.
pub type MergeOutcome = Result<(ContactMerge, Vec<Event>), MergeRefused>;

impl Store {
    /// Merges contact `source` into `target` in one transaction (see `sql/merges.rs`).
    pub async fn merge_contacts(
        &self,
        target: ContactId,
        source: ContactId,
        by: Option<AgentId>,
    ) -> StoreResult<MergeOutcome> {
        on_backend!(self, merges::merge(target, source, by, self.now()))
    }

    /// Undoes merge `id` in one transaction.
    pub async fn undo_merge(&self, id: i64, by: Option<AgentId>) -> StoreResult<MergeOutcome> {
        on_backend!(self, merges::undo(id, by, self.now()))
    }

    /// Merge `id`.
    pub async fn contact_merge(&self, id: i64) -> StoreResult<ContactMerge> {
        on_backend!(self, merges::get(id))
    }

    /// The merges `contact` took part in (either side), newest first.
    pub async fn contact_merges(&self, contact: ContactId) -> StoreResult<Vec<ContactMerge>> {
        on_backend!(self, merges::of_contact(contact))
    }

    /// The contact `id` was merged into, if it was.
    pub async fn merged_into(&self, id: ContactId) -> StoreResult<Option<ContactId>> {
        on_backend!(self, merges::merged_into(id))
    }
}
