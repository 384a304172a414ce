//! `POST /hooks/{channel}`: inbound webhooks. The connector verifies the signature on the raw
//! bytes and parses them; the pipeline commits; only then is the channel answered 200.
//! Every refusal (401, 400, 404, 413) happens before anything is stored; a 503 (with
//! `Retry-After`) means nothing was committed.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
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
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<axum::response::Response> {
    // Twilio signs the URL it called: the connector gets the path and query as received.
    let target = uri.path_and_query().map_or_else(
        || uri.path().to_owned(),
        |target| target.as_str().to_owned(),
    );
    let result = accept(&state, &channel, &target, &headers, body).await;
    if result.is_err() {
        Metrics::add(&state.metrics.webhook_rejections, 1);
    }
    let receipt = result?;
    // A provider that reads the answer (Twilio runs TwiML) gets what it expects; refusals
    // keep the JSON error either way.
    if let Some(answer) = state
        .connectors
        .get(&channel)
        .and_then(|connector| connector.hook_answer())
    {
        return Ok((
            [(axum::http::header::CONTENT_TYPE, answer.content_type)],
            answer.body,
        )
            .into_response());
    }
    Ok(receipt.into_response())
}

async fn accept(
    state: &AppState,
    channel: &str,
    target: &str,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Json<HookResponse>> {
    let connector = state
        .connectors
        .get(channel)
        .ok_or(ApiError::NotFound("channel"))?;
    let limit = state
        .hook_body_limits
        .get(channel)
        .copied()
        .unwrap_or(state.max_body_bytes);
    let events = match receive_body(body, limit).await? {
        Received::InMemory(bytes) => connector.parse_webhook_at(target, headers, &bytes),
        Received::Spooled(mut file) => {
            // Reading a large body is blocking file work and parsing it is CPU work: both
            // off the async workers.
            let connector = connector.clone();
            let headers = headers.clone();
            tokio::task::spawn_blocking(move || {
                connector.parse_webhook_spooled(&headers, &mut file)
            })
            .await
            .map_err(|err| {
                ApiError::Internal(anyhow::anyhow!("parsing a spooled hook body: {err}"))
            })?
        }
    }
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

/// Bodies up to this size are kept in memory; larger ones are written to a temporary file
/// as they arrive, so a 50 MiB mail never sits in memory whole.
const IN_MEMORY_BODY: usize = 1024 * 1024;

/// A hook body as received.
enum Received {
    InMemory(Vec<u8>),
    /// In an unnamed temporary file (gone when closed), positioned at its start.
    Spooled(std::fs::File),
}

/// Reads the body, refusing it with 413 as soon as it passes `limit`.
async fn receive_body(body: Body, limit: usize) -> ApiResult<Received> {
    use std::io::{Seek, Write};
    let too_large = || ApiError::PayloadTooLarge(limit);
    let mut stream = body.into_data_stream();
    let mut memory: Vec<u8> = Vec::new();
    let mut file: Option<std::fs::File> = None;
    let mut total = 0usize;
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        let chunk =
            chunk.map_err(|err| ApiError::BadRequest(format!("cannot read body: {err}")))?;
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(too_large());
        }
        let spool_error = |err: std::io::Error| {
            tracing::error!(error = %err, "cannot spool a hook body to a temporary file");
            ApiError::Unavailable("the body cannot be stored now; retry later".into())
        };
        match &mut file {
            Some(file) => file.write_all(&chunk).map_err(spool_error)?,
            None if memory.len() + chunk.len() > IN_MEMORY_BODY => {
                let mut spooled = tempfile::tempfile().map_err(spool_error)?;
                spooled.write_all(&memory).map_err(spool_error)?;
                spooled.write_all(&chunk).map_err(spool_error)?;
                memory = Vec::new();
                file = Some(spooled);
            }
            None => memory.extend_from_slice(&chunk),
        }
    }
    match file {
        Some(mut file) => {
            file.rewind()
                .map_err(|err| ApiError::Unavailable(format!("rewinding a spooled body: {err}")))?;
            Ok(Received::Spooled(file))
        }
        None => Ok(Received::InMemory(memory)),
    }
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
