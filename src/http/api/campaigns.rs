//! Campaign routes: create, list, read with the funnel, edit a draft, start (now or at a
//! time), pause, resume, cancel, and test sends. Marketers and admins run campaigns; agents
//! may read.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::campaigns::{TestOutcome, TestSendError};
use crate::domain::campaign::DefinitionError;
use crate::domain::quiet_hours::QuietHours;
use crate::domain::{
    Audience, Campaign, CampaignDefinition, CampaignId, CampaignSpec, CampaignState, ChannelPlan,
    ContactId, Filter, Funnel, Millis, SegmentId,
};
use crate::http::AppState;
use crate::http::auth::{Authorized, Everyone, Marketers};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};

/// A campaign with its funnel.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CampaignView {
    pub id: CampaignId,
    pub name: String,
    pub state: CampaignState,
    /// The audience filter.
    pub filter: Filter,
    pub channels: Vec<ChannelPlan>,
    pub quiet_hours: Option<QuietHours>,
    pub track_opens: bool,
    pub track_clicks: bool,
    pub locale: Option<String>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Contacts in the ledger (the audience when the campaign started).
    pub targeted: i64,
    pub funnel: Funnel,
}

/// Campaigns, newest first (without funnels).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CampaignList {
    pub items: Vec<CampaignSummary>,
}

/// One line of the list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CampaignSummary {
    pub id: CampaignId,
    pub name: String,
    pub state: CampaignState,
    pub targeted: i64,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Body of `POST /api/v1/campaigns` and `PUT /api/v1/campaigns/{id}`; `campaign create` reads
/// files of the same shape. Both become a [`CampaignDefinition`] through its one validation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    #[schema(pattern = r"\S")]
    pub name: String,
    /// A saved segment's id (its filter is copied) …
    #[serde(default)]
    pub segment_id: Option<SegmentId>,
    /// … or a filter written inline.
    #[serde(default)]
    pub filter: Option<Filter>,
    /// Channels in preference order, each with its template.
    #[schema(min_items = 1)]
    pub channels: Vec<ChannelPlan>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    #[serde(default)]
    pub track_opens: bool,
    #[serde(default)]
    pub track_clicks: bool,
    #[serde(default)]
    #[schema(pattern = "^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")]
    pub locale: Option<String>,
}

impl TryFrom<CreateCampaignRequest> for CampaignDefinition {
    type Error = DefinitionError;

    fn try_from(request: CreateCampaignRequest) -> Result<Self, Self::Error> {
        let spec = CampaignSpec {
            channels: request.channels,
            quiet_hours: request.quiet_hours,
            track_opens: request.track_opens,
            track_clicks: request.track_clicks,
            locale: request.locale,
        };
        CampaignDefinition::validate(&request.name, request.segment_id, request.filter, spec)
    }
}

/// Body of `POST /api/v1/campaigns/{id}/start`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// When to start; now when missing.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// Body of `POST /api/v1/campaigns/{id}/test`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSendRequest {
    #[schema(min_items = 1, max_items = 20)]
    pub contact_ids: Vec<i64>,
}

/// The outcome of a test send per contact.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TestSendResult {
    pub contact_id: i64,
    /// The channel it went out on.
    pub channel: Option<String>,
    /// Why it was not sent although it could be: the campaign itself would not send to this
    /// contact (`no consent`, `consent withdrawn`, `suppressed: unsubscribed`, `unreachable`).
    pub skipped: Option<String>,
    pub error: Option<String>,
}

/// Test send outcomes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TestSendReport {
    pub items: Vec<TestSendResult>,
}

fn spec_of(campaign: &Campaign) -> ApiResult<CampaignSpec> {
    serde_json::from_value(campaign.spec.clone()).map_err(|err| {
        ApiError::Internal(anyhow::anyhow!("stored campaign {}: {err}", campaign.id))
    })
}

async fn view(state: &AppState, campaign: Campaign) -> ApiResult<CampaignView> {
    let spec = spec_of(&campaign)?;
    let funnel = state
        .store
        .campaign_funnel(campaign.id)
        .await
        .for_api("campaign")?;
    Ok(CampaignView {
        id: campaign.id,
        name: campaign.name,
        state: campaign.state,
        filter: campaign.filter,
        channels: spec.channels,
        quiet_hours: spec.quiet_hours,
        track_opens: spec.track_opens,
        track_clicks: spec.track_clicks,
        locale: spec.locale,
        scheduled_at: campaign.scheduled_at.map(Millis::to_datetime),
        started_at: campaign.started_at.map(Millis::to_datetime),
        finished_at: campaign.finished_at.map(Millis::to_datetime),
        created_at: campaign.created_at.to_datetime(),
        targeted: campaign.targeted,
        funnel,
    })
}

