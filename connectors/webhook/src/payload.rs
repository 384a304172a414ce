//! The JSON shape of the public contract, in and out:
//! `{"id", "from": {"id", "name", "email", "phone"}, "thread", "text", "attachments", "timestamp"}`.

use chrono::{DateTime, Utc};
use connector_sdk::{Attachment, InboundMessage, OutboundMessage, Sender};
use serde::{Deserialize, Serialize};

/// An inbound webhook body. Only `id`, `from.id` and `text` are required.
#[derive(Debug, Deserialize)]
pub struct WebhookPayload {
    pub id: String,
    pub from: Party,
    #[serde(default)]
    pub thread: Option<String>,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentPayload>,
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
    /// Sent by a machine (an auto-reply, a bot): stored, but never answered automatically.
    #[serde(default)]
    pub automated: bool,
}

/// A person on the remote system.
#[derive(Debug, Serialize, Deserialize)]
pub struct Party {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// One attachment's metadata.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttachmentPayload {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
}

impl WebhookPayload {
    /// Parses a raw body.
    ///
    /// # Errors
    /// A message naming the offending field, e.g. `from.id: invalid type: integer, expected a string`.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        let payload: Self = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if path == "." || path.is_empty() {
                format!("invalid JSON body: {inner}")
            } else {
                format!("{path}: {inner}")
            }
        })?;
        deserializer
            .end()
            .map_err(|err| format!("invalid JSON body: {err}"))?;
        if payload.id.trim().is_empty() {
            return Err("id: must not be empty".into());
        }
        if payload.from.id.trim().is_empty() {
            return Err("from.id: must not be empty".into());
        }
        if payload.id.len() > 255 {
            return Err("id: longer than 255 bytes".into());
        }
        if payload.from.id.len() > 255 {
            return Err("from.id: longer than 255 bytes".into());
        }
        Ok(payload)
    }

    /// The normalised message for channel `channel`, whose contacts live in `scope`.
    pub fn into_inbound(self, channel: &str, scope: &str) -> InboundMessage {
        let mut sender = Sender::new(scope, self.from.id);
        if let Some(name) = self.from.name {
            sender = sender.with_name(name);
        }
        sender.email = self.from.email;
        sender.phone = self.from.phone;
        let attachments = self
            .attachments
            .into_iter()
            .map(|a| {
                let mut attachment = Attachment::at(a.url.unwrap_or_default());
                if attachment.url.as_deref() == Some("") {
                    attachment.url = None;
                }
                attachment.name = a.name;
                attachment.mime_type = a.mime_type;
                attachment.size = a.size;
                attachment
            })
            .collect();
        let mut message =
            InboundMessage::text(channel, self.id, sender, self.text).with_attachments(attachments);
        message.thread = self.thread;
        message.sent_at = self.timestamp;
        message.automated = self.automated;
        message
    }
}

/// The body POSTed to `callback_url` for a reply.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboundPayload {
    pub id: String,
    pub conversation_id: i64,
    pub from: Party,
    pub to: Party,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
    pub text: String,
    pub attachments: Vec<AttachmentPayload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    pub timestamp: DateTime<Utc>,
    /// Written by automation (an acknowledgement, a rule): a receiver that is itself an
    /// automated system must not answer it (another Switchboard honours it on the way in).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automated: bool,
    /// A satisfaction survey to render (buttons 1 to 5, say): post the customer's answer to
    /// its `answer_url` as JSON `{"rating": 1-5, "comment": "…"}`, or send them to `page_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_request: Option<connector_sdk::csat::CsatRequest>,
}

impl From<&OutboundMessage> for OutboundPayload {
    fn from(msg: &OutboundMessage) -> Self {
        let from = match &msg.author {
            Some(author) => Party {
                id: author.id.clone(),
                name: author.name.clone(),
                email: None,
                phone: None,
            },
            None => Party {
                id: "switchboard".into(),
                name: None,
                email: None,
                phone: None,
            },
        };
        OutboundPayload {
            id: msg.id.clone(),
            conversation_id: msg.conversation_id,
            from,
            to: Party {
                id: msg.to.external_id.clone(),
                name: msg.to.name.clone(),
                email: None,
                phone: None,
            },
            thread: msg.to.thread.clone(),
            text: msg.text.clone(),
            attachments: msg
                .attachments
                .iter()
                .map(|a| AttachmentPayload {
                    url: a.url.clone(),
                    name: a.name.clone(),
                    mime_type: a.mime_type.clone(),
                    size: a.size,
                })
                .collect(),
            in_reply_to: msg.in_reply_to.clone(),
            timestamp: msg.created_at,
            automated: msg.automated,
            csat_request: msg.csat.clone(),
        }
    }
}
