//! The contract between the Switchboard core and a channel connector.
//!
//! A connector turns a channel's native protocol into the plain wire types of this crate
//! ([`InboundMessage`], [`OutboundMessage`], [`Delivery`]) and back. Channel libraries
//! (teloxide, serenity, lettre, …) stay behind this line; nothing here knows about axum or sqlx.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub mod blobs;
pub mod csat;
#[cfg(test)]
mod fuzz_props;
#[cfg(any(test, feature = "testing"))]
pub mod fuzzing;
#[cfg(feature = "net")]
pub mod net;
pub mod private_files;
pub mod secrets;
pub mod settings;
pub mod signing;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

/// A boxed error from a connector's underlying library.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The text of a caught panic's payload (`panic!` with a literal or a format string), to
/// record as the failure reason of the job that panicked.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// The kinds of channel Switchboard speaks, as written in `[[channels]] kind = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Email,
    Telegram,
    Discord,
    Whatsapp,
    Messenger,
    Instagram,
    Webhook,
    /// The website chat widget (`kind = "web_chat"`).
    #[serde(rename = "web_chat")]
    WebChat,
    /// SMS and MMS through Twilio Programmable Messaging.
    Twilio,
    /// SMS through the Vonage SMS API.
    Vonage,
}

impl ChannelKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [ChannelKind; 10] = [
        ChannelKind::Email,
        ChannelKind::Telegram,
        ChannelKind::Discord,
        ChannelKind::Whatsapp,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
        ChannelKind::Webhook,
        ChannelKind::WebChat,
        ChannelKind::Twilio,
        ChannelKind::Vonage,
    ];

    /// The lowercase name used in config files, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Email => "email",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Discord => "discord",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Messenger => "messenger",
            ChannelKind::Instagram => "instagram",
            ChannelKind::Webhook => "webhook",
            ChannelKind::WebChat => "web_chat",
            ChannelKind::Twilio => "twilio",
            ChannelKind::Vonage => "vonage",
        }
    }

    /// Parses the lowercase name; `None` for an unknown kind.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who sent an inbound message, as the channel knows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sender {
    /// The namespace in which `external_id` is unique, e.g. `telegram` or `webhook:shop`.
    pub scope: String,
    /// The channel's id for this person (Telegram user id, email address, …).
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// True when the channel says the author is a bot: stored, but never auto-answered.
    pub is_bot: bool,
}

impl Sender {
    /// A sender known only by its id within `scope`.
    pub fn new(scope: impl Into<String>, external_id: impl Into<String>) -> Self {
        Self {
            scope: scope.into(),
            external_id: external_id.into(),
            name: None,
            email: None,
            phone: None,
            is_bot: false,
        }
    }

    /// Sets the display name, cleaned to one line ([`text::clean_line`]); a name with
    /// nothing left after cleaning is no name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = text::clean_optional_line(Some(&name.into()));
        self
    }

    /// Sets the email address the channel reported.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the phone number the channel reported.
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
}

/// Metadata of a file attached to a message; the bytes stay with the channel or the blob store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attachment {
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub size: Option<u64>,
    /// Where the bytes can be fetched by anyone holding the URL.
    pub url: Option<String>,
    /// The channel's own reference to the file (Telegram `file_id`, …), for on-demand download
    /// through [`Connector::fetch_attachment`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// The part's `Content-ID` (without `<>`) when the message's HTML shows it inline
    /// (`<img src="cid:…">`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// The file was deleted by a retention policy; the metadata stays.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

impl Attachment {
    /// An attachment known by its location only.
    pub fn at(url: impl Into<String>) -> Self {
        Self {
            name: None,
            mime_type: None,
            size: None,
            url: Some(url.into()),
            file_id: None,
            content_id: None,
            expired: false,
        }
    }

    /// An attachment the channel keeps, known by its file reference.
    pub fn channel_file(file_id: impl Into<String>) -> Self {
        Self {
            name: None,
            mime_type: None,
            size: None,
            url: None,
            file_id: Some(file_id.into()),
            content_id: None,
            expired: false,
        }
    }
}

