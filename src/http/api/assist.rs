//! Agent assist over HTTP: `GET /api/v1/assist` (what is on),
//! `POST /api/v1/conversations/{id}/summary` (the model's summary, stored as a private note)
//! `POST /api/v1/conversations/{id}/draft` (a reply draft for the composer) and
//! `POST /api/v1/conversations/{id}/suggestions` (labels, priority and team to accept);
//! translations are `assist_translations`'.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
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
    /// What it can do: `summary`, `draft`, `suggestions`, `translation`.
    pub features: Vec<String>,
    /// The agents' language (ISO 639-1): customer messages are translated into it.
    pub language: String,
    /// Channels whose customer messages are translated without an agent asking.
    pub translate_channels: Vec<String>,
    /// Conversations at least this long get a summary when they change agent (0: never);
    /// the inbox shows the newest summary at the top of conversations this long.
    pub handover_summary_messages: usize,
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
                "translation".to_owned(),
            ]
        } else {
            Vec::new()
        },
        language: config.language.clone(),
        translate_channels: config.translate_channels.clone(),
        handover_summary_messages: config.handover_summary_messages,
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
    let caller = caller.0.clone();
    detached(async move {
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
    })
    .await
}

/// Runs `work` (a model call, its audit entry and what follows from the answer) as a task of
/// its own that the handler waits for: it finishes, and is audited, even when the request
/// times out first (`server.request_timeout_secs` may be shorter than the model's
/// `timeout_secs`) or the client goes away. A summary asked for then still lands as a note.
pub(super) async fn detached<T: Send + 'static>(
    work: impl Future<Output = ApiResult<T>> + Send + 'static,
) -> ApiResult<T> {
    tokio::spawn(work)
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("an agent assist task failed: {err}")))?
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
    let (messages, canned, history) = draft_inputs(&state, &caller, id).await?;
    let caller = caller.0.clone();
    detached(async move {
        let outcome = state.assist.draft(&messages, &canned, &history, None).await;
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
        Ok(Json(DraftView::from(completion)))
    })
    .await
}

impl From<crate::assist::Completion> for DraftView {
    fn from(completion: crate::assist::Completion) -> Self {
        Self {
            text: completion.text,
            model: completion.model,
            prompt_tokens: completion.prompt_tokens,
            completion_tokens: completion.completion_tokens,
        }
    }
}

/// `POST /api/v1/conversations/{id}/draft/stream`: the draft of `/draft`, streamed as the
/// model writes it, so the composer fills at once. Refusals come before the stream as JSON
/// (the same as `/draft`); the stream then carries `piece` events (`{"text": "…"}`, to be
/// appended) and ends with one `done` (a `DraftView`: the whole draft, trimmed) or one `error`
/// (`{"error": "…", "status": 502}`: the model failed; the pieces sent so far are not a
/// draft). Recorded in the audit log when the model has finished.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/draft/stream", tag = "assist",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String,
            description = "Server-sent events: `piece` (`{\"text\"}`) as the model writes, then `done` (a DraftView) or `error` (`{\"error\", \"status\"}`)."),
        (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn stream_draft(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    const PIECES_BUFFERED: usize = 64;
    let (messages, canned, history) = draft_inputs(&state, &caller, id).await?;
    let (pieces, receiver) = mpsc::channel::<String>(PIECES_BUFFERED);
    let (finished, outcome) = oneshot::channel::<SseEvent>();
    let caller = caller.0.clone();
    // The model's answer is awaited apart from the response, so that a client that goes away
    // mid-draft still leaves its call in the audit log.
    tokio::spawn(async move {
        let answer = state
            .assist
            .draft(&messages, &canned, &history, Some(&pieces))
            .await;
        drop(pieces);
        let recorded = record(
            &state,
            &caller,
            id,
            "draft",
            messages.len(),
            answer.as_ref(),
        )
        .await;
        let last = match (answer, recorded) {
            (Ok(completion), Ok(())) => json_event("done", &DraftView::from(completion)),
            (Err(err), _) => {
                let status = api_error(err.clone()).status().as_u16();
                json_event(
                    "error",
                    &serde_json::json!({"error": err.to_string(), "status": status}),
                )
            }
            (Ok(_), Err(_)) => json_event(
                "error",
                &serde_json::json!({"error": "the audit log could not be written", "status": 500}),
            ),
        };
        // The client may be gone; nothing waits for it.
        let _ = finished.send(last);
    });
    let pieces = tokio_stream::wrappers::ReceiverStream::new(receiver)
        .map(|text| Ok(json_event("piece", &serde_json::json!({ "text": text }))));
    let last =
        futures_util::stream::once(outcome).filter_map(|event| async move { event.ok().map(Ok) });
    Ok(Sse::new(pieces.chain(last)).keep_alive(KeepAlive::default()))
}

/// A server-sent event named `name` carrying `data` as JSON.
fn json_event(name: &str, data: &impl Serialize) -> SseEvent {
    SseEvent::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_else(|_| "{}".to_owned()))
}

/// What a draft reads: the conversation's newest messages, the prepared (canned) answers, and
/// the customer's latest other conversations (see [`prepare`] for the refusals).
async fn draft_inputs(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    id: ConversationId,
) -> ApiResult<(
    Vec<crate::domain::Message>,
    Vec<(String, String)>,
    Vec<(String, Vec<crate::domain::Message>)>,
)> {
    let (conversation, messages) = prepare(state, caller, id).await?;
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
    let history = history_of(state, caller, &conversation).await?;
    Ok((messages, canned, history))
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
    let (task_state, caller) = (state.clone(), caller.0.clone());
    let (classification, completion) = detached(async move {
        let outcome = task_state
            .assist
            .classify(&messages, &labels, &team_names)
            .await;
        let answered = outcome.as_ref().map(|(_, completion)| completion);
        record(
            &task_state,
            &caller,
            id,
            "suggestions",
            messages.len(),
            answered,
        )
        .await?;
        outcome.map_err(api_error)
    })
    .await?;
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

/// The checks every feature makes before anything of conversation `id` goes to the model:
/// assist on, the conversation visible to the caller and of a covered channel, its contact
/// not erased.
pub(super) async fn admit(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    id: ConversationId,
) -> ApiResult<crate::domain::Conversation> {
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
    Ok(conversation)
}

/// [`admit`], and the conversation's newest messages (`[assist] max_messages`), of which at
/// least one is for the model to read.
async fn prepare(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    id: ConversationId,
) -> ApiResult<(crate::domain::Conversation, Vec<crate::domain::Message>)> {
    let conversation = admit(state, caller, id).await?;
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
pub(super) async fn record(
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
pub(super) fn api_error(err: AssistError) -> ApiError {
    match err {
        AssistError::Off => ApiError::Conflict(err.to_string()),
        AssistError::Budget { retry_after_secs } => ApiError::TooManyRequests {
            message: err.to_string(),
            retry_after_secs,
        },
        AssistError::Busy(_) | AssistError::ShuttingDown => ApiError::Unavailable(err.to_string()),
        AssistError::Refused(_)
        | AssistError::Unreachable { .. }
        | AssistError::Status { .. }
        | AssistError::BadAnswer(_) => ApiError::Upstream(err.to_string()),
    }
}
