//! `POST /widget/{channel}/csat`: the visitor answers the satisfaction survey shown under a
//! message. The token is checked by the core's survey signer and the answer filed through the
//! same call as the survey page's, with the visitor as a channel identity, so only the
//! surveyed contact's answer counts; the limits, the input rules and a refusal change nothing.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Visiting;
use super::api::limit_messages;
use crate::domain::Millis;
use crate::domain::csat::{CsatRespondent, MAX_COMMENT_CHARS};
use crate::http::AppState;
use crate::http::csat::{CsatAnswerView, failure_json, record, token_json};
use crate::http::error::ApiError;
use crate::http::extract::Json;

/// `POST /widget/{channel}/csat` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The survey's token from the message's `csat.token`.
    pub token: String,
    /// 1 (poor) to 5 (excellent).
    pub rating: i64,
    /// Kept as the visitor's message in the conversation.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /widget/{channel}/csat`: files the visitor's answer (a later one replaces it).
/// 422 for a rating outside 1–5 or a comment over the limit, 404 for a token that is not
/// valid or a survey of someone else, 410 once the survey has expired.
pub async fn answer(
    State(state): State<AppState>,
    visiting: Visiting,
    Json(request): Json<AnswerRequest>,
) -> Result<Json<CsatAnswerView>, Response> {
    let Visiting { context, visitor } = visiting;
    let rating = u8::try_from(request.rating)
        .ok()
        .filter(|rating| connector_sdk::csat::RATINGS.contains(rating))
        .ok_or_else(|| ApiError::Invalid("rating: must be 1 to 5".into()).into_response())?;
    let comment = request.comment.map(|mut comment| {
        connector_sdk::text::clean_body_in_place(&mut comment);
        comment.trim().to_owned()
    });
    if comment
        .as_ref()
        .is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ApiError::Invalid(format!(
            "comment: longer than {MAX_COMMENT_CHARS} characters"
        ))
        .into_response());
    }
    let external = visitor.external_id();
    limit_messages(&state, context.config(), &external).map_err(IntoResponse::into_response)?;
    let claims = state
        .surveys
        .verify(request.token.trim(), Millis::now())
        .map_err(token_json)?;
    let respondent = CsatRespondent::Identity {
        scope: context.channel.scope().to_owned(),
        external_id: external,
    };
    let (previous, rating) = record(&state, claims, rating, comment.as_deref(), &respondent)
        .await
        .map_err(failure_json)?;
    Ok(Json(CsatAnswerView {
        conversation_id: claims.conversation,
        rating,
        previous,
    }))
}
