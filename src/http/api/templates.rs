//! Template routes: the list of templates and their preview with sample or real data. Also
//! the rendering of a template for a real conversation, shared with replies and canned
//! responses.

use axum::extract::State;
use connector_sdk::ChannelKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Rendered;
use crate::domain::{AgentId, Conversation, ConversationId};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::templates::{TemplateContext, TemplateError, TemplateInfo};

/// What a preview or a reply renders: a named template, or template text of its own.
pub enum Source<'a> {
    Template(&'a str),
    /// A canned response's body; `label` names it in errors (`canned:refund`).
    Body {
        label: String,
        body: &'a str,
    },
}

/// Body of `POST /api/v1/templates/{name}/preview` (every field optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplatePreviewRequest {
    /// `email`, `telegram`, `discord`, …; default: the conversation's channel, else `webhook`
    /// (plain text).
    pub channel_kind: Option<ChannelKind>,
    /// Default: the conversation contact's locale, else the default locale.
    #[schema(pattern = "^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")]
    pub locale: Option<String>,
    /// Render with this conversation's contact, agent and channel instead of sample data.
    pub conversation_id: Option<ConversationId>,
    /// Custom values, available as `custom.<key>`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// A rendered preview.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TemplatePreviewView {
    /// The plain text (what the customer reads; email's text part).
    pub text: String,
    /// Email's HTML part.
    pub html: Option<String>,
    /// The text in the channel's markup (Telegram HTML, Discord markdown) when the variant
    /// writes markup.
    pub markup: Option<String>,
    /// The file(s) used, e.g. `ack.cs+ack.email.cs.html`.
    pub variant: String,
    pub channel_kind: String,
    pub locale: String,
}

/// `GET /api/v1/templates`: every template with its variants and locales.
#[utoipa::path(get, path = "/api/v1/templates", tag = "templates",
    responses((status = 200, body = Vec<TemplateInfo>)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_templates(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<TemplateInfo>>> {
    Ok(Json(state.templates.list()))
}

/// `POST /api/v1/templates/{name}/preview`: renders a template with sample data, or with a
/// real conversation's data when `conversation_id` is given. 404 for an unknown template,
/// 422 naming file, line and reason when it cannot render (a missing custom value).
#[utoipa::path(post, path = "/api/v1/templates/{name}/preview", tag = "templates",
    params(("name" = String, Path)), request_body = TemplatePreviewRequest,
    responses((status = 200, body = TemplatePreviewView), (status = 404), (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn preview_template(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(request): Json<TemplatePreviewRequest>,
) -> ApiResult<Json<TemplatePreviewView>> {
    if !state.templates.exists(&name) {
        return Err(ApiError::NotFound("template"));
    }
    preview(&state, Source::Template(&name), caller.agent, request).await
}

/// Renders `source` as `request` asks: with a real conversation's context or the sample.
pub async fn preview(
    state: &AppState,
    source: Source<'_>,
    agent: Option<AgentId>,
    request: TemplatePreviewRequest,
) -> ApiResult<Json<TemplatePreviewView>> {
    let (mut context, kind, locale) = match request.conversation_id {
        Some(id) => {
            let conversation = state
                .store
                .get_conversation(id)
                .await
                .for_api("conversation")?;
            conversation_context(state, &conversation, agent).await?
        }
        None => (
            TemplateContext::sample(),
            ChannelKind::Webhook,
            state.templates.default_locale().to_owned(),
        ),
    };
    let kind = request.channel_kind.unwrap_or(kind);
    context.channel.kind = kind.as_str().into();
    let locale = match request.locale {
        Some(locale) => crate::templates::normalize_locale(&locale).ok_or_else(|| {
            ApiError::Invalid(format!(
                "locale: {locale:?} is not a locale like `en` or `pt-br`"
            ))
        })?,
        None => locale,
    };
    context.custom = request.values;
    let rendered = render(state, &source, kind, &locale, &context).await?;
    Ok(Json(TemplatePreviewView {
        text: rendered.text,
        html: rendered.html,
        markup: rendered.markup,
        variant: rendered.variant,
        channel_kind: kind.as_str().into(),
        locale,
    }))
}

/// The template context of a real conversation, its channel's kind and its contact's locale.
/// `agent` is who will send (the caller), if anyone.
pub async fn conversation_context(
    state: &AppState,
    conversation: &Conversation,
    agent: Option<AgentId>,
) -> ApiResult<(TemplateContext, ChannelKind, String)> {
    let contact = state
        .store
        .get_contact(conversation.contact_id)
        .await
        .for_api("contact")?;
    let agent = match agent {
        Some(id) => Some(state.store.get_agent(id).await.for_api("agent")?),
        None => None,
    };
    // A channel no longer configured still renders, as plain text.
    let kind = state
        .connectors
        .get(&conversation.channel)
        .map_or(ChannelKind::Webhook, |connector| connector.kind());
    let context = TemplateContext::from_parts(
        &contact,
        conversation,
        agent.as_ref(),
        &conversation.channel,
        kind,
    );
    let locale = state.templates.resolve_locale(&contact.attributes, None);
    Ok((context, kind, locale))
}

/// Renders `source` off the async workers under the template limits, mapping template
/// errors to API errors: unknown template 404, a render failure or a limit hit 422 naming
/// file, line and reason or the limit.
pub async fn render(
    state: &AppState,
    source: &Source<'_>,
    kind: ChannelKind,
    locale: &str,
    context: &TemplateContext,
) -> ApiResult<Rendered> {
    let templates = state.templates.clone();
    let (context, locale) = (context.clone(), locale.to_owned());
    let (label, job): (String, Box<dyn FnOnce() -> _ + Send>) = match source {
        Source::Template(name) => {
            let name = (*name).to_owned();
            (
                name.clone(),
                Box::new(move || templates.render(&name, kind, &locale, &context)),
            )
        }
        Source::Body { label, body } => {
            let (label, body) = (label.clone(), (*body).to_owned());
            (
                label.clone(),
                Box::new(move || templates.render_source(&label, &body, &context)),
            )
        }
    };
    state
        .templates
        .off_runtime(&label, job)
        .await
        .and_then(|rendered| rendered)
        .map_err(template_error)
}

/// A template error as the API reports it.
pub fn template_error(err: TemplateError) -> ApiError {
    match err {
        TemplateError::NotFound(_) => ApiError::NotFound("template"),
        TemplateError::Invalid { .. } | TemplateError::Limit { .. } => {
            ApiError::Invalid(err.to_string())
        }
        TemplateError::Io { .. } => ApiError::Internal(err.into()),
    }
}
