//! Store method of the reports page's live board: agents and their load, the queue, and the
//! conversations breaching their SLA now. Read from the live tables (the rollups are for the
//! past); its SQL is `sql/report_live.rs`.

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::access::Visibility;
use crate::domain::{AgentId, Availability, ConversationId, Millis, SlaState, SlaStatus};

/// How many breaching conversations the board lists by name (the count covers them all).
pub const LIVE_BREACHES_LISTED: usize = 20;

/// One person who holds conversations, as the live board shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveAgent {
    pub id: AgentId,
    pub name: String,
    pub availability: Availability,
    pub capacity: i64,
    /// Open or pending conversations held now (what the router counts against `capacity`).
    pub load: i64,
}

/// The queue now.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveQueue {
    /// Conversations waiting for an agent.
    pub waiting: i64,
    /// Since when the longest-waiting of them waits.
    pub oldest_waiting_since: Option<Millis>,
}

/// An unresolved conversation's SLA state, as read for the board.
#[derive(Debug, Clone)]
pub struct LiveSlaRow {
    pub conversation: ConversationId,
    pub assignee: Option<AgentId>,
    pub sla: serde_json::Value,
}

/// A conversation past one of its SLA targets and not resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveBreach {
    pub conversation: ConversationId,
    pub assignee: Option<AgentId>,
    /// When its earliest missed target was due.
    pub since: Millis,
}

/// The live board at `at`.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveBoard {
    pub at: Millis,
    pub agents: Vec<LiveAgent>,
    pub queue: LiveQueue,
    /// How many unresolved conversations breach their SLA now.
    pub breaching: i64,
    /// The longest-breaching of them, at most [`LIVE_BREACHES_LISTED`], longest first.
    pub breaches: Vec<LiveBreach>,
}

impl Store {
    /// The live board as `visibility` sees the queue and SLA breaches; with `only_agent`, the
    /// agents' part holds that agent alone. SLA states are judged at the store's clock, the
    /// way the inbox badges judge them ([`SlaState::status`]).
    pub async fn live_board(
        &self,
        only_agent: Option<AgentId>,
        visibility: &Visibility,
    ) -> StoreResult<LiveBoard> {
        let now = self.now();
        let only = only_agent.map(AgentId::get);
        let agents = on_backend!(self, report_live::agents(only))?;
        let queue = on_backend!(self, report_live::queue(visibility))?;
        let slas = on_backend!(self, report_live::unresolved_slas(visibility))?;
        let mut breaches: Vec<LiveBreach> = slas
            .into_iter()
            .filter_map(|row| {
                // An SLA that cannot be read counts as none, as everywhere else.
                let state = SlaState::from_json(&row.sla)?;
                (state.status(now) == SlaStatus::Breached).then(|| LiveBreach {
                    conversation: row.conversation,
                    assignee: row.assignee,
                    since: Millis(breached_since(&state, now)),
                })
            })
            .collect();
        breaches.sort_by_key(|breach| (breach.since.0, breach.conversation.get()));
        let breaching = breaches.len() as i64;
        breaches.truncate(LIVE_BREACHES_LISTED);
        Ok(LiveBoard {
            at: now,
            agents,
            queue,
            breaching,
            breaches,
        })
    }
}

/// When the earliest missed target of a breached state was due: a recorded breach, or a
/// pending target already past due (its timer may not have fired yet).
fn breached_since(state: &SlaState, now: Millis) -> i64 {
    state
        .targets
        .values()
        .filter(|target| {
            target.breached_at.is_some() || (target.is_pending() && target.due_at <= now.0)
        })
        .map(|target| target.due_at)
        .min()
        .unwrap_or(now.0)
}
