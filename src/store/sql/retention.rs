//! Retention: finding what has outlived its period and deleting it in short transactions,
//! each under the retention lease's fence. (Compiled once per backend.)

use sqlx::types::Json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, in_json_ids, in_json_texts};
use crate::domain::Millis;
use crate::store::StoreResult;
use crate::store::cluster::Fence;
use crate::store::retention::{DeletedConversations, RetentionCandidate};

async fn fenced(conn: &mut Conn, fence: Option<&Fence>) -> StoreResult<()> {
    match fence {
        Some(fence) => super::cluster::check_fence(conn, fence).await,
        None => Ok(()),
    }
}

/// Resolved conversations with an id above `after`, resolved before `resolved_before`,
/// oldest id first, with their labels and message counts.
pub async fn candidates(
    pool: &Pool,
    resolved_before: Millis,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<RetentionCandidate>> {
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.channel, c.resolved_at, \
         (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) \
         FROM conversations c \
         WHERE c.status = 'resolved' AND c.resolved_at < $1 AND c.id > $2 \
         ORDER BY c.id LIMIT $3",
    )
    .bind(resolved_before.0)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let labels: Vec<(i64, String)> = if ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(&format!(
            "SELECT conversation_id, label FROM conversation_labels WHERE {}",
            in_json_ids("conversation_id", "$1")
        ))
        .bind(Json(&ids))
        .fetch_all(pool)
        .await?
    };
    Ok(rows
        .into_iter()
        .map(|(id, channel, resolved_at, messages)| RetentionCandidate {
            id,
            channel,
            resolved_at: Millis(resolved_at),
            labels: labels
                .iter()
                .filter(|(conversation, _)| *conversation == id)
                .map(|(_, label)| label.clone())
                .collect(),
            messages: u64::try_from(messages).unwrap_or(0),
        })
        .collect())
}

/// Deletes conversations `ids` with their messages (revisions, outbox rows, labels, timers
/// and search entries go with them) in one transaction, re-checking that each is still
/// resolved before `resolved_before` and carries none of `keep_labels` (a reply may have
/// reopened it since it was picked). Returns what went and the attachment lists of the
/// deleted messages that point into a blob store.
pub async fn delete_conversations(
    pool: &Pool,
    ids: &[i64],
    resolved_before: Millis,
    keep_labels: &[String],
    fence: Option<&Fence>,
) -> StoreResult<DeletedConversations> {
    let mut tx = begin(pool).await?;
    fenced(&mut tx, fence).await?;
    let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
    let still_due: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT id, channel FROM conversations c WHERE {} \
         AND status = 'resolved' AND resolved_at < $2 \
         AND NOT EXISTS (SELECT 1 FROM conversation_labels l \
             WHERE l.conversation_id = c.id AND {}){lock}",
        in_json_ids("id", "$1"),
        in_json_texts("l.label", "$3")
    ))
    .bind(Json(ids))
    .bind(resolved_before.0)
    .bind(Json(keep_labels))
    .fetch_all(&mut *tx)
    .await?;
    let mut deleted = DeletedConversations::default();
    if still_due.is_empty() {
        tx.commit().await?;
        return Ok(deleted);
    }
    let due: Vec<i64> = still_due.iter().map(|(id, _)| *id).collect();
    deleted.blob_attachments = sqlx::query_as::<_, (String, Json<serde_json::Value>)>(&format!(
        "SELECT channel, attachments FROM messages WHERE {} \
         AND CAST(attachments AS TEXT) LIKE '%sha256:%'",
        in_json_ids("conversation_id", "$1")
    ))
    .bind(Json(&due))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(channel, Json(list))| (channel, list))
    .collect();
    // Messages first and explicitly (not by cascade), so SQLite's search-index trigger
    // surely sees every one.
    let messages: Vec<(String,)> = sqlx::query_as(&format!(
        "DELETE FROM messages WHERE {} RETURNING channel",
        in_json_ids("conversation_id", "$1")
    ))
    .bind(Json(&due))
    .fetch_all(&mut *tx)
    .await?;
    for (channel,) in messages {
        *deleted.messages.entry(channel).or_default() += 1;
    }
    // The rows were locked (FOR UPDATE; SQLite's write lock) since they were checked.
    sqlx::query(&format!(
        "DELETE FROM conversations WHERE {}",
        in_json_ids("id", "$1")
    ))
    .bind(Json(&due))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    for (_, channel) in still_due {
        *deleted.conversations.entry(channel).or_default() += 1;
    }
    Ok(deleted)
}

/// Up to `limit` messages of `channel` created before `before` whose attachments still point
/// into a blob store: their ids and attachment lists.
pub async fn attachments_due(
    pool: &Pool,
    channel: &str,
    before: Millis,
    limit: i64,
) -> StoreResult<Vec<(i64, serde_json::Value)>> {
    let rows: Vec<(i64, Json<serde_json::Value>)> = sqlx::query_as(
        "SELECT id, attachments FROM messages \
         WHERE channel = $1 AND created_at < $2 AND CAST(attachments AS TEXT) LIKE '%sha256:%' \
         ORDER BY id LIMIT $3",
    )
    .bind(channel)
    .bind(before.0)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, Json(list))| (id, list))
        .collect())
}

