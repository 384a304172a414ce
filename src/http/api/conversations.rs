//! Conversation routes: list, get, messages, reply, note, assign, status, labels/priority.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params::{self, Cursor, PageSize};
use super::templates::{Source, conversation_context, render};
use super::views::{
    self, AttachmentView, ConversationDetailView, ConversationPage, ConversationView, CsatView,
    MessagePage, MessageView, QueueEntryView,
};
use crate::domain::audit::{AuditAction, AuditSubject};
use crate::domain::{
    AgentId, ContactId, Conversation, ConversationId, ConversationStatus, Millis, Priority,
    ReplyWindow, TeamId,
};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};
use crate::store::{
    AssigneeFilter, Assignment, ConversationFilter, ConversationPatch, Lane, NewReply, ReplyAuthor,
    StatusChange,
};

/// Longest message text accepted from the API.
pub const MAX_TEXT_CHARS: usize = 65_536;

/// Query of `GET /api/v1/conversations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConversationQuery {
    pub status: Option<ConversationStatus>,
    /// An agent id, `me` (the token's agent) or `none` (unassigned).
    #[param(pattern = r"^([0-9]{1,18}|me|none)$")]
    pub assignee: Option<String>,
    pub channel: Option<String>,
    pub team: Option<i64>,
    pub label: Option<String>,
    pub contact: Option<i64>,
    /// Full-text search over the conversation's messages.
    pub q: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: Option<PageSize>,
}

/// `GET /api/v1/conversations`
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(ConversationQuery),
    responses((status = 200, body = ConversationPage)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_conversations(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Query(query): Query<ConversationQuery>,
) -> ApiResult<Json<ConversationPage>> {
    let assignee = match query.assignee.as_deref() {
        None => None,
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some("me") => Some(AssigneeFilter::Agent(caller.agent.ok_or_else(|| {
            ApiError::Invalid("assignee: this token acts as no agent, so `me` means nothing".into())
        })?)),
        Some(id) => Some(AssigneeFilter::Agent(id.parse::<AgentId>().map_err(
            |_| ApiError::BadRequest("assignee: expected an agent id, `me` or `none`".into()),
        )?)),
    };
    let filter = ConversationFilter {
        status: query.status,
        assignee,
        channel: query.channel,
        team: query.team.map(TeamId::new),
        label: query.label,
        contact: query.contact.map(ContactId::new),
        text: query.q,
        visibility: state.visibility(&caller),
    };
    let page = state
        .store
        .list_conversations(&filter, params::page(query.cursor, query.limit))
        .await
        .for_api("conversation")?;
    let (items, next_cursor) = views::page(page);
    Ok(Json(ConversationPage { items, next_cursor }))
}

/// Query of `GET /api/v1/queue`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// How many waiting conversations to show (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// `GET /api/v1/queue`: the conversations waiting for an agent, in the order the router
/// assigns them (priority, then waiting time), each with its effective routing policy.
#[utoipa::path(get, path = "/api/v1/queue", tag = "conversations", params(QueueQuery),
    responses((status = 200, body = Vec<QueueEntryView>)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_queue(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Query(query): Query<QueueQuery>,
) -> ApiResult<Json<Vec<QueueEntryView>>> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit: must be between 1 and 1000".into(),
        ));
    }
    let waiting = state
        .store
        .list_queue(state.router.rules(), limit, &state.visibility(&caller))
        .await
        .for_api("conversation")?;
    Ok(Json(
        waiting
            .into_iter()
            .enumerate()
            .map(|(index, queued)| QueueEntryView {
                position: index + 1,
                policy: queued.policy,
                conversation: queued.conversation.into(),
            })
            .collect(),
    ))
}

