//! The retention job: deletes what has outlived its period (`[retention]`) in short
//! transactions, on one node at a time (the `retention` lease; every transaction carries its
//! fence, so a node that lost the lease commits nothing). It owns no SQL (see
//! `store::retention`) and never sends per-row events or webhooks: one summary line per pass.

pub mod settings;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::dispatch::Connectors;
use crate::domain::Millis;
use crate::domain::retention::{RetentionCounts, cutoff};
use crate::store::Store;
use crate::store::cluster::Fence;
pub use settings::RetentionConfig;

/// The name of the lease that the retention job runs under.
pub const LEASE: &str = "retention";

/// Deletes (or counts, in a dry run) what `[retention]` says has expired.
#[derive(Clone)]
pub struct Retention {
    store: Store,
    config: Arc<RetentionConfig>,
    connectors: Arc<Connectors>,
}

/// Whether a pass deletes or only counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Delete,
    Count,
}

impl Retention {
    /// The job over `store`, deleting blob files through `connectors`.
    pub fn new(store: Store, config: RetentionConfig, connectors: Arc<Connectors>) -> Self {
        Self {
            store,
            config: Arc::new(config),
            connectors,
        }
    }

    /// What a pass at `now` would delete, deleting nothing. Blob files are not counted:
    /// whether a file goes depends on what else refers to it when the pass runs.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn preview(&self, now: Millis) -> anyhow::Result<RetentionCounts> {
        self.pass(now, None, Mode::Count, &CancellationToken::new())
            .await
    }

    /// One pass at `now`: every category in turn, each in batches of its own transaction
    /// under `fence` (none on a single node started from the command line), until nothing
    /// more is due or `stop` fires.
    ///
    /// # Errors
    /// When the database fails or the lease is lost (what committed before stays deleted).
    pub async fn run_once(
        &self,
        now: Millis,
        fence: Option<&Fence>,
        stop: &CancellationToken,
    ) -> anyhow::Result<RetentionCounts> {
        let started = Instant::now();
        let counts = self.pass(now, fence, Mode::Delete, stop).await?;
        let elapsed = started.elapsed();
        tracing::info!(
            conversations = counts.conversations.values().sum::<u64>(),
            messages = counts.messages.values().sum::<u64>(),
            expired_attachments = counts.expired_attachments.values().sum::<u64>(),
            blob_files = counts.blob_files,
            events = counts.events,
            webhook_deliveries = counts.webhook_deliveries,
            sessions = counts.sessions,
            elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            "retention pass finished"
        );
        Ok(counts)
    }

    /// Runs a pass every `interval_secs` while this node holds the lease (`fence`), until
    /// `stop` fires.
    ///
    /// # Errors
    /// A failed pass: the supervisor restarts the job.
    pub async fn run_holding(self, fence: Fence, stop: CancellationToken) -> anyhow::Result<()> {
        let interval = Duration::from_secs(self.config.interval_secs);
        loop {
            self.run_once(Millis::now(), Some(&fence), &stop).await?;
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = stop.cancelled() => return Ok(()),
            }
        }
    }

    async fn pass(
        &self,
        now: Millis,
        fence: Option<&Fence>,
        mode: Mode,
        stop: &CancellationToken,
    ) -> anyhow::Result<RetentionCounts> {
        let mut counts = RetentionCounts::default();
        self.conversations(now, fence, mode, stop, &mut counts)
            .await?;
        self.attachments(now, fence, mode, stop, &mut counts)
            .await?;
        let batch = i64::from(self.config.batch);
        if let Some(days) = self.config.events_days {
            let before = Millis(cutoff(now.0, days));
            counts.events = match mode {
                Mode::Count => self.store.count_old_events(before).await?,
                Mode::Delete => {
                    drain(stop, self.is_sqlite(), || {
                        self.store.delete_old_events(before, batch, fence)
                    })
                    .await?
                }
            };
        }
        if let Some(days) = self.config.webhook_deliveries_days {
            let before = Millis(cutoff(now.0, days));
            counts.webhook_deliveries = match mode {
                Mode::Count => self.store.count_old_webhook_deliveries(before).await?,
                Mode::Delete => {
                    drain(stop, self.is_sqlite(), || {
                        self.store
                            .delete_old_webhook_deliveries(before, batch, fence)
                    })
                    .await?
                }
            };
        }
        counts.sessions = match mode {
            Mode::Count => self.store.count_expired_sessions(now).await?,
            Mode::Delete => self.store.delete_expired_sessions(now).await?,
        };
        Ok(counts)
    }

    fn is_sqlite(&self) -> bool {
        !self.store.shared_by_nodes()
    }

    /// Walks resolved conversations oldest id first and deletes the expired ones, a batch of
    /// whole conversations (about `batch` messages) per transaction.
    async fn conversations(
        &self,
        now: Millis,
        fence: Option<&Fence>,
        mode: Mode,
        stop: &CancellationToken,
        counts: &mut RetentionCounts,
    ) -> anyhow::Result<()> {
        let rule = self.config.conversations();
        let Some(shortest) = rule.shortest_days() else {
            return Ok(());
        };
        // Nothing resolved after this can be due under any channel's period.
        let resolved_before = Millis(cutoff(now.0, shortest));
        let batch = u64::from(self.config.batch);
        let mut after = 0;
        while !stop.is_cancelled() {
            let page = self
                .store
                .list_retention_candidates(resolved_before, after, i64::from(self.config.batch))
                .await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            let due: Vec<_> = page
                .into_iter()
                .filter(|c| rule.is_expired(&c.channel, &c.labels, c.resolved_at.0, now.0))
                .collect();
            if mode == Mode::Count {
                for candidate in &due {
                    *counts
                        .conversations
                        .entry(candidate.channel.clone())
                        .or_default() += 1;
                    *counts
                        .messages
                        .entry(candidate.channel.clone())
                        .or_default() += candidate.messages;
                }
                continue;
            }
            // Whole conversations per transaction, about `batch` messages each.
            let mut start = 0;
            while start < due.len() {
                let mut end = start + 1;
                let mut messages = due[start].messages;
                while end < due.len() && messages + due[end].messages <= batch {
                    messages += due[end].messages;
                    end += 1;
                }
                let ids: Vec<i64> = due[start..end].iter().map(|c| c.id).collect();
                let began = Instant::now();
                let deleted = self
                    .store
                    .delete_expired_conversations(&ids, resolved_before, &rule.keep_labels, fence)
                    .await?;
                let mut batch_counts = RetentionCounts {
                    conversations: deleted.conversations,
                    messages: deleted.messages,
                    ..RetentionCounts::default()
                };
                batch_counts.blob_files = self.forget_blobs(&deleted.blob_attachments).await?;
                counts.add(&batch_counts);
                pause(self.is_sqlite(), began.elapsed()).await;
                start = end;
            }
        }
        Ok(())
    }

    /// Marks attachments of old messages expired and deletes their files, per channel.
    async fn attachments(
        &self,
        now: Millis,
        fence: Option<&Fence>,
        mode: Mode,
        stop: &CancellationToken,
        counts: &mut RetentionCounts,
    ) -> anyhow::Result<()> {
        let mut channels: Vec<&String> = self.connectors.keys().collect();
        channels.sort();
        for channel in channels {
            let Some(days) = self.config.attachments_days_for(channel) else {
                continue;
            };
            let before = Millis(cutoff(now.0, days));
            if mode == Mode::Count {
                let due = self.store.count_attachments_due(channel, before).await?;
                if due > 0 {
                    counts.expired_attachments.insert(channel.clone(), due);
                }
                continue;
            }
            while !stop.is_cancelled() {
                let page = self
                    .store
                    .list_attachments_due(channel, before, i64::from(self.config.batch))
                    .await?;
                if page.is_empty() {
                    break;
                }
                let full = page.len() == self.config.batch as usize;
                let began = Instant::now();
                let mut references = Vec::new();
                let updates: Vec<(i64, serde_json::Value)> = page
                    .into_iter()
                    .map(|(id, list)| {
                        references.push((channel.clone(), list.clone()));
                        (id, expire_attachments(list))
                    })
                    .collect();
                let changed = self.store.replace_attachments(&updates, fence).await?;
                *counts
                    .expired_attachments
                    .entry(channel.clone())
                    .or_default() += changed;
                counts.blob_files += self.forget_blobs(&references).await?;
                pause(self.is_sqlite(), began.elapsed()).await;
                if !full {
                    break;
                }
            }
        }
        Ok(())
    }

    async fn forget_blobs(
        &self,
        attachments: &[(String, serde_json::Value)],
    ) -> anyhow::Result<u64> {
        Ok(forget_unreferenced_blobs(&self.store, &self.connectors, attachments).await?)
    }
}

