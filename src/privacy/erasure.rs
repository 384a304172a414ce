//! The erasure worker: claims erasure jobs and runs their steps (see `domain::erasure`) until
//! done. The database steps are the store's; this worker adds the one step outside the
//! database, deleting attachment files through their channel, and announces `contact.erased`.
//! A crash anywhere leaves the job at the last committed step, and every step can run twice.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::PrivacyConfig;
use crate::dispatch::Connectors;
use crate::domain::erasure::{ErasureJob, ErasureStep};
use crate::events::EventBus;
use crate::store::privacy::ErasureProgress;
use crate::store::{Store, StoreError};

/// A step failing this many times in a row fails its job (the others go on).
const MAX_ATTEMPTS: i64 = 5;
/// How often an idle worker looks for jobs another node (or a restart) left.
const IDLE_POLL: Duration = Duration::from_secs(5);

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureOutcome {
    /// No job to work on.
    Idle,
    /// A batch of a job ran (or failed and was recorded).
    Worked,
}

/// The erasure worker. Cheap to clone.
#[derive(Clone)]
pub struct Erasures {
    store: Store,
    connectors: Arc<Connectors>,
    events: EventBus,
    config: PrivacyConfig,
    /// Claims are made in this node's name.
    node: String,
    wake: Arc<Notify>,
}

impl Erasures {
    /// A worker claiming jobs as `node`; `wake` is notified when a job is requested.
    pub fn new(
        store: Store,
        connectors: Arc<Connectors>,
        events: EventBus,
        config: PrivacyConfig,
        node: String,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            connectors,
            events,
            config,
            node,
            wake,
        }
    }

    /// Works until `shutdown`, stopping only between batches.
    ///
    /// # Errors
    /// Never by itself; a database outage is retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let pause = Duration::from_millis(self.config.erasure_pause_ms);
        // A job held by a node that died is free once its claim runs out: look again no
        // later than that.
        let idle = IDLE_POLL.min(Duration::from_millis(self.config.erasure_claim_ms));
        while !shutdown.is_cancelled() {
            let wait = match self.run_once().await {
                Ok(ErasureOutcome::Worked) if pause.is_zero() => continue,
                Ok(ErasureOutcome::Worked) => pause,
                Ok(ErasureOutcome::Idle) => idle,
                Err(err) => {
                    tracing::warn!(error = %err, "erasure worker: database unavailable");
                    idle
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
        Ok(())
    }

    /// Claims a job and runs one batch of its current step.
    ///
    /// # Errors
    /// When the database cannot be reached to claim or to record a failure.
    pub async fn run_once(&self) -> anyhow::Result<ErasureOutcome> {
        let claim_ms = i64::try_from(self.config.erasure_claim_ms).unwrap_or(60_000);
        let Some(job) = self
            .store
            .claim_erasure(&self.node, claim_ms)
            .await
            .context("while claiming an erasure job")?
        else {
            return Ok(ErasureOutcome::Idle);
        };
        match self.step(&job).await {
            Ok(()) => {}
            // Another node took the job over while this one stalled: its work counts.
            Err(StepError::Store(StoreError::LeaseLost(_))) => {}
            Err(err) => {
                tracing::warn!(job = %job.id, step = %job.step, error = %err, "erasure step failed");
                self.store
                    .record_erasure_failure(job.id, &err.to_string(), MAX_ATTEMPTS)
                    .await
                    .context("while recording a failed erasure step")?;
            }
        }
        Ok(ErasureOutcome::Worked)
    }

    fn batch(&self) -> i64 {
        i64::from(self.config.erasure_batch)
    }

    async fn step(&self, job: &ErasureJob) -> Result<(), StepError> {
        match job.step {
            ErasureStep::Detach => self.store.erase_detach(job, &self.node).await?,
            ErasureStep::Files => self.delete_files(job).await?,
            ErasureStep::Messages => {
                self.store
                    .erase_messages(job, &self.node, self.batch())
                    .await?;
            }
            ErasureStep::Events => {
                self.store
                    .erase_events(job, &self.node, self.batch())
                    .await?;
            }
            ErasureStep::Contact => {
                let events = self.store.erase_contact_row(job, &self.node).await?;
                tracing::info!(contact = %job.contact_id, job = %job.id, "contact erased");
                self.events.publish(events);
            }
            // A done job is never claimed; nothing to do if one were.
            ErasureStep::Done => {}
        }
        Ok(())
    }

    /// Step `files`, one batch: the locally kept attachment files of the contact's messages
    /// go, unless a message of another contact refers to the same file (blobs are named by
    /// their content, so two people sending the same file share it).
    async fn delete_files(&self, job: &ErasureJob) -> Result<(), StepError> {
        let batch = self
            .store
            .contact_attachments_after(job.contact_id, job.cursor, self.batch())
            .await?;
        let (_, mut progress) = ErasureProgress::after_batch(
            ErasureStep::Files,
            ErasureStep::Messages,
            batch.len(),
            self.batch(),
            batch.last().map_or(job.cursor, |m| m.message_id.get()),
        );
        for message in &batch {
            let Some(connector) = self.connectors.get(&message.channel) else {
                continue;
            };
            if !connector.stores_attachments_locally() {
                continue;
            }
            for attachment in &message.attachments {
                let Some(file_id) = attachment.file_id.as_deref() else {
                    continue;
                };
                if self.store.is_file_shared(job.contact_id, file_id).await? {
                    progress.files_kept += 1;
                } else if connector
                    .delete_attachment_file(file_id)
                    .await
                    .map_err(|err| StepError::File(err.to_string()))?
                {
                    progress.files_deleted += 1;
                }
            }
        }
        self.store
            .record_erasure_progress(job.id, &self.node, &progress)
            .await?;
        Ok(())
    }
}

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("deleting an attachment file: {0}")]
    File(String),
}