/// The bytes of a downloaded attachment.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AttachmentData {
    pub bytes: Vec<u8>,
    pub mime_type: Option<String>,
    pub name: Option<String>,
}

impl AttachmentData {
    /// Downloaded bytes with what is known about them.
    pub fn new(bytes: Vec<u8>, mime_type: Option<String>, name: Option<String>) -> Self {
        Self {
            bytes,
            mime_type,
            name,
        }
    }
}

/// One message received from a channel, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundMessage {
    /// The configured channel name this message arrived on.
    pub channel: String,
    /// The channel's id for the message; `(channel, external_id)` is unique forever.
    pub external_id: String,
    pub sender: Sender,
    /// Groups messages into one conversation (a chat id, a thread id, an email thread);
    /// `None` means one conversation per sender.
    pub thread: Option<String>,
    pub text: String,
    /// Sanitised HTML body, when the channel carries one.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// When the channel says the message was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Facts about the sender to merge into the contact's attributes (a deep-link payload, a
    /// language code, …).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub contact_attributes: serde_json::Map<String, serde_json::Value>,
    /// True when the message was sent by a machine (an auto-reply, a mailing list, a bounce):
    /// stored like any other, but nothing automatic ever answers it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automated: bool,
    /// Threading hints of a channel whose messages name no thread of their own (email):
    /// resolved by the core against what it stored, scoped to the sender's contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threading: Option<Threading>,
    /// The unabridged text when `text` was shortened for display (quoted history and
    /// signature of an email removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_text: Option<String>,
    /// The channel's id of the message this one answers (a WhatsApp `context.id`, a
    /// Messenger `reply_to.mid`, a Telegram `reply_to_message`): linked by the core to the
    /// stored message of the same conversation, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Set by the core, never by a channel: its redaction rules replaced parts of the text
    /// before the message was stored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// How a message without a thread id finds its conversation. The core tries, in order: the
/// verified conversation, the referenced message ids, the subject tag, an open conversation
/// with the same subject; each only within the sender's own contact. Otherwise a new
/// conversation opens (also for a new subject after the old conversation was resolved).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Threading {
    /// A conversation the channel proved this message answers (a signed reply address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<i64>,
    /// Channel ids of the messages this one answers, most relevant first (`In-Reply-To`,
    /// then `References` newest first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// A conversation number the sender kept in the subject (`[#42]`); unverified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_tag: Option<i64>,
    /// The subject without reply prefixes and tag: a new conversation's subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The message says it answers an earlier one ("Re:" subject, reply headers): only then
    /// may it join an open conversation of the same contact by subject alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_reply: bool,
}

impl Threading {
    /// Hints from a message's headers.
    pub fn new(
        conversation: Option<i64>,
        references: Vec<String>,
        subject_tag: Option<i64>,
        subject: Option<String>,
    ) -> Self {
        Self {
            conversation,
            references: text::clean_ids(references),
            subject_tag,
            subject: text::clean_optional_line(subject.as_deref()),
            is_reply: false,
        }
    }
}

impl InboundMessage {
    /// A plain text message.
    pub fn text(
        channel: impl Into<String>,
        external_id: impl Into<String>,
        sender: Sender,
        text: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            external_id: external_id.into(),
            sender,
            thread: None,
            text: text.into(),
            html: None,
            attachments: Vec::new(),
            sent_at: None,
            contact_attributes: serde_json::Map::new(),
            automated: false,
            threading: None,
            full_text: None,
            reply_to: None,
            redacted: false,
        }
    }

    /// Places the message in a thread (a group chat, a ticket of the remote system).
    pub fn in_thread(mut self, thread: impl Into<String>) -> Self {
        self.thread = Some(thread.into());
        self
    }

    /// Adds attachments.
    pub fn with_attachments(mut self, attachments: Vec<Attachment>) -> Self {
        self.attachments = attachments;
        self
    }

    /// Sets the time the channel reports the message was sent.
    pub fn sent_at(mut self, at: DateTime<Utc>) -> Self {
        self.sent_at = Some(at);
        self
    }

    /// Sets the channel id of the message this one answers.
    pub fn replying_to(mut self, external_id: Option<String>) -> Self {
        self.reply_to = external_id.filter(|id| !id.is_empty());
        self
    }
}

