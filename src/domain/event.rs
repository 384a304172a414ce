//! The append-only event log: what happened, in order.

use chrono::{DateTime, Utc};

use super::ids::{AgentId, ContactId, ConversationId, EventId, MessageId};
use super::string_enum;

string_enum! {
    /// Event names; also the names of outbound webhook events.
    EventKind, "event kind" {
        MessageCreated => "message.created",
        MessageUpdated => "message.updated",
        MessageRedacted => "message.redacted",
        MessageTranslated => "message.translated",
        ConversationCreated => "conversation.created",
        ConversationAssigned => "conversation.assigned",
        ConversationStatusChanged => "conversation.status_changed",
        ConversationUpdated => "conversation.updated",
        ContactCreated => "contact.created",
        ContactUpdated => "contact.updated",
        ConversationIdle => "conversation.idle",
        SlaBreached => "sla.breached",
        AutomationWebhook => "automation.webhook",
        RuleFailed => "rule.failed",
        CampaignStarted => "campaign.started",
        CampaignProgress => "campaign.progress",
        CampaignFinished => "campaign.finished",
        ContactUnsubscribed => "contact.unsubscribed",
        ContactErased => "contact.erased",
        ContactMerged => "contact.merged",
        ContactMergeUndone => "contact.merge_undone",
    }
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub kind: EventKind,
    pub conversation_id: Option<ConversationId>,
    pub contact_id: Option<ContactId>,
    pub message_id: Option<MessageId>,
    pub agent_id: Option<AgentId>,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Bare events with the given ids, for tests of code that walks the log by id.
#[cfg(test)]
pub fn events_with_ids(ids: &[i64]) -> Vec<Event> {
    ids.iter()
        .map(|&id| Event {
            id: EventId::new(id),
            kind: EventKind::MessageCreated,
            conversation_id: None,
            contact_id: None,
            message_id: None,
            agent_id: None,
            data: serde_json::Value::Null,
            created_at: chrono::Utc::now(),
        })
        .collect()
}
