//! Store methods of retention (the rules are `domain::retention`'s, the job `crate::retention`).

use std::collections::BTreeMap;

use super::cluster::Fence;
use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::Millis;

/// A resolved conversation that may have outlived its period.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionCandidate {
    pub id: i64,
    pub channel: String,
    pub resolved_at: Millis,
    pub labels: Vec<String>,
    pub messages: u64,
}

/// What one deleting transaction removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeletedConversations {
    /// Per channel.
    pub conversations: BTreeMap<String, u64>,
    /// Per channel.
    pub messages: BTreeMap<String, u64>,
    /// The attachment lists (channel, JSON array) of deleted messages that point into a blob
    /// store: their files go once nothing else refers to them.
    pub blob_attachments: Vec<(String, serde_json::Value)>,
}

impl Store {
    /// Resolved conversations resolved before `resolved_before` with an id above `after`.
    pub async fn list_retention_candidates(
        &self,
        resolved_before: Millis,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<RetentionCandidate>> {
        on_backend!(self, retention::candidates(resolved_before, after, limit))
    }

    /// Deletes conversations `ids` and everything that hangs on them, in one transaction
    /// under `fence`, skipping any that is no longer resolved before `resolved_before` or
    /// carries one of `keep_labels`.
    ///
    /// # Errors
    /// `StoreError::LeaseLost` when the fence no longer holds (nothing is deleted).
    pub async fn delete_expired_conversations(
        &self,
        ids: &[i64],
        resolved_before: Millis,
        keep_labels: &[String],
        fence: Option<&Fence>,
    ) -> StoreResult<DeletedConversations> {
        on_backend!(
            self,
            retention::delete_conversations(ids, resolved_before, keep_labels, fence)
        )
    }

    /// Messages of `channel` older than `before` that still hold blob attachments.
    pub async fn list_attachments_due(
        &self,
        channel: &str,
        before: Millis,
        limit: i64,
    ) -> StoreResult<Vec<(i64, serde_json::Value)>> {
        on_backend!(self, retention::attachments_due(channel, before, limit))
    }

    /// How many messages [`Store::list_attachments_due`] would find in all.
    pub async fn count_attachments_due(&self, channel: &str, before: Millis) -> StoreResult<u64> {
        on_backend!(self, retention::count_attachments_due(channel, before))
    }

    /// Replaces messages' attachment lists in one transaction under `fence`.
    pub async fn replace_attachments(
        &self,
        updates: &[(i64, serde_json::Value)],
        fence: Option<&Fence>,
    ) -> StoreResult<u64> {
        on_backend!(self, retention::replace_attachments(updates, fence))
    }

    /// True while some message still lists blob `reference`.
    pub async fn is_blob_referenced(&self, reference: &str) -> StoreResult<bool> {
        on_backend!(self, retention::is_blob_referenced(reference))
    }

    /// Deletes up to `limit` events older than `before` that every log reader has passed.
    pub async fn delete_old_events(
        &self,
        before: Millis,
        limit: i64,
        fence: Option<&Fence>,
    ) -> StoreResult<u64> {
        on_backend!(self, retention::delete_events(before, limit, fence))
    }

    /// How many events [`Store::delete_old_events`] would delete in all.
    pub async fn count_old_events(&self, before: Millis) -> StoreResult<u64> {
        on_backend!(self, retention::count_events(before))
    }

    /// Deletes up to `limit` finished event-webhook deliveries last touched before `before`.
    pub async fn delete_old_webhook_deliveries(
        &self,
        before: Millis,
        limit: i64,
        fence: Option<&Fence>,
    ) -> StoreResult<u64> {
        on_backend!(
            self,
            retention::delete_webhook_deliveries(before, limit, fence)
        )
    }

    /// How many deliveries [`Store::delete_old_webhook_deliveries`] would delete in all.
    pub async fn count_old_webhook_deliveries(&self, before: Millis) -> StoreResult<u64> {
        on_backend!(self, retention::count_webhook_deliveries(before))
    }

    /// Deletes web sessions past their absolute end.
    pub async fn delete_expired_sessions(&self, now: Millis) -> StoreResult<u64> {
        on_backend!(self, retention::delete_expired_sessions(now))
    }

    /// How many web sessions are past their absolute end.
    pub async fn count_expired_sessions(&self, now: Millis) -> StoreResult<u64> {
        on_backend!(self, retention::count_expired_sessions(now))
    }
}

impl Store {
    /// Bulk-seeds old resolved (and some open) conversations with messages, for
    /// `switchboard bench retention`; see `sql::retention::seed`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn seed_retention_bench(
        &self,
        channel: &str,
        conversations: i64,
        per_conversation: i64,
        old_at: Millis,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            retention::seed(channel, conversations, per_conversation, old_at)
        )
    }
}
