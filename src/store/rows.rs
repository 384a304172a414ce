//! Row types as the database returns them, and their checked conversion into domain types.
//! Shared by both backends: `FromRow` is generic over the row type.

use connector_sdk::Attachment;
use sqlx::types::Json;

use super::{DeliveryEntry, OutboxState, StoreError};
use crate::domain::{
    Agent, AgentId, ApiToken, Contact, ContactId, Conversation, ConversationId, Event, EventId,
    Identity, Message, MessageId, Millis, Team, TeamId, TokenId,
};

/// Column list of [`ConversationRow`], for `concat!`.
macro_rules! conversation_columns {
    () => {
        "c.id, c.channel, c.contact_id, c.thread_key, c.status, c.priority, c.assignee_id, \
         c.team_id, c.subject, c.last_message, c.created_at, c.last_activity_at, \
         c.waiting_since, c.first_reply_at, c.snoozed_until, c.resolved_at, c.sla, \
         c.unanswerable_reason"
    };
}
pub(crate) use conversation_columns;

/// Column list of [`MessageRow`], for `concat!`.
macro_rules! message_columns {
    () => {
        "m.id, m.conversation_id, m.channel, m.direction, m.kind, m.author_type, m.author_id, \
         m.text, m.html, m.attachments, m.external_id, m.delivery_status, m.delivery_error, \
         m.sent_at, m.created_at, m.edited_at, m.automated, m.reply_to_id, m.reactions, \
         m.full_text, m.redacted"
    };
}
pub(crate) use message_columns;

fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    Millis(ms).to_datetime()
}

fn opt_time(ms: Option<i64>) -> Option<chrono::DateTime<chrono::Utc>> {
    ms.map(time)
}

