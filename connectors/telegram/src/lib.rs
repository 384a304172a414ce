//! The Telegram channel: a bot in private chats and groups, by long polling (default, works
//! behind NAT) or webhook. Inbound updates become Switchboard events; replies go out through
//! `teloxide-core` with Telegram's rate limits. Owns the Bot API protocol and nothing else.

pub mod convert;
pub mod format;
#[cfg(test)]
mod fuzz_props;
pub mod limits;
mod poll;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_sdk::net::{Credential, FetchLimits, MediaFetcher, TargetPolicy};
use connector_sdk::{
    Attachment, AttachmentData, ChannelKind, Connector, ConnectorError, Delivery, InboundEvent,
    Inbox, OutboundMessage, WebhookError,
};
use serde::Deserialize;
use teloxide_core::payloads::{SendDocumentSetters, SendMessageSetters, SendPhotoSetters};
use teloxide_core::requests::Requester;
use teloxide_core::types::{
    ChatId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ParseMode,
    ReplyParameters,
};
use teloxide_core::{ApiError, Bot, RequestError};
use tokio_util::sync::CancellationToken;

use crate::limits::Limits;

/// The header Telegram sends with the webhook's secret token.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// How the bot receives updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `getUpdates` long polling: no public URL needed.
    #[default]
    Polling,
    /// Telegram POSTs updates to `/hooks/{channel}` with the secret token.
    Webhook,
}

/// `[[channels]]` keys of a `telegram` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The bot token from @BotFather.
    pub token: String,
    /// Bot API base URL.
    #[serde(default = "default_api_url")]
    pub api_url: String,
    #[serde(default)]
    pub mode: Mode,
    /// Required in webhook mode: Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token`.
    #[serde(default)]
    pub secret_token: Option<String>,
    /// Webhook mode: the public URL of `/hooks/{channel}`; when set, the bot registers it at
    /// start-up. Checked when the config is read, not first when the listener registers it.
    #[serde(
        default,
        deserialize_with = "connector_sdk::settings::optional_http_url"
    )]
    pub webhook_url: Option<String>,
    /// Long-poll timeout; Telegram holds the request this long when there is nothing new.
    #[serde(default = "default_poll_timeout")]
    pub poll_timeout_secs: u32,
    #[serde(default = "default_private_rate")]
    pub private_chat_per_second: u32,
    #[serde(default = "default_group_rate")]
    pub group_per_minute: u32,
    #[serde(default = "default_bot_rate")]
    pub bot_per_second: u32,
    /// Largest file download, in bytes (the public Bot API serves at most 20 MB; a local
    /// Bot API server more).
    #[serde(default = "default_max_file_bytes")]
    pub max_file_bytes: u64,
    /// Longest a file download may take.
    #[serde(default = "default_file_timeout")]
    pub file_timeout_secs: u64,
}

