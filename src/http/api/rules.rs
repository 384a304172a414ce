//! Automation rules: list every rule in evaluation order (config, API, bots) and manage the
//! ones made through the API. A rule is checked before it is stored: its shape, the templates
//! it replies with and the SLA policies it starts must exist.

use crate::domain::audit::{AuditAction, AuditSubject};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::automation::rule::RuleSpec;
use crate::automation::{ActiveRule, RuleSource, check_rule};
use crate::domain::RuleId;
use crate::http::AppState;
use crate::http::auth::{Admins, Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::automation::StoredRule;

/// A rule with where it comes from. Only `api` rules have an id and can be changed here.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleView {
    pub id: Option<RuleId>,
    pub source: RuleSource,
    /// The place in the evaluation order, from 1.
    pub order: usize,
    #[serde(flatten)]
    pub rule: RuleSpec,
}

/// Every rule, in the order they are evaluated.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<RuleView>,
}

/// A rule made through the API, as stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StoredRuleView {
    pub id: RuleId,
    /// Order among API rules (config rules always come first).
    pub position: i64,
    #[serde(flatten)]
    pub rule: RuleSpec,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Body of a create or replace: the rule, and optionally where it goes among API rules.
// `Serialize` is derived for the document's sake: utoipa reads `flatten` from serde's
// attributes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleRequest {
    #[serde(flatten)]
    pub rule: RuleSpec,
    pub position: Option<i64>,
}

/// Reads `position` and hands the other keys to [`RuleSpec`], which refuses unknown ones:
/// `#[serde(flatten)]` would let any key through, since serde cannot deny unknown fields of a
/// flattened struct.
impl<'de> Deserialize<'de> for RuleRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        let position = match fields.remove("position") {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => Some(
                serde_json::from_value::<i64>(value)
                    .map_err(|err| D::Error::custom(format!("position: {err}")))?,
            ),
        };
        let rule =
            serde_json::from_value(serde_json::Value::Object(fields)).map_err(D::Error::custom)?;
        Ok(Self { rule, position })
    }
}

fn view(stored: StoredRule) -> ApiResult<StoredRuleView> {
    let rule = serde_json::from_value(stored.definition)
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("stored rule {}: {err}", stored.id)))?;
    Ok(StoredRuleView {
        id: stored.id,
        position: stored.position,
        rule,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    })
}

/// Checks a rule against what exists, and its name against config rules and bots.
fn checked(state: &AppState, request: &RuleRequest) -> ApiResult<serde_json::Value> {
    let automation = &state.automation;
    check_rule(
        &request.rule,
        automation.templates(),
        &automation.sla_policies(),
        automation.assist_on(),
    )
    .map_err(ApiError::Invalid)?;
    if automation.reserved_names().contains(&request.rule.name) {
        return Err(ApiError::Conflict(format!(
            "name: {:?} is taken by a rule from the configuration",
            request.rule.name
        )));
    }
    serde_json::to_value(&request.rule).map_err(|err| ApiError::Internal(err.into()))
}

/// `GET /api/v1/rules`
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules",
    responses((status = 200, body = RuleList)), security(("bearer" = ["admin", "agent"])))]
pub async fn list_rules(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
) -> ApiResult<Json<RuleList>> {
    let rules = state.automation.rules().await.for_api("rule")?;
    let items = rules
        .into_iter()
        .enumerate()
        .map(|(index, ActiveRule { spec, source, id })| RuleView {
            id,
            source,
            order: index + 1,
            rule: spec,
        })
        .collect();
    Ok(Json(RuleList { items }))
}

/// `POST /api/v1/rules`
#[utoipa::path(post, path = "/api/v1/rules", tag = "rules", request_body = RuleRequest,
    responses((status = 201, body = StoredRuleView), (status = 409), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn create_rule(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Json(request): Json<RuleRequest>,
) -> ApiResult<(StatusCode, Json<StoredRuleView>)> {
    let definition = checked(&state, &request)?;
    let stored = state
        .store
        .create_rule(&request.rule.name, &definition, request.position)
        .await
        .for_api("rule")?;
    state
        .audit(
            &caller,
            AuditAction::RuleCreated,
            AuditSubject::Rule(stored.id),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view(stored)?)))
}

/// `GET /api/v1/rules/{id}`
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    responses((status = 200, body = StoredRuleView), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn get_rule(
    _caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<RuleId>,
) -> ApiResult<Json<StoredRuleView>> {
    let stored = state.store.get_rule(id).await.for_api("rule")?;
    Ok(Json(view(stored)?))
}

/// `PUT /api/v1/rules/{id}`: replaces the rule.
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    request_body = RuleRequest,
    responses((status = 200, body = StoredRuleView), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin"])))]
pub async fn replace_rule(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<RuleId>,
    Json(request): Json<RuleRequest>,
) -> ApiResult<Json<StoredRuleView>> {
    let definition = checked(&state, &request)?;
    let stored = state
        .store
        .update_rule(id, &request.rule.name, &definition, request.position)
        .await
        .for_api("rule")?;
    state
        .audit(&caller, AuditAction::RuleUpdated, AuditSubject::Rule(id))
        .await?;
    Ok(Json(view(stored)?))
}

/// `DELETE /api/v1/rules/{id}`
#[utoipa::path(delete, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)), security(("bearer" = ["admin"])))]
pub async fn delete_rule(
    caller: Authorized<Admins>,
    State(state): State<AppState>,
    Path(id): Path<RuleId>,
) -> ApiResult<StatusCode> {
    state.store.delete_rule(id).await.for_api("rule")?;
    state
        .audit(&caller, AuditAction::RuleDeleted, AuditSubject::Rule(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
