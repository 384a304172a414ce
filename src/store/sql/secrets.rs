//! Sealed secrets by owner and name (the sealing is `crate::secrets`'s). (Compiled once per
//! backend.)

use super::common::Pool;
use crate::domain::Millis;
use crate::store::{SealedSecret, StoreResult};

/// The sealed value under `(owner, name)`.
pub async fn find(pool: &Pool, owner: &str, name: &str) -> StoreResult<Option<SealedSecret>> {
    let row: Option<(Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT nonce, sealed FROM secrets WHERE owner = $1 AND name = $2")
            .bind(owner)
            .bind(name)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(nonce, sealed)| SealedSecret { nonce, sealed }))
}

/// Stores `secret` under `(owner, name)`, replacing what was there.
pub async fn put(
    pool: &Pool,
    owner: &str,
    name: &str,
    secret: &SealedSecret,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO secrets (owner, name, nonce, sealed, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (owner, name) DO UPDATE SET nonce = excluded.nonce, \
         sealed = excluded.sealed, updated_at = excluded.updated_at",
    )
    .bind(owner)
    .bind(name)
    .bind(&secret.nonce)
    .bind(&secret.sealed)
    .bind(now.0)
    .execute(pool)
    .await?;
    Ok(())
}