fn campaign_error(err: crate::store::StoreError) -> ApiError {
    match err {
        crate::store::StoreError::Invalid(message) => ApiError::Conflict(message),
        other => ApiError::from_store("campaign", other),
    }
}

/// A campaign definition as create and edit both store it.
struct Definition {
    name: String,
    /// A saved segment's filter is copied: later edits of the segment do not move the campaign.
    filter: Filter,
    /// [`CampaignSpec`] as JSON, checked against the configured channels and templates.
    spec: serde_json::Value,
}

/// Checks a create or edit body: the definition itself ([`CampaignDefinition::validate`]),
/// the saved segment it names, and the spec against what is configured.
///
/// # Errors
/// `Invalid` naming the field; `NotFound` for an unknown segment.
async fn definition(state: &AppState, request: CreateCampaignRequest) -> ApiResult<Definition> {
    let definition =
        CampaignDefinition::try_from(request).map_err(|err| ApiError::Invalid(err.to_string()))?;
    let filter = match definition.audience {
        Audience::Segment(id) => state.store.get_segment(id).await.for_api("segment")?.filter,
        Audience::Filter(filter) => filter,
    };
    let spec = check_spec(state, definition.spec).await?;
    let spec = serde_json::to_value(&spec).map_err(|err| ApiError::Internal(err.into()))?;
    Ok(Definition {
        name: definition.name,
        filter,
        spec,
    })
}

/// Checks `spec` against the configured channels and templates; its inline texts are trial
/// rendered off the async workers, under the template limits.
async fn check_spec(state: &AppState, spec: CampaignSpec) -> ApiResult<CampaignSpec> {
    let (connectors, templates) = (state.connectors.clone(), state.templates.clone());
    state
        .templates
        .off_runtime("campaign", move || {
            crate::campaigns::spec::check(&spec, &connectors, &templates).map(|()| spec)
        })
        .await
        .map_err(super::templates::template_error)?
        .map_err(ApiError::Invalid)
}

/// `GET /api/v1/campaigns`
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns",
    responses((status = 200, body = CampaignList)), security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn list_campaigns(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
) -> ApiResult<Json<CampaignList>> {
    let items = state
        .store
        .list_campaigns()
        .await
        .map_err(campaign_error)?
        .into_iter()
        .map(|campaign| CampaignSummary {
            id: campaign.id,
            name: campaign.name,
            state: campaign.state,
            targeted: campaign.targeted,
            scheduled_at: campaign.scheduled_at.map(Millis::to_datetime),
            created_at: campaign.created_at.to_datetime(),
        })
        .collect();
    Ok(Json(CampaignList { items }))
}

/// `POST /api/v1/campaigns`: a draft; nothing is sent until it is started.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CreateCampaignRequest,
    responses((status = 201, body = CampaignView), (status = 404), (status = 422)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn create_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Json(request): Json<CreateCampaignRequest>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    let definition = definition(&state, request).await?;
    let campaign = state
        .store
        .create_campaign(&definition.name, &definition.filter, &definition.spec, None)
        .await
        .map_err(campaign_error)?;
    Ok((StatusCode::CREATED, Json(view(&state, campaign).await?)))
}

/// `GET /api/v1/campaigns/{id}`: the campaign with its funnel per channel.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn get_campaign(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
) -> ApiResult<Json<CampaignView>> {
    let campaign = state.store.get_campaign(id).await.map_err(campaign_error)?;
    Ok(Json(view(&state, campaign).await?))
}

/// `PUT /api/v1/campaigns/{id}`: replaces a draft's definition (the body of create, checked
/// the same way). Only a draft: once started, its audience and messages are in the ledger and
/// partly sent, so an edit is a conflict (409); cancel it and create another instead.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    request_body = CreateCampaignRequest,
    responses((status = 200, body = CampaignView), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn update_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
    Json(request): Json<CreateCampaignRequest>,
) -> ApiResult<Json<CampaignView>> {
    let definition = definition(&state, request).await?;
    let campaign = state
        .store
        .update_campaign_draft(id, &definition.name, &definition.filter, &definition.spec)
        .await
        .map_err(campaign_error)?;
    Ok(Json(view(&state, campaign).await?))
}

async fn transition(
    state: &AppState,
    id: CampaignId,
    to: CampaignState,
    at: Option<Millis>,
) -> ApiResult<Json<CampaignView>> {
    let (campaign, events) = state
        .store
        .transition_campaign(id, to, at)
        .await
        .map_err(campaign_error)?;
    state.events.publish(events);
    state.campaigns.wake();
    Ok(Json(view(state, campaign).await?))
}

