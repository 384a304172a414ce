//! Translation both ways over HTTP: a customer's message into the agents' language
//! (`POST /api/v1/messages/{id}/translation`, kept beside the message), the translations of a
//! conversation (`GET /api/v1/conversations/{id}/translations`), and an agent's reply into the
//! customer's language before it is sent (`POST /api/v1/conversations/{id}/reply-translation`,
//! nothing stored until the reply is sent with `translated_from`).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assist::{admit, api_error, detached, record};
use crate::assist::settings::is_language_code;
use crate::automation::text::detect_language;
use crate::domain::{ConversationId, MessageId, MessageTranslation, TranslationOrigin};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::assist::NewTranslation;

/// One translation of a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationView {
    pub message_id: MessageId,
    /// ISO 639-1 code of `text`'s language.
    pub language: String,
    pub text: String,
    /// `model`: the model's translation of the message; `author`: what the agent wrote, of
    /// which the message sent is the translation.
    pub origin: TranslationOrigin,
    /// The model that translated.
    pub model: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<MessageTranslation> for TranslationView {
    fn from(translation: MessageTranslation) -> Self {
        Self {
            message_id: translation.message_id,
            language: translation.language,
            text: translation.text,
            origin: translation.origin,
            model: translation.model,
            created_at: translation.created_at,
        }
    }
}

/// The translations of a conversation's messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationList {
    pub items: Vec<TranslationView>,
}

/// `GET /api/v1/conversations/{id}/translations`: every stored translation of the
/// conversation's messages, by message and language (what the inbox shows under them).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/translations", tag = "assist",
    params(("id" = i64, Path)),
    responses((status = 200, body = TranslationList), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_translations(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<TranslationList>> {
    state.ensure_conversation_visible(&caller, id).await?;
    let items = state
        .store
        .conversation_translations(id)
        .await
        .for_api("conversation")?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(TranslationList { items }))
}

/// Body of a translation request.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranslateRequest {
    /// ISO 639-1 code of the language wanted; when left out, the calling agent's own
    /// `language`, else `[assist] language`.
    #[schema(pattern = "^[a-z]{2}$")]
    pub language: Option<String>,
}

/// `POST /api/v1/messages/{id}/translation`: the model translates a customer's message into
/// `language`, the caller's own language or the installation's, and the translation is kept
/// beside the original
/// (`message.translated`). An existing translation into that language is answered as it is
/// (200); a new one is 201. Only customer messages are translated (422 for the others); the
/// same refusals as the other assist features.
#[utoipa::path(post, path = "/api/v1/messages/{id}/translation", tag = "assist",
    params(("id" = i64, Path)), request_body = TranslateRequest,
    responses((status = 200, body = TranslationView), (status = 201, body = TranslationView),
        (status = 403), (status = 404), (status = 409), (status = 422), (status = 429),
        (status = 502), (status = 503)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn translate_message(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
    Json(request): Json<TranslateRequest>,
) -> ApiResult<(StatusCode, Json<TranslationView>)> {
    state.ensure_message_visible(&caller, id).await?;
    let language = wanted_language(&state, &caller, request.language).await?;
    let message = state.store.get_message(id).await.for_api("message")?;
    admit(&state, &caller, message.conversation_id).await?;
    if !message.is_from_customer() || message.text.trim().is_empty() {
        return Err(ApiError::Invalid(
            "message: only a customer's message with text is translated".into(),
        ));
    }
    let existing = state
        .store
        .message_translations(id)
        .await
        .for_api("message")?
        .into_iter()
        .find(|translation| translation.language == language);
    if let Some(existing) = existing {
        return Ok((StatusCode::OK, Json(existing.into())));
    }
    let (task_state, task_caller) = (state.clone(), caller.0.clone());
    let (conversation, text, wanted) = (
        message.conversation_id,
        message.text.clone(),
        language.clone(),
    );
    let completion = detached(async move {
        let outcome = task_state.assist.translate(&text, &wanted).await;
        record(
            &task_state,
            &task_caller,
            conversation,
            "translate",
            1,
            outcome.as_ref(),
        )
        .await?;
        outcome.map_err(api_error)
    })
    .await?;
    let saved = state
        .store
        .save_translation(&NewTranslation {
            message: id,
            language,
            text: completion.text,
            origin: TranslationOrigin::Model,
            model: completion.model,
            source_text: message.text,
            by: caller.agent,
        })
        .await
        .for_api("message")?;
    let Some((translation, events)) = saved else {
        return Err(ApiError::Conflict(
            "the message changed while it was translated (edited, redacted or erased); ask again"
                .into(),
        ));
    };
    state.events.publish(events);
    Ok((StatusCode::CREATED, Json(translation.into())))
}

/// Body of a reply translation: the agent's text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyTranslationRequest {
    #[schema(pattern = r"\S", max_length = 65536)]
    pub text: String,
    /// ISO 639-1 code of the customer's language; told from their latest messages when left
    /// out.
    #[schema(pattern = "^[a-z]{2}$")]
    pub language: Option<String>,
}