fn default_api_url() -> String {
    "https://api.telegram.org/".into()
}
fn default_poll_timeout() -> u32 {
    10
}
fn default_private_rate() -> u32 {
    limits::PRIVATE_CHAT_PER_SECOND
}
fn default_group_rate() -> u32 {
    limits::GROUP_PER_MINUTE
}
fn default_bot_rate() -> u32 {
    limits::BOT_PER_SECOND
}
fn default_max_file_bytes() -> u64 {
    20 * 1024 * 1024
}
fn default_file_timeout() -> u64 {
    60
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// A configured Telegram bot.
pub struct Telegram {
    name: String,
    config: Config,
    api_url: reqwest::Url,
    bot: Bot,
    http: reqwest::Client,
    /// Downloads files; their URLs carry the token, so only `api_url` may be reached.
    files: MediaFetcher,
    limits: Limits,
    /// Parts of long replies already delivered, by our message id, so that a retry after a
    /// partial failure does not repeat them (within this process).
    delivered_parts: Mutex<std::collections::HashMap<String, Vec<i64>>>,
}

impl Telegram {
    /// Builds the bot `name` from its config.
    ///
    /// # Errors
    /// `Unsupported` with the reason when the config cannot work (bad URL, webhook mode
    /// without a valid secret token).
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        let mut api_url = reqwest::Url::parse(&config.api_url)
            .map_err(|_| ConnectorError::Config("api_url: not a URL"))?;
        if !api_url.path().ends_with('/') {
            api_url.set_path(&format!("{}/", api_url.path()));
        }
        if config.token.trim().is_empty() {
            return Err(ConnectorError::Config("token: must not be empty"));
        }
        if config.mode == Mode::Webhook {
            let valid = config.secret_token.as_deref().is_some_and(|secret| {
                (1..=256).contains(&secret.len())
                    && secret
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            if !valid {
                return Err(ConnectorError::Config(
                    "secret_token: webhook mode needs 1-256 characters of A-Z a-z 0-9 _ -",
                ));
            }
        }
        // Long polls must end before the client's own timeout.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(
                u64::from(config.poll_timeout_secs) + 15,
            ))
            .build()
            .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        let bot = Bot::with_client(config.token.clone(), http.clone()).set_api_url(api_url.clone());
        if config.max_file_bytes == 0 || config.file_timeout_secs == 0 {
            return Err(ConnectorError::Config(
                "max_file_bytes and file_timeout_secs: must be positive",
            ));
        }
        // The configured API is the only host the fetcher will send a file URL to, so the
        // guard's address rule never applies: no other host is reachable at all.
        let files = MediaFetcher::new(
            TargetPolicy::new(false, "api_url"),
            vec![api_url.clone()],
            FetchLimits {
                max_bytes: config.max_file_bytes,
                timeout: Duration::from_secs(config.file_timeout_secs),
            },
        )
        .map_err(|_| ConnectorError::Unsupported("building an HTTP client"))?;
        Ok(Self {
            name: name.into(),
            limits: Limits::new(
                config.private_chat_per_second,
                config.group_per_minute,
                config.bot_per_second,
            ),
            config,
            api_url,
            bot,
            http,
            files,
            delivered_parts: Mutex::default(),
        })
    }

    /// Answers a button press (`answerCallbackQuery`), which stops the button's spinner in
    /// the customer's app. Best effort: Telegram forgets presses after a while, and an
    /// unanswered one costs nothing but the spinner.
    pub(crate) async fn answer_callback_query(&self, id: &str) {
        answer_callback_query(self.bot.clone(), id.to_owned()).await;
    }

    fn chat_of(msg: &OutboundMessage) -> Result<i64, ConnectorError> {
        msg.to
            .thread
            .as_deref()
            .unwrap_or(&msg.to.external_id)
            .parse()
            .map_err(|_| ConnectorError::rejected("the conversation has no Telegram chat id"))
    }

    async fn send_attachment(
        &self,
        chat: ChatId,
        attachment: &Attachment,
        reply: Option<&ReplyParameters>,
    ) -> Result<i64, RequestError> {
        let input = match (&attachment.file_id, &attachment.url) {
            (Some(file_id), _) => InputFile::file_id(FileId(file_id.clone())),
            (None, Some(url)) => match reqwest::Url::parse(url) {
                Ok(url) => InputFile::url(url),
                Err(_) => {
                    return Err(RequestError::Api(ApiError::Unknown(format!(
                        "Bad Request: bad attachment URL {url}"
                    ))));
                }
            },
            (None, None) => {
                return Err(RequestError::Api(ApiError::Unknown(
                    "Bad Request: attachment without a file".into(),
                )));
            }
        };
        let is_image = attachment
            .mime_type
            .as_deref()
            .is_some_and(|mime| mime.starts_with("image/") && mime != "image/svg+xml");
        let sent = if is_image {
            let mut request = self.bot.send_photo(chat, input);
            if let Some(reply) = reply {
                request = request.reply_parameters(reply.clone());
            }
            request.await?
        } else {
            let mut request = self.bot.send_document(chat, input);
            if let Some(reply) = reply {
                request = request.reply_parameters(reply.clone());
            }
            request.await?
        };
        Ok(i64::from(sent.id.0))
    }
}

/// `answerCallbackQuery` with a thank-you; failures are only logged (see
/// [`Telegram::answer_callback_query`]).
async fn answer_callback_query(bot: Bot, id: String) {
    let request = teloxide_core::payloads::AnswerCallbackQuerySetters::text(
        bot.answer_callback_query(teloxide_core::types::CallbackQueryId(id)),
        "Thank you!",
    );
    if let Err(err) = request.await {
        tracing::debug!(error = %err, "answerCallbackQuery failed");
    }
}

/// True when a Bot API error description is a refusal of the request (a 4xx), by the prefixes
/// Telegram gives them.
fn is_refusal(description: &str) -> bool {
    const REFUSALS: [&str; 6] = [
        "Bad Request",
        "Unauthorized",
        "Forbidden",
        "Not Found",
        "Conflict",
        "Too Many Requests",
    ];
    REFUSALS
        .iter()
        .any(|prefix| description.starts_with(prefix))
}

