//! Directory routes: agents, teams, API tokens and the configured channels.

use crate::domain::audit::{AuditAction, AuditSubject};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::constraints;
use super::contacts::single_line;
use super::views::{AgentView, ChannelView, CreatedTokenView, TeamView, TokenView};
use crate::domain::{AgentId, Availability, Role, TeamId, TokenId};
use crate::http::AppState;
use crate::http::auth::{Admins, Agents, Authorized, Everyone};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::{AgentPatch, NewAgent, NewToken};

/// `GET /api/v1/agents`
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", responses((status = 200, body = Vec<AgentView>)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn list_agents(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<AgentView>>> {
    let agents = state.store.list_agents().await.for_api("agent")?;
    Ok(Json(agents.into_iter().map(AgentView::from).collect()))
}

/// A name that agents, teams and tokens must have: one line ([`single_line`]), not blank.
fn required_name(name: &str) -> ApiResult<String> {
    let name = single_line("name", name)?;
    if name.is_empty() {
        return Err(ApiError::Invalid("name: must not be empty".into()));
    }
    Ok(name)
}

/// Body of `POST /api/v1/agents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentRequest {
    #[schema(schema_with = constraints::name)]
    pub name: String,
    #[schema(pattern = "@")]
    pub email: String,
    pub role: Role,
    /// Most open conversations at once (default 20).
    #[schema(minimum = 0, maximum = 10000)]
    pub capacity: Option<i64>,
}

fn validate_capacity(capacity: Option<i64>) -> ApiResult<()> {
    match capacity {
        Some(c) if !(0..=10_000).contains(&c) => Err(ApiError::Invalid(
            "capacity: must be between 0 and 10000".into(),
        )),
        _ => Ok(()),
    }
}

/// `POST /api/v1/agents`
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", request_body = CreateAgentRequest,
    responses((status = 201, body = AgentView), (status = 409)), security(("bearer" = ["admin"])))]
pub async fn create_agent(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<CreateAgentRequest>,
) -> ApiResult<(StatusCode, Json<AgentView>)> {
    // The name goes into the From header of every reply the agent writes.
    let name = required_name(&request.name)?;
    if !request.email.contains('@') {
        return Err(ApiError::Invalid("email: is not an email address".into()));
    }
    validate_capacity(request.capacity)?;
    let agent = state
        .store
        .create_agent(&NewAgent {
            name,
            email: request.email,
            role: request.role,
            capacity: request.capacity.unwrap_or(20),
        })
        .await
        .for_api("agent")?;
    state
        .audit_with(
            &caller,
            AuditAction::AgentCreated,
            AuditSubject::Agent(agent.id),
            serde_json::json!({ "role": agent.role.as_str() }),
        )
        .await?;
    // A new agent starts online: waiting conversations may go to it.
    state.router.wake();
    Ok((StatusCode::CREATED, Json(agent.into())))
}

/// Body of `PATCH /api/v1/agents/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgentRequest {
    #[schema(schema_with = constraints::name_change)]
    pub name: Option<String>,
    pub role: Option<Role>,
    pub availability: Option<Availability>,
    #[schema(minimum = 0, maximum = 10000)]
    pub capacity: Option<i64>,
    /// Admins only: `true` lets the router give them conversations like an agent.
    pub takes_conversations: Option<bool>,
    /// The language the agent reads and writes (ISO 639-1, `"cs"`), into which agent assist
    /// translates customer messages for them; `""` goes back to `[assist] language`.
    #[schema(pattern = "^([a-z]{2})?$")]
    pub language: Option<String>,
}