/// The agent's reply in the customer's language, to check before sending.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyTranslationView {
    /// The translation: what the customer would get.
    pub text: String,
    /// Its language (ISO 639-1).
    pub language: String,
    /// The model that translated.
    pub model: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// How many of the customer's latest messages tell their language.
const LANGUAGE_SAMPLE: i64 = 20;

/// `POST /api/v1/conversations/{id}/reply-translation`: the model translates what the agent
/// wrote into the customer's language (told from their latest messages, or `language`).
/// Nothing is stored or sent: the agent sees both texts, and sends the translation with
/// `translated_from` on the reply, which keeps the original beside the message sent. 422 when
/// the customer's language cannot be told and none is given; the same refusals as the other
/// assist features.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/reply-translation", tag = "assist",
    params(("id" = i64, Path)), request_body = ReplyTranslationRequest,
    responses((status = 200, body = ReplyTranslationView), (status = 403), (status = 404),
        (status = 409), (status = 422), (status = 429), (status = 502), (status = 503)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn translate_reply(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<ReplyTranslationRequest>,
) -> ApiResult<Json<ReplyTranslationView>> {
    admit(&state, &caller, id).await?;
    if request.text.trim().is_empty() {
        return Err(ApiError::Invalid("text: must not be empty".into()));
    }
    if request.text.chars().count() > crate::assist::MAX_TRANSLATE_CHARS {
        return Err(ApiError::Invalid(format!(
            "text: longer than {} characters, more than is translated at once",
            crate::assist::MAX_TRANSLATE_CHARS
        )));
    }
    let language = match request.language {
        Some(language) => checked_language(language)?,
        None => customer_language(&state, id).await?.ok_or_else(|| {
            ApiError::Invalid(
                "language: the customer's language cannot be told from their messages; give it"
                    .into(),
            )
        })?,
    };
    let (task_state, task_caller) = (state.clone(), caller.0.clone());
    let (text, wanted) = (request.text, language.clone());
    let completion = detached(async move {
        let outcome = task_state.assist.translate(&text, &wanted).await;
        record(
            &task_state,
            &task_caller,
            id,
            "translate_reply",
            0,
            outcome.as_ref(),
        )
        .await?;
        outcome.map_err(api_error)
    })
    .await?;
    Ok(Json(ReplyTranslationView {
        text: completion.text,
        language,
        model: completion.model,
        prompt_tokens: completion.prompt_tokens,
        completion_tokens: completion.completion_tokens,
    }))
}

/// The language the customer writes in, told from their latest messages together.
async fn customer_language(state: &AppState, id: ConversationId) -> ApiResult<Option<String>> {
    let messages = state
        .store
        .latest_messages(id, LANGUAGE_SAMPLE)
        .await
        .for_api("conversation")?;
    let written: Vec<&str> = messages
        .iter()
        .filter(|message| message.is_from_customer())
        .map(|message| message.text.as_str())
        .collect();
    Ok(detect_language(&written.join("\n")).map(str::to_owned))
}

/// `language` checked, else the calling agent's own language, else the installation's.
async fn wanted_language(
    state: &AppState,
    caller: &crate::http::auth::Caller,
    language: Option<String>,
) -> ApiResult<String> {
    if let Some(language) = language {
        return checked_language(language);
    }
    let own = match caller.agent {
        Some(agent) => {
            state
                .store
                .get_agent(agent)
                .await
                .for_api("agent")?
                .language
        }
        None => None,
    };
    Ok(own.unwrap_or_else(|| state.assist.config().language.clone()))
}

fn checked_language(language: String) -> ApiResult<String> {
    if is_language_code(&language) {
        Ok(language)
    } else {
        Err(ApiError::Invalid(format!(
            "language: {language:?} is not a two-letter ISO 639-1 code like \"cs\""
        )))
    }
}
