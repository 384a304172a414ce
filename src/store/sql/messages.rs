//! Messages of a conversation: listing, replies (with their outbox row) and notes.
//! (Compiled once per backend.)

use serde_json::json;

use super::common::{Conn, Pool, begin, conversation, insert_events, message};
use crate::domain::{
    AgentId, ContactId, ConversationId, Event, EventKind, Message, MessageId, Millis,
};
use crate::store::rows::{
    MessageRow, NewEvent, decode_cursor, encode_cursor, message_columns, split_page,
};
use crate::store::{NewReply, Page, PageRequest, ReplyAuthor, StoreError, StoreResult};

/// Longest preview kept on the conversation row for list views.
const PREVIEW_CHARS: usize = 280;

/// Messages of a conversation, oldest first.
pub async fn list(
    pool: &Pool,
    conversation_id: ConversationId,
    page: PageRequest,
) -> StoreResult<Page<Message>> {
    let limit = page.limit();
    let after = match &page.cursor {
        Some(cursor) => decode_cursor(cursor)?.1,
        None => 0,
    };
    let mut conn = pool.acquire().await?;
    // A missing conversation is a 404, not an empty page.
    conversation(&mut conn, conversation_id).await?;
    let mut rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.conversation_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3"
    ))
    .bind(conversation_id.get())
    .bind(after)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let next_cursor = split_page(&mut rows, limit, |row| encode_cursor(0, row.id));
    let items = rows
        .into_iter()
        .map(Message::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

/// The message with `id`.
pub async fn get(pool: &Pool, id: MessageId) -> StoreResult<Message> {
    let mut conn = pool.acquire().await?;
    message(&mut conn, id.get()).await
}

/// How many messages are stored.
pub async fn count(pool: &Pool) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(pool)
        .await?)
}

pub fn message_event(
    message: &Message,
    contact: Option<ContactId>,
    agent: Option<AgentId>,
) -> NewEvent {
    NewEvent {
        kind: EventKind::MessageCreated,
        conversation_id: Some(message.conversation_id),
        contact_id: contact,
        message_id: Some(message.id),
        agent_id: agent,
        data: json!({"direction": message.direction, "kind": message.kind, "channel": message.channel}),
    }
}

/// The newest `limit` messages of `conversation`, oldest first (404 for no conversation).
pub async fn latest(
    pool: &Pool,
    conversation_id: ConversationId,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let mut conn = pool.acquire().await?;
    conversation(&mut conn, conversation_id).await?;
    let mut rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.conversation_id = $1 ORDER BY m.id DESC LIMIT $2"
    ))
    .bind(conversation_id.get())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.reverse();
    rows.into_iter().map(Message::try_from).collect()
}

/// Stores a reply and its outbox row in one transaction; the conversation stops waiting.
pub async fn add_reply(
    pool: &Pool,
    reply: &NewReply,
    now: Millis,
) -> StoreResult<(Message, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let result = add_reply_in(&mut tx, reply, now).await?;
    tx.commit().await?;
    Ok(result)
}

