//! Outbound event webhooks: fans the event log out into one delivery per matching
//! subscription, POSTs each signed, retries timeouts, 429 and 5xx with jittered backoff for a
//! configured time, and records every attempt. Owns HTTP to integrators; SQL stays in `store`.

pub mod settings;
mod signature;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use rand::Rng;
use serde::Serialize;
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

use self::settings::WebhooksConfig;
use crate::domain::{
    AgentId, ContactId, ConversationId, Event, EventId, MessageId, WebhookAttempt,
    WebhookDeliveryId,
};
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::secrets::Vault;
use crate::store::{Store, WebhookJob, WebhookOutcome};
use crate::supervisor::isolate;
pub use connector_sdk::net::{TargetError, TargetPolicy, forbidden_reason};
pub use signature::{
    DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER,
    generate_secret, sign, verify,
};

/// Events read from the log per fan-out pass.
const FAN_OUT_BATCH: i64 = 500;
/// This worker's name in logs and metrics labels.
const WORKER: &str = "event_webhooks";
/// How much of a refusing receiver's body is kept in the delivery log.
const ERROR_BODY_BYTES: usize = 200;
/// Longest error text kept per attempt.
const ERROR_TEXT_CHARS: usize = 500;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhooksOutcome {
    /// Events read from the log.
    pub events: usize,
    /// Deliveries queued for them.
    pub queued: usize,
    pub claimed: usize,
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
}

/// The body of a delivery: the event as the event stream shows it, plus the delivery id.
#[derive(Serialize)]
struct Payload<'a> {
    delivery_id: WebhookDeliveryId,
    id: EventId,
    kind: &'static str,
    conversation_id: Option<ConversationId>,
    contact_id: Option<ContactId>,
    message_id: Option<MessageId>,
    agent_id: Option<AgentId>,
    data: &'a serde_json::Value,
    created_at: DateTime<Utc>,
}

impl<'a> Payload<'a> {
    fn new(delivery_id: WebhookDeliveryId, event: &'a Event) -> Self {
        Self {
            delivery_id,
            id: event.id,
            kind: event.kind.as_str(),
            conversation_id: event.conversation_id,
            contact_id: event.contact_id,
            message_id: event.message_id,
            agent_id: event.agent_id,
            data: &event.data,
            created_at: event.created_at,
        }
    }
}

/// How one attempt went, before the retry policy has its say.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Delivered,
    /// Worth trying again (timeout, connection error, 408, 429, 5xx, DNS failure).
    Transient {
        retry_after: Option<Duration>,
    },
    /// Trying again will not help (4xx, redirect, refused target, missing event).
    Permanent,
}

/// The receiver's status, classified: 2xx delivered; 408, 429 and 5xx transient; anything
/// else (other 4xx, 3xx: redirects are not followed) permanent.
fn classify_status(status: u16) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        408 | 429 | 500..=599 => Verdict::Transient { retry_after: None },
        _ => Verdict::Permanent,
    }
}

/// The event webhook worker.
#[derive(Clone)]
pub struct EventWebhooks {
    store: Store,
    /// Opens the subscriptions' signing secrets, sealed at rest.
    vault: Arc<Vault>,
    config: WebhooksConfig,
    targets: TargetPolicy,
    client: reqwest::Client,
    worker_id: String,
    wake: Arc<Notify>,
    events: EventBus,
    metrics: Arc<Metrics>,
}

impl EventWebhooks {
    /// A worker; `wake` is notified when a delivery is replayed, and every event published on
    /// `events` wakes it too.
    ///
    /// # Errors
    /// When the HTTP client cannot be built (TLS backend).
    pub fn new(
        store: Store,
        vault: Arc<Vault>,
        config: WebhooksConfig,
        wake: Arc<Notify>,
        events: EventBus,
    ) -> anyhow::Result<Self> {
        let targets = TargetPolicy::new(
            config.allow_private_targets,
            "[webhooks] allow_private_targets",
        );
        let client = targets.client(
            Duration::from_secs(config.timeout_secs),
            concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION")),
        )?;
        let worker_id = format!("{}-{:08x}", std::process::id(), rand::rng().random::<u32>());
        Ok(Self {
            store,
            vault,
            config,
            targets,
            client,
            worker_id,
            wake,
            events,
            metrics: Arc::default(),
        })
    }

    /// Counts this worker's job panics in `metrics` (the service's; tests may leave the
    /// private default).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The SSRF policy deliveries are held to (the API checks new subscriptions with it).
    pub fn targets(&self) -> TargetPolicy {
        self.targets
    }

