//! What the widget reads: the channel's settings for the page, the visitor, and messages as
//! a visitor may see them (no notes, no agent ids, no delivery internals).

use chrono::{DateTime, Utc};
use connector_webchat::{Config, FieldType, Locale, Position, ReplyTime, VisitorId};
use serde::Serialize;

use crate::csat::Surveys;
use crate::domain::csat::{CsatSurvey, MAX_COMMENT_CHARS};
use crate::domain::{AuthorType, Direction, Message, Millis};
use crate::store::WebChatVisitor;

/// `GET /widget/{channel}/config`.
#[derive(Debug, Serialize)]
pub struct ConfigView {
    pub channel: String,
    pub title: Option<String>,
    pub welcome: Option<String>,
    pub color: String,
    pub position: Position,
    pub reply_time: ReplyTime,
    /// Within the channel's business hours now (always, without a calendar).
    pub online: bool,
    pub away_message: Option<String>,
    pub locale: Locale,
    pub pre_chat: PreChatView,
    pub identity_required: bool,
    pub max_upload_bytes: u64,
    pub upload_types: Vec<String>,
    pub max_text_chars: usize,
}

#[derive(Debug, Serialize)]
pub struct PreChatView {
    pub enabled: bool,
    pub message: Option<String>,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Serialize)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
}

impl ConfigView {
    pub fn new(channel: &str, config: &Config, online: bool) -> Self {
        Self {
            channel: channel.to_owned(),
            title: config.title.clone(),
            welcome: config.welcome.clone(),
            color: config.color.clone(),
            position: config.position,
            reply_time: config.reply_time,
            online,
            away_message: config.away_message.clone(),
            locale: config.locale,
            pre_chat: PreChatView {
                enabled: config.pre_chat.enabled,
                message: config.pre_chat.message.clone(),
                fields: config
                    .pre_chat_fields()
                    .into_iter()
                    .map(|field| FieldView {
                        name: field.name,
                        label: field.label,
                        field_type: field.field_type,
                        required: field.required,
                    })
                    .collect(),
            },
            identity_required: config.identity_required,
            max_upload_bytes: config.max_upload_bytes,
            upload_types: config.upload_types.clone(),
            max_text_chars: config.max_text_chars,
        }
    }
}

/// The visitor as the widget shows them.
#[derive(Debug, Serialize)]
pub struct VisitorView {
    /// `anon:…` or `user:…`.
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Proven by the host site's identity hash.
    pub verified: bool,
}

impl VisitorView {
    pub fn new(visitor: &VisitorId, details: Option<WebChatVisitor>) -> Self {
        let details = details.unwrap_or_default();
        Self {
            id: visitor.external_id(),
            name: details.name,
            email: details.email,
            verified: visitor.is_verified(),
        }
    }
}

/// A session: the token to keep and the visitor it stands for.
#[derive(Debug, Serialize)]
pub struct SessionView {
    pub token: String,
    pub visitor: VisitorView,
}

/// A message as the visitor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub id: i64,
    pub conversation_id: i64,
    /// `visitor`, `agent` or `bot`.
    pub from: &'static str,
    /// The agent's name on their answers.
    pub author: Option<String>,
    pub text: String,
    pub attachments: Vec<AttachmentView>,
    pub created_at: DateTime<Utc>,
    /// The widget's id of a message the visitor sent from it.
    pub client_id: Option<String>,
    /// The satisfaction survey this message carries, shown under it; absent on the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<CsatView>,
}

/// A survey as the widget shows it under its message. Only the visitor's own history carries
/// it, and its token is worth nothing to anyone else in the widget: the answer route also
/// checks that the visitor is the surveyed contact.
#[derive(Debug, Clone, Serialize)]
pub struct CsatView {
    /// `open`, `answered` (it can still be changed until it expires) or `expired`.
    pub state: &'static str,
    /// The ratings to offer, 1 (poor) to 5 (excellent).
    pub ratings: Vec<u8>,
    /// The latest answer to this survey, by the visitor on any of their devices (or through
    /// the survey page).
    pub rating: Option<u8>,
    pub expires_at: DateTime<Utc>,
    /// Sent back with the answer (`POST csat`); `None` once the survey has expired.
    pub token: Option<String>,
    /// Longest comment accepted with an answer.
    pub max_comment_chars: usize,
}

