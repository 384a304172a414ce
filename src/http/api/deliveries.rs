//! The outbox as agents see it: failed and dead messages, and retrying them.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::params::{self, Cursor, PageSize};
use super::views::{self, DeliveryPage, MessageView};
use crate::domain::MessageId;
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};
use crate::store::OutboxState;

/// Where an outbound message stands, as `GET /api/v1/deliveries` filters it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Queued or being sent.
    Pending,
    Sent,
    /// Failed for now; retried.
    Failed,
    /// Failed for good.
    Dead,
}

impl From<DeliveryState> for OutboxState {
    fn from(state: DeliveryState) -> Self {
        match state {
            DeliveryState::Pending => OutboxState::Pending,
            DeliveryState::Sent => OutboxState::Sent,
            DeliveryState::Failed => OutboxState::Failed,
            DeliveryState::Dead => OutboxState::Dead,
        }
    }
}

/// Query of `GET /api/v1/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    pub state: Option<DeliveryState>,
    pub cursor: Option<Cursor>,
    pub limit: Option<PageSize>,
}

/// `GET /api/v1/deliveries`: outbound messages and where they stand, newest first.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "deliveries", params(DeliveryQuery),
    responses((status = 200, body = DeliveryPage)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_deliveries(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Query(query): Query<DeliveryQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    let filter = query.state.map(OutboxState::from);
    let page = state
        .store
        .list_deliveries(
            filter,
            params::page(query.cursor, query.limit),
            &state.visibility(&caller),
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
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    state.ensure_message_visible(&caller, id).await?;
    let (message, events) = state
        .store
        .retry_message(id)
        .await
        .for_api("outbound message")?;
    state.events.publish(events);
    state.dispatch_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(message.into())))
}