/// A change to a message the channel delivered before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageEdit {
    pub channel: String,
    /// The edited message's channel id, as in its [`InboundMessage::external_id`].
    pub external_id: String,
    pub text: String,
    pub html: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
}

impl MessageEdit {
    /// The new text of message `external_id`.
    pub fn new(
        channel: impl Into<String>,
        external_id: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            external_id: external_id.into(),
            text: text.into(),
            html: None,
            edited_at: None,
        }
    }
}

/// Something a channel reports.
// Messages are nearly every event: boxing them would cost an allocation each to save memory
// on the rare edits and status callbacks.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum InboundEvent {
    /// A new message.
    Message(InboundMessage),
    /// A message was edited: the stored text changes, the old text is kept as a revision.
    Edited(MessageEdit),
    /// A thread got a new key (a Telegram group became a supergroup): its conversation follows.
    ThreadMoved {
        channel: String,
        from: String,
        to: String,
    },
    /// The channel reports what became of one of our outbound messages.
    Delivery(DeliveryUpdate),
    /// An address can never receive mail again (a hard bounce): campaigns skip it.
    Suppressed(Suppression),
    /// A person put, changed or took back an emoji reaction on a message: not a message of its
    /// own, it is kept on the message it reacts to.
    Reaction(Reaction),
    /// The customer read our messages up to a point (a Messenger/Instagram `read` watermark).
    Read(ReadReceipt),
    /// The channel says whether an identity can be messaged (a Telegram user blocked or
    /// unblocked the bot): replies and campaigns to an unreachable identity are refused.
    Reachability(Reachability),
    /// The channel says whether we can still write into a shared thread (the bot was removed
    /// from a Telegram group, or added back): replies to its conversation are refused while
    /// it is closed.
    ThreadAccess(ThreadAccess),
    /// A customer answered a satisfaction survey with a native control (see [`csat`]).
    CsatAnswer(csat::CsatAnswer),
    /// One piece of a long message the channel delivers in parts (a concatenated SMS): kept
    /// durably until every part is there, then stored as one message.
    Part(MessagePart),
}

/// One part of a message that arrives in pieces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessagePart {
    /// The part as a message of its own: its `external_id` is the part's id (a redelivered
    /// part is a no-op) and its `text` the part's text.
    pub message: InboundMessage,
    /// The key shared by all parts of one message, unique per channel (sender and the
    /// message's reference).
    pub group: String,
    /// This part's position, from 1.
    pub index: u32,
    /// How many parts the message has.
    pub total: u32,
}

impl MessagePart {
    /// Part `index` of `total` of message `group`.
    pub fn new(message: InboundMessage, group: impl Into<String>, index: u32, total: u32) -> Self {
        Self {
            message,
            group: group.into(),
            index,
            total,
        }
    }
}

/// An emoji reaction to a message, or its removal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reaction {
    pub channel: String,
    /// The channel's id of the message reacted to (ours or the customer's).
    pub message: String,
    /// Who reacted; one reaction per sender and message, a new one replaces the old.
    pub from: Sender,
    /// `None` when the reaction was taken back.
    pub emoji: Option<String>,
    /// The reaction's own id, when the channel gives one (WhatsApp): a redelivery is a no-op.
    pub external_id: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl Reaction {
    /// `from` reacted to message `message` with `emoji` (`None`: removed the reaction).
    pub fn new(
        channel: impl Into<String>,
        message: impl Into<String>,
        from: Sender,
        emoji: Option<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            message: message.into(),
            from,
            emoji: emoji.filter(|e| !e.trim().is_empty()),
            external_id: None,
            at: None,
        }
    }
}

/// How far a customer has read our messages in their conversation on a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadReceipt {
    pub channel: String,
    /// The reader, as in [`Sender`] (`scope` and `external_id`).
    pub reader: Sender,
    /// Every one of our messages sent at or before this instant is read.
    pub up_to: Option<DateTime<Utc>>,
    /// Or: this message of ours (and every earlier one) is read (Instagram's `read.mid`).
    pub message: Option<String>,
}