/// [`add_reply`] inside the caller's transaction.
pub async fn add_reply_in(
    conn: &mut Conn,
    reply: &NewReply,
    now: Millis,
) -> StoreResult<(Message, Vec<Event>)> {
    let conv = conversation(conn, reply.conversation).await?;
    let identity: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT i.external_id, i.unreachable_reason FROM conversations c \
         JOIN contact_identities i ON i.id = c.identity_id WHERE c.id = $1",
    )
    .bind(conv.id.get())
    .fetch_optional(&mut *conn)
    .await?;
    match identity {
        None => {
            return Err(StoreError::Invalid(
                "conversation: has no channel identity to reply to".into(),
            ));
        }
        Some((_, Some(reason))) => {
            return Err(StoreError::Invalid(format!(
                "conversation: the contact cannot be reached on this channel ({reason})"
            )));
        }
        Some(_) => {}
    }
    if let Some(reason) = &conv.unanswerable_reason {
        return Err(StoreError::Invalid(format!(
            "conversation: cannot be answered on its channel ({reason})"
        )));
    }
    let (author_type, author_id) = match reply.author {
        ReplyAuthor::Agent(agent) => ("agent", Some(agent.get())),
        ReplyAuthor::Bot => ("bot", None),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
             text, attachments, delivery_status, created_at, template, html, markup) \
         VALUES ($1, $2, 'out', 'message', $3, $4, $5, $6, 'queued', $7, $8, $9, $10) RETURNING id",
    )
    .bind(conv.id.get())
    .bind(&conv.channel)
    .bind(author_type)
    .bind(author_id)
    .bind(&reply.text)
    .bind(sqlx::types::Json(&reply.attachments))
    .bind(now.0)
    .bind(reply.template.as_ref().map(sqlx::types::Json))
    .bind(&reply.html)
    .bind(&reply.markup)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO outbox (message_id, channel, lane, state, attempts, next_attempt_at, \
             created_at, updated_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4)",
    )
    .bind(id)
    .bind(&conv.channel)
    .bind(reply.lane.as_str())
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    if let Some(written) = &reply.written_as {
        super::assist::save_authored_in(
            conn,
            MessageId::new(id),
            &written.language,
            &written.text,
            &written.model,
            now,
        )
        .await?;
    }
    let preview: String = reply.text.chars().take(PREVIEW_CHARS).collect();
    // Only a person's answer counts as the first response; a bot's acknowledgement does not.
    let first_reply = matches!(reply.author, ReplyAuthor::Agent(_)).then_some(now.0);
    sqlx::query(
        "UPDATE conversations SET last_activity_at = $2, last_message = $3, waiting_since = NULL, \
             first_reply_at = COALESCE(first_reply_at, $4) WHERE id = $1",
    )
    .bind(conv.id.get())
    .bind(now.0)
    .bind(&preview)
    .bind(first_reply)
    .execute(&mut *conn)
    .await?;
    let message = message(conn, id).await?;
    let agent = match reply.author {
        ReplyAuthor::Agent(agent) => Some(agent),
        ReplyAuthor::Bot => None,
    };
    let events = insert_events(
        conn,
        vec![message_event(&message, Some(conv.contact_id), agent)],
        now,
    )
    .await?;
    Ok((message, events))
}

/// Stores a private note; customers never see it and it does not stop the waiting clock.
pub async fn add_note(
    pool: &Pool,
    conversation_id: ConversationId,
    author: Option<AgentId>,
    text: &str,
    now: Millis,
) -> StoreResult<(Message, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let result = add_note_in(&mut tx, conversation_id, author, text, now).await?;
    tx.commit().await?;
    Ok(result)
}

/// [`add_note`] inside the caller's transaction.
pub async fn add_note_in(
    conn: &mut Conn,
    conversation_id: ConversationId,
    author: Option<AgentId>,
    text: &str,
    now: Millis,
) -> StoreResult<(Message, Vec<Event>)> {
    let conv = conversation(conn, conversation_id).await?;
    let author_type = if author.is_some() { "agent" } else { "system" };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
             text, created_at) \
         VALUES ($1, $2, 'out', 'note', $3, $4, $5, $6) RETURNING id",
    )
    .bind(conv.id.get())
    .bind(&conv.channel)
    .bind(author_type)
    .bind(author.map(|a| a.get()))
    .bind(text)
    .bind(now.0)
    .fetch_one(&mut *conn)
    .await?;
    let message = message(conn, id).await?;
    let events = insert_events(conn, vec![message_event(&message, None, author)], now).await?;
    Ok((message, events))
}

/// Earlier texts of message `id`, oldest first.
pub async fn revisions(pool: &Pool, id: MessageId) -> StoreResult<Vec<crate::domain::Revision>> {
    let mut conn = pool.acquire().await?;
    message(&mut conn, id.get()).await?;
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT text, html, replaced_at FROM message_revisions WHERE message_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(text, html, replaced_at)| crate::domain::Revision {
            text,
            html,
            replaced_at: Millis(replaced_at).to_datetime(),
        })
        .collect())
}

/// When the customer last wrote in a conversation.
pub async fn last_inbound_at(
    pool: &Pool,
    conversation: ConversationId,
) -> StoreResult<Option<Millis>> {
    let at: Option<i64> = sqlx::query_scalar(
        // The channel's own timestamp counts when it is earlier than our receipt: a message
        // that reached us late does not reopen a window that closed on the platform.
        "SELECT max(CASE WHEN sent_at IS NOT NULL AND sent_at < created_at THEN sent_at ELSE created_at END) \
         FROM messages WHERE conversation_id = $1 AND direction = 'in' AND kind = 'message'",
    )
    .bind(conversation.get())
    .fetch_one(pool)
    .await?;
    Ok(at.map(Millis))
}
