//! The web sign-in's guessing counters in the database, shared by every node: each change
//! reads the rows under a lock, applies the rules of `domain::sign_in` and writes them back in
//! one transaction. (Compiled once per backend.)
//!
//! Times come from the database's clock on PostgreSQL, as for leases, so that a node whose
//! clock runs ahead cannot end a wait early; SQLite has one node and uses its clock.

use std::time::Duration;

use super::IS_POSTGRES;
use super::cluster::now_ms;
use super::common::{Conn, Pool, begin};
use crate::domain::Millis;
use crate::domain::sign_in::{ClientCount, PairCount, SignInLimits};
use crate::store::StoreResult;

/// A stored count (never negative; a bad value counts as the most, which errs on refusing).
fn count(stored: i64) -> u32 {
    u32::try_from(stored.max(0)).unwrap_or(u32::MAX)
}

/// The client's counter, row-locked on PostgreSQL until the transaction ends.
async fn lock_client(conn: &mut Conn, client: &str) -> StoreResult<Option<ClientCount>> {
    let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
    let row: Option<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT failures, window_start FROM sign_in_clients WHERE client = $1{lock}"
    ))
    .bind(client)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(failures, window_start)| ClientCount {
        failures: count(failures),
        window_start: Millis(window_start),
    }))
}

/// The pair's counter and the clock read after its lock was granted (so a wait on the lock
/// does not age the attempt).
async fn lock_pair(
    conn: &mut Conn,
    email_hash: &str,
    client: &str,
    now: Millis,
) -> StoreResult<(Option<PairCount>, Millis)> {
    let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
    let sql = format!(
        "SELECT failures, blocked_until, last_at, {} FROM sign_in_pairs \
         WHERE email_hash = $1 AND client = $2{lock}",
        now_ms(3)
    );
    let mut query = sqlx::query_as::<_, (i64, Option<i64>, i64, i64)>(&sql)
        .bind(email_hash)
        .bind(client);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    let row = query.fetch_optional(&mut *conn).await?;
    let Some((failures, blocked_until, last_at, at)) = row else {
        return Ok((None, now));
    };
    let pair = PairCount {
        failures: count(failures),
        blocked_until: blocked_until.map(Millis),
        last_at: Millis(last_at),
    };
    Ok((Some(pair), Millis(at)))
}