    /// Queues deliveries for new events, then sends what is due, up to `concurrency` at once.
    ///
    /// # Errors
    /// When the store cannot be reached; failed deliveries are outcomes, not errors.
    pub async fn run_once(&self) -> anyhow::Result<WebhooksOutcome> {
        let fan_out = self.store.fan_out_events(FAN_OUT_BATCH).await?;
        // Claiming writes; a read first keeps passes that find nothing due off the write lock
        // (the worker wakes on every event, and SQLite has one writer).
        let due = match self.store.next_webhook_due().await? {
            Some(at) => at <= crate::domain::Millis::now(),
            None => false,
        };
        // The lease outlives the longest attempt: DNS check, request timeout, body read.
        let lease = Duration::from_secs(self.config.timeout_secs.saturating_mul(2) + 30);
        let jobs = if due || fan_out.deliveries > 0 {
            self.store
                .claim_webhook_deliveries(
                    &self.worker_id,
                    lease,
                    i64::try_from(self.config.concurrency).unwrap_or(i64::MAX),
                )
                .await?
        } else {
            Vec::new()
        };
        let mut outcome = WebhooksOutcome {
            events: fan_out.events,
            queued: fan_out.deliveries,
            claimed: jobs.len(),
            ..WebhooksOutcome::default()
        };
        let attempts = join_all(jobs.iter().map(|job| self.attempt(job))).await;
        for (job, (attempt, verdict)) in jobs.iter().zip(attempts) {
            let (result, attempt) = retry_policy(&self.config, job, verdict, attempt, Utc::now());
            match &result {
                WebhookOutcome::Delivered => outcome.delivered += 1,
                WebhookOutcome::Retry { at } => {
                    outcome.retried += 1;
                    tracing::warn!(delivery = %job.delivery_id, subscription = %job.subscription_id,
                        status = ?attempt.status, error = ?attempt.error, retry_at = %at,
                        "event webhook failed, will retry");
                }
                WebhookOutcome::Failed => {
                    outcome.failed += 1;
                    tracing::warn!(delivery = %job.delivery_id, subscription = %job.subscription_id,
                        status = ?attempt.status, error = ?attempt.error,
                        "event webhook failed for good");
                }
            }
            self.store
                .finish_webhook_delivery(job.delivery_id, &attempt, &result)
                .await?;
        }
        Ok(outcome)
    }

    /// One HTTP attempt, classified.
    async fn attempt(&self, job: &WebhookJob) -> (WebhookAttempt, Verdict) {
        let started = Instant::now();
        let attempted_at = Utc::now();
        // A panic while building or sending one delivery fails that delivery for good; a
        // retry would panic again.
        let (status, error, verdict) = match isolate(WORKER, &self.metrics, self.send(job)).await {
            Ok(result) => result,
            Err(panic) => (None, Some(panic.to_string()), Verdict::Permanent),
        };
        let attempt = WebhookAttempt {
            status,
            error: error.map(|text| text.chars().take(ERROR_TEXT_CHARS).collect()),
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            attempted_at,
        };
        (attempt, verdict)
    }