/// `POST /api/v1/conversations/{id}/take`: assigns a waiting conversation to the caller's
/// agent, if nobody holds it yet (the manual queue: the first taker wins, 409 for the others).
/// Taking one's own conversation again succeeds and changes nothing.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/take", tag = "conversations",
    params(("id" = i64, Path)),
    responses((status = 200, body = ConversationView), (status = 404), (status = 409, body = crate::http::error::ErrorBody),
        (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn take(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<ConversationView>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let agent = caller.agent.ok_or_else(|| {
        ApiError::Invalid("this token acts as no agent, so it cannot take conversations".into())
    })?;
    let (conversation, events) = state
        .store
        .take_conversation(id, agent)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    Ok(Json(conversation.into()))
}

/// `GET /api/v1/conversations/{id}`: the conversation and its reply window.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = i64, Path)), responses((status = 200, body = ConversationDetailView), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_conversation(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<ConversationDetailView>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let conversation = state
        .store
        .get_conversation(id)
        .await
        .for_api("conversation")?;
    state
        .audit(
            &caller,
            AuditAction::ConversationViewed,
            AuditSubject::Conversation(id),
        )
        .await?;
    let window = reply_window(&state, &conversation).await?;
    let csat = state
        .store
        .find_csat_survey(id)
        .await
        .for_api("conversation")?;
    Ok(Json(ConversationDetailView {
        conversation: conversation.into(),
        reply_window: window.into(),
        csat: csat.as_ref().map(CsatView::from),
    }))
}

/// The reply window of `conversation` now, under its channel's rule.
async fn reply_window(state: &AppState, conversation: &Conversation) -> ApiResult<ReplyWindow> {
    let length = state
        .connectors
        .get(&conversation.channel)
        .and_then(|connector| connector.free_form_window());
    // Only a channel with a window needs the customer's last message.
    let last_inbound = match length {
        Some(_) => state
            .store
            .last_inbound_at(conversation.id)
            .await
            .for_api("conversation")?,
        None => None,
    };
    Ok(ReplyWindow::at(length, last_inbound, Millis::now()))
}

/// Body of `PATCH /api/v1/conversations/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationPatchRequest {
    /// Replaces the labels.
    #[schema(schema_with = super::constraints::optional_labels)]
    pub labels: Option<Vec<String>>,
    pub priority: Option<Priority>,
}

/// Checks labels and tags: 1–64 characters, no control characters.
pub fn validate_labels(field: &str, labels: &[String]) -> ApiResult<Vec<String>> {
    labels
        .iter()
        .map(|label| {
            let label = label.trim();
            if label.is_empty() || label.chars().count() > 64 || label.chars().any(char::is_control)
            {
                Err(ApiError::Invalid(format!(
                    "{field}: {label:?} must be 1-64 characters without control characters"
                )))
            } else {
                Ok(label.to_owned())
            }
        })
        .collect()
}

/// `PATCH /api/v1/conversations/{id}`: labels and priority.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "conversations",
    params(("id" = i64, Path)), request_body = ConversationPatchRequest,
    responses((status = 200, body = ConversationView)), security(("bearer" = ["admin", "agent"])))]
pub async fn update_conversation(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<ConversationPatchRequest>,
) -> ApiResult<Json<ConversationView>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let labels = request
        .labels
        .as_deref()
        .map(|labels| validate_labels("labels", labels))
        .transpose()?;
    let patch = ConversationPatch {
        labels,
        priority: request.priority,
    };
    let (conversation, events) = state
        .store
        .update_conversation(id, &patch, caller.agent)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    Ok(Json(conversation.into()))
}

/// Query of `GET /api/v1/conversations/{id}/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<Cursor>,
    pub limit: Option<PageSize>,
}

/// `GET /api/v1/conversations/{id}/messages`: oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = i64, Path), PageQuery), responses((status = 200, body = MessagePage)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_messages(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Json<MessagePage>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let page = state
        .store
        .list_messages(id, params::page(query.cursor, query.limit))
        .await
        .for_api("conversation")?;
    state
        .audit(
            &caller,
            AuditAction::ConversationViewed,
            AuditSubject::Conversation(id),
        )
        .await?;
    let (items, next_cursor) = views::page(page);
    Ok(Json(MessagePage { items, next_cursor }))
}

/// Body of a reply: free text (with attachments); or one of our templates by name
/// (`"template": "ack"`, with `values`), rendered for the channel and the contact's locale; or
/// an approved template object on channels that have them (WhatsApp), which is what works
/// outside the 24-hour customer-service window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentView>,
    pub template: Option<ReplyTemplate>,
    /// Custom values of a named template, available as `custom.<key>`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
    /// When `text` is agent assist's translation of what the agent wrote (from
    /// `POST /conversations/{id}/reply-translation`): the agent's own text, kept beside the
    /// message sent. Free text only.
    pub translated_from: Option<TranslatedFrom>,
}