impl ReadReceipt {
    /// `reader` read everything we sent up to `up_to`.
    pub fn up_to(channel: impl Into<String>, reader: Sender, up_to: DateTime<Utc>) -> Self {
        Self {
            channel: channel.into(),
            reader,
            up_to: Some(up_to),
            message: None,
        }
    }

    /// `reader` read our message `external_id` and everything before it.
    pub fn through(
        channel: impl Into<String>,
        reader: Sender,
        external_id: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            reader,
            up_to: None,
            message: Some(external_id.into()),
        }
    }
}

/// Whether an identity can be messaged on a channel, as the channel just reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reachability {
    pub channel: String,
    /// The identity scope of `address` (as in [`Sender::scope`]).
    pub scope: String,
    pub address: String,
    pub reachable: bool,
    /// Why it is unreachable (shown to agents); ignored when reachable.
    pub reason: String,
}

/// Whether a thread (a group chat, keyed as [`InboundMessage::thread`]) can be written to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadAccess {
    pub channel: String,
    pub thread: String,
    /// Why nothing can be written there (shown to agents); `None` when it can again.
    pub closed_because: Option<String>,
}

impl ThreadAccess {
    /// Nothing can be written into `thread` any more, for `reason`.
    pub fn closed(
        channel: impl Into<String>,
        thread: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            thread: thread.into(),
            closed_because: Some(reason.into()),
        }
    }

    /// `thread` can be written to again.
    pub fn open(channel: impl Into<String>, thread: impl Into<String>) -> Self {
        Self {
            channel: channel.into(),
            thread: thread.into(),
            closed_because: None,
        }
    }
}

impl Reachability {
    /// `address` (in `scope`) can no longer be messaged, for `reason`.
    pub fn unreachable(
        channel: impl Into<String>,
        scope: impl Into<String>,
        address: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            scope: scope.into(),
            address: address.into(),
            reachable: false,
            reason: reason.into(),
        }
    }

    /// `address` (in `scope`) can be messaged again.
    pub fn reachable(
        channel: impl Into<String>,
        scope: impl Into<String>,
        address: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            scope: scope.into(),
            address: address.into(),
            reachable: true,
            reason: String::new(),
        }
    }
}

/// An address the channel reports as permanently undeliverable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Suppression {
    pub channel: String,
    /// The identity scope of `address` (as in [`Sender::scope`]).
    pub scope: String,
    pub address: String,
    pub reason: String,
}

impl Suppression {
    /// `address` (in `scope`) is undeliverable for `reason`.
    pub fn new(
        channel: impl Into<String>,
        scope: impl Into<String>,
        address: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            scope: scope.into(),
            address: address.into(),
            reason: reason.into(),
        }
    }
}

/// A keyword a customer texted, as the channel reads it (SMS carriers and regulators give
/// `STOP`, `START` and `HELP` a meaning of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// Send nothing more on this channel: consent withdrawn, the number suppressed.
    OptOut,
    /// Messages are welcome again: consent granted, the suppression lifted.
    OptIn,
    /// The customer asks who is writing and how to stop it.
    Help,
}

/// What a provider expects in answer to a webhook it delivered, instead of Switchboard's JSON
/// receipt (Twilio executes the TwiML it gets back and flags anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookAnswer {
    pub content_type: &'static str,
    pub body: &'static str,
}

/// What a text costs on a channel that bills per segment (SMS): the encoding it needs and
/// the number of segments it goes out as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct TextCost {
    /// `gsm7` or `ucs2`.
    pub encoding: String,
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    pub units: u32,
    /// Segments the text is sent and billed as (0 for an empty text).
    pub segments: u32,
}

impl TextCost {
    /// A text of `units` in `encoding`, sent as `segments`.
    pub fn new(encoding: &str, units: u32, segments: u32) -> Self {
        Self {
            encoding: encoding.to_owned(),
            units,
            segments,
        }
    }
}

/// Where an outbound message is, as the channel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Read => "read",
            DeliveryState::Failed => "failed",
        }
    }
}

