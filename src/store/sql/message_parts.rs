//! Parts of messages that arrive in pieces (a concatenated SMS): each part is kept until the
//! last one is in, then the parts are joined into one message, in the inbound transaction.
//! (Compiled once per backend.)

use connector_sdk::{InboundMessage, MessagePart};

use super::IS_POSTGRES;
use super::common::Conn;
use crate::domain::Millis;
use crate::store::StoreResult;

/// How long joined parts are kept to recognise a provider's redelivery (Vonage retries for
/// a day).
const KEEP_JOINED_MS: i64 = 2 * 86_400_000;

/// Stores `part` (a redelivered part is a no-op) and, when it completes its message, returns
/// the joined message: the first part's id and sender, the texts in part order.
pub async fn add_part(
    conn: &mut Conn,
    part: &MessagePart,
    now: Millis,
) -> StoreResult<Option<InboundMessage>> {
    let message = &part.message;
    if IS_POSTGRES {
        // Two parts of one message committed by two nodes at once would each see the other
        // missing: one lock per group makes the second wait and find the first.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("message_parts/{}/{}", message.channel, part.group))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM message_parts WHERE joined_at < $1")
        .bind(now.0 - KEEP_JOINED_MS)
        .execute(&mut *conn)
        .await?;
    let payload = serde_json::to_string(message)
        .map_err(|err| crate::store::StoreError::Invalid(format!("a message part: {err}")))?;
    let inserted = sqlx::query(
        "INSERT INTO message_parts (channel, external_id, group_key, part_index, part_total, \
         sender_scope, sender_id, payload, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (channel, external_id) DO NOTHING",
    )
    .bind(&message.channel)
    .bind(&message.external_id)
    .bind(&part.group)
    .bind(i64::from(part.index))
    .bind(i64::from(part.total))
    .bind(&message.sender.scope)
    .bind(&message.sender.external_id)
    .bind(payload)
    .bind(now.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    // One row per position: a part sent twice under two ids counts once.
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT part_index, part_total, payload FROM message_parts \
         WHERE channel = $1 AND group_key = $2 AND joined_at IS NULL ORDER BY part_index, received_at",
    )
    .bind(&message.channel)
    .bind(&part.group)
    .fetch_all(&mut *conn)
    .await?;
    let mut texts: Vec<(i64, InboundMessage)> = Vec::with_capacity(rows.len());
    for (index, total, payload) in rows {
        if total != i64::from(part.total) || texts.last().is_some_and(|(last, _)| *last == index) {
            continue;
        }
        let stored: InboundMessage = serde_json::from_str(&payload).map_err(|err| {
            crate::store::StoreError::Corrupt(format!("a stored message part: {err}"))
        })?;
        texts.push((index, stored));
    }
    if texts.len() < usize::try_from(part.total).unwrap_or(usize::MAX) {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE message_parts SET joined_at = $3 \
         WHERE channel = $1 AND group_key = $2 AND joined_at IS NULL",
    )
    .bind(&message.channel)
    .bind(&part.group)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    let mut parts = texts.into_iter().map(|(_, part)| part);
    let Some(mut joined) = parts.next() else {
        return Ok(None);
    };
    for part in parts {
        joined.text.push_str(&part.text);
        joined.redacted |= part.redacted;
    }
    Ok(Some(joined))
}
