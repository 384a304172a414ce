//! Rewriting stored phone numbers into one form, and the marks of pending upkeep that ask
//! for it. (Compiled once per backend.)

use super::common::{Pool, begin};
use crate::store::{PhoneBatch, StoreResult};

/// Whether the upkeep `name` a migration asked for is still to do.
pub async fn upkeep_pending(pool: &Pool, name: &str) -> StoreResult<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT name FROM pending_upkeep WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// Marks the upkeep `name` done.
pub async fn upkeep_done(pool: &Pool, name: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM pending_upkeep WHERE name = $1")
        .bind(name)
        .execute(pool)
        .await?;
    Ok(())
}

/// Rewrites the phones of up to `limit` contacts with ids above `after` — the contact's own
/// `phone` and its `phone` identities — into what `normalise` makes of them, in one
/// transaction. A number `normalise` cannot read stays as it is. When the rewritten identity
/// exists already, the old one goes; if another contact holds it, the number becomes this
/// contact's phone (a duplicate for the agents to merge).
pub async fn normalise(
    pool: &Pool,
    after: i64,
    limit: i64,
    normalise: &(dyn Fn(&str) -> Option<String> + Sync),
) -> StoreResult<PhoneBatch> {
    let mut tx = begin(pool).await?;
    let contacts: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, phone FROM contacts WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
    let mut batch = PhoneBatch {
        last_contact: contacts.last().map(|(id, _)| *id),
        ..PhoneBatch::default()
    };
    let Some(last) = batch.last_contact else {
        return Ok(batch);
    };
    for (id, phone) in &contacts {
        let Some(phone) = phone else { continue };
        if let Some(e164) = normalise(phone).filter(|e164| e164 != phone) {
            sqlx::query("UPDATE contacts SET phone = $2 WHERE id = $1")
                .bind(id)
                .bind(e164)
                .execute(&mut *tx)
                .await?;
            batch.rewritten += 1;
        }
    }
    let identities: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, contact_id, external_id FROM contact_identities \
         WHERE scope = 'phone' AND contact_id > $1 AND contact_id <= $2 ORDER BY id",
    )
    .bind(after)
    .bind(last)
    .fetch_all(&mut *tx)
    .await?;
    for (id, contact, number) in identities {
        let Some(e164) = normalise(&number).filter(|e164| *e164 != number) else {
            continue;
        };
        let holder: Option<i64> = sqlx::query_scalar(
            "SELECT contact_id FROM contact_identities WHERE scope = 'phone' AND external_id = $1",
        )
        .bind(&e164)
        .fetch_optional(&mut *tx)
        .await?;
        match holder {
            None => {
                sqlx::query("UPDATE contact_identities SET external_id = $2 WHERE id = $1")
                    .bind(id)
                    .bind(&e164)
                    .execute(&mut *tx)
                    .await?;
                batch.rewritten += 1;
            }
            Some(holder) if holder == contact => {
                sqlx::query("DELETE FROM contact_identities WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                batch.rewritten += 1;
            }
            Some(_) => {
                // Another contact holds the number. This form could never match a sender
                // again (their numbers are read in E.164 now), so it goes, and the number
                // stays this contact's phone: the two are each other's duplicate
                // suggestions. Only when the contact's phone is some other number is the
                // identity kept as it was, not to lose the number.
                let kept: Option<i64> = sqlx::query_scalar(
                    "UPDATE contacts SET phone = $2 \
                     WHERE id = $1 AND (phone IS NULL OR phone = $2) RETURNING id",
                )
                .bind(contact)
                .bind(&e164)
                .fetch_optional(&mut *tx)
                .await?;
                if kept.is_some() {
                    sqlx::query("DELETE FROM contact_identities WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                batch.left_with_another_contact += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(batch)
}
