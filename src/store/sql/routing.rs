// Routing: the queue of waiting conversations and their automatic assignment to agents.
// (Included once per backend.)

use serde_json::json;

use super::common::{begin, conversation_event, insert_events, labels, Pool};
use super::IS_POSTGRES;
use crate::domain::{
    AgentId, Conversation, ConversationId, Event, EventKind, Millis, RoutingPolicy,
};
use crate::store::rows::{conversation_columns, ConversationRow};
use crate::store::StoreResult;

/// Waiting = nobody holds it and it is open. Shared by the queue listing and the router so
/// that `/api/v1/queue` shows exactly what the router will take, in the order it takes it.
const WAITING: &str = "c.assignee_id IS NULL AND c.status = 'open'";
/// Queue order: priority (urgent first), then longest waiting, then arrival.
const QUEUE_ORDER: &str = "CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
     WHEN 'normal' THEN 2 ELSE 3 END, COALESCE(c.waiting_since, c.created_at), c.id";

/// The first `limit` waiting conversations, in queue order.
pub async fn queue(pool: &Pool, limit: i64) -> StoreResult<Vec<Conversation>> {
    let sql = format!(
        "SELECT {} FROM conversations c WHERE {WAITING} ORDER BY {QUEUE_ORDER} LIMIT $1",
        conversation_columns!()
    );
    let mut conn = pool.acquire().await?;
    let rows: Vec<ConversationRow> = sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let labels = labels(&mut conn, ConversationId::new(row.id)).await?;
        items.push(row.into_conversation(labels)?);
    }
    Ok(items)
}

/// An online agent as the router sees it inside its transaction.
#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    capacity: i64,
    last_assigned_at: Option<i64>,
    /// Open or pending conversations the agent holds now.
    load: i64,
    /// Whether this run gave the agent work (so `last_assigned_at` must be written back).
    #[sqlx(skip)]
    touched: bool,
    /// Teams the agent belongs to: a conversation routed to a team goes to one of its members.
    #[sqlx(skip)]
    teams: Vec<i64>,
}

impl Candidate {
    fn can_take(&self, team: Option<i64>) -> bool {
        self.load < self.capacity && team.is_none_or(|team| self.teams.contains(&team))
    }
}

