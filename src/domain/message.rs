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
    /// The message of the same conversation that this one answers.
    pub reply_to: Option<MessageId>,
    /// Emoji reactions, one entry per reacting sender (taken-back ones included, without emoji).
    pub reactions: Vec<Reaction>,
    /// Whether and how parts of the text were replaced by `[redacted]`.
    pub redacted: Option<Redacted>,
}

impl Message {
    /// Whether the customer wrote this (not a reply, note or activity line).
    pub fn is_from_customer(&self) -> bool {
        self.direction == Direction::In
            && self.kind == MessageKind::Message
            && self.author_type == AuthorType::Contact
    }
}

string_enum! {
    /// How a message came to be redacted: `auto` by the `[redaction]` rules before it was
    /// stored, `agent` by an agent or admin afterwards.
    Redacted, "redaction" {
        Auto => "auto",
        Agent => "agent",
    }
}

/// One sender's emoji reaction to a message, as stored on the message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reaction {
    /// The reacting sender's identity scope and id (as in `connector_sdk::Sender`).
    pub scope: String,
    pub sender: String,
    /// `None` once the sender took the reaction back.
    pub emoji: Option<String>,
    /// The reaction's own channel id, when the channel gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When it was made (epoch milliseconds).
    pub at: i64,
}

impl Reaction {
    /// Applies `new` to `reactions` (one entry per sender): the later one wins, an equal
    /// redelivery changes nothing. Returns true when `reactions` changed.
    pub fn apply(reactions: &mut Vec<Reaction>, new: Reaction) -> bool {
        let Some(old) = reactions
            .iter_mut()
            .find(|r| r.scope == new.scope && r.sender == new.sender)
        else {
            if new.emoji.is_none() {
                return false; // taking back a reaction we never saw
            }
            reactions.push(new);
            return true;
        };
        // A redelivery (same id), or one older than what we hold (out of order), is ignored.
        let same_id = new.id.is_some() && old.id == new.id;
        if same_id || new.at < old.at || (old.emoji == new.emoji && old.at == new.at) {
            return false;
        }
        *old = new;
        true
    }
}

/// An earlier text of an edited message.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub text: String,
    pub html: Option<String>,
    /// When this text was replaced by the next one.
    pub replaced_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::Reaction;

    fn reaction(emoji: Option<&str>, id: Option<&str>, at: i64) -> Reaction {
        Reaction {
            scope: "whatsapp".into(),
            sender: "420777123456".into(),
            emoji: emoji.map(str::to_owned),
            id: id.map(str::to_owned),
            at,
        }
    }

    #[test]
    fn one_reaction_per_sender_latest_wins_and_redeliveries_change_nothing() {
        let mut all = Vec::new();
        assert!(!Reaction::apply(&mut all, reaction(None, Some("r0"), 5)));
        assert!(Reaction::apply(
            &mut all,
            reaction(Some("👍"), Some("r1"), 10)
        ));
        assert!(!Reaction::apply(
            &mut all,
            reaction(Some("👍"), Some("r1"), 10)
        ));
        assert!(Reaction::apply(
            &mut all,
            reaction(Some("❤️"), Some("r2"), 20)
        ));
        assert!(
            !Reaction::apply(&mut all, reaction(Some("👍"), Some("r1"), 10)),
            "a late redelivery of an older reaction"
        );
        assert!(Reaction::apply(&mut all, reaction(None, Some("r3"), 30)));
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].emoji, None);
        assert!(!Reaction::apply(
            &mut all,
            reaction(Some("❤️"), Some("r2"), 20)
        ));
        let mut other = reaction(Some("😂"), None, 15);
        other.sender = "420600000000".into();
        assert!(Reaction::apply(&mut all, other));
        assert_eq!(all.len(), 2);
    }
}
