//! The website chat widget (`web_chat` channels): the loader script a site embeds
//! (`/widget.js`), the chat page it frames (`/widget/{channel}`), and the JSON API and live
//! stream that page talks to (`/widget/{channel}/…`, see `docs/channels/web-chat.md`).
//!
//! The widget runs in a frame of our origin, so the host page's CSS and scripts cannot reach
//! it; the channel's `allowed_origins` become the frame's `frame-ancestors`, so only those sites
//! can embed it. Visitors authenticate with a signed session token sent as a header (browsers
//! block third-party cookies), never a cookie, so no other site can act for them.

mod api;
mod continuation;
mod csat;
pub mod hub;
mod limits;
mod stream;
mod views;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use connector_webchat::{SessionKey, VisitorId, WebChatChannel};
use tokio::sync::OnceCell;

pub use continuation::run as run_continuation;
pub use hub::run as run_hub;

use super::AppState;
use super::error::ApiError;
use super::extract::Path;

/// The header that carries the visitor's session token.
pub const TOKEN_HEADER: &str = "x-visitor-token";

const LOADER_JS: &str = include_str!("assets/widget.js");
const PAGE_HTML: &str = include_str!("assets/widget.html");

/// The files the chat page loads: (URL name, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "chat.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/chat.js"),
    ),
    (
        "chat.css",
        "text/css; charset=utf-8",
        include_str!("assets/chat.css"),
    ),
];

/// The chat page's policy, before `frame-ancestors`: its own scripts and styles only, images
/// from itself and the `blob:` URLs of attachments it fetched with the visitor's token.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

/// The web chat channels and what their widgets share on this node.
pub struct Widgets {
    channels: HashMap<String, Arc<WebChatChannel>>,
    /// The server's key, from which each channel's session key is derived (loaded once).
    server_key: OnceCell<Vec<u8>>,
    pub hub: Arc<hub::Hub>,
    limits: limits::Limits,
    /// Agents' names as visitors see them on answers (agents are few; refreshed on a miss).
    agent_names: std::sync::Mutex<HashMap<i64, String>>,
}

impl Widgets {
    /// The widgets of these channels.
    pub fn new(channels: Vec<Arc<WebChatChannel>>) -> Self {
        Self {
            channels: channels
                .into_iter()
                .map(|channel| {
                    (
                        connector_sdk::Connector::name(&*channel).to_owned(),
                        channel,
                    )
                })
                .collect(),
            server_key: OnceCell::new(),
            hub: Arc::new(hub::Hub::default()),
            limits: limits::Limits::default(),
            agent_names: std::sync::Mutex::default(),
        }
    }

    /// The web chat channel `name`.
    pub fn channel(&self, name: &str) -> Option<&Arc<WebChatChannel>> {
        self.channels.get(name)
    }

    /// Every web chat channel.
    pub fn channels(&self) -> impl Iterator<Item = &Arc<WebChatChannel>> {
        self.channels.values()
    }

    /// `messages` as `visitor` sees them, with the names of the agents who wrote them.
    pub(crate) async fn views(
        &self,
        state: &AppState,
        messages: &[crate::domain::Message],
        visitor: &VisitorId,
    ) -> Vec<views::MessageView> {
        let mut views = Vec::with_capacity(messages.len());
        for message in messages {
            let author = match (message.author_type, message.author_id) {
                (crate::domain::AuthorType::Agent, Some(id)) => self.agent_name(state, id).await,
                _ => None,
            };
            let mut view = views::MessageView::new(message, visitor, author);
            // Surveys go out as the bot's messages; only those can carry one.
            if message.direction == crate::domain::Direction::Out
                && message.author_type == crate::domain::AuthorType::Bot
            {
                view.csat = survey_view(state, message.id).await;
            }
            views.push(view);
        }
        views
    }

    /// An agent's name, from the cache or (on a miss) a fresh list of agents.
    async fn agent_name(&self, state: &AppState, id: i64) -> Option<String> {
        if let Ok(names) = self.agent_names.lock()
            && let Some(name) = names.get(&id)
        {
            return Some(name.clone());
        }
        let agents = state.store.list_agents().await.ok()?;
        let mut names = self.agent_names.lock().ok()?;
        names.clear();
        names.extend(agents.into_iter().map(|agent| (agent.id.get(), agent.name)));
        names.get(&id).cloned()
    }
}

/// The survey message `id` carries, as the widget shows it. A failed lookup shows the message
/// without its survey (the text still asks the question) rather than failing the history.
async fn survey_view(state: &AppState, id: crate::domain::MessageId) -> Option<views::CsatView> {
    match state.store.find_csat_survey_of_message(id).await {
        Ok(survey) => {
            survey.map(|survey| views::CsatView::new(&survey, &state.surveys, chrono::Utc::now()))
        }
        Err(err) => {
            tracing::warn!(error = %err, message = id.get(), "web chat: reading a message's survey");
            None
        }
    }
}

