//! The inbound door: every channel message goes through [`Pipeline::deliver`], which answers
//! only after the message is durably committed.
//!
//! Throughput comes from group commit: a writer task takes whatever is queued (up to
//! `max_batch` messages), commits it in one transaction and then answers every caller. Under
//! load one fsync covers hundreds of messages; with no load a message is committed alone at
//! once. Writers are sharded by thread key, so one conversation is always written by the same
//! writer, in arrival order.

pub mod settings;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use connector_sdk::{Checkpoint, InboundEvent, InboundSink, Receipt, SinkError};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::cluster::Fence;
use crate::store::{Store, StoreError};

/// Jobs waiting per writer before callers are pushed back.
const QUEUE_DEPTH: usize = 8192;

type Reply = oneshot::Sender<Result<Vec<Receipt>, DeliverError>>;
/// A job's share of a group commit: its receipt count, event count, checkpoint and reply.
type Caller = (usize, usize, Option<Checkpoint>, Option<Fence>, Reply);

/// Why [`Pipeline::deliver`] stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The database cannot commit for now (unreachable, restarting, saturated); the same
    /// delivery may succeed later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The store refused the batch for another reason.
    #[error("the store refused the batch: {0}")]
    Refused(String),
    #[error("shutting down")]
    ShuttingDown,
}

struct Job {
    events: Vec<InboundEvent>,
    checkpoint: Option<Checkpoint>,
    /// The lease of the listener that read the events, when only one node may read them.
    fence: Option<Fence>,
    reply: Reply,
}

impl Job {
    /// How many receipts the job gets back: one per new message.
    fn message_count(&self) -> usize {
        self.events
            .iter()
            .filter(|event| matches!(event, InboundEvent::Message(_)))
            .count()
    }
}

/// Handle to the writers; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    writers: Arc<Vec<mpsc::Sender<Job>>>,
    store: Store,
    redactor: Arc<crate::redaction::Redactor>,
    surveys: Option<Arc<crate::csat::Surveys>>,
    phone_region: crate::domain::phone::PhoneRegion,
}