/// How many messages of `channel` created before `before` still hold blob attachments.
pub async fn count_attachments_due(pool: &Pool, channel: &str, before: Millis) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages \
         WHERE channel = $1 AND created_at < $2 AND CAST(attachments AS TEXT) LIKE '%sha256:%'",
    )
    .bind(channel)
    .bind(before.0)
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Replaces the attachment lists of messages (`(id, new list)`) in one transaction.
pub async fn replace_attachments(
    pool: &Pool,
    updates: &[(i64, serde_json::Value)],
    fence: Option<&Fence>,
) -> StoreResult<u64> {
    let mut tx = begin(pool).await?;
    fenced(&mut tx, fence).await?;
    let mut changed = 0;
    for (id, list) in updates {
        changed += sqlx::query("UPDATE messages SET attachments = $2 WHERE id = $1")
            .bind(id)
            .bind(Json(list))
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(changed)
}

/// True while a stored message still lists blob `reference` (`sha256:<hex>`).
pub async fn is_blob_referenced(pool: &Pool, reference: &str) -> StoreResult<bool> {
    // A scan of the attachment lists; it runs once per candidate blob, and blobs are rare
    // beside messages. The reference is hex only, so it holds no LIKE wildcards.
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM messages WHERE CAST(attachments AS TEXT) LIKE $1 LIMIT 1",
    )
    .bind(format!("%{reference}%"))
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// The condition for events old enough to go: before `$1`, and already read by every
/// worker that walks the log with a cursor (the rule engine, the campaign feedback), so
/// that none of them ever meets a hole that retention made.
const EVENTS_DUE: &str = "created_at < $1 AND id <= \
     (SELECT COALESCE(MIN(event_id), 9223372036854775807) FROM worker_cursors)";

/// Deletes up to `limit` events older than `before`, oldest first.
pub async fn delete_events(
    pool: &Pool,
    before: Millis,
    limit: i64,
    fence: Option<&Fence>,
) -> StoreResult<u64> {
    let mut tx = begin(pool).await?;
    fenced(&mut tx, fence).await?;
    let done = sqlx::query(&format!(
        "DELETE FROM events WHERE id IN \
         (SELECT id FROM events WHERE {EVENTS_DUE} ORDER BY id LIMIT $2)"
    ))
    .bind(before.0)
    .bind(limit)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// How many events [`delete_events`] would delete in all.
pub async fn count_events(pool: &Pool, before: Millis) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM events WHERE {EVENTS_DUE}"))
        .bind(before.0)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Finished (delivered or failed) deliveries last touched before `$1`; pending ones stay
/// whatever their age.
const DELIVERIES_DUE: &str = "state IN ('delivered', 'failed') AND updated_at < $1";

/// Deletes up to `limit` finished event-webhook deliveries (attempts cascade).
pub async fn delete_webhook_deliveries(
    pool: &Pool,
    before: Millis,
    limit: i64,
    fence: Option<&Fence>,
) -> StoreResult<u64> {
    let mut tx = begin(pool).await?;
    fenced(&mut tx, fence).await?;
    let done = sqlx::query(&format!(
        "DELETE FROM webhook_deliveries WHERE id IN \
         (SELECT id FROM webhook_deliveries WHERE {DELIVERIES_DUE} ORDER BY id LIMIT $2)"
    ))
    .bind(before.0)
    .bind(limit)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// How many deliveries [`delete_webhook_deliveries`] would delete in all.
pub async fn count_webhook_deliveries(pool: &Pool, before: Millis) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE {DELIVERIES_DUE}"
    ))
    .bind(before.0)
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Deletes web sessions past their absolute end.
pub async fn delete_expired_sessions(pool: &Pool, now: Millis) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
            .bind(now.0)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// How many web sessions are past their absolute end.
pub async fn count_expired_sessions(pool: &Pool, now: Millis) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM web_sessions WHERE expires_at <= $1")
        .bind(now.0)
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Seeds `conversations` conversations of channel `channel` (one new contact each) with
/// `per_conversation` inbound messages each, in one transaction: nine in ten resolved at
/// `old_at`, the rest open. For `switchboard bench retention` only: bulk `INSERT … SELECT`
/// over a generated series, so a million messages take seconds, not an afternoon.
pub async fn seed(
    pool: &Pool,
    channel: &str,
    conversations: i64,
    per_conversation: i64,
    old_at: Millis,
) -> StoreResult<()> {
    let series = |bound: &str| {
        if IS_POSTGRES {
            format!("SELECT generate_series(1, {bound}) AS i")
        } else {
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {bound}) \
                 SELECT i FROM s"
            )
        }
    };
    let mut tx = begin(pool).await?;
    let (contacts_before, conversations_before) =
        super::common::last_contact_and_conversation_ids(&mut tx).await?;
    sqlx::query(&format!(
        "INSERT INTO contacts (name, created_at, updated_at) \
         SELECT 'Seeded customer', $2, $2 FROM ({}) AS n",
        series("$1")
    ))
    .bind(conversations)
    .bind(old_at.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO conversations (channel, contact_id, thread_key, status, created_at, \
         last_activity_at, resolved_at) \
         SELECT $1, id, 'seed-' || id, CASE WHEN id % 10 = 0 THEN 'open' ELSE 'resolved' END, \
         $3, $3, CASE WHEN id % 10 = 0 THEN NULL ELSE $3 END \
         FROM contacts WHERE id > $2 ORDER BY id",
    )
    .bind(channel)
    .bind(contacts_before)
    .bind(old_at.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
         text, created_at) \
         SELECT c.id, c.channel, 'in', 'message', 'contact', c.contact_id, \
         'Seeded message ' || n.i || ' about order ' || c.id || ', please help', c.created_at + n.i \
         FROM conversations c CROSS JOIN ({}) AS n WHERE c.id > $2 ORDER BY c.id, n.i",
        series("$1")
    ))
    .bind(per_conversation)
    .bind(conversations_before)
    .execute(&mut *tx)
    .await?;
    if IS_POSTGRES {
        // Rows were given ids by default; nothing to move. Statistics for the planner:
        sqlx::query("ANALYZE contacts, conversations, messages")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
