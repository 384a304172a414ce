//! The agent web inbox at `/`: sign-in and sign-out pages rendered here, and a shell page
//! whose plain ES modules (embedded in the binary, no build step) drive the REST API and
//! the event stream with the session cookie.
//!
//! Everything customers wrote reaches the page as JSON and is put into the DOM as text,
//! never as markup; customer HTML (email) is shown only inside a sandboxed frame. The
//! Content-Security-Policy below forbids inline and foreign scripts as a second wall.

use crate::domain::audit::AuditAction;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::extract::Form;
use super::session::{self, COOKIE};
use crate::domain::Availability;

/// The cookie that ties the sign-in form to the browser that loaded it (login CSRF).
const LOGIN_COOKIE: &str = "sb_login";

/// The policy for every page and asset of the inbox. `style-src 'unsafe-inline'` is for the
/// inline styles of customer email shown in the sandboxed frame (which inherits this policy
/// and may run no script at all). Images and media come only from this server: a sender's
/// remote image would tell them when and where an agent read the message, so the inbox loads
/// those through `GET /api/v1/messages/{id}/images` when the agent asks.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; media-src 'self'; connect-src 'self'; \
    frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

const INDEX_HTML: &str = include_str!("assets/index.html");
const LOGIN_HTML: &str = include_str!("assets/login.html");

/// The embedded static files: (URL name, content type, body).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/api.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dom.js"),
    ),
    (
        "state.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/state.js"),
    ),
    (
        "inbox.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/inbox.js"),
    ),
    (
        "thread.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/thread.js"),
    ),
    (
        "messages.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/messages.js"),
    ),
    (
        "picker.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/picker.js"),
    ),
    (
        "admin.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/admin.js"),
    ),
    (
        "campaigns.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/campaigns.js"),
    ),
    (
        "reports.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/reports.js"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/live.js"),
    ),
    (
        "charts.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/charts.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("assets/app.css"),
    ),
    ("icon.svg", "image/svg+xml", include_str!("assets/icon.svg")),
];

/// The inbox's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/assets/{name}", get(asset))
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// An HTML page with the inbox's security headers; never cached (it carries the CSRF token).
fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure_headers(headers);
    response
}

fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// `GET /`: the inbox for a signed-in agent, else the sign-in page.
async fn index(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let Some(session) = session::current(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let html = INDEX_HTML
        .replace("{{csrf}}", &escape_html(&session.csrf_token))
        .replace("{{agent_id}}", &session.agent.to_string())
        .replace("{{role}}", &escape_html(session.role.as_str()))
        .replace("{{name}}", &escape_html(&session.name))
        .replace("{{email}}", &escape_html(&session.email));
    Ok(page(StatusCode::OK, html))
}

/// `GET /assets/{name}`
async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => {
            let mut response = (*body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            // Revalidate each time: assets change with the binary, and there is no build
            // step to fingerprint their names.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            secure_headers(headers);
            response
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

fn login_page(
    status: StatusCode,
    error: Option<&str>,
    email: &str,
    headers: &HeaderMap,
) -> Response {
    let token = session::random_secret();
    let error_html = error
        .map(|message| {
            format!(
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape_html(message)
            )
        })
        .unwrap_or_default();
    let html = LOGIN_HTML
        .replace("{{error}}", &error_html)
        .replace("{{email}}", &escape_html(email))
        .replace("{{csrf}}", &token);
    let mut response = page(status, html);
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            LOGIN_COOKIE,
            &token,
            Duration::from_secs(3600),
            session::is_https(headers),
        ),
    );
    response
}

/// `GET /login`
async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if session::current(&state, &headers).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(login_page(StatusCode::OK, None, "", &headers))
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf: String,
}

