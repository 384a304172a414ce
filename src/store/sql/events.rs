//! Reading the event log. (Compiled once per backend.)

use super::common::Pool;
use crate::domain::{Event, EventId};
use crate::store::StoreResult;
use crate::store::rows::EventRow;

/// Events with an id above `after`, oldest first.
pub async fn list_after(pool: &Pool, after: EventId, limit: i64) -> StoreResult<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, kind, conversation_id, contact_id, message_id, agent_id, data, created_at \
         FROM events WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after.get())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Event::try_from).collect()
}

/// A conversation's activity (assignments, status and label changes, rules applied): its
/// events other than messages, oldest first.
pub async fn list_activity(
    pool: &Pool,
    conversation: crate::domain::ConversationId,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, kind, conversation_id, contact_id, message_id, agent_id, data, created_at \
         FROM events WHERE conversation_id = $1 \
         AND (kind NOT LIKE 'message.%' OR kind = 'message.redacted') \
         ORDER BY id DESC LIMIT $2",
    )
    .bind(conversation.get())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut events: Vec<Event> = rows
        .into_iter()
        .map(Event::try_from)
        .collect::<Result<_, _>>()?;
    events.reverse();
    Ok(events)
}

/// Events with ids in `from..=to`, oldest first: the late commits a reader looks for in a
/// hole of the ids it has read (see `store::event_cursor`).
pub async fn list_between(pool: &Pool, from: EventId, to: EventId) -> StoreResult<Vec<Event>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, kind, conversation_id, contact_id, message_id, agent_id, data, created_at \
         FROM events WHERE id >= $1 AND id <= $2 ORDER BY id",
    )
    .bind(from.get())
    .bind(to.get())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Event::try_from).collect()
}

/// The id of the newest event (0 on an empty log).
pub async fn newest(pool: &Pool) -> StoreResult<i64> {
    let newest: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(newest.unwrap_or(0))
}
