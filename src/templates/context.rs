//! What a template can print: the contact, the conversation, the agent, the channel, business
//! hours and custom values. Built from domain types by the caller; never read from the store here.

use connector_sdk::ChannelKind;
use serde::Serialize;

use crate::domain::{Agent, Contact, Conversation};

/// Everything a template sees, as top-level variables `contact`, `conversation`, `agent`,
/// `channel`, `business_hours` and `custom`.
#[derive(Debug, Serialize, Clone, Default)]
pub struct TemplateContext {
    pub contact: ContactContext,
    pub conversation: ConversationContext,
    /// The agent the message is sent as; `none` for bots and automatic messages.
    pub agent: Option<AgentContext>,
    pub channel: ChannelContext,
    pub business_hours: BusinessHoursContext,
    /// Values the caller adds (a rule's parameters, the API's `values`).
    pub custom: serde_json::Map<String, serde_json::Value>,
}

/// `contact.*`
#[derive(Debug, Serialize, Clone, Default)]
pub struct ContactContext {
    pub id: i64,
    /// The full name, `none` when unknown.
    pub name: Option<String>,
    /// The first word of the name, for a friendly greeting.
    pub first_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The contact's attributes (plan, company, locale, …).
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
}

/// `conversation.*`
#[derive(Debug, Serialize, Clone, Default)]
pub struct ConversationContext {
    pub id: i64,
    /// What customers see as their ticket number (the id).
    pub number: i64,
    pub subject: Option<String>,
    /// `open`, `pending`, `snoozed` or `resolved`.
    pub status: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub labels: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// `agent.*`
#[derive(Debug, Serialize, Clone, Default)]
pub struct AgentContext {
    pub id: i64,
    pub name: String,
    pub first_name: String,
}

/// `channel.*`
#[derive(Debug, Serialize, Clone, Default)]
pub struct ChannelContext {
    /// The configured channel name (`support-mail`).
    pub name: String,
    /// `email`, `telegram`, `discord`, `whatsapp`, `messenger`, `instagram` or `webhook`.
    pub kind: String,
}

/// `business_hours.*`, filled in by the caller that knows the schedule.
#[derive(Debug, Serialize, Clone)]
pub struct BusinessHoursContext {
    /// True while the team is at work.
    pub open: bool,
    /// The schedule's IANA time zone, e.g. `Europe/Prague`.
    pub timezone: String,
    /// When the team is next at work (RFC 3339), `none` while open or without a schedule.
    pub next_open: Option<String>,
    /// How soon an answer can be expected, already worded in the contact's language by the
    /// caller ("2 hours", "2 hodiny"); empty when unknown.
    pub expected_response: String,
}

impl Default for BusinessHoursContext {
    fn default() -> Self {
        Self {
            open: true,
            timezone: "UTC".into(),
            next_open: None,
            expected_response: String::new(),
        }
    }
}

fn first_word(name: &str) -> Option<String> {
    name.split_whitespace().next().map(str::to_owned)
}

impl TemplateContext {
    /// Made-up data that exercises every field: used to check templates at start-up and by
    /// the preview API when no conversation is named.
    pub fn sample() -> Self {
        let mut attributes = serde_json::Map::new();
        attributes.insert("plan".into(), "business".into());
        attributes.insert("locale".into(), "cs".into());
        Self {
            contact: ContactContext {
                id: 7,
                name: Some("Jana Nováková".into()),
                first_name: Some("Jana".into()),
                email: Some("jana.novakova@example.com".into()),
                phone: Some("+420 777 123 456".into()),
                attributes,
                tags: vec!["vip".into()],
            },
            conversation: ConversationContext {
                id: 1042,
                number: 1042,
                subject: Some("Order 5531 has not arrived".into()),
                status: "open".into(),
                priority: "normal".into(),
                labels: vec!["shipping".into()],
                created_at: "2026-11-24T09:30:00+00:00".into(),
            },
            agent: Some(AgentContext {
                id: 3,
                name: "Petr Svoboda".into(),
                first_name: "Petr".into(),
            }),
            channel: ChannelContext {
                name: "support".into(),
                kind: ChannelKind::Webhook.as_str().into(),
            },
            business_hours: BusinessHoursContext {
                open: false,
                timezone: "Europe/Prague".into(),
                next_open: Some("2026-11-25T08:00:00+01:00".into()),
                expected_response: "2 hours".into(),
            },
            custom: serde_json::Map::new(),
        }
    }

    /// The context of a real conversation. Business hours start as "open, no schedule";
    /// callers that know the schedule replace them.
    pub fn from_parts(
        contact: &Contact,
        conversation: &Conversation,
        agent: Option<&Agent>,
        channel_name: &str,
        channel_kind: ChannelKind,
    ) -> Self {
        Self {
            contact: ContactContext {
                id: contact.id.get(),
                name: contact.name.clone(),
                first_name: contact.name.as_deref().and_then(first_word),
                email: contact.email.clone(),
                phone: contact.phone.clone(),
                attributes: contact.attributes.clone(),
                tags: contact.tags.clone(),
            },
            conversation: ConversationContext {
                id: conversation.id.get(),
                number: conversation.id.get(),
                subject: conversation.subject.clone(),
                status: conversation.status.as_str().into(),
                priority: conversation.priority.as_str().into(),
                labels: conversation.labels.clone(),
                created_at: conversation.created_at.to_rfc3339(),
            },
            agent: agent.map(|agent| AgentContext {
                id: agent.id.get(),
                name: agent.name.clone(),
                first_name: first_word(&agent.name).unwrap_or_else(|| agent.name.clone()),
            }),
            channel: ChannelContext {
                name: channel_name.to_owned(),
                kind: channel_kind.as_str().into(),
            },
            business_hours: BusinessHoursContext::default(),
            custom: serde_json::Map::new(),
        }
    }
}
