//! Routing: the queue of waiting conversations, their automatic assignment to agents by the
//! policy of their scope, manual taking, and the hand-back when an agent goes offline.
//! (Compiled once per backend.)

use serde_json::json;

use super::IS_POSTGRES;
use super::common::{
    Conn, Pool, begin, conversation, conversation_event, insert_events, labels_of,
};
use crate::domain::{
    AgentId, Conversation, ConversationId, Event, EventKind, Millis, QueuedConversation,
    RoutingPolicy, RoutingRules,
};
use crate::store::routing_sql::ScopeSql;
use crate::store::rows::{ConversationRow, conversation_columns};
use crate::store::{Conflict, StoreError, StoreResult};

/// Waiting = nobody holds it and it is open. Shared by the queue listing and the router so
/// that `/api/v1/queue` shows exactly what the router will take, in the order it takes it
/// (and the reports' live board counts the same queue).
/// A conversation held for triage is not waiting yet: rules about to route it run first.
pub const WAITING: &str = "c.assignee_id IS NULL AND c.status = 'open' AND NOT c.triage_pending";
/// Who the router may give conversations to (see `Agent::is_routable`): agents, and admins
/// who opted in; never marketers, who cannot open a conversation.
const ROUTABLE: &str = "(a.role = 'agent' OR (a.role = 'admin' AND a.takes_conversations))";
/// Queue order: priority (urgent first), then longest waiting, then arrival.
const QUEUE_ORDER: &str = "CASE c.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 \
     WHEN 'normal' THEN 2 ELSE 3 END, COALESCE(c.waiting_since, c.created_at), c.id";

/// A waiting conversation with the policy that applies to it.
#[derive(sqlx::FromRow)]
struct QueuedRow {
    #[sqlx(flatten)]
    conversation: ConversationRow,
    effective_policy: String,
}

/// The first `limit` waiting conversations, in queue order, with their effective policy
/// (manual ones included: they are the queue agents take from).
pub async fn queue(
    pool: &Pool,
    rules: &RoutingRules,
    limit: i64,
    visibility: &crate::domain::access::Visibility,
) -> StoreResult<Vec<QueuedConversation>> {
    let mut scopes = ScopeSql::new(rules, 1);
    let sql = format!(
        "SELECT {}, {} AS effective_policy FROM conversations c WHERE {WAITING}{} \
         ORDER BY {QUEUE_ORDER} LIMIT $1",
        conversation_columns!(),
        scopes.policy(),
        super::access::visible_sql("c", visibility),
    );
    let mut conn = pool.acquire().await?;
    let rows: Vec<QueuedRow> = scopes
        .bind_names(sqlx::query_as(&sql).bind(limit))
        .fetch_all(&mut *conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.conversation.id).collect();
    let mut labels = labels_of(&mut conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let labels = labels.remove(&row.conversation.id).unwrap_or_default();
            Ok(QueuedConversation {
                conversation: row.conversation.into_conversation(labels)?,
                policy: row.effective_policy.parse()?,
            })
        })
        .collect()
}

/// Teams named in `rules` that do not exist (yet): teams are created through the API, so a
/// configured name may precede its team.
pub async fn missing_teams(pool: &Pool, rules: &RoutingRules) -> StoreResult<Vec<String>> {
    if rules.teams.is_empty() {
        return Ok(Vec::new());
    }
    let existing: Vec<String> = sqlx::query_scalar("SELECT name FROM teams")
        .fetch_all(pool)
        .await?;
    Ok(rules
        .teams
        .keys()
        .filter(|name| !existing.contains(name))
        .cloned()
        .collect())
}

