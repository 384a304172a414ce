//! The outbox worker: claim due sends with a lease → `Connector::send` → record the outcome.
//!
//! Transient failures retry with jittered exponential backoff (never sooner than the peer's
//! `retry_after`); permanent ones fail at once; a message out of attempts is `dead`. Failed
//! and dead messages stay visible in the API and can be queued again.

pub mod settings;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use connector_sdk::text::{clean_ids, clean_optional_line};
use connector_sdk::{Author, Connector, ConnectorError, OutboundMessage};
use futures_util::future::join_all;
use rand::Rng;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use self::settings::DispatchConfig;
use crate::cluster::AccountPace;
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::{OutboxJob, SendOutcome, Store};
use crate::supervisor::isolate;

/// This worker's name in logs and metrics labels.
const WORKER: &str = "dispatcher";

/// The connectors by channel name.
pub type Connectors = HashMap<String, Arc<dyn Connector>>;

/// What one pass over the queue did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DispatchOutcome {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The outbox worker.
#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    connectors: Arc<Connectors>,
    config: DispatchConfig,
    worker_id: String,
    wake: Arc<Notify>,
    events: EventBus,
    metrics: Arc<Metrics>,
    /// Shares rated channels' provider limits with the other nodes.
    pace: AccountPace,
    /// Builds the survey a satisfaction survey message carries.
    surveys: Option<Arc<crate::csat::Surveys>>,
}

impl Dispatcher {
    /// A worker over `connectors`. `wake` is notified whenever a reply is queued.
    pub fn new(
        store: Store,
        connectors: Arc<Connectors>,
        config: DispatchConfig,
        wake: Arc<Notify>,
        events: EventBus,
        metrics: Arc<Metrics>,
    ) -> Self {
        let worker_id = format!("{}-{:08x}", std::process::id(), rand::rng().random::<u32>());
        Self {
            pace: AccountPace::new(store.clone()),
            store,
            connectors,
            config,
            worker_id,
            wake,
            events,
            metrics,
            surveys: None,
        }
    }

    /// Lets survey messages carry their survey (buttons, links); without it they go out as
    /// their text alone.
    pub fn with_surveys(mut self, surveys: Arc<crate::csat::Surveys>) -> Self {
        self.surveys = Some(surveys);
        self
    }

    /// Sends everything due now, up to `concurrency` messages at once.
    ///
    /// # Errors
    /// When the store cannot be reached; sends that fail are outcomes, not errors.
    pub async fn run_once(&self) -> anyhow::Result<DispatchOutcome> {
        let lease = Duration::from_secs(self.config.lease_secs);
        let jobs = self
            .store
            .claim_outbox(&self.worker_id, lease, self.config.concurrency as i64)
            .await?;
        let mut outcome = DispatchOutcome {
            claimed: jobs.len(),
            ..DispatchOutcome::default()
        };
        self.wait_turns(&jobs).await;
        let results = join_all(jobs.iter().map(|job| self.isolated_attempt(job))).await;
        for (job, result) in jobs.iter().zip(results) {
            match &result {
                SendOutcome::Sent { .. } => {
                    outcome.sent += 1;
                    Metrics::add(&self.metrics.outbound_sent, 1);
                }
                SendOutcome::Retry { error, .. } => {
                    outcome.retried += 1;
                    Metrics::add(&self.metrics.outbound_retries, 1);
                    tracing::warn!(message = %job.message_id, channel = %job.channel, %error, "send failed, will retry");
                }
                SendOutcome::Failed { error, dead } => {
                    outcome.failed += 1;
                    let counter = if *dead {
                        &self.metrics.outbound_dead
                    } else {
                        &self.metrics.outbound_failed
                    };
                    Metrics::add(counter, 1);
                    tracing::warn!(message = %job.message_id, channel = %job.channel, %error, dead, "send failed for good");
                }
            }
            let events = self.store.finish_outbox(job, &result).await?;
            self.events.publish(events);
        }
        Ok(outcome)
    }

    /// One send attempt in isolation: a panic (a connector or its library tripping over a
    /// stored value) fails this message for good with the panic's message instead of ending
    /// the worker, and a retry would only panic again.
    async fn isolated_attempt(&self, job: &OutboxJob) -> SendOutcome {
        match isolate(WORKER, &self.metrics, self.attempt(job)).await {
            Ok(outcome) => outcome,
            Err(panic) => SendOutcome::Failed {
                error: panic.to_string(),
                dead: false,
            },
        }
    }

    /// Waits for the cluster-wide send turns of the claimed jobs, channel by channel.
    async fn wait_turns(&self, jobs: &[OutboxJob]) {
        let mut per_channel: Vec<(&str, usize)> = Vec::new();
        for job in jobs {
            match per_channel
                .iter_mut()
                .find(|(name, _)| *name == job.channel)
            {
                Some((_, count)) => *count += 1,
                None => per_channel.push((&job.channel, 1)),
            }
        }
        for (name, count) in per_channel {
            if let Some(connector) = self.connectors.get(name) {
                self.pace.wait_turns(connector.as_ref(), count).await;
            }
        }
    }