    async fn send(&self, job: &WebhookJob) -> (Option<u16>, Option<String>, Verdict) {
        let Some(event) = &job.event else {
            return (
                None,
                Some("the event is no longer in the event log".into()),
                Verdict::Permanent,
            );
        };
        // DNS may have changed since the subscription was created: check again every time.
        let url = match self.targets.check(&job.url).await {
            Ok(url) => url,
            Err(err) => {
                let verdict = if err.is_transient() {
                    Verdict::Transient { retry_after: None }
                } else {
                    Verdict::Permanent
                };
                return (None, Some(format!("url: {err}")), verdict);
            }
        };
        let body = match serde_json::to_vec(&Payload::new(job.delivery_id, event)) {
            Ok(body) => body,
            Err(err) => {
                return (
                    None,
                    Some(format!("cannot encode the event: {err}")),
                    Verdict::Permanent,
                );
            }
        };
        let secret = match self
            .vault
            .open_value(crate::secrets::slot::WEBHOOK_SECRET, &job.secret)
            .await
        {
            Ok(secret) => secret,
            // Retried: the key may be restored (a wrong key file is an operator's mistake).
            Err(err) => {
                return (
                    None,
                    Some(err.to_string()),
                    Verdict::Transient { retry_after: None },
                );
            }
        };
        let timestamp = Utc::now().timestamp();
        let signature = sign(secret.as_bytes(), timestamp, &body);
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, event.kind.as_str())
            .header(DELIVERY_HEADER, job.delivery_id.to_string())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => return (None, Some(self.describe(&err)), request_verdict(&err)),
        };
        let status = response.status();
        let mut verdict = classify_status(status.as_u16());
        if verdict == Verdict::Delivered {
            return (Some(status.as_u16()), None, verdict);
        }
        if let Verdict::Transient { retry_after } = &mut verdict {
            *retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
        }
        let mut error = format!("HTTP {status}");
        if status.is_redirection() {
            error.push_str(" (redirects are not followed)");
        }
        let snippet = body_snippet(&mut response).await;
        if !snippet.is_empty() {
            error.push_str(": ");
            error.push_str(&snippet);
        }
        (Some(status.as_u16()), Some(error), verdict)
    }

    /// A request error as a short line, without the URL (its query may hold a token).
    fn describe(&self, err: &reqwest::Error) -> String {
        if err.is_timeout() {
            return format!("timed out after {} s", self.config.timeout_secs);
        }
        if let Some(refused) = guard_refusal(err) {
            return format!("url: {refused}");
        }
        let mut text = if err.is_connect() {
            "connection failed".to_owned()
        } else {
            "request failed".to_owned()
        };
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// Runs until `shutdown`: fans out and sends, then sleeps until an event is appended, a
    /// delivery is replayed, the next retry is due or the poll interval passes. Stops only
    /// between passes, so an attempt in flight is recorded.
    ///
    /// # Errors
    /// Never on delivery failures; store errors are logged and retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        let mut appended = Some(self.events.subscribe());
        while !shutdown.is_cancelled() {
            let wake = self.wake.notified();
            // The pass below reads everything committed so far: older wake-ups are spent.
            drain(&mut appended);
            let busy = match self.run_once().await {
                Ok(outcome) => outcome.events > 0 || outcome.claimed > 0,
                Err(err) => {
                    tracing::error!(error = %err, "event webhook pass failed");
                    false
                }
            };
            if busy {
                continue;
            }
            let wait = match self.store.next_webhook_due().await {
                Ok(Some(due)) => due.from_now().min(poll),
                _ => poll,
            };
            tokio::select! {
                () = wake => {}
                () = next_appended(&mut appended) => {}
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => {}
            }
        }
        Ok(())
    }
}

/// Drops pending wake-ups; a closed bus (impossible while the worker holds it) stops them.
fn drain(appended: &mut Option<broadcast::Receiver<Arc<Event>>>) {
    let Some(receiver) = appended else {
        return;
    };
    loop {
        match receiver.try_recv() {
            Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
            Err(broadcast::error::TryRecvError::Empty) => return,
            Err(broadcast::error::TryRecvError::Closed) => {
                *appended = None;
                return;
            }
        }
    }
}

/// Resolves when an event is published (or never, without a bus).
async fn next_appended(appended: &mut Option<broadcast::Receiver<Arc<Event>>>) {
    match appended {
        // Lagging is a wake-up too: the pass reads the log, not the bus.
        Some(receiver) => {
            if let Err(broadcast::error::RecvError::Closed) = receiver.recv().await {
                *appended = None;
            }
        }
        None => std::future::pending().await,
    }
}

/// Applies the retry policy to one attempt: transient failures retry with jittered
/// exponential backoff until `retry_for_hours` after the round began (creation or replay),
/// then the delivery fails.
fn retry_policy(
    config: &WebhooksConfig,
    job: &WebhookJob,
    verdict: Verdict,
    mut attempt: WebhookAttempt,
    now: DateTime<Utc>,
) -> (WebhookOutcome, WebhookAttempt) {
    let retry_after = match verdict {
        Verdict::Delivered => return (WebhookOutcome::Delivered, attempt),
        Verdict::Permanent => return (WebhookOutcome::Failed, attempt),
        Verdict::Transient { retry_after } => retry_after,
    };
    let hours = i64::try_from(config.retry_for_hours).unwrap_or(i64::MAX);
    let window = chrono::Duration::try_hours(hours).unwrap_or(chrono::Duration::MAX);
    if now - job.queued_at >= window {
        let made = job.attempts + 1;
        let error = attempt.error.take().unwrap_or_default();
        attempt.error = Some(format!(
            "{error} (gave up after {made} attempts in {} h)",
            config.retry_for_hours
        ));
        return (WebhookOutcome::Failed, attempt);
    }
    let delay = crate::dispatch::jittered_backoff(
        Duration::from_millis(config.backoff_base_ms),
        Duration::from_secs(config.backoff_max_secs),
        job.attempts,
        retry_after,
    );
    let at = now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    (WebhookOutcome::Retry { at }, attempt)
}

