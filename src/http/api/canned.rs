//! Canned response routes: agents read them and preview them for a conversation; admins
//! create, change and delete them. A canned response points at a template or carries template
//! text of its own, checked when it is saved.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::conversations::MAX_TEXT_CHARS;
use super::templates::{Source, TemplatePreviewRequest, TemplatePreviewView, preview};
use crate::domain::{AgentId, CannedContent, CannedResponse, CannedResponseId};
use crate::http::AppState;
use crate::http::auth::{Admins, Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::NewCannedResponse;

/// A canned response.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CannedResponseView {
    pub id: CannedResponseId,
    /// What an agent types after `/`, e.g. `refund`.
    pub shortcut: String,
    pub title: String,
    /// The template it sends, when it sends one.
    pub template: Option<String>,
    /// Its own template text, when it has one.
    pub body: Option<String>,
    pub created_by: Option<AgentId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CannedResponse> for CannedResponseView {
    fn from(canned: CannedResponse) -> Self {
        let (template, body) = match canned.content {
            CannedContent::Template(name) => (Some(name), None),
            CannedContent::Body(body) => (None, Some(body)),
        };
        Self {
            id: canned.id,
            shortcut: canned.shortcut,
            title: canned.title,
            template,
            body,
            created_by: canned.created_by,
            created_at: canned.created_at,
            updated_at: canned.updated_at,
        }
    }
}

/// Body of `POST /api/v1/canned-responses` and `PUT /api/v1/canned-responses/{id}`: exactly
/// one of `template` and `body`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedResponseRequest {
    /// 1-32 characters of a-z, 0-9, `-` and `_`; a leading `/` is dropped. Unique.
    #[schema(pattern = "^/?[a-z0-9_-]{1,32}$")]
    pub shortcut: String,
    #[schema(schema_with = super::constraints::title)]
    pub title: String,
    /// The name of a template (`GET /api/v1/templates`).
    pub template: Option<String>,
    /// Template text (minijinja, plain text), checked by rendering it with sample data.
    #[schema(pattern = r"\S", max_length = 65536)]
    pub body: Option<String>,
}

impl CannedResponseRequest {
    /// Checks the request against the rules and the loaded templates.
    async fn validate(
        self,
        state: &AppState,
        author: Option<AgentId>,
    ) -> ApiResult<NewCannedResponse> {
        let shortcut = self.shortcut.trim();
        let shortcut = shortcut.strip_prefix('/').unwrap_or(shortcut).to_owned();
        let shortcut_ok = (1..=32).contains(&shortcut.len())
            && shortcut
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !shortcut_ok {
            return Err(ApiError::Invalid(format!(
                "shortcut: {shortcut:?} must be 1-32 characters of a-z, 0-9, '-' and '_'"
            )));
        }
        let title = self.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > 200 || title.chars().any(char::is_control) {
            return Err(ApiError::Invalid(
                "title: must be 1-200 characters without control characters".into(),
            ));
        }
        let content = match (self.template, self.body) {
            (Some(name), None) => {
                if !state.templates.exists(&name) {
                    return Err(ApiError::Invalid(format!(
                        "template: there is no template named {name:?}"
                    )));
                }
                CannedContent::Template(name)
            }
            (None, Some(body)) => {
                if body.trim().is_empty() || body.chars().count() > MAX_TEXT_CHARS {
                    return Err(ApiError::Invalid(format!(
                        "body: must be 1-{MAX_TEXT_CHARS} characters"
                    )));
                }
                state
                    .templates
                    .check_source_off_runtime(&label(&shortcut), &body)
                    .await
                    .map_err(|err| ApiError::Invalid(format!("body: {err}")))?;
                CannedContent::Body(body)
            }
            _ => {
                return Err(ApiError::Invalid(
                    "give exactly one of template and body".into(),
                ));
            }
        };
        Ok(NewCannedResponse {
            shortcut,
            title,
            content,
            created_by: author,
        })
    }
}

/// How a canned response's body is named in template errors.
fn label(shortcut: &str) -> String {
    format!("canned:{shortcut}")
}

/// `GET /api/v1/canned-responses`: every canned response, by shortcut.
#[utoipa::path(get, path = "/api/v1/canned-responses", tag = "templates",
    responses((status = 200, body = Vec<CannedResponseView>)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_canned_responses(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<CannedResponseView>>> {
    let all = state
        .store
        .list_canned_responses()
        .await
        .for_api("canned response")?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// `POST /api/v1/canned-responses` (admins).
#[utoipa::path(post, path = "/api/v1/canned-responses", tag = "templates",
    request_body = CannedResponseRequest,
    responses((status = 201, body = CannedResponseView), (status = 409), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn create_canned_response(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<CannedResponseRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponseView>)> {
    let new = request.validate(&state, caller.agent).await?;
    let created = state
        .store
        .create_canned_response(&new)
        .await
        .for_api("canned response")?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// `GET /api/v1/canned-responses/{id}`
#[utoipa::path(get, path = "/api/v1/canned-responses/{id}", tag = "templates",
    params(("id" = i64, Path)), responses((status = 200, body = CannedResponseView), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_canned_response(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<CannedResponseId>,
) -> ApiResult<Json<CannedResponseView>> {
    let canned = state
        .store
        .get_canned_response(id)
        .await
        .for_api("canned response")?;
    Ok(Json(canned.into()))
}

/// `PUT /api/v1/canned-responses/{id}` (admins): replaces shortcut, title and content.
#[utoipa::path(put, path = "/api/v1/canned-responses/{id}", tag = "templates",
    params(("id" = i64, Path)), request_body = CannedResponseRequest,
    responses((status = 200, body = CannedResponseView), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn update_canned_response(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<CannedResponseId>,
    Json(request): Json<CannedResponseRequest>,
) -> ApiResult<Json<CannedResponseView>> {
    let new = request.validate(&state, caller.agent).await?;
    let updated = state
        .store
        .update_canned_response(id, &new)
        .await
        .for_api("canned response")?;
    Ok(Json(updated.into()))
}

/// `DELETE /api/v1/canned-responses/{id}` (admins).
#[utoipa::path(delete, path = "/api/v1/canned-responses/{id}", tag = "templates",
    params(("id" = i64, Path)), responses((status = 204), (status = 404)),
    security(("bearer" = ["admin"])))]
pub async fn delete_canned_response(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<CannedResponseId>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_canned_response(id)
        .await
        .for_api("canned response")?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/canned-responses/{id}/preview`: renders a canned response like
/// `POST /api/v1/templates/{name}/preview` does, for the composer to insert.
#[utoipa::path(post, path = "/api/v1/canned-responses/{id}/preview", tag = "templates",
    params(("id" = i64, Path)), request_body = TemplatePreviewRequest,
    responses((status = 200, body = TemplatePreviewView), (status = 404), (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn preview_canned_response(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<CannedResponseId>,
    Json(request): Json<TemplatePreviewRequest>,
) -> ApiResult<Json<TemplatePreviewView>> {
    let canned = state
        .store
        .get_canned_response(id)
        .await
        .for_api("canned response")?;
    let source = match &canned.content {
        CannedContent::Template(name) => Source::Template(name),
        CannedContent::Body(body) => Source::Body {
            label: label(&canned.shortcut),
            body,
        },
    };
    preview(&state, source, caller.agent, request).await
}