/// What the agent wrote, of which the reply's `text` is the translation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslatedFrom {
    #[schema(pattern = r"\S", max_length = 65536)]
    pub text: String,
    /// ISO 639-1 code of `text`'s language.
    #[schema(pattern = "^[a-z]{2}$")]
    pub language: String,
    /// The model that translated it.
    #[schema(pattern = r"\S", max_length = 200)]
    pub model: String,
}

/// The `template` of a reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ReplyTemplate {
    /// A template of `GET /api/v1/templates`, by name.
    Named(String),
    /// A channel-approved template (WhatsApp).
    Approved(TemplateRequest),
}

/// An approved template and its body parameters (`{{1}}`, `{{2}}`, …).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    pub name: String,
    /// Language code as approved, e.g. `en_US` or `cs`.
    pub language: String,
    #[serde(default)]
    pub parameters: Vec<String>,
}

fn validate_text(text: &str) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Err(ApiError::Invalid("text: must not be empty".into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::Invalid(format!(
            "text: longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok(())
}

/// `POST /api/v1/conversations/{id}/reply`: queues a reply to the customer on the
/// conversation's channel. Answers 202: delivery follows through the outbox.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/reply", tag = "conversations",
    params(("id" = i64, Path)), request_body = ReplyRequest,
    responses((status = 202, body = MessageView), (status = 422)), security(("bearer" = ["admin", "agent"])))]
pub async fn reply(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<ReplyRequest>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    state.ensure_conversation_visible(&caller, id).await?;
    let conversation = state
        .store
        .get_conversation(id)
        .await
        .for_api("conversation")?;
    let written_as = match request.translated_from {
        Some(_) if request.template.is_some() => {
            return Err(ApiError::Invalid(
                "translated_from: only with free text, not with a template".into(),
            ));
        }
        Some(original) => Some(written_as(original)?),
        None => None,
    };
    let connector = state.connectors.get(&conversation.channel);
    let (mut html, mut markup) = (None, None);
    let (text, template) = match request.template {
        Some(ReplyTemplate::Named(name)) => {
            if !request.text.trim().is_empty() {
                return Err(ApiError::Invalid(
                    "text: give either text or a template, not both".into(),
                ));
            }
            let (mut context, kind, locale) =
                conversation_context(&state, &conversation, caller.agent).await?;
            context.custom = request.values;
            let rendered =
                render(&state, &Source::Template(&name), kind, &locale, &context).await?;
            validate_text(&rendered.text)?;
            enforce_window(&state, &conversation).await?;
            html = rendered.html;
            markup = rendered.markup;
            (rendered.text, None)
        }
        Some(ReplyTemplate::Approved(template)) => {
            if !connector.is_some_and(|c| c.supports_templates()) {
                return Err(ApiError::Invalid(format!(
                    "template: the channel {:?} does not send templates",
                    conversation.channel
                )));
            }
            if template.name.trim().is_empty() || template.language.trim().is_empty() {
                return Err(ApiError::Invalid(
                    "template: name and language are required".into(),
                ));
            }
            let text = if request.text.trim().is_empty() {
                format!(
                    "[template {}: {}]",
                    template.name,
                    template.parameters.join(", ")
                )
            } else {
                request.text
            };
            let template =
                connector_sdk::Template::new(template.name, template.language, template.parameters);
            (text, Some(template))
        }
        None => {
            validate_text(&request.text)?;
            enforce_window(&state, &conversation).await?;
            (request.text, None)
        }
    };
    let reply = NewReply {
        conversation: id,
        author: caller.agent.map_or(ReplyAuthor::Bot, ReplyAuthor::Agent),
        text,
        html,
        markup,
        attachments: request.attachments.into_iter().map(Into::into).collect(),
        template,
        lane: Lane::Reply,
        written_as,
    };
    let (message, events) = state
        .store
        .add_reply(&reply)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    state.dispatch_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(message.into())))
}

