//! Event webhook routes (admin only): subscriptions, their delivery log, and replay. Sending
//! is the `webhooks` worker's job; these handlers validate, store and wake it.

use crate::domain::audit::{AuditAction, AuditSubject};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::{self, Cursor, PageSize};
use super::views;
use crate::domain::{
    EventId, EventKind, EventSelection, WebhookAttempt, WebhookDelivery, WebhookDeliveryId,
    WebhookDeliveryState, WebhookId, WebhookSubscription,
};
use crate::http::AppState;
use crate::http::auth::{Admins, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path, Query};
use crate::store::{NewWebhook, WebhookPatch};

/// Accepted lengths of a caller-chosen signing secret.
const SECRET_LEN: std::ops::RangeInclusive<usize> = 16..=256;

/// An event webhook subscription (never its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookView {
    pub id: WebhookId,
    pub url: String,
    /// Event names, or `["*"]` for every event.
    pub events: Vec<String>,
    /// Paused subscriptions get no deliveries for events that happen meanwhile.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookSubscription> for WebhookView {
    fn from(w: WebhookSubscription) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events.names(),
            active: w.active,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// A new subscription: the signing secret is shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhookView {
    /// The HMAC-SHA256 key of `X-Switchboard-Signature`.
    pub secret: String,
    #[serde(flatten)]
    pub webhook: WebhookView,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookAttemptView {
    /// The receiver's HTTP status; absent when no response came.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: DateTime<Utc>,
}

impl From<WebhookAttempt> for WebhookAttemptView {
    fn from(a: WebhookAttempt) -> Self {
        Self {
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
            attempted_at: a.attempted_at,
        }
    }
}

/// One event's delivery to a subscription, with every attempt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookDeliveryView {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub event_id: EventId,
    pub event_kind: EventKind,
    pub state: WebhookDeliveryState,
    /// Attempts in the current round (a replay starts a new one).
    pub attempts: i64,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt; absent when it got no response.
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first, across replays.
    pub history: Vec<WebhookAttemptView>,
}

impl From<WebhookDelivery> for WebhookDeliveryView {
    fn from(d: WebhookDelivery) -> Self {
        Self {
            id: d.id,
            webhook_id: d.subscription_id,
            event_id: d.event_id,
            event_kind: d.event_kind,
            state: d.state,
            attempts: d.attempts,
            next_attempt_at: (d.state == WebhookDeliveryState::Pending)
                .then_some(d.next_attempt_at),
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            updated_at: d.updated_at,
            delivered_at: d.delivered_at,
            history: d
                .history
                .into_iter()
                .map(WebhookAttemptView::from)
                .collect(),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDeliveryView>,
    pub next_cursor: Option<String>,
}

fn parse_events(names: &[String]) -> ApiResult<EventSelection> {
    if names.is_empty() {
        return Err(ApiError::Invalid(
            "events: list at least one event name, or \"*\" for every event".into(),
        ));
    }
    EventSelection::parse(names).map_err(|err| {
        let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
        ApiError::Invalid(format!(
            "events: {:?} is not an event name (known: *, {})",
            err.value,
            known.join(", ")
        ))
    })
}

fn webhook_error(err: crate::store::StoreError) -> ApiError {
    ApiError::from_store("webhook", err)
}

/// `GET /api/v1/webhooks`
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookView>)), security(("bearer" = ["admin"])))]
pub async fn list_webhooks(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<WebhookView>>> {
    let webhooks = state.store.list_webhooks().await.map_err(webhook_error)?;
    Ok(Json(webhooks.into_iter().map(WebhookView::from).collect()))
}

/// Body of `POST /api/v1/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// An `http` or `https` URL on a public address (see `[webhooks] allow_private_targets`).
    #[schema(pattern = "^\\s*[hH][tT][tT][pP][sS]?://")]
    pub url: String,
    /// Event names (`message.created`, …) or `"*"` for every event.
    #[schema(schema_with = super::constraints::event_names)]
    pub events: Vec<String>,
    /// The signing secret (16-256 printable ASCII characters); generated when absent.
    #[schema(pattern = "^[!-~]{16,256}$")]
    pub secret: Option<String>,
}

/// `POST /api/v1/webhooks`: subscribes a URL to events; the secret is in the answer, once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = CreateWebhookRequest,
    responses((status = 201, body = CreatedWebhookView), (status = 422)), security(("bearer" = ["admin"])))]