/// `POST /api/v1/campaigns/{id}/start`: schedules a draft for now or a later time; the worker
/// then puts the audience into the ledger and starts sending.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/start", tag = "campaigns", params(("id" = i64, Path)),
    request_body(content = Option<StartRequest>, description = "Optional: an empty body starts now."),
    responses((status = 200, body = CampaignView), (status = 404), (status = 409)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn start_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
    crate::http::extract::Bytes(body): crate::http::extract::Bytes,
) -> ApiResult<Json<CampaignView>> {
    // The body is optional: an empty one (or `null`) starts now.
    let text = body.trim_ascii();
    let request: StartRequest = if text.is_empty() || text == b"null" {
        StartRequest::default()
    } else if text.first() != Some(&b'{') {
        return Err(ApiError::BadRequest(
            "invalid body: expected a JSON object".into(),
        ));
    } else {
        serde_json::from_slice(text).map_err(|err| ApiError::BadRequest(format!("body: {err}")))?
    };
    let at = request
        .at
        .map_or_else(Millis::now, |at| Millis(at.timestamp_millis()));
    // The channels must still exist: checked here so the marketer hears it, not the log.
    let campaign = state.store.get_campaign(id).await.map_err(campaign_error)?;
    check_spec(&state, spec_of(&campaign)?).await?;
    transition(&state, id, CampaignState::Scheduled, Some(at)).await
}

/// `POST /api/v1/campaigns/{id}/pause`: no more rows are leased; sends in flight finish.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404), (status = 409)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn pause_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
) -> ApiResult<Json<CampaignView>> {
    transition(&state, id, CampaignState::Paused, None).await
}

/// `POST /api/v1/campaigns/{id}/resume`
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resume", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404), (status = 409)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn resume_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
) -> ApiResult<Json<CampaignView>> {
    transition(&state, id, CampaignState::Running, None).await
}

/// `POST /api/v1/campaigns/{id}/cancel`: nothing more is sent; what was sent stays counted.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/cancel", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404), (status = 409)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn cancel_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
) -> ApiResult<Json<CampaignView>> {
    transition(&state, id, CampaignState::Cancelled, None).await
}

/// `POST /api/v1/campaigns/{id}/resend-in-doubt`: sends again the messages a crash left in
/// doubt (handed to a channel that cannot drop a repeat, outcome unknown). The marketer accepts
/// that some of those contacts may get the message twice.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resend-in-doubt", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404), (status = 409)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn resend_in_doubt(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
) -> ApiResult<Json<CampaignView>> {
    let (_, events) = state
        .store
        .resend_in_doubt(id)
        .await
        .map_err(campaign_error)?;
    state.events.publish(events);
    state.campaigns.wake();
    let campaign = state.store.get_campaign(id).await.map_err(campaign_error)?;
    Ok(Json(view(&state, campaign).await?))
}

/// `POST /api/v1/campaigns/{id}/test`: sends the message now to chosen contacts, marked as a
/// test, without touching the ledger; contacts the campaign would not send to (no consent,
/// suppressed, unreachable) are skipped with the reason. 429 with `Retry-After` past
/// `[campaigns] test_sends_per_minute` for the campaign.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/test", tag = "campaigns", params(("id" = i64, Path)),
    request_body = TestSendRequest,
    responses((status = 200, body = TestSendReport), (status = 404), (status = 422), (status = 429)),
    security(("bearer" = ["admin", "marketer"])))]
pub async fn test_campaign(
    _caller: Authorized<Marketers>,
    State(state): State<AppState>,
    Path(id): Path<CampaignId>,
    Json(request): Json<TestSendRequest>,
) -> ApiResult<Json<TestSendReport>> {
    if request.contact_ids.is_empty() || request.contact_ids.len() > 20 {
        return Err(ApiError::Invalid(
            "contact_ids: give 1 to 20 contacts".into(),
        ));
    }
    let campaign = state.store.get_campaign(id).await.map_err(campaign_error)?;
    let contacts: Vec<ContactId> = request
        .contact_ids
        .iter()
        .copied()
        .map(ContactId::new)
        .collect();
    let results = state
        .campaigns
        .test_send(&campaign, &contacts)
        .await
        .map_err(|err| match err {
            TestSendError::RateLimited { retry_after, .. } => ApiError::TooManyRequests {
                message: err.to_string(),
                retry_after_secs: retry_after.as_secs().max(1),
            },
            TestSendError::Failed(err) => ApiError::Internal(err),
        })?;
    let items = results
        .into_iter()
        .map(|(contact, outcome)| {
            let mut item = TestSendResult {
                contact_id: contact.get(),
                channel: None,
                skipped: None,
                error: None,
            };
            match outcome {
                TestOutcome::Sent(channel) => item.channel = Some(channel),
                TestOutcome::Skipped(reason) => item.skipped = Some(reason),
                TestOutcome::Failed(error) => item.error = Some(error),
            }
            item
        })
        .collect();
    Ok(Json(TestSendReport { items }))
}