/// `POST /login`: reserves an attempt under the guessing limits (429 when the client must
/// wait), checks the password in the bounded pool (503 when it is saturated), and on success
/// starts a session.
async fn login(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    // Without a recorded peer (an in-process call) every caller shares one key.
    let client = super::client_addr::of_request(
        request.extensions(),
        request.headers(),
        &state.trusted_proxies,
    )
    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let headers = request.headers().clone();
    let Form(form) = Form::<LoginForm>::from_request(request, &state).await?;
    let email = form.email.trim().to_lowercase();
    let expected = session::cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !session::secrets_match(&form.csrf, expected) {
        return Ok(login_page(
            StatusCode::FORBIDDEN,
            Some("The sign-in form expired. Please try again."),
            &email,
            &headers,
        ));
    }
    let reserved = state
        .sign_in
        .reserve(&email, client)
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    let reservation = match reserved {
        Ok(reservation) => reservation,
        Err(wait) => {
            tracing::warn!(%client, "web sign-in refused: too many failed attempts");
            return Ok(retry_later(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed sign-ins. Wait a little and try again.",
                wait,
                &email,
                &headers,
            ));
        }
    };
    let found = state
        .store
        .find_login(&email)
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    let (agent, stored) = match found {
        Some((agent, Some(hash))) => (Some(agent), Some(hash)),
        // No account (or no password): the pool checks a decoy, so this costs the same time.
        _ => (None, None),
    };
    let Ok(matches) = state.sign_in.pool.verify(form.password, stored).await else {
        tracing::warn!(%client, "web sign-in refused: password checks saturated");
        reservation.give_back().await;
        return Ok(retry_later(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many sign-ins at once. Try again in a moment.",
            Duration::from_secs(1),
            &email,
            &headers,
        ));
    };
    let agent = agent.filter(|_| matches);
    state
        .store
        .record_login_attempt(&email, &client.to_string(), agent.is_some())
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    let peer = (client != IpAddr::V4(Ipv4Addr::UNSPECIFIED)).then_some(client);
    let Some(agent) = agent else {
        reservation.failed();
        state
            .audit_sign_in(AuditAction::SignInFailed, None, &email, peer)
            .await?;
        return Ok(login_page(
            StatusCode::UNAUTHORIZED,
            Some("Wrong email or password."),
            &email,
            &headers,
        ));
    };
    reservation.succeeded().await;
    state
        .audit_sign_in(AuditAction::SignInSucceeded, Some(agent), &email, peer)
        .await?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let secret = session::start(&state, agent, user_agent).await?;
    let secure = session::is_https(&headers);
    let mut response = Redirect::to("/").into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        session::set_cookie(COOKIE, &secret, session::LIFETIME, secure),
    );
    cookies.append(
        header::SET_COOKIE,
        session::set_cookie(LOGIN_COOKIE, "", Duration::ZERO, secure),
    );
    tracing::info!(%agent, "agent signed in to the web inbox");
    Ok(response)
}

/// The sign-in page with `message` and a `Retry-After` of `wait` (at least a second).
fn retry_later(
    status: StatusCode,
    message: &str,
    wait: Duration,
    email: &str,
    headers: &HeaderMap,
) -> Response {
    let mut response = login_page(status, Some(message), email, headers);
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
struct LogoutForm {
    csrf: String,
}

/// `POST /logout`: ends the session (CSRF-checked), sets the agent offline and clears the
/// cookie.
async fn logout(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let client = super::client_addr::of_request(
        request.extensions(),
        request.headers(),
        &state.trusted_proxies,
    );
    let headers = request.headers().clone();
    let Form(form) = Form::<LogoutForm>::from_request(request, &state).await?;
    if let Some(current) = session::current(&state, &headers).await? {
        if !session::secrets_match(&form.csrf, &current.csrf_token) {
            return Err(ApiError::Forbidden("wrong CSRF token for sign-out".into()));
        }
        if let Some(secret) = session::cookie(&headers, COOKIE) {
            state
                .store
                .delete_session(&crate::tokens::hash(secret))
                .await
                .map_err(|err| ApiError::Internal(err.into()))?;
        }
        state.presence.forget(current.agent);
        if let Err(err) = state.store.forget_agent_heartbeat(current.agent).await {
            tracing::warn!(error = %err, "could not forget the agent's inbox heartbeat");
        }
        super::presence::set_availability(&state, current.agent, Availability::Offline).await;
        state
            .audit_sign_in(AuditAction::SignOut, Some(current.agent), "", client)
            .await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(COOKIE, "", Duration::ZERO, session::is_https(&headers)),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<script>alert('x')</script> & "y""#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn every_embedded_module_is_served_and_imports_only_embedded_modules() {
        for (name, _, body) in ASSETS {
            // An import may span lines (the formatter wraps long ones); each ends in
            // `from './file.js';`, and nothing else in the modules is written that way.
            let imports = body
                .lines()
                .filter(|line| line.starts_with("import "))
                .count();
            let targets: Vec<&str> = body
                .split("from './")
                .skip(1)
                .filter_map(|rest| rest.split_once("';").map(|(target, _)| target))
                .collect();
            assert_eq!(
                targets.len(),
                imports,
                "{name}: every import names an embedded module by its ./ path"
            );
            for target in targets {
                assert!(
                    ASSETS.iter().any(|(file, _, _)| *file == target),
                    "{name} imports {target}, which is not embedded"
                );
            }
        }
        assert!(INDEX_HTML.contains("{{csrf}}"));
        assert!(LOGIN_HTML.contains("{{csrf}}"));
    }
}