#[derive(sqlx::FromRow)]
pub struct ContactRow {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub attributes: Json<serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub merged_into: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct IdentityRow {
    pub scope: String,
    pub external_id: String,
    pub unreachable_reason: Option<String>,
}

impl ContactRow {
    /// The domain contact, given its tags and identities.
    pub fn into_contact(self, tags: Vec<String>, identities: Vec<IdentityRow>) -> Contact {
        let attributes = match self.attributes.0 {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        Contact {
            id: ContactId::new(self.id),
            name: self.name,
            email: self.email,
            phone: self.phone,
            attributes,
            tags,
            identities: identities
                .into_iter()
                .map(|row| Identity {
                    scope: row.scope,
                    external_id: row.external_id,
                    unreachable_reason: row.unreachable_reason,
                })
                .collect(),
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
            merged_into: self.merged_into.map(ContactId::new),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ConversationRow {
    pub id: i64,
    pub channel: String,
    pub contact_id: i64,
    pub thread_key: String,
    pub status: String,
    pub priority: String,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub subject: Option<String>,
    pub last_message: Option<String>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub waiting_since: Option<i64>,
    pub first_reply_at: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub resolved_at: Option<i64>,
    pub sla: Option<Json<serde_json::Value>>,
    pub unanswerable_reason: Option<String>,
}

impl ConversationRow {
    /// The domain conversation, given its labels.
    pub fn into_conversation(self, labels: Vec<String>) -> Result<Conversation, StoreError> {
        Ok(Conversation {
            id: ConversationId::new(self.id),
            channel: self.channel,
            contact_id: ContactId::new(self.contact_id),
            thread_key: self.thread_key,
            status: self.status.parse()?,
            priority: self.priority.parse()?,
            assignee_id: self.assignee_id.map(AgentId::new),
            team_id: self.team_id.map(TeamId::new),
            labels,
            subject: self.subject,
            last_message: self.last_message,
            created_at: time(self.created_at),
            last_activity_at: time(self.last_activity_at),
            waiting_since: opt_time(self.waiting_since),
            first_reply_at: opt_time(self.first_reply_at),
            snoozed_until: opt_time(self.snoozed_until),
            resolved_at: opt_time(self.resolved_at),
            sla: self.sla.map(|sla| sla.0),
            unanswerable_reason: self.unanswerable_reason,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub direction: String,
    pub kind: String,
    pub author_type: String,
    pub author_id: Option<i64>,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Json<Vec<Attachment>>,
    pub external_id: Option<String>,
    pub delivery_status: Option<String>,
    pub delivery_error: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub automated: bool,
    pub reply_to_id: Option<i64>,
    pub reactions: Json<Vec<crate::domain::Reaction>>,
    pub full_text: Option<String>,
    pub redacted: Option<String>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;

    fn try_from(row: MessageRow) -> Result<Self, Self::Error> {
        Ok(Message {
            id: MessageId::new(row.id),
            conversation_id: ConversationId::new(row.conversation_id),
            channel: row.channel,
            direction: row.direction.parse()?,
            kind: row.kind.parse()?,
            author_type: row.author_type.parse()?,
            author_id: row.author_id,
            text: row.text,
            full_text: row.full_text,
            html: row.html,
            attachments: row.attachments.0,
            external_id: row.external_id,
            delivery_status: row.delivery_status.as_deref().map(str::parse).transpose()?,
            delivery_error: row.delivery_error,
            sent_at: opt_time(row.sent_at),
            created_at: time(row.created_at),
            edited_at: opt_time(row.edited_at),
            automated: row.automated,
            reply_to: row.reply_to_id.map(MessageId::new),
            reactions: row.reactions.0,
            redacted: row.redacted.as_deref().map(str::parse).transpose()?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AgentRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub availability: String,
    pub capacity: i64,
    pub takes_conversations: bool,
    pub language: Option<String>,
    pub created_at: i64,
}

impl TryFrom<AgentRow> for Agent {
    type Error = StoreError;

    fn try_from(row: AgentRow) -> Result<Self, Self::Error> {
        Ok(Agent {
            id: AgentId::new(row.id),
            name: row.name,
            email: row.email,
            role: row.role.parse()?,
            availability: row.availability.parse()?,
            capacity: row.capacity,
            takes_conversations: row.takes_conversations,
            language: row.language,
            created_at: time(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

impl TeamRow {
    /// The domain team, given its members.
    pub fn into_team(self, members: Vec<AgentId>) -> Team {
        Team {
            id: TeamId::new(self.id),
            name: self.name,
            members,
            created_at: time(self.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub agent_id: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> Result<Self, Self::Error> {
        Ok(ApiToken {
            id: TokenId::new(row.id),
            name: row.name,
            role: row.role.parse()?,
            agent_id: row.agent_id.map(AgentId::new),
            created_at: time(row.created_at),
            last_used_at: opt_time(row.last_used_at),
            revoked_at: opt_time(row.revoked_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub conversation_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub message_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub data: Json<serde_json::Value>,
    pub created_at: i64,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, Self::Error> {
        Ok(Event {
            id: EventId::new(row.id),
            kind: row.kind.parse()?,
            conversation_id: row.conversation_id.map(ConversationId::new),
            contact_id: row.contact_id.map(ContactId::new),
            message_id: row.message_id.map(MessageId::new),
            agent_id: row.agent_id.map(AgentId::new),
            data: row.data.0,
            created_at: time(row.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub message_id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub updated_at: i64,
    pub delivery_status: Option<String>,
}

impl TryFrom<DeliveryRow> for DeliveryEntry {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, Self::Error> {
        Ok(DeliveryEntry {
            message_id: MessageId::new(row.message_id),
            conversation_id: ConversationId::new(row.conversation_id),
            channel: row.channel,
            state: OutboxState::parse(&row.state)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox state {:?}", row.state)))?,
            attempts: row.attempts,
            last_error: row.last_error,
            next_attempt_at: time(row.next_attempt_at),
            updated_at: time(row.updated_at),
            delivery_status: row.delivery_status.as_deref().map(str::parse).transpose()?,
        })
    }
}

/// A pending event row, before it has an id.
pub struct NewEvent {
    pub kind: crate::domain::EventKind,
    pub conversation_id: Option<ConversationId>,
    pub contact_id: Option<ContactId>,
    pub message_id: Option<MessageId>,
    pub agent_id: Option<AgentId>,
    pub data: serde_json::Value,
}

impl NewEvent {
    /// An event about a conversation.
    pub fn conversation(
        kind: crate::domain::EventKind,
        conversation: ConversationId,
        data: serde_json::Value,
    ) -> Self {
        Self {
            kind,
            conversation_id: Some(conversation),
            contact_id: None,
            message_id: None,
            agent_id: None,
            data,
        }
    }

    /// `message.updated` about message `message` of conversation `conversation`: what changed
    /// on a stored message (its delivery state, an edit, a reaction).
    pub fn message_updated(conversation: i64, message: i64, data: serde_json::Value) -> Self {
        Self {
            kind: crate::domain::EventKind::MessageUpdated,
            conversation_id: Some(ConversationId::new(conversation)),
            contact_id: None,
            message_id: Some(crate::domain::MessageId::new(message)),
            agent_id: None,
            data,
        }
    }
}

/// Cuts a page fetched with `LIMIT limit + 1` down to `limit` rows and returns the cursor of
/// the next page (made from the last row kept), or `None` when this is the last page.
pub fn split_page<R>(
    rows: &mut Vec<R>,
    limit: i64,
    cursor_of: impl Fn(&R) -> String,
) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(cursor_of)
    } else {
        None
    }
}

/// Encodes a keyset cursor of `(sort key, id)`.
pub fn encode_cursor(key: i64, id: i64) -> String {
    format!("{key}.{id}")
}

/// Decodes a cursor from [`encode_cursor`].
///
/// # Errors
/// `Invalid` when the cursor was not made by us.
pub fn decode_cursor(cursor: &str) -> Result<(i64, i64), StoreError> {
    let bad = || StoreError::Invalid("cursor: not a cursor returned by this API".into());
    let (key, id) = cursor.split_once('.').ok_or_else(bad)?;
    Ok((
        key.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}
