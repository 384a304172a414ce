//! Several `switchboard serve` nodes on one PostgreSQL database: each node registers itself
//! and beats, holds leases for the work only one node may do at a time (a channel account's
//! listener, the rule engine, the router), and reads the event log that every node writes
//! (see [`event_feed`]). On SQLite the same code runs with one node, which always holds
//! every lease.

pub mod account_pace;
pub mod event_feed;
pub mod settings;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::domain::Millis;
use crate::store::Store;
use crate::store::cluster::{Fence, NodeInfo};
pub use account_pace::AccountPace;
pub use settings::ClusterConfig;

/// How often a node records that it is alive.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
/// A node silent this long is forgotten by the registry.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

/// This node: its identity and the database it coordinates through. Cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<NodeInner>,
}

struct NodeInner {
    id: String,
    address: String,
    started_at: Millis,
    store: Store,
    lease_ttl: Duration,
}

/// How a held lease ended.
enum Held {
    /// The work returned by itself (or shutdown was asked for), with its result.
    Finished(anyhow::Result<()>),
    /// Another node took the lease over, or it could not be renewed in time.
    Lost,
}

impl Node {
    /// This process as a node of the database behind `store`, serving at `address`.
    pub fn new(store: Store, config: &ClusterConfig, address: String) -> Self {
        let host = std::env::var("HOSTNAME")
            .ok()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| "node".to_owned());
        let suffix: u32 = rand::random();
        Self {
            inner: Arc::new(NodeInner {
                id: format!("{host}-{}-{suffix:08x}", std::process::id()),
                address: config.advertise_address.clone().unwrap_or(address),
                started_at: Millis::now(),
                store,
                lease_ttl: Duration::from_millis(config.lease_ttl_ms),
            }),
        }
    }

    /// This node's id (unique per process).
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// True when other nodes may share the database (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        self.inner.store.shared_by_nodes()
    }

    fn info(&self) -> NodeInfo {
        NodeInfo {
            id: self.inner.id.clone(),
            address: self.inner.address.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: self.inner.started_at,
            heartbeat_at: Millis::now(),
        }
    }

    /// Registers the node. Start-up fails when the database refuses.
    ///
    /// # Errors
    /// When the registry cannot be written.
    pub async fn register(&self) -> crate::store::StoreResult<()> {
        self.inner.store.register_node(&self.info()).await
    }

    /// Beats until `shutdown`.
    pub async fn run_heartbeat(self, shutdown: CancellationToken) {
        let store = &self.inner.store;
        loop {
            tokio::select! {
                () = tokio::time::sleep(HEARTBEAT_EVERY) => {}
                () = shutdown.cancelled() => break,
            }
            match store.node_heartbeat(self.id()).await {
                // Removed by an operator or forgotten after a long partition: come back.
                Ok(false) => {
                    if let Err(err) = self.register().await {
                        tracing::warn!(error = %err, "could not register the node again");
                    }
                }
                Ok(true) => {}
                Err(err) => tracing::warn!(error = %err, "node heartbeat failed"),
            }
            let before = Millis::now().minus(FORGET_AFTER);
            if let Err(err) = store.forget_nodes(before).await {
                tracing::warn!(error = %err, "could not forget departed nodes");
            }
        }
    }

    /// Removes the node and ends any lease it still holds, so that the others take its work
    /// over at once instead of after the lease time. Called once its workers have stopped.
    pub async fn leave(&self) {
        if let Err(err) = self.inner.store.remove_node(self.id()).await {
            tracing::warn!(error = %err, "could not deregister the node");
        }
    }

    /// Runs `work` on this node only while it holds lease `name`, until `shutdown`: waits for
    /// the lease, starts `work` with its fence and a token that is cancelled when the lease is
    /// lost, renews it every third of the lease time, and when another node takes it over (or
    /// the database cannot confirm it before it would run out) stops the work and waits for
    /// the lease again. Work that returns on its own releases the lease and is not started
    /// again (a channel without a listener); work that fails releases it too and returns
    /// the error, for the supervisor to restart.
    ///
    /// # Errors
    /// The work's error.
    pub async fn hold<F, Fut>(
        &self,
        name: &str,
        shutdown: CancellationToken,
        mut work: F,
    ) -> anyhow::Result<()>
    where
        F: FnMut(Fence, CancellationToken) -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let ttl = self.inner.lease_ttl;
        let retry = ttl / 3;
        while !shutdown.is_cancelled() {
            let fence = match self.inner.store.acquire_lease(name, self.id(), ttl).await {
                Ok(Some(fence)) => fence,
                Ok(None) => {
                    tokio::select! {
                        () = tokio::time::sleep(retry) => continue,
                        () = shutdown.cancelled() => return Ok(()),
                    }
                }
                Err(err) => {
                    tracing::warn!(lease = name, error = %err, "could not take a lease");
                    tokio::select! {
                        () = tokio::time::sleep(retry) => continue,
                        () = shutdown.cancelled() => return Ok(()),
                    }
                }
            };
            tracing::info!(lease = name, generation = fence.generation, "lease taken");
            let stop = shutdown.child_token();
            match self
                .keep(&fence, work(fence.clone(), stop.clone()), &stop)
                .await
            {
                Held::Finished(result) => {
                    if let Err(err) = self.inner.store.release_lease(&fence).await {
                        tracing::warn!(lease = name, error = %err, "could not release a lease");
                    }
                    return result;
                }
                Held::Lost => {
                    tracing::warn!(lease = name, "lease lost to another node; work stopped");
                }
            }
        }
        Ok(())
    }

    /// Drives `working` while renewing `fence`; on loss cancels `stop` and lets the work end.
    async fn keep(
        &self,
        fence: &Fence,
        working: impl Future<Output = anyhow::Result<()>>,
        stop: &CancellationToken,
    ) -> Held {
        let ttl = self.inner.lease_ttl;
        let mut confirmed = Instant::now();
        let mut renew = tokio::time::interval_at(Instant::now() + ttl / 3, ttl / 3);
        tokio::pin!(working);
        loop {
            tokio::select! {
                result = &mut working => return Held::Finished(result),
                _ = renew.tick() => {}
            }
            if stop.is_cancelled() {
                // Shutdown: the work is finishing; wait for it and release.
                return Held::Finished(working.await);
            }
            // The work goes on while the lease is renewed: its transaction may hold the lease
            // row (every fenced write checks it), and the renewal waits for that transaction,
            // so the work must be driven to its commit meanwhile, or neither ever finishes.
            let renewal = self.inner.store.renew_lease(fence, ttl);
            tokio::pin!(renewal);
            let mut finished = None;
            let renewed = loop {
                tokio::select! {
                    result = &mut working, if finished.is_none() => finished = Some(result),
                    renewed = &mut renewal => break renewed,
                }
            };
            if let Some(result) = finished {
                return Held::Finished(result);
            }
            let lost = match renewed {
                Ok(true) => {
                    confirmed = Instant::now();
                    false
                }
                Ok(false) => true,
                // Give the lease up before it can run out unconfirmed: by then another node
                // may take it, and two holders must never overlap.
                Err(err) => {
                    tracing::warn!(lease = %fence.lease, error = %err, "could not renew a lease");
                    confirmed.elapsed() >= ttl.saturating_sub(ttl / 3)
                }
            };
            if lost {
                stop.cancel();
                if let Err(err) = working.await {
                    tracing::warn!(lease = %fence.lease, error = %err, "work failed as it stopped");
                }
                return Held::Lost;
            }
        }
    }
}
