//! What chat channels report about messages already stored: which message a customer's answer
//! quotes, emoji reactions, read watermarks, whether a person can still be messaged and whether
//! a group's conversation can still be answered.
//! (Compiled once per backend; called by `ingest` inside its transaction.) None of it is a
//! message: nothing here touches a conversation's preview, waiting clock or status.

use connector_sdk::{Reachability, Reaction, ReadReceipt, ThreadAccess};
use serde_json::json;

use super::IS_POSTGRES;
use super::common::Conn;
use crate::domain::{ContactId, ConversationId, EventKind, Millis};
use crate::store::StoreResult;
use crate::store::rows::NewEvent;

/// A new inbound message that says which message it answers.
pub struct ReplyLink<'a> {
    pub message: i64,
    pub conversation: i64,
    pub channel: &'a str,
    /// The channel's id of the message answered.
    pub reply_to: &'a str,
}

/// Points each new message at the message it answers, when that one is stored in the same
/// conversation. Only the same conversation: a customer who names another customer's message
/// id must not get its text quoted in their thread.
pub async fn link_replies(conn: &mut Conn, links: &[ReplyLink<'_>]) -> StoreResult<()> {
    for link in links {
        sqlx::query(
            "UPDATE messages SET reply_to_id = (SELECT t.id FROM messages t \
                 WHERE t.channel = $2 AND t.external_id = $3 AND t.conversation_id = $4 \
                   AND t.id <> $1 ORDER BY t.id LIMIT 1) \
             WHERE id = $1",
        )
        .bind(link.message)
        .bind(link.channel)
        .bind(link.reply_to)
        .bind(link.conversation)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The contacts a channel sender is (normally one).
const CONTACT_OF_SENDER: &str =
    "SELECT contact_id FROM contact_identities WHERE scope = $3 AND external_id = $4";

/// Puts, replaces or takes back one sender's reaction on the message it names. A reaction to
/// a message we do not have (or one outside the sender's own conversations) is dropped.
pub async fn apply_reaction(
    conn: &mut Conn,
    reaction: &Reaction,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    // The row lock makes two reactions to one message (two nodes on PostgreSQL) apply one
    // after the other instead of one overwriting the other's list.
    let lock = if IS_POSTGRES { " FOR UPDATE OF m" } else { "" };
    let found: Option<(i64, i64, sqlx::types::Json<Vec<crate::domain::Reaction>>)> =
        sqlx::query_as(&format!(
            "SELECT m.id, m.conversation_id, m.reactions FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.channel = $1 AND m.external_id = $2 AND m.kind = 'message' \
               AND c.contact_id IN ({CONTACT_OF_SENDER}) \
             ORDER BY m.id LIMIT 1{lock}"
        ))
        .bind(&reaction.channel)
        .bind(&reaction.message)
        .bind(&reaction.from.scope)
        .bind(&reaction.from.external_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((id, conversation, mut reactions)) = found else {
        tracing::debug!(
            channel = %reaction.channel,
            message = %reaction.message,
            "dropped a reaction to a message we do not have"
        );
        return Ok(());
    };
    let entry = crate::domain::Reaction {
        scope: reaction.from.scope.clone(),
        sender: reaction.from.external_id.clone(),
        emoji: reaction.emoji.clone(),
        id: reaction.external_id.clone(),
        at: reaction.at.map_or(now.0, |at| at.timestamp_millis()),
    };
    if !crate::domain::Reaction::apply(&mut reactions.0, entry) {
        return Ok(());
    }
    sqlx::query("UPDATE messages SET reactions = $2 WHERE id = $1")
        .bind(id)
        .bind(&reactions)
        .execute(&mut *conn)
        .await?;
    events.push(NewEvent::message_updated(
        conversation,
        id,
        json!({"reaction": {"emoji": reaction.emoji, "from": reaction.from.external_id}}),
    ));
    Ok(())
}

/// Marks our messages to the reader on this channel as read, up to the watermark (or up to
/// and including the message it names). Only `sent` and `delivered` move: a queued message
/// cannot have been read, and `failed` stays failed.
pub async fn apply_read(
    conn: &mut Conn,
    receipt: &ReadReceipt,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    let common = format!(
        "UPDATE messages SET delivery_status = 'read' \
         WHERE channel = $1 AND direction = 'out' AND kind = 'message' \
           AND delivery_status IN ('sent', 'delivered') \
           AND conversation_id IN (SELECT id FROM conversations \
               WHERE channel = $1 AND contact_id IN ({CONTACT_OF_SENDER}))"
    );
    // $2 is unused by the shared part; both forms bind it so the numbering stays the same.
    let changed: Vec<(i64, i64)> = match (&receipt.up_to, &receipt.message) {
        (Some(up_to), _) => {
            sqlx::query_as(&format!(
                "{common} AND sent_at <= $2 RETURNING id, conversation_id"
            ))
            .bind(&receipt.channel)
            .bind(up_to.timestamp_millis())
            .bind(&receipt.reader.scope)
            .bind(&receipt.reader.external_id)
            .fetch_all(&mut *conn)
            .await?
        }
        (None, Some(external_id)) => {
            sqlx::query_as(&format!(
                "{common} AND id <= (SELECT max(r.id) FROM messages r WHERE r.channel = $1 \
                     AND r.external_id = $2 AND r.direction = 'out') \
                 RETURNING id, conversation_id"
            ))
            .bind(&receipt.channel)
            .bind(external_id)
            .bind(&receipt.reader.scope)
            .bind(&receipt.reader.external_id)
            .fetch_all(&mut *conn)
            .await?
        }
        (None, None) => Vec::new(),
    };
    for (id, conversation) in changed {
        events.push(NewEvent::message_updated(
            conversation,
            id,
            json!({"delivery_status": "read", "error": null}),
        ));
    }
    Ok(())
}

/// Records whether an identity can be messaged: an unreachable one gets its reason (replies
/// are refused, campaigns skip it); a reachable one loses it. An identity we never stored is
/// nobody we could message anyway.
pub async fn apply_reachability(
    conn: &mut Conn,
    change: &Reachability,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    let reason = (!change.reachable).then_some(change.reason.as_str());
    let changed: Option<i64> = sqlx::query_scalar(
        "UPDATE contact_identities SET unreachable_reason = $3 \
         WHERE scope = $1 AND external_id = $2 \
           AND COALESCE(unreachable_reason, '') <> COALESCE($3, '') \
         RETURNING contact_id",
    )
    .bind(&change.scope)
    .bind(&change.address)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(contact) = changed {
        events.push(NewEvent {
            kind: EventKind::ContactUpdated,
            conversation_id: None,
            contact_id: Some(ContactId::new(contact)),
            message_id: None,
            agent_id: None,
            data: json!({"identity": {"scope": change.scope, "external_id": change.address,
                "unreachable_reason": reason}}),
        });
    }
    Ok(())
}

/// Records whether a thread's conversations can be answered (the bot removed from a group, or
/// added back): while a reason is set, replies are refused. Every conversation of the thread
/// follows, the resolved ones too, so reopening an old one does not hide it.
pub async fn apply_thread_access(
    conn: &mut Conn,
    access: &ThreadAccess,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    let reason = access.closed_because.as_deref();
    let changed: Vec<i64> = sqlx::query_scalar(
        "UPDATE conversations SET unanswerable_reason = $3 \
         WHERE channel = $1 AND thread_key = $2 \
           AND COALESCE(unanswerable_reason, '') <> COALESCE($3, '') \
         RETURNING id",
    )
    .bind(&access.channel)
    .bind(&access.thread)
    .bind(reason)
    .fetch_all(&mut *conn)
    .await?;
    let data = match reason {
        Some(reason) => json!({"answerable": false, "unanswerable_reason": reason}),
        None => json!({"answerable": true}),
    };
    for conversation in changed {
        events.push(NewEvent::conversation(
            EventKind::ConversationUpdated,
            ConversationId::new(conversation),
            data.clone(),
        ));
    }
    Ok(())
}
