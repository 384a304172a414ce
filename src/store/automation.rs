//! Store calls of the automation engine (the `automation` module): API rules, the engine's
//! cursor, applying rule decisions, and exact timers.

use chrono::{DateTime, Utc};

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{
    ContactId, ConversationId, ConversationStatus, Event, EventId, Millis, Priority, RoutingPolicy,
    RuleId, SlaBreach,
};

/// A rule created through the API.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub id: RuleId,
    pub name: String,
    pub position: i64,
    /// The rule as written (`automation::RuleSpec` as JSON).
    pub definition: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One action, resolved by the engine (templates rendered, times computed).
#[derive(Debug, Clone)]
pub enum PlannedAction {
    AssignAgent(String),
    AssignTeam(String),
    SetPolicy(RoutingPolicy),
    AddLabel(String),
    RemoveLabel(String),
    SetPriority(Priority),
    SetStatus(ConversationStatus),
    SnoozeUntil(Millis),
    Reply {
        template: String,
        rendered: crate::domain::Rendered,
        guard: ReplyGuard,
    },
    Note(String),
    Webhook(String),
    StartSla {
        state: serde_json::Value,
        arm: Vec<(String, Millis)>,
    },
    /// The satisfaction survey message (rendered with its links), answerable until
    /// `expires_at`; skipped when the conversation had a survey already.
    SendCsat {
        rendered: crate::domain::Rendered,
        expires_at: Millis,
    },
    /// Queue agent assist's classification of the conversation (applied when it answers).
    AssistClassify,
    /// The engine could not prepare the action (a template failed to render, a policy is
    /// gone): the rule fails whole, with this reason.
    Fail(String),
}

/// The loop guards of an automatic reply.
#[derive(Debug, Clone)]
pub struct ReplyGuard {
    pub contact: ContactId,
    /// The message that triggered the rule was automated or written by a bot.
    pub trigger_automated: bool,
    /// No automatic reply when a person answered within this window.
    pub human_window_ms: i64,
    /// At most one reply with this template per contact and channel within this span.
    pub cooldown_ms: i64,
    /// Circuit breaker: automatic messages per conversation per hour.
    pub max_per_hour: i64,
}

/// A rule that applies to a conversation, with its actions in order (and the words of each
/// activity line).
#[derive(Debug, Clone)]
pub struct RulePlan {
    pub rule: String,
    pub actions: Vec<(PlannedAction, String)>,
}

/// New SLA state of a conversation with its timer changes.
#[derive(Debug, Clone)]
pub struct SlaWrite {
    pub state: serde_json::Value,
    pub arm: Vec<(String, Millis)>,
    pub cancel: Vec<String>,
}

/// Everything the engine decided for one conversation in one batch.
#[derive(Debug, Clone)]
pub struct ConversationWork {
    pub conversation: ConversationId,
    pub rules: Vec<RulePlan>,
    pub sla: Option<SlaWrite>,
    /// Idle timers to arm if not armed: (kind, due, idle span in ms).
    pub arm_idle: Vec<(String, Millis, i64)>,
    /// The conversation's `conversation.created` rules have run: the router may take it.
    pub clear_triage: bool,
}

impl ConversationWork {
    pub fn new(conversation: ConversationId) -> Self {
        Self {
            conversation,
            rules: Vec::new(),
            sla: None,
            arm_idle: Vec::new(),
            clear_triage: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
            && self.sla.is_none()
            && self.arm_idle.is_empty()
            && !self.clear_triage
    }
}

/// What happened to a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleOutcome {
    /// Applied; `skipped` lists automatic replies its guards held back.
    Applied {
        conversation: ConversationId,
        rule: String,
        skipped: Vec<String>,
    },
    /// Rolled back whole, with the reason (also written into the conversation).
    Failed {
        conversation: ConversationId,
        rule: String,
        reason: String,
    },
}

/// Decides what a fired SLA timer means: given the conversation's stored SLA state, the
/// timer's target and the time, the breach to record, or `None`. The automation passes its
/// rule (`automation::sla::judge_fired_timer`): the store loads and persists, it does not
/// decide.
pub type SlaJudge = dyn Fn(Option<&serde_json::Value>, &str, Millis) -> Option<SlaBreach> + Sync;

