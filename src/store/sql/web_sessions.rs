//! Web inbox sign-in: password hashes, browser sessions and login attempts.
//! (Compiled once per backend.)

use super::common::Pool;
use crate::domain::{AgentId, Millis};
use crate::store::{NewWebSession, StoreError, StoreResult, WebSession};

/// The agent signing in with `email` and its stored password hash, if any.
pub async fn find_login(
    pool: &Pool,
    email: &str,
) -> StoreResult<Option<(AgentId, Option<String>)>> {
    let row: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, password_hash FROM agents WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, hash)| (AgentId::new(id), hash)))
}

/// Replaces an agent's password hash and ends every session of theirs (a changed password
/// must sign out a stolen session).
pub async fn set_password(pool: &Pool, agent: AgentId, hash: &str) -> StoreResult<()> {
    let mut tx = super::common::begin(pool).await?;
    let done = sqlx::query("UPDATE agents SET password_hash = $2 WHERE id = $1")
        .bind(agent.get())
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query("DELETE FROM web_sessions WHERE agent_id = $1")
        .bind(agent.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a new session.
pub async fn create(pool: &Pool, new: &NewWebSession, now: Millis) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO web_sessions (token_hash, csrf_token, agent_id, user_agent, created_at, \
         last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
    )
    .bind(&new.token_hash)
    .bind(&new.csrf_token)
    .bind(new.agent.get())
    .bind(&new.user_agent)
    .bind(now.0)
    .bind(new.expires_at.0)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

type SessionRow = (i64, String, i64, String, String, String, i64, i64);

/// The live session with this token hash: not past its absolute end, and used within
/// `idle_after` of `now`.
pub async fn find(
    pool: &Pool,
    token_hash: &str,
    now: Millis,
    idle_since: Millis,
) -> StoreResult<Option<WebSession>> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.id, s.csrf_token, a.id, a.role, a.name, a.email, s.last_seen_at, s.expires_at \
         FROM web_sessions s JOIN agents a ON a.id = s.agent_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3",
    )
    .bind(token_hash)
    .bind(now.0)
    .bind(idle_since.0)
    .fetch_optional(pool)
    .await?;
    row.map(
        |(id, csrf_token, agent, role, name, email, last_seen_at, expires_at)| {
            Ok(WebSession {
                id,
                csrf_token,
                agent: AgentId::new(agent),
                role: role.parse()?,
                name,
                email,
                last_seen_at: Millis(last_seen_at),
                expires_at: Millis(expires_at),
            })
        },
    )
    .transpose()
}

/// Records activity (sliding the idle timeout).
pub async fn touch(pool: &Pool, id: i64, now: Millis) -> StoreResult<()> {
    sqlx::query("UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends a session (logout).
pub async fn delete(pool: &Pool, token_hash: &str) -> StoreResult<Option<AgentId>> {
    let agent: Option<i64> =
        sqlx::query_scalar("DELETE FROM web_sessions WHERE token_hash = $1 RETURNING agent_id")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
    Ok(agent.map(AgentId::new))
}

/// Deletes sessions past their end and login attempts older than `attempts_before`.
pub async fn prune(
    pool: &Pool,
    now: Millis,
    idle_since: Millis,
    attempts_before: Millis,
) -> StoreResult<u64> {
    let sessions =
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now.0)
            .bind(idle_since.0)
            .execute(pool)
            .await?;
    let attempts = sqlx::query("DELETE FROM login_attempts WHERE at < $1")
        .bind(attempts_before.0)
        .execute(pool)
        .await?;
    Ok(sessions.rows_affected() + attempts.rows_affected())
}

/// Records a sign-in attempt.
pub async fn record_attempt(
    pool: &Pool,
    email: &str,
    client: &str,
    succeeded: bool,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO login_attempts (email, client, succeeded, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(email.trim().to_lowercase())
    .bind(client)
    .bind(succeeded)
    .bind(now.0)
    .execute(pool)
    .await?;
    Ok(())
}

/// Failed attempts since `since` for this address and for this client.
pub async fn count_failures(
    pool: &Pool,
    email: &str,
    client: &str,
    since: Millis,
) -> StoreResult<(i64, i64)> {
    let by_email: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_attempts WHERE email = $1 AND at >= $2 AND succeeded = $3",
    )
    .bind(email.trim().to_lowercase())
    .bind(since.0)
    .bind(false)
    .fetch_one(pool)
    .await?;
    let by_client: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_attempts WHERE client = $1 AND at >= $2 AND succeeded = $3",
    )
    .bind(client)
    .bind(since.0)
    .bind(false)
    .fetch_one(pool)
    .await?;
    Ok((by_email, by_client))
}
