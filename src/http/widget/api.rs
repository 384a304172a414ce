//! The widget's JSON API (`/widget/{channel}/…`): sessions, identity, history, sending,
//! uploads, the visitor's details, typing and seen. Every handler checks the channel, the
//! visitor's token and the channel's limits before it touches the store, and a refusal
//! changes nothing.

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use connector_sdk::{Attachment, InboundEvent, InboundMessage, ReadReceipt, Sender};
use connector_webchat::{VisitorId, verify_identity};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::limits::Kind;
use super::views::{ConfigView, MessageView, SessionView, VisitorView, external_id};
use super::{ChannelContext, Visiting, channel_context, visitor_of};
use crate::domain::{ConversationStatus, MessageId};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};
use crate::pipeline::DeliverError;
use crate::store::{VisitorPatch, WebChatVisitorKey};

/// Messages per history page.
const HISTORY_PAGE: i64 = 200;
/// Attachments per message.
const MAX_ATTACHMENTS: usize = 10;
/// Attributes a visitor may set, and their sizes.
const MAX_ATTRIBUTES: usize = 30;
const MAX_ATTRIBUTE_CHARS: usize = 500;
const MAX_NAME_CHARS: usize = 200;
const MAX_URL_CHARS: usize = 2_000;
/// Typing and seen reports per visitor per minute.
const SIGNALS_PER_MINUTE: u32 = 120;
const HOUR: Duration = Duration::from_secs(3_600);
pub(super) const MINUTE: Duration = Duration::from_secs(60);

/// The store key of a request's visitor.
fn key<'a>(context: &'a ChannelContext, visitor: &'a str) -> WebChatVisitorKey<'a> {
    WebChatVisitorKey {
        channel: context.name(),
        scope: context.channel.scope(),
        visitor,
    }
}

/// A limit reached: 429 with the seconds to wait.
/// Counts one more message-like request (a message, an upload, a contact change, a survey
/// answer) of the visitor against the channel's per-minute limit.
pub(super) fn limit_messages(
    state: &AppState,
    config: &connector_webchat::Config,
    visitor_key: &str,
) -> ApiResult<()> {
    limited(
        state,
        Kind::Message,
        visitor_key,
        config.messages_per_minute,
        MINUTE,
    )
}

pub(super) fn limited(
    state: &AppState,
    kind: Kind,
    key: &str,
    max: u32,
    window: Duration,
) -> ApiResult<()> {
    state
        .widgets
        .limits
        .check(kind, key, max, window)
        .map_err(|retry_after_secs| ApiError::TooManyRequests {
            message: "too many requests from this chat, wait a little".into(),
            retry_after_secs,
        })
}

