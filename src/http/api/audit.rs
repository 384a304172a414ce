//! `GET /api/v1/audit`: the audit log for admins, filtered, as JSON pages or streamed CSV.

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::csv::{csv_attachment, csv_line, wants_csv};
use super::params::{self, Cursor, PageSize};
use crate::domain::audit::{AuditAction, AuditEntry, AuditFilter};
use crate::domain::{AgentId, ContactId, Millis};
use crate::http::AppState;
use crate::http::auth::{Admins, Authorized};
use crate::http::error::{ApiError, ApiResult, ForApi};
use crate::http::extract::{Json, Query};
use crate::store::{PageRequest, Store};

/// Entries per database read while streaming CSV.
const CSV_BATCH: i64 = 200;

/// Query of `GET /api/v1/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries by this agent (signed in, or through a token acting as them).
    pub actor: Option<i64>,
    /// An action name, e.g. `conversation.viewed`.
    #[param(schema_with = super::constraints::audit_action)]
    pub action: Option<String>,
    /// A subject as `kind:id`, e.g. `contact:7` or `channel:shop-mail`.
    #[param(pattern = r"^[a-z_]+:.+$")]
    pub subject: Option<String>,
    /// Entries about this contact: the contact, their conversations and messages.
    pub contact: Option<i64>,
    /// Entries at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Entries before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`): every matching entry,
    /// streamed, without paging.
    #[param(pattern = "^(json|csv)$")]
    pub format: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: Option<PageSize>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `agent`, `token`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The agent's or the token's id (by `actor_kind`).
    pub actor_id: Option<i64>,
    /// The agent the credential acts as.
    pub agent_id: Option<AgentId>,
    /// The agent's or token's name when recorded; the address tried for a failed sign-in.
    pub actor_label: Option<String>,
    pub action: String,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    /// The contact the subject belongs to.
    pub contact_id: Option<ContactId>,
    /// The client's address.
    pub ip: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            at: entry.at.to_datetime(),
            actor_kind: entry.actor_kind.as_str().into(),
            actor_id: entry.actor_id,
            agent_id: entry.agent_id,
            actor_label: entry.actor_label,
            action: entry.action.as_str().into(),
            subject_kind: entry.subject_kind,
            subject_id: entry.subject_id,
            contact_id: entry.contact_id,
            ip: entry.ip,
            detail: entry.detail,
        }
    }
}

/// A page of audit entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/audit`: who viewed or changed what, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "JSON page, or with `format=csv` every matching entry as CSV (`text/csv`)",
            content((AuditPage = "application/json"), (String = "text/csv"))),
        (status = 400, body = crate::http::error::ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn list_audit(
    _caller: Authorized<Admins>,
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Response> {
    let filter = filter_of(&query)?;
    if wants_csv(query.format.as_deref(), &headers)? {
        return Ok(csv_response(state.store.clone(), filter));
    }
    let page = state
        .store
        .list_audit(&filter, params::page(query.cursor, query.limit))
        .await
        .for_api("audit")?;
    Ok(Json(AuditPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    })
    .into_response())
}

/// The store's filter for `query`.
fn filter_of(query: &AuditQuery) -> ApiResult<AuditFilter> {
    let action = query
        .action
        .as_deref()
        .map(|action| {
            action.parse::<AuditAction>().map_err(|_| {
                ApiError::BadRequest(format!("action: {action:?} is not an audit action"))
            })
        })
        .transpose()?;
    let subject = query
        .subject
        .as_deref()
        .map(|subject| {
            subject
                .split_once(':')
                .filter(|(kind, id)| !kind.is_empty() && !id.is_empty())
                .map(|(kind, id)| (kind.to_owned(), id.to_owned()))
                .ok_or_else(|| {
                    ApiError::BadRequest("subject: expected kind:id, e.g. contact:7".into())
                })
        })
        .transpose()?;
    // `since` after `until` is an empty range, not an error: it matches nothing.
    Ok(AuditFilter {
        agent: query.actor.map(AgentId::new),
        action,
        subject,
        contact: query.contact.map(ContactId::new),
        since: query.since.map(|at| Millis(at.timestamp_millis())),
        until: query.until.map(|at| Millis(at.timestamp_millis())),
    })
}

const CSV_HEADER: &str = "id,at,actor_kind,actor_id,agent_id,actor_label,action,subject_kind,\
                          subject_id,contact_id,ip,detail\r\n";

/// Every entry matching `filter` as CSV, read from the database a batch at a time while the
/// response is sent, so a large export never sits in memory whole.
fn csv_response(store: Store, filter: AuditFilter) -> Response {
    // (cursor of the next batch, whether the header is still to send, finished)
    let start: (Option<String>, bool, bool) = (None, true, false);
    let body = futures_util::stream::unfold(start, move |(cursor, header, done)| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            if done {
                return None;
            }
            let mut chunk = String::new();
            if header {
                chunk.push_str(CSV_HEADER);
            }
            let page = PageRequest {
                cursor,
                limit: Some(CSV_BATCH),
            };
            match store.list_audit(&filter, page).await {
                Ok(page) => {
                    for entry in page.items {
                        chunk.push_str(&csv_row(entry));
                    }
                    let done = page.next_cursor.is_none();
                    Some((Ok(chunk), (page.next_cursor, false, done)))
                }
                Err(err) => {
                    // The status line is gone; cutting the body short is the only signal left.
                    tracing::error!(error = %err, "audit CSV export failed");
                    Some((
                        Err(std::io::Error::other("audit export failed")),
                        (None, false, true),
                    ))
                }
            }
        }
    });
    // Fused: a body may be polled again after its end (the response compressor does), which
    // an unfold stream answers with a panic.
    csv_attachment(
        Body::from_stream(futures_util::StreamExt::fuse(body)),
        "audit.csv",
    )
}

/// One CSV line (RFC 4180, CRLF) of `entry`.
fn csv_row(entry: AuditEntry) -> String {
    let optional = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    let cells = [
        entry.id.to_string(),
        entry.at.to_datetime().to_rfc3339(),
        entry.actor_kind.as_str().to_owned(),
        optional(entry.actor_id),
        optional(entry.agent_id.map(AgentId::get)),
        entry.actor_label.unwrap_or_default(),
        entry.action.as_str().to_owned(),
        entry.subject_kind.unwrap_or_default(),
        entry.subject_id.unwrap_or_default(),
        optional(entry.contact_id.map(ContactId::get)),
        entry.ip.unwrap_or_default(),
        entry.detail.to_string(),
    ];
    csv_line(&cells)
}