/// Sorts a Bot API failure for the dispatcher.
fn classify(err: RequestError) -> ConnectorError {
    match err {
        RequestError::RetryAfter(seconds) => {
            ConnectorError::unavailable("Telegram asked to slow down", Some(seconds.duration()))
        }
        RequestError::Api(
            api @ (ApiError::BotBlocked
            | ApiError::ChatNotFound
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::UserNotFound
            | ApiError::CantInitiateConversation),
        ) => ConnectorError::Rejected {
            reason: api.to_string(),
            unreachable: true,
        },
        RequestError::Api(ApiError::InvalidToken) => ConnectorError::Unauthorized,
        // teloxide drops the HTTP status and keeps only the description. Telegram words its
        // refusals "Bad Request: …", "Forbidden: …" and so on; an unknown description without
        // such a prefix ("Internal Server Error", "Bad Gateway") is Telegram failing, which
        // must be retried rather than fail the reply for good.
        RequestError::Api(ApiError::Unknown(description)) if !is_refusal(&description) => {
            ConnectorError::unavailable(description, None)
        }
        RequestError::Api(api) => ConnectorError::rejected(api.to_string()),
        RequestError::MigrateToChatId(chat) => ConnectorError::rejected(format!(
            "the group moved to chat {chat}; reply in the new conversation"
        )),
        other @ (RequestError::Network(_)
        | RequestError::InvalidJson { .. }
        | RequestError::Io(_)) => ConnectorError::unavailable(other, None),
    }
}