/// Sets or clears (`None`: inherit from team, channel, default) a conversation's own routing
/// policy, on a connection or inside the caller's transaction (`&mut *tx`).
///
/// # Errors
/// [`StoreError::NotFound`] when there is no such conversation.
pub async fn set_policy(
    conn: &mut Conn,
    id: ConversationId,
    policy: Option<RoutingPolicy>,
) -> StoreResult<()> {
    let updated = sqlx::query("UPDATE conversations SET routing_policy = $2 WHERE id = $1")
        .bind(id.get())
        .bind(policy.map(RoutingPolicy::as_str))
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// [`set_policy`] in a transaction of its own.
pub async fn set_policy_alone(
    pool: &Pool,
    id: ConversationId,
    policy: Option<RoutingPolicy>,
) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    set_policy(&mut tx, id, policy).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives an unassigned conversation to `agent`: the manual queue's "first taker wins". The
/// guarded update decides races: SQLite runs one writer at a time, and on PostgreSQL the
/// second update waits for the first one's row lock, then sees the row taken and changes
/// nothing. Taking one's own conversation again changes nothing and succeeds.
///
/// # Errors
/// [`StoreError::NotFound`] without the conversation; [`StoreError::Conflict`] when someone
/// else holds it; [`StoreError::Invalid`] when it is resolved or the agent does not exist.
pub async fn take(
    pool: &Pool,
    id: ConversationId,
    agent: AgentId,
    now: Millis,
) -> StoreResult<(Conversation, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    check_assignable(&mut tx, agent).await?;
    let taken: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE conversations SET assignee_id = $2 \
         WHERE id = $1 AND assignee_id IS NULL AND status <> 'resolved' RETURNING team_id",
    )
    .bind(id.get())
    .bind(agent.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(team) = taken else {
        let current = conversation(&mut tx, id).await?;
        return match current.assignee_id {
            Some(holder) if holder == agent => Ok((current, Vec::new())),
            Some(_) => Err(StoreError::Conflict {
                constraint: Conflict::ConversationTaken,
            }),
            None => Err(StoreError::Conflict {
                constraint: Conflict::ConversationResolved,
            }),
        };
    };
    sqlx::query("UPDATE agents SET last_assigned_at = $2 WHERE id = $1")
        .bind(agent.get())
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    let event = conversation_event(
        EventKind::ConversationAssigned,
        id,
        Some(agent),
        json!({
            "from": {"agent_id": null, "team_id": team},
            "to": {"agent_id": agent, "team_id": team},
            "reason": "taken",
        }),
    );
    let events = insert_events(&mut tx, vec![event], now).await?;
    let taken = conversation(&mut tx, id).await?;
    tx.commit().await?;
    Ok((taken, events))
}

/// Checks that `agent` exists and may hold conversations: every role but marketer, who cannot
/// open one (a manual assignment may pick an admin who did not opt in to routing).
///
/// # Errors
/// [`StoreError::Invalid`] naming `agent_id` and why.
pub async fn check_assignable(conn: &mut Conn, agent: AgentId) -> StoreResult<()> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM agents WHERE id = $1")
        .bind(agent.get())
        .fetch_optional(&mut *conn)
        .await?;
    match role.as_deref() {
        None => Err(StoreError::Invalid(format!("agent_id: no agent {agent}"))),
        Some("marketer") => Err(StoreError::Invalid(format!(
            "agent_id: agent {agent} is a marketer and cannot work conversations"
        ))),
        Some(_) => Ok(()),
    }
}

