//! The inbound door: every channel message goes through [`Pipeline::deliver`], which answers
//! only after the message is durably committed.
//!
//! Throughput comes from group commit: a writer task takes whatever is queued (up to
//! `max_batch` messages), commits it in one transaction and then answers every caller. Under
//! load one fsync covers hundreds of messages; with no load a message is committed alone at
//! once. Writers are sharded by thread key, so one conversation is always written by the same
//! writer, in arrival order.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use connector_sdk::{InboundMessage, InboundSink, Receipt, SinkError};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// Jobs waiting per writer before callers are pushed back.
const QUEUE_DEPTH: usize = 8192;

type Reply = oneshot::Sender<Result<Vec<Receipt>, SinkError>>;

struct Job {
    messages: Vec<InboundMessage>,
    reply: Reply,
}

/// Handle to the writers; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    writers: Arc<Vec<mpsc::Sender<Job>>>,
}

/// What the writers need.
pub struct PipelineParts {
    pub store: Store,
    pub events: EventBus,
    pub metrics: Arc<Metrics>,
    pub writers: usize,
    pub max_batch: usize,
}

impl Pipeline {
    /// Starts the writer tasks on `tasks`. On `shutdown` they stop taking new work, commit what
    /// is queued, answer its callers and end.
    pub fn start(parts: PipelineParts, tasks: &TaskTracker, shutdown: CancellationToken) -> Self {
        let mut writers = Vec::with_capacity(parts.writers);
        for _ in 0..parts.writers.max(1) {
            let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
            writers.push(sender);
            let writer = Writer {
                store: parts.store.clone(),
                events: parts.events.clone(),
                metrics: parts.metrics.clone(),
                max_batch: parts.max_batch,
            };
            tasks.spawn(writer.run(receiver, shutdown.clone()));
        }
        Self {
            writers: Arc::new(writers),
        }
    }

    /// Stores `messages` in one transaction and returns a receipt per message, in order.
    ///
    /// # Errors
    /// When the store refuses the batch (nothing of it is committed) or the service is
    /// shutting down.
    pub async fn deliver(&self, messages: Vec<InboundMessage>) -> Result<Vec<Receipt>, SinkError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let writer = &self.writers[self.shard_of(&messages[0])];
        let (reply, answer) = oneshot::channel();
        writer
            .send(Job { messages, reply })
            .await
            .map_err(|_| SinkError("shutting down".into()))?;
        answer
            .await
            .map_err(|_| SinkError("shutting down".into()))?
    }

    fn shard_of(&self, message: &InboundMessage) -> usize {
        if self.writers.len() == 1 {
            return 0;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        message.channel.hash(&mut hasher);
        message
            .thread
            .as_deref()
            .unwrap_or(&message.sender.external_id)
            .hash(&mut hasher);
        (hasher.finish() % self.writers.len() as u64) as usize
    }
}

#[async_trait::async_trait]
impl InboundSink for Pipeline {
    async fn deliver(&self, messages: Vec<InboundMessage>) -> Result<Vec<Receipt>, SinkError> {
        Pipeline::deliver(self, messages).await
    }
}

struct Writer {
    store: Store,
    events: EventBus,
    metrics: Arc<Metrics>,
    max_batch: usize,
}

impl Writer {
    async fn run(self, mut receiver: mpsc::Receiver<Job>, shutdown: CancellationToken) {
        loop {
            let first = tokio::select! {
                job = receiver.recv() => job,
                () = shutdown.cancelled() => {
                    // Refuse new work, then commit and answer everything already queued.
                    receiver.close();
                    receiver.recv().await
                }
            };
            let Some(first) = first else { return };
            let mut jobs = vec![first];
            let mut size = jobs[0].messages.len();
            while size < self.max_batch {
                match receiver.try_recv() {
                    Ok(job) => {
                        size += job.messages.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.commit(jobs).await;
        }
    }

    /// Commits jobs together; if the batch fails, each job is retried alone so that one bad
    /// message (or a race with another node) fails only its own caller.
    async fn commit(&self, jobs: Vec<Job>) {
        let mut batch = Vec::with_capacity(jobs.iter().map(|job| job.messages.len()).sum());
        let mut callers = Vec::with_capacity(jobs.len());
        for job in jobs {
            callers.push((job.messages.len(), job.reply));
            batch.extend(job.messages);
        }
        match self.store.record_inbound(&batch).await {
            Ok((receipts, events)) => {
                self.count(&receipts);
                self.events.publish(events);
                let mut receipts = receipts.into_iter();
                for (count, reply) in callers {
                    let mine: Vec<Receipt> = receipts.by_ref().take(count).collect();
                    // The caller may have gone away (client disconnected); the data is stored.
                    let _ = reply.send(Ok(mine));
                }
            }
            Err(err) if callers.len() == 1 => self.fail(callers, &err),
            Err(_) => {
                let mut offset = 0;
                for (count, reply) in callers {
                    let messages = &batch[offset..offset + count];
                    offset += count;
                    match self.store.record_inbound(messages).await {
                        Ok((receipts, events)) => {
                            self.count(&receipts);
                            self.events.publish(events);
                            let _ = reply.send(Ok(receipts));
                        }
                        Err(err) => self.fail(vec![(count, reply)], &err),
                    }
                }
            }
        }
    }

    fn count(&self, receipts: &[Receipt]) {
        let duplicates = receipts.iter().filter(|r| r.duplicate).count() as u64;
        Metrics::add(&self.metrics.inbound_batches, 1);
        Metrics::add(&self.metrics.inbound_duplicates, duplicates);
        Metrics::add(
            &self.metrics.inbound_messages,
            receipts.len() as u64 - duplicates,
        );
    }

    fn fail(&self, callers: Vec<(usize, Reply)>, err: &StoreError) {
        tracing::error!(error = %err, "inbound batch failed to commit");
        Metrics::add(&self.metrics.inbound_failures, 1);
        for (_, reply) in callers {
            let _ = reply.send(Err(SinkError(err.to_string())));
        }
    }
}