/// The widget's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/widget.js", get(loader))
        .route("/widget/assets/{name}", get(asset))
        .route("/widget/{channel}", get(chat_page))
        .route("/widget/{channel}/config", get(api::config))
        .route("/widget/{channel}/sessions", post(api::create_session))
        .route("/widget/{channel}/identify", post(api::identify))
        .route(
            "/widget/{channel}/messages",
            get(api::list_messages).post(api::send_message),
        )
        .route("/widget/{channel}/uploads", post(api::upload))
        .route(
            "/widget/{channel}/attachments/{message_id}/{index}",
            get(api::attachment),
        )
        .route(
            "/widget/{channel}/contact",
            axum::routing::patch(api::update_contact),
        )
        .route("/widget/{channel}/typing", post(api::typing))
        .route("/widget/{channel}/seen", post(api::seen))
        .route("/widget/{channel}/csat", post(csat::answer))
        .route("/widget/{channel}/stream", get(stream::stream))
}

/// A request's web chat channel and its session key.
pub(crate) struct ChannelContext {
    pub channel: Arc<WebChatChannel>,
    pub key: SessionKey,
}

impl ChannelContext {
    pub fn name(&self) -> &str {
        connector_sdk::Connector::name(&*self.channel)
    }

    pub fn config(&self) -> &connector_webchat::Config {
        self.channel.config()
    }
}

/// The channel `name` and its session key; 404 for anything but a web chat channel.
pub(crate) async fn channel_context(
    state: &AppState,
    name: &str,
) -> Result<ChannelContext, ApiError> {
    let channel = state
        .widgets
        .channel(name)
        .ok_or(ApiError::NotFound("web chat channel"))?
        .clone();
    let server_key = state
        .widgets
        .server_key
        .get_or_try_init(|| async {
            let signer = state.campaigns.signer().await?;
            Ok::<_, anyhow::Error>(signer.derive_key("web_chat"))
        })
        .await
        .map_err(ApiError::Internal)?;
    Ok(ChannelContext {
        key: SessionKey::derive(server_key, name),
        channel,
    })
}

/// A visitor's request: the channel it names and the visitor its token names. Rejected with
/// 404 for anything but a web chat channel, then 401 without a valid token.
pub(crate) struct Visiting {
    pub context: ChannelContext,
    pub visitor: VisitorId,
}

impl axum::extract::FromRequestParts<AppState> for Visiting {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|err| ApiError::BadRequest(err.body_text()))?;
        let channel = params
            .iter()
            .find(|(name, _)| *name == "channel")
            .map(|(_, value)| value.to_owned())
            .ok_or(ApiError::NotFound("web chat channel"))?;
        let context = channel_context(state, &channel).await?;
        let visitor = visitor_of(&context, &parts.headers)?;
        Ok(Self { context, visitor })
    }
}

/// The visitor a request's token names; 401 without a valid one.
pub(crate) fn visitor_of(
    context: &ChannelContext,
    headers: &HeaderMap,
) -> Result<VisitorId, ApiError> {
    let token = headers
        .get(TOKEN_HEADER)
        .ok_or_else(|| ApiError::Unauthenticated("missing X-Visitor-Token".into()))?
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("X-Visitor-Token is not ASCII".into()))?;
    let visitor = context
        .key
        .verify(token.trim(), chrono::Utc::now().timestamp())
        .map_err(|reason| ApiError::Unauthenticated(reason.into()))?;
    if context.config().identity_required && !visitor.is_verified() {
        return Err(ApiError::Unauthenticated(
            "this chat is for signed-in users: identify first".into(),
        ));
    }
    Ok(visitor)
}

/// `GET /widget.js`: the loader a site embeds. Public and cacheable for a while; any site may
/// load it (the frame it adds is what `allowed_origins` guards).
async fn loader() -> Response {
    let mut response = LOADER_JS.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Sites that isolate themselves (COEP) may still load it.
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

/// `GET /widget/assets/{name}`: the chat page's script and style.
async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => {
            let mut response = (*body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// `GET /widget/{channel}`: the chat page, framable only by the channel's allowed origins.
async fn chat_page(
    State(state): State<AppState>,
    Path(channel): Path<String>,
) -> Result<Response, ApiError> {
    let channel = state
        .widgets
        .channel(&channel)
        .ok_or(ApiError::NotFound("web chat channel"))?;
    let policy = format!(
        "{PAGE_CSP}; {}",
        connector_webchat::frame_ancestors(&channel.config().allowed_origins)
    );
    let mut response = PAGE_HTML.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy)
            .map_err(|err| ApiError::Internal(anyhow::anyhow!("widget policy header: {err}")))?,
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The page's own address is all a referer would tell; nothing else leaves.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}
