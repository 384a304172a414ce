//! Conversations: listing with filters, assignment, status, labels. (Compiled once per backend.)

use serde_json::json;

use super::common::{
    Conn, Pool, begin, conversation, conversation_event, insert_events, labels_of,
};
use super::search::{SearchPlan, SearchWords, walk_from_clause};
use super::{Db, IS_POSTGRES};
use crate::domain::{
    AgentId, Conversation, ConversationId, ConversationStatus, Event, EventKind, Millis,
};
use crate::store::rows::{
    ConversationRow, conversation_columns, decode_cursor, encode_cursor, split_page,
};
use crate::store::{
    AssigneeFilter, Assignment, ConversationFilter, ConversationPatch, Page, PageRequest,
    StatusChange, StoreError, StoreResult,
};

/// Conversations matching every given filter, most recently active first (keyset pagination on
/// `(last_activity_at, id)`).
pub async fn list(
    pool: &Pool,
    filter: &ConversationFilter,
    page: PageRequest,
) -> StoreResult<Page<Conversation>> {
    let mut conn = pool.acquire().await?;
    if IS_POSTGRES && filter.text.is_some() {
        // A search's statements run without parallel workers. Starting them cost 20–40 ms
        // before the first row of a walk that then took 8–10 ms alone (a common word with a
        // filter over a million conversations, on two cores); a page of 50 is never worth it.
        let mut transaction = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0")
            .execute(&mut *transaction)
            .await?;
        let listed = list_on(&mut transaction, filter, page).await?;
        transaction.commit().await?;
        return Ok(listed);
    }
    list_on(&mut conn, filter, page).await
}

