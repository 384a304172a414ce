//! Marketers' audience routes: saved segments with a live count and sample, CSV contact
//! import, and consent per contact and channel. Agents may read; admins and marketers write.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::campaigns::import::{self, ImportOptions};
use crate::domain::{ContactId, Filter, Segment, SegmentId};
use crate::http::AppState;
use crate::http::auth::{Authorized, Everyone, Marketers};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::audience::ConsentChange;

/// A saved segment.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SegmentView {
    pub id: SegmentId,
    pub name: String,
    /// The typed filter (see README, "Segments").
    pub filter: Filter,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Segment> for SegmentView {
    fn from(segment: Segment) -> Self {
        Self {
            id: segment.id,
            name: segment.name,
            filter: segment.filter,
            created_at: segment.created_at,
            updated_at: segment.updated_at,
        }
    }
}

/// Saved segments.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SegmentList {
    pub items: Vec<SegmentView>,
}

/// Body of a segment create or replace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentRequest {
    #[schema(pattern = r"\S")]
    pub name: String,
    pub filter: Filter,
}

/// Body of an unsaved preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentPreviewRequest {
    pub filter: Filter,
    /// How many contact ids to return (default 10).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub sample: Option<i64>,
}

/// How many contacts a filter selects now, with a sample.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SegmentPreviewView {
    pub count: i64,
    pub sample: Vec<i64>,
}

fn checked(request: &SegmentRequest) -> ApiResult<()> {
    if request.name.trim().is_empty() {
        return Err(ApiError::Invalid("name: must not be empty".into()));
    }
    request
        .filter
        .check()
        .map_err(|err| ApiError::Invalid(format!("filter: {err}")))
}

async fn preview(
    state: &AppState,
    filter: &Filter,
    sample: Option<i64>,
) -> ApiResult<SegmentPreviewView> {
    filter
        .check()
        .map_err(|err| ApiError::Invalid(format!("filter: {err}")))?;
    let sample = sample.unwrap_or(10);
    if !(0..=100).contains(&sample) {
        return Err(ApiError::Invalid(
            "sample: must be between 0 and 100".into(),
        ));
    }
    let (count, ids) = state
        .store
        .preview_segment(filter, sample)
        .await
        .for_api("segment")?;
    Ok(SegmentPreviewView {
        count,
        sample: ids.into_iter().map(ContactId::get).collect(),
    })
}

