//! The outbox as agents see it: failed and dead messages, and retrying them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{self, DeliveryPage, MessageView};
use crate::domain::MessageId;
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};
use crate::store::{OutboxState, PageRequest};

/// Query of `GET /api/v1/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `sent`, `failed` or `dead`.
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// `GET /api/v1/deliveries`: outbound messages and where they stand, newest first.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "deliveries", params(DeliveryQuery),
    responses((status = 200, body = DeliveryPage)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_deliveries(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
    Query(query): Query<DeliveryQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    let filter = query
        .state
        .as_deref()
        .map(|name| {
            OutboxState::parse(name).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "state: {name:?} is not one of pending, sent, failed, dead"
                ))
            })
        })
        .transpose()?;
    let page = state
        .store
        .list_deliveries(
            filter,
            PageRequest {
                cursor: query.cursor,
                limit: query.limit,
            },
        )
        .await
        .for_api("delivery")?;
    let (items, next_cursor) = views::page(page);
    Ok(Json(DeliveryPage { items, next_cursor }))
}

/// `POST /api/v1/messages/{id}/retry`: queues a failed or dead message again.
#[utoipa::path(post, path = "/api/v1/messages/{id}/retry", tag = "deliveries",
    params(("id" = i64, Path)), responses((status = 202, body = MessageView), (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn retry_message(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let (message, events) = state
        .store
        .retry_message(id)
        .await
        .for_api("outbound message")?;
    state.events.publish(events);
    state.dispatch_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(message.into())))
}