/// A status callback for one of our outbound messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryUpdate {
    pub channel: String,
    /// The channel's id of our message (as recorded when it was sent).
    pub external_id: String,
    pub state: DeliveryState,
    /// Why it failed, with the channel's error code.
    pub error: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// A remark that changes no state, shown on the message (a mail server's notice that
    /// delivery is delayed and still being retried). `state` is then the state the channel
    /// last reported and never moves the message backwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl DeliveryUpdate {
    /// Message `external_id` reached `state`.
    pub fn new(
        channel: impl Into<String>,
        external_id: impl Into<String>,
        state: DeliveryState,
    ) -> Self {
        Self {
            channel: channel.into(),
            external_id: external_id.into(),
            state,
            error: None,
            at: None,
            note: None,
        }
    }
}

/// A pre-approved message template (WhatsApp), with its positional parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct Template {
    pub name: String,
    /// The template's language code, e.g. `en_US` or `cs`.
    pub language: String,
    /// Values for the body's `{{1}}`, `{{2}}`, …
    #[serde(default)]
    pub parameters: Vec<String>,
}

impl Template {
    /// Template `name` in `language` with body parameters.
    pub fn new(
        name: impl Into<String>,
        language: impl Into<String>,
        parameters: Vec<String>,
    ) -> Self {
        Self {
            name: name.into(),
            language: language.into(),
            parameters,
        }
    }
}

/// A channel's position in its own stream (an update offset, an IMAP UID), committed in the
/// same transaction as the events read up to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Checkpoint {
    pub channel: String,
    pub key: String,
    pub value: String,
}

impl Checkpoint {
    /// Position `value` under `key` for `channel`.
    pub fn new(
        channel: impl Into<String>,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The person or place an outbound message goes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Recipient {
    /// The contact's id within the channel's scope.
    pub external_id: String,
    /// The conversation's thread key on the channel, if any.
    pub thread: Option<String>,
    pub name: Option<String>,
}

impl Recipient {
    /// A recipient known by its channel id.
    pub fn new(external_id: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
            thread: None,
            name: None,
        }
    }

    /// Sets the thread the reply belongs in.
    pub fn in_thread(mut self, thread: Option<String>) -> Self {
        self.thread = thread;
        self
    }
}

/// Who wrote an outbound message, for channels that show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Author {
    pub id: String,
    pub name: Option<String>,
}

impl Author {
    /// An author with an id and an optional display name (cleaned to one line).
    pub fn new(id: impl Into<String>, name: Option<String>) -> Self {
        Self {
            id: id.into(),
            name: text::clean_optional_line(name.as_deref()),
        }
    }
}

/// One message to deliver through a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboundMessage {
    /// Our id for the message. Stable across retries: connectors use it to stay idempotent.
    pub id: String,
    pub channel: String,
    pub conversation_id: i64,
    pub to: Recipient,
    pub author: Option<Author>,
    pub text: String,
    pub html: Option<String>,
    /// The message in the channel's own markup (Telegram HTML, Discord markdown) with every
    /// value already escaped, from a template variant written for that channel. Connectors
    /// that understand it send it as it is; `text` stays the plain version for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markup: Option<String>,
    pub attachments: Vec<Attachment>,
    /// The channel's id of the message this one answers, for quoting.
    pub in_reply_to: Option<String>,
    /// Send this approved template instead of free text (WhatsApp outside the 24-hour window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    pub created_at: DateTime<Utc>,
    /// The conversation's subject, for channels that show one (filled only for connectors
    /// whose [`Connector::wants_thread_context`] is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Channel ids of the conversation's earlier messages, oldest first (same condition).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Written by automation (an acknowledgement, a rule), not by a person (same condition).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automated: bool,
    /// Set on campaign messages: the bulk-mail headers email must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<CampaignHeaders>,
    /// A satisfaction survey to show with the message in the channel's own form (buttons,
    /// a list, quick replies, links); channels without controls show `text` as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<csat::CsatRequest>,
}

/// What a campaign message tells mail clients: `List-Id` (RFC 2919), `List-Unsubscribe` with
/// a signed link and a mailto (RFC 2369) and one-click unsubscribe (RFC 8058).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CampaignHeaders {
    /// `List-Id` value, e.g. `Spring sale <campaign-7.example.com>`.
    pub list_id: String,
    /// The HTTPS link that unsubscribes with one POST.
    pub unsubscribe_url: String,
    /// A `mailto:` address that unsubscribes too, when one is configured.
    pub unsubscribe_mailto: Option<String>,
}

