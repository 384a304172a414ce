//! The public satisfaction survey (no bearer token; the signed token in the path is the
//! authority): the page an email's rating links open, and the JSON answer integrators of the
//! webhook channel post. The web chat widget's answer route (`http::widget`) files answers
//! through [`record`] too, as the visitor's identity.
//!
//! Mail scanners and link previews fetch every link in a message, so `GET /csat/{token}`
//! never records anything: it shows the page with the linked rating chosen, and only the
//! page's form (`POST`) files the answer, with the optional comment. The page loads nothing
//! (no script, no image, no font), its one style block is allowed by hash in a strict
//! Content-Security-Policy, and it is never framed, cached or indexed.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Digest as _;
use utoipa::ToSchema;

use crate::csat::{SurveyClaims, TokenError};
use crate::domain::Millis;
use crate::domain::csat::{CsatOutcome, CsatRespondent, MAX_COMMENT_CHARS};
use crate::http::AppState;
use crate::http::extract::{PageForm, PagePath, PageQuery};
use crate::http::web::escape_html;

const STYLE: &str = "body{font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em}\
fieldset{border:0;padding:0;display:flex;gap:.5em}label.r{border:1px solid #888;border-radius:4px;\
padding:.4em .8em}textarea{width:100%;min-height:6em}button{margin-top:1em;padding:.5em 1.5em}";

/// The page's Content-Security-Policy: nothing may load, only the hashed style applies, the
/// form posts only back here, and no site may frame the page.
static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
});

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&CSP) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The token is in the URL: no other site may learn it from a Referer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn token_page(err: TokenError) -> Response {
    match err {
        TokenError::Invalid => page(
            StatusCode::NOT_FOUND,
            "Link not valid",
            "<p>This survey link is not valid.</p>",
        ),
        TokenError::Expired => page(
            StatusCode::GONE,
            "Survey closed",
            "<p>This survey has expired. Thank you all the same.</p>",
        ),
    }
}

/// `?rating=` of a rating link.
#[derive(Debug, Deserialize)]
pub struct RatingQuery {
    rating: Option<String>,
}

/// `GET /csat/{token}`: the survey page with the linked rating chosen; records nothing.
pub async fn survey_page(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageQuery(query): PageQuery<RatingQuery>,
) -> Response {
    let claims = match state.surveys.verify(&token, Millis::now()) {
        Ok(claims) => claims,
        Err(err) => return token_page(err),
    };
    let survey = match state.store.find_csat_survey(claims.conversation).await {
        Ok(Some(survey)) => survey,
        Ok(None) => return token_page(TokenError::Invalid),
        Err(err) => {
            tracing::error!(error = %err, "loading a survey failed");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "<p>The survey cannot be shown right now.</p>",
            );
        }
    };
    let chosen = query
        .rating
        .and_then(|rating| rating.parse::<u8>().ok())
        .filter(|rating| connector_sdk::csat::RATINGS.contains(rating))
        .or(survey.rating);
    page(StatusCode::OK, "How did we do?", &form(chosen, None))
}

/// The form: five ratings, a comment, a button; it posts back to the page's own URL.
fn form(chosen: Option<u8>, problem: Option<&str>) -> String {
    let mut radios = String::new();
    for rating in connector_sdk::csat::RATINGS {
        let checked = if chosen == Some(rating) {
            " checked"
        } else {
            ""
        };
        radios.push_str(&format!(
            "<label class=\"r\"><input type=\"radio\" name=\"rating\" value=\"{rating}\" required{checked}> {rating}</label>"
        ));
    }
    let problem = problem
        .map(|text| {
            format!(
                "<p role=\"alert\"><strong>{}</strong></p>",
                escape_html(text)
            )
        })
        .unwrap_or_default();
    format!(
        "{problem}<form method=\"post\"><p>1 is poor, 5 is excellent.</p>\
         <fieldset><legend>Your rating</legend>{radios}</fieldset>\
         <p><label for=\"comment\">Anything you would like to tell us? (optional)</label>\
         <textarea id=\"comment\" name=\"comment\" maxlength=\"{MAX_COMMENT_CHARS}\"></textarea></p>\
         <button type=\"submit\">Send</button></form>"
    )
}

/// The page's form.
#[derive(Debug, Deserialize)]
pub struct PageAnswer {
    rating: Option<String>,
    comment: Option<String>,
}

/// `POST /csat/{token}`: the page's form files the answer (a later one replaces it).
pub async fn answer_page(
    State(state): State<AppState>,
    PagePath(token): PagePath<String>,
    PageForm(answer): PageForm<PageAnswer>,
) -> Response {
    let claims = match state.surveys.verify(&token, Millis::now()) {
        Ok(claims) => claims,
        Err(err) => return token_page(err),
    };
    let Some(rating) = answer
        .rating
        .and_then(|rating| rating.trim().parse::<u8>().ok())
        .filter(|rating| connector_sdk::csat::RATINGS.contains(rating))
    else {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "How did we do?",
            &form(None, Some("Please choose a rating from 1 to 5.")),
        );
    };
    match record(
        &state,
        claims,
        rating,
        answer.comment.as_deref(),
        &CsatRespondent::LinkHolder,
    )
    .await
    {
        Ok(_) => page(
            StatusCode::OK,
            "Thank you",
            "<p>Thank you for your answer. You can change it with the same link.</p>",
        ),
        Err(failure) => match failure {
            Failure::Token(err) => token_page(err),
            Failure::Unavailable => page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "<p>Your answer could not be saved right now.</p>",
            ),
        },
    }
}