/// Deletes the blob files listed in `attachments` (attachment lists per channel) that no
/// stored message refers to any more, through their channel; returns how many files went.
///
/// # Errors
/// When the database cannot tell whether a file is still referred to.
pub async fn forget_unreferenced_blobs(
    store: &Store,
    connectors: &Connectors,
    attachments: &[(String, serde_json::Value)],
) -> crate::store::StoreResult<u64> {
    let references: BTreeSet<(&str, &str)> = attachments
        .iter()
        .flat_map(|(channel, list)| {
            blob_references(list).map(move |reference| (channel.as_str(), reference))
        })
        .collect();
    let mut removed = 0;
    for (channel, reference) in references {
        // Another message (a forwarded mail, the same file sent twice) may share the
        // content-addressed file: it stays while anything lists it.
        if store.is_blob_referenced(reference).await? {
            continue;
        }
        let Some(connector) = connectors.get(channel) else {
            continue;
        };
        match connector.delete_attachment_file(reference).await {
            Ok(true) => removed += 1,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(channel, error = %err, "could not delete an attachment file");
            }
        }
    }
    Ok(removed)
}

/// The blob references (`sha256:<hex>`) in an attachment list.
fn blob_references(list: &serde_json::Value) -> impl Iterator<Item = &str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|attachment| attachment.get("file_id")?.as_str())
        .filter(|id| id.starts_with("sha256:"))
}