/// Assigns up to `limit` waiting conversations, in queue order, to online agents with free
/// capacity, choosing by `policy`; records `conversation.assigned` for each.
///
/// Everything happens in one write transaction and load is counted inside it, so concurrent
/// calls (several routers, several nodes) can never push an agent over its capacity: SQLite
/// serialises writers with `BEGIN IMMEDIATE`; on PostgreSQL the online agents' rows are locked
/// first (in id order, so two routers cannot deadlock) and every count is read after the lock.
pub async fn assign_waiting(
    pool: &Pool,
    policy: RoutingPolicy,
    limit: i64,
    now: Millis,
) -> StoreResult<(Vec<(ConversationId, AgentId)>, Vec<Event>)> {
    if policy == RoutingPolicy::Manual || limit <= 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    // A cheap read first: most wake-ups (a busy inbox with every agent full) have nothing to
    // do, and must not take SQLite's single write lock away from the inbound writer.
    let worth_a_look: bool = sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM agents a WHERE a.availability = 'online' AND a.capacity > \
             (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = a.id \
              AND c.status IN ('open', 'pending'))) \
         AND EXISTS (SELECT 1 FROM conversations c WHERE {WAITING})"
    ))
    .fetch_one(pool)
    .await?;
    if !worth_a_look {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut tx = begin(pool).await?;
    if IS_POSTGRES {
        sqlx::query("SELECT id FROM agents WHERE availability = 'online' ORDER BY id FOR UPDATE")
            .fetch_all(&mut *tx)
            .await?;
    }
    let mut agents: Vec<Candidate> = sqlx::query_as(
        "SELECT a.id, CAST(a.capacity AS BIGINT) AS capacity, a.last_assigned_at, \
         (SELECT COUNT(*) FROM conversations c \
          WHERE c.assignee_id = a.id AND c.status IN ('open', 'pending')) AS load \
         FROM agents a WHERE a.availability = 'online' ORDER BY a.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    agents.retain(|agent| agent.load < agent.capacity);
    let free: i64 = agents.iter().map(|agent| agent.capacity - agent.load).sum();
    if free == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    // With each waiting conversation, the agent who last had one of this contact's
    // conversations (for the sticky policy).
    let sql = format!(
        "SELECT c.id, c.team_id, \
             (SELECT p.assignee_id FROM conversations p WHERE p.contact_id = c.contact_id \
              AND p.id <> c.id AND p.assignee_id IS NOT NULL ORDER BY p.id DESC LIMIT 1) \
         FROM conversations c WHERE {WAITING} \
         ORDER BY {QUEUE_ORDER} LIMIT $1"
    );
    let memberships: Vec<(i64, i64)> = sqlx::query_as("SELECT team_id, agent_id FROM team_members")
        .fetch_all(&mut *tx)
        .await?;
    for (team, member) in memberships {
        if let Some(agent) = agents.iter_mut().find(|agent| agent.id == member) {
            agent.teams.push(team);
        }
    }
    // `limit`, not the free capacity: team conversations nobody in the team can take must not
    // hold back the ones behind them.
    let waiting: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;

    // Each assignment gets its own, strictly later stamp, so that "least recently assigned"
    // keeps rotating within a batch and from one batch to the next even within a millisecond.
    let mut stamp = agents
        .iter()
        .filter_map(|agent| agent.last_assigned_at)
        .max()
        .map_or(now.0, |last| last.max(now.0 - 1) + 1);
    let mut assigned = Vec::with_capacity(waiting.len());
    let mut events = Vec::with_capacity(waiting.len());
    for (conversation_id, team_id, previous) in waiting {
        if agents.iter().all(|agent| agent.load >= agent.capacity) {
            break;
        }
        let Some(agent) = pick(&mut agents, policy, previous, team_id) else {
            continue; // nobody of its team is free: it keeps its place in the queue
        };
        // The guard keeps a concurrent manual assignment or status change: the router only
        // ever takes what is still waiting.
        let updated = sqlx::query(
            "UPDATE conversations SET assignee_id = $2 \
             WHERE id = $1 AND assignee_id IS NULL AND status = 'open'",
        )
        .bind(conversation_id)
        .bind(agent.id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            continue;
        }
        agent.load += 1;
        agent.last_assigned_at = Some(stamp);
        agent.touched = true;
        stamp += 1;
        let id = ConversationId::new(conversation_id);
        let agent_id = AgentId::new(agent.id);
        assigned.push((id, agent_id));
        events.push(conversation_event(
            EventKind::ConversationAssigned,
            id,
            None,
            json!({
                "from": {"agent_id": null, "team_id": team_id},
                "to": {"agent_id": agent_id, "team_id": team_id},
                "policy": policy,
            }),
        ));
    }
    for agent in agents.iter().filter(|agent| agent.touched) {
        if let Some(last) = agent.last_assigned_at {
            sqlx::query("UPDATE agents SET last_assigned_at = $2 WHERE id = $1")
                .bind(agent.id)
                .bind(last)
                .execute(&mut *tx)
                .await?;
        }
    }
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok((assigned, events))
}

/// The agent `policy` gives the next conversation to, among those with free capacity;
/// `previous` is the agent who last served this contact; a conversation routed to `team` only
/// goes to that team's members.
/// Never-assigned agents (`None`) count as least recently assigned; ids break the last ties.
fn pick(
    agents: &mut [Candidate],
    policy: RoutingPolicy,
    previous: Option<i64>,
    team: Option<i64>,
) -> Option<&mut Candidate> {
    // Sticky: the contact's previous agent when they can take it, else least loaded.
    let policy = match policy {
        RoutingPolicy::Sticky => {
            let known = agents
                .iter()
                .position(|agent| Some(agent.id) == previous && agent.can_take(team));
            if let Some(index) = known {
                return agents.get_mut(index);
            }
            RoutingPolicy::LeastLoaded
        }
        other => other,
    };
    let open = agents.iter_mut().filter(|agent| agent.can_take(team));
    match policy {
        // Sticky has fallen back to least loaded above.
        RoutingPolicy::LeastLoaded | RoutingPolicy::Sticky => {
            open.min_by_key(|agent| (agent.load, agent.last_assigned_at, agent.id))
        }
        RoutingPolicy::RoundRobin => open.min_by_key(|agent| (agent.last_assigned_at, agent.id)),
        RoutingPolicy::Manual => None,
    }
}

/// Hands an agent's open and pending conversations back to the queue (they went offline).
pub async fn release(
    pool: &Pool,
    agent: AgentId,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    let mut tx = begin(pool).await?;
    let released: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "UPDATE conversations SET assignee_id = NULL \
         WHERE assignee_id = $1 AND status IN ('open', 'pending') RETURNING id, team_id",
    )
    .bind(agent.get())
    .fetch_all(&mut *tx)
    .await?;
    let events = released
        .into_iter()
        .map(|(id, team)| {
            conversation_event(
                EventKind::ConversationAssigned,
                ConversationId::new(id),
                actor,
                json!({
                    "from": {"agent_id": agent, "team_id": team},
                    "to": {"agent_id": null, "team_id": team},
                    "reason": "agent went offline",
                }),
            )
        })
        .collect();
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok(events)
}
