//! API tokens: only hashes are stored. (Compiled once per backend.)

use super::common::Pool;
use crate::domain::{ApiToken, Millis, TokenId};
use crate::store::rows::TokenRow;
use crate::store::{Conflict, NewToken, StoreError, StoreResult};

const TOKEN_SELECT: &str =
    "SELECT id, name, role, agent_id, created_at, last_used_at, revoked_at FROM api_tokens";

/// Stores a new token's hash.
pub async fn create(pool: &Pool, new: &NewToken, now: Millis) -> StoreResult<ApiToken> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (name, role, agent_id, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&new.name)
    .bind(new.role.as_str())
    .bind(new.agent.map(|a| a.get()))
    .bind(&new.hash)
    .bind(now.0)
    .fetch_one(pool)
    .await
    .map_err(|err| match StoreError::from(err) {
        StoreError::Conflict {
            constraint: Conflict::Reference,
        } if new.agent.is_some() => StoreError::Invalid("agent_id: no such agent".into()),
        other => other,
    })?;
    let row: TokenRow = sqlx::query_as(&format!("{TOKEN_SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?;
    ApiToken::try_from(row)
}

/// The live token with this hash.
pub async fn find_by_hash(pool: &Pool, hash: &str) -> StoreResult<Option<ApiToken>> {
    let row: Option<TokenRow> = sqlx::query_as(&format!(
        "{TOKEN_SELECT} WHERE token_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    row.map(ApiToken::try_from).transpose()
}

/// Records use.
pub async fn touch(pool: &Pool, id: TokenId, now: Millis) -> StoreResult<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id.get())
        .bind(now.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// All tokens, by id.
pub async fn list(pool: &Pool) -> StoreResult<Vec<ApiToken>> {
    let rows: Vec<TokenRow> = sqlx::query_as(&format!("{TOKEN_SELECT} ORDER BY id"))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(ApiToken::try_from).collect()
}

/// Revokes a token; it stops working at once.
pub async fn revoke(pool: &Pool, id: TokenId, now: Millis) -> StoreResult<()> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
            .bind(id.get())
            .bind(now.0)
            .execute(pool)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