impl CampaignHeaders {
    /// Headers for a campaign message.
    pub fn new(
        list_id: impl Into<String>,
        unsubscribe_url: impl Into<String>,
        unsubscribe_mailto: Option<String>,
    ) -> Self {
        Self {
            list_id: list_id.into(),
            unsubscribe_url: unsubscribe_url.into(),
            unsubscribe_mailto,
        }
    }
}

impl OutboundMessage {
    /// A plain text message to `to`.
    pub fn text(
        id: impl Into<String>,
        channel: impl Into<String>,
        conversation_id: i64,
        to: Recipient,
        text: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            channel: channel.into(),
            conversation_id,
            to,
            author: None,
            text: text.into(),
            html: None,
            markup: None,
            attachments: Vec::new(),
            in_reply_to: None,
            template: None,
            created_at: Utc::now(),
            subject: None,
            references: Vec::new(),
            automated: false,
            campaign: None,
            csat: None,
        }
    }

    /// Sets the author shown on channels that display one.
    pub fn by(mut self, author: Option<Author>) -> Self {
        self.author = author;
        self
    }

    /// Sets the creation time.
    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = at;
        self
    }

    /// Sets the channel id of the message being answered.
    pub fn replying_to(mut self, external_id: Option<String>) -> Self {
        self.in_reply_to = external_id;
        self
    }
}

/// What a channel told us after accepting a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivery {
    /// The channel's id for the delivered message, when it gives one.
    pub external_id: Option<String>,
}

impl Delivery {
    /// A delivery the channel identified with `external_id`.
    pub fn with_id(external_id: Option<String>) -> Self {
        Self { external_id }
    }
}

/// A failed send, sorted by what the dispatcher should do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// Permanent: retrying cannot help (bad recipient, blocked bot, content refused).
    #[error("peer rejected the message: {reason}")]
    Rejected {
        reason: String,
        /// The recipient can never be reached on this channel (blocked, deleted account).
        unreachable: bool,
    },
    /// Transient: retry later, not before `retry_after` when the peer said so.
    #[error("peer unavailable: {source}")]
    Unavailable {
        retry_after: Option<Duration>,
        #[source]
        source: BoxError,
    },
    /// Our credentials were refused: an operator must act; retried slowly.
    #[error("peer refused our credentials")]
    Unauthorized,
    /// The channel cannot do this at all.
    #[error("{0} not supported by this channel")]
    Unsupported(&'static str),
    /// The channel's configuration cannot work: the key and what is wrong with it
    /// (`secret: use at least 16 characters`).
    #[error("{0}")]
    Config(&'static str),
}

impl ConnectorError {
    /// A permanent rejection with a reason for the agent.
    pub fn rejected(reason: impl Into<String>) -> Self {
        ConnectorError::Rejected {
            reason: reason.into(),
            unreachable: false,
        }
    }

    /// A transient failure.
    pub fn unavailable(source: impl Into<BoxError>, retry_after: Option<Duration>) -> Self {
        ConnectorError::Unavailable {
            retry_after,
            source: source.into(),
        }
    }
}

/// Why a webhook request was refused; nothing from it is stored.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Signature header missing or wrong (HTTP 401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The body is not what the channel sends (HTTP 400); the message names the field.
    #[error("{0}")]
    Malformed(String),
    /// The request is authenticated but refused (a wrong verify token: HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    /// This channel takes no webhooks (HTTP 404 on its hook route).
    #[error("this channel does not accept webhooks")]
    Unsupported,
    /// The request is fine but could not be taken now (a full disk): the sender should retry
    /// (HTTP 503); nothing was stored.
    #[error("{0}")]
    Unavailable(String),
}

/// The core's receipt for one stored inbound message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Receipt {
    pub external_id: String,
    pub message_id: i64,
    pub conversation_id: i64,
    /// True when the message had been stored before (a redelivery).
    pub duplicate: bool,
}

