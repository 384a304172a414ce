//! The JSON shapes of the API (DTOs) and their conversions from domain types.
//! A row never becomes JSON and a DTO never reaches SQL.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{
    Agent, AgentId, ApiToken, AuthorType, Availability, Contact, ContactId, Conversation,
    ConversationId, ConversationStatus, DeliveryStatus, Direction, Event, Message, MessageId,
    MessageKind, Priority, Role, Team, TeamId, TokenId,
};
use crate::store::{DeliveryEntry, Page};

/// A conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationView {
    pub id: ConversationId,
    pub channel: String,
    pub contact_id: ContactId,
    pub thread_key: String,
    pub status: ConversationStatus,
    pub priority: Priority,
    pub assignee_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
    pub labels: Vec<String>,
    pub subject: Option<String>,
    pub last_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub first_reply_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The SLA, when a rule started a policy.
    pub sla: Option<SlaView>,
    /// Why no reply can reach the channel now (e.g. the bot was removed from the Telegram
    /// group the conversation is): replies are refused with 422 while it is set. Null while
    /// replies can go out.
    pub unanswerable_reason: Option<String>,
}

/// Where a conversation stands against its SLA policy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SlaView {
    pub policy: String,
    /// `on_track`, `at_risk`, `breached` or `met`, as of now.
    pub status: crate::domain::SlaStatus,
    /// The earliest pending due time.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Each target's clock (epoch milliseconds): due, at-risk, met and breached times.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
}

impl SlaView {
    fn of(sla: Option<&serde_json::Value>) -> Option<Self> {
        let state = crate::domain::SlaState::from_json(sla?)?;
        Some(Self {
            policy: state.policy.clone(),
            status: state.status(crate::domain::Millis::now()),
            next_due_at: state
                .next_due()
                .map(|due| crate::domain::Millis(due).to_datetime()),
            targets: serde_json::to_value(&state.targets).unwrap_or_default(),
        })
    }
}

impl From<Conversation> for ConversationView {
    fn from(c: Conversation) -> Self {
        Self {
            id: c.id,
            channel: c.channel,
            contact_id: c.contact_id,
            thread_key: c.thread_key,
            status: c.status,
            priority: c.priority,
            assignee_id: c.assignee_id,
            team_id: c.team_id,
            labels: c.labels,
            subject: c.subject,
            last_message: c.last_message,
            created_at: c.created_at,
            last_activity_at: c.last_activity_at,
            waiting_since: c.waiting_since,
            first_reply_at: c.first_reply_at,
            snoozed_until: c.snoozed_until,
            resolved_at: c.resolved_at,
            sla: SlaView::of(c.sla.as_ref()),
            unanswerable_reason: c.unanswerable_reason,
        }
    }
}

/// One conversation as `GET /api/v1/conversations/{id}` answers it: the conversation and
/// whether a free-form reply may go out now (computed per read, so lists leave it out).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationDetailView {
    #[serde(flatten)]
    pub conversation: ConversationView,
    pub reply_window: ReplyWindowView,
    /// The conversation's satisfaction survey; null when none was sent.
    pub csat: Option<CsatView>,
}

/// A conversation's satisfaction survey and its latest answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CsatView {
    /// `sent` (waiting for an answer), `answered`, or `expired` (never answered in time).
    pub state: CsatState,
    pub sent_at: DateTime<Utc>,
    /// After this the survey's links and buttons are refused.
    pub expires_at: DateTime<Utc>,
    /// The latest answer, 1 (poor) to 5 (excellent); a later answer replaced earlier ones.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: Option<u8>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// Where a satisfaction survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsatState {
    Sent,
    Answered,
    Expired,
}

impl From<&crate::domain::csat::CsatSurvey> for CsatView {
    fn from(survey: &crate::domain::csat::CsatSurvey) -> Self {
        let state = match survey.rating {
            Some(_) => CsatState::Answered,
            None if survey.expires_at <= Utc::now() => CsatState::Expired,
            None => CsatState::Sent,
        };
        Self {
            state,
            sent_at: survey.sent_at,
            expires_at: survey.expires_at,
            rating: survey.rating,
            answered_at: survey.answered_at,
        }
    }
}

/// Whether an agent may write free-form text to the customer now. Some channels (WhatsApp)
/// allow it only for a while after the customer's last message; after that only an approved
/// template goes out, and a free-form reply is refused with 422.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplyWindowView {
    /// True when a free-form reply would be accepted at the time of this answer.
    pub free_form_allowed: bool,
    /// When the window closes (or closed); null when the channel has no window, or before the
    /// customer has written.
    pub closes_at: Option<DateTime<Utc>>,
    /// How long the window stays open after the customer's last message, in seconds; null
    /// when the channel has no window.
    pub window_secs: Option<u64>,
}