/// `PATCH /api/v1/agents/{id}`: admins change anything; agents may set their own availability
/// and language.
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", params(("id" = i64, Path)),
    request_body = UpdateAgentRequest, responses((status = 200, body = AgentView)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn update_agent(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<AgentId>,
    Json(request): Json<UpdateAgentRequest>,
) -> ApiResult<Json<AgentView>> {
    let only_own_availability = caller.agent == Some(id)
        && request.name.is_none()
        && request.role.is_none()
        && request.capacity.is_none()
        && request.takes_conversations.is_none();
    if caller.role != Role::Admin && !only_own_availability {
        return Err(ApiError::Forbidden(
            "this change needs the admin role (agents may only change their own availability \
             and language)"
                .into(),
        ));
    }
    if let Some(language) = &request.language
        && !language.is_empty()
        && !crate::assist::settings::is_language_code(language)
    {
        return Err(ApiError::Invalid(format!(
            "language: {language:?} is not a two-letter ISO 639-1 code like \"cs\" (or \"\" \
             for the installation's)"
        )));
    }
    validate_capacity(request.capacity)?;
    let name = request.name.map(|name| required_name(&name)).transpose()?;
    let role_before = match request.role {
        Some(_) => Some(state.store.get_agent(id).await.for_api("agent")?.role),
        None => None,
    };
    let changes_more_than_availability = !only_own_availability;
    let agent = state
        .store
        .update_agent(
            id,
            &AgentPatch {
                name,
                role: request.role,
                availability: request.availability,
                capacity: request.capacity,
                takes_conversations: request.takes_conversations,
                language: request.language,
            },
        )
        .await
        .for_api("agent")?;
    state
        .presence
        .availability_changed(agent.id, agent.availability);
    state
        .router
        .agent_changed(id, request.availability, caller.agent)
        .await
        .for_api("agent")?;
    // An agent setting their own availability is routine, not worth an entry.
    if let Some(before) = role_before.filter(|before| *before != agent.role) {
        state
            .audit_with(
                &caller,
                AuditAction::AgentRoleChanged,
                AuditSubject::Agent(id),
                serde_json::json!({ "from": before.as_str(), "to": agent.role.as_str() }),
            )
            .await?;
    } else if changes_more_than_availability {
        state
            .audit(&caller, AuditAction::AgentUpdated, AuditSubject::Agent(id))
            .await?;
    }
    Ok(Json(agent.into()))
}

/// `GET /api/v1/teams`
#[utoipa::path(get, path = "/api/v1/teams", tag = "agents", responses((status = 200, body = Vec<TeamView>)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn list_teams(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<TeamView>>> {
    let teams = state.store.list_teams().await.for_api("team")?;
    Ok(Json(teams.into_iter().map(TeamView::from).collect()))
}

/// Body of `POST /api/v1/teams`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    #[schema(schema_with = constraints::name)]
    pub name: String,
    #[serde(default)]
    pub members: Vec<AgentId>,
}

/// `POST /api/v1/teams`
#[utoipa::path(post, path = "/api/v1/teams", tag = "agents", request_body = CreateTeamRequest,
    responses((status = 201, body = TeamView), (status = 409)), security(("bearer" = ["admin"])))]
pub async fn create_team(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<CreateTeamRequest>,
) -> ApiResult<(StatusCode, Json<TeamView>)> {
    let name = required_name(&request.name)?;
    let team = state
        .store
        .create_team(&name, &request.members)
        .await
        .for_api("team")?;
    state
        .audit_with(
            &caller,
            AuditAction::TeamCreated,
            AuditSubject::Team(team.id),
            serde_json::json!({ "members": team.members }),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(team.into())))
}

/// Body of `PUT /api/v1/teams/{id}/members`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamMembersRequest {
    pub members: Vec<AgentId>,
}

/// `PUT /api/v1/teams/{id}/members`: replaces the members.
#[utoipa::path(put, path = "/api/v1/teams/{id}/members", tag = "agents", params(("id" = i64, Path)),
    request_body = TeamMembersRequest, responses((status = 200, body = TeamView)), security(("bearer" = ["admin"])))]
pub async fn set_team_members(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<TeamId>,
    Json(request): Json<TeamMembersRequest>,
) -> ApiResult<Json<TeamView>> {
    let team = state
        .store
        .set_team_members(id, &request.members)
        .await
        .for_api("team")?;
    state
        .audit_with(
            &caller,
            AuditAction::TeamMembersChanged,
            AuditSubject::Team(id),
            serde_json::json!({ "members": team.members }),
        )
        .await?;
    Ok(Json(team.into()))
}

/// `GET /api/v1/tokens`
#[utoipa::path(get, path = "/api/v1/tokens", tag = "agents", responses((status = 200, body = Vec<TokenView>)),
    security(("bearer" = ["admin"])))]
