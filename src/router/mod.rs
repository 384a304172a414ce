//! The router: assigns waiting conversations to online agents with free capacity.
//!
//! A conversation nobody can take waits in the queue (priority, then waiting time) and is
//! assigned as soon as capacity frees up. There is no sweep to rely on: the router wakes on
//! the events that can change the answer (a new conversation, a status change, an
//! (un)assignment) and when an agent's availability or capacity changes; a slow poll is only a
//! safety net. Every pass is one store transaction per batch, so several routers (or nodes)
//! may run at once without ever exceeding a capacity.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::config::RoutingConfig;
use crate::domain::{Event, EventKind, RoutingPolicy};
use crate::events::EventBus;
use crate::store::{Store, StoreResult};

/// Conversations assigned per transaction: keeps each write short under a long queue.
const BATCH: i64 = 200;

/// The assignment worker; cheap to clone.
#[derive(Clone)]
pub struct Router {
    store: Store,
    events: EventBus,
    policy: RoutingPolicy,
    poll: Duration,
    wake: Arc<Notify>,
}

impl Router {
    /// A router over `store`. `wake` is notified by whoever changes an agent's availability or
    /// capacity (those changes are not events on the bus).
    pub fn new(store: Store, events: EventBus, config: &RoutingConfig, wake: Arc<Notify>) -> Self {
        Self {
            store,
            events,
            policy: config.policy,
            poll: Duration::from_secs(config.poll_interval_secs.max(1)),
            wake,
        }
    }

    /// The configured policy.
    pub fn policy(&self) -> RoutingPolicy {
        self.policy
    }

    /// Assigns everything that can be assigned now and publishes the `conversation.assigned`
    /// events; returns how many conversations were assigned.
    ///
    /// # Errors
    /// When the store fails; batches committed before the failure stay assigned.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            let (assigned, events) = self.store.assign_waiting(self.policy, BATCH).await?;
            self.events.publish(events);
            total += assigned.len();
            // A short batch means the queue is empty or nobody has room left.
            if i64::try_from(assigned.len()).unwrap_or(i64::MAX) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Runs passes until `shutdown`, each time something may have freed capacity or queued work.
    ///
    /// # Errors
    /// Never today; store failures are logged and retried at the next wake-up.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        if self.policy == RoutingPolicy::Manual {
            return Ok(());
        }
        // Subscribed before the first pass, so nothing published during it is missed.
        let mut bus = self.events.subscribe();
        while !shutdown.is_cancelled() {
            let wake = self.wake.notified();
            tokio::pin!(wake);
            let poll = tokio::time::sleep(self.poll);
            tokio::pin!(poll);
            if let Err(err) = self.run_once().await {
                tracing::error!(error = %err, "routing pass failed");
            }
            loop {
                tokio::select! {
                    received = bus.recv() => match received {
                        Ok(event) if !wakes_router(&event) => continue,
                        // Lagging means events were missed: a pass covers whatever they were.
                        Ok(_) | Err(RecvError::Lagged(_)) => {}
                        Err(RecvError::Closed) => return Ok(()),
                    },
                    () = &mut wake => {}
                    () = &mut poll => {}
                    () = shutdown.cancelled() => return Ok(()),
                }
                break;
            }
            // One pass covers a burst of events: drop what is already queued behind this one.
            while bus.try_recv().is_ok() {}
        }
        Ok(())
    }
}

/// Whether an event can make a waiting conversation assignable.
fn wakes_router(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::ConversationCreated
            | EventKind::ConversationStatusChanged
            | EventKind::ConversationAssigned
    )
}