/// `GET /api/v1/segments`
#[utoipa::path(get, path = "/api/v1/segments", tag = "campaigns",
    responses((status = 200, body = SegmentList)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn list_segments(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
) -> ApiResult<Json<SegmentList>> {
    let items = state
        .store
        .list_segments()
        .await
        .for_api("segment")?
        .into_iter()
        .map(SegmentView::from)
        .collect();
    Ok(Json(SegmentList { items }))
}

/// `POST /api/v1/segments`
#[utoipa::path(post, path = "/api/v1/segments", tag = "campaigns", request_body = SegmentRequest,
    responses((status = 201, body = SegmentView), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn create_segment(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Json(request): Json<SegmentRequest>,
) -> ApiResult<(StatusCode, Json<SegmentView>)> {
    checked(&request)?;
    let segment = state
        .store
        .create_segment(request.name.trim(), &request.filter)
        .await
        .for_api("segment")?;
    Ok((StatusCode::CREATED, Json(segment.into())))
}

/// `GET /api/v1/segments/{id}`
#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = SegmentView), (status = 404)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn get_segment(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<SegmentId>,
) -> ApiResult<Json<SegmentView>> {
    let segment = state.store.get_segment(id).await.for_api("segment")?;
    Ok(Json(segment.into()))
}

/// `PUT /api/v1/segments/{id}`
#[utoipa::path(put, path = "/api/v1/segments/{id}", tag = "campaigns", params(("id" = i64, Path)),
    request_body = SegmentRequest,
    responses((status = 200, body = SegmentView), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn replace_segment(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<SegmentId>,
    Json(request): Json<SegmentRequest>,
) -> ApiResult<Json<SegmentView>> {
    checked(&request)?;
    let segment = state
        .store
        .update_segment(id, request.name.trim(), &request.filter)
        .await
        .for_api("segment")?;
    Ok(Json(segment.into()))
}

/// `DELETE /api/v1/segments/{id}`
#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)), security(("bearer" = ["admin", "marketer"])))]
pub async fn delete_segment(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<SegmentId>,
) -> ApiResult<StatusCode> {
    state.store.delete_segment(id).await.for_api("segment")?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/segments/{id}/preview`: the saved segment's live count and sample.
#[utoipa::path(get, path = "/api/v1/segments/{id}/preview", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = SegmentPreviewView), (status = 404)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn preview_saved_segment(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<SegmentId>,
) -> ApiResult<Json<SegmentPreviewView>> {
    let segment = state.store.get_segment(id).await.for_api("segment")?;
    Ok(Json(preview(&state, &segment.filter, None).await?))
}

/// `POST /api/v1/segments/preview`: count and sample of a filter before saving it.
#[utoipa::path(post, path = "/api/v1/segments/preview", tag = "campaigns", request_body = SegmentPreviewRequest,
    responses((status = 200, body = SegmentPreviewView), (status = 422)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn preview_segment(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Json(request): Json<SegmentPreviewRequest>,
) -> ApiResult<Json<SegmentPreviewView>> {
    Ok(Json(
        preview(&state, &request.filter, request.sample).await?,
    ))
}

/// Body of `POST /api/v1/contacts/import`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportRequest {
    /// The file's text: UTF-8 CSV with a header row.
    pub csv: String,
    #[serde(flatten)]
    pub options: ImportOptions,
}

/// A refused row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RejectedRow {
    pub line: u64,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub rejected: Vec<RejectedRow>,
}

/// Parses, validates and writes an import; phone numbers without a country code are
/// `region`'s.
///
/// # Errors
/// A bad header or mapping (422); bad rows are part of the report.
pub async fn run_import(
    store: &crate::store::Store,
    data: &[u8],
    options: &ImportOptions,
    region: crate::domain::phone::PhoneRegion,
    source: &str,
) -> ApiResult<(ImportReport, Vec<crate::domain::Event>)> {
    let parsed = import::parse(data, options, region).map_err(ApiError::Invalid)?;
    let mut rejected = parsed.rejected;
    let (outcome, events) = if options.strict && !rejected.is_empty() {
        (crate::store::audience::ImportOutcome::default(), Vec::new())
    } else {
        store
            .import_contacts(&parsed.rows, source, options.strict)
            .await
            .for_api("contact")?
    };
    rejected.extend(outcome.rejected);
    rejected.sort_by_key(|(line, _)| *line);
    Ok((
        ImportReport {
            created: outcome.created,
            updated: outcome.updated,
            rejected: rejected
                .into_iter()
                .map(|(line, reason)| RejectedRow { line, reason })
                .collect(),
        },
        events,
    ))
}

/// `POST /api/v1/contacts/import`: CSV rows become contacts (matched to existing ones by any
/// identity), with tags, attributes and consent. Valid rows are written in one transaction;
/// refused rows come back with line numbers and reasons (`strict`: then nothing is written).
#[utoipa::path(post, path = "/api/v1/contacts/import", tag = "campaigns", request_body = ImportRequest,
    responses((status = 200, body = ImportReport), (status = 422)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn import_contacts(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Json(request): Json<ImportRequest>,
) -> ApiResult<Json<ImportReport>> {
    let (report, events) = run_import(
        &state.store,
        request.csv.as_bytes(),
        &request.options,
        state.phone_region,
        "import",
    )
    .await?;
    state.events.publish(events);
    Ok(Json(report))
}

/// A contact's consent on one channel kind.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentView {
    /// A channel kind: email, telegram, discord, whatsapp, messenger, instagram, webhook.
    pub channel: String,
    pub granted: bool,
    pub source: String,
    pub proof: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// A contact's consents.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsentList {
    pub items: Vec<ConsentView>,
}

/// One decision to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// A channel kind (`email`, `telegram`, …).
    #[schema(value_type = connector_sdk::ChannelKind)]
    pub channel: String,
    pub granted: bool,
    /// Evidence: the form's IP address, a document id.
    #[serde(default)]
    pub proof: Option<String>,
}

/// Body of `PUT /api/v1/contacts/{id}/consents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetConsentsRequest {
    pub items: Vec<ConsentRequest>,
}

async fn consents(state: &AppState, id: ContactId) -> ApiResult<ConsentList> {
    let items = state
        .store
        .list_consents(id)
        .await
        .for_api("contact")?
        .into_iter()
        .map(|consent| ConsentView {
            channel: consent.channel,
            granted: consent.granted,
            source: consent.source,
            proof: consent.proof,
            changed_at: consent.changed_at,
        })
        .collect();
    Ok(ConsentList { items })
}

/// `GET /api/v1/contacts/{id}/consents`
#[utoipa::path(get, path = "/api/v1/contacts/{id}/consents", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = ConsentList)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn list_consents(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
) -> ApiResult<Json<ConsentList>> {
    Ok(Json(consents(&state, id).await?))
}

/// `PUT /api/v1/contacts/{id}/consents`: records granted or withdrawn marketing consent
/// (source `api`, with optional proof); channels not listed keep their state.
#[utoipa::path(put, path = "/api/v1/contacts/{id}/consents", tag = "campaigns", params(("id" = i64, Path)),
    request_body = SetConsentsRequest,
    responses((status = 200, body = ConsentList), (status = 404), (status = 422)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn set_consents(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
    Json(request): Json<SetConsentsRequest>,
) -> ApiResult<Json<ConsentList>> {
    let mut changes = Vec::with_capacity(request.items.len());
    for item in request.items {
        if connector_sdk::ChannelKind::parse(&item.channel).is_none() {
            return Err(ApiError::Invalid(format!(
                "channel: {:?} is not a channel kind",
                item.channel
            )));
        }
        changes.push(ConsentChange {
            channel: item.channel,
            granted: item.granted,
            source: "api".into(),
            proof: item.proof,
        });
    }
    state
        .store
        .set_consents(id, &changes)
        .await
        .for_api("contact")?;
    Ok(Json(consents(&state, id).await?))
}