/// Why an answer was not filed.
pub(crate) enum Failure {
    Token(TokenError),
    Unavailable,
}

/// Files `respondent`'s answer to the survey whose token gave `claims`: `(previous, rating)`.
/// The store decides whether the respondent may answer (a channel identity must be the
/// surveyed contact's); one who may not is told the survey does not exist, as for an altered
/// token, so nobody learns which conversations were surveyed.
pub(crate) async fn record(
    state: &AppState,
    claims: SurveyClaims,
    rating: u8,
    comment: Option<&str>,
    respondent: &CsatRespondent,
) -> Result<(Option<u8>, u8), Failure> {
    let result = state
        .store
        .answer_csat(claims.conversation, rating, comment, respondent)
        .await;
    match result {
        Ok((CsatOutcome::Recorded { previous, rating }, events)) => {
            state.events.publish(events);
            Ok((previous, rating))
        }
        // The conversation (and its survey) was erased, or never surveyed.
        Ok((CsatOutcome::NotSurveyed | CsatOutcome::NotTheirs, _))
        | Err(crate::store::StoreError::NotFound) => Err(Failure::Token(TokenError::Invalid)),
        Ok((CsatOutcome::Expired, _)) => Err(Failure::Token(TokenError::Expired)),
        Err(err) => {
            tracing::error!(error = %err, "filing a survey answer failed");
            Err(Failure::Unavailable)
        }
    }
}

/// Body of `POST /csat/{token}/answer`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsatAnswerRequest {
    /// 1 (poor) to 5 (excellent).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    /// Kept as the customer's message in the conversation (at most 2000 characters are kept);
    /// it neither reopens the conversation nor makes it wait.
    pub comment: Option<String>,
}

/// The filed answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatAnswerView {
    pub conversation_id: crate::domain::ConversationId,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    /// The rating this answer replaced, `null` for the first answer.
    #[schema(minimum = 1, maximum = 5)]
    pub previous: Option<u8>,
}

fn json_error(status: StatusCode, code: &'static str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// `POST /csat/{token}/answer`
///
/// Files the answer to a satisfaction survey, as a webhook channel's integrator renders it
/// from the outbound message's `csat_request` (`answer_url` + `/answer`). The token is the
/// authority: no bearer token. A later answer replaces the earlier one.
#[utoipa::path(post, path = "/csat/{token}/answer", tag = "csat",
    params(("token" = String, Path, description = "The survey's signed token (`csat_request.token`).")),
    request_body = CsatAnswerRequest,
    responses(
        (status = 200, body = CsatAnswerView),
        (status = 400, body = crate::http::error::ErrorBody, description = "The body is not JSON of this shape."),
        (status = 404, body = crate::http::error::ErrorBody, description = "The token is not valid (altered, not ours) or its conversation is gone."),
        (status = 410, body = crate::http::error::ErrorBody, description = "The survey has expired."),
        (status = 422, body = crate::http::error::ErrorBody, description = "The rating is not 1 to 5."),
        (status = 503, body = crate::http::error::ErrorBody, description = "The answer cannot be filed now; retry.")),
    security(()))]
pub async fn answer_json(
    State(state): State<AppState>,
    super::extract::Path(token): super::extract::Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let claims = match state.surveys.verify(&token, Millis::now()) {
        Ok(claims) => claims,
        Err(err) => return token_json(err),
    };
    let request: CsatAnswerRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("body: {err}"),
            );
        }
    };
    let Some(rating) = u8::try_from(request.rating)
        .ok()
        .filter(|rating| connector_sdk::csat::RATINGS.contains(rating))
    else {
        return json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "rating: must be 1 to 5",
        );
    };
    match record(
        &state,
        claims,
        rating,
        request.comment.as_deref(),
        &CsatRespondent::LinkHolder,
    )
    .await
    {
        Ok((previous, rating)) => Json(CsatAnswerView {
            conversation_id: claims.conversation,
            rating,
            previous,
        })
        .into_response(),
        Err(failure) => failure_json(failure),
    }
}

/// A refused answer in the API's error shape: 404, 410 or 503.
pub(crate) fn failure_json(failure: Failure) -> Response {
    match failure {
        Failure::Token(err) => token_json(err),
        Failure::Unavailable => json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the answer cannot be filed now, retry later",
        ),
    }
}

/// A refused token in the API's error shape: 404 (not ours, altered) or 410 (expired).
pub(crate) fn token_json(err: TokenError) -> Response {
    match err {
        TokenError::Invalid => json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "survey not found: the token is not valid",
        ),
        TokenError::Expired => json_error(StatusCode::GONE, "expired", "the survey has expired"),
    }
}