impl Receipt {
    /// A receipt for a stored (or already stored) message.
    pub fn new(
        external_id: String,
        message_id: i64,
        conversation_id: i64,
        duplicate: bool,
    ) -> Self {
        Self {
            external_id,
            message_id,
            conversation_id,
            duplicate,
        }
    }
}

/// The core's inbound door, handed to [`Connector::listen`].
///
/// Every call returns only after its events are durably committed. A connector that keeps a
/// position in its stream passes it as a [`Checkpoint`]: it is committed in the same
/// transaction, so after a crash the channel resumes exactly after the last stored event.
#[async_trait::async_trait]
pub trait InboundSink: Send + Sync + 'static {
    /// Stores events (and the checkpoint, if any) in one transaction; returns one receipt per
    /// [`InboundEvent::Message`], in order.
    async fn deliver_events(
        &self,
        events: Vec<InboundEvent>,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Vec<Receipt>, SinkError>;

    /// The last committed checkpoint `key` of `channel`.
    async fn checkpoint(&self, channel: &str, key: &str) -> Result<Option<String>, SinkError>;

    /// Stores new messages; returns one receipt per message, in order.
    async fn deliver(&self, messages: Vec<InboundMessage>) -> Result<Vec<Receipt>, SinkError> {
        self.deliver_events(
            messages.into_iter().map(InboundEvent::Message).collect(),
            None,
        )
        .await
    }
}

/// The core could not store a batch; nothing of it was committed.
#[derive(Debug, thiserror::Error)]
#[error("inbound store failed: {0}")]
pub struct SinkError(pub String);

/// A shared handle to the core's inbound door.
pub type Inbox = Arc<dyn InboundSink>;