pub async fn create_webhook(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<CreateWebhookRequest>,
) -> ApiResult<(StatusCode, Json<CreatedWebhookView>)> {
    let events = parse_events(&request.events)?;
    let secret = match request.secret {
        Some(secret) => {
            if !SECRET_LEN.contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic())
            {
                return Err(ApiError::Invalid(format!(
                    "secret: must be {} to {} printable ASCII characters without spaces",
                    SECRET_LEN.start(),
                    SECRET_LEN.end()
                )));
            }
            // The prefix marks a value sealed at rest; a plain secret that wore it would be
            // taken for one where no key seals it.
            if secret.starts_with("sealed:") {
                return Err(ApiError::Invalid(
                    "secret: must not start with \"sealed:\"".into(),
                ));
            }
            secret
        }
        None => crate::event_webhooks::generate_secret(),
    };
    let url = state
        .webhook_targets
        .check(request.url.trim())
        .await
        .map_err(|err| ApiError::Invalid(format!("url: {err}")))?;
    let sealed = state
        .vault
        .seal_value(crate::secrets::slot::WEBHOOK_SECRET, &secret)
        .await
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("sealing the secret: {err}")))?;
    let webhook = state
        .store
        .create_webhook(&NewWebhook {
            url: url.to_string(),
            secret: sealed,
            events,
        })
        .await
        .map_err(webhook_error)?;
    state
        .audit_with(
            &caller,
            AuditAction::WebhookCreated,
            AuditSubject::Webhook(webhook.id),
            serde_json::json!({ "url": webhook.url }),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookView {
            secret,
            webhook: webhook.into(),
        }),
    ))
}

/// `GET /api/v1/webhooks/{id}`
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookView), (status = 404)), security(("bearer" = ["admin"])))]
pub async fn get_webhook(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<WebhookId>,
) -> ApiResult<Json<WebhookView>> {
    let webhook = state.store.get_webhook(id).await.map_err(webhook_error)?;
    Ok(Json(webhook.into()))
}

/// Body of `PATCH /api/v1/webhooks/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// `false` pauses: events that happen while paused are not delivered later.
    pub active: Option<bool>,
    /// Replaces the event names.
    #[schema(schema_with = super::constraints::optional_event_names)]
    pub events: Option<Vec<String>>,
}

/// `PATCH /api/v1/webhooks/{id}`: pauses, resumes or changes the events.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body = UpdateWebhookRequest, responses((status = 200, body = WebhookView), (status = 404)),
    security(("bearer" = ["admin"])))]
pub async fn update_webhook(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<WebhookId>,
    Json(request): Json<UpdateWebhookRequest>,
) -> ApiResult<Json<WebhookView>> {
    let events = request.events.as_deref().map(parse_events).transpose()?;
    let webhook = state
        .store
        .update_webhook(
            id,
            &WebhookPatch {
                active: request.active,
                events,
            },
        )
        .await
        .map_err(webhook_error)?;
    state
        .audit(
            &caller,
            AuditAction::WebhookUpdated,
            AuditSubject::Webhook(id),
        )
        .await?;
    Ok(Json(webhook.into()))
}

/// `DELETE /api/v1/webhooks/{id}`: stops deliveries at once and drops the delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)), security(("bearer" = ["admin"])))]
pub async fn delete_webhook(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<WebhookId>,
) -> ApiResult<StatusCode> {
    state
        .store
        .delete_webhook(id)
        .await
        .map_err(webhook_error)?;
    state
        .audit(
            &caller,
            AuditAction::WebhookDeleted,
            AuditSubject::Webhook(id),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /api/v1/webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryLogQuery {
    pub state: Option<WebhookDeliveryState>,
    pub cursor: Option<Cursor>,
    pub limit: Option<PageSize>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first, with each attempt's
/// status code and error.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path), DeliveryLogQuery),
    responses((status = 200, body = WebhookDeliveryPage), (status = 404)), security(("bearer" = ["admin"])))]
pub async fn list_webhook_deliveries(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<WebhookId>,
    Query(query): Query<DeliveryLogQuery>,
) -> ApiResult<Json<WebhookDeliveryPage>> {
    let page = state
        .store
        .list_webhook_deliveries(id, query.state, params::page(query.cursor, query.limit))
        .await
        .map_err(webhook_error)?;
    let (items, next_cursor) = views::page(page);
    Ok(Json(WebhookDeliveryPage { items, next_cursor }))
}

/// `POST /api/v1/webhooks/deliveries/{id}/replay`: sends a delivery again, whatever its state,
/// as a new round (attempt count and retry window start over; the log keeps every attempt).
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/replay", tag = "webhooks",
    params(("id" = i64, Path)), responses((status = 202, body = WebhookDeliveryView), (status = 404), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn replay_webhook_delivery(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<WebhookDeliveryId>,
) -> ApiResult<(StatusCode, Json<WebhookDeliveryView>)> {
    let delivery = state
        .store
        .replay_webhook_delivery(id)
        .await
        .for_api("webhook delivery")?;
    state.webhooks_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(delivery.into())))
}