pub async fn list_tokens(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<TokenView>>> {
    let tokens = state.store.list_tokens().await.for_api("token")?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    #[schema(schema_with = constraints::name)]
    pub name: String,
    pub role: Role,
    /// The agent the token acts as (authors replies, `assignee=me`).
    pub agent_id: Option<AgentId>,
}

/// `POST /api/v1/tokens`: the secret is in the answer, once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "agents", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedTokenView)), security(("bearer" = ["admin"])))]
pub async fn create_token(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<CreateTokenRequest>,
) -> ApiResult<(StatusCode, Json<CreatedTokenView>)> {
    let name = required_name(&request.name)?;
    let secret = crate::tokens::generate();
    let record = state
        .store
        .create_token(&NewToken {
            name,
            role: request.role,
            agent: request.agent_id,
            hash: crate::tokens::hash(&secret),
        })
        .await
        .for_api("token")?;
    state
        .audit_with(
            &caller,
            AuditAction::TokenCreated,
            AuditSubject::Token(record.id),
            serde_json::json!({
                "role": record.role.as_str(),
                "agent_id": record.agent_id.map(|agent| agent.get()),
            }),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenView {
            token: secret,
            record: record.into(),
        }),
    ))
}

/// `DELETE /api/v1/tokens/{id}`: revokes at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "agents", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)), security(("bearer" = ["admin"])))]
pub async fn revoke_token(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<TokenId>,
) -> ApiResult<StatusCode> {
    state.store.revoke_token(id).await.for_api("token")?;
    state.tokens.clear();
    state
        .audit(&caller, AuditAction::TokenRevoked, AuditSubject::Token(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/channels`: the configured channels.
#[utoipa::path(get, path = "/api/v1/channels", tag = "agents", responses((status = 200, body = Vec<ChannelView>)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn list_channels(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<ChannelView>>> {
    let mut channels: Vec<ChannelView> = state
        .connectors
        .values()
        .map(|connector| {
            let status = state.channel_states.get(connector.name());
            ChannelView {
                name: connector.name().to_owned(),
                kind: connector.kind().as_str().to_owned(),
                state: status.as_ref().map(|s| s.state.as_str().to_owned()),
                state_since: status.as_ref().map(|s| s.since.to_datetime()),
                last_error: status.as_ref().and_then(|s| s.last_error.clone()),
                last_error_at: status
                    .as_ref()
                    .and_then(|s| s.last_error_at)
                    .map(|at| at.to_datetime()),
            }
        })
        .collect();
    channels.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(channels))
}

/// Longest text `POST /api/v1/channels/{name}/text-cost` weighs: ten times Twilio's 1,600
/// characters per message is more than anyone sends as one SMS.
const MAX_COSTED_TEXT: usize = 16_000;

/// Body of `POST /api/v1/channels/{name}/text-cost`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextCostRequest {
    /// The text of a reply or a campaign message, as it would be sent.
    #[schema(max_length = 16000)]
    pub text: String,
}

/// `POST /api/v1/channels/{name}/text-cost`: the encoding (`gsm7` or `ucs2`) and number of
/// segments a text goes out as on an SMS channel, after the channel's transliteration; so
/// agents and marketers see what a message costs before sending it. 404 for a channel that
/// is not an SMS channel (none of that name bills per segment).
#[utoipa::path(post, path = "/api/v1/channels/{name}/text-cost", tag = "agents",
    params(("name" = String, Path, description = "The channel's configured name")),
    request_body = TextCostRequest,
    responses((status = 200, body = connector_sdk::TextCost), (status = 404), (status = 422)),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn text_cost(
    _caller: Authorized<Everyone>,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(request): Json<TextCostRequest>,
) -> ApiResult<Json<connector_sdk::TextCost>> {
    let connector = state
        .connectors
        .get(&name)
        .ok_or(ApiError::NotFound("channel"))?;
    if request.text.chars().count() > MAX_COSTED_TEXT {
        return Err(ApiError::Invalid(format!(
            "text: longer than {MAX_COSTED_TEXT} characters"
        )));
    }
    // Every channel is not an SMS channel: the route's resource (an SMS channel of that name)
    // does not exist, as for an unknown name.
    connector
        .text_cost(&request.text)
        .map(Json)
        .ok_or(ApiError::NotFound("SMS channel"))
}
