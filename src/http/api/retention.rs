//! `GET /api/v1/retention/preview`: what the retention job would delete now (`[retention]`),
//! without deleting anything.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Millis;
use crate::domain::retention::RetentionCounts;
use crate::http::AppState;
use crate::http::auth::{Admins, Authorized};
use crate::http::error::{ApiError, ApiResult};

/// What a retention pass would delete now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RetentionPreview {
    /// Resolved conversations past their period, per channel.
    pub conversations: BTreeMap<String, u64>,
    /// Their messages, per channel.
    pub messages: BTreeMap<String, u64>,
    /// Messages whose attachment files would be deleted (the messages stay), per channel.
    pub expired_attachments: BTreeMap<String, u64>,
    /// Event log rows.
    pub events: u64,
    /// Finished event-webhook deliveries.
    pub webhook_deliveries: u64,
    /// Expired web sessions.
    pub sessions: u64,
}

impl From<RetentionCounts> for RetentionPreview {
    fn from(counts: RetentionCounts) -> Self {
        Self {
            conversations: counts.conversations,
            messages: counts.messages,
            expired_attachments: counts.expired_attachments,
            events: counts.events,
            webhook_deliveries: counts.webhook_deliveries,
            sessions: counts.sessions,
        }
    }
}

/// `GET /api/v1/retention/preview`
#[utoipa::path(get, path = "/api/v1/retention/preview", tag = "retention",
    responses((status = 200, body = RetentionPreview)),
    security(("bearer" = ["admin"])))]
pub async fn preview_retention(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
) -> ApiResult<Json<RetentionPreview>> {
    // Audit (issue 21): reading retention is an admin action worth recording; `_caller` is who.
    let counts = state
        .retention
        .preview(Millis::now())
        .await
        .map_err(ApiError::Internal)?;
    Ok(Json(counts.into()))
}
