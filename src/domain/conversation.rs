//! Conversations and their lifecycle.

use chrono::{DateTime, Utc};

use super::ids::{AgentId, ContactId, ConversationId, TeamId};
use super::string_enum;

string_enum! {
    /// Where a conversation stands. A new customer message reopens a snoozed or resolved one.
    ConversationStatus, "conversation status" {
        Open => "open", Pending => "pending", Snoozed => "snoozed", Resolved => "resolved",
    }
}

string_enum! {
    /// How urgent a conversation is.
    Priority, "priority" { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
}

impl ConversationStatus {
    /// True when a new inbound message must bring the conversation back to the open queue.
    pub fn reopens_on_inbound(self) -> bool {
        matches!(
            self,
            ConversationStatus::Snoozed | ConversationStatus::Resolved
        )
    }
}

/// One thread of exchange with a contact on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub channel: String,
    pub contact_id: ContactId,
    /// The channel's grouping key (chat id, thread id, email thread); unique per open conversation.
    pub thread_key: String,
    pub status: ConversationStatus,
    pub priority: Priority,
    pub assignee_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
    pub labels: Vec<String>,
    pub subject: Option<String>,
    /// The text of the latest message, for list views.
    pub last_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    /// Since when the customer waits for an answer; `None` when the last word was ours.
    pub waiting_since: Option<DateTime<Utc>>,
    pub first_reply_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// SLA state when a policy applies (`domain::SlaState` as JSON).
    pub sla: Option<serde_json::Value>,
    /// Why no reply can reach the conversation's channel now (the bot was removed from the
    /// group it is); `None` while replies can go out.
    pub unanswerable_reason: Option<String>,
}
