//! Routes the web inbox needs beyond plain resources: presence in a conversation (who is
//! viewing, who is typing), the inbox heartbeat that drives an agent's availability, a
//! conversation's activity lines, and admin-issued sign-in passwords.

use crate::domain::audit::{AuditAction, AuditSubject};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::EventView;
use crate::domain::{AgentId, Availability, ConversationId};
use crate::http::AppState;
use crate::http::auth::{Admins, Agents, Authorized, Caller};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::http::presence::{PresenceState, PresenceView};

/// Body of `POST /api/v1/conversations/{id}/presence`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// `viewing` (repeat at least every 45 s), `typing` (lasts 8 s) or `left`.
    pub state: PresenceState,
}

fn acting_agent(caller: &Caller) -> ApiResult<AgentId> {
    caller.agent.ok_or_else(|| {
        ApiError::Invalid("this token acts as no agent, so it has no presence".into())
    })
}

/// `POST /api/v1/conversations/{id}/presence`: says the caller is viewing, typing in or has
/// left a conversation. Everyone streaming events gets a `presence` event (not logged) when
/// the list changes.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/presence", tag = "conversations",
    params(("id" = i64, Path)), request_body = PresenceRequest,
    responses((status = 200, body = PresenceView), (status = 404)), security(("bearer" = ["admin", "agent"])))]
pub async fn set_presence(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
    Json(request): Json<PresenceRequest>,
) -> ApiResult<Json<PresenceView>> {
    let agent = acting_agent(&caller)?;
    if request.state != PresenceState::Left {
        state.ensure_conversation_visible(&caller, id).await?;
        // Refuse made-up ids, so presence cannot be used to probe or flood.
        state
            .store
            .get_conversation(id)
            .await
            .for_api("conversation")?;
    }
    let name = state.store.get_agent(agent).await.for_api("agent")?.name;
    Ok(Json(state.presence.update(id, agent, &name, request.state)))
}

/// `GET /api/v1/conversations/{id}/presence`: who is viewing or typing now.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/presence", tag = "conversations",
    params(("id" = i64, Path)), responses((status = 200, body = PresenceView)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_presence(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<PresenceView>> {
    state.ensure_conversation_visible(&caller, id).await?;
    Ok(Json(state.presence.viewers(id)))
}

/// Body of `POST /api/v1/presence/heartbeat`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    /// What the agent chose in the inbox: `online` or `busy` (default `online`).
    #[schema(schema_with = super::constraints::heartbeat_availability)]
    pub availability: Option<Availability>,
}

/// `POST /api/v1/presence/heartbeat`: the inbox is open (send every 15–30 s). Sets the
/// caller's availability as asked; when heartbeats stop for 90 s the agent is set `offline`,
/// so the router never assigns to someone who closed the inbox.
#[utoipa::path(post, path = "/api/v1/presence/heartbeat", tag = "agents",
    request_body = HeartbeatRequest, responses((status = 204), (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn heartbeat(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Json(request): Json<HeartbeatRequest>,
) -> ApiResult<StatusCode> {
    let agent = acting_agent(&caller)?;
    let availability = request.availability.unwrap_or(Availability::Online);
    if availability == Availability::Offline {
        return Err(ApiError::Invalid(
            "availability: a heartbeat is online or busy; sign out to go offline".into(),
        ));
    }
    state.store.agent_heartbeat(agent).await.for_api("agent")?;
    crate::http::presence::set_availability(&state, agent, availability).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/conversations/{id}/activity`: assignments, status and label changes and
/// other non-message events of the conversation, oldest first (at most the latest 500).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/activity", tag = "conversations",
    params(("id" = i64, Path)), responses((status = 200, body = Vec<EventView>), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_activity(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> ApiResult<Json<Vec<EventView>>> {
    state.ensure_conversation_visible(&caller, id).await?;
    state
        .store
        .get_conversation(id)
        .await
        .for_api("conversation")?;
    let events = state
        .store
        .list_conversation_activity(id, 500)
        .await
        .for_api("conversation")?;
    Ok(Json(events.iter().map(EventView::from).collect()))
}

/// A generated sign-in password, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PasswordView {
    pub password: String,
}

/// `POST /api/v1/agents/{id}/password`: gives the agent a new generated web inbox password
/// (returned once, stored as an argon2id hash) and signs out their sessions.
#[utoipa::path(post, path = "/api/v1/agents/{id}/password", tag = "agents", params(("id" = i64, Path)),
    responses((status = 200, body = PasswordView), (status = 404)), security(("bearer" = ["admin"])))]
pub async fn reset_password(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<AgentId>,
) -> ApiResult<Json<PasswordView>> {
    let password = crate::passwords::generate();
    let hash = hash_blocking(password.clone()).await?;
    state.store.set_password(id, &hash).await.for_api("agent")?;
    state.presence.forget(id);
    state
        .store
        .forget_agent_heartbeat(id)
        .await
        .for_api("agent")?;
    state
        .audit(
            &caller,
            AuditAction::AgentPasswordReset,
            AuditSubject::Agent(id),
        )
        .await?;
    Ok(Json(PasswordView { password }))
}

/// Hashes on a blocking thread: argon2 is slow on purpose.
///
/// # Errors
/// `Internal` when hashing fails or the thread panics.
pub async fn hash_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || crate::passwords::hash(&password))
        .await
        .map_err(|err| ApiError::Internal(err.into()))?
        .map_err(ApiError::Internal)
}
