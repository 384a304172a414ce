//! Erasure of a contact (right to be forgotten): the job's steps and what of a stored event
//! survives it. The store runs the steps; this module only says what they are.

use chrono::{DateTime, Utc};

use super::ids::{AgentId, ContactId, ErasureId};
use super::string_enum;

string_enum! {
    /// Where an erasure job is: each step is its own transaction (or, for files, repeatable),
    /// so a crash resumes at the step it stopped in.
    ErasureStep, "erasure step" {
        // The contact's identities go first and its conversations' thread keys change, so
        // that a message arriving meanwhile starts a new contact instead of joining the old.
        Detach => "detach",
        Files => "files",
        Messages => "messages",
        Events => "events",
        Contact => "contact",
        Done => "done",
    }
}

string_enum! {
    /// Whether an erasure job still has work.
    ErasureState, "erasure state" {
        Running => "running",
        Done => "done",
        Failed => "failed",
    }
}

/// A durable erasure job (one per contact).
#[derive(Debug, Clone, PartialEq)]
pub struct ErasureJob {
    pub id: ErasureId,
    pub contact_id: ContactId,
    pub reason: String,
    pub requested_by: Option<AgentId>,
    pub state: ErasureState,
    pub step: ErasureStep,
    /// The last row id the current step finished.
    pub cursor: i64,
    pub files_deleted: i64,
    /// Attachment files left on disk because another contact's message refers to them.
    pub files_kept: i64,
    pub messages: i64,
    pub events: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The text that stands for an erased message.
pub const ERASED_TEXT: &str = "";

/// The tombstone name of an erased contact.
pub fn tombstone_name(contact: ContactId) -> String {
    format!("Erased contact #{contact}")
}

/// Keys of event `data` whose string values are names of ours (states, kinds, channel names),
/// never words of a person; every other string goes.
const KEPT_STRING_KEYS: &[&str] = &[
    "direction",
    "kind",
    "channel",
    "status",
    "from",
    "to",
    "priority",
    "source",
    "delivery_status",
    "state",
    "policy",
    "target",
    "sla",
    "routing_policy",
];

/// Event `data` with the personal part removed: numbers, booleans, ids and times stay (reports
/// count them), strings stay only under keys that hold our own vocabulary. Applied to every
/// event about an erased contact, so a webhook delivery replayed later sends the scrubbed
/// payload. (No marker is added: the data keeps to its kind's documented shape, whose
/// free-text fields are optional; `contact.erased` tells integrators.)
pub fn scrub_event_data(data: &serde_json::Value) -> serde_json::Value {
    match scrub_value(None, data) {
        Some(value @ serde_json::Value::Object(_)) => value,
        _ => serde_json::Value::Object(serde_json::Map::new()),
    }
}

fn scrub_value(key: Option<&str>, value: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => Some(value.clone()),
        Value::String(_) => key
            .is_some_and(|key| {
                KEPT_STRING_KEYS.contains(&key) || key.ends_with("_at") || key.ends_with("_id")
            })
            .then(|| value.clone()),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .filter_map(|item| scrub_value(key, item))
                .collect(),
        )),
        Value::Object(map) => Some(Value::Object(
            map.iter()
                .filter_map(|(k, v)| scrub_value(Some(k), v).map(|v| (k.clone(), v)))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_keeps_ids_times_and_our_words_and_drops_a_persons() {
        let data = serde_json::json!({
            "direction": "in", "channel": "mail", "text": "my card is 4111",
            "error": "mailbox jan@example.com full", "conversation_id": 7, "edited": true,
            "changes": {"subject": "Jan's order", "status": "open", "updated_at": "2026-01-01T00:00:00Z"},
            "names": ["Jan"]
        });
        assert_eq!(
            scrub_event_data(&data),
            serde_json::json!({
                "direction": "in", "channel": "mail", "conversation_id": 7, "edited": true,
                "changes": {"status": "open", "updated_at": "2026-01-01T00:00:00Z"},
                "names": []
            })
        );
    }

    #[test]
    fn a_tombstone_names_only_the_number() {
        assert_eq!(tombstone_name(ContactId::new(123)), "Erased contact #123");
    }
}
