//! The commands and queries the store takes, and what it returns besides domain types.

use chrono::{DateTime, Utc};
use connector_sdk::{Attachment, Recipient};

use crate::domain::{
    AgentId, Availability, ContactId, ConversationId, ConversationStatus, MessageId, Priority,
    Role, TeamId,
};

/// A page request: an opaque cursor from the previous page and a size (clamped to 1..=200).
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageRequest {
    /// The page size, clamped.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }

    /// The first page of `limit` items.
    pub fn first(limit: i64) -> Self {
        Self {
            cursor: None,
            limit: Some(limit),
        }
    }
}

/// One page of results and the cursor of the next, if there are more.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Which assignee a conversation list wants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AssigneeFilter {
    Agent(AgentId),
    Unassigned,
}

/// Filters of the conversation list; all given ones must match.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    pub assignee: Option<AssigneeFilter>,
    pub channel: Option<String>,
    pub team: Option<TeamId>,
    pub label: Option<String>,
    pub contact: Option<ContactId>,
    /// Full-text search over the conversation's messages.
    pub text: Option<String>,
    /// Only conversations the caller may see.
    pub visibility: crate::domain::access::Visibility,
}

/// A new contact.
#[derive(Debug, Clone, Default)]
pub struct NewContact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
    /// Extra `(scope, external id)` identities besides email and phone.
    pub identities: Vec<(String, String)>,
}

/// Changes to a contact; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    /// Merged into the stored attributes; a `null` value removes the key.
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
}

/// Who a conversation is assigned to; `None` clears that part.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    pub agent: Option<AgentId>,
    pub team: Option<TeamId>,
}

/// A status change, with the wake-up time for `snoozed`.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub status: ConversationStatus,
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// Changes to a conversation's labels and priority.
#[derive(Debug, Clone, Default)]
pub struct ConversationPatch {
    /// Replaces the labels.
    pub labels: Option<Vec<String>>,
    pub priority: Option<Priority>,
}

/// Which queue an outbound message waits in. Replies never wait behind campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Reply,
    Campaign,
}

impl Lane {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Reply => "reply",
            Lane::Campaign => "campaign",
        }
    }
}

/// Who writes an outbound message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplyAuthor {
    Agent(AgentId),
    Bot,
}

/// An outbound reply to store and queue.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub conversation: ConversationId,
    pub author: ReplyAuthor,
    pub text: String,
    /// The HTML part (email), values already escaped by the template.
    pub html: Option<String>,
    /// The same message in the channel's markup (Telegram HTML, Discord markdown), sent as
    /// it is instead of the escaped `text`; see `domain::Rendered`.
    pub markup: Option<String>,
    pub attachments: Vec<Attachment>,
    /// An approved template to send instead of free text (WhatsApp).
    pub template: Option<connector_sdk::Template>,
    pub lane: Lane,
    /// When `text` is a model's translation of what the agent wrote: that text, kept beside
    /// the message (`message_translations`, origin `author`).
    pub written_as: Option<WrittenAs>,
}

/// What an agent wrote, of which a reply is the model's translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenAs {
    /// ISO 639-1 code of `text`'s language.
    pub language: String,
    pub text: String,
    /// The model that translated it.
    pub model: String,
}

impl NewReply {
    /// A reply carrying a rendered message: its plain text, HTML part and channel markup, so
    /// that each connector sends the form it understands.
    pub fn from_rendered(
        rendered: crate::domain::Rendered,
        conversation: ConversationId,
        author: ReplyAuthor,
        lane: Lane,
    ) -> Self {
        Self {
            conversation,
            author,
            text: rendered.text,
            html: rendered.html,
            markup: rendered.markup,
            attachments: Vec::new(),
            template: None,
            lane,
            written_as: None,
        }
    }
}