fn client_address(state: &AppState, extensions: &Extensions, headers: &HeaderMap) -> String {
    crate::http::client_addr::of_request(extensions, headers, &state.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// `GET /widget/{channel}/config`
pub async fn config(
    State(state): State<AppState>,
    Path(channel): Path<String>,
) -> ApiResult<Json<ConfigView>> {
    let widget = state
        .widgets
        .channel(&channel)
        .ok_or(ApiError::NotFound("web chat channel"))?;
    let online = state
        .automation
        .calendars()
        .for_conversation(&channel, None)
        .is_none_or(|calendar| calendar.is_open(chrono::Utc::now()));
    Ok(Json(ConfigView::new(&channel, widget.config(), online)))
}

/// `POST /widget/{channel}/sessions`: a new anonymous visitor.
pub async fn create_session(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, Json<SessionView>)> {
    let context = channel_context(&state, &channel).await?;
    if context.config().identity_required {
        return Err(ApiError::Unauthenticated(
            "this chat is for signed-in users: identify first".into(),
        ));
    }
    let address = client_address(&state, &extensions, &headers);
    limited(
        &state,
        Kind::Session,
        &address,
        context.config().sessions_per_hour,
        HOUR,
    )?;
    let visitor = VisitorId::new_anonymous();
    let token = context.key.issue(&visitor, chrono::Utc::now().timestamp());
    Ok((
        StatusCode::CREATED,
        Json(SessionView {
            token,
            visitor: VisitorView::new(&visitor, None),
        }),
    ))
}

/// `POST /widget/{channel}/identify` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifyRequest {
    /// The host site's id of the user.
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// `hex(HMAC-SHA256(identity_secret, id))`, computed by the host's backend.
    #[serde(default)]
    pub hash: Option<String>,
}

/// `POST /widget/{channel}/identify`: a user of the host site. With a valid hash the visitor
/// becomes that user on every device (their history follows them); without one, where the
/// channel allows it, the name and email are only what an anonymous visitor says of
/// themselves.
pub async fn identify(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    Json(request): Json<IdentifyRequest>,
) -> ApiResult<Json<SessionView>> {
    let context = channel_context(&state, &channel).await?;
    if !connector_webchat::identity::valid_user_id(&request.id) {
        return Err(ApiError::Invalid(
            "id: must be 1-256 characters without control characters".into(),
        ));
    }
    let patch = VisitorPatch {
        name: clean_name(request.name.as_deref())?,
        email: clean_email(request.email.as_deref())?,
        attributes: Map::new(),
    };
    let config = context.config();
    let verified = match (&config.identity_secret, request.hash.as_deref()) {
        (Some(secret), Some(hash)) => {
            if !verify_identity(secret.as_bytes(), &request.id, hash) {
                return Err(ApiError::Unauthenticated(
                    "the identity hash does not match this user id".into(),
                ));
            }
            true
        }
        (None, Some(_)) => {
            return Err(ApiError::Unauthenticated(
                "this channel has no identity_secret: identities cannot be verified".into(),
            ));
        }
        (_, None) if config.identity_required => {
            return Err(ApiError::Unauthenticated(
                "this chat requires a verified identity: hash missing".into(),
            ));
        }
        (_, None) => false,
    };
    let now = chrono::Utc::now().timestamp();
    let visitor = if verified {
        let user = VisitorId::User(request.id.clone());
        // Signing in after chatting anonymously keeps the chat: this browser's anonymous
        // conversations become the user's (when the user has none of their own yet).
        if let Ok(previous @ VisitorId::Anonymous(_)) = visitor_of(&context, &headers) {
            let previous = previous.external_id();
            let adopted = state
                .store
                .adopt_web_chat_visitor(
                    &key(&context, &previous),
                    &user.external_id(),
                    patch.email.as_deref(),
                )
                .await
                .for_api("visitor")?;
            if adopted {
                state
                    .widgets
                    .hub
                    .rename(context.name(), &previous, &user.external_id());
            }
        }
        user
    } else {
        // An unverified identity is only a name and an address on the current visitor.
        match visitor_of(&context, &headers) {
            Ok(visitor) => visitor,
            Err(_) => {
                let address = client_address(&state, &extensions, &headers);
                limited(
                    &state,
                    Kind::Session,
                    &address,
                    config.sessions_per_hour,
                    HOUR,
                )?;
                VisitorId::new_anonymous()
            }
        }
    };
    let external = visitor.external_id();
    // Host pages identify on every load; the limit only bounds a script doing nothing else.
    limited(&state, Kind::Signal, &external, SIGNALS_PER_MINUTE, MINUTE)?;
    let details = state
        .store
        .save_web_chat_visitor(&key(&context, &external), &patch)
        .await
        .for_api("visitor")?;
    Ok(Json(SessionView {
        token: context.key.issue(&visitor, now),
        visitor: VisitorView::new(&visitor, Some(details)),
    }))
}

/// `GET /widget/{channel}/messages` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Only messages after this id.
    #[serde(default)]
    pub after: Option<i64>,
}

/// `GET /widget/{channel}/messages` answer.
#[derive(Debug, Serialize)]
pub struct HistoryView {
    pub messages: Vec<MessageView>,
    /// The state of the visitor's latest conversation.
    pub status: Option<ConversationStatus>,
    pub conversation_id: Option<i64>,
    pub visitor: VisitorView,
}