/// A channel connector. The core holds it as `Arc<dyn Connector>`.
#[async_trait::async_trait]
pub trait Connector: Send + Sync + 'static {
    /// The configured channel name (`[[channels]] name`).
    fn name(&self) -> &str;

    /// The kind of channel.
    fn kind(&self) -> ChannelKind;

    /// The namespace of this channel's sender ids ([`Sender::scope`]). Ids that are global to
    /// a platform (Telegram user ids) use the kind; ids local to one account use more.
    fn identity_scope(&self) -> String {
        self.kind().as_str().to_owned()
    }

    /// Delivers one message. Must be idempotent per `msg.id`: the dispatcher retries.
    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError>;

    /// True when the receiving side drops a second message with the same `msg.id` (a
    /// webhook receiver deduplicating on `Idempotency-Key`). A send whose outcome was lost
    /// in a crash is then repeated; on other channels it is held as "in doubt" instead, so
    /// a campaign never messages a person twice.
    fn receiver_deduplicates(&self) -> bool {
        false
    }

    /// Messages per second the provider allows this channel's account in all (Telegram's 30
    /// per bot, a WhatsApp number's rate), or `None` when it sets no such limit. With several
    /// nodes the core shares this budget between them.
    fn account_send_rate(&self) -> Option<f64> {
        None
    }

    /// True when [`Connector::listen`] must run on one node at a time: the provider allows one
    /// reader per account (Telegram long polling, a Discord bot's gateway session, an IMAP
    /// mailbox's IDLE session). With several nodes on one database, the core runs such a
    /// listener only on the node holding the channel's lease. Webhook channels say false:
    /// every node serves their hooks.
    fn exclusive_listener(&self) -> bool {
        false
    }

    /// Pushes inbound messages into `inbox` until `shutdown` fires (polling, gateway, IMAP IDLE).
    /// The default suits webhook-only channels.
    async fn listen(
        &self,
        _inbox: Inbox,
        _shutdown: CancellationToken,
    ) -> Result<(), ConnectorError> {
        Ok(())
    }

    /// Verifies and parses a request the core received on `POST /hooks/{channel}`.
    fn parse_webhook(
        &self,
        _headers: &http::HeaderMap,
        _body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        Err(WebhookError::Unsupported)
    }

    /// The largest hook body this kind of channel accepts unless the channel's own
    /// `max_body_bytes` says otherwise; `None` for the server's `max_body_bytes`. Raw mail
    /// carries attachments and needs far more than a provider's JSON.
    fn default_max_webhook_bytes(&self) -> Option<usize> {
        None
    }

    /// [`Connector::parse_webhook`] for a body too large to keep in memory, which the core
    /// wrote to `body` (a file, positioned at its start). Runs on a blocking thread. A
    /// connector that can read its payload as a stream overrides this; the default reads the
    /// file (bounded by the channel's body limit) and parses it whole.
    fn parse_webhook_spooled(
        &self,
        headers: &http::HeaderMap,
        body: &mut std::fs::File,
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(body, &mut bytes)
            .map_err(|err| WebhookError::Unavailable(format!("reading the spooled body: {err}")))?;
        self.parse_webhook(headers, &bytes)
    }

    /// [`Connector::parse_webhook`] for a provider that signs the URL it called as well as
    /// the body (Twilio): `target` is the request's path and query as received
    /// (`/hooks/sms?x=1`). The default ignores it.
    fn parse_webhook_at(
        &self,
        _target: &str,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        self.parse_webhook(headers, body)
    }

    /// Reads an inbound text as one of the channel's keywords (`STOP`, `START`, `HELP` on
    /// SMS), or `None` for an ordinary message. The core acts on it after storing the
    /// message; campaign stop keywords apply on every channel besides.
    fn keyword(&self, _text: &str) -> Option<Keyword> {
        None
    }

    /// True when the provider itself answers opt-out and opt-in keywords (Twilio on long
    /// codes): the core then sends no confirmation of its own, which the provider would
    /// refuse anyway once the number has opted out.
    fn answers_keywords(&self) -> bool {
        false
    }

    /// The answer to an accepted webhook when the provider reads it (see [`HookAnswer`]);
    /// `None` for the JSON receipt.
    fn hook_answer(&self) -> Option<HookAnswer> {
        None
    }

    /// The encoding and segment count `text` would go out as, on channels that bill per
    /// segment; `None` elsewhere.
    fn text_cost(&self, _text: &str) -> Option<TextCost> {
        None
    }

    /// Answers a provider's subscription check on `GET /hooks/{channel}` (Meta's
    /// `hub.challenge`): returns the body to answer with, given the raw query string.
    fn verify_webhook(&self, _query: &str) -> Result<String, WebhookError> {
        Err(WebhookError::Unsupported)
    }

    /// How long after the customer's last message free-form replies are allowed (WhatsApp's
    /// 24-hour customer-service window); `None` when the channel has no such rule.
    fn free_form_window(&self) -> Option<Duration> {
        None
    }

    /// True when the channel can send approved templates ([`OutboundMessage::template`]).
    fn supports_templates(&self) -> bool {
        false
    }

    /// True when [`OutboundMessage::subject`], `references` and `automated` should be filled
    /// (it costs the dispatcher a lookup per message, so only email asks).
    fn wants_thread_context(&self) -> bool {
        false
    }

    /// Hands the connector the core's secret store (encrypted at rest), once at start-up,
    /// before [`Connector::listen`] or [`Connector::send`] run. Channels that keep no secrets
    /// between runs ignore it.
    fn use_secrets(&self, _secrets: secrets::Secrets) {}

    /// Downloads an attachment the channel keeps (see [`Attachment::file_id`]).
    async fn fetch_attachment(
        &self,
        _attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        Err(ConnectorError::Unsupported("attachment download"))
    }

    /// True when this channel keeps attachment bytes on this machine (email's blob store),
    /// so [`Connector::fetch_attachment`] reads no provider and a contact's export can carry
    /// them; false when they stay with the provider (Telegram, Meta, Discord).
    fn stores_attachments_locally(&self) -> bool {
        false
    }

    /// Deletes the locally kept attachment file `file_id` (see [`Attachment::file_id`]) once
    /// the core knows nothing that must keep it refers to it (a contact's erasure, retention).
    /// Returns whether a file was there; deleting a missing file is not an error, so a
    /// repeated step is harmless.
    ///
    /// # Errors
    /// `Unsupported` for channels that keep no files; `Unavailable` when the file cannot be
    /// removed.
    async fn delete_attachment_file(&self, _file_id: &str) -> Result<bool, ConnectorError> {
        Err(ConnectorError::Unsupported("attachment deletion"))
    }
}
