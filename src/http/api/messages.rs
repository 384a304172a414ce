//! Message routes: edit history and attachment download.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use connector_sdk::ConnectorError;

use super::views::RevisionView;
use crate::domain::MessageId;
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};

/// `GET /api/v1/messages/{id}/revisions`: earlier texts of an edited message, oldest first.
#[utoipa::path(get, path = "/api/v1/messages/{id}/revisions", tag = "conversations",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<RevisionView>), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_revisions(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<MessageId>,
) -> ApiResult<Json<Vec<RevisionView>>> {
    let revisions = state
        .store
        .list_revisions(id)
        .await
        .map_err(|err| ApiError::from_store("message", err))?;
    Ok(Json(
        revisions.into_iter().map(RevisionView::from).collect(),
    ))
}

/// Types a browser could execute or render as a page; served as opaque bytes instead.
const ACTIVE_TYPES: [&str; 4] = [
    "text/html",
    "image/svg+xml",
    "application/xhtml+xml",
    "text/xml",
];

/// `GET /api/v1/messages/{id}/attachments/{index}`: downloads a file the channel keeps.
/// Always served as a download (`Content-Disposition: attachment`, `nosniff`): customer files
/// never run in the inbox's origin.
#[utoipa::path(get, path = "/api/v1/messages/{id}/attachments/{index}", tag = "conversations",
    params(("id" = i64, Path), ("index" = usize, Path)),
    responses((status = 200, description = "the file's bytes"), (status = 404), (status = 502)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn download_attachment(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path((id, index)): Path<(MessageId, usize)>,
) -> ApiResult<Response> {
    let message = state
        .store
        .get_message(id)
        .await
        .map_err(|err| ApiError::from_store("message", err))?;
    let attachment = message
        .attachments
        .get(index)
        .ok_or(ApiError::NotFound("attachment"))?;
    let connector = state
        .connectors
        .get(&message.channel)
        .ok_or(ApiError::NotFound("channel of this message"))?;
    let data = connector
        .fetch_attachment(attachment)
        .await
        .map_err(|err| match err {
            ConnectorError::Unsupported(_) => ApiError::NotFound("downloadable attachment"),
            ConnectorError::Rejected { reason, .. } => {
                ApiError::Upstream(format!("the channel refused the download: {reason}"))
            }
            ConnectorError::Unavailable { .. } => {
                ApiError::Upstream("the channel is unavailable, try again".into())
            }
            ConnectorError::Unauthorized => {
                ApiError::Upstream("the channel refused our credentials".into())
            }
        })?;
    let mime = data
        .mime_type
        .or_else(|| attachment.mime_type.clone())
        .filter(|mime| !ACTIVE_TYPES.iter().any(|active| mime.starts_with(active)))
        .unwrap_or_else(|| "application/octet-stream".into());
    let name: String = data
        .name
        .or_else(|| attachment.name.clone())
        .unwrap_or_else(|| format!("attachment-{index}"))
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(*c))
        .collect();
    let mut response = Response::new(Body::from(data.bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(response)
}
