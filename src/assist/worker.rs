//! What agent assist does without an agent asking: translating new customer messages on the
//! channels of `[assist] translate_channels`, a summary note when a long conversation passes
//! from one agent to another, and the classification a rule's `assist_classify` asked for.
//!
//! Two loops. The watcher reads committed events from the bus and queues jobs in
//! `assist_jobs` under a key naming the work, so that every node may queue what it sees and
//! the work is still done once. The runner claims due jobs with a lease (a job of a node that
//! died is taken over when its lease runs out), runs up to `[assist] max_concurrent` at a
//! time, retries what failed for a passing reason (the model busy, down or over budget) and
//! gives up on the rest with a line in the conversation. Every model call is written to the
//! audit log as Switchboard's own.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{Assist, AssistError, Completion};
use crate::automation::text::detect_language;
use crate::domain::audit::{AuditAction, AuditActor, AuditSubject, NewAuditEntry};
use crate::domain::{Event, EventKind, TranslationOrigin};
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::assist::{
    AppliedClassification, AssistJob, AssistJobKind, NewAssistJob, NewTranslation,
};
use crate::store::{Store, StoreResult};
use crate::supervisor::isolate;

/// How long a claimed job is this node's; a model call is bounded by `timeout_secs` times the
/// attempts, far below it.
const LEASE: Duration = Duration::from_secs(15 * 60);
/// How often an idle runner looks for due jobs (retries, jobs of a node that died).
const IDLE_POLL: Duration = Duration::from_secs(5);
/// Claims a job gets before it is given up.
const MAX_ATTEMPTS: i64 = 5;
/// The first wait before a retry; doubled with each attempt.
const FIRST_RETRY: Duration = Duration::from_secs(30);
/// How long done jobs are kept, so that an event read late cannot queue the work again.
const KEEP_DONE: Duration = Duration::from_secs(2 * 24 * 3600);
/// The labels a classification may choose from: the most used ones.
const LABELS_OFFERED: i64 = 50;

/// The worker. Cheap to clone.
#[derive(Clone)]
pub struct AssistWorker {
    store: Store,
    assist: Arc<Assist>,
    events: EventBus,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
}

/// How one job ended.
enum Ended {
    /// Done, or nothing to do.
    Done,
    /// Failed for a reason that may pass: try again later.
    Retry(String),
    /// Stopped by this node's shutdown: to run again at once, elsewhere or after the restart.
    Interrupted,
    /// Failed for good.
    GaveUp(String),
}