impl CsatView {
    /// `survey` as its message shows it at `now`, with its token from `surveys`.
    pub fn new(survey: &CsatSurvey, surveys: &Surveys, now: DateTime<Utc>) -> Self {
        let expired = survey.expires_at <= now;
        let state = match (expired, survey.rating) {
            (true, _) => "expired",
            (false, Some(_)) => "answered",
            (false, None) => "open",
        };
        Self {
            state,
            ratings: connector_sdk::csat::RATINGS.collect(),
            rating: survey.rating,
            expires_at: survey.expires_at,
            token: (!expired)
                .then(|| surveys.token(survey.conversation, Millis::from(survey.expires_at))),
            max_comment_chars: MAX_COMMENT_CHARS,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub index: usize,
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub size: Option<u64>,
    /// A file kept elsewhere (a link an agent attached): the widget links to it; the others
    /// it fetches with the visitor's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The external id of a message the widget sent: the visitor, then the widget's id, so one
/// visitor's ids never meet another's.
pub fn external_id(visitor: &VisitorId, client_id: &str) -> String {
    format!("{}/{client_id}", visitor.external_id())
}

fn is_web_link(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

impl MessageView {
    /// `message` for `visitor`; `author` is the agent's name for an agent's answer.
    pub fn new(message: &Message, visitor: &VisitorId, author: Option<String>) -> Self {
        let from = match (message.direction, message.author_type) {
            (Direction::In, _) => "visitor",
            (Direction::Out, AuthorType::Agent) => "agent",
            (Direction::Out, _) => "bot",
        };
        let prefix = format!("{}/", visitor.external_id());
        let client_id = match message.direction {
            Direction::In => message
                .external_id
                .as_deref()
                .and_then(|id| id.strip_prefix(&prefix))
                .map(str::to_owned),
            Direction::Out => None,
        };
        Self {
            id: message.id.get(),
            conversation_id: message.conversation_id.get(),
            from,
            author: if from == "agent" { author } else { None },
            text: message.text.clone(),
            attachments: message
                .attachments
                .iter()
                .enumerate()
                .filter(|(_, attachment)| !attachment.expired)
                .map(|(index, attachment)| AttachmentView {
                    index,
                    name: attachment.name.clone(),
                    mime_type: attachment.mime_type.clone(),
                    size: attachment.size,
                    url: attachment
                        .url
                        .clone()
                        .filter(|url| attachment.file_id.is_none() && is_web_link(url)),
                })
                .collect(),
            created_at: message.created_at,
            client_id,
            csat: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConversationId;

    #[test]
    fn a_survey_is_open_answered_then_expired_and_loses_its_token() {
        let surveys = Surveys::new(
            b"key".to_vec(),
            "https://sb.example",
            crate::csat::DEFAULT_VALIDITY,
        );
        let expires_at = Millis(2_000_000_000_000);
        let mut survey = CsatSurvey {
            conversation: ConversationId::new(42),
            channel: "site".into(),
            sent_at: Millis(1_900_000_000_000).to_datetime(),
            expires_at: expires_at.to_datetime(),
            rating: None,
            answered_at: None,
        };
        let before = Millis(1_950_000_000_000).to_datetime();
        let open = CsatView::new(&survey, &surveys, before);
        assert_eq!(open.state, "open");
        assert_eq!(open.ratings, [1, 2, 3, 4, 5]);
        let token = open.token.expect("an open survey has its token");
        // The token the widget gets is the one the survey went out with: the core accepts it.
        let claims = surveys.verify(&token, Millis::from(before)).expect("valid");
        assert_eq!(claims.conversation, ConversationId::new(42));
        assert_eq!(
            token,
            surveys.request(ConversationId::new(42), expires_at).token
        );

        survey.rating = Some(4);
        let answered = CsatView::new(&survey, &surveys, before);
        assert_eq!((answered.state, answered.rating), ("answered", Some(4)));

        let expired = CsatView::new(&survey, &surveys, expires_at.to_datetime());
        assert_eq!(expired.state, "expired");
        assert_eq!(expired.rating, Some(4));
        assert!(expired.token.is_none());
    }
}