#[async_trait::async_trait]
impl Connector for Telegram {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Telegram
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let chat = Self::chat_of(msg)?;
        if let Some(left) = self.limits.paused_for(chat) {
            return Err(ConnectorError::unavailable(
                "chat paused after a 429",
                Some(left),
            ));
        }
        // In groups, quote the customer's message so the answer is visibly theirs.
        let reply = msg
            .in_reply_to
            .as_deref()
            .and_then(convert::parse_external_id)
            .filter(|(reply_chat, _)| *reply_chat == chat && chat < 0)
            .and_then(|(_, message)| i32::try_from(message).ok())
            .map(|message| {
                let mut parameters = ReplyParameters::new(MessageId(message));
                parameters.allow_sending_without_reply = Some(true);
                parameters
            });
        let parts = match &msg.markup {
            // A template written for Telegram: HTML with its values escaped already. One that
            // needs splitting goes as plain text, since a cut could leave a tag open.
            Some(markup) if markup.chars().count() <= format::MAX_MESSAGE_CHARS => {
                vec![markup.clone()]
            }
            _ if msg.text.trim().is_empty() => Vec::new(),
            _ => format::split_escaped(&msg.text, format::MAX_MESSAGE_CHARS),
        };
        let already: Vec<i64> = self
            .delivered_parts
            .lock()
            .map(|done| done.get(&msg.id).cloned().unwrap_or_default())
            .unwrap_or_default();
        let mut delivered = already.clone();
        let items = parts.len() + msg.attachments.len();
        // A survey's buttons go under its last text part: one row, 1 to 5.
        let keyboard = msg.csat.as_ref().map(|survey| {
            InlineKeyboardMarkup::new([survey
                .choices
                .iter()
                .map(|choice| {
                    InlineKeyboardButton::callback(
                        choice.rating.to_string(),
                        choice.payload.clone(),
                    )
                })
                .collect::<Vec<_>>()])
        });
        let keyboard_at = parts.len().checked_sub(1);
        for index in already.len()..items {
            self.limits.acquire(chat).await;
            let reply_now = if index == 0 { reply.as_ref() } else { None };
            let sent = if let Some(text) = parts.get(index) {
                let mut request = self
                    .bot
                    .send_message(ChatId(chat), text.clone())
                    .parse_mode(ParseMode::Html);
                if let Some(reply) = reply_now {
                    request = request.reply_parameters(reply.clone());
                }
                if let (Some(keyboard), true) = (&keyboard, keyboard_at == Some(index)) {
                    request = request.reply_markup(keyboard.clone());
                }
                request.await.map(|message| i64::from(message.id.0))
            } else {
                let attachment = &msg.attachments[index - parts.len()];
                self.send_attachment(ChatId(chat), attachment, reply_now)
                    .await
            };
            match sent {
                Ok(id) => {
                    delivered.push(id);
                    if let Ok(mut done) = self.delivered_parts.lock() {
                        done.insert(msg.id.clone(), delivered.clone());
                    }
                }
                Err(err) => {
                    if let RequestError::RetryAfter(seconds) = &err {
                        self.limits.pause(chat, seconds.duration());
                    }
                    return Err(match classify(err) {
                        // A group that removed the bot is not the contact's fault: the person
                        // stays reachable in private, so only private chats mark them.
                        ConnectorError::Rejected { reason, .. } if chat < 0 => {
                            ConnectorError::Rejected {
                                reason,
                                unreachable: false,
                            }
                        }
                        other => other,
                    });
                }
            }
        }
        if let Ok(mut done) = self.delivered_parts.lock() {
            done.remove(&msg.id);
            if done.is_empty() {
                self.limits.forget_idle();
            }
        }
        let first = delivered.first().map(|id| convert::external_id(chat, *id));
        Ok(Delivery::with_id(first))
    }

    fn account_send_rate(&self) -> Option<f64> {
        Some(f64::from(limits::BOT_PER_SECOND))
    }

    fn exclusive_listener(&self) -> bool {
        // The Bot API ends one of two concurrent `getUpdates` with 409 Conflict. Registering a
        // webhook is also done once, by whichever node holds the lease.
        true
    }

    async fn listen(
        &self,
        inbox: Inbox,
        shutdown: CancellationToken,
    ) -> Result<(), ConnectorError> {
        match self.config.mode {
            Mode::Polling => poll::run(self, inbox, shutdown).await,
            Mode::Webhook => {
                if let Some(url) = &self.config.webhook_url {
                    let url = reqwest::Url::parse(url)
                        .map_err(|_| ConnectorError::Config("webhook_url: not a URL"))?;
                    let mut request = teloxide_core::payloads::SetWebhookSetters::secret_token(
                        self.bot.set_webhook(url),
                        self.config.secret_token.clone().unwrap_or_default(),
                    );
                    request = teloxide_core::payloads::SetWebhookSetters::drop_pending_updates(
                        request, false,
                    );
                    // The same kinds as polling asks for (`convert::ALLOWED_UPDATES`).
                    request = teloxide_core::payloads::SetWebhookSetters::allowed_updates(
                        request,
                        [
                            teloxide_core::types::AllowedUpdate::Message,
                            teloxide_core::types::AllowedUpdate::EditedMessage,
                            teloxide_core::types::AllowedUpdate::MyChatMember,
                            teloxide_core::types::AllowedUpdate::CallbackQuery,
                        ],
                    );
                    request.await.map_err(classify)?;
                }
                shutdown.cancelled().await;
                Ok(())
            }
        }
    }

    fn parse_webhook(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Vec<InboundEvent>, WebhookError> {
        let Some(expected) = self.config.secret_token.as_deref() else {
            return Err(WebhookError::Unsupported);
        };
        let given = headers
            .get(SECRET_HEADER)
            .ok_or_else(|| WebhookError::Unauthenticated(format!("missing {SECRET_HEADER}")))?;
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), expected.as_bytes()).into();
        if !matches {
            return Err(WebhookError::Unauthenticated("wrong secret token".into()));
        }
        let update: convert::Update = serde_json::from_slice(body)
            .map_err(|err| WebhookError::Malformed(format!("not a Telegram update: {err}")))?;
        // A hook gives us no moment after the commit: the press is answered as it is
        // accepted (Telegram redelivers the update if we fail to store it, and answering twice
        // is harmless).
        if let (Some(id), Ok(runtime)) = (
            convert::callback_query_id(&update),
            tokio::runtime::Handle::try_current(),
        ) {
            runtime.spawn(answer_callback_query(self.bot.clone(), id.to_owned()));
        }
        Ok(convert::events(&self.name, &update))
    }

    async fn fetch_attachment(
        &self,
        attachment: &Attachment,
    ) -> Result<AttachmentData, ConnectorError> {
        let file_id = attachment
            .file_id
            .clone()
            .ok_or(ConnectorError::Unsupported(
                "attachments without a Telegram file id",
            ))?;
        let file = self.bot.get_file(FileId(file_id)).await.map_err(classify)?;
        let url = self
            .api_url
            .join(&format!("file/bot{}/{}", self.config.token, file.path))
            .map_err(|_| ConnectorError::rejected("bad file path from Telegram"))?;
        // The URL holds the bot token: `InUrl` refuses any host but `api_url` and any redirect.
        let fetched = self.files.get(url.as_str(), Credential::InUrl).await?;
        Ok(AttachmentData::new(
            fetched.bytes,
            attachment.mime_type.clone(),
            attachment.name.clone(),
        ))
    }
}

/// A shared handle, for the polling task.
pub type SharedTelegram = Arc<Telegram>;
