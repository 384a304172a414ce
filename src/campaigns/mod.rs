//! Campaigns: contacts import, consent, segments, and the worker that plans a campaign's
//! audience into its send ledger and works through it at the configured pace.
//!
//! The worker has a lane of its own: it never claims outbox rows, so agent replies and bot
//! acknowledgements (which the dispatcher sends) never wait behind a campaign. It sends
//! through the same connectors, classifies failures like the dispatcher, and marks a ledger
//! row sent only after the channel accepted the message.

pub mod import;
mod pacing;
mod render;
mod replies;
pub mod settings;
pub mod spec;
mod test_send;
pub mod throttle;
pub mod unsubscribe;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use connector_sdk::{Connector, ConnectorError, OutboundMessage};
use futures_util::future::join_all;
use rand::Rng;
use tokio::sync::{Notify, OnceCell};
use tokio_util::sync::CancellationToken;

use crate::dispatch::settings::DispatchConfig;
use crate::dispatch::{Connectors, jittered_backoff};
use crate::domain::quiet_hours::Window;
use crate::domain::{Campaign, CampaignId, CampaignSpec, ChannelPlan, ContactId, Millis};
use crate::events::EventBus;
use crate::store::Store;
use crate::store::campaigns::{LeasedSend, PlanChannel, SendResult};
use crate::supervisor::{isolate, isolate_blocking};
use crate::templates::Templates;
use settings::CampaignsConfig;
// The campaign benchmark renders through the worker's own path, so it measures the real one.
use pacing::Pacing;
pub(crate) use render::Prepared;
pub use test_send::{TestOutcome, TestSendError};
use unsubscribe::{LinkClaims, LinkSigner, Purpose};

