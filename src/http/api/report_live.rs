//! `GET /api/v1/reports/live`: the live board of the reports page — agents online, busy or
//! offline with their load, the queue and its longest wait, the conversations breaching their
//! SLA now. One request answers it with three small queries, so the page can refetch it on
//! every relevant event (the list routes would need a page of every open conversation).

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{AgentId, Availability, ConversationId, Role};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::Json;
use crate::store::LiveBoard;

/// One person who holds conversations.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveAgentView {
    pub id: AgentId,
    pub name: String,
    pub availability: Availability,
    pub capacity: i64,
    /// Open or pending conversations held now (what the router counts against `capacity`).
    pub load: i64,
}

/// The queue now.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveQueueView {
    /// Conversations waiting for an agent (those `GET /api/v1/queue` lists).
    pub waiting: i64,
    /// Since when the longest-waiting of them waits.
    pub oldest_waiting_since: Option<DateTime<Utc>>,
    /// How long that is at `at`, in seconds.
    pub longest_wait_seconds: Option<i64>,
}

/// A conversation breaching its SLA.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveBreachView {
    pub conversation_id: ConversationId,
    pub assignee_id: Option<AgentId>,
    /// When its earliest missed target was due.
    pub since: DateTime<Utc>,
}

/// The live board.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveBoardView {
    /// When it was read.
    pub at: DateTime<Utc>,
    /// Agents (and admins who take conversations), by name; an agent gets only themselves.
    pub agents: Vec<LiveAgentView>,
    pub queue: LiveQueueView,
    /// How many unresolved conversations breach their SLA now.
    pub sla_breaching: i64,
    /// The longest-breaching of them (at most 20), longest first.
    pub sla_breaches: Vec<LiveBreachView>,
}

impl From<LiveBoard> for LiveBoardView {
    fn from(board: LiveBoard) -> Self {
        let oldest = board.queue.oldest_waiting_since;
        Self {
            at: board.at.to_datetime(),
            agents: board
                .agents
                .into_iter()
                .map(|agent| LiveAgentView {
                    id: agent.id,
                    name: agent.name,
                    availability: agent.availability,
                    capacity: agent.capacity,
                    load: agent.load,
                })
                .collect(),
            queue: LiveQueueView {
                waiting: board.queue.waiting,
                oldest_waiting_since: oldest.map(|since| since.to_datetime()),
                longest_wait_seconds: oldest.map(|since| (board.at.0 - since.0).max(0) / 1_000),
            },
            sla_breaching: board.breaching,
            sla_breaches: board
                .breaches
                .into_iter()
                .map(|breach| LiveBreachView {
                    conversation_id: breach.conversation,
                    assignee_id: breach.assignee,
                    since: breach.since.to_datetime(),
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/reports/live`: agents with their availability and load, the queue and its
/// longest wait, and the conversations breaching their SLA now. Admins see every agent; an
/// agent sees their own row, and the queue and breaches among the conversations they may
/// see. The page refetches it on events (`availability`, conversation events, `sla.breached`).
#[utoipa::path(get, path = "/api/v1/reports/live", tag = "reports",
    responses((status = 200, body = LiveBoardView),
        (status = 403, body = crate::http::error::ErrorBody)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_live_board(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
) -> ApiResult<Json<LiveBoardView>> {
    let only_agent = match caller.role {
        Role::Admin => None,
        _ => Some(caller.agent.ok_or_else(|| {
            ApiError::Forbidden("reports: this token acts for no agent, so it has no board".into())
        })?),
    };
    let board = state
        .store
        .live_board(only_agent, &state.visibility(&caller))
        .await
        .for_api("report")?;
    Ok(Json(board.into()))
}