/// `GET /widget/{channel}/messages`: the visitor's history, oldest first.
pub async fn list_messages(
    State(state): State<AppState>,
    visiting: Visiting,
    Query(query): Query<HistoryQuery>,
) -> ApiResult<Json<HistoryView>> {
    let Visiting { context, visitor } = visiting;
    let external = visitor.external_id();
    let key = key(&context, &external);
    let after = MessageId::new(query.after.unwrap_or(0).max(0));
    let history = state
        .store
        .web_chat_history(&key, after, HISTORY_PAGE)
        .await
        .for_api("messages")?;
    let details = state
        .store
        .web_chat_visitor(&key)
        .await
        .for_api("visitor")?;
    let messages = state
        .widgets
        .views(&state, &history.messages, &visitor)
        .await;
    Ok(Json(HistoryView {
        messages,
        status: history.latest.map(|(_, status)| status),
        conversation_id: history.latest.map(|(id, _)| id.get()),
        visitor: VisitorView::new(&visitor, details),
    }))
}

/// `POST /widget/{channel}/messages` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The widget's id for the message: a repeat with the same id is stored once.
    pub client_id: String,
    #[serde(default)]
    pub text: String,
    /// References from `POST uploads`.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// The page the visitor is on.
    #[serde(default)]
    pub page_url: Option<String>,
}

/// `POST /widget/{channel}/messages`: stores the visitor's message (201), or finds the one
/// stored before under the same `client_id` (200).
pub async fn send_message(
    State(state): State<AppState>,
    visiting: Visiting,
    extensions: Extensions,
    headers: HeaderMap,
    Json(request): Json<SendRequest>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let Visiting { context, visitor } = visiting;
    let config = context.config();
    let valid_client_id = (1..=64).contains(&request.client_id.len())
        && request
            .client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_client_id {
        return Err(ApiError::Invalid(
            "client_id: must be 1-64 characters of A-Z, a-z, 0-9, '-' and '_'".into(),
        ));
    }
    let text = request.text.trim().replace('\0', "");
    if text.chars().count() > config.max_text_chars {
        return Err(ApiError::Invalid(format!(
            "text: longer than {} characters",
            config.max_text_chars
        )));
    }
    if request.attachments.len() > MAX_ATTACHMENTS {
        return Err(ApiError::Invalid(format!(
            "attachments: at most {MAX_ATTACHMENTS}"
        )));
    }
    if text.is_empty() && request.attachments.is_empty() {
        return Err(ApiError::Invalid(
            "text: empty (send text or an attachment)".into(),
        ));
    }
    let page = clean_url(request.page_url.as_deref())?;
    let attachments = request
        .attachments
        .iter()
        .map(|reference| open_upload(&context, &visitor, reference))
        .collect::<ApiResult<Vec<_>>>()?;
    let external = visitor.external_id();
    let key = key(&context, &external);
    let message_key = external_id(&visitor, &request.client_id);
    limit_messages(&state, config, &external)?;

    // A message that opens a conversation counts against the client address.
    let latest = state
        .store
        .web_chat_history(&key, MessageId::new(i64::MAX), 0)
        .await
        .for_api("messages")?
        .latest;
    if latest.is_none_or(|(_, status)| status == ConversationStatus::Resolved) {
        let address = client_address(&state, &extensions, &headers);
        limited(
            &state,
            Kind::Conversation,
            &address,
            config.conversations_per_hour,
            HOUR,
        )?;
    }

    let details = state
        .store
        .web_chat_visitor(&key)
        .await
        .for_api("visitor")?;
    let mut sender = Sender::new(context.channel.scope(), &external);
    if let Some(name) = details.as_ref().and_then(|d| d.name.clone()) {
        sender = sender.with_name(name);
    }
    // Only a proven user joins the contact that owns their address on other channels; an
    // address an anonymous visitor typed must not open someone else's profile.
    if visitor.is_verified()
        && let Some(email) = details.as_ref().and_then(|d| d.email.clone())
    {
        sender = sender.with_email(email);
    }
    let mut message = InboundMessage::text(context.name(), &message_key, sender, text)
        .with_attachments(attachments)
        .sent_at(chrono::Utc::now());
    let mut facts = details
        .as_ref()
        .map(|d| d.attributes.clone())
        .unwrap_or_default();
    if let Some(page) = page {
        facts.insert("web_chat_page".into(), Value::String(page));
    }
    if let Some(agent) = header_text(&headers, header::USER_AGENT, 300) {
        facts.insert("web_chat_browser".into(), Value::String(agent));
    }
    if let Some(language) = header_text(&headers, header::ACCEPT_LANGUAGE, 100)
        .and_then(|list| {
            list.split([',', ';'])
                .next()
                .map(|tag| tag.trim().to_owned())
        })
        .filter(|tag| !tag.is_empty())
    {
        facts.insert("web_chat_language".into(), Value::String(language));
    }
    message.contact_attributes = facts;
    let receipts = state
        .pipeline
        .deliver(vec![InboundEvent::Message(message)], None)
        .await
        .map_err(deliver_error)?;
    let receipt = receipts
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the pipeline returned no receipt")))?;
    let conversation = crate::domain::ConversationId::new(receipt.conversation_id);
    state
        .widgets
        .hub
        .learn(conversation, context.name(), &external);
    if !receipt.duplicate
        && let Some(details) = details
        && (details.name.is_some() || details.email.is_some())
    {
        // The contact exists now: what the visitor told the form goes onto it.
        let patch = VisitorPatch {
            name: details.name,
            email: details.email,
            attributes: Map::new(),
        };
        state
            .store
            .save_web_chat_visitor(&key, &patch)
            .await
            .for_api("visitor")?;
    }
    let stored = state
        .store
        .get_message(MessageId::new(receipt.message_id))
        .await
        .for_api("message")?;
    let view = state
        .widgets
        .views(&state, std::slice::from_ref(&stored), &visitor)
        .await
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no view of the stored message")))?;
    let status = if receipt.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view)))
}