/// How often a sending campaign reports its funnel on the event stream.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// A configured channel as the ledger sees it.
pub(crate) fn plan_channel(name: &str, connector: &dyn Connector) -> PlanChannel {
    PlanChannel {
        name: name.to_owned(),
        scope: connector.identity_scope(),
        kind: connector.kind().as_str().to_owned(),
        receiver_deduplicates: connector.receiver_deduplicates(),
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunOutcome {
    pub started: usize,
    pub leased: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub suppressed: usize,
    pub deferred: usize,
    pub finished: usize,
    /// Opt-out keywords handled.
    pub opt_outs: usize,
    /// Replies linked to a campaign.
    pub replies: usize,
}

impl RunOutcome {
    fn add(&mut self, other: &RunOutcome) {
        self.started += other.started;
        self.leased += other.leased;
        self.sent += other.sent;
        self.retried += other.retried;
        self.failed += other.failed;
        self.suppressed += other.suppressed;
        self.deferred += other.deferred;
        self.finished += other.finished;
        self.opt_outs += other.opt_outs;
        self.replies += other.replies;
    }
}

/// What the worker needs.
pub struct CampaignParts {
    pub store: Store,
    /// Seals the link key at rest.
    pub vault: Arc<crate::secrets::Vault>,
    pub connectors: Arc<Connectors>,
    pub templates: Arc<Templates>,
    pub events: EventBus,
    pub config: CampaignsConfig,
    pub dispatch: DispatchConfig,
    /// Notified when an opt-out confirmation is queued.
    pub dispatch_wake: Arc<Notify>,
    /// Counts sends that panicked.
    pub metrics: Arc<crate::metrics::Metrics>,
}

struct Inner {
    parts: CampaignParts,
    signer: OnceCell<LinkSigner>,
    pacing: Pacing,
    account_pace: crate::cluster::AccountPace,
    /// When each campaign's next progress report is due.
    progress: Mutex<HashMap<CampaignId, std::time::Instant>>,
    wake: Notify,
    cursor_ready: OnceCell<()>,
    test_sends: test_send::TestSendLimiter,
    /// Batches being rendered on the blocking pool right now.
    rendering: AtomicUsize,
}

/// The campaign worker (cheap to clone).
#[derive(Clone)]
pub struct CampaignRunner {
    inner: Arc<Inner>,
}

impl CampaignRunner {
    /// A worker over `parts`.
    pub fn new(parts: CampaignParts) -> Self {
        // Several nodes share one PostgreSQL database: the pace is the cluster's, not a node's.
        let pacing = Pacing::new(parts.store.clone());
        let account_pace = crate::cluster::AccountPace::new(parts.store.clone());
        Self {
            inner: Arc::new(Inner {
                parts,
                signer: OnceCell::new(),
                pacing,
                account_pace,
                progress: Mutex::default(),
                wake: Notify::new(),
                cursor_ready: OnceCell::new(),
                test_sends: test_send::TestSendLimiter::default(),
                rendering: AtomicUsize::new(0),
            }),
        }
    }

    fn parts(&self) -> &CampaignParts {
        &self.inner.parts
    }

    /// Wakes the worker (a campaign was started or resumed).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// The key that signs unsubscribe and tracking links, generated and stored on first use.
    ///
    /// # Errors
    /// When the store cannot be reached.
    pub async fn signer(&self) -> anyhow::Result<&LinkSigner> {
        self.inner
            .signer
            .get_or_try_init(|| async {
                let vault = &self.parts().vault;
                let slot = crate::secrets::slot::LINK_KEY;
                let fresh = hex::encode(rand::rng().random::<[u8; 32]>());
                let generated = vault
                    .seal_value(slot, &fresh)
                    .await
                    .context("while sealing a new campaign link key")?;
                let stored = self
                    .parts()
                    .store
                    .campaign_setting(crate::store::LINK_KEY, &generated)
                    .await
                    .context("while loading the campaign link key")?;
                let key = vault
                    .open_value(slot, &stored)
                    .await
                    .context("while opening the campaign link key")?;
                Ok::<_, anyhow::Error>(LinkSigner::new(key.as_bytes()))
            })
            .await
    }

    /// The public unsubscribe link of a campaign message.
    ///
    /// # Errors
    /// When the link key cannot be loaded.
    pub async fn unsubscribe_url(&self, claims: &LinkClaims) -> anyhow::Result<String> {
        let token = self.signer().await?.sign(Purpose::Unsubscribe, claims, "");
        Ok(format!(
            "{}/unsubscribe/{token}",
            self.parts().config.public_url.trim_end_matches('/')
        ))
    }

    /// Resolves a campaign's channels against the configured connectors, in order.
    ///
    /// # Errors
    /// A channel that is not configured (any more).
    pub fn plan_channels(&self, spec: &CampaignSpec) -> anyhow::Result<Vec<PlanChannel>> {
        spec.channels
            .iter()
            .map(|plan| {
                let connector = self
                    .parts()
                    .connectors
                    .get(&plan.channel)
                    .with_context(|| format!("channel {:?} is not configured", plan.channel))?;
                Ok(plan_channel(&plan.channel, connector.as_ref()))
            })
            .collect()
    }

    /// Starts due campaigns, handles opt-out keywords and replies, and sends one throttled
    /// batch per channel of every running campaign.
    ///
    /// # Errors
    /// When the store cannot be reached; failed sends are outcomes, not errors.
    pub async fn run_once(&self) -> anyhow::Result<RunOutcome> {
        let store = &self.parts().store;
        let mut outcome = RunOutcome::default();
        for campaign in store.due_campaigns(Millis::now()).await? {
            let channels = serde_json::from_value::<CampaignSpec>(campaign.spec.clone())
                .map_err(anyhow::Error::from)
                .and_then(|spec| self.plan_channels(&spec));
            match channels {
                Ok(channels) => {
                    let (_, events) = store.plan_campaign(campaign.id, &channels).await?;
                    self.parts().events.publish(events);
                    outcome.started += 1;
                }
                Err(err) => {
                    tracing::error!(campaign = %campaign.id, error = %err, "campaign cannot start");
                }
            }
        }
        self.tail(&mut outcome).await?;
        store.settle_cancelled_leases(Millis::now()).await?;
        for campaign in store.running_campaigns().await? {
            let spec: CampaignSpec = match serde_json::from_value(campaign.spec.clone()) {
                Ok(spec) => spec,
                Err(err) => {
                    tracing::error!(campaign = %campaign.id, error = %err, "stored campaign is unreadable");
                    continue;
                }
            };
            let mut sent_now = 0;
            let mut leased_now = 0;
            for plan in &spec.channels {
                // Several batches in flight per channel, so sending one overlaps recording
                // another; the throttle still decides how many go out. (Separate tasks per
                // batch measured slower on SQLite: its writers then queue on the busy lock.)
                let batches = join_all(
                    (0..self.parts().config.parallel_batches.max(1))
                        .map(|_| self.send_batch(&campaign, &spec, plan)),
                )
                .await;
                for batch in batches {
                    let batch = batch?;
                    sent_now += batch.sent + batch.failed + batch.suppressed;
                    leased_now += batch.leased;
                    outcome.add(&batch);
                }
            }
            if sent_now > 0 && self.progress_due(campaign.id) {
                let clock = std::time::Instant::now();
                let events = store.record_campaign_progress(campaign.id).await?;
                self.parts().events.publish(events);
                self.progress_took(campaign.id, clock.elapsed());
            }
            // Only a pass that found nothing to lease can be the last one.
            if leased_now > 0 {
                continue;
            }
            if let Some(events) = store.finish_campaign_if_done(campaign.id).await? {
                self.parts().events.publish(events);
                outcome.finished += 1;
                self.inner.pacing.forget(campaign.id).await;
            }
        }
        Ok(outcome)
    }

    /// True when a campaign's next progress report is due: every [`PROGRESS_EVERY`], or
    /// less often when counting its ledger is slow (see [`Self::progress_took`]), so live
    /// progress never costs the campaign more than a few per cent of its time.
    fn progress_due(&self, campaign: CampaignId) -> bool {
        let last = self
            .inner
            .progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        last.get(&campaign)
            .is_none_or(|next| std::time::Instant::now() >= *next)
    }

    fn progress_took(&self, campaign: CampaignId, took: Duration) {
        let mut last = self
            .inner
            .progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        last.insert(
            campaign,
            std::time::Instant::now() + PROGRESS_EVERY.max(took.saturating_mul(30)),
        );
    }

    async fn send_batch(
        &self,
        campaign: &Campaign,
        spec: &CampaignSpec,
        plan: &ChannelPlan,
    ) -> anyhow::Result<RunOutcome> {
        let mut outcome = RunOutcome::default();
        let parts = self.parts();
        let Some(connector) = parts.connectors.get(&plan.channel).cloned() else {
            return Ok(outcome);
        };
        let rate = plan
            .rate_per_sec
            .unwrap_or(parts.config.default_rate_per_sec);
        let granted = self
            .inner
            .pacing
            .take(
                campaign.id,
                &plan.channel,
                rate,
                parts.config.batch_size.max(1),
            )
            .await;
        if granted == 0 {
            return Ok(outcome);
        }
        let channel = plan_channel(&plan.channel, connector.as_ref());
        let lease_ms =
            i64::try_from(parts.config.lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let lease = parts
            .store
            .lease_sends(
                campaign.id,
                &channel,
                granted as i64,
                Millis::now(),
                lease_ms,
            )
            .await?;
        let Some(mut lease) = lease else {
            self.inner
                .pacing
                .give_back(campaign.id, &plan.channel, rate, granted)
                .await;
            return Ok(outcome);
        };
        let leased = Arc::new(std::mem::take(&mut lease.sends));
        outcome.leased += leased.len();
        let window = spec
            .quiet_hours
            .as_ref()
            .and_then(|quiet| quiet.parse().ok());
        // Quiet hours and opt-outs first: only the messages that go out now are rendered.
        let held: Vec<Option<SendResult>> =
            leased.iter().map(|send| held_back(window, send)).collect();
        let prepared = self
            .prepare(campaign, spec, plan, &channel, connector.kind())
            .await
            .map(Arc::new)
            .map_err(|err| format!("rendering: {err:#}"));
        let wanted: Vec<bool> = held.iter().map(Option::is_none).collect();
        // The provider's limit per account holds across nodes, campaign or not.
        let going = wanted.iter().filter(|wanted| **wanted).count();
        self.inner
            .account_pace
            .wait_turns(connector.as_ref(), going)
            .await;
        let messages = self.render_batch(prepared, leased.clone(), wanted).await;
        // The whole batch goes out concurrently: its size is bounded by the throttle's burst
        // and `batch_size`.
        let results: Vec<(ContactId, SendResult)> = join_all(
            leased
                .iter()
                .zip(held)
                .zip(messages)
                .map(|((send, held), message)| async {
                    let result = match (held, message) {
                        (Some(held), _) => held,
                        (None, Some(Ok(message))) => {
                            self.send_isolated(message, connector.as_ref(), &channel, send)
                                .await
                        }
                        (None, Some(Err(error))) => SendResult::Failed { error },
                        (None, None) => SendResult::Failed {
                            error: "rendering: the message was not rendered".into(),
                        },
                    };
                    (send.contact, result)
                }),
        )
        .await;
        let mut unused = granted.saturating_sub(leased.len());
        for (_, result) in &results {
            match result {
                SendResult::Sent { .. } => outcome.sent += 1,
                SendResult::Retry { .. } => outcome.retried += 1,
                SendResult::Failed { .. } => outcome.failed += 1,
                SendResult::Suppressed { .. } => {
                    outcome.suppressed += 1;
                    unused += 1;
                }
                SendResult::Defer { .. } => {
                    outcome.deferred += 1;
                    unused += 1;
                }
            }
        }
        self.inner
            .pacing
            .give_back(campaign.id, &plan.channel, rate, unused)
            .await;
        parts
            .store
            .finish_sends(campaign.id, lease.id, &results)
            .await?;
        Ok(outcome)
    }

    /// Batches whose messages are being rendered right now (on the blocking pool).
    pub fn batches_rendering(&self) -> usize {
        self.inner.rendering.load(Ordering::Relaxed)
    }

    /// Renders the messages of a batch marked `wanted` on the blocking pool, in order (`None`
    /// for the others). Operator-written text thus never holds the async workers that answer
    /// requests; each render is bounded by the template fuel and output cap, and one that
    /// panics fails its message alone.
    async fn render_batch(
        &self,
        prepared: Result<Arc<Prepared>, String>,
        sends: Arc<Vec<LeasedSend>>,
        wanted: Vec<bool>,
    ) -> Vec<Option<Result<OutboundMessage, String>>> {
        let count = sends.len();
        let runner = self.clone();
        let rendering = tokio::task::spawn_blocking(move || {
            let _rendering = RenderingBatch::enter(&runner.inner.rendering);
            sends
                .iter()
                .zip(wanted)
                .map(|(send, wanted)| {
                    wanted.then(|| {
                        let prepared = prepared.as_ref().map_err(Clone::clone)?;
                        isolate_blocking("campaigns", &runner.parts().metrics, || {
                            runner.render(prepared, send)
                        })
                        .map_err(|panic| format!("rendering {panic}"))?
                        .map_err(|err| format!("rendering: {err:#}"))
                    })
                })
                .collect::<Vec<_>>()
        });
        match rendering.await {
            Ok(messages) => messages,
            // Only a cancelled runtime gets here (panics are caught per message): the batch's
            // rows are retried after their lease.
            Err(err) => {
                let error = format!("rendering was interrupted: {err}");
                (0..count).map(|_| Some(Err(error.clone()))).collect()
            }
        }
    }

    /// Sends one rendered message. A send that panics fails its ledger row for good (a retry
    /// would panic again); the rest of the batch goes on.
    async fn send_isolated(
        &self,
        message: OutboundMessage,
        connector: &dyn Connector,
        channel: &PlanChannel,
        send: &LeasedSend,
    ) -> SendResult {
        isolate(
            "campaigns",
            &self.parts().metrics,
            self.deliver(message, connector, channel, send),
        )
        .await
        .unwrap_or_else(|panic| SendResult::Failed {
            error: panic.to_string(),
        })
    }

    /// Sends one message, and classifies the outcome like the dispatcher does.
    async fn deliver(
        &self,
        message: OutboundMessage,
        connector: &dyn Connector,
        channel: &PlanChannel,
        send: &LeasedSend,
    ) -> SendResult {
        let parts = self.parts();
        let retry = |retry_after: Option<Duration>, error: String| {
            if send.attempts + 1 >= i64::from(parts.config.max_attempts) {
                return SendResult::Failed {
                    error: format!("{error} (gave up after {} attempts)", send.attempts + 1),
                };
            }
            let delay = jittered_backoff(
                Duration::from_millis(parts.dispatch.backoff_base_ms),
                Duration::from_secs(parts.dispatch.backoff_max_secs),
                send.attempts,
                retry_after,
            );
            SendResult::Retry {
                at: Millis(
                    Millis::now().0 + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2),
                ),
                error,
            }
        };
        match connector.send(&message).await {
            Ok(delivery) => SendResult::Sent {
                external_id: delivery.external_id,
            },
            Err(ConnectorError::Rejected {
                reason,
                unreachable: true,
            }) => {
                // Blocked bot, deleted account, "cannot send messages to this user": the
                // address joins the suppression list and the identity is marked.
                if let Err(err) = parts
                    .store
                    .mark_identity_unreachable(&channel.scope, &send.address, &reason)
                    .await
                {
                    tracing::warn!(error = %err, "could not mark the recipient unreachable");
                }
                SendResult::Suppressed {
                    reason,
                    suppress: Some((channel.scope.clone(), send.address.clone())),
                }
            }
            Err(ConnectorError::Rejected { reason, .. }) => SendResult::Failed { error: reason },
            Err(ConnectorError::Unavailable {
                retry_after,
                source,
            }) => retry(retry_after, source.to_string()),
            Err(err @ (ConnectorError::Unauthorized | ConnectorError::Config(_))) => retry(
                Some(Duration::from_secs(parts.dispatch.backoff_max_secs)),
                err.to_string(),
            ),
            Err(err @ ConnectorError::Unsupported(_)) => SendResult::Failed {
                error: err.to_string(),
            },
        }
    }

    /// Runs until `shutdown`, stopping only between passes (in-flight sends finish).
    ///
    /// # Errors
    /// Never on send failures; store errors are logged and retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let poll = Duration::from_millis(self.parts().config.poll_interval_ms.max(1));
        while !shutdown.is_cancelled() {
            let wake = self.inner.wake.notified();
            let busy = match self.run_once().await {
                Ok(outcome) => outcome.leased > 0 || outcome.started > 0,
                Err(err) => {
                    tracing::error!(error = %err, "campaign pass failed");
                    false
                }
            };
            let wait = if busy {
                self.inner.pacing.wait().unwrap_or(Duration::ZERO).min(poll)
            } else {
                poll
            };
            if wait.is_zero() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                () = wake => {}
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => {}
            }
        }
        Ok(())
    }
}

/// Counts a batch as rendering while it lives.
struct RenderingBatch<'a>(&'a AtomicUsize);

impl<'a> RenderingBatch<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for RenderingBatch<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why a leased send does not go out now, if it does not: quiet hours at the contact's time
/// zone (deferred), or an opt-out since the campaign started (suppressed).
fn held_back(window: Option<Window>, send: &LeasedSend) -> Option<SendResult> {
    let zone = send
        .attributes
        .get("timezone")
        .and_then(|zone| zone.as_str());
    if let Some(until) = window.and_then(|window| window.hold_until(zone, chrono::Utc::now())) {
        return Some(SendResult::Defer {
            at: Millis(until.timestamp_millis()),
        });
    }
    (!send.allowed).then(|| SendResult::Suppressed {
        reason: "opted out or unreachable since the campaign started".into(),
        suppress: None,
    })
}
