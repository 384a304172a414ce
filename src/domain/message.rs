//! Messages, notes and activities inside a conversation.

use chrono::{DateTime, Utc};
use connector_sdk::Attachment;

use super::ids::{ConversationId, MessageId};
use super::string_enum;

string_enum! {
    /// Whether a message came from the customer or went to them.
    Direction, "direction" { In => "in", Out => "out" }
}

string_enum! {
    /// A message to or from the customer, a private note, or a recorded activity.
    MessageKind, "message kind" { Message => "message", Note => "note", Activity => "activity" }
}

string_enum! {
    /// Who wrote a message.
    AuthorType, "author type" { Contact => "contact", Agent => "agent", Bot => "bot", System => "system" }
}

string_enum! {
    /// Where an outbound message is on its way to the customer.
    DeliveryStatus, "delivery status" {
        Queued => "queued", Sent => "sent", Delivered => "delivered", Read => "read",
        Failed => "failed", Dead => "dead",
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub channel: String,
    pub direction: Direction,
    pub kind: MessageKind,
    pub author_type: AuthorType,
    /// The agent or contact id of the author, by `author_type`.
    pub author_id: Option<i64>,
    pub text: String,
    /// The message as received when `text` is an abridged form of it (an email without its
    /// quoted history and signature).
    pub full_text: Option<String>,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// The channel's id: inbound from the provider, outbound once delivered.
    pub external_id: Option<String>,
    pub delivery_status: Option<DeliveryStatus>,
    pub delivery_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When the author last changed the text (earlier texts are kept as revisions).
    pub edited_at: Option<DateTime<Utc>>,
    /// Sent by a machine (auto-reply, mailing list, bounce): never answered automatically.
    pub automated: bool,
}

/// An earlier text of an edited message.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub text: String,
    pub html: Option<String>,
    /// When this text was replaced by the next one.
    pub replaced_at: DateTime<Utc>,
}