fn deliver_error(err: DeliverError) -> ApiError {
    match err {
        DeliverError::Unavailable(_) => ApiError::DatabaseUnavailable,
        DeliverError::ShuttingDown => ApiError::Unavailable("shutting down, retry later".into()),
        DeliverError::Refused(reason) => {
            ApiError::Unavailable(format!("message not stored, retry later: {reason}"))
        }
    }
}

/// What an upload reference seals: the blob, its type, size and name, and its uploader.
#[derive(Debug, Serialize, Deserialize)]
struct UploadSeal {
    visitor: String,
    file: String,
    mime_type: String,
    size: u64,
    name: String,
}

const UPLOAD_PURPOSE: &str = "upload";

fn open_upload(
    context: &ChannelContext,
    visitor: &VisitorId,
    reference: &str,
) -> ApiResult<Attachment> {
    let seal: UploadSeal = context
        .key
        .open(UPLOAD_PURPOSE, reference)
        .and_then(|payload| serde_json::from_str(&payload).ok())
        .filter(|seal: &UploadSeal| seal.visitor == visitor.external_id())
        .ok_or_else(|| ApiError::Invalid("attachments: not an upload of this visitor".into()))?;
    let mut attachment = Attachment::channel_file(seal.file);
    attachment.name = Some(seal.name);
    attachment.mime_type = Some(seal.mime_type);
    attachment.size = Some(seal.size);
    Ok(attachment)
}

/// `POST /widget/{channel}/uploads` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    pub name: String,
}

/// `POST /widget/{channel}/uploads` answer: the reference to send with a message.
#[derive(Debug, Serialize)]
pub struct UploadView {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub size: u64,
}

/// `POST /widget/{channel}/uploads?name=…`: stores a file (the raw body, of the declared
/// `Content-Type`) for a message to come.
pub async fn upload(
    State(state): State<AppState>,
    visiting: Visiting,
    headers: HeaderMap,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<UploadView>)> {
    let Visiting { context, visitor } = visiting;
    let config = context.config();
    let name = connector_sdk::text::clean_optional_line(Some(&query.name))
        .filter(|name| name.chars().count() <= MAX_NAME_CHARS)
        .ok_or_else(|| ApiError::Invalid("name: 1-200 characters on one line".into()))?;
    let mime_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|value| config.accepts_upload_type(value))
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "Content-Type: files of this type are not accepted (accepted: {})",
                config.upload_types.join(", ")
            ))
        })?;
    let external = visitor.external_id();
    limit_messages(&state, config, &external)?;
    let limit = usize::try_from(config.max_upload_bytes).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))?;
    if bytes.is_empty() {
        return Err(ApiError::Invalid("the file is empty".into()));
    }
    let blobs = context.channel.blobs().clone();
    let stored = bytes.clone();
    let file = tokio::task::spawn_blocking(move || blobs.put(&stored))
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("storing an upload: {err}")))?
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("storing an upload: {err}")))?;
    let size = bytes.len() as u64;
    let seal = UploadSeal {
        visitor: external,
        file,
        mime_type: mime_type.clone(),
        size,
        name: name.clone(),
    };
    let payload = serde_json::to_string(&seal)
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("sealing an upload: {err}")))?;
    Ok((
        StatusCode::CREATED,
        Json(UploadView {
            id: context.key.seal(UPLOAD_PURPOSE, &payload),
            name,
            mime_type,
            size,
        }),
    ))
}

