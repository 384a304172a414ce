//! Website live chat: a widget that a company embeds on its own site with one `<script>` tag,
//! served by Switchboard itself. This crate owns what is particular to the channel — its
//! settings, the allowed embedding origins, the visitor's identity proof and session token,
//! and the attachment files visitors upload; the core serves the widget and its API and
//! carries messages both ways through the same store and pipeline as every other channel.
//!
//! Sending needs no provider: an agent's reply is already committed when the dispatcher hands
//! it over, and the visitor's open widget receives it from the event stream (or reads it when
//! it comes back). So [`WebChatChannel::send`] only acknowledges.

pub mod identity;
pub mod origins;
pub mod session;

use std::path::PathBuf;

use connector_sdk::blobs::BlobStore;
use connector_sdk::{
    Attachment, AttachmentData, ChannelKind, Connector, ConnectorError, Delivery, OutboundMessage,
};
use serde::{Deserialize, Deserializer, Serialize};

pub use identity::{VisitorId, identity_hash, verify_identity};
pub use origins::{OriginPattern, frame_ancestors};
pub use session::SessionKey;

/// `[[channels]]` keys of a `web_chat` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The sites that may embed the widget (`https://shop.example.com`, `https://*.example.com`);
    /// they become the widget page's `frame-ancestors`.
    #[serde(deserialize_with = "origin_list")]
    pub allowed_origins: Vec<OriginPattern>,
    /// The key the host site's backend signs user ids with (`identify`'s `hash`).
    #[serde(default)]
    pub identity_secret: Option<String>,
    /// Refuse `identify` without a valid hash, and anonymous visitors altogether.
    #[serde(default)]
    pub identity_required: bool,
    /// The widget's header; the visitor's language's "Chat with us" without it.
    #[serde(default)]
    pub title: Option<String>,
    /// The first lines a visitor reads, above the conversation.
    #[serde(default)]
    pub welcome: Option<String>,
    /// The accent colour (`#rrggbb`): launcher, header and the visitor's messages.
    #[serde(default = "default_color", deserialize_with = "colour")]
    pub color: String,
    #[serde(default)]
    pub position: Position,
    /// The reply time the widget promises.
    #[serde(default)]
    pub reply_time: ReplyTime,
    /// The widget's language when the browser prefers neither English nor Czech.
    #[serde(default)]
    pub locale: Locale,
    /// Shown outside the business hours of the channel's calendar (`[[business_hours]]`).
    #[serde(default)]
    pub away_message: Option<String>,
    #[serde(default)]
    pub pre_chat: PreChat,
    /// An email channel: an answer the visitor has not seen within `email_after_secs` goes to
    /// their email address through it, and their email reply continues the same conversation.
    #[serde(default)]
    pub email_channel: Option<String>,
    #[serde(default = "default_email_after_secs")]
    pub email_after_secs: u64,
    /// Where uploaded files are kept (content-addressed, private to the service's user).
    #[serde(default = "default_blob_dir")]
    pub blob_dir: PathBuf,
    /// Largest file a visitor may upload.
    #[serde(default = "default_max_upload_bytes")]
    pub max_upload_bytes: u64,
    /// MIME types a visitor may upload (`image/*` covers every image type).
    #[serde(default = "default_upload_types")]
    pub upload_types: Vec<String>,
    /// Longest visitor message, in characters.
    #[serde(default = "default_max_text_chars")]
    pub max_text_chars: usize,
    /// New visitor sessions per client address per hour.
    #[serde(default = "default_sessions_per_hour")]
    pub sessions_per_hour: u32,
    /// New conversations per client address per hour.
    #[serde(default = "default_conversations_per_hour")]
    pub conversations_per_hour: u32,
    /// Messages (and uploads) per visitor per minute.
    #[serde(default = "default_messages_per_minute")]
    pub messages_per_minute: u32,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("allowed_origins", &self.allowed_origins)
            .field(
                "identity_secret",
                &self.identity_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("identity_required", &self.identity_required)
            .field("email_channel", &self.email_channel)
            .finish_non_exhaustive()
    }
}

/// Which corner the widget sits in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    #[default]
    Right,
    Left,
}

