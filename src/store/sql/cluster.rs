//! Several nodes on one database: the node registry, leases with fencing generations, shared
//! token buckets and the web inbox heartbeats. (Compiled once per backend.)
//!
//! Lease and bucket times come from the database's clock on PostgreSQL, so that nodes whose
//! clocks disagree still agree on who holds what; SQLite has one node and uses its clock.

use sqlx::FromRow;

use super::IS_POSTGRES;
use super::common::{Conn, Pool};
use crate::domain::{AgentId, Millis};
use crate::store::cluster::{Fence, LeaseInfo, NodeInfo};
use crate::store::{StoreError, StoreResult};

/// The database's clock in milliseconds (PostgreSQL), or the parameter `$n` (SQLite).
pub fn now_ms(parameter: usize) -> String {
    if IS_POSTGRES {
        "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)".to_owned()
    } else {
        format!("${parameter}")
    }
}

/// Records `node` as running (again), with a heartbeat now.
pub async fn register_node(pool: &Pool, node: &NodeInfo) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO cluster_nodes (id, address, version, started_at, heartbeat_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version, \
           started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at",
    )
    .bind(&node.id)
    .bind(&node.address)
    .bind(&node.version)
    .bind(node.started_at.0)
    .bind(node.heartbeat_at.0)
    .execute(pool)
    .await?;
    Ok(())
}

