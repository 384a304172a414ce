//! Store methods of redaction (the finding of what to redact is `crate::redaction`'s).

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::{AgentId, ConversationId, Event, MessageId};

/// A message's new content after a redaction, computed from the text it had.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRedaction {
    /// The text the redaction was computed from: if the message changed since, nothing is
    /// written.
    pub expected_text: String,
    pub text: String,
    pub html: Option<String>,
    pub full_text: Option<String>,
    /// Whether the attachments are removed too.
    pub attachments: bool,
    /// The whole text was replaced.
    pub whole: bool,
    /// Occurrences of the given parts replaced.
    pub parts: u64,
}

/// What a redaction changed.
#[derive(Debug, Clone, PartialEq)]
pub struct RedactionOutcome {
    pub conversation: ConversationId,
    /// The attachment list taken off the message (its blob files may go).
    pub removed_attachments: serde_json::Value,
    /// `message.updated` and `message.redacted`, committed.
    pub events: Vec<Event>,
}

impl Store {
    /// Writes `redaction` on message `id` on behalf of `agent`, unless its text is no longer
    /// `redaction.expected_text` (`Ok(None)`: read it again and recompute).
    ///
    /// # Errors
    /// `NotFound` for an unknown message.
    pub async fn redact_message(
        &self,
        id: MessageId,
        redaction: &MessageRedaction,
        agent: Option<AgentId>,
    ) -> StoreResult<Option<RedactionOutcome>> {
        on_backend!(self, redaction::redact(id, redaction, agent, self.now()))
    }
}
