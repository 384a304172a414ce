//! Store calls of outbound event webhooks (integrators' subscriptions to the event log):
//! subscriptions, the fan-out of the log into deliveries, the delivery queue and its log.
//! Not the webhook channel, whose messages are ordinary inbound and outbound messages.

use std::time::Duration;

use super::{
    FanOut, NewWebhook, Page, PageRequest, Pool, Store, StoreResult, WebhookJob, WebhookOutcome,
    WebhookPatch, postgres, sqlite,
};
use crate::domain::{
    Millis, WebhookAttempt, WebhookDelivery, WebhookDeliveryId, WebhookDeliveryState, WebhookId,
    WebhookSubscription,
};

/// Outbound event webhooks: subscriptions, fan-out of the event log, the delivery queue and log.
impl Store {
    /// Stores a new, active webhook subscription.
    pub async fn create_webhook(&self, new: &NewWebhook) -> StoreResult<WebhookSubscription> {
        on_backend!(self, event_webhooks::create(new, self.now()))
    }

    /// Every webhook subscription, by id (never their secrets).
    pub async fn list_webhooks(&self) -> StoreResult<Vec<WebhookSubscription>> {
        on_backend!(self, event_webhooks::list())
    }

    /// The webhook subscription with `id`.
    pub async fn get_webhook(&self, id: WebhookId) -> StoreResult<WebhookSubscription> {
        on_backend!(self, event_webhooks::get(id))
    }

    /// Pauses or resumes a subscription, or changes its events.
    pub async fn update_webhook(
        &self,
        id: WebhookId,
        patch: &WebhookPatch,
    ) -> StoreResult<WebhookSubscription> {
        on_backend!(self, event_webhooks::update(id, patch, self.now()))
    }

    /// Deletes a subscription with its pending deliveries and its delivery log.
    pub async fn delete_webhook(&self, id: WebhookId) -> StoreResult<()> {
        on_backend!(self, event_webhooks::delete(id))
    }

    /// Queues a delivery per matching active subscription for up to `limit` events appended
    /// since the last call, and moves the fan-out cursor, in one transaction (exactly once
    /// across restarts and nodes).
    pub async fn fan_out_events(&self, limit: i64) -> StoreResult<FanOut> {
        on_backend!(self, event_webhooks::fan_out(limit, self.now()))
    }

    /// Claims up to `limit` due webhook deliveries for `worker` until `now + lease`.
    pub async fn claim_webhook_deliveries(
        &self,
        worker: &str,
        lease: Duration,
        limit: i64,
    ) -> StoreResult<Vec<WebhookJob>> {
        on_backend!(
            self,
            event_webhooks::claim(worker, self.now(), lease, limit)
        )
    }

    /// Records one delivery attempt and what follows from it.
    pub async fn finish_webhook_delivery(
        &self,
        id: WebhookDeliveryId,
        attempt: &WebhookAttempt,
        outcome: &WebhookOutcome,
    ) -> StoreResult<()> {
        on_backend!(
            self,
            event_webhooks::finish(id, attempt, outcome, self.now())
        )
    }

    /// When the next pending webhook delivery becomes due, if any.
    pub async fn next_webhook_due(&self) -> StoreResult<Option<Millis>> {
        on_backend!(self, event_webhooks::next_due())
    }

    /// The deliveries of a subscription, newest first, with their attempts.
    pub async fn list_webhook_deliveries(
        &self,
        subscription: WebhookId,
        state: Option<WebhookDeliveryState>,
        page: PageRequest,
    ) -> StoreResult<Page<WebhookDelivery>> {
        on_backend!(
            self,
            event_webhooks::list_deliveries(subscription, state, page)
        )
    }

    /// Queues a delivery again, due now, with a fresh attempt count and retry window.
    pub async fn replay_webhook_delivery(
        &self,
        id: WebhookDeliveryId,
    ) -> StoreResult<WebhookDelivery> {
        on_backend!(self, event_webhooks::replay(id, self.now()))
    }
}