/// What the writers need.
pub struct PipelineParts {
    pub store: Store,
    pub events: EventBus,
    pub metrics: Arc<Metrics>,
    pub writers: usize,
    pub max_batch: usize,
    /// The `[redaction]` rules applied to message text before it is stored.
    pub redactor: Arc<crate::redaction::Redactor>,
    /// Checks the tokens of survey answers pressed on channels; without it every such answer
    /// is dropped.
    pub surveys: Option<Arc<crate::csat::Surveys>>,
    /// Where senders' phone numbers without a country code belong (`[contacts]`).
    pub phone_region: crate::domain::phone::PhoneRegion,
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
            store: parts.store,
            redactor: parts.redactor,
            surveys: parts.surveys,
            phone_region: parts.phone_region,
        }
    }

    /// Stores `events` (and `checkpoint`) in one transaction and returns a receipt per new
    /// message, in order.
    ///
    /// # Errors
    /// When the database is unavailable or refuses the batch (nothing of it is committed) or
    /// the service is shutting down.
    pub async fn deliver(
        &self,
        events: Vec<InboundEvent>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Vec<Receipt>, DeliverError> {
        self.deliver_fenced(events, checkpoint, None).await
    }

    /// [`Pipeline::deliver`] for a listener holding lease `fence`: nothing is stored once
    /// another node has taken the lease over (`Refused`), so a paused former holder cannot
    /// move the channel's checkpoint back.
    ///
    /// # Errors
    /// As [`Pipeline::deliver`].
    pub async fn deliver_fenced(
        &self,
        mut events: Vec<InboundEvent>,
        checkpoint: Option<Checkpoint>,
        fence: Option<Fence>,
    ) -> Result<Vec<Receipt>, DeliverError> {
        if events.is_empty() && checkpoint.is_none() {
            return Ok(Vec::new());
        }
        // Names and subjects become headers and display names later: whatever a connector
        // filled in, only cleaned single-line values are stored.
        events
            .iter_mut()
            .for_each(connector_sdk::text::clean_inbound_event);
        // A sender's phone becomes the `phone` identity every channel shares: in one form,
        // so the same person writing by SMS and by WhatsApp is one contact.
        for event in &mut events {
            if let InboundEvent::Message(message) = event {
                normalise_sender_phone(&mut message.sender, self.phone_region);
            }
        }
        // The one place every inbound text passes before it is stored: what the rules
        // redact here never reaches the database, the search index or the event log.
        if !self.redactor.is_off() {
            events
                .iter_mut()
                .for_each(|event| redact_inbound(&self.redactor, event));
        }
        // Survey answers count only with a token we signed that has not expired; the store
        // then checks that the presser is the surveyed contact.
        let now = crate::domain::Millis::now();
        for event in &mut events {
            if let InboundEvent::CsatAnswer(answer) = event {
                answer.verified_conversation = match (&self.surveys, answer.rating_and_token()) {
                    (Some(surveys), Some((_, token))) => surveys
                        .verify(token, now)
                        .map(|claims| claims.conversation.get())
                        .map_err(|err| {
                            tracing::info!(channel = %answer.channel, error = %err, "survey answer refused");
                        })
                        .ok(),
                    _ => None,
                };
            }
        }
        let writer = &self.writers[self.shard_of(events.first())];
        let (reply, answer) = oneshot::channel();
        writer
            .send(Job {
                events,
                checkpoint,
                fence,
                reply,
            })
            .await
            .map_err(|_| DeliverError::ShuttingDown)?;
        answer.await.map_err(|_| DeliverError::ShuttingDown)?
    }

    /// The writer of a job: the same thread always goes to the same writer, so its messages
    /// are committed in arrival order.
    fn shard_of(&self, first: Option<&InboundEvent>) -> usize {
        if self.writers.len() == 1 {
            return 0;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        match first {
            Some(InboundEvent::Message(message)) => {
                message.channel.hash(&mut hasher);
                message
                    .thread
                    .as_deref()
                    .unwrap_or(&message.sender.external_id)
                    .hash(&mut hasher);
            }
            Some(InboundEvent::Edited(edit)) => edit.channel.hash(&mut hasher),
            Some(InboundEvent::ThreadMoved { channel, .. }) => channel.hash(&mut hasher),
            // With the thread's messages, so a removal is committed in order with them.
            Some(InboundEvent::ThreadAccess(access)) => {
                access.channel.hash(&mut hasher);
                access.thread.hash(&mut hasher);
            }
            Some(_) | None => {}
        }
        (hasher.finish() % self.writers.len() as u64) as usize
    }
}

#[async_trait::async_trait]
impl InboundSink for Pipeline {
    async fn deliver_events(
        &self,
        events: Vec<InboundEvent>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Vec<Receipt>, SinkError> {
        Pipeline::deliver(self, events, checkpoint)
            .await
            .map_err(|err| SinkError(err.to_string()))
    }

    async fn checkpoint(&self, channel: &str, key: &str) -> Result<Option<String>, SinkError> {
        self.store
            .checkpoint(channel, key)
            .await
            .map_err(|err| SinkError(err.to_string()))
    }
}

/// The inbound door of a listener that holds a lease: every delivery carries the lease's
/// fence (see [`Pipeline::deliver_fenced`]).
pub struct FencedInbox {
    pipeline: Pipeline,
    fence: Fence,
}

impl FencedInbox {
    /// `pipeline`'s door for the holder of `fence`.
    pub fn new(pipeline: Pipeline, fence: Fence) -> Self {
        Self { pipeline, fence }
    }
}

#[async_trait::async_trait]
impl InboundSink for FencedInbox {
    async fn deliver_events(
        &self,
        events: Vec<InboundEvent>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Vec<Receipt>, SinkError> {
        self.pipeline
            .deliver_fenced(events, checkpoint, Some(self.fence.clone()))
            .await
            .map_err(|err| SinkError(err.to_string()))
    }

    async fn checkpoint(&self, channel: &str, key: &str) -> Result<Option<String>, SinkError> {
        InboundSink::checkpoint(&self.pipeline, channel, key).await
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
            let mut size = first.events.len();
            let mut jobs = vec![first];
            while size < self.max_batch {
                match receiver.try_recv() {
                    Ok(job) => {
                        size += job.events.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.commit(jobs).await;
        }
    }

    /// Commits jobs together; if the batch fails, each job is retried alone so that one bad
    /// message (or a race with another node) fails only its own caller. When the database is
    /// unavailable nobody is retried: each retry would wait out the pool's acquire timeout
    /// again, and every caller can be told at once to come back later.
    async fn commit(&self, jobs: Vec<Job>) {
        let mut batch = Vec::with_capacity(jobs.iter().map(|job| job.events.len()).sum());
        let mut checkpoints = Vec::new();
        let mut fences = Vec::new();
        let mut callers = Vec::with_capacity(jobs.len());
        for job in jobs {
            let receipts = job.message_count();
            let events = job.events.len();
            callers.push((
                receipts,
                events,
                job.checkpoint.clone(),
                job.fence.clone(),
                job.reply,
            ));
            batch.extend(job.events);
            checkpoints.extend(job.checkpoint);
            fences.extend(job.fence);
        }
        fences.dedup();
        let err = match self
            .store
            .record_fenced_events(&batch, &checkpoints, &fences)
            .await
        {
            Ok((receipts, events)) => {
                self.count(&receipts);
                self.events.publish(events);
                let mut receipts = receipts.into_iter();
                for (count, _, _, _, reply) in callers {
                    let mine: Vec<Receipt> = receipts.by_ref().take(count).collect();
                    // The caller may have gone away (client disconnected); the data is stored.
                    let _ = reply.send(Ok(mine));
                }
                return;
            }
            Err(err) => err,
        };
        if callers.len() == 1 || err.is_unavailable() {
            return self.fail(callers, &err);
        }
        let mut offset = 0;
        let mut callers = callers.into_iter();
        while let Some((count, events, checkpoint, fence, reply)) = callers.next() {
            let mine = &batch[offset..offset + events];
            offset += events;
            let checkpoint: Vec<Checkpoint> = checkpoint.into_iter().collect();
            let fence: Vec<Fence> = fence.into_iter().collect();
            match self
                .store
                .record_fenced_events(mine, &checkpoint, &fence)
                .await
            {
                Ok((receipts, events)) => {
                    self.count(&receipts);
                    self.events.publish(events);
                    let _ = reply.send(Ok(receipts));
                }
                Err(err) if err.is_unavailable() => {
                    // The database went away between the batch and this retry.
                    let rest = std::iter::once((count, events, None, None, reply)).chain(callers);
                    return self.fail(rest.collect(), &err);
                }
                Err(err) => self.fail(vec![(count, events, None, None, reply)], &err),
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

    fn fail(&self, callers: Vec<Caller>, err: &StoreError) {
        tracing::error!(error = %err, callers = callers.len(), "inbound batch failed to commit");
        Metrics::add(&self.metrics.inbound_failures, 1);
        for (_, _, _, _, reply) in callers {
            let answer = if err.is_unavailable() {
                DeliverError::Unavailable(err.to_string())
            } else {
                DeliverError::Refused(err.to_string())
            };
            // A caller that went away needs no answer; nothing of its job was stored.
            let _ = reply.send(Err(answer));
        }
    }
}

/// Applies the redaction rules to a new message's text, HTML and full text (marking the
/// message when they changed anything) and to an edit's new text.
/// Puts `sender`'s phone in E.164. A phone that does not read as a number is dropped: it
/// would match no other channel's sender, and a contact's phone is a number to reach them by.
fn normalise_sender_phone(
    sender: &mut connector_sdk::Sender,
    region: crate::domain::phone::PhoneRegion,
) {
    if let Some(phone) = sender.phone.take() {
        sender.phone = crate::domain::phone::to_e164(&phone, region);
        if sender.phone.is_none() {
            tracing::debug!(scope = %sender.scope, "a sender's phone that is not a number was left out");
        }
    }
}

fn redact_inbound(redactor: &crate::redaction::Redactor, event: &mut InboundEvent) {
    let redact = |text: &mut String| match redactor.redact(text) {
        Some(redacted) => {
            *text = redacted;
            true
        }
        None => false,
    };
    match event {
        InboundEvent::Message(message) => {
            let mut changed = redact(&mut message.text);
            if let Some(html) = message.html.as_mut() {
                changed |= redact(html);
            }
            if let Some(full_text) = message.full_text.as_mut() {
                changed |= redact(full_text);
            }
            message.redacted |= changed;
        }
        // Each part alone: a pattern split across two parts of an SMS is not caught.
        InboundEvent::Part(part) => {
            part.message.redacted |= redact(&mut part.message.text);
        }
        InboundEvent::Edited(edit) => {
            redact(&mut edit.text);
            if let Some(html) = edit.html.as_mut() {
                redact(html);
            }
        }
        _ => {}
    }
}
