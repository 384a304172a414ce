//! Store calls for running several nodes on one database: the node registry, leases (with
//! the fencing generation that keeps a paused former holder from writing), token buckets
//! shared by every node, and the web inbox heartbeats.

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{AgentId, EventId, Millis};

/// A running `switchboard serve` process as the others see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub id: String,
    /// Where it serves HTTP (its bind address, or `[cluster] advertise_address`).
    pub address: String,
    pub version: String,
    pub started_at: Millis,
    pub heartbeat_at: Millis,
}

/// Who holds one lease now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseInfo {
    pub name: String,
    pub holder: String,
    pub generation: i64,
    pub acquired_at: Millis,
    pub expires_at: Millis,
}

/// Proof of holding lease `lease`: a write that carries it commits only while the lease is
/// still `holder`'s at `generation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub lease: String,
    pub holder: String,
    pub generation: i64,
}

/// Several nodes: registry, leases, shared buckets, heartbeats.
impl Store {
    /// Records `node` as running, heartbeat included.
    pub async fn register_node(&self, node: &NodeInfo) -> StoreResult<()> {
        on_backend!(self, cluster::register_node(node))
    }

    /// A heartbeat of node `id`; false when its row is gone (it must register again).
    pub async fn node_heartbeat(&self, id: &str) -> StoreResult<bool> {
        on_backend!(self, cluster::node_heartbeat(id, self.now()))
    }

    /// Removes node `id` and ends its leases (a clean stop).
    pub async fn remove_node(&self, id: &str) -> StoreResult<()> {
        on_backend!(self, cluster::remove_node(id))
    }

    /// Forgets nodes silent since `before`; returns how many.
    pub async fn forget_nodes(&self, before: Millis) -> StoreResult<u64> {
        on_backend!(self, cluster::forget_nodes(before))
    }

    /// Every registered node.
    pub async fn list_nodes(&self) -> StoreResult<Vec<NodeInfo>> {
        on_backend!(self, cluster::list_nodes())
    }

    /// Takes lease `name` for `holder` unless another holder's time still runs; returns the
    /// fence to write under.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> StoreResult<Option<Fence>> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let generation = on_backend!(
            self,
            cluster::acquire_lease(name, holder, ttl_ms, self.now())
        )?;
        Ok(generation.map(|generation| Fence {
            lease: name.to_owned(),
            holder: holder.to_owned(),
            generation,
        }))
    }

    /// Extends a held lease; false when another node took it over.
    pub async fn renew_lease(&self, fence: &Fence, ttl: std::time::Duration) -> StoreResult<bool> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        on_backend!(self, cluster::renew_lease(fence, ttl_ms, self.now()))
    }

    /// Gives a lease up at once.
    pub async fn release_lease(&self, fence: &Fence) -> StoreResult<()> {
        on_backend!(self, cluster::release_lease(fence))
    }

    /// The leases held now.
    pub async fn list_leases(&self) -> StoreResult<Vec<LeaseInfo>> {
        on_backend!(self, cluster::list_leases(self.now()))
    }

    /// Takes up to `want` tokens from the shared bucket `name` (at most `burst` tokens,
    /// refilled at `rate` per second); returns how many were granted.
    pub async fn take_tokens(
        &self,
        name: &str,
        rate: f64,
        burst: f64,
        want: i64,
    ) -> StoreResult<i64> {
        on_backend!(
            self,
            cluster::take_tokens(name, rate, burst, want, self.now())
        )
    }

    /// Returns unused tokens to bucket `name`.
    pub async fn give_back_tokens(&self, name: &str, unused: i64, burst: f64) -> StoreResult<()> {
        on_backend!(self, cluster::give_back_tokens(name, unused, burst))
    }

    /// How long until bucket `name` holds a token again.
    pub async fn bucket_wait(&self, name: &str, rate: f64) -> StoreResult<std::time::Duration> {
        let ms = on_backend!(self, cluster::bucket_wait_ms(name, rate, self.now()))?;
        Ok(std::time::Duration::from_millis(
            u64::try_from(ms).unwrap_or(0),
        ))
    }

    /// Removes the buckets whose names start with `prefix`.
    pub async fn forget_buckets(&self, prefix: &str) -> StoreResult<()> {
        on_backend!(self, cluster::forget_buckets(prefix))
    }

    /// Records a web inbox heartbeat of `agent`.
    pub async fn agent_heartbeat(&self, agent: AgentId) -> StoreResult<()> {
        on_backend!(self, cluster::agent_heartbeat(agent, self.now()))
    }

    /// Forgets `agent`'s heartbeat.
    pub async fn forget_agent_heartbeat(&self, agent: AgentId) -> StoreResult<()> {
        on_backend!(self, cluster::forget_agent_heartbeat(agent))
    }

    /// Takes the agents silent since `before` (each is returned to one caller only).
    pub async fn take_lapsed_heartbeats(&self, before: Millis) -> StoreResult<Vec<AgentId>> {
        on_backend!(self, cluster::take_lapsed_heartbeats(before))
    }

    /// Events with ids in `from..=to` (late commits inside a hole of read ids).
    pub async fn list_events_between(
        &self,
        from: EventId,
        to: EventId,
    ) -> StoreResult<Vec<crate::domain::Event>> {
        on_backend!(self, events::list_between(from, to))
    }

    /// The id of the newest event (0 on an empty log).
    pub async fn newest_event_id(&self) -> StoreResult<EventId> {
        Ok(EventId::new(on_backend!(self, events::newest())?))
    }

    /// A dedicated PostgreSQL connection that listens on `channels` (`LISTEN`), or `None` on
    /// SQLite, where one process is the whole service.
    ///
    /// # Errors
    /// When the database refuses the connection or the `LISTEN`.
    pub async fn listen(
        &self,
        channels: &[&str],
    ) -> StoreResult<Option<sqlx::postgres::PgListener>> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen_all(channels.iter().copied()).await?;
                Ok(Some(listener))
            }
        }
    }

    /// Sends `payload` to every node listening on `channel` (`NOTIFY`; nothing on SQLite).
    pub async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()> {
        if let Pool::Postgres(pool) = &self.pool {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}