/// A request that got no response: refused targets fail, everything else (timeouts,
/// connection errors) is worth a retry.
fn request_verdict(err: &reqwest::Error) -> Verdict {
    if guard_refusal(err).is_some() {
        Verdict::Permanent
    } else {
        Verdict::Transient { retry_after: None }
    }
}

/// The guard's refusal, when the connect-time resolver refused the target.
fn guard_refusal(err: &reqwest::Error) -> Option<&TargetError> {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<TargetError>() {
            return (!refused.is_transient()).then_some(refused);
        }
        source = cause.source();
    }
    None
}

/// The start of a refusing receiver's answer, on one line, for the delivery log.
async fn body_snippet(response: &mut reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ERROR_BODY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            // The status already says what matters; a broken body adds nothing.
            Ok(None) | Err(_) => break,
        }
    }
    bytes.truncate(ERROR_BODY_BYTES);
    String::from_utf8_lossy(&bytes)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_for_the_retry_policy() {
        for status in [200, 201, 202, 204, 299] {
            assert_eq!(classify_status(status), Verdict::Delivered, "{status}");
        }
        for status in [408, 429, 500, 502, 503, 504, 599] {
            assert!(
                matches!(classify_status(status), Verdict::Transient { .. }),
                "{status}"
            );
        }
        for status in [301, 302, 400, 401, 403, 404, 410, 422] {
            assert_eq!(classify_status(status), Verdict::Permanent, "{status}");
        }
    }

    #[test]
    fn payload_has_the_event_view_shape_plus_the_delivery_id() {
        let event = Event {
            id: EventId::new(7),
            kind: crate::domain::EventKind::MessageCreated,
            conversation_id: Some(ConversationId::new(3)),
            contact_id: None,
            message_id: Some(MessageId::new(9)),
            agent_id: None,
            data: serde_json::json!({"text": "hi"}),
            created_at: crate::domain::Millis(1_700_000_000_000).to_datetime(),
        };
        let json =
            serde_json::to_value(Payload::new(WebhookDeliveryId::new(5), &event)).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "delivery_id": 5, "id": 7, "kind": "message.created", "conversation_id": 3,
                "contact_id": null, "message_id": 9, "agent_id": null, "data": {"text": "hi"},
                "created_at": "2023-11-14T22:13:20Z"
            })
        );
    }

    #[test]
    fn transient_failures_retry_with_backoff_until_the_window_closes() {
        let config = WebhooksConfig {
            backoff_base_ms: 1000,
            backoff_max_secs: 60,
            retry_for_hours: 24,
            ..WebhooksConfig::default()
        };
        let queued_at = crate::domain::Millis(1_700_000_000_000).to_datetime();
        let job = WebhookJob {
            delivery_id: WebhookDeliveryId::new(1),
            subscription_id: crate::domain::WebhookId::new(1),
            url: "https://example.com/".into(),
            secret: "s".into(),
            attempts: 3,
            queued_at,
            event: None,
        };
        let attempt = WebhookAttempt {
            status: Some(503),
            error: Some("HTTP 503".into()),
            duration_ms: 5,
            attempted_at: queued_at,
        };
        let transient = Verdict::Transient { retry_after: None };
        let now = queued_at + chrono::Duration::hours(23);
        let (outcome, _) = retry_policy(&config, &job, transient.clone(), attempt.clone(), now);
        let WebhookOutcome::Retry { at } = outcome else {
            panic!("expected a retry, got {outcome:?}");
        };
        let delay = at - now;
        assert!(
            delay >= chrono::Duration::seconds(4) && delay <= chrono::Duration::seconds(8),
            "{delay}"
        );

        let asked = Verdict::Transient {
            retry_after: Some(Duration::from_secs(120)),
        };
        let (outcome, _) = retry_policy(&config, &job, asked, attempt.clone(), now);
        assert_eq!(
            outcome,
            WebhookOutcome::Retry {
                at: now + chrono::Duration::seconds(120)
            }
        );

        let late = queued_at + chrono::Duration::hours(24);
        let (outcome, recorded) = retry_policy(&config, &job, transient, attempt.clone(), late);
        assert_eq!(outcome, WebhookOutcome::Failed);
        assert_eq!(
            recorded.error.as_deref(),
            Some("HTTP 503 (gave up after 4 attempts in 24 h)")
        );

        let (outcome, _) = retry_policy(&config, &job, Verdict::Permanent, attempt.clone(), now);
        assert_eq!(outcome, WebhookOutcome::Failed);
        let (outcome, _) = retry_policy(&config, &job, Verdict::Delivered, attempt, late);
        assert_eq!(outcome, WebhookOutcome::Delivered);
    }
}
