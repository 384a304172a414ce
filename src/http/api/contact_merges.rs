//! Merging two contacts that are one person, listing a contact's merges, and undoing one:
//! `POST /api/v1/contacts/{id}/merge`, `GET /api/v1/contacts/{id}/merges` and
//! `POST /api/v1/contacts/merges/{merge_id}/undo`.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::ContactView;
use crate::domain::audit::{AuditAction, AuditSubject};
use crate::domain::{AgentId, ContactId};
use crate::http::AppState;
use crate::http::auth::{Agents, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Path};
use crate::store::{ContactMerge, MergeOutcome};

/// Body of `POST /api/v1/contacts/{id}/merge`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The contact to merge into this one; it becomes a pointer to this one.
    pub from: ContactId,
}

/// What a merge moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeMovedView {
    pub identities: usize,
    pub conversations: usize,
    /// Campaign send records (a campaign both contacts were sent keeps the survivor's).
    pub campaign_sends: usize,
}

/// Fields the survivor lacked and took from the other contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeAddedView {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
}

/// One merge of contact `from` into contact `into`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeView {
    pub id: i64,
    /// The survivor.
    pub into: ContactId,
    /// The contact merged away (it points at `into` until the merge is undone).
    pub from: ContactId,
    pub merged_by: Option<AgentId>,
    pub merged_at: DateTime<Utc>,
    pub undone_by: Option<AgentId>,
    pub undone_at: Option<DateTime<Utc>>,
    pub moved: MergeMovedView,
    pub added: MergeAddedView,
    /// `from`'s attribute values where `into` had its own, which won (`from` keeps them).
    #[schema(value_type = Object)]
    pub overridden_attributes: serde_json::Map<String, serde_json::Value>,
}

impl From<ContactMerge> for MergeView {
    fn from(merge: ContactMerge) -> Self {
        let record = merge.record;
        Self {
            id: merge.id,
            into: merge.target,
            from: merge.source,
            merged_by: merge.merged_by,
            merged_at: merge.merged_at.to_datetime(),
            undone_by: merge.undone_by,
            undone_at: merge.undone_at.map(|at| at.to_datetime()),
            moved: MergeMovedView {
                identities: record.identities.len(),
                conversations: record.conversations.len(),
                campaign_sends: record.campaign_sends.len(),
            },
            added: MergeAddedView {
                name: record.added.name,
                email: record.added.email,
                phone: record.added.phone,
                attributes: record.added.attributes,
                tags: record.added.tags,
            },
            overridden_attributes: record.overridden_attributes,
        }
    }
}

/// A merge or its undo, with both contacts as they are after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeResultView {
    pub merge: MergeView,
    /// The survivor.
    pub into: ContactView,
    /// The other contact.
    pub from: ContactView,
}

/// A contact's merges, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergesView {
    pub items: Vec<MergeView>,
}

/// `POST /api/v1/contacts/{id}/merge`: merges contact `from` into this one in one
/// transaction. Identities, conversations (with their threads), campaign history and
/// automatic-reply records move here; tags are united; attributes, name, email and phone this
/// contact lacks are taken from the other (where both have a value this one's wins, the other's
/// is kept in the merge); for each channel the most recent consent wins, but a withdrawal
/// always survives. `from` stays as a pointer (`merged_into`). 409 when either contact is
/// erased or merged already, or `from` is in a campaign still sending; 422 when `from` is no
/// contact (or this one).
#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", tag = "contacts",
    params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, body = MergeResultView), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn merge_contact(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
    Json(request): Json<MergeRequest>,
) -> ApiResult<Json<MergeResultView>> {
    state.ensure_contact_visible(&caller, id).await?;
    state.store.get_contact(id).await.for_api("contact")?;
    // The contact in the body is the request's to get right: one that does not exist (or that
    // the caller may not see) is a 422 naming `from`, and the 404 stays for the one in the path.
    let from_missing = || ApiError::Invalid(format!("from: no contact {}", request.from));
    state
        .ensure_contact_visible(&caller, request.from)
        .await
        .map_err(|_| from_missing())?;
    if request.from != id {
        state
            .store
            .get_contact(request.from)
            .await
            .map_err(|err| match err {
                crate::store::StoreError::NotFound => from_missing(),
                other => ApiError::from_store("contact", other),
            })?;
    }
    let outcome = state
        .store
        .merge_contacts(id, request.from, caller.agent)
        .await
        .for_api("contact")?;
    let merge = settle(&state, outcome)?;
    state
        .audit_with(
            &caller,
            AuditAction::ContactMerged,
            AuditSubject::Contact(merge.target),
            serde_json::json!({"merge_id": merge.id, "from": merge.source}),
        )
        .await?;
    result(&state, merge).await.map(Json)
}

