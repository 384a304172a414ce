//! A message's text in another language, as agent assist keeps it beside the message.

use chrono::{DateTime, Utc};

use super::MessageId;
use super::string_enum;

string_enum! {
    /// Which side of a translation the row holds: `model` — the model's translation of the
    /// message (a customer's message in the agents' language); `author` — what the agent
    /// wrote, of which the message sent is the model's translation.
    TranslationOrigin, "translation origin" {
        Model => "model",
        Author => "author",
    }
}

/// One translation of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageTranslation {
    pub message_id: MessageId,
    /// ISO 639-1 code of `text`'s language.
    pub language: String,
    pub text: String,
    pub origin: TranslationOrigin,
    /// The model that translated.
    pub model: String,
    pub created_at: DateTime<Utc>,
}
