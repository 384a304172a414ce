//! Erasure routes (right to be forgotten): request a contact's erasure, one or many at once,
//! and follow a job. The work is done by `privacy::Erasures` in resumable steps.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::audit::{AuditAction, AuditSubject};
use crate::domain::erasure::{ErasureJob, ErasureState, ErasureStep};
use crate::domain::{AgentId, ContactId, ErasureId};
use crate::http::AppState;
use crate::http::auth::{Admins, Authorized, Caller};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};

/// The longest reason kept.
const MAX_REASON_CHARS: usize = 500;
/// The most contacts one batch request erases.
pub const MAX_BATCH: usize = 100;

/// Body of `POST /api/v1/contacts/{id}/erase`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseContactRequest {
    /// Why (a ticket number, "GDPR art. 17 request of 2026-12-01"); kept on the tombstone.
    /// Must not name the person: it outlives their data.
    #[schema(schema_with = super::constraints::erasure_reason)]
    pub reason: String,
}

/// Body of `POST /api/v1/contacts/erase`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseContactsRequest {
    /// The contacts to erase (1 to 100, all must exist).
    #[schema(min_items = 1, max_items = 100)]
    pub ids: Vec<ContactId>,
    /// As in `POST /api/v1/contacts/{id}/erase`.
    #[schema(schema_with = super::constraints::erasure_reason)]
    pub reason: String,
}

/// An erasure job and how far it got.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErasureView {
    pub id: ErasureId,
    pub contact_id: ContactId,
    pub reason: String,
    pub requested_by: Option<AgentId>,
    /// `running`, `done`, or `failed` (after repeated errors; `last_error` says why).
    pub state: ErasureState,
    /// `detach`, `files`, `messages`, `events`, `contact`, then `done`.
    pub step: ErasureStep,
    pub files_deleted: i64,
    /// Attachment files left because another contact's message shares them.
    pub files_kept: i64,
    pub messages_erased: i64,
    pub events_scrubbed: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<ErasureJob> for ErasureView {
    fn from(job: ErasureJob) -> Self {
        Self {
            id: job.id,
            contact_id: job.contact_id,
            reason: job.reason,
            requested_by: job.requested_by,
            state: job.state,
            step: job.step,
            files_deleted: job.files_deleted,
            files_kept: job.files_kept,
            messages_erased: job.messages,
            events_scrubbed: job.events,
            last_error: job.last_error,
            created_at: job.created_at,
            finished_at: job.finished_at,
        }
    }
}

/// The erasure jobs a batch request started (or found).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErasureList {
    pub items: Vec<ErasureView>,
}

fn valid_reason(reason: &str) -> ApiResult<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::Invalid("reason: must not be empty".into()));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::Invalid(format!(
            "reason: must be at most {MAX_REASON_CHARS} characters"
        )));
    }
    if reason.chars().any(char::is_control) {
        return Err(ApiError::Invalid(
            "reason: must be one line without control characters".into(),
        ));
    }
    Ok(reason.to_owned())
}

/// `POST /api/v1/contacts/{id}/erase`: erases the contact's personal data everywhere, in the
/// background; 202 with the job. Asking again returns the same job.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", tag = "contacts", params(("id" = i64, Path)),
    request_body = EraseContactRequest,
    responses((status = 202, body = ErasureView), (status = 400), (status = 404), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn erase_contact(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
    Json(request): Json<EraseContactRequest>,
) -> ApiResult<(StatusCode, Json<ErasureView>)> {
    let reason = valid_reason(&request.reason)?;
    let jobs = state
        .store
        .request_erasure(&[id], &reason, caller.0.agent)
        .await
        .for_api("contact")?;
    audit_erasures(&state, &caller, &[id], &reason).await?;
    state.erasures_wake.notify_one();
    let job = jobs
        .into_iter()
        .next()
        .ok_or(ApiError::NotFound("contact"))?;
    Ok((StatusCode::ACCEPTED, Json(job.into())))
}

/// `POST /api/v1/contacts/erase`: [`erase_contact`] for up to 100 contacts at once, all or
/// none (404 when one does not exist).
#[utoipa::path(post, path = "/api/v1/contacts/erase", tag = "contacts",
    request_body = EraseContactsRequest,
    responses((status = 202, body = ErasureList), (status = 400), (status = 404), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn erase_contacts(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<EraseContactsRequest>,
) -> ApiResult<(StatusCode, Json<ErasureList>)> {
    let reason = valid_reason(&request.reason)?;
    if request.ids.is_empty() || request.ids.len() > MAX_BATCH {
        return Err(ApiError::Invalid(format!(
            "ids: must list 1 to {MAX_BATCH} contacts"
        )));
    }
    let mut ids = request.ids;
    ids.sort_unstable();
    ids.dedup();
    let jobs = state
        .store
        .request_erasure(&ids, &reason, caller.0.agent)
        .await
        .for_api("contact")?;
    audit_erasures(&state, &caller, &ids, &reason).await?;
    state.erasures_wake.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(ErasureList {
            items: jobs.into_iter().map(ErasureView::from).collect(),
        }),
    ))
}

/// `GET /api/v1/erasures/{id}`: an erasure job's progress.
#[utoipa::path(get, path = "/api/v1/erasures/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ErasureView), (status = 404)),
    security(("bearer" = ["admin"])))]
pub async fn get_erasure(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<ErasureId>,
) -> ApiResult<Json<ErasureView>> {
    let job = state.store.get_erasure(id).await.for_api("erasure")?;
    Ok(Json(job.into()))
}

/// One audit entry per contact whose erasure was asked for, with the reason.
async fn audit_erasures(
    state: &AppState,
    caller: &Caller,
    ids: &[ContactId],
    reason: &str,
) -> ApiResult<()> {
    for id in ids {
        state
            .audit_with(
                caller,
                AuditAction::ContactErased,
                AuditSubject::Contact(*id),
                serde_json::json!({"reason": reason}),
            )
            .await?;
    }
    Ok(())
}
