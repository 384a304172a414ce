// Helpers shared by the other `sql/` files: transactions, events, loading aggregates.
// (Included once per backend; `super::Db` is that backend.)

use super::{Db, IS_POSTGRES};
use crate::domain::{ConversationId, Event, EventKind, Millis};
use crate::store::rows::{conversation_columns, message_columns, ConversationRow, MessageRow, NewEvent};
use crate::store::{StoreError, StoreResult};

/// This backend's pool.
pub type Pool = sqlx::Pool<Db>;
/// This backend's connection.
pub type Conn = <Db as sqlx::Database>::Connection;

/// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`)
/// so that a read-then-write never fails with `SQLITE_BUSY` on lock upgrade.
pub async fn begin(pool: &Pool) -> StoreResult<sqlx::Transaction<'static, Db>> {
    let statement = if IS_POSTGRES { "BEGIN" } else { "BEGIN IMMEDIATE" };
    Ok(pool.begin_with(statement).await?)
}

/// Appends events to the log and returns them with their ids.
pub async fn insert_events(
    conn: &mut Conn,
    events: Vec<NewEvent>,
    at: Millis,
) -> StoreResult<Vec<Event>> {
    let mut stored = Vec::with_capacity(events.len());
    for event in events {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (kind, conversation_id, contact_id, message_id, agent_id, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(event.kind.as_str())
        .bind(event.conversation_id.map(|id| id.get()))
        .bind(event.contact_id.map(|id| id.get()))
        .bind(event.message_id.map(|id| id.get()))
        .bind(event.agent_id.map(|id| id.get()))
        .bind(sqlx::types::Json(&event.data))
        .bind(at.0)
        .fetch_one(&mut *conn)
        .await?;
        stored.push(event.stored(id, at));
    }
    Ok(stored)
}

/// The labels of a conversation, sorted.
pub async fn labels(conn: &mut Conn, id: ConversationId) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT label FROM conversation_labels WHERE conversation_id = $1 ORDER BY label",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?)
}

/// Loads one conversation with its labels.
pub async fn conversation(
    conn: &mut Conn,
    id: ConversationId,
) -> StoreResult<crate::domain::Conversation> {
    let row: ConversationRow = sqlx::query_as(concat!(
        "SELECT ",
        conversation_columns!(),
        " FROM conversations c WHERE c.id = $1"
    ))
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let labels = labels(conn, id).await?;
    row.into_conversation(labels)
}

/// An event about a conversation, with the acting agent.
pub fn conversation_event(
    kind: EventKind,
    id: ConversationId,
    actor: Option<crate::domain::AgentId>,
    data: serde_json::Value,
) -> NewEvent {
    let mut event = NewEvent::conversation(kind, id, data);
    event.agent_id = actor;
    event
}

/// Loads one message.
pub async fn message(conn: &mut Conn, id: i64) -> StoreResult<crate::domain::Message> {
    let row: MessageRow = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    crate::domain::Message::try_from(row)
}