/// `GET /widget/{channel}/attachments/{message_id}/{index}`: a file of the visitor's own
/// conversations, always as a download that cannot run in our origin.
pub async fn attachment(
    State(state): State<AppState>,
    visiting: Visiting,
    Path((_, message_id, index)): Path<(String, i64, usize)>,
) -> ApiResult<Response> {
    let Visiting { context, visitor } = visiting;
    let message = state
        .store
        .get_message(MessageId::new(message_id))
        .await
        .for_api("message")?;
    let owner = state
        .store
        .web_chat_conversation_visitor(message.conversation_id)
        .await
        .for_api("message")?;
    let external = visitor.external_id();
    let visible = owner.is_some_and(|(owner_channel, _, owner_visitor)| {
        owner_channel == context.name() && owner_visitor == external
    }) && message.kind == crate::domain::MessageKind::Message;
    if !visible {
        return Err(ApiError::NotFound("message"));
    }
    let attachment = message
        .attachments
        .get(index)
        .filter(|attachment| !attachment.expired)
        .ok_or(ApiError::NotFound("attachment"))?;
    if attachment.file_id.is_none()
        && let Some(url) = attachment.url.as_deref()
        && (url.starts_with("https://") || url.starts_with("http://"))
    {
        // A file the channel keeps elsewhere (an agent's link): the browser goes there itself.
        return Ok(axum::response::Redirect::to(url).into_response());
    }
    let connector = state
        .connectors
        .get(&message.channel)
        .ok_or(ApiError::NotFound("channel of this message"))?;
    let data = connector
        .fetch_attachment(attachment)
        .await
        .map_err(|_| ApiError::NotFound("downloadable attachment"))?;
    let mut response = Response::new(Body::from(data.bytes));
    let headers = response.headers_mut();
    let declared = data
        .mime_type
        .or_else(|| attachment.mime_type.clone())
        .and_then(|mime| HeaderValue::from_str(&mime).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, declared);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    Ok(response)
}

/// `PATCH /widget/{channel}/contact` body: the pre-chat form, the away form, `setAttributes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

/// `PATCH /widget/{channel}/contact`: what the visitor says about themselves.
pub async fn update_contact(
    State(state): State<AppState>,
    visiting: Visiting,
    Json(request): Json<ContactRequest>,
) -> ApiResult<Json<VisitorView>> {
    let Visiting { context, visitor } = visiting;
    let external = visitor.external_id();
    limit_messages(&state, context.config(), &external)?;
    let patch = VisitorPatch {
        name: clean_name(request.name.as_deref())?,
        email: clean_email(request.email.as_deref())?,
        attributes: clean_attributes(request.attributes)?,
    };
    let details = state
        .store
        .save_web_chat_visitor(&key(&context, &external), &patch)
        .await
        .for_api("visitor")?;
    Ok(Json(VisitorView::new(&visitor, Some(details))))
}

/// `POST /widget/{channel}/typing` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypingRequest {
    pub typing: bool,
}

