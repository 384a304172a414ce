//! The router: assigns waiting conversations to online agents with free capacity.
//!
//! A conversation nobody can take waits in the queue (priority, then waiting time) and is
//! assigned as soon as capacity frees up. There is no sweep to rely on: the router wakes on
//! the events that can change the answer (a new conversation, a status change, an
//! (un)assignment) and when an agent's availability or capacity changes; a slow poll is only a
//! safety net. Every pass is one store transaction per batch, so several routers (or nodes)
//! may run at once without ever exceeding a capacity.
//!
//! Each conversation follows its effective policy: its own override, else its team's scope,
//! else its channel's, else `[routing] policy` (see [`RoutingRules`]). Manual conversations
//! stay in the queue for agents to take.

pub mod settings;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use self::settings::RoutingConfig;
use crate::domain::{AgentId, Availability, Event, EventKind, RoutingPolicy, RoutingRules};
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::{Store, StoreResult};
use crate::supervisor::isolate;

/// Conversations assigned per transaction: keeps each write short under a long queue.
const BATCH: i64 = 200;

/// The assignment worker; cheap to clone.
#[derive(Clone)]
pub struct Router {
    store: Store,
    events: EventBus,
    rules: Arc<RoutingRules>,
    poll: Duration,
    wake: Arc<Notify>,
    /// Configured team names already reported missing, so each is logged once.
    reported_teams: Arc<Mutex<HashSet<String>>>,
    metrics: Arc<Metrics>,
}

impl Router {
    /// A router over `store`. `wake` is notified by whoever changes an agent's availability or
    /// capacity (those changes are not events on the bus).
    pub fn new(store: Store, events: EventBus, config: &RoutingConfig, wake: Arc<Notify>) -> Self {
        Self {
            store,
            events,
            rules: Arc::new(config.rules()),
            poll: Duration::from_secs(config.poll_interval_secs.max(1)),
            wake,
            reported_teams: Arc::default(),
            metrics: Arc::default(),
        }
    }

    /// Counts this worker's panicking passes in `metrics` (the service's; tests may leave
    /// the private default).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The default policy (`[routing] policy`).
    pub fn policy(&self) -> RoutingPolicy {
        self.rules.default.policy
    }

    /// The routing scopes this router applies.
    pub fn rules(&self) -> &Arc<RoutingRules> {
        &self.rules
    }

    /// Assigns everything that can be assigned now and publishes the `conversation.assigned`
    /// events; returns how many conversations were assigned.
    ///
    /// # Errors
    /// When the store fails; batches committed before the failure stay assigned.
    pub async fn run_once(&self) -> StoreResult<usize> {
        self.report_missing_teams().await?;
        let mut total = 0;
        loop {
            let (assigned, events) = self.store.assign_waiting(&self.rules, BATCH).await?;
            self.events.publish(events);
            total += assigned.len();
            // A short batch means the queue is empty or nobody has room left.
            if i64::try_from(assigned.len()).unwrap_or(i64::MAX) < BATCH {
                return Ok(total);
            }
        }
    }

    /// Wakes the router for a pass now: something that is not an event on the bus (a new
    /// agent, more capacity) may let waiting conversations in.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Takes in a change to `agent`'s availability or capacity, `availability` being what it
    /// was set to (`None` when unchanged). An agent gone offline hands back the conversations
    /// whose scope says `reassign_when_offline` (with their events, `actor` being who set
    /// the agent offline, `None` for the service); the router then wakes to give them, or the
    /// queue, to whoever has room. This is the one place the offline hand-back is written:
    /// the agents API and the web inbox's heartbeats both come here.
    ///
    /// # Errors
    /// When the store fails to release the conversations; the router is woken all the same,
    /// since the agent's change itself is already stored.
    pub async fn agent_changed(
        &self,
        agent: AgentId,
        availability: Option<Availability>,
        actor: Option<AgentId>,
    ) -> StoreResult<()> {
        let mut released = Ok(());
        if availability == Some(Availability::Offline) && self.rules.may_reassign() {
            released = self
                .store
                .release_conversations(&self.rules, agent, actor)
                .await
                .map(|events| self.events.publish(events));
        }
        self.wake();
        released
    }

    /// Runs passes until `shutdown`, each time something may have freed capacity or queued work.
    ///
    /// # Errors
    /// Never today; store failures are logged and retried at the next wake-up.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        // Runs even when every scope is manual: a conversation's own override (set by
        // automation rules) can still make it routable.
        // Subscribed before the first pass, so nothing published during it is missed.
        let mut bus = self.events.subscribe();
        while !shutdown.is_cancelled() {
            let wake = self.wake.notified();
            tokio::pin!(wake);
            let poll = tokio::time::sleep(self.poll);
            tokio::pin!(poll);
            // A pass that panics is logged and counted like a failed one; the next wake-up
            // tries again.
            match isolate("router", &self.metrics, self.run_once()).await {
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(err)) => tracing::error!(error = %err, "routing pass failed"),
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

impl Router {
    /// Logs, once per name, configured teams that do not exist: not an error, since teams are
    /// created through the API, possibly after start-up; their scope applies once they do.
    async fn report_missing_teams(&self) -> StoreResult<()> {
        if self.rules.teams.is_empty() {
            return Ok(());
        }
        let missing = self.store.missing_routing_teams(&self.rules).await?;
        let mut reported = match self.reported_teams.lock() {
            Ok(reported) => reported,
            // A panic elsewhere mid-insert leaves a usable set; at worst a name logs twice.
            Err(poisoned) => poisoned.into_inner(),
        };
        for team in missing {
            if reported.insert(team.clone()) {
                tracing::warn!(
                    team = %team,
                    "[routing.teams] names a team that does not exist (yet); its settings apply once a team has this exact name"
                );
            }
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
