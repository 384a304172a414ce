//! Extractors whose rejections use the API's JSON error shape, and their twins for the pages
//! customers open from a message (unsubscribe, survey, tracked links), whose rejections are a
//! short HTML page. Every extractor that reads a request body is here, so a body over
//! `server.max_body_bytes` is refused the same way on every route: 413 naming the limit
//! (axum's own rejection knows only that a limit was hit).

use axum::extract::rejection::{
    BytesRejection, FormRejection, JsonRejection, PathRejection, QueryRejection,
};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;

/// `axum::Json`, rejecting with [`ApiError`]: 400 naming the field, 413 naming the limit.
pub struct Json<T>(pub T);

impl<T> FromRequest<AppState> for Json<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(request.headers()) {
            return Err(ApiError::BadRequest(
                "expected Content-Type: application/json".into(),
            ));
        }
        let Bytes(body) = Bytes::from_request(request, state).await?;
        // Every body the API takes is an object. serde would otherwise read a struct from an
        // array, field by field in order, so `[null, null]` could stand for `{...}`.
        let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
        if first.is_some_and(|byte| *byte != b'{') {
            return Err(ApiError::BadRequest(
                "invalid body: expected a JSON object".into(),
            ));
        }
        match axum::Json::<T>::from_bytes(&body) {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

/// Whether the request says its body is JSON: `application/json` or `application/*+json`,
/// with any parameters.
fn has_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::Form` (a URL-encoded body), rejecting with [`ApiError`]: 400 for a form that does
/// not parse, 413 naming the limit.
pub struct Form<T>(pub T);

impl<T> FromRequest<AppState> for Form<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(FormRejection::BytesRejection(err)) => Err(unread_body(&err, state)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// The raw body (`axum::body::Bytes`), rejecting with [`ApiError`]: 413 naming the limit.
pub struct Bytes(pub axum::body::Bytes);

impl FromRequest<AppState> for Bytes {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(request, state)
            .await
            .map(Self)
            .map_err(|err| unread_body(&err, state))
    }
}

/// Why a body could not be read: over the limit (413 naming it), or cut off or too slow (400).
fn unread_body(err: &BytesRejection, state: &AppState) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(state.max_body_bytes)
    } else {
        ApiError::BadRequest(err.body_text())
    }
}

/// A JSON body that was read but is not what the route takes.
fn json_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(err) => {
            // serde's message names the field, e.g. "text: missing field `text`".
            ApiError::BadRequest(format!(
                "invalid body: {}",
                std::error::Error::source(&err)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| err.body_text())
            ))
        }
        JsonRejection::JsonSyntaxError(err) => ApiError::BadRequest(format!(
            "invalid JSON: {}",
            std::error::Error::source(&err)
                .map(|s| s.to_string())
                .unwrap_or_else(|| err.body_text())
        )),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::BadRequest("expected Content-Type: application/json".into())
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// `axum::extract::Query`, rejecting with [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path`, rejecting with [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// Why a customer's page could not read its request: answered as a short HTML page (the
/// customer followed a link from a message; a JSON error or the framework's plain text would
/// mean nothing to them).
#[derive(Debug)]
pub enum PageError {
    /// A path, query or form that does not parse (a link cut or altered on the way).
    Unreadable,
    /// A form body over `server.max_body_bytes`.
    TooLarge,
}

impl From<PathRejection> for PageError {
    fn from(_: PathRejection) -> Self {
        PageError::Unreadable
    }
}

impl From<QueryRejection> for PageError {
    fn from(_: QueryRejection) -> Self {
        PageError::Unreadable
    }
}

impl From<FormRejection> for PageError {
    fn from(rejection: FormRejection) -> Self {
        match rejection {
            FormRejection::BytesRejection(err) if err.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                PageError::TooLarge
            }
            _ => PageError::Unreadable,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            PageError::Unreadable => (
                StatusCode::BAD_REQUEST,
                "Link not valid",
                "This link cannot be read: it may have been cut or changed on the way. Open \
                 it again from the message, whole.",
            ),
            PageError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too long",
                "What you sent is too long. Go back, shorten it and send it again.",
            ),
        };
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\
             <body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
        );
        let mut response = (status, Html(html)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response
    }
}

/// `axum::extract::Path` for a customer's page, rejecting with [`PageError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(PageError))]
pub struct PagePath<T>(pub T);

/// `axum::extract::Query` for a customer's page, rejecting with [`PageError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(PageError))]
pub struct PageQuery<T>(pub T);

/// `axum::Form` for a customer's page, rejecting with [`PageError`] (413 over the limit).
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(PageError))]
pub struct PageForm<T>(pub T);
