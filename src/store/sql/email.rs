//! Threading for channels whose messages carry hints instead of a thread key (email), the
//! suppression list, and the context an outbound mail needs. (Compiled once per backend.)
//!
//! Only messages with `InboundMessage::threading` come here: the batch ingest of every other
//! channel never pays for these lookups.

use std::collections::HashMap;

use connector_sdk::{Suppression, Threading};

use super::common::Conn;
use crate::domain::{ConversationStatus, Millis};
use crate::store::{StoreResult, ThreadContext};

/// New hinted messages of the current batch, by channel and external id, with their
/// conversation and contact: a reply in the same batch as its parent finds it here.
pub type BatchThreads<'a> = HashMap<(&'a str, &'a str), (i64, i64)>;

/// Where a hinted message belongs.
pub enum Placement {
    /// An earlier message of this batch opened or found it.
    InBatch(i64),
    /// A stored conversation, with its status before this message.
    Stored(i64, ConversationStatus),
    /// Nothing matched: a new conversation.
    New,
}

/// Finds the conversation of a hinted message from `channel`, only ever among `contact`'s own
/// conversations: the verified conversation, then the referenced ids (this batch first, then
/// stored inbound and outbound messages), then the subject tag, then (for replies) an open
/// conversation with the same subject. A resolved conversation is reopened only by a mail on
/// its subject: a new subject after resolution is a new matter, even when sent as a reply.
pub async fn place(
    conn: &mut Conn,
    channel: &str,
    hints: &Threading,
    contact: i64,
    batch: &BatchThreads<'_>,
) -> StoreResult<Placement> {
    let mut found = None;
    if let Some(id) = hints.conversation {
        found = owned_conversation(conn, channel, id, contact).await?;
    }
    if found.is_none() {
        for reference in &hints.references {
            if let Some(&(conversation, owner)) = batch.get(&(channel, reference.as_str()))
                && owner == contact
            {
                return Ok(Placement::InBatch(conversation));
            }
            found = referenced_conversation(conn, channel, reference, contact).await?;
            if found.is_some() {
                break;
            }
        }
    }
    if found.is_none()
        && let Some(id) = hints.subject_tag
    {
        found = owned_conversation(conn, channel, id, contact).await?;
    }
    if found.is_none()
        && let (true, Some(subject)) = (hints.is_reply, hints.subject.as_deref())
    {
        found = sqlx::query_as(
            "SELECT id, status, subject FROM conversations \
             WHERE contact_id = $1 AND channel = $2 AND lower(subject) = lower($3) \
               AND subject IS NOT NULL AND status <> 'resolved' \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(contact)
        .bind(channel)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
    }
    let Some((id, status, stored_subject)) = found else {
        return Ok(Placement::New);
    };
    let status: ConversationStatus = status.parse()?;
    let new_subject = match (hints.subject.as_deref(), stored_subject.as_deref()) {
        (Some(new), Some(old)) => new.to_lowercase() != old.to_lowercase(),
        _ => false,
    };
    if matches!(status, ConversationStatus::Resolved) && new_subject {
        return Ok(Placement::New);
    }
    Ok(Placement::Stored(id, status))
}

/// A conversation row as threading needs it: id, status, subject.
type Found = (i64, String, Option<String>);

/// Conversation `id` when it is `contact`'s on `channel`.
async fn owned_conversation(
    conn: &mut Conn,
    channel: &str,
    id: i64,
    contact: i64,
) -> StoreResult<Option<Found>> {
    // A web chat conversation continued by email takes the email answers of its own contact
    // on the email channel that carried our answers to them.
    Ok(sqlx::query_as(
        "SELECT id, status, subject FROM conversations \
         WHERE id = $1 AND contact_id = $3 AND (channel = $2 OR EXISTS ( \
             SELECT 1 FROM web_chat_continuations w \
             WHERE w.conversation_id = conversations.id AND w.email_channel = $2))",
    )
    .bind(id)
    .bind(channel)
    .bind(contact)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The conversation of the message `external_id` (ours or the contact's) on `channel`, when
/// it is `contact`'s. Two index probes (inbound and outbound ids are indexed apart).
async fn referenced_conversation(
    conn: &mut Conn,
    channel: &str,
    external_id: &str,
    contact: i64,
) -> StoreResult<Option<Found>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.status, c.subject FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.channel = $1 AND m.external_id = $2 AND m.direction = 'in' AND c.contact_id = $3 \
         UNION ALL \
         SELECT c.id, c.status, c.subject FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.channel = $1 AND m.external_id = $2 AND m.direction = 'out' AND c.contact_id = $3 \
         LIMIT 1",
    )
    .bind(channel)
    .bind(external_id)
    .bind(contact)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Keeps the unabridged text of a message whose displayed text was trimmed.
pub async fn set_full_text(conn: &mut Conn, message: i64, full_text: &str) -> StoreResult<()> {
    sqlx::query("UPDATE messages SET full_text = $2 WHERE id = $1")
        .bind(message)
        .bind(full_text)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The unabridged text of message `id`, when its displayed text was trimmed.
pub async fn full_text(pool: &super::common::Pool, id: i64) -> StoreResult<Option<String>> {
    let text: Option<Option<String>> =
        sqlx::query_scalar("SELECT full_text FROM messages WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(text.flatten())
}

/// Adds an address to the suppression list (a repeat keeps the first entry's time).
pub async fn suppress(conn: &mut Conn, suppression: &Suppression, now: Millis) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO suppressions (scope, address, reason, channel, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (scope, address) DO UPDATE SET reason = excluded.reason",
    )
    .bind(&suppression.scope)
    .bind(suppression.address.trim().to_lowercase())
    .bind(&suppression.reason)
    .bind(&suppression.channel)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// True when `address` in `scope` is on the suppression list.
pub async fn is_suppressed(
    pool: &super::common::Pool,
    scope: &str,
    address: &str,
) -> StoreResult<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT address FROM suppressions WHERE scope = $1 AND address = $2")
            .bind(scope)
            .bind(address.trim().to_lowercase())
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// What an outbound message needs from its thread on channels that ask for it: the
/// conversation's subject, the channel ids of its earlier messages (oldest first) and whether
/// automation wrote it.
pub async fn thread_context(
    pool: &super::common::Pool,
    message: i64,
) -> StoreResult<ThreadContext> {
    let (conversation, author_type, subject): (i64, String, Option<String>) = sqlx::query_as(
        "SELECT m.conversation_id, m.author_type, c.subject FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1",
    )
    .bind(message)
    .fetch_one(pool)
    .await?;
    let references: Vec<String> = sqlx::query_scalar(
        "SELECT external_id FROM messages WHERE conversation_id = $1 AND id < $2 \
           AND kind = 'message' AND external_id IS NOT NULL ORDER BY id",
    )
    .bind(conversation)
    .bind(message)
    .fetch_all(pool)
    .await?;
    Ok(ThreadContext {
        subject,
        references,
        automated: author_type == "bot" || author_type == "system",
    })
}
