//! Agent assist over HTTP: `GET /api/v1/assist` (what is on),
//! `POST /api/v1/conversations/{id}/summary` (the model's summary, stored as a private note)
//! `POST /api/v1/conversations/{id}/draft` (a reply draft for the composer) and
//! `POST /api/v1/conversations/{id}/suggestions` (labels, priority and team to accept).

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
    /// What it can do: `summary`, `draft`, `suggestions`.
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
            vec![
                "summary".to_owned(),
                "draft".to_owned(),
                "suggestions".to_owned(),
            ]
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
    let (_, messages) = prepare(&state, &caller, id).await?;
    let outcome = state.assist.summarise(&messages).await;
    record(
        &state,
        &caller,
        id,
        "summary",
        messages.len(),
        outcome.as_ref(),
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

/// A reply draft: for the agent to edit, never sent or stored by Switchboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    pub text: String,
    /// The model that wrote it.
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// `POST /api/v1/conversations/{id}/draft`: the model drafts the next reply from the
/// conversation, the prepared (canned) answers and the customer's latest conversations on the
/// channels assist covers (all redacted, notes never sent). The draft is only returned: it
/// goes into the agent's composer and out only when a person sends it. Recorded in the audit
/// log; the same refusals as the summary.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/draft", tag = "assist",
    params(("id" = i64, Path)),
    responses((status = 200, body = DraftView), (status = 403), (status = 404), (status = 409),
        (status = 422), (status = 429), (status = 502), (status = 503)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn draft_reply(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<DraftView>> {
    let (conversation, messages) = prepare(&state, &caller, id).await?;
    let canned: Vec<(String, String)> = state
        .store
        .list_canned_responses()
        .await
        .for_api("canned response")?
        .into_iter()
        .take(crate::assist::MAX_DRAFT_CANNED)
        .map(|canned| {
            let text = match canned.content {
                crate::domain::CannedContent::Body(body) => body,
                crate::domain::CannedContent::Template(_) => canned.title,
            };
            (canned.shortcut, text)
        })
        .collect();
    let history = history_of(&state, &caller, &conversation).await?;
    let outcome = state.assist.draft(&messages, &canned, &history).await;
    record(
        &state,
        &caller,
        id,
        "draft",
        messages.len(),
        outcome.as_ref(),
    )
    .await?;
    let completion = outcome.map_err(api_error)?;
    Ok(Json(DraftView {
        text: completion.text,
        model: completion.model,
        prompt_tokens: completion.prompt_tokens,
        completion_tokens: completion.completion_tokens,
    }))
}

/// What the model suggests for a conversation: nothing is applied until someone accepts it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsView {
    /// Up to three of the labels in use here.
    pub labels: Vec<String>,
    pub priority: Option<crate::domain::Priority>,
    /// One of the teams, by id and name.
    pub team_id: Option<crate::domain::TeamId>,
    pub team_name: Option<String>,
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// `POST /api/v1/conversations/{id}/suggestions`: the model suggests labels (from the 50
/// most used here), a priority and a team (from the teams) for the conversation. Only a
/// suggestion: the inbox applies it when the agent accepts. Recorded in the audit log; the
/// same refusals as the summary, and 502 when the answer holds no readable suggestion.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/suggestions", tag = "assist",
    params(("id" = i64, Path)),
    responses((status = 200, body = SuggestionsView), (status = 403), (status = 404),
        (status = 409), (status = 422), (status = 429), (status = 502), (status = 503)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn suggest(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<SuggestionsView>> {
    const LABELS_OFFERED: i64 = 50;
    let (_, messages) = prepare(&state, &caller, id).await?;
    let labels = state
        .store
        .common_labels(LABELS_OFFERED)
        .await
        .for_api("conversation")?;
    let teams = state.store.list_teams().await.for_api("team")?;
    let team_names: Vec<String> = teams.iter().map(|team| team.name.clone()).collect();
    let outcome = state.assist.classify(&messages, &labels, &team_names).await;
    let answered = outcome.as_ref().map(|(_, completion)| completion);
    record(&state, &caller, id, "suggestions", messages.len(), answered).await?;
    let (classification, completion) = outcome.map_err(api_error)?;
    let team = classification
        .team
        .as_ref()
        .and_then(|name| teams.iter().find(|team| &team.name == name));
    Ok(Json(SuggestionsView {
        labels: classification.labels,
        priority: classification.priority,
        team_id: team.map(|team| team.id),
        team_name: team.map(|team| team.name.clone()),
        model: completion.model,
        prompt_tokens: completion.prompt_tokens,
        completion_tokens: completion.completion_tokens,
    }))
}

/// The customer's latest other conversations the caller may see, on channels assist covers,
/// each with its newest messages.
async fn history_of(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    conversation: &crate::domain::Conversation,
) -> ApiResult<Vec<(String, Vec<crate::domain::Message>)>> {
    const MESSAGES_EACH: i64 = 6;
    let filter = crate::store::ConversationFilter {
        contact: Some(conversation.contact_id),
        visibility: state.visibility(caller),
        ..crate::store::ConversationFilter::default()
    };
    let limit = i64::try_from(crate::assist::MAX_DRAFT_HISTORY + 1).unwrap_or(6);
    let earlier = state
        .store
        .list_conversations(&filter, crate::store::PageRequest::first(limit))
        .await
        .for_api("conversation")?;
    let mut history = Vec::new();
    for other in earlier.items {
        if other.id == conversation.id || !state.assist.config().covers_channel(&other.channel) {
            continue;
        }
        let messages = state
            .store
            .latest_messages(other.id, MESSAGES_EACH)
            .await
            .for_api("conversation")?;
        history.push((other.channel, messages));
    }
    Ok(history)
}

/// The checks every feature makes before anything goes to the model, and the conversation's
/// newest messages: assist on, the conversation visible and of a covered channel, its
/// contact not erased, something to read.
async fn prepare(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    id: ConversationId,
) -> ApiResult<(crate::domain::Conversation, Vec<crate::domain::Message>)> {
    state.ensure_conversation_visible(caller, id).await?;
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
    if !crate::assist::Assist::has_readable(&messages) {
        return Err(ApiError::Invalid(
            "the conversation has no messages for the model to read".into(),
        ));
    }
    Ok((conversation, messages))
}

/// Writes the call to the audit log — whether or not the model answered, since the
/// conversation may have left either way.
async fn record(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    id: ConversationId,
    feature: &str,
    messages: usize,
    outcome: Result<&crate::assist::Completion, &AssistError>,
) -> ApiResult<()> {
    let detail = match outcome {
        Ok(done) => serde_json::json!({
            "feature": feature, "model": done.model, "messages": messages,
            "prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens,
        }),
        Err(err) => serde_json::json!({
            "feature": feature, "model": state.assist.config().model, "messages": messages,
            "error": err.to_string(),
        }),
    };
    state
        .audit_with(
            caller,
            AuditAction::AssistUsed,
            AuditSubject::Conversation(id),
            detail,
        )
        .await
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
