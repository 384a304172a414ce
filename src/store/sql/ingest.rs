// The inbound pipeline's write: dedupe → contact → conversation → message → reopen → events.
// (Included once per backend.)

use connector_sdk::{InboundMessage, Receipt};
use serde_json::json;

use super::common::{begin, insert_events, Conn, Pool};
use crate::domain::{
    ContactId, ConversationId, ConversationStatus, Event, EventKind, MessageId, Millis,
};
use crate::store::rows::NewEvent;
use crate::store::StoreResult;

/// Longest preview kept on the conversation row for list views.
const PREVIEW_CHARS: usize = 280;

/// Stores a batch in one transaction (group commit): one fsync for many messages, and every
/// caller is answered only after this commit.
pub async fn record_batch(
    pool: &Pool,
    batch: &[InboundMessage],
    now: Millis,
) -> StoreResult<(Vec<Receipt>, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let mut receipts = Vec::with_capacity(batch.len());
    let mut events = Vec::with_capacity(batch.len());
    for message in batch {
        receipts.push(record_one(&mut tx, message, now, &mut events).await?);
    }
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok((receipts, events))
}

/// What one lookup tells about an inbound message before anything is written.
#[derive(sqlx::FromRow)]
struct Lookup {
    existing_message: Option<i64>,
    existing_conversation: Option<i64>,
    identity_id: Option<i64>,
    contact_id: Option<i64>,
    conversation_id: Option<i64>,
    conversation_status: Option<String>,
}

async fn record_one(
    conn: &mut Conn,
    message: &InboundMessage,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<Receipt> {
    let thread_key = message
        .thread
        .as_deref()
        .unwrap_or(&message.sender.external_id);
    // One round trip answers all three questions: seen before? known sender? open thread?
    let lookup: Lookup = sqlx::query_as(
        "SELECT m.id AS existing_message, m.conversation_id AS existing_conversation, \
                i.id AS identity_id, i.contact_id, c.id AS conversation_id, \
                c.status AS conversation_status \
         FROM (SELECT 1 AS one) AS k \
         LEFT JOIN messages m ON m.channel = $1 AND m.external_id = $2 AND m.direction = 'in' \
         LEFT JOIN contact_identities i ON i.scope = $3 AND i.external_id = $4 \
         LEFT JOIN conversations c ON c.id = \
             (SELECT max(id) FROM conversations WHERE channel = $1 AND thread_key = $5)",
    )
    .bind(&message.channel)
    .bind(&message.external_id)
    .bind(&message.sender.scope)
    .bind(&message.sender.external_id)
    .bind(thread_key)
    .fetch_one(&mut *conn)
    .await?;

    if let (Some(id), Some(conversation)) = (lookup.existing_message, lookup.existing_conversation)
    {
        return Ok(Receipt::new(
            message.external_id.clone(),
            id,
            conversation,
            true,
        ));
    }

    let (contact_id, identity_id) = match (lookup.contact_id, lookup.identity_id) {
        (Some(contact), Some(identity)) => (contact, identity),
        _ => resolve_new_sender(conn, message, now, events).await?,
    };

    let preview: String = message.text.chars().take(PREVIEW_CHARS).collect();
    let conversation_id = match (lookup.conversation_id, lookup.conversation_status) {
        (Some(id), Some(status)) => {
            let status: ConversationStatus = status.parse()?;
            sqlx::query(
                "UPDATE conversations SET last_activity_at = $2, last_message = $3, \
                     waiting_since = COALESCE(waiting_since, $2), \
                     status = CASE WHEN status IN ('snoozed', 'resolved') THEN 'open' ELSE status END, \
                     resolved_at = CASE WHEN status IN ('snoozed', 'resolved') THEN NULL ELSE resolved_at END, \
                     snoozed_until = CASE WHEN status IN ('snoozed', 'resolved') THEN NULL ELSE snoozed_until END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now.0)
            .bind(&preview)
            .execute(&mut *conn)
            .await?;
            if status.reopens_on_inbound() {
                events.push(NewEvent::conversation(
                    EventKind::ConversationStatusChanged,
                    ConversationId::new(id),
                    json!({"from": status.as_str(), "to": "open", "reason": "inbound message"}),
                ));
            }
            id
        }
        _ => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO conversations (channel, contact_id, identity_id, thread_key, status, \
                     priority, last_message, created_at, last_activity_at, waiting_since) \
                 VALUES ($1, $2, $3, $4, 'open', 'normal', $5, $6, $6, $6) RETURNING id",
            )
            .bind(&message.channel)
            .bind(contact_id)
            .bind(identity_id)
            .bind(thread_key)
            .bind(&preview)
            .bind(now.0)
            .fetch_one(&mut *conn)
            .await?;
            let mut event = NewEvent::conversation(
                EventKind::ConversationCreated,
                ConversationId::new(id),
                json!({"channel": message.channel}),
            );
            event.contact_id = Some(ContactId::new(contact_id));
            events.push(event);
            id
        }
    };

    let author_type = if message.sender.is_bot { "bot" } else { "contact" };
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
             text, html, attachments, external_id, sent_at, created_at) \
         VALUES ($1, $2, 'in', 'message', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(conversation_id)
    .bind(&message.channel)
    .bind(author_type)
    .bind(contact_id)
    .bind(&message.text)
    .bind(&message.html)
    .bind(sqlx::types::Json(&message.attachments))
    .bind(&message.external_id)
    .bind(message.sent_at.map(|at| at.timestamp_millis()))
    .bind(now.0)
    .fetch_one(&mut *conn)
    .await?;

    events.push(NewEvent {
        kind: EventKind::MessageCreated,
        conversation_id: Some(ConversationId::new(conversation_id)),
        contact_id: Some(ContactId::new(contact_id)),
        message_id: Some(MessageId::new(message_id)),
        agent_id: None,
        data: json!({"direction": "in", "channel": message.channel}),
    });
    Ok(Receipt::new(
        message.external_id.clone(),
        message_id,
        conversation_id,
        false,
    ))
}