/// `POST /widget/{channel}/typing`: the visitor is typing (agents see it in the thread).
pub async fn typing(
    State(state): State<AppState>,
    visiting: Visiting,
    Json(request): Json<TypingRequest>,
) -> ApiResult<StatusCode> {
    let Visiting { context, visitor } = visiting;
    let external = visitor.external_id();
    limited(&state, Kind::Signal, &external, SIGNALS_PER_MINUTE, MINUTE)?;
    let latest = state
        .store
        .web_chat_history(&key(&context, &external), MessageId::new(i64::MAX), 0)
        .await
        .for_api("messages")?
        .latest;
    if let Some((conversation, status)) = latest
        && status != ConversationStatus::Resolved
    {
        state.presence.visitor_typing(conversation, request.typing);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /widget/{channel}/seen` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeenRequest {
    /// The newest answer the visitor has seen.
    pub up_to: i64,
}

/// `POST /widget/{channel}/seen`: the visitor read our answers up to a message: they are
/// marked read (agents see it; the email continuation skips them).
pub async fn seen(
    State(state): State<AppState>,
    visiting: Visiting,
    Json(request): Json<SeenRequest>,
) -> ApiResult<StatusCode> {
    let Visiting { context, visitor } = visiting;
    let external = visitor.external_id();
    limited(&state, Kind::Signal, &external, SIGNALS_PER_MINUTE, MINUTE)?;
    if request.up_to <= 0 {
        return Err(ApiError::Invalid("up_to: must be a message id".into()));
    }
    let reader = Sender::new(context.channel.scope(), &external);
    let receipt = ReadReceipt::through(
        context.name(),
        reader,
        format!("web_chat:{}", request.up_to),
    );
    state
        .pipeline
        .deliver(vec![InboundEvent::Read(receipt)], None)
        .await
        .map_err(deliver_error)?;
    Ok(StatusCode::NO_CONTENT)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName, max: usize) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?;
    let cleaned = connector_sdk::text::clean_optional_line(Some(text))?;
    Some(cleaned.chars().take(max).collect())
}

fn clean_name(name: Option<&str>) -> ApiResult<Option<String>> {
    let Some(name) = name else { return Ok(None) };
    match connector_sdk::text::clean_optional_line(Some(name)) {
        Some(name) if name.chars().count() <= MAX_NAME_CHARS => Ok(Some(name)),
        Some(_) => Err(ApiError::Invalid(format!(
            "name: longer than {MAX_NAME_CHARS} characters"
        ))),
        None => Ok(None),
    }
}

fn clean_email(email: Option<&str>) -> ApiResult<Option<String>> {
    let Some(email) = email.map(str::trim).filter(|email| !email.is_empty()) else {
        return Ok(None);
    };
    let plausible = email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && email
            .rsplit_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !plausible {
        return Err(ApiError::Invalid("email: not an email address".into()));
    }
    Ok(Some(email.to_lowercase()))
}

fn clean_url(url: Option<&str>) -> ApiResult<Option<String>> {
    let Some(url) = url.map(str::trim).filter(|url| !url.is_empty()) else {
        return Ok(None);
    };
    if url.chars().count() > MAX_URL_CHARS || connector_sdk::settings::check_http_url(url).is_err()
    {
        return Err(ApiError::Invalid(
            "page_url: must be an http:// or https:// URL of at most 2000 characters".into(),
        ));
    }
    Ok(Some(url.to_owned()))
}

/// Visitor-set attributes: plain names, short plain values; the widget's own facts
/// (`web_chat_…`) are not theirs to set.
fn clean_attributes(attributes: Map<String, Value>) -> ApiResult<Map<String, Value>> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(ApiError::Invalid(format!(
            "attributes: at most {MAX_ATTRIBUTES}"
        )));
    }
    for (name, value) in &attributes {
        let valid_name = (1..=40).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !name.starts_with("web_chat_");
        if !valid_name {
            return Err(ApiError::Invalid(format!(
                "attributes: {name:?} must be 1-40 characters of a-z, 0-9 and _ (not web_chat_…)"
            )));
        }
        let valid_value = match value {
            Value::String(text) => text.chars().count() <= MAX_ATTRIBUTE_CHARS,
            Value::Number(_) | Value::Bool(_) | Value::Null => true,
            Value::Array(_) | Value::Object(_) => false,
        };
        if !valid_value {
            return Err(ApiError::Invalid(format!(
                "attributes: {name:?} must be a string of at most {MAX_ATTRIBUTE_CHARS} characters, a number or a boolean"
            )));
        }
    }
    Ok(attributes)
}