/// The reply time the widget promises: "in a few minutes", "hours", "within a day".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyTime {
    #[default]
    Minutes,
    Hours,
    Day,
}

/// The widget's languages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Cs,
}

/// The form a visitor fills in before the first message.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreChat {
    #[serde(default)]
    pub enabled: bool,
    /// Shown above the form.
    #[serde(default)]
    pub message: Option<String>,
    /// The fields; name and email when none are listed. `name` and `email` fill the contact's
    /// name and email, any other name a contact attribute.
    #[serde(default)]
    pub fields: Vec<PreChatField>,
}

/// One field of the pre-chat form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreChatField {
    pub name: String,
    pub label: String,
    #[serde(default, rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
}

/// The input type of a pre-chat field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    #[default]
    Text,
    Email,
    Tel,
}

fn default_color() -> String {
    "#1f6feb".to_owned()
}
fn default_email_after_secs() -> u64 {
    120
}
fn default_blob_dir() -> PathBuf {
    PathBuf::from("switchboard-blobs")
}
fn default_max_upload_bytes() -> u64 {
    10 * 1024 * 1024
}
fn default_upload_types() -> Vec<String> {
    ["image/*", "application/pdf", "text/plain"]
        .map(str::to_owned)
        .to_vec()
}
fn default_max_text_chars() -> usize {
    5_000
}
fn default_sessions_per_hour() -> u32 {
    60
}
fn default_conversations_per_hour() -> u32 {
    10
}
fn default_messages_per_minute() -> u32 {
    30
}

fn origin_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<OriginPattern>, D::Error> {
    let entries = Vec::<String>::deserialize(deserializer)?;
    if entries.is_empty() {
        return Err(serde::de::Error::custom(
            "must list at least one origin that may embed the widget, e.g. \"https://shop.example.com\"",
        ));
    }
    entries
        .iter()
        .map(|entry| OriginPattern::parse(entry).map_err(serde::de::Error::custom))
        .collect()
}

fn colour<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    let hex = text.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(serde::de::Error::custom(format!(
            "{text:?} is not a colour of the form #rrggbb"
        )))
    }
}

impl Config {
    /// The pre-chat fields the widget shows: the configured ones, else name and email.
    pub fn pre_chat_fields(&self) -> Vec<PreChatField> {
        if !self.pre_chat.fields.is_empty() {
            return self.pre_chat.fields.clone();
        }
        vec![
            PreChatField {
                name: "name".into(),
                label: "Name".into(),
                field_type: FieldType::Text,
                required: false,
            },
            PreChatField {
                name: "email".into(),
                label: "Email".into(),
                field_type: FieldType::Email,
                required: true,
            },
        ]
    }

