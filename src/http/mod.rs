//! HTTP: the REST API under `/api/v1`, channel hooks under `/hooks`, health and metrics.
//! Handlers translate between DTOs and store calls; they hold no SQL and no channel code.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod client_addr;
pub mod compression;
pub mod csat;
pub mod error;
pub mod extract;
pub mod hooks;
pub mod ops;
pub mod presence;
pub mod server;
pub mod session;
pub mod settings;
pub mod sign_in;
pub mod unsubscribe;
pub mod web;
pub mod widget;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::dispatch::Connectors;
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;
use crate::store::Store;

/// Everything a handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Signs and checks satisfaction survey links (`/csat/{token}`).
    pub surveys: Arc<crate::csat::Surveys>,
    /// Seals secrets kept at rest (webhook signing secrets).
    pub vault: Arc<crate::secrets::Vault>,
    pub pipeline: Pipeline,
    pub events: EventBus,
    pub connectors: Arc<Connectors>,
    /// Notified when a reply is queued, so the dispatcher sends it at once.
    pub dispatch_wake: Arc<Notify>,
    pub metrics: Arc<Metrics>,
    /// The SSRF policy new event webhook subscriptions are checked against.
    pub webhook_targets: crate::event_webhooks::TargetPolicy,
    /// Fetches the remote images of email for the inbox, through the SSRF guard.
    pub remote_images: connector_sdk::net::MediaFetcher,
    /// Notified when a webhook delivery is replayed, so the worker sends it at once.
    pub webhooks_wake: Arc<Notify>,
    /// Notified when a contact's erasure is requested, so the erasure worker starts at once.
    pub erasures_wake: Arc<Notify>,
    /// The router, told of agents' availability and capacity changes (which are not on the
    /// event bus) and asked for the routing scopes the queue is listed under.
    pub router: crate::router::Router,
    pub tokens: Arc<auth::TokenCache>,
    /// The loaded message templates (`templates/` plus `[templates] dir`).
    pub templates: Arc<crate::templates::Templates>,
    /// The rule engine (the rules API lists and checks rules through it).
    pub automation: crate::automation::Automation,
    /// The campaign worker (signs links, resolves channels, wakes on start/resume).
    pub campaigns: crate::campaigns::CampaignRunner,
    /// Who is viewing or typing in which conversation (web inbox), never stored.
    pub presence: Arc<presence::Presence>,
    /// What each channel's listener is doing, for the admin pages.
    pub channel_states: Arc<crate::channel_state::ChannelStates>,
    pub max_body_bytes: usize,
    /// The body limit of each channel's hook (the channel's `max_body_bytes`, else its kind's
    /// default, else the server's).
    pub hook_body_limits: Arc<std::collections::HashMap<String, usize>>,
    /// Cancelled at shutdown: long-lived responses (the event stream) end with it.
    pub shutdown: CancellationToken,
    /// The web sign-in's attempt limits and password-check pool.
    pub sign_in: Arc<sign_in::SignInGuard>,
    /// Proxies whose forwarding headers name the client (see [`client_addr::client_ip`]).
    pub trusted_proxies: Arc<client_addr::TrustedProxies>,
    /// How often an open event stream re-checks its credential.
    pub stream_recheck: Duration,
    /// This node of the cluster (one node on SQLite).
    pub node: crate::cluster::Node,
    /// `[access]`: which conversations agents see.
    pub access: Arc<access::AccessPolicy>,
    /// The retention job (its dry run answers `GET /api/v1/retention/preview`).
    pub retention: crate::retention::Retention,
    /// The website chat channels and their live connections.
    pub widgets: Arc<widget::Widgets>,
    /// Where phone numbers typed or imported without a country code belong (`[contacts]`).
    pub phone_region: crate::domain::phone::PhoneRegion,
    /// Agent assist (`[assist]`): off, or the model client.
    pub assist: Arc<crate::assist::Assist>,
    /// Email domains whose provider ignores dots and `+tags` (`[contacts] mailbox_domains`).
    pub mailbox_domains: Arc<[String]>,
}

/// The whole HTTP surface.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let max_body = state.max_body_bytes;
    Router::new()
        .merge(api::router())
        .merge(web::router())
        .merge(widget::router())
        .route("/hooks/{channel}", post(hooks::receive).get(hooks::verify))
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe::confirm_page).post(unsubscribe::unsubscribe),
        )
        .route(
            "/csat/{token}",
            get(csat::survey_page).post(csat::answer_page),
        )
        .route("/csat/{token}/answer", post(csat::answer_json))
        .route("/c/open/{token}", get(unsubscribe::open_pixel))
        .route("/c/click/{token}", get(unsubscribe::click))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_request,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(compression::layer())
        .with_state(state)
}

async fn count_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    Metrics::add(&state.metrics.http_requests, 1);
    next.run(request).await
}