/// [`list`] on `conn`.
async fn list_on(
    conn: &mut Conn,
    filter: &ConversationFilter,
    page: PageRequest,
) -> StoreResult<Page<Conversation>> {
    let limit = page.limit();
    let search = match filter.text.as_deref().and_then(SearchWords::parse) {
        Some(words) => Some(SearchPlan::choose(conn, &words, filter, limit + 1).await?),
        None => None,
    };
    let mut sql = sqlx::QueryBuilder::<Db>::new(concat!("SELECT ", conversation_columns!()));
    // The inbox's order, unless a contact's few conversations or a collected search's
    // matches are fewer than reading the newest conversations until the page is full.
    let walk = match &search {
        Some(plan) => plan.walks(),
        None => filter.contact.is_none(),
    };
    sql.push(if walk {
        walk_from_clause()
    } else {
        " FROM conversations c"
    });
    sql.push(" WHERE 1 = 1");
    if let Some(status) = filter.status {
        sql.push(" AND c.status = ").push_bind(status.as_str());
    }
    match filter.assignee {
        Some(AssigneeFilter::Agent(agent)) => {
            sql.push(" AND c.assignee_id = ").push_bind(agent.get());
        }
        Some(AssigneeFilter::Unassigned) => {
            sql.push(" AND c.assignee_id IS NULL");
        }
        None => {}
    }
    if let Some(channel) = &filter.channel {
        sql.push(" AND c.channel = ").push_bind(channel.clone());
    }
    if let Some(team) = filter.team {
        sql.push(" AND c.team_id = ").push_bind(team.get());
    }
    if let Some(contact) = filter.contact {
        sql.push(" AND c.contact_id = ").push_bind(contact.get());
    }
    if let Some(label) = &filter.label {
        sql.push(" AND c.id IN (SELECT conversation_id FROM conversation_labels WHERE label = ")
            .push_bind(label.clone())
            .push(")");
    }
    let searching = search.is_some();
    if let Some(search) = search {
        search.push_filter(&mut sql);
    }
    sql.push(super::access::visible_sql("c", &filter.visibility));
    if let Some(cursor) = &page.cursor {
        let (activity, id) = decode_cursor(cursor)?;
        sql.push(" AND (c.last_activity_at < ")
            .push_bind(activity)
            .push(" OR (c.last_activity_at = ")
            .push_bind(activity)
            .push(" AND c.id < ")
            .push_bind(id)
            .push("))");
    }
    sql.push(" ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ")
        .push_bind(limit + 1);

    // A search is planned with its words in hand (see `search`): never a cached generic plan.
    let mut rows: Vec<ConversationRow> = sql
        .build_query_as()
        .persistent(!searching)
        .fetch_all(&mut *conn)
        .await?;
    let next_cursor = split_page(&mut rows, limit, |row| {
        encode_cursor(row.last_activity_at, row.id)
    });
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut labels = labels_of(conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let labels = labels.remove(&row.id).unwrap_or_default();
            row.into_conversation(labels)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

/// The conversation with `id`.
pub async fn get(pool: &Pool, id: ConversationId) -> StoreResult<Conversation> {
    let mut conn = pool.acquire().await?;
    conversation(&mut conn, id).await
}

/// Sets assignee and team; records `conversation.assigned` when something changed.
pub async fn assign(
    pool: &Pool,
    id: ConversationId,
    assignment: &Assignment,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let result = assign_in(&mut tx, id, assignment, actor, now).await?;
    tx.commit().await?;
    Ok(result)
}

/// [`assign`] inside the caller's transaction.
pub async fn assign_in(
    conn: &mut Conn,
    id: ConversationId,
    assignment: &Assignment,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let before = conversation(conn, id).await?;
    if let Some(agent) = assignment.agent {
        super::routing::check_assignable(conn, agent).await?;
    }
    if let Some(team) = assignment.team {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
            .bind(team.get())
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(StoreError::Invalid(format!("team_id: no team {team}")));
        }
    }
    sqlx::query("UPDATE conversations SET assignee_id = $2, team_id = $3 WHERE id = $1")
        .bind(id.get())
        .bind(assignment.agent.map(|a| a.get()))
        .bind(assignment.team.map(|t| t.get()))
        .execute(&mut *conn)
        .await?;
    if let Some(agent) = assignment.agent {
        sqlx::query("UPDATE agents SET last_assigned_at = $2 WHERE id = $1")
            .bind(agent.get())
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
    }
    let mut events = Vec::new();
    if before.assignee_id != assignment.agent || before.team_id != assignment.team {
        events.push(conversation_event(
            EventKind::ConversationAssigned,
            id,
            actor,
            json!({
                "from": {"agent_id": before.assignee_id, "team_id": before.team_id},
                "to": {"agent_id": assignment.agent, "team_id": assignment.team},
            }),
        ));
    }
    let events = insert_events(conn, events, now).await?;
    let after = conversation(conn, id).await?;
    Ok((after, events))
}

/// Moves to `change.status`; `snoozed` needs a wake-up time in the future.
pub async fn set_status(
    pool: &Pool,
    id: ConversationId,
    change: &StatusChange,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let result = set_status_in(&mut tx, id, change, actor, now).await?;
    tx.commit().await?;
    Ok(result)
}

/// [`set_status`] inside the caller's transaction.
pub async fn set_status_in(
    conn: &mut Conn,
    id: ConversationId,
    change: &StatusChange,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let snoozed_until = match (change.status, change.snoozed_until) {
        (ConversationStatus::Snoozed, Some(until)) if Millis::from(until) > now => {
            Some(Millis::from(until).0)
        }
        (ConversationStatus::Snoozed, _) => {
            return Err(StoreError::Invalid(
                "snoozed_until: a future time is required to snooze".into(),
            ));
        }
        (_, Some(_)) => {
            return Err(StoreError::Invalid(
                "snoozed_until: only allowed with status snoozed".into(),
            ));
        }
        (_, None) => None,
    };
    let before = conversation(conn, id).await?;
    let resolved_at = (change.status == ConversationStatus::Resolved).then_some(now.0);
    sqlx::query(
        "UPDATE conversations SET status = $2, snoozed_until = $3, resolved_at = $4 WHERE id = $1",
    )
    .bind(id.get())
    .bind(change.status.as_str())
    .bind(snoozed_until)
    .bind(resolved_at)
    .execute(&mut *conn)
    .await?;
    let mut events = Vec::new();
    if before.status != change.status {
        events.push(conversation_event(
            EventKind::ConversationStatusChanged,
            id,
            actor,
            json!({"from": before.status, "to": change.status}),
        ));
    }
    let events = insert_events(conn, events, now).await?;
    let after = conversation(conn, id).await?;
    Ok((after, events))
}

/// Replaces labels and/or sets the priority.
pub async fn update(
    pool: &Pool,
    id: ConversationId,
    patch: &ConversationPatch,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let result = update_in(&mut tx, id, patch, actor, now).await?;
    tx.commit().await?;
    Ok(result)
}

/// [`update`] inside the caller's transaction.
pub async fn update_in(
    conn: &mut Conn,
    id: ConversationId,
    patch: &ConversationPatch,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let before = conversation(conn, id).await?;
    if let Some(priority) = patch.priority {
        sqlx::query("UPDATE conversations SET priority = $2 WHERE id = $1")
            .bind(id.get())
            .bind(priority.as_str())
            .execute(&mut *conn)
            .await?;
    }
    if let Some(new_labels) = &patch.labels {
        sqlx::query("DELETE FROM conversation_labels WHERE conversation_id = $1")
            .bind(id.get())
            .execute(&mut *conn)
            .await?;
        for label in new_labels {
            sqlx::query(
                "INSERT INTO conversation_labels (conversation_id, label) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id.get())
            .bind(label)
            .execute(&mut *conn)
            .await?;
        }
    }
    let after = conversation(conn, id).await?;
    let mut events = Vec::new();
    if before.labels != after.labels || before.priority != after.priority {
        events.push(conversation_event(
            EventKind::ConversationUpdated,
            id,
            actor,
            json!({"labels": after.labels, "priority": after.priority}),
        ));
    }
    let events = insert_events(conn, events, now).await?;
    Ok((after, events))
}

/// The labels most conversations carry, most used first (at most `limit`).
pub async fn common_labels(pool: &Pool, limit: i64) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT label FROM conversation_labels GROUP BY label ORDER BY count(*) DESC, label LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
