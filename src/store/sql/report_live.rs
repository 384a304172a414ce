//! The live board of the reports page: who is working and how full their hands are, the
//! queue, and the unresolved conversations' SLA states, read now (no rollups: this is the
//! present, and every figure is bounded by the open workload, never by history).
//! (Compiled once per backend.)

use super::access::visible_sql;
use super::common::Pool;
use super::routing::WAITING;
use crate::domain::access::Visibility;
use crate::store::StoreResult;
use crate::store::report_live::{LiveAgent, LiveQueue, LiveSlaRow};

/// A person who can hold conversations, with what they hold now.
#[derive(sqlx::FromRow)]
struct AgentRow {
    id: i64,
    name: String,
    role: String,
    takes_conversations: bool,
    availability: String,
    capacity: i64,
    load: i64,
}

/// Agents (and admins who take conversations or still hold some) with their availability,
/// capacity and load (open or pending conversations held, as the router counts it), by
/// name; only `agent` when given.
pub async fn agents(pool: &Pool, agent: Option<i64>) -> StoreResult<Vec<LiveAgent>> {
    let only = if agent.is_some() {
        " AND a.id = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT a.id, a.name, a.role, a.takes_conversations, a.availability, \
         CAST(a.capacity AS BIGINT) AS capacity, \
         (SELECT COUNT(*) FROM conversations c \
          WHERE c.assignee_id = a.id AND c.status IN ('open', 'pending')) AS load \
         FROM agents a WHERE a.role <> 'marketer'{only} ORDER BY a.name, a.id"
    );
    let mut query = sqlx::query_as::<_, AgentRow>(&sql);
    if let Some(agent) = agent {
        query = query.bind(agent);
    }
    let rows = query.fetch_all(pool).await?;
    rows.into_iter()
        // An admin who takes no conversations is on the board only while holding some.
        .filter(|row| row.role == "agent" || row.takes_conversations || row.load > 0)
        .map(|row| {
            Ok(LiveAgent {
                id: crate::domain::AgentId::new(row.id),
                name: row.name,
                availability: row.availability.parse()?,
                capacity: row.capacity,
                load: row.load,
            })
        })
        .collect()
}

/// How many conversations wait for an agent (the queue of `GET /api/v1/queue`, under the
/// same visibility) and since when the longest-waiting one waits.
pub async fn queue(pool: &Pool, visibility: &Visibility) -> StoreResult<LiveQueue> {
    let sql = format!(
        "SELECT COUNT(*), MIN(COALESCE(c.waiting_since, c.created_at)) \
         FROM conversations c WHERE {WAITING}{}",
        visible_sql("c", visibility)
    );
    let (waiting, oldest): (i64, Option<i64>) = sqlx::query_as(&sql).fetch_one(pool).await?;
    Ok(LiveQueue {
        waiting,
        oldest_waiting_since: oldest.map(crate::domain::Millis),
    })
}

/// The SLA states of the unresolved visible conversations that have one.
pub async fn unresolved_slas(pool: &Pool, visibility: &Visibility) -> StoreResult<Vec<LiveSlaRow>> {
    let sql = format!(
        "SELECT c.id, c.assignee_id, c.sla FROM conversations c \
         WHERE c.status <> 'resolved' AND c.sla IS NOT NULL{}",
        visible_sql("c", visibility)
    );
    let rows: Vec<(i64, Option<i64>, sqlx::types::Json<serde_json::Value>)> =
        sqlx::query_as(&sql).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, assignee, sla)| LiveSlaRow {
            conversation: crate::domain::ConversationId::new(id),
            assignee: assignee.map(crate::domain::AgentId::new),
            sla: sla.0,
        })
        .collect())
}
