//! The API's one error type and its JSON shape: `{"error": {"code", "message"}}`.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::{Conflict, StoreError};

/// Why a request failed, as the caller should learn it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this (wrong role, wrong verify token).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request cannot be read (bad JSON, bad query, bad signature body).
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed but breaks a rule.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    Unavailable(String),
    /// A rate limit: answered 429 with `Retry-After` (whole seconds).
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// The database cannot be reached or cannot commit for now; nothing was written.
    #[error("the database is unavailable, retry later")]
    DatabaseUnavailable,
    /// A channel failed us; the caller's request was fine.
    #[error("{0}")]
    Upstream(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
}

impl ApiError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
            }
            ApiError::DatabaseUnavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
            }
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// Maps a store error for a resource called `what`.
    pub fn from_store(what: &'static str, err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound(what),
            StoreError::Conflict { constraint } => {
                ApiError::Conflict(conflict_message(what, constraint))
            }
            StoreError::Invalid(message) => ApiError::Invalid(message),
            other if other.is_unavailable() => ApiError::DatabaseUnavailable,
            other => ApiError::Internal(other.into()),
        }
    }
}

/// A conflict in the API's words, naming the field where there is one.
fn conflict_message(what: &str, conflict: Conflict) -> String {
    match conflict {
        Conflict::AgentEmail => "email: another agent has this address".into(),
        Conflict::TeamName => "name: another team has this name".into(),
        Conflict::SegmentName => "name: another segment has this name".into(),
        Conflict::RuleName => "name: another rule has this name".into(),
        Conflict::CannedShortcut => "shortcut: another canned response uses it".into(),
        Conflict::ContactIdentity => {
            "an identity (email, phone or channel id) belongs to another contact".into()
        }
        Conflict::ContactMerged => {
            "this contact was merged into another (see `merged_into`); change that one".into()
        }
        Conflict::ConversationTaken => "someone else took this conversation first".into(),
        Conflict::ConversationResolved => {
            "status: a resolved conversation cannot be taken; reopen it first".into()
        }
        Conflict::Unique => format!("{what}: conflicts with one that exists"),
        Conflict::Reference => {
            format!("{what}: refers to something that does not exist, or is still in use")
        }
    }
}

/// What a 503 tells the caller to wait before retrying: long enough for a database restart or
/// a fail-over to make progress, short enough that a provider's retry is not held back long.
const RETRY_AFTER_SECS: u64 = 5;

/// True when an internal error was caused by the database being unavailable (handlers that
/// wrap store errors in `Internal` still answer 503, not 500).
fn is_database_unavailable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<StoreError>()
            .is_some_and(StoreError::is_unavailable)
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = match self {
            ApiError::Internal(err) if is_database_unavailable(&err) => {
                tracing::warn!(error = %err, "request failed: database unavailable");
                ApiError::DatabaseUnavailable
            }
            other => other,
        };
        let (status, code) = this.status_and_code();
        let retry_after = match &this {
            ApiError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(RETRY_AFTER_SECS),
            _ => None,
        };
        let message = if matches!(this, ApiError::Internal(_)) {
            tracing::error!(error = ?this, "request failed");
            "internal error".to_owned()
        } else {
            this.to_string()
        };
        let mut response = (
            status,
            Json(ErrorBody {
                error: ErrorDetail { code, message },
            }),
        )
            .into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(format!("invalid query: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(format!("invalid path: {}", rejection.body_text()))
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Answers a store call's error as the API does for a resource called `what` (the word in
/// "`what` not found"): `.for_api("campaign")?` in a handler.
pub trait ForApi<T> {
    /// # Errors
    /// The store's error, mapped by [`ApiError::from_store`].
    fn for_api(self, what: &'static str) -> ApiResult<T>;
}

impl<T> ForApi<T> for Result<T, StoreError> {
    fn for_api(self, what: &'static str) -> ApiResult<T> {
        self.map_err(|err| ApiError::from_store(what, err))
    }
}