/// `POST /api/v1/contacts/merges/{merge_id}/undo`: puts both contacts back as they were
/// before the merge — identities, conversations, campaign history, and what the survivor
/// gained (unless changed since). Conversations that arrived since through the identities
/// going back go with them. 409 when undone already, when the survivor was merged on into a
/// third contact (undo that first), or when either contact is erased.
#[utoipa::path(post, path = "/api/v1/contacts/merges/{merge_id}/undo", tag = "contacts",
    params(("merge_id" = i64, Path)),
    responses((status = 200, body = MergeResultView), (status = 404), (status = 409)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn undo_merge(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(merge_id): Path<i64>,
) -> ApiResult<Json<MergeResultView>> {
    let merge = state.store.contact_merge(merge_id).await.for_api("merge")?;
    // The survivor holds every conversation of both: whoever sees it may undo.
    state
        .ensure_contact_visible(&caller, merge.target)
        .await
        .map_err(|_| ApiError::NotFound("merge"))?;
    let outcome = state
        .store
        .undo_merge(merge_id, caller.agent)
        .await
        .for_api("merge")?;
    let merge = settle(&state, outcome)?;
    state
        .audit_with(
            &caller,
            AuditAction::ContactMergeUndone,
            AuditSubject::Contact(merge.source),
            serde_json::json!({"merge_id": merge.id, "into": merge.target}),
        )
        .await?;
    result(&state, merge).await.map(Json)
}

/// `GET /api/v1/contacts/{id}/merges`: the merges this contact took part in, as survivor or
/// as the contact merged away, newest first, undone ones included.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/merges", tag = "contacts",
    params(("id" = i64, Path)),
    responses((status = 200, body = MergesView), (status = 404)),
    security(("bearer" = ["admin", "agent"])))]
pub async fn list_merges(
    caller: Authorized<Agents>,
    State(state): State<AppState>,
    Path(id): Path<ContactId>,
) -> ApiResult<Json<MergesView>> {
    // A contact merged away is seen through its survivor.
    let seen_as = state
        .store
        .merged_into(id)
        .await
        .for_api("contact")?
        .unwrap_or(id);
    state.ensure_contact_visible(&caller, seen_as).await?;
    let merges = state.store.contact_merges(id).await.for_api("contact")?;
    Ok(Json(MergesView {
        items: merges.into_iter().map(MergeView::from).collect(),
    }))
}

/// Publishes a done merge's events; a refusal becomes a 409 (or a 422 for a contact merged
/// into itself).
fn settle(state: &AppState, outcome: MergeOutcome) -> ApiResult<ContactMerge> {
    match outcome {
        Ok((merge, events)) => {
            state.events.publish(events);
            Ok(merge)
        }
        Err(crate::store::MergeRefused::SameContact) => Err(ApiError::Invalid(
            "from: a contact cannot be merged into itself".into(),
        )),
        Err(refused) => Err(ApiError::Conflict(refused.to_string())),
    }
}

async fn result(state: &AppState, merge: ContactMerge) -> ApiResult<MergeResultView> {
    let into = state
        .store
        .get_contact(merge.target)
        .await
        .for_api("contact")?;
    let from = state
        .store
        .get_contact(merge.source)
        .await
        .for_api("contact")?;
    Ok(MergeResultView {
        merge: merge.into(),
        into: into.into(),
        from: from.into(),
    })
}
