//! Agent assist over HTTP: `GET /api/v1/assist` (what is on) and
//! `POST /api/v1/conversations/{id}/summary` (the model's summary, stored as a private note).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::views::MessageView;
use crate::assist::AssistError;
use crate::domain::ConversationId;
use crate::domain::audit::{AuditAction, AuditSubject};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};

/// What agent assist does on this installation (never the key).
#[derive(Debug, Serialize, ToSchema)]
pub struct AssistView {
    /// False until `[assist] base_url` is set.
    pub enabled: bool,
    /// The model's name, when on.
    pub model: Option<String>,
    /// The host requests go to, when on.
    pub host: Option<String>,
    /// Channels whose conversations may be sent (`*`: all).
    pub channels: Vec<String>,
    /// What it can do: `summary`.
    pub features: Vec<String>,
    pub max_concurrent: usize,
    pub requests_per_minute: u32,
}

/// `GET /api/v1/assist`: whether agent assist is on, with which model, for which channels.
#[utoipa::path(get, path = "/api/v1/assist", tag = "assist",
    responses((status = 200, body = AssistView)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_assist(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
) -> ApiResult<Json<AssistView>> {
    let config = state.assist.config();
    let on = state.assist.is_on();
    let host = reqwest::Url::parse(&config.base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned));
    Ok(Json(AssistView {
        enabled: on,
        model: on.then(|| config.model.clone()),
        host: host.filter(|_| on),
        channels: config.channels.clone(),
        features: if on {
            vec!["summary".to_owned()]
        } else {
            Vec::new()
        },
        max_concurrent: config.max_concurrent,
        requests_per_minute: config.requests_per_minute,
    }))
}

/// A summary made and stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    /// The private note holding it (`Summary by <model>: …`).
    pub note: MessageView,
    /// The model that answered.
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// `POST /api/v1/conversations/{id}/summary`: the model reads the conversation's newest
/// messages (`[assist] max_messages`; customer, agent and bot messages, never notes; personal
/// numbers redacted) and says what the customer wants, what was done, what is open and the
/// mood. Stored as a private note naming the model; recorded in the audit log with the tokens
/// used. 409 when assist is off or the contact is erased, 403 for a channel not in
/// `[assist] channels`, 429 over the per-minute budget, 502 when the model fails.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/summary", tag = "assist",
    params(("id" = i64, Path)),
    responses((status = 201, body = SummaryView), (status = 403), (status = 404), (status = 409),
        (status = 422), (status = 429), (status = 502), (status = 503)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn summarise_conversation(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<(StatusCode, Json<SummaryView>)> {
    state.ensure_conversation_visible(&caller, id).await?;
    if !state.assist.is_on() {
        return Err(ApiError::Conflict(AssistError::Off.to_string()));
    }
    let conversation = state
        .store
        .get_conversation(id)
        .await
        .for_api("conversation")?;
    if !state.assist.config().covers_channel(&conversation.channel) {
        return Err(ApiError::Forbidden(format!(
            "conversations of channel {:?} are not sent to the model ([assist] channels)",
            conversation.channel
        )));
    }
    let erasure = state
        .store
        .find_erasure_of(conversation.contact_id)
        .await
        .for_api("contact")?;
    if erasure.is_some() {
        return Err(ApiError::Conflict(
            "the contact is erased: nothing of theirs goes to the model".into(),
        ));
    }
    let limit = i64::try_from(state.assist.config().max_messages).unwrap_or(i64::MAX);
    let messages = state
        .store
        .latest_messages(id, limit)
        .await
        .for_api("conversation")?;
    if state.assist.transcript(&messages).is_empty() {
        return Err(ApiError::Invalid(
            "the conversation has no messages to summarise".into(),
        ));
    }
    let outcome = state.assist.summarise(&messages).await;
    let model = state.assist.config().model.clone();
    let record = match &outcome {
        Ok(done) => serde_json::json!({
            "feature": "summary", "model": done.model, "messages": messages.len(),
            "prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens,
        }),
        Err(err) => serde_json::json!({
            "feature": "summary", "model": model, "messages": messages.len(),
            "error": err.to_string(),
        }),
    };
    // Recorded whether or not the model answered: the conversation may have left either way.
    state
        .audit_with(
            &caller,
            AuditAction::AssistUsed,
            AuditSubject::Conversation(id),
            record,
        )
        .await?;
    let completion = outcome.map_err(api_error)?;
    let text = format!("Summary by {}:\n{}", completion.model, completion.text);
    let (note, events) = state
        .store
        .add_note(id, caller.agent, &text)
        .await
        .for_api("conversation")?;
    state.events.publish(events);
    Ok((
        StatusCode::CREATED,
        Json(SummaryView {
            note: note.into(),
            model: completion.model,
            prompt_tokens: completion.prompt_tokens,
            completion_tokens: completion.completion_tokens,
        }),
    ))
}

/// The model's failure as the agent should read it.
fn api_error(err: AssistError) -> ApiError {
    match err {
        AssistError::Off => ApiError::Conflict(err.to_string()),
        AssistError::Budget { retry_after_secs } => ApiError::TooManyRequests {
            message: err.to_string(),
            retry_after_secs,
        },
        AssistError::Busy(_) => ApiError::Unavailable(err.to_string()),
        AssistError::Refused(_)
        | AssistError::Unreachable { .. }
        | AssistError::Status { .. }
        | AssistError::BadAnswer(_) => ApiError::Upstream(err.to_string()),
    }
}