/// A timer that fired.
#[derive(Debug, Clone, PartialEq)]
pub enum TimerFired {
    Idle {
        conversation: ConversationId,
        rule: String,
    },
    SlaBreached {
        conversation: ConversationId,
        target: String,
    },
}

impl Store {
    /// While `hold` is set, new conversations are stored `triage_pending`: the router leaves
    /// them alone until the rule engine has run their `conversation.created` rules.
    pub fn hold_new_conversations_for_triage(&self, hold: bool) {
        self.triage
            .store(hold, std::sync::atomic::Ordering::Relaxed);
    }

    /// Releases every conversation held for triage (when the rule engine is turned off).
    pub async fn release_triage(&self) -> StoreResult<()> {
        on_backend!(self, automation::release_triage())
    }

    /// Rules created through the API, in evaluation order.
    pub async fn list_rules(&self) -> StoreResult<Vec<StoredRule>> {
        on_backend!(self, automation::list_rules())
    }

    /// One API rule.
    pub async fn get_rule(&self, id: RuleId) -> StoreResult<StoredRule> {
        on_backend!(self, automation::get_rule(id))
    }

    /// Adds a rule (at the end unless `position` is given); a taken name is a conflict.
    pub async fn create_rule(
        &self,
        name: &str,
        definition: &serde_json::Value,
        position: Option<i64>,
    ) -> StoreResult<StoredRule> {
        on_backend!(
            self,
            automation::create_rule(name, definition, position, self.now())
        )
    }

    /// Replaces a rule.
    pub async fn update_rule(
        &self,
        id: RuleId,
        name: &str,
        definition: &serde_json::Value,
        position: Option<i64>,
    ) -> StoreResult<StoredRule> {
        on_backend!(
            self,
            automation::update_rule(id, name, definition, position, self.now())
        )
    }

    /// Deletes a rule.
    pub async fn delete_rule(&self, id: RuleId) -> StoreResult<()> {
        on_backend!(self, automation::delete_rule(id))
    }

    /// Places a new worker's cursor at the end of the log (no-op when it exists).
    pub async fn init_worker_cursor(&self, name: &str) -> StoreResult<()> {
        on_backend!(self, automation::init_cursor(name))
    }

    /// Where the log-tailing worker `name` resumes.
    pub async fn worker_cursor(&self, name: &str) -> StoreResult<EventId> {
        on_backend!(self, automation::cursor(name))
    }

    /// The newest event's id, if any.
    pub async fn latest_event_id(&self) -> StoreResult<Option<EventId>> {
        on_backend!(self, automation::latest_event_id())
    }

    /// Moves a worker's cursor forward without doing anything else.
    pub async fn advance_worker_cursor(&self, name: &str, at: EventId) -> StoreResult<()> {
        on_backend!(self, automation::advance_cursor(name, at))
    }

    /// Applies the engine's decisions for a batch and moves its cursor, in one transaction;
    /// each rule is all-or-nothing. With `fence` (the engine's lease on several nodes)
    /// nothing commits once another node has taken the engine over (`LeaseLost`).
    pub async fn apply_automation(
        &self,
        works: &[ConversationWork],
        cursor: Option<(&str, EventId)>,
        fence: Option<&super::cluster::Fence>,
        now: Millis,
    ) -> StoreResult<(Vec<RuleOutcome>, Vec<Event>)> {
        on_backend!(self, automation::apply(works, cursor, fence, now))
    }

    /// The earliest pending timer.
    pub async fn next_timer_due(&self) -> StoreResult<Option<Millis>> {
        on_backend!(self, automation::next_timer_due())
    }

    /// Fires the timers due at `now` (see `sql/automation.rs`); `judge` decides which SLA
    /// timers are breaches, in the same transaction that records them.
    pub async fn fire_timers(
        &self,
        now: Millis,
        limit: i64,
        judge: &SlaJudge,
    ) -> StoreResult<(Vec<TimerFired>, Vec<Event>)> {
        on_backend!(self, automation::fire_timers(now, limit, judge))
    }
}
