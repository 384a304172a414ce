//! Browser sessions of the web inbox: the session cookie, its lookup, CSRF checks, and how long
//! sessions and sign-in attempts are kept (the pruning the presence sweep runs).
//!
//! The cookie (`sb_session`) holds a random secret; the database keeps only its SHA-256, like
//! API tokens. It is `HttpOnly` (scripts cannot read it) and `SameSite=Strict` (other sites
//! cannot make the browser send it). On top of that every state-changing request that is
//! authenticated by the cookie must carry the session's CSRF token in `X-CSRF-Token`; the page
//! receives that token in a `<meta>` tag, which a cross-site attacker cannot read.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method, header};
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use crate::domain::Millis;
use crate::store::{NewWebSession, Store, StoreResult, WebSession};

/// The session cookie's name.
pub const COOKIE: &str = "sb_session";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session ends this long after sign-in, however active.
pub const LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(12 * 3600);
/// How often a busy session's `last_seen_at` is written.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long failed sign-ins are kept in the database's record (the limits themselves are in
/// [`super::sign_in`]).
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Sign-in attempts are pruned once they are this many login windows old: well past any
/// limit that counts them.
const ATTEMPTS_KEPT_FOR_WINDOWS: i64 = 4;

/// A new random secret, hex-encoded (32 bytes).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value. `Secure` is added when the request came over HTTPS (as a TLS
/// terminating proxy reports it), so that plain-HTTP local use keeps working.
pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        max_age.as_secs()
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// True when the request arrived over HTTPS according to the proxy in front.
pub fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// True for methods that change nothing, which need no CSRF token.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Constant-time string equality, for secrets.
pub fn secrets_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The session the request's cookie belongs to, if it is live.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<WebSession>, ApiError> {
    let Some(secret) = cookie(headers, COOKIE) else {
        return Ok(None);
    };
    let idle_since = idle_since();
    let found = state
        .store
        .find_session(&crate::tokens::hash(secret), idle_since)
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    if let Some(session) = &found
        && Millis::now().0 - session.last_seen_at.0 >= TOUCH_INTERVAL.as_millis() as i64
        && let Err(err) = state.store.touch_session(session.id).await
    {
        tracing::warn!(error = %err, "could not record session use");
    }
    Ok(found)
}

/// Sessions idle since before this instant are over.
pub fn idle_since() -> Millis {
    Millis(Millis::now().0 - IDLE_TIMEOUT.as_millis() as i64)
}

/// Deletes ended sessions and sign-in attempts older than a few login windows; returns how
/// many rows went.
///
/// # Errors
/// When the database fails.
pub async fn prune(store: &Store) -> StoreResult<u64> {
    let attempts_before =
        Millis(Millis::now().0 - LOGIN_WINDOW.as_millis() as i64 * ATTEMPTS_KEPT_FOR_WINDOWS);
    store.prune_sessions(idle_since(), attempts_before).await
}

/// Refuses a state-changing request whose `X-CSRF-Token` is not the session's.
///
/// # Errors
/// `Forbidden` naming the header.
pub fn check_csrf(
    session: &WebSession,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if is_safe(method) {
        return Ok(());
    }
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if secrets_match(sent, &session.csrf_token) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "missing or wrong X-CSRF-Token for a request signed in by cookie".into(),
        ))
    }
}

/// Starts a session for `agent` and returns the cookie secret (never stored) and the row.
///
/// # Errors
/// `Internal` when the database fails.
pub async fn start(
    state: &AppState,
    agent: crate::domain::AgentId,
    user_agent: Option<String>,
) -> Result<String, ApiError> {
    let secret = random_secret();
    state
        .store
        .create_session(&NewWebSession {
            token_hash: crate::tokens::hash(&secret),
            csrf_token: random_secret(),
            agent,
            user_agent: user_agent.map(|ua| ua.chars().take(256).collect()),
            expires_at: Millis::now().plus(LIFETIME),
        })
        .await
        .map_err(|err| ApiError::Internal(err.into()))?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; sb_session=abc ; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "missing"), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("sb_session="));
        assert_eq!(cookie(&headers, COOKIE), None);
    }

    #[test]
    fn session_cookie_is_http_only_and_same_site() {
        let value = set_cookie(COOKIE, "x", LIFETIME, false);
        let text = value.to_str().unwrap();
        assert!(text.contains("HttpOnly"));
        assert!(text.contains("SameSite=Strict"));
        assert!(!text.contains("Secure"));
        assert!(
            set_cookie(COOKIE, "x", LIFETIME, true)
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(secrets_match("abc", "abc"));
        assert!(!secrets_match("abc", "abd"));
        assert!(!secrets_match("abc", "abcd"));
        assert!(!secrets_match("", "a"));
    }
}