/// The agent's original of a translated reply, checked.
fn written_as(original: TranslatedFrom) -> ApiResult<crate::store::WrittenAs> {
    validate_text(&original.text).map_err(|_| {
        ApiError::Invalid(format!(
            "translated_from.text: must not be empty nor longer than {MAX_TEXT_CHARS} characters"
        ))
    })?;
    if !crate::assist::settings::is_language_code(&original.language) {
        return Err(ApiError::Invalid(format!(
            "translated_from.language: {:?} is not a two-letter ISO 639-1 code like \"cs\"",
            original.language
        )));
    }
    let model = original.model.trim();
    if model.is_empty() || model.chars().count() > 200 {
        return Err(ApiError::Invalid(
            "translated_from.model: give the model's name (at most 200 characters)".into(),
        ));
    }
    Ok(crate::store::WrittenAs {
        language: original.language,
        text: original.text,
        model: model.to_owned(),
    })
}

/// Refuses a free-form reply when the customer's last message is older than the channel's
/// window (WhatsApp: 24 hours), naming the rule and the way out.
async fn enforce_window(state: &AppState, conversation: &Conversation) -> ApiResult<()> {
    let window = reply_window(state, conversation).await?;
    if window.free_form_allowed {
        return Ok(());
    }
    let hours = window.length.unwrap_or_default().as_secs() / 3600;
    let since = window
        .last_inbound
        .map(|at| {
            format!(
                "the customer last wrote at {}",
                at.to_datetime().to_rfc3339()
            )
        })
        .unwrap_or_else(|| "the customer has not written yet".into());
    Err(ApiError::Invalid(format!(
        "{} {hours}-hour customer service window is closed ({since}): free-form replies are \
         refused; send an approved template instead, e.g. \
         {{\"template\": {{\"name\": \"...\", \"language\": \"en_US\", \"parameters\": [...]}}}}",
        conversation.channel
    )))
}

/// Body of a private note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[schema(pattern = r"\S", max_length = 65536)]
    pub text: String,
}

/// `POST /api/v1/conversations/{id}/notes`: a private note, never sent to the customer.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", tag = "conversations",
    params(("id" = i64, Path)), request_body = NoteRequest,
    responses((status = 201, body = MessageView)), security(("bearer" = ["admin", "agent"])))]
pub async fn add_note(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<NoteRequest>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    state.ensure_conversation_visible(&caller, id).await?;
    validate_text(&request.text)?;
    let (message, events) = state
        .store
        .add_note(id, caller.agent, &request.text)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    Ok((StatusCode::CREATED, Json(message.into())))
}

/// Body of an assignment; `null` or absent clears that part.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub agent_id: Option<AgentId>,
    pub team_id: Option<TeamId>,
}

/// `POST /api/v1/conversations/{id}/assign`
#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "conversations",
    params(("id" = i64, Path)), request_body = AssignRequest,
    responses((status = 200, body = ConversationView)), security(("bearer" = ["admin", "agent"])))]
pub async fn assign(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<AssignRequest>,
) -> ApiResult<Json<ConversationView>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let assignment = Assignment {
        agent: request.agent_id,
        team: request.team_id,
    };
    let (conversation, events) = state
        .store
        .assign_conversation(id, &assignment, caller.agent)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    Ok(Json(conversation.into()))
}

/// Body of a status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub status: ConversationStatus,
    /// Required with `snoozed`: when the conversation wakes up.
    pub snoozed_until: Option<DateTime<Utc>>,
}

/// `POST /api/v1/conversations/{id}/status`
#[utoipa::path(post, path = "/api/v1/conversations/{id}/status", tag = "conversations",
    params(("id" = i64, Path)), request_body = StatusRequest,
    responses((status = 200, body = ConversationView), (status = 422)), security(("bearer" = ["admin", "agent"])))]
pub async fn set_status(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<StatusRequest>,
) -> ApiResult<Json<ConversationView>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let change = StatusChange {
        status: request.status,
        snoozed_until: request.snoozed_until,
    };
    let (conversation, events) = state
        .store
        .set_conversation_status(id, &change, caller.agent)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    Ok(Json(conversation.into()))
}
