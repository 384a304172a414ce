//! The leased claim of the queues workers drain, the outbox and the event webhook deliveries:
//! due rows are taken for a worker until a deadline, and become due again when it passes (a
//! worker that died), so a crash means a redelivery, never a loss. (Compiled once per backend.)

use std::time::Duration;

use super::IS_POSTGRES;
use super::common::{Conn, Pool};
use crate::domain::Millis;
use crate::store::StoreResult;

/// A table with `state`, `next_attempt_at`, `claimed_until` and `claimed_by` columns whose
/// pending rows workers claim.
pub struct Queue {
    /// The table (a constant of ours, never input).
    pub table: &'static str,
    /// The order rows are claimed in, ending with the id so it is total.
    pub order: &'static str,
}

/// Claims up to `limit` due, unclaimed (or expired) rows of `queue` for `worker` until
/// `now + lease`; returns their ids, ascending.
pub async fn claim(
    conn: &mut Conn,
    queue: &Queue,
    worker: &str,
    now: Millis,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    // PostgreSQL: concurrent claimers skip each other's rows instead of waiting on them.
    // SQLite serialises writers (BEGIN IMMEDIATE), so the sub-select cannot race there.
    let lock = if IS_POSTGRES {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let Queue { table, order } = queue;
    let sql = format!(
        "UPDATE {table} SET claimed_until = $1, claimed_by = $2 WHERE id IN ( \
             SELECT id FROM {table} WHERE state = 'pending' AND next_attempt_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) \
             ORDER BY {order} LIMIT $4{lock}) \
         RETURNING id"
    );
    let mut ids: Vec<i64> = sqlx::query_scalar(&sql)
        .bind(now.plus(lease).0)
        .bind(worker)
        .bind(now.0)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// When the earliest pending row of `queue` becomes due: its retry time, or the end of the
/// lease it is claimed under.
pub async fn next_due(pool: &Pool, queue: &Queue) -> StoreResult<Option<Millis>> {
    let due: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT min(CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at \
                     THEN claimed_until ELSE next_attempt_at END) \
         FROM {} WHERE state = 'pending'",
        queue.table
    ))
    .fetch_one(pool)
    .await?;
    Ok(due.map(Millis))
}
