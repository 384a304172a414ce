//! The audit log's vocabulary: who did what to which subject. Pure types; the store writes
//! them, the HTTP layer decides when.

use std::time::Duration;

use super::{AgentId, ContactId, ConversationId, MessageId, Millis, RuleId, TeamId, TokenId};
use super::{WebhookId, string_enum};

string_enum! {
    /// What was done. The names are stable: operators filter and archive by them.
    AuditAction, "audit action" {
        ConversationViewed => "conversation.viewed",
        MessageViewed => "message.viewed",
        ContactViewed => "contact.viewed",
        ContactExported => "contact.exported",
        ContactErased => "contact.erased",
        ContactMerged => "contact.merged",
        ContactMergeUndone => "contact.merge_undone",
        AssistUsed => "assist.used",
        MessageRedacted => "message.redacted",
        AgentCreated => "agent.created",
        AgentUpdated => "agent.updated",
        AgentRoleChanged => "agent.role_changed",
        AgentPasswordReset => "agent.password_reset",
        AgentRemoved => "agent.removed",
        TeamCreated => "team.created",
        TeamMembersChanged => "team.members_changed",
        TokenCreated => "token.created",
        TokenRevoked => "token.revoked",
        RuleCreated => "rule.created",
        RuleUpdated => "rule.updated",
        RuleDeleted => "rule.deleted",
        WebhookCreated => "webhook.created",
        WebhookUpdated => "webhook.updated",
        WebhookDeleted => "webhook.deleted",
        ChannelChanged => "channel.changed",
        RetentionChanged => "retention.changed",
        SignInSucceeded => "sign_in.succeeded",
        SignInFailed => "sign_in.failed",
        SignOut => "sign_out",
    }
}

string_enum! {
    /// What kind of credential acted: a person signed in to the web inbox (`agent`), an API
    /// token (`token`, possibly acting as an agent), Switchboard itself (`system`, a scheduled
    /// job) or nobody signed in (`anonymous`, a failed sign-in).
    ActorKind, "audit actor kind" {
        Agent => "agent",
        Token => "token",
        System => "system",
        Anonymous => "anonymous",
    }
}

impl AuditAction {
    /// Reading actions: repeated ones by the same actor on the same subject within
    /// [`VIEW_COALESCE_WINDOW`] are kept as one entry, so an inbox that polls a conversation
    /// does not write a row per poll while the log still says who looked and when first.
    pub fn is_view(self) -> bool {
        matches!(
            self,
            Self::ConversationViewed | Self::MessageViewed | Self::ContactViewed
        )
    }
}

/// How long repeated views of one subject by one actor count as one (see [`AuditAction::is_view`]).
pub const VIEW_COALESCE_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    pub kind: ActorKind,
    /// The agent's id for [`ActorKind::Agent`], the token's for [`ActorKind::Token`].
    pub id: Option<i64>,
    /// The agent the credential acts as (a web session's agent, a token's agent).
    pub agent: Option<AgentId>,
    /// A name for people reading the log: filled from the agent or token when recorded, or
    /// the address tried by an anonymous sign-in.
    pub label: Option<String>,
}

impl AuditActor {
    /// Switchboard itself.
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            agent: None,
            label: None,
        }
    }
}

/// What was acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSubject {
    Conversation(ConversationId),
    Message(MessageId),
    Contact(ContactId),
    Agent(AgentId),
    Team(TeamId),
    Token(TokenId),
    Rule(RuleId),
    Webhook(WebhookId),
    /// A channel, by its configured name.
    Channel(String),
    /// Nothing in particular (signing in or out).
    None,
}

impl AuditSubject {
    /// The kind as stored and filtered (`contact` in `subject=contact:7`).
    pub fn kind(&self) -> Option<&'static str> {
        Some(match self {
            Self::Conversation(_) => "conversation",
            Self::Message(_) => "message",
            Self::Contact(_) => "contact",
            Self::Agent(_) => "agent",
            Self::Team(_) => "team",
            Self::Token(_) => "token",
            Self::Rule(_) => "rule",
            Self::Webhook(_) => "webhook",
            Self::Channel(_) => "channel",
            Self::None => return None,
        })
    }

    /// The id as stored: text, since a channel is known by its name.
    pub fn id(&self) -> Option<String> {
        Some(match self {
            Self::Conversation(id) => id.to_string(),
            Self::Message(id) => id.to_string(),
            Self::Contact(id) => id.to_string(),
            Self::Agent(id) => id.to_string(),
            Self::Team(id) => id.to_string(),
            Self::Token(id) => id.to_string(),
            Self::Rule(id) => id.to_string(),
            Self::Webhook(id) => id.to_string(),
            Self::Channel(name) => name.clone(),
            Self::None => return None,
        })
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor: AuditActor,
    pub action: AuditAction,
    pub subject: AuditSubject,
    /// The client's address, when the entry comes from a request.
    pub ip: Option<String>,
    /// Small facts that say more (the role before and after, the reason given).
    pub detail: serde_json::Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Millis,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub agent_id: Option<AgentId>,
    pub actor_label: Option<String>,
    pub action: AuditAction,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    /// The contact the subject belongs to (a conversation's or message's contact), found when
    /// the entry was written, so "everything about this person" is one indexed lookup.
    pub contact_id: Option<ContactId>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

/// Filters of the audit list; all given ones must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entries by this agent (signed in, or through a token acting as them).
    pub agent: Option<AgentId>,
    pub action: Option<AuditAction>,
    /// `(kind, id)` of the subject.
    pub subject: Option<(String, String)>,
    /// Entries about this contact, their conversations and messages.
    pub contact: Option<ContactId>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
}