/// A claimed piece of outbound work: everything a connector needs to send it.
#[derive(Debug, Clone)]
pub struct OutboxJob {
    pub outbox_id: i64,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub channel: String,
    pub recipient: Recipient,
    pub author: Option<(AgentId, String)>,
    pub text: String,
    pub html: Option<String>,
    pub markup: Option<String>,
    pub attachments: Vec<Attachment>,
    pub in_reply_to: Option<String>,
    pub template: Option<connector_sdk::Template>,
    /// Set when the message carries the conversation's satisfaction survey: its expiry.
    pub csat_expires_at: Option<crate::domain::Millis>,
    /// Attempts made before this one.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

/// The outcome of one send attempt, as the dispatcher decided it.
#[derive(Debug, Clone)]
pub enum SendOutcome {
    Sent {
        external_id: Option<String>,
    },
    /// Try again at `at`.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Refused for good (`failed`), or out of attempts (`dead`).
    Failed {
        error: String,
        dead: bool,
    },
}

/// Where an outbox entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    Pending,
    Sent,
    Failed,
    Dead,
}

impl OutboxState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Dead => "dead",
        }
    }

    /// Parses the stored name.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed, Self::Dead]
            .into_iter()
            .find(|state| state.as_str() == value)
    }
}

/// An outbox entry as agents see it.
#[derive(Debug, Clone)]
pub struct DeliveryEntry {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub channel: String,
    pub state: OutboxState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the channel last reported for the message (delivered, read, failed).
    pub delivery_status: Option<crate::domain::DeliveryStatus>,
}

/// A new agent.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub capacity: i64,
}

/// Changes to an agent.
#[derive(Debug, Clone, Default)]
pub struct AgentPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub availability: Option<Availability>,
    pub capacity: Option<i64>,
    /// Admins: whether the router may give them conversations.
    pub takes_conversations: Option<bool>,
    /// The agent's language (ISO 639-1); `""` clears it.
    pub language: Option<String>,
}

/// A new API token's record (the secret's hash, never the secret).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub agent: Option<AgentId>,
    pub hash: String,
}

// ----- outbound event webhooks -----

/// A new webhook subscription.
#[derive(Clone)]
pub struct NewWebhook {
    pub url: String,
    /// The HMAC key of the signatures; stored in clear because every delivery needs it.
    pub secret: String,
    pub events: crate::domain::EventSelection,
}

impl std::fmt::Debug for NewWebhook {
    // The secret must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("url", &self.url)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// Changes to a subscription; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    pub active: Option<bool>,
    pub events: Option<crate::domain::EventSelection>,
}

/// What one fan-out pass over the event log did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FanOut {
    /// Events read from the log (new ones and late commits found in earlier gaps).
    pub events: usize,
    /// Deliveries queued for them.
    pub deliveries: usize,
}

/// A claimed webhook delivery: everything the sender needs.
#[derive(Clone)]
pub struct WebhookJob {
    pub delivery_id: crate::domain::WebhookDeliveryId,
    pub subscription_id: crate::domain::WebhookId,
    pub url: String,
    pub secret: String,
    /// Attempts made in this round before this one.
    pub attempts: i64,
    /// When this round of attempts began (creation or replay): retries stop a configured time
    /// after it.
    pub queued_at: DateTime<Utc>,
    /// The event as stored; `None` when the log no longer has it.
    pub event: Option<crate::domain::Event>,
}

impl std::fmt::Debug for WebhookJob {
    // The secret must never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookJob")
            .field("delivery_id", &self.delivery_id)
            .field("subscription_id", &self.subscription_id)
            .field("url", &self.url)
            .field("attempts", &self.attempts)
            .field("queued_at", &self.queued_at)
            .field("event", &self.event.as_ref().map(|event| event.id))
            .finish_non_exhaustive()
    }
}

/// What the sender decided after one attempt of a webhook delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookOutcome {
    Delivered,
    /// Try again at `at`.
    Retry {
        at: DateTime<Utc>,
    },
    /// Refused for good, or out of retry time.
    Failed,
}

/// A canned response to store, or the new state of one (`created_by` is kept on update).
#[derive(Debug, Clone)]
pub struct NewCannedResponse {
    pub shortcut: String,
    pub title: String,
    pub content: crate::domain::CannedContent,
    pub created_by: Option<AgentId>,
}

/// What an outbound mail needs from its conversation (see `Connector::wants_thread_context`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadContext {
    pub subject: Option<String>,
    /// Channel ids of the conversation's earlier messages, oldest first.
    pub references: Vec<String>,
    /// Written by automation (a bot or the system), not by an agent.
    pub automated: bool,
}