    /// One send attempt, classified.
    async fn attempt(&self, job: &OutboxJob) -> SendOutcome {
        let Some(connector) = self.connectors.get(&job.channel) else {
            return self.retry_or_die(
                job,
                None,
                format!("channel {:?} is not configured", job.channel),
            );
        };
        // Stored names may predate cleaning at entry: clean again before they reach a header.
        let mut recipient = job.recipient.clone();
        recipient.name = clean_optional_line(recipient.name.as_deref());
        let mut message = OutboundMessage::text(
            job.message_id.to_string(),
            job.channel.clone(),
            job.conversation_id.get(),
            recipient,
            job.text.clone(),
        )
        .by(job
            .author
            .as_ref()
            .map(|(id, name)| Author::new(format!("agent:{id}"), Some(name.clone()))))
        .replying_to(clean_optional_line(job.in_reply_to.as_deref()))
        .created_at(job.created_at);
        message.attachments = job.attachments.clone();
        message.template = job.template.clone();
        message.html = job.html.clone();
        message.markup = job.markup.clone();
        if let (Some(surveys), Some(expires_at)) = (&self.surveys, job.csat_expires_at) {
            message.csat = Some(surveys.request(job.conversation_id, expires_at));
        }
        // Replies without a person behind them (bots, rules) are automatic on every channel.
        message.automated = job.author.is_none();
        if connector.wants_thread_context() {
            // Email threads by headers: the subject, earlier Message-IDs and authorship.
            match self.store.thread_context(job.message_id).await {
                Ok(context) => {
                    message.subject = clean_optional_line(context.subject.as_deref());
                    message.references = clean_ids(context.references);
                    message.automated = context.automated;
                }
                Err(err) => {
                    return self.retry_or_die(job, None, format!("loading the thread: {err}"));
                }
            }
        }
        match connector.send(&message).await {
            Ok(delivery) => SendOutcome::Sent {
                external_id: delivery.external_id,
            },
            Err(ConnectorError::Rejected {
                reason,
                unreachable,
            }) => {
                if unreachable {
                    self.mark_unreachable(connector.as_ref(), job, &reason)
                        .await;
                }
                SendOutcome::Failed {
                    error: reason,
                    dead: false,
                }
            }
            Err(ConnectorError::Unavailable {
                retry_after,
                source,
            }) => self.retry_or_die(job, retry_after, error_chain(source.as_ref())),
            Err(err @ (ConnectorError::Unauthorized | ConnectorError::Config(_))) => {
                // An operator has to fix credentials or settings: retry slowly rather than
                // burn attempts.
                let slow = Duration::from_secs(self.config.backoff_max_secs);
                self.retry_or_die(job, Some(slow), err.to_string())
            }
            Err(err @ ConnectorError::Unsupported(_)) => SendOutcome::Failed {
                error: err.to_string(),
                dead: false,
            },
        }
    }

    async fn mark_unreachable(&self, connector: &dyn Connector, job: &OutboxJob, reason: &str) {
        let scope = connector.identity_scope();
        if let Err(err) = self
            .store
            .mark_identity_unreachable(&scope, &job.recipient.external_id, reason)
            .await
        {
            tracing::warn!(error = %err, "could not mark the recipient unreachable");
        }
    }

    fn retry_or_die(
        &self,
        job: &OutboxJob,
        retry_after: Option<Duration>,
        error: String,
    ) -> SendOutcome {
        let attempts_made = job.attempts + 1;
        if attempts_made >= i64::from(self.config.max_attempts) {
            return SendOutcome::Failed {
                error: format!("{error} (gave up after {attempts_made} attempts)"),
                dead: true,
            };
        }
        let delay = backoff(&self.config, job.attempts, retry_after);
        let at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
        SendOutcome::Retry { at, error }
    }

    /// Runs until `shutdown`: sends what is due, then sleeps until a reply is queued, the next
    /// retry is due or the poll interval passes. Stops only between passes.
    ///
    /// # Errors
    /// Never on send failures; store errors are logged and retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        while !shutdown.is_cancelled() {
            let wake = self.wake.notified();
            let busy = match self.run_once().await {
                Ok(outcome) => outcome.claimed > 0,
                Err(err) => {
                    tracing::error!(error = %err, "dispatch pass failed");
                    false
                }
            };
            if busy {
                continue;
            }
            let wait = match self.store.next_outbox_due().await {
                Ok(Some(due)) => due.from_now().min(poll),
                _ => poll,
            };
            tokio::select! {
                () = wake => {}
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => {}
            }
        }
        Ok(())
    }
}

/// An error with its causes, `outer: inner: innermost`, for the agent-visible `last_error`.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Delay before the retry after `attempts` failures: `base · 2^attempts`, capped, with full
/// jitter in its upper half (so that many failures do not retry in lockstep), and never less
/// than what the peer asked for.
pub fn backoff(config: &DispatchConfig, attempts: i64, retry_after: Option<Duration>) -> Duration {
    jittered_backoff(
        Duration::from_millis(config.backoff_base_ms),
        Duration::from_secs(config.backoff_max_secs),
        attempts,
        retry_after,
    )
}

/// [`backoff`] with explicit bounds, for workers with their own settings (event webhooks).
pub fn jittered_backoff(
    base: Duration,
    cap: Duration,
    attempts: i64,
    retry_after: Option<Duration>,
) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
    let exponential = base.saturating_mul(2u32.saturating_pow(exponent)).min(cap);
    let jittered = exponential.mul_f64(rand::rng().random_range(0.5..=1.0));
    match retry_after {
        Some(asked) => jittered.max(asked),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_jittered_and_honours_retry_after() {
        let config = DispatchConfig {
            backoff_base_ms: 100,
            backoff_max_secs: 10,
            ..DispatchConfig::default()
        };
        for attempts in 0..6 {
            let full = Duration::from_millis(100 * 2u64.pow(attempts as u32));
            let delay = backoff(&config, attempts, None);
            assert!(delay <= full && delay >= full / 2, "{attempts}: {delay:?}");
        }
        assert!(backoff(&config, 40, None) <= Duration::from_secs(10));
        assert_eq!(
            backoff(&config, 0, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
    }
}