/// Finds the contact for a sender we have not seen on this channel (by email, then phone) or
/// creates one, and records the channel identity. Returns `(contact id, identity id)`.
async fn resolve_new_sender(
    conn: &mut Conn,
    message: &InboundMessage,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<(i64, i64)> {
    let sender = &message.sender;
    let email = sender
        .email
        .as_deref()
        .map(|email| email.trim().to_lowercase())
        .filter(|email| !email.is_empty());
    let phone = sender
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|phone| !phone.is_empty());

    let mut contact: Option<i64> = None;
    for (scope, value) in [("email", email.as_deref()), ("phone", phone)] {
        if let (None, Some(value)) = (contact, value) {
            contact = sqlx::query_scalar(
                "SELECT contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
            )
            .bind(scope)
            .bind(value)
            .fetch_optional(&mut *conn)
            .await?;
        }
    }
    let created = contact.is_none();
    let contact_id = match contact {
        Some(id) => id,
        None => {
            sqlx::query_scalar(
                "INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&sender.name)
            .bind(&email)
            .bind(phone)
            .bind(sqlx::types::Json(json!({})))
            .bind(now.0)
            .fetch_one(&mut *conn)
            .await?
        }
    };

    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (scope, external_id) DO NOTHING RETURNING id",
    )
    .bind(contact_id)
    .bind(&sender.scope)
    .bind(&sender.external_id)
    .bind(now.0)
    .fetch_optional(&mut *conn)
    .await?;
    let (contact_id, identity_id) = match inserted {
        Some(identity) => (contact_id, identity),
        None => {
            // Another writer (another node on PostgreSQL) registered this sender first: use
            // its contact, and drop the one we just made so no empty contact is left behind.
            let (identity, existing): (i64, i64) = sqlx::query_as(
                "SELECT id, contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
            )
            .bind(&sender.scope)
            .bind(&sender.external_id)
            .fetch_one(&mut *conn)
            .await?;
            if created {
                sqlx::query("DELETE FROM contacts WHERE id = $1")
                    .bind(contact_id)
                    .execute(&mut *conn)
                    .await?;
            }
            return Ok((existing, identity));
        }
    };

    for (scope, value) in [("email", email.as_deref()), ("phone", phone)] {
        if let Some(value) = value {
            sqlx::query(
                "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (scope, external_id) DO NOTHING",
            )
            .bind(contact_id)
            .bind(scope)
            .bind(value)
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
        }
    }
    if created {
        events.push(NewEvent {
            kind: EventKind::ContactCreated,
            conversation_id: None,
            contact_id: Some(ContactId::new(contact_id)),
            message_id: None,
            agent_id: None,
            data: json!({"channel": message.channel}),
        });
    }
    Ok((contact_id, identity_id))
}
