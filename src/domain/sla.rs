//! The SLA state of one conversation: which targets run, when each is due, and whether it was
//! met or breached. It lives on the conversation as JSON so that the API can show it without
//! recomputing anything. How the engine moves the state (start a policy, a customer wrote, a
//! timer fired) is the automation's business (`automation::sla`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::string_enum;

string_enum! {
    /// The three kinds of target.
    #[derive(PartialOrd, Ord)]
    Target, "SLA target" {
        FirstResponse => "first_response",
        NextResponse => "next_response",
        Resolution => "resolution",
    }
}

impl Target {
    /// The timer kind of this target.
    pub fn timer_kind(self) -> String {
        format!("sla:{}", self.as_str())
    }
}

/// One target's clock (epoch milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TargetState {
    pub due_at: i64,
    pub warn_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breached_at: Option<i64>,
}

impl TargetState {
    /// Neither met nor breached yet.
    pub fn is_pending(&self) -> bool {
        self.met_at.is_none() && self.breached_at.is_none()
    }
}

/// Where a conversation stands against its SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    OnTrack,
    AtRisk,
    Breached,
    Met,
}

/// The SLA state stored on a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SlaState {
    pub policy: String,
    pub targets: BTreeMap<Target, TargetState>,
}

/// What changed in an SLA state: timers to set and to cancel.
#[derive(Debug, Default, PartialEq)]
pub struct SlaChange {
    pub arm: Vec<(Target, super::Millis)>,
    pub cancel: Vec<Target>,
}

impl SlaChange {
    pub fn is_empty(&self) -> bool {
        self.arm.is_empty() && self.cancel.is_empty()
    }
}

impl SlaState {
    /// The state stored on a conversation; `None` when it does not parse (an SLA that cannot
    /// be read is treated as none, never as a failure of the conversation).
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok()
    }

    /// The state as stored on the conversation.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The overall status at `now`.
    pub fn status(&self, now: super::Millis) -> SlaStatus {
        let pending: Vec<&TargetState> = self.targets.values().filter(|c| c.is_pending()).collect();
        if self.targets.values().any(|c| c.breached_at.is_some())
            || pending.iter().any(|c| c.due_at <= now.0)
        {
            SlaStatus::Breached
        } else if pending.iter().any(|c| c.warn_at <= now.0) {
            SlaStatus::AtRisk
        } else if pending.is_empty() {
            SlaStatus::Met
        } else {
            SlaStatus::OnTrack
        }
    }

    /// The earliest pending due time.
    pub fn next_due(&self) -> Option<i64> {
        self.targets
            .values()
            .filter(|c| c.is_pending())
            .map(|c| c.due_at)
            .min()
    }
}

/// A breach the automation decided on: the conversation's new SLA state, with the breached
/// target recorded in it, for the store to persist.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaBreach {
    pub state: SlaState,
    pub target: Target,
}