/// A routable waiting conversation as the router reads it.
#[derive(sqlx::FromRow)]
struct Waiting {
    id: i64,
    team_id: Option<i64>,
    /// The agent who last had one of this contact's conversations (for sticky).
    previous: Option<i64>,
    policy: String,
    sticky_fallback: String,
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
/// capacity, each choosing by its effective policy under `rules`; records
/// `conversation.assigned` for each. Conversations whose policy is `manual` are left to be
/// taken and are not even read.
///
/// Everything happens in one write transaction and load is counted inside it, so concurrent
/// calls (several routers, several nodes) can never push an agent over its capacity: SQLite
/// serialises writers with `BEGIN IMMEDIATE`; on PostgreSQL the online agents' rows are locked
/// first (in id order, so two routers cannot deadlock) and every count is read after the lock.
pub async fn assign_waiting(
    pool: &Pool,
    rules: &RoutingRules,
    limit: i64,
    now: Millis,
) -> StoreResult<(Vec<(ConversationId, AgentId)>, Vec<Event>)> {
    if limit <= 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    // A cheap read first: most wake-ups (a busy inbox with every agent full) have nothing to
    // do, and must not take SQLite's single write lock away from the inbound writer.
    let mut scopes = ScopeSql::new(rules, 0);
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM agents a WHERE a.availability = 'online' AND {ROUTABLE} \
              AND a.capacity > \
             (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = a.id \
              AND c.status IN ('open', 'pending'))) \
         AND EXISTS (SELECT 1 FROM conversations c WHERE {WAITING} AND {} <> 'manual')",
        scopes.policy()
    );
    let (worth_a_look,): (bool,) = scopes
        .bind_names(sqlx::query_as(&sql))
        .fetch_one(pool)
        .await?;
    if !worth_a_look {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut tx = begin(pool).await?;
    if IS_POSTGRES {
        sqlx::query(&format!(
            "SELECT a.id FROM agents a WHERE a.availability = 'online' AND {ROUTABLE} \
             ORDER BY a.id FOR UPDATE"
        ))
        .fetch_all(&mut *tx)
        .await?;
    }
    // Only routable people are candidates, so sticky routing never hands a contact back to
    // a previous assignee who has since become a marketer.
    let mut agents: Vec<Candidate> = sqlx::query_as(&format!(
        "SELECT a.id, CAST(a.capacity AS BIGINT) AS capacity, a.last_assigned_at, \
         (SELECT COUNT(*) FROM conversations c \
          WHERE c.assignee_id = a.id AND c.status IN ('open', 'pending')) AS load \
         FROM agents a WHERE a.availability = 'online' AND {ROUTABLE} ORDER BY a.id"
    ))
    .fetch_all(&mut *tx)
    .await?;
    agents.retain(|agent| agent.load < agent.capacity);
    let free: i64 = agents.iter().map(|agent| agent.capacity - agent.load).sum();
    if free == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    // With each routable waiting conversation: the agent who last had one of this contact's
    // conversations (for the sticky policy), its policy and its sticky fallback.
    let mut scopes = ScopeSql::new(rules, 1);
    let policy = scopes.policy();
    let sql = format!(
        "SELECT c.id, c.team_id, \
             (SELECT p.assignee_id FROM conversations p WHERE p.contact_id = c.contact_id \
              AND p.id <> c.id AND p.assignee_id IS NOT NULL ORDER BY p.id DESC LIMIT 1) AS previous, \
             {policy} AS policy, {} AS sticky_fallback \
         FROM conversations c WHERE {WAITING} AND {policy} <> 'manual' \
         ORDER BY {QUEUE_ORDER} LIMIT $1",
        scopes.sticky_fallback()
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
    let waiting: Vec<Waiting> = scopes
        .bind_names(sqlx::query_as(&sql).bind(limit))
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
    for row in waiting {
        let (conversation_id, team_id) = (row.id, row.team_id);
        if agents.iter().all(|agent| agent.load >= agent.capacity) {
            break;
        }
        let policy: RoutingPolicy = row.policy.parse()?;
        let fallback: RoutingPolicy = row.sticky_fallback.parse()?;
        let Some(agent) = pick(&mut agents, policy, fallback, row.previous, team_id) else {
            // Nobody of its team is free, or sticky fell back to manual: it keeps its place.
            continue;
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
/// `previous` is the agent who last served this contact, `fallback` what sticky does without
/// them; a conversation routed to `team` only goes to that team's members.
/// Never-assigned agents (`None`) count as least recently assigned; ids break the last ties.
fn pick(
    agents: &mut [Candidate],
    policy: RoutingPolicy,
    fallback: RoutingPolicy,
    previous: Option<i64>,
    team: Option<i64>,
) -> Option<&mut Candidate> {
    // Sticky: the contact's previous agent when they can take it, else the fallback.
    let policy = match policy {
        RoutingPolicy::Sticky => {
            let known = agents
                .iter()
                .position(|agent| Some(agent.id) == previous && agent.can_take(team));
            if let Some(index) = known {
                return agents.get_mut(index);
            }
            fallback
        }
        other => other,
    };
    let open = agents.iter_mut().filter(|agent| agent.can_take(team));
    match policy {
        // Configuration refuses sticky as a fallback; should it come through anyway, it
        // means least loaded, the documented default.
        RoutingPolicy::LeastLoaded | RoutingPolicy::Sticky => {
            open.min_by_key(|agent| (agent.load, agent.last_assigned_at, agent.id))
        }
        RoutingPolicy::RoundRobin => open.min_by_key(|agent| (agent.last_assigned_at, agent.id)),
        RoutingPolicy::Manual => None,
    }
}

/// Hands an agent's open and pending conversations back to the queue (they went offline),
/// those whose scope says `reassign_when_offline` under `rules`.
pub async fn release(
    pool: &Pool,
    rules: &RoutingRules,
    agent: AgentId,
    actor: Option<AgentId>,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    if !rules.may_reassign() {
        return Ok(Vec::new());
    }
    let mut scopes = ScopeSql::new(rules, 1);
    // RETURNING names bare columns: SQLite lets it see only the updated table, not its alias.
    let sql = format!(
        "UPDATE conversations AS c SET assignee_id = NULL \
         WHERE c.assignee_id = $1 AND c.status IN ('open', 'pending') AND {} = 1 \
         RETURNING id, team_id",
        scopes.reassign_when_offline()
    );
    let mut tx = begin(pool).await?;
    let released: Vec<(i64, Option<i64>)> = scopes
        .bind_names(sqlx::query_as(&sql).bind(agent.get()))
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
