//! Bearer-token authentication and role checks. Every API handler takes a [`Caller`] and
//! calls [`Caller::require`] with the roles its route allows (documented in the OpenAPI
//! `security` scopes, which a test checks against behaviour).
//!
//! The web inbox uses the same API with its session cookie instead of a token (see
//! [`super::session`]): same role checks, plus a CSRF token on every state-changing request.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};

use super::AppState;
use super::error::ApiError;
use crate::domain::{AgentId, ApiToken, Role, TokenId};

/// How long a verified token is trusted without asking the database again. Revocation takes
/// effect within this time.
const CACHE_TTL: Duration = Duration::from_secs(5);
/// How often `last_used_at` is written for a busy token.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// The authenticated caller of an API route.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The API token used, when the caller sent one.
    pub token: Option<TokenId>,
    /// The web session used, when the caller is a signed-in browser.
    pub session: Option<i64>,
    pub role: Role,
    /// The agent the token acts as, if any.
    pub agent: Option<AgentId>,
    /// The client's address (through trusted proxies), for the audit log; `None` for a
    /// request that did not come through the server (an in-process call).
    pub ip: Option<std::net::IpAddr>,
}

/// A set of roles a route allows.
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

/// Routes that work conversations: admins and agents.
pub struct Agents;
impl RoleSet for Agents {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Agent];
}

/// Routes that read or edit contacts and directory data: every role.
pub struct Everyone;
impl RoleSet for Everyone {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Agent, Role::Marketer];
}

/// Routes that run campaigns and manage consent: admins and marketers.
pub struct Marketers;
impl RoleSet for Marketers {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Marketer];
}

/// Admin-only routes.
pub struct Admins;
impl RoleSet for Admins {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// A caller whose role is in `R`. As an extractor it runs before the body is read, so a
/// caller without the role gets 403 whatever they sent.
pub struct Authorized<R: RoleSet>(pub Caller, PhantomData<R>);

impl<R: RoleSet> std::ops::Deref for Authorized<R> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<R: RoleSet> FromRequestParts<AppState> for Authorized<R> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require(R::ROLES)?;
        Ok(Self(caller, PhantomData))
    }
}

impl Caller {
    /// Refuses the call unless the caller has one of `roles`.
    ///
    /// # Errors
    /// `Forbidden` naming the allowed roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|role| role.as_str()).collect();
            Err(ApiError::Forbidden(format!(
                "this route needs one of the roles: {}",
                names.join(", ")
            )))
        }
    }
}

impl Caller {
    /// Whether the credential this caller came with still grants the same role to the same
    /// agent, asked of the database (not the token cache), as another node may have revoked
    /// it. For long-lived responses, which outlive the check made when they opened.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn is_still_valid(
        &self,
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<bool, ApiError> {
        if let Some(token_id) = self.token {
            let Some(secret) = headers.get(AUTHORIZATION).and_then(bearer_secret) else {
                return Ok(false);
            };
            let found = state
                .store
                .find_token(&crate::tokens::hash(secret))
                .await
                .map_err(|err| ApiError::Internal(err.into()))?;
            return Ok(found.is_some_and(|token| {
                token.id == token_id && token.role == self.role && token.agent_id == self.agent
            }));
        }
        let Some(secret) = super::session::cookie(headers, super::session::COOKIE) else {
            return Ok(false);
        };
        let found = state
            .store
            .find_session(&crate::tokens::hash(secret), super::session::idle_since())
            .await
            .map_err(|err| ApiError::Internal(err.into()))?;
        Ok(found.is_some_and(|session| {
            Some(session.id) == self.session
                && session.role == self.role
                && Some(session.agent) == self.agent
        }))
    }
}

/// Resolves once `caller`'s credential is no longer valid (token revoked, session signed out
/// or expired, password reset, role changed), checking every `state.stream_recheck`. Long
/// responses end with it, so an open stream cannot outlive its credential.
pub async fn credential_ended(state: AppState, headers: HeaderMap, caller: Caller) {
    let mut ticks = tokio::time::interval(state.stream_recheck);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; the credential was checked when the response began.
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match caller.is_still_valid(&state, &headers).await {
            Ok(true) => {}
            Ok(false) => return,
            // A database hiccup is not a revocation: the next check decides.
            Err(err) => tracing::warn!(error = ?err, "could not re-check a stream's credential"),
        }
    }
}

/// The secret of an `Authorization: Bearer <secret>` header value.
fn bearer_secret(value: &HeaderValue) -> Option<&str> {
    value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

struct Cached {
    token: ApiToken,
    checked: Instant,
    touched: Instant,
}

/// Recently verified tokens, keyed by hash, so that a busy client costs no database read per
/// request.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, Cached>>,
}

impl TokenCache {
    /// Forgets every cached token (after a revocation).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            // No token: a browser of the web inbox, signed in by its session cookie.
            return match super::session::current(state, &parts.headers).await? {
                Some(session) => {
                    super::session::check_csrf(&session, &parts.method, &parts.headers)?;
                    Ok(Caller {
                        token: None,
                        session: Some(session.id),
                        role: session.role,
                        agent: Some(session.agent),
                        ip: client_ip(parts, state),
                    })
                }
                None => Err(ApiError::Unauthenticated(
                    "missing Authorization: Bearer <token> (or a web inbox session)".into(),
                )),
            };
        };
        let token = bearer_secret(header).ok_or_else(|| {
            ApiError::Unauthenticated("Authorization must be: Bearer <token>".into())
        })?;
        let hash = crate::tokens::hash(token);
        let now = Instant::now();
        let cached = state.tokens.entries.lock().ok().and_then(|entries| {
            entries
                .get(&hash)
                .filter(|entry| now.duration_since(entry.checked) < CACHE_TTL)
                .map(|entry| entry.token.clone())
        });
        let api_token = match cached {
            Some(token) => token,
            None => {
                let found = state
                    .store
                    .find_token(&hash)
                    .await
                    .map_err(|err| ApiError::Internal(err.into()))?
                    .ok_or_else(|| ApiError::Unauthenticated("unknown or revoked token".into()))?;
                let touch = match state.tokens.entries.lock() {
                    Ok(mut entries) => {
                        let touched = entries.get(&hash).map(|entry| entry.touched);
                        let due = touched.is_none_or(|at| now.duration_since(at) >= TOUCH_INTERVAL);
                        entries.insert(
                            hash.clone(),
                            Cached {
                                token: found.clone(),
                                checked: now,
                                touched: if due { now } else { touched.unwrap_or(now) },
                            },
                        );
                        due
                    }
                    Err(_) => false,
                };
                if touch && let Err(err) = state.store.touch_token(found.id).await {
                    tracing::warn!(error = %err, "could not record token use");
                }
                found
            }
        };
        Ok(Caller {
            token: Some(api_token.id),
            session: None,
            role: api_token.role,
            agent: api_token.agent_id,
            ip: client_ip(parts, state),
        })
    }
}

/// The client address of the request `parts` belong to.
fn client_ip(parts: &Parts, state: &AppState) -> Option<std::net::IpAddr> {
    super::client_addr::of_request(&parts.extensions, &parts.headers, &state.trusted_proxies)
}
