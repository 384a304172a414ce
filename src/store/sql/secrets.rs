//! Sealed secrets by owner and name (the sealing is `crate::secrets`'s). (Compiled once per
//! backend.)

use super::common::{Pool, begin};
use crate::domain::Millis;
use crate::store::{LINK_KEY, SealedSecret, SecretChange, StoreError, StoreResult, StoredSecrets};

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

/// Every secret the database keeps: the sealed table's rows, the webhook subscriptions'
/// signing secrets and the campaign link key (these two as stored: sealed text, or plain from
/// before sealing or without a key).
pub async fn all(pool: &Pool) -> StoreResult<StoredSecrets> {
    let sealed: Vec<(String, String, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT owner, name, nonce, sealed FROM secrets ORDER BY owner, name")
            .fetch_all(pool)
            .await?;
    let webhooks: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, secret FROM webhook_subscriptions ORDER BY id")
            .fetch_all(pool)
            .await?;
    let link_key: Option<String> =
        sqlx::query_scalar("SELECT value FROM campaign_settings WHERE name = $1")
            .bind(LINK_KEY)
            .fetch_optional(pool)
            .await?;
    Ok(StoredSecrets {
        sealed: sealed
            .into_iter()
            .map(|(owner, name, nonce, sealed)| (owner, name, SealedSecret { nonce, sealed }))
            .collect(),
        webhooks,
        link_key,
    })
}

/// Writes `changes` in one transaction, each only where the row still holds the value it
/// was read with; if any row changed meanwhile nothing is written.
pub async fn replace(pool: &Pool, changes: &[SecretChange], now: Millis) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    for change in changes {
        let updated = match change {
            SecretChange::Sealed {
                owner,
                name,
                old,
                new,
            } => sqlx::query(
                "UPDATE secrets SET nonce = $3, sealed = $4, updated_at = $5 \
                     WHERE owner = $1 AND name = $2 AND nonce = $6 AND sealed = $7",
            )
            .bind(owner)
            .bind(name)
            .bind(&new.nonce)
            .bind(&new.sealed)
            .bind(now.0)
            .bind(&old.nonce)
            .bind(&old.sealed)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            SecretChange::Webhook { id, old, new } => sqlx::query(
                "UPDATE webhook_subscriptions SET secret = $2 WHERE id = $1 AND secret = $3",
            )
            .bind(id)
            .bind(new)
            .bind(old)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            SecretChange::LinkKey { old, new } => sqlx::query(
                "UPDATE campaign_settings SET value = $2 WHERE name = $1 AND value = $3",
            )
            .bind(LINK_KEY)
            .bind(new)
            .bind(old)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        };
        if updated != 1 {
            return Err(StoreError::Invalid(
                "a secret changed while it was being re-sealed: nothing was written, run it again"
                    .into(),
            ));
        }
    }
    tx.commit().await?;
    Ok(())
}