impl From<crate::domain::ReplyWindow> for ReplyWindowView {
    fn from(window: crate::domain::ReplyWindow) -> Self {
        Self {
            free_form_allowed: window.free_form_allowed,
            closes_at: window.closes_at.map(crate::domain::Millis::to_datetime),
            window_secs: window.length.map(|length| length.as_secs()),
        }
    }
}

/// One waiting conversation in `GET /api/v1/queue`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntryView {
    /// 1 is the next conversation the router assigns.
    pub position: usize,
    /// The policy that applies to it (its own, else its team's, else its channel's, else the
    /// default); `manual` ones wait to be taken with `POST /api/v1/conversations/{id}/take`.
    pub policy: crate::domain::RoutingPolicy,
    pub conversation: ConversationView,
}

/// A page of conversations.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<ConversationView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// File metadata attached to a message. Files the channel keeps (`file_id`) are downloaded
/// through `GET /api/v1/messages/{id}/attachments/{index}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachmentView {
    pub url: Option<String>,
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// The email part's `Content-ID` (without `<>`) when the message's HTML shows it inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// True once a retention policy deleted the file (`[retention] attachments_days`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

impl From<connector_sdk::Attachment> for AttachmentView {
    fn from(a: connector_sdk::Attachment) -> Self {
        Self {
            url: a.url,
            name: a.name,
            mime_type: a.mime_type,
            size: a.size,
            file_id: a.file_id,
            content_id: a.content_id,
            expired: a.expired,
        }
    }
}

impl From<AttachmentView> for connector_sdk::Attachment {
    fn from(view: AttachmentView) -> Self {
        let mut attachment = connector_sdk::Attachment::at(view.url.unwrap_or_default());
        if attachment.url.as_deref() == Some("") {
            attachment.url = None;
        }
        attachment.name = view.name;
        attachment.mime_type = view.mime_type;
        attachment.size = view.size;
        attachment.file_id = view.file_id;
        attachment.content_id = view.content_id;
        attachment.expired = view.expired;
        attachment
    }
}

/// A message, note or activity.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub channel: String,
    pub direction: Direction,
    pub kind: MessageKind,
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    /// What the author wrote in this message. For email: without the quoted earlier mail
    /// and the signature; a quoted block followed by more of the sender's words is shown
    /// as its first line (`> first line …`).
    pub text: String,
    /// The whole text as received, when `text` is abridged from it (email); otherwise null.
    pub full_text: Option<String>,
    /// Sanitised HTML, when the channel carries it. Inline images (`cid:`) whose part is
    /// kept point at `/api/v1/messages/{id}/attachments/{index}`.
    pub html: Option<String>,
    pub attachments: Vec<AttachmentView>,
    pub external_id: Option<String>,
    pub delivery_status: Option<DeliveryStatus>,
    pub delivery_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Set when the customer edited the message; earlier texts are at `.../revisions`.
    pub edited_at: Option<DateTime<Utc>>,
    /// Sent by a machine (auto-reply, mailing list, bounce): rules and bots never answer it.
    pub automated: bool,
    /// The message of this conversation that this one answers (a quoted chat message).
    pub in_reply_to: Option<MessageId>,
    /// Emoji reactions on this message, one per reacting person (a reaction is never a
    /// message of its own).
    pub reactions: Vec<ReactionView>,
    /// Set when parts of the text were replaced by `[redacted]`: `auto` by the `[redaction]`
    /// rules before it was stored, `agent` by an agent or admin (the activity says who).
    pub redacted: Option<crate::domain::Redacted>,
}

/// One person's emoji reaction to a message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReactionView {
    pub emoji: String,
    /// Who reacted: the identity scope and the channel's id of the person.
    pub scope: String,
    pub sender: String,
    pub at: DateTime<Utc>,
}

impl From<Message> for MessageView {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            conversation_id: m.conversation_id,
            channel: m.channel,
            direction: m.direction,
            kind: m.kind,
            author_type: m.author_type,
            author_id: m.author_id,
            html: m
                .html
                .map(|html| super::inline_parts::point_at_parts(&html, m.id, &m.attachments)),
            text: m.text,
            full_text: m.full_text,
            attachments: m
                .attachments
                .into_iter()
                .map(AttachmentView::from)
                .collect(),
            external_id: m.external_id,
            delivery_status: m.delivery_status,
            delivery_error: m.delivery_error,
            sent_at: m.sent_at,
            created_at: m.created_at,
            edited_at: m.edited_at,
            automated: m.automated,
            in_reply_to: m.reply_to,
            // A taken-back reaction is kept in storage only to order redeliveries.
            reactions: m
                .reactions
                .into_iter()
                .filter_map(|r| {
                    Some(ReactionView {
                        emoji: r.emoji?,
                        scope: r.scope,
                        sender: r.sender,
                        at: crate::domain::Millis(r.at).to_datetime(),
                    })
                })
                .collect(),
            redacted: m.redacted,
        }
    }
}