/// A heartbeat of node `id` at `now`; re-registers nothing (see [`register_node`]).
pub async fn node_heartbeat(pool: &Pool, id: &str, now: Millis) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE cluster_nodes SET heartbeat_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes node `id` (it stopped cleanly) and ends its leases at once.
pub async fn remove_node(pool: &Pool, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM cluster_nodes WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    sqlx::query("UPDATE leases SET expires_at = 0 WHERE holder = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets nodes whose last heartbeat is older than `before`.
pub async fn forget_nodes(pool: &Pool, before: Millis) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM cluster_nodes WHERE heartbeat_at < $1")
        .bind(before.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[derive(FromRow)]
struct NodeRow {
    id: String,
    address: String,
    version: String,
    started_at: i64,
    heartbeat_at: i64,
}

/// Every registered node, by id.
pub async fn list_nodes(pool: &Pool) -> StoreResult<Vec<NodeInfo>> {
    let rows: Vec<NodeRow> = sqlx::query_as(
        "SELECT id, address, version, started_at, heartbeat_at FROM cluster_nodes ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| NodeInfo {
            id: row.id,
            address: row.address,
            version: row.version,
            started_at: Millis(row.started_at),
            heartbeat_at: Millis(row.heartbeat_at),
        })
        .collect())
}

/// Takes lease `name` for `holder` for `ttl_ms` if nobody holds it (or the holder's time ran
/// out); returns the new generation, or `None` while someone else holds it.
pub async fn acquire_lease(
    pool: &Pool,
    name: &str,
    holder: &str,
    ttl_ms: i64,
    now: Millis,
) -> StoreResult<Option<i64>> {
    let now_sql = now_ms(4);
    let sql = format!(
        "INSERT INTO leases (name, holder, generation, acquired_at, expires_at) \
         VALUES ($1, $2, 1, {now_sql}, {now_sql} + $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
           generation = leases.generation + 1, acquired_at = excluded.acquired_at, \
           expires_at = excluded.expires_at \
         WHERE leases.expires_at < excluded.acquired_at \
         RETURNING generation"
    );
    let mut query = sqlx::query_scalar(&sql)
        .bind(name)
        .bind(holder)
        .bind(ttl_ms);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    Ok(query.fetch_optional(pool).await?)
}

/// Extends lease `name` by `ttl_ms` from now while `holder` still holds `generation`; false
/// when it was taken over.
pub async fn renew_lease(
    pool: &Pool,
    fence: &Fence,
    ttl_ms: i64,
    now: Millis,
) -> StoreResult<bool> {
    let now_sql = now_ms(5);
    let sql = format!(
        "UPDATE leases SET expires_at = {now_sql} + $4 \
         WHERE name = $1 AND holder = $2 AND generation = $3"
    );
    let mut query = sqlx::query(&sql)
        .bind(&fence.lease)
        .bind(&fence.holder)
        .bind(fence.generation)
        .bind(ttl_ms);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    Ok(query.execute(pool).await?.rows_affected() == 1)
}

/// Gives lease `name` up so that another node can take it at once.
pub async fn release_lease(pool: &Pool, fence: &Fence) -> StoreResult<()> {
    sqlx::query(
        "UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND generation = $3",
    )
    .bind(&fence.lease)
    .bind(&fence.holder)
    .bind(fence.generation)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct LeaseRow {
    name: String,
    holder: String,
    generation: i64,
    acquired_at: i64,
    expires_at: i64,
}

/// Every lease that is held now, by name.
pub async fn list_leases(pool: &Pool, now: Millis) -> StoreResult<Vec<LeaseInfo>> {
    let now_sql = now_ms(1);
    let sql = format!(
        "SELECT name, holder, generation, acquired_at, expires_at FROM leases \
         WHERE expires_at >= {now_sql} ORDER BY name"
    );
    let mut query = sqlx::query_as::<_, LeaseRow>(&sql);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    Ok(query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| LeaseInfo {
            name: row.name,
            holder: row.holder,
            generation: row.generation,
            acquired_at: Millis(row.acquired_at),
            expires_at: Millis(row.expires_at),
        })
        .collect())
}

/// Refuses the transaction on `conn` unless `fence` still holds its lease. On PostgreSQL the
/// lease row stays share-locked until commit, so a takeover waits for this write to finish
/// and then sees it.
pub async fn check_fence(conn: &mut Conn, fence: &Fence) -> StoreResult<()> {
    let lock = if IS_POSTGRES { " FOR SHARE" } else { "" };
    let current: Option<(String, i64)> = sqlx::query_as(&format!(
        "SELECT holder, generation FROM leases WHERE name = $1{lock}"
    ))
    .bind(&fence.lease)
    .fetch_optional(&mut *conn)
    .await?;
    match current {
        Some((holder, generation)) if holder == fence.holder && generation == fence.generation => {
            Ok(())
        }
        _ => Err(StoreError::LeaseLost(fence.lease.clone())),
    }
}

/// Takes up to `want` tokens from bucket `name`, which holds at most `burst` and refills at
/// `rate` per second; returns how many were granted (possibly 0).
pub async fn take_tokens(
    pool: &Pool,
    name: &str,
    rate: f64,
    burst: f64,
    want: i64,
    now: Millis,
) -> StoreResult<i64> {
    // A new bucket starts with one token, not a full burst: a campaign that starts must not
    // open with a spike above its rate. The refill and the grant are one transaction holding
    // the row, so concurrent takers on several nodes queue on it and never overdraw it.
    let mut tx = super::common::begin(pool).await?;
    let insert = format!(
        "INSERT INTO rate_buckets (name, tokens, refilled_at) VALUES ($1, $2, {}) \
         ON CONFLICT (name) DO NOTHING",
        now_ms(3)
    );
    let mut query = sqlx::query(&insert).bind(name).bind(burst.min(1.0));
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    query.execute(&mut *tx).await?;
    let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
    let select = format!(
        "SELECT tokens, refilled_at, {} FROM rate_buckets WHERE name = $1{lock}",
        now_ms(2)
    );
    let mut read = sqlx::query_as::<_, (f64, i64, i64)>(&select).bind(name);
    if !IS_POSTGRES {
        read = read.bind(now.0);
    }
    let (tokens, refilled_at, at) = read.fetch_one(&mut *tx).await?;
    let elapsed = (at - refilled_at).max(0) as f64 / 1000.0;
    let available = (tokens + elapsed * rate).min(burst);
    let granted = (available.floor() as i64).clamp(0, want.max(0));
    sqlx::query("UPDATE rate_buckets SET tokens = $2, refilled_at = $3 WHERE name = $1")
        .bind(name)
        .bind(available - granted as f64)
        .bind(at.max(refilled_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(granted)
}

/// Returns `unused` tokens to bucket `name` (never above `burst`).
pub async fn give_back_tokens(pool: &Pool, name: &str, unused: i64, burst: f64) -> StoreResult<()> {
    let least = if IS_POSTGRES { "LEAST" } else { "MIN" };
    sqlx::query(&format!(
        "UPDATE rate_buckets SET tokens = {least}(tokens + $2, $3) WHERE name = $1"
    ))
    .bind(name)
    .bind(unused as f64)
    .bind(burst)
    .execute(pool)
    .await?;
    Ok(())
}

/// How long until bucket `name` refilled at `rate` holds one token (0 when it does now).
pub async fn bucket_wait_ms(pool: &Pool, name: &str, rate: f64, now: Millis) -> StoreResult<i64> {
    let now_sql = now_ms(2);
    let sql = format!("SELECT tokens, refilled_at, {now_sql} FROM rate_buckets WHERE name = $1");
    let mut query = sqlx::query_as::<_, (f64, i64, i64)>(&sql).bind(name);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    let Some((tokens, refilled_at, at)) = query.fetch_optional(pool).await? else {
        return Ok(0);
    };
    let available = tokens + (at - refilled_at).max(0) as f64 / 1000.0 * rate;
    if available >= 1.0 || rate <= 0.0 {
        return Ok(0);
    }
    Ok((((1.0 - available) / rate) * 1000.0).ceil() as i64)
}

/// Removes the buckets whose names start with `prefix` (a finished campaign's).
pub async fn forget_buckets(pool: &Pool, prefix: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM rate_buckets WHERE substr(name, 1, length($1)) = $1")
        .bind(prefix)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a web inbox heartbeat of `agent` at `now`.
pub async fn agent_heartbeat(pool: &Pool, agent: AgentId, now: Millis) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO agent_heartbeats (agent_id, seen_at) VALUES ($1, $2) \
         ON CONFLICT (agent_id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(agent.get())
    .bind(now.0)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets `agent`'s heartbeat (signed out).
pub async fn forget_agent_heartbeat(pool: &Pool, agent: AgentId) -> StoreResult<()> {
    sqlx::query("DELETE FROM agent_heartbeats WHERE agent_id = $1")
        .bind(agent.get())
        .execute(pool)
        .await?;
    Ok(())
}

/// Removes and returns the agents whose last heartbeat is older than `before`. One statement,
/// so with several nodes sweeping each lapsed agent is returned to exactly one of them.
pub async fn take_lapsed_heartbeats(pool: &Pool, before: Millis) -> StoreResult<Vec<AgentId>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("DELETE FROM agent_heartbeats WHERE seen_at < $1 RETURNING agent_id")
            .bind(before.0)
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().map(AgentId::new).collect())
}