    /// True when a visitor may upload a file of `mime_type`.
    pub fn accepts_upload_type(&self, mime_type: &str) -> bool {
        let mime = mime_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let Some((kind, _)) = mime.split_once('/') else {
            return false;
        };
        self.upload_types.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            match allowed.strip_suffix("/*") {
                Some(prefix) => prefix == kind,
                None => allowed == mime,
            }
        })
    }

    /// Checks what serde cannot: relations between keys and ranges.
    fn check(&self) -> Result<(), ConnectorError> {
        if self.identity_required && self.identity_secret.is_none() {
            return Err(ConnectorError::Config(
                "identity_required: needs identity_secret (the key the host site signs user ids with)",
            ));
        }
        if self
            .identity_secret
            .as_deref()
            .is_some_and(|s| s.len() < 16)
        {
            return Err(ConnectorError::Config(
                "identity_secret: must be at least 16 characters",
            ));
        }
        if self.max_upload_bytes == 0 || self.max_text_chars == 0 {
            return Err(ConnectorError::Config(
                "max_upload_bytes and max_text_chars: must be above 0",
            ));
        }
        if self.sessions_per_hour == 0
            || self.conversations_per_hour == 0
            || self.messages_per_minute == 0
        {
            return Err(ConnectorError::Config(
                "sessions_per_hour, conversations_per_hour and messages_per_minute: must be above 0",
            ));
        }
        if self.email_after_secs == 0 {
            return Err(ConnectorError::Config("email_after_secs: must be above 0"));
        }
        let valid_type = |t: &String| {
            t.split_once('/').is_some_and(|(kind, sub)| {
                !kind.is_empty()
                    && !sub.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/*.+-".contains(&b))
            })
        };
        if !self.upload_types.iter().all(valid_type) {
            return Err(ConnectorError::Config(
                "upload_types: each entry must be a MIME type such as image/* or application/pdf",
            ));
        }
        let mut names = std::collections::HashSet::new();
        for field in &self.pre_chat.fields {
            let valid = (1..=40).contains(&field.name.len())
                && field
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid || !names.insert(field.name.as_str()) {
                return Err(ConnectorError::Config(
                    "pre_chat.fields: each name must be unique, 1-40 characters of a-z, 0-9 and _",
                ));
            }
        }
        Ok(())
    }
}

/// A configured web chat channel.
pub struct WebChatChannel {
    name: String,
    scope: String,
    config: Config,
    blobs: BlobStore,
}

impl WebChatChannel {
    /// Builds the channel `name` from its config.
    ///
    /// # Errors
    /// `Config` naming the key whose value cannot work.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        config.check()?;
        let name = name.into();
        let blobs = BlobStore::new(config.blob_dir.clone());
        Ok(Self {
            scope: format!("web_chat:{name}"),
            name,
            config,
            blobs,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where visitors' uploads are kept.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The identity scope of this channel's visitors (`web_chat:<name>`).
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// A warning naming the upload directory when other users of the machine can read it.
    pub fn exposure_warning(&self) -> Option<String> {
        self.blobs.exposure_warning()
    }
}

#[async_trait::async_trait]
impl Connector for WebChatChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::WebChat
    }

    fn identity_scope(&self) -> String {
        self.scope.clone()
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        // Committed before the dispatcher got it; the widget reads it from the store.
        Ok(Delivery::with_id(Some(format!("web_chat:{}", msg.id))))
    }

    fn receiver_deduplicates(&self) -> bool {
        // The widget keys messages by our id: a repeated hand-over shows nothing twice.
        true
    }

    async fn fetch_attachment(
        &self,
        attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        self.blobs.attachment_data(attachment)
    }

    fn stores_attachments_locally(&self) -> bool {
        true
    }

    async fn delete_attachment_file(&self, file_id: &str) -> Result<bool, ConnectorError> {
        self.blobs
            .remove(file_id)
            .map_err(|err| ConnectorError::unavailable(err, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        toml::from_str::<Config>(text).map_err(|err| err.to_string())
    }

    #[test]
    fn a_minimal_channel_takes_the_defaults() {
        let config = parse(r#"allowed_origins = ["https://shop.example.com"]"#).expect("config");
        let channel = WebChatChannel::new("site", config).expect("channel");
        assert_eq!(channel.scope(), "web_chat:site");
        assert_eq!(channel.config().color, "#1f6feb");
        assert_eq!(channel.config().pre_chat_fields().len(), 2);
        assert!(channel.config().accepts_upload_type("image/png"));
        assert!(channel.config().accepts_upload_type("Application/PDF; x=1"));
        assert!(!channel.config().accepts_upload_type("text/html"));
        assert!(!channel.config().accepts_upload_type("image"));
    }

    #[test]
    fn bad_settings_name_their_key() {
        for (text, expected) in [
            ("allowed_origins = []", "at least one origin"),
            ("allowed_origins = [\"shop.example.com\"]", "https://"),
            (
                "allowed_origins = [\"https://a.example\"]\ncolor = \"red\"",
                "#rrggbb",
            ),
            (
                "allowed_origins = [\"https://a.example\"]\nsize = 1",
                "size",
            ),
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}: {err}");
        }
        let required_without_secret =
            parse("allowed_origins = [\"https://a.example\"]\nidentity_required = true")
                .expect("parses");
        let Err(ConnectorError::Config(message)) =
            WebChatChannel::new("site", required_without_secret)
        else {
            panic!("identity_required without a secret must be refused");
        };
        assert!(message.starts_with("identity_required"), "{message}");
    }
}