/// The attachment list with every blob reference removed and marked expired.
fn expire_attachments(mut list: serde_json::Value) -> serde_json::Value {
    if let Some(entries) = list.as_array_mut() {
        for entry in entries {
            let Some(object) = entry.as_object_mut() else {
                continue;
            };
            let is_blob = object
                .get("file_id")
                .and_then(|id| id.as_str())
                .is_some_and(|id| id.starts_with("sha256:"));
            if is_blob {
                object.remove("file_id");
                object.insert("expired".into(), serde_json::Value::Bool(true));
            }
        }
    }
    list
}

/// Runs `step` (one deleting transaction of up to a batch) until it deletes nothing or
/// `stop` fires; returns the rows deleted.
async fn drain<F, Fut>(stop: &CancellationToken, sqlite: bool, mut step: F) -> anyhow::Result<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::store::StoreResult<u64>>,
{
    let mut total = 0;
    while !stop.is_cancelled() {
        let began = Instant::now();
        let deleted = step().await?;
        total += deleted;
        if deleted == 0 {
            break;
        }
        pause(sqlite, began.elapsed()).await;
    }
    Ok(total)
}

/// Leaves room for other work between batches. SQLite has one write lock: a writer that found
/// it taken polls for it, so releasing and taking it straight back would starve ingest. On
/// PostgreSQL row locks do not block inserts, but the deletes compete for the same CPU and
/// disk (measured: ingest p50 32× slower with only a yield). Waiting as long as the batch
/// took keeps the job under half of either.
async fn pause(_sqlite: bool, held: Duration) {
    tokio::time::sleep(held.max(Duration::from_millis(2))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiring_keeps_metadata_and_drops_only_blob_references() {
        let list = serde_json::json!([
            {"name": "a.pdf", "size": 5, "file_id": "sha256:ab"},
            {"url": "https://example.com/x.png", "file_id": "telegram-file"}
        ]);
        let references: Vec<&str> = blob_references(&list).collect();
        assert_eq!(references, ["sha256:ab"]);
        let expired = expire_attachments(list.clone());
        assert_eq!(
            expired,
            serde_json::json!([
                {"name": "a.pdf", "size": 5, "expired": true},
                {"url": "https://example.com/x.png", "file_id": "telegram-file"}
            ])
        );
        assert_eq!(blob_references(&expired).count(), 0);
    }
}