/// A page of messages, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<MessageView>,
    pub next_cursor: Option<String>,
}

/// One way of reaching a contact.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdentityView {
    pub scope: String,
    pub external_id: String,
    pub unreachable_reason: Option<String>,
}

/// A contact with every identity.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    pub id: ContactId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
    pub identities: Vec<IdentityView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when this contact was merged into another: that one holds its identities and
    /// conversations now (`POST /api/v1/contacts/merges/{merge_id}/undo` takes it back).
    pub merged_into: Option<ContactId>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            attributes: c.attributes,
            tags: c.tags,
            identities: c
                .identities
                .into_iter()
                .map(|i| IdentityView {
                    scope: i.scope,
                    external_id: i.external_id,
                    unreachable_reason: i.unreachable_reason,
                })
                .collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            merged_into: c.merged_into,
        }
    }
}

/// A page of contacts, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactPage {
    pub items: Vec<ContactView>,
    pub next_cursor: Option<String>,
}

/// An agent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AgentView {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub availability: Availability,
    pub capacity: i64,
    /// Admins: whether the router gives them conversations (agents always get them,
    /// marketers never).
    pub takes_conversations: bool,
    /// The language the agent reads and writes (ISO 639-1), for agent assist's translations;
    /// `null`: the installation's `[assist] language`.
    pub language: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Agent> for AgentView {
    fn from(a: Agent) -> Self {
        Self {
            id: a.id,
            name: a.name,
            email: a.email,
            role: a.role,
            availability: a.availability,
            capacity: a.capacity,
            takes_conversations: a.takes_conversations,
            language: a.language,
            created_at: a.created_at,
        }
    }
}

/// A team.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<AgentId>,
    pub created_at: DateTime<Utc>,
}

impl From<Team> for TeamView {
    fn from(t: Team) -> Self {
        Self {
            id: t.id,
            name: t.name,
            members: t.members,
            created_at: t.created_at,
        }
    }
}

/// An API token's record (never the secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub id: TokenId,
    pub name: String,
    pub role: Role,
    pub agent_id: Option<AgentId>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            role: t.role,
            agent_id: t.agent_id,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new token: the secret is shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedTokenView {
    pub token: String,
    #[serde(flatten)]
    pub record: TokenView,
}

/// An outbound message's place in the outbox.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub channel: String,
    /// `pending`, `sent`, `failed` or `dead`.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the channel reported since it accepted the message: `sent`, `delivered`,
    /// `read` (a read receipt) or `failed` (as in the message view).
    pub delivery_status: Option<DeliveryStatus>,
}

impl From<DeliveryEntry> for DeliveryView {
    fn from(d: DeliveryEntry) -> Self {
        Self {
            message_id: d.message_id,
            conversation_id: d.conversation_id,
            channel: d.channel,
            state: d.state.as_str().to_owned(),
            attempts: d.attempts,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at,
            updated_at: d.updated_at,
            delivery_status: d.delivery_status,
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

/// A configured channel.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChannelView {
    pub name: String,
    pub kind: String,
    /// The listener: `running`, `restarting` (after an error), `standby` (another node of the
    /// cluster runs it; this one takes over if that node stops), `webhook` (receives through
    /// `/hooks/{name}` only) or `stopped`. Each node answers for itself.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub state_since: Option<DateTime<Utc>>,
    /// The listener's last error, if it ever failed.
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_error_at: Option<DateTime<Utc>>,
}

/// An entry of the event log, as sent on the event stream.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    /// `message.created`, `conversation.assigned`, …
    pub kind: String,
    pub conversation_id: Option<ConversationId>,
    pub contact_id: Option<ContactId>,
    pub message_id: Option<MessageId>,
    pub agent_id: Option<AgentId>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<&Event> for EventView {
    fn from(e: &Event) -> Self {
        Self {
            id: e.id.get(),
            kind: e.kind.as_str().to_owned(),
            conversation_id: e.conversation_id,
            contact_id: e.contact_id,
            message_id: e.message_id,
            agent_id: e.agent_id,
            data: e.data.clone(),
            created_at: e.created_at,
        }
    }
}

/// Maps a store page into a view page.
pub fn page<T, V: From<T>>(page: Page<T>) -> (Vec<V>, Option<String>) {
    (
        page.items.into_iter().map(V::from).collect(),
        page.next_cursor,
    )
}

/// An earlier text of an edited message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevisionView {
    pub text: String,
    pub html: Option<String>,
    /// When this text was replaced.
    pub replaced_at: DateTime<Utc>,
}

impl From<crate::domain::Revision> for RevisionView {
    fn from(r: crate::domain::Revision) -> Self {
        Self {
            text: r.text,
            html: r.html,
            replaced_at: r.replaced_at,
        }
    }
}