impl AssistWorker {
    pub fn new(store: Store, assist: Arc<Assist>, events: EventBus, metrics: Arc<Metrics>) -> Self {
        Self {
            store,
            assist,
            events,
            metrics,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Runs the watcher and the runner until `shutdown`; jobs in flight are finished.
    ///
    /// # Errors
    /// Never by itself; a database outage is retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let watcher = self.clone();
        let stop = shutdown.clone();
        let watching = tokio::spawn(async move { watcher.watch(stop).await });
        self.run_jobs(shutdown).await;
        let _ = watching.await;
        Ok(())
    }

    /// Queues the jobs committed events ask for.
    async fn watch(&self, shutdown: CancellationToken) {
        let mut events = self.events.subscribe();
        loop {
            let event = tokio::select! {
                () = shutdown.cancelled() => return,
                received = events.recv() => received,
            };
            match event {
                Ok(event) => {
                    if let Some(job) = self.job_for(&event)
                        && let Err(err) = self.queue(&job).await
                    {
                        tracing::warn!(error = %err, job = %job.key, "could not queue an assist job");
                    }
                }
                // The work of the events missed stays undone; agents can still ask for it.
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "agent assist fell behind the event stream");
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    async fn queue(&self, job: &NewAssistJob) -> StoreResult<()> {
        if self.store.queue_assist_job(job).await? {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// The job an event asks for, if any.
    fn job_for(&self, event: &Event) -> Option<NewAssistJob> {
        let config = self.assist.config();
        let conversation = event.conversation_id?;
        match event.kind {
            EventKind::MessageCreated => {
                let data = &event.data;
                let customer_message = data["direction"] == "in"
                    && data["kind"] == "message"
                    && data["csat_comment"].is_null();
                let channel = data["channel"].as_str()?;
                if !customer_message || !config.translates_channel(channel) {
                    return None;
                }
                let message = event.message_id?;
                Some(NewAssistJob {
                    key: format!("translate:{}:{}", message.get(), config.language),
                    conversation,
                    kind: AssistJobKind::Translate {
                        message,
                        language: config.language.clone(),
                    },
                })
            }
            EventKind::ConversationAssigned => {
                let from = event.data["from"]["agent_id"].as_i64();
                let to = event.data["to"]["agent_id"].as_i64();
                let hand_over = from.is_some() && to.is_some() && from != to;
                if !hand_over || config.handover_summary_messages == 0 {
                    return None;
                }
                Some(NewAssistJob {
                    key: format!("summary:{}:handover:{}", conversation.get(), event.id.get()),
                    conversation,
                    kind: AssistJobKind::Summary,
                })
            }
            _ => None,
        }
    }

    /// Claims and runs due jobs, up to `max_concurrent` at a time, until `shutdown`.
    async fn run_jobs(&self, shutdown: CancellationToken) {
        let most = self.assist.config().max_concurrent.max(1);
        let mut running: JoinSet<()> = JoinSet::new();
        let mut last_purge: Option<std::time::Instant> = None;
        while !shutdown.is_cancelled() {
            if last_purge.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
                let before = self.store.now().minus(KEEP_DONE);
                if let Err(err) = self.store.purge_assist_jobs(before).await {
                    tracing::warn!(error = %err, "could not delete old assist jobs");
                }
                last_purge = Some(std::time::Instant::now());
            }
            if running.len() < most {
                match self.store.claim_assist_job(LEASE).await {
                    Ok(Some(job)) => {
                        let worker = self.clone();
                        running.spawn(async move { worker.run_job(job).await });
                        continue;
                    }
                    Ok(None) => {}
                    Err(err) => tracing::warn!(error = %err, "could not claim an assist job"),
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.wake.notified() => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
        // Model calls in flight give way to the shutdown (`AssistError::ShuttingDown`): their
        // jobs end at once and are put back to run again (see `Ended::Interrupted`).
        while running.join_next().await.is_some() {}
    }

    /// Runs one job and records how it ended; a panic fails this job alone.
    async fn run_job(&self, job: AssistJob) {
        let ended = match isolate("assist", &self.metrics, self.attempt(&job)).await {
            Ok(Ok(ended)) => ended,
            Ok(Err(err)) => Ended::Retry(format!("database: {err}")),
            Err(panic) => Ended::GaveUp(panic.to_string()),
        };
        let recorded = match ended {
            Ended::Done => self.store.finish_assist_job(job.id, None).await,
            Ended::Interrupted => {
                let now = self.store.now();
                self.store
                    .retry_assist_job(job.id, "stopped: the node shut down", now)
                    .await
            }
            Ended::Retry(reason) if job.attempts < MAX_ATTEMPTS => {
                let wait = FIRST_RETRY * 2u32.pow(u32::try_from(job.attempts - 1).unwrap_or(0));
                tracing::info!(job = job.id, reason = %reason, "assist job will be retried");
                let at = self.store.now().plus(wait);
                self.store.retry_assist_job(job.id, &reason, at).await
            }
            Ended::Retry(reason) | Ended::GaveUp(reason) => self.give_up(&job, &reason).await,
        };
        if let Err(err) = recorded {
            tracing::warn!(job = job.id, error = %err, "could not record how an assist job ended");
        }
    }

    /// Ends a job without a result; a summary or classification that was expected says so
    /// in the conversation.
    async fn give_up(&self, job: &AssistJob, reason: &str) -> StoreResult<()> {
        tracing::warn!(
            job = job.id,
            kind = job.kind.name(),
            reason,
            "assist job given up"
        );
        let line = match &job.kind {
            AssistJobKind::Translate { .. } => None,
            AssistJobKind::Summary => Some(format!(
                "Agent assist could not summarise the conversation: {reason}"
            )),
            AssistJobKind::Classify { rule } => Some(format!(
                "Rule “{rule}”: agent assist could not classify the conversation: {reason}"
            )),
        };
        if let Some(line) = line {
            let events = self.store.add_activity(job.conversation, &line).await?;
            self.events.publish(events);
        }
        self.store.finish_assist_job(job.id, Some(reason)).await
    }

    /// One attempt at a job.
    async fn attempt(&self, job: &AssistJob) -> StoreResult<Ended> {
        let conversation = match self.store.get_conversation(job.conversation).await {
            Ok(conversation) => conversation,
            Err(crate::store::StoreError::NotFound) => return Ok(Ended::Done),
            Err(err) => return Err(err),
        };
        if !self.assist.is_on() {
            return Ok(Ended::GaveUp(AssistError::Off.to_string()));
        }
        if !self.assist.config().covers_channel(&conversation.channel) {
            return Ok(Ended::GaveUp(format!(
                "conversations of channel {:?} are not sent to the model ([assist] channels)",
                conversation.channel
            )));
        }
        if self
            .store
            .find_erasure_of(conversation.contact_id)
            .await?
            .is_some()
        {
            return Ok(Ended::Done);
        }
        match &job.kind {
            AssistJobKind::Translate { message, language } => {
                self.translate(job, *message, language).await
            }
            AssistJobKind::Summary => self.summarise(job).await,
            AssistJobKind::Classify { rule } => self.classify(job, rule).await,
        }
    }

    async fn translate(
        &self,
        job: &AssistJob,
        id: crate::domain::MessageId,
        language: &str,
    ) -> StoreResult<Ended> {
        let message = match self.store.get_message(id).await {
            Ok(message) => message,
            Err(crate::store::StoreError::NotFound) => return Ok(Ended::Done),
            Err(err) => return Err(err),
        };
        let foreign = message.is_from_customer()
            && detect_language(&message.text).is_some_and(|detected| detected != language);
        if !foreign {
            return Ok(Ended::Done);
        }
        let outcome = self.assist.translate(&message.text, language).await;
        self.audit(job, "translate", 1, outcome.as_ref()).await?;
        let completion = match outcome {
            Ok(completion) => completion,
            Err(err) => return Ok(failed(err)),
        };
        let saved = self
            .store
            .save_translation(&NewTranslation {
                message: id,
                language: language.to_owned(),
                text: completion.text,
                origin: TranslationOrigin::Model,
                model: completion.model,
                source_text: message.text,
                by: None,
            })
            .await?;
        if let Some((_, events)) = saved {
            self.events.publish(events);
        }
        Ok(Ended::Done)
    }

    async fn summarise(&self, job: &AssistJob) -> StoreResult<Ended> {
        let config = self.assist.config();
        let limit = i64::try_from(config.max_messages).unwrap_or(i64::MAX);
        let messages = self.store.latest_messages(job.conversation, limit).await?;
        if Assist::readable_count(&messages) < config.handover_summary_messages {
            return Ok(Ended::Done);
        }
        let outcome = self.assist.summarise(&messages).await;
        self.audit(job, "summary", messages.len(), outcome.as_ref())
            .await?;
        let completion = match outcome {
            Ok(completion) => completion,
            Err(err) => return Ok(failed(err)),
        };
        let text = format!(
            "Summary by {} (the conversation changed hands):\n{}",
            completion.model, completion.text
        );
        let (_, events) = self.store.add_note(job.conversation, None, &text).await?;
        self.events.publish(events);
        Ok(Ended::Done)
    }

    async fn classify(&self, job: &AssistJob, rule: &str) -> StoreResult<Ended> {
        let limit = i64::try_from(self.assist.config().max_messages).unwrap_or(i64::MAX);
        let messages = self.store.latest_messages(job.conversation, limit).await?;
        if !Assist::has_readable(&messages) {
            return Ok(Ended::GaveUp(
                "the conversation has no messages for the model to read".into(),
            ));
        }
        let labels = self.store.common_labels(LABELS_OFFERED).await?;
        let teams = self.store.list_teams().await?;
        let names: Vec<String> = teams.iter().map(|team| team.name.clone()).collect();
        let outcome = self.assist.classify(&messages, &labels, &names).await;
        let answered = outcome.as_ref().map(|(_, completion)| completion);
        self.audit(job, "suggestions", messages.len(), answered)
            .await?;
        let (classification, completion) = match outcome {
            Ok(answer) => answer,
            Err(err) => return Ok(failed(err)),
        };
        let team = classification.team.as_ref().and_then(|name| {
            teams
                .iter()
                .find(|team| &team.name == name)
                .map(|team| (team.id, team.name.clone()))
        });
        let events = self
            .store
            .apply_classification(
                job.conversation,
                &AppliedClassification {
                    rule: rule.to_owned(),
                    model: completion.model,
                    labels: classification.labels,
                    priority: classification.priority,
                    team,
                },
            )
            .await?;
        self.events.publish(events);
        Ok(Ended::Done)
    }

    /// Writes a model call to the audit log as Switchboard's own.
    async fn audit(
        &self,
        job: &AssistJob,
        feature: &str,
        messages: usize,
        outcome: Result<&Completion, &AssistError>,
    ) -> StoreResult<()> {
        let model = &self.assist.config().model;
        let detail = match outcome {
            Ok(done) => serde_json::json!({
                "feature": feature, "model": done.model, "messages": messages, "automatic": true,
                "prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens,
            }),
            Err(err) => serde_json::json!({
                "feature": feature, "model": model, "messages": messages, "automatic": true,
                "error": err.to_string(),
            }),
        };
        self.store
            .record_audit(&NewAuditEntry {
                actor: AuditActor::system(),
                action: AuditAction::AssistUsed,
                subject: AuditSubject::Conversation(job.conversation),
                ip: None,
                detail,
            })
            .await?;
        Ok(())
    }
}

/// How a failed model call ends its job: what may pass is retried.
fn failed(err: AssistError) -> Ended {
    match err {
        AssistError::Budget { .. } | AssistError::Busy(_) | AssistError::Unreachable { .. } => {
            Ended::Retry(err.to_string())
        }
        AssistError::Status { status, .. } if status == 429 || status >= 500 => {
            Ended::Retry(err.to_string())
        }
        AssistError::ShuttingDown => Ended::Interrupted,
        AssistError::Status { .. }
        | AssistError::Off
        | AssistError::Refused(_)
        | AssistError::BadAnswer(_) => Ended::GaveUp(err.to_string()),
    }
}
