//! Helpers shared by the other `sql/` files: transactions, events, loading aggregates.
//! (Compiled once per backend; `super::Db` is that backend.)

use super::{Db, IS_POSTGRES};
use crate::domain::{ConversationId, Event, EventKind, Millis};
use crate::store::rows::{
    ConversationRow, EventRow, MessageRow, NewEvent, conversation_columns, message_columns,
};
use crate::store::{StoreError, StoreResult};

/// This backend's pool.
pub type Pool = sqlx::Pool<Db>;
/// This backend's connection.
pub type Conn = <Db as sqlx::Database>::Connection;

/// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`)
/// so that a read-then-write never fails with `SQLITE_BUSY` on lock upgrade.
pub async fn begin(pool: &Pool) -> StoreResult<sqlx::Transaction<'static, Db>> {
    let statement = if IS_POSTGRES {
        "BEGIN"
    } else {
        "BEGIN IMMEDIATE"
    };
    Ok(pool.begin_with(statement).await?)
}

/// `column` is one of the ids of the JSON array bound as `param` (`"$1"`), as a condition.
///
/// On PostgreSQL the ids become `= ANY` of one computed array, which the planner can only
/// answer through an index on `column`. As `IN (subquery)` or a join it guesses the array at
/// 100 rows, and a plan cached while a table was small (a fresh database, a campaign just
/// planned) goes on hashing the whole table once per statement: a sequential scan of every
/// conversation per ingest commit cut PostgreSQL ingest to a quarter.
pub fn in_json_ids(column: &str, param: &str) -> String {
    if IS_POSTGRES {
        format!("{column} = ANY(ARRAY(SELECT jsonb_array_elements_text({param})::bigint))")
    } else {
        format!("{column} IN (SELECT value FROM json_each({param}))")
    }
}

/// [`in_json_ids`] for a JSON array of strings.
pub fn in_json_texts(column: &str, param: &str) -> String {
    if IS_POSTGRES {
        format!("{column} = ANY(ARRAY(SELECT jsonb_array_elements_text({param})))")
    } else {
        format!("{column} IN (SELECT value FROM json_each({param}))")
    }
}

/// Appends events to the log in one statement and returns them with their ids, in order.
pub async fn insert_events(
    conn: &mut Conn,
    events: Vec<NewEvent>,
    at: Millis,
) -> StoreResult<Vec<Event>> {
    insert_events_as(conn, events, at, Default::default()).await
}

/// [`insert_events`] relying on `schema`'s features only (see `SchemaFeatures`).
pub async fn insert_events_as(
    conn: &mut Conn,
    events: Vec<NewEvent>,
    at: Millis,
    schema: crate::store::schema::SchemaFeatures,
) -> StoreResult<Vec<Event>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<serde_json::Value> = events
        .iter()
        .map(|event| {
            serde_json::json!([
                event.kind.as_str(),
                event.conversation_id.map(|id| id.get()),
                event.contact_id.map(|id| id.get()),
                event.message_id.map(|id| id.get()),
                event.agent_id.map(|id| id.get()),
                event.data,
            ])
        })
        .collect();
    // One round trip for the whole list: the rows travel as one JSON array parameter.
    // RETURNING order is not guaranteed, so each stored row comes back whole.
    let sql = if IS_POSTGRES {
        "INSERT INTO events (kind, conversation_id, contact_id, message_id, agent_id, data, created_at) \
         SELECT e->>0, (e->>1)::bigint, (e->>2)::bigint, (e->>3)::bigint, (e->>4)::bigint, e->5, $2 \
         FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, n) ORDER BY n \
         RETURNING id, kind, conversation_id, contact_id, message_id, agent_id, data, created_at"
    } else {
        "INSERT INTO events (kind, conversation_id, contact_id, message_id, agent_id, data, created_at) \
         SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, $2 \
         FROM json_each($1) ORDER BY key \
         RETURNING id, kind, conversation_id, contact_id, message_id, agent_id, data, created_at"
    };
    let stored: Vec<EventRow> = sqlx::query_as(sql)
        .bind(sqlx::types::Json(&rows))
        .bind(at.0)
        .fetch_all(&mut *conn)
        .await?;
    let mut events = stored
        .into_iter()
        .map(Event::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    events.sort_by_key(|event| event.id);
    // Reports count what happened in the same transaction that records it.
    super::reporting::on_events(conn, &events, schema.pending_report_deltas).await?;
    Ok(events)
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

/// The highest contact and conversation ids so far (0 for none): bulk seeding numbers the
/// rows it writes after them.
pub async fn last_contact_and_conversation_ids(conn: &mut Conn) -> StoreResult<(i64, i64)> {
    let (contacts, conversations): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT MAX(id) FROM contacts), (SELECT MAX(id) FROM conversations)",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((contacts.unwrap_or(0), conversations.unwrap_or(0)))
}

/// The labels of each of `ids`, sorted, in one query (a page of conversations would
/// otherwise cost a round trip per row).
pub async fn labels_of(
    conn: &mut Conn,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, Vec<String>>> {
    let mut by_conversation = std::collections::HashMap::<i64, Vec<String>>::new();
    if ids.is_empty() {
        return Ok(by_conversation);
    }
    let mut sql = sqlx::QueryBuilder::<Db>::new(
        "SELECT conversation_id, label FROM conversation_labels WHERE conversation_id IN (",
    );
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    sql.push(") ORDER BY conversation_id, label");
    let rows: Vec<(i64, String)> = sql.build_query_as().fetch_all(&mut *conn).await?;
    for (conversation, label) in rows {
        by_conversation.entry(conversation).or_default().push(label);
    }
    Ok(by_conversation)
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
