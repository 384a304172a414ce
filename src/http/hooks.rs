//! `POST /hooks/{channel}`: inbound webhooks. The connector verifies the signature on the raw
//! bytes and parses them; the pipeline commits; only then is the channel answered 200.
//! Every refusal (401, 400, 404, 413) happens before anything is stored; a 503 (with
//! `Retry-After`) means nothing was committed.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use connector_sdk::WebhookError;
use serde::Serialize;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{Json, Path};
use crate::metrics::Metrics;
use crate::pipeline::DeliverError;

/// The answer to an accepted webhook.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HookResponse {
    /// Messages stored by this request.
    pub accepted: usize,
    /// Messages that had been stored before (redeliveries).
    pub duplicates: usize,
    pub messages: Vec<HookReceipt>,
}

/// What became of one message of the request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HookReceipt {
    /// The sender's id for the message.
    pub id: String,
    pub message_id: i64,
    pub conversation_id: i64,
    pub duplicate: bool,
}

/// `POST /hooks/{channel}`
pub async fn receive(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<HookResponse>> {
    let result = accept(&state, &channel, &headers, body).await;
    if result.is_err() {
        Metrics::add(&state.metrics.webhook_rejections, 1);
    }
    result
}

async fn accept(
    state: &AppState,
    channel: &str,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Json<HookResponse>> {
    let connector = state
        .connectors
        .get(channel)
        .ok_or(ApiError::NotFound("channel"))?;
    let limit = state.max_body_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|err| {
        let too_large = std::error::Error::source(&err)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge(limit)
        } else {
            ApiError::BadRequest(format!("cannot read body: {err}"))
        }
    })?;
    let events = connector
        .parse_webhook(headers, &bytes)
        .map_err(|err| match err {
            WebhookError::Unauthenticated(message) => ApiError::Unauthenticated(message),
            WebhookError::Malformed(message) => ApiError::BadRequest(message),
            WebhookError::Forbidden(message) => ApiError::Forbidden(message),
            WebhookError::Unsupported => ApiError::NotFound("webhook for this channel"),
            WebhookError::Unavailable(message) => ApiError::Unavailable(message),
        })?;
    let receipts = state
        .pipeline
        .deliver(events, None)
        .await
        .map_err(|err| match err {
            DeliverError::Unavailable(_) => ApiError::DatabaseUnavailable,
            DeliverError::ShuttingDown => {
                ApiError::Unavailable("shutting down, retry later".into())
            }
            DeliverError::Refused(reason) => {
                ApiError::Unavailable(format!("message not stored, retry later: {reason}"))
            }
        })?;
    let duplicates = receipts.iter().filter(|r| r.duplicate).count();
    Ok(Json(HookResponse {
        accepted: receipts.len() - duplicates,
        duplicates,
        messages: receipts
            .into_iter()
            .map(|r| HookReceipt {
                id: r.external_id,
                message_id: r.message_id,
                conversation_id: r.conversation_id,
                duplicate: r.duplicate,
            })
            .collect(),
    }))
}

/// `GET /hooks/{channel}`: a provider's subscription check (Meta's `hub.challenge`). Answers
/// the challenge as plain text only when the channel's verify token matches, else 403.
pub async fn verify(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> ApiResult<String> {
    let connector = state
        .connectors
        .get(&channel)
        .ok_or(ApiError::NotFound("channel"))?;
    connector
        .verify_webhook(query.as_deref().unwrap_or_default())
        .map_err(|err| match err {
            WebhookError::Unauthenticated(message) | WebhookError::Forbidden(message) => {
                ApiError::Forbidden(message)
            }
            WebhookError::Malformed(message) => ApiError::BadRequest(message),
            WebhookError::Unsupported => {
                ApiError::NotFound("webhook verification for this channel")
            }
            WebhookError::Unavailable(message) => ApiError::Unavailable(message),
        })
}