/// Stores `counter`, or deletes its row when it holds nothing.
async fn store_client(conn: &mut Conn, client: &str, counter: &ClientCount) -> StoreResult<()> {
    if counter.is_blank() {
        sqlx::query("DELETE FROM sign_in_clients WHERE client = $1")
            .bind(client)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query(
            "UPDATE sign_in_clients SET failures = $2, window_start = $3 WHERE client = $1",
        )
        .bind(client)
        .bind(i64::from(counter.failures))
        .bind(counter.window_start.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Stores `counter`, or deletes its row when it holds nothing.
async fn store_pair(
    conn: &mut Conn,
    email_hash: &str,
    client: &str,
    counter: &PairCount,
) -> StoreResult<()> {
    if counter.is_blank() {
        sqlx::query("DELETE FROM sign_in_pairs WHERE email_hash = $1 AND client = $2")
            .bind(email_hash)
            .bind(client)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query(
            "UPDATE sign_in_pairs SET failures = $3, blocked_until = $4, last_at = $5 \
             WHERE email_hash = $1 AND client = $2",
        )
        .bind(email_hash)
        .bind(client)
        .bind(i64::from(counter.failures))
        .bind(counter.blocked_until.map(|at| at.0))
        .bind(counter.last_at.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Counts an attempt of `email_hash` from `client` unless it must wait; `Err` is the wait,
/// and then nothing was written.
pub async fn reserve(
    pool: &Pool,
    email_hash: &str,
    client: &str,
    limits: &SignInLimits,
    now: Millis,
) -> StoreResult<Result<(), Duration>> {
    let mut tx = begin(pool).await?;
    // Blank rows first, so that there is a row to lock even for a first attempt: concurrent
    // attempts of one pair on several nodes then queue on the same rows instead of all
    // reading "no failures yet". Rows are locked client first, then pair, everywhere.
    let insert_client = format!(
        "INSERT INTO sign_in_clients (client, failures, window_start) VALUES ($1, 0, {}) \
         ON CONFLICT (client) DO NOTHING",
        now_ms(2)
    );
    let mut query = sqlx::query(&insert_client).bind(client);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    query.execute(&mut *tx).await?;
    let insert_pair = format!(
        "INSERT INTO sign_in_pairs (email_hash, client, failures, blocked_until, last_at) \
         VALUES ($1, $2, 0, NULL, {}) ON CONFLICT (email_hash, client) DO NOTHING",
        now_ms(3)
    );
    let mut query = sqlx::query(&insert_pair).bind(email_hash).bind(client);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    query.execute(&mut *tx).await?;
    let stored_client = lock_client(&mut tx, client).await?;
    let (stored_pair, now) = lock_pair(&mut tx, email_hash, client, now).await?;
    let mut budget = stored_client.unwrap_or(ClientCount::fresh(now));
    let mut pair = stored_pair.unwrap_or(PairCount::fresh(now));
    if let Err(wait) = limits.reserve(&mut pair, &mut budget, now) {
        // Also takes back the blank rows: a refused attempt leaves nothing behind.
        tx.rollback().await?;
        return Ok(Err(wait));
    }
    store_client(&mut tx, client, &budget).await?;
    store_pair(&mut tx, email_hash, client, &pair).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The attempt was right: forgets the pair and refunds the client.
pub async fn succeeded(
    pool: &Pool,
    email_hash: &str,
    client: &str,
    limits: &SignInLimits,
) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    if let Some(mut budget) = lock_client(&mut tx, client).await? {
        limits.succeeded(&mut budget);
        store_client(&mut tx, client, &budget).await?;
    }
    sqlx::query("DELETE FROM sign_in_pairs WHERE email_hash = $1 AND client = $2")
        .bind(email_hash)
        .bind(client)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A reserved attempt was not checked: it no longer counts.
pub async fn give_back(
    pool: &Pool,
    email_hash: &str,
    client: &str,
    limits: &SignInLimits,
    now: Millis,
) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    let mut budget = lock_client(&mut tx, client).await?;
    let (mut pair, _) = lock_pair(&mut tx, email_hash, client, now).await?;
    limits.give_back(pair.as_mut(), budget.as_mut());
    if let Some(budget) = &budget {
        store_client(&mut tx, client, budget).await?;
    }
    if let Some(pair) = &pair {
        store_pair(&mut tx, email_hash, client, pair).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes the counters whose window and wait are over (see `SignInLimits::pair_is_over`
/// and `client_is_over`, which these conditions restate); returns how many rows went.
pub async fn prune(pool: &Pool, limits: &SignInLimits, now: Millis) -> StoreResult<u64> {
    let window_ms = i64::try_from(limits.window.as_millis()).unwrap_or(i64::MAX);
    let now_sql = now_ms(2);
    let pairs = format!(
        "DELETE FROM sign_in_pairs WHERE last_at <= {now_sql} - $1 \
         AND (blocked_until IS NULL OR blocked_until <= {now_sql})"
    );
    let mut query = sqlx::query(&pairs).bind(window_ms);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    let pairs = query.execute(pool).await?.rows_affected();
    let clients = format!("DELETE FROM sign_in_clients WHERE window_start <= {now_sql} - $1");
    let mut query = sqlx::query(&clients).bind(window_ms);
    if !IS_POSTGRES {
        query = query.bind(now.0);
    }
    let clients = query.execute(pool).await?.rows_affected();
    Ok(pairs + clients)
}
