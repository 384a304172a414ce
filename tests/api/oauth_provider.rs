//! A stand-in OAuth2 provider on a random loopback port, written from RFC 6749, RFC 7662 and
//! RFC 8628 and the Microsoft identity platform's answers: a token endpoint (refresh-token,
//! client-credentials, device-code and authorization-code grants) that issues short-lived
//! access tokens and can rotate or revoke refresh tokens, a device authorization endpoint,
//! and a token introspection endpoint that Dovecot's oauth2 passdb asks. Beside it, a small
//! SMTP server that accepts only `AUTH XOAUTH2` with a live token from this provider.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub const CLIENT_ID: &str = "switchboard-test-client";

#[derive(Default)]
struct Inner {
    /// Access tokens: their user and when they stop being accepted.
    access: HashMap<String, (String, Instant)>,
    /// Refresh tokens that work, with their user.
    refresh: HashMap<String, String>,
    /// Grants served, by grant type, in order.
    grants: Vec<String>,
    /// Access tokens a server (IMAP or SMTP) refused.
    refused: usize,
    /// Access tokens a server accepted, in order.
    accepted: Vec<String>,
    /// Numbers the tokens and codes issued.
    counter: u64,
    rotate: bool,
    /// Device flow: polls answered `authorization_pending` (then `slow_down` once) before
    /// the user "approves", or `access_denied` when `deny_device`.
    pending_polls: usize,
    deny_device: bool,
    device_polls: Vec<String>,
    device_codes: HashMap<String, String>,
    /// Authorization codes handed to the browser, with the PKCE challenge they were asked with.
    codes: HashMap<String, String>,
}

/// The running provider.
#[derive(Clone)]
pub struct OAuthProvider {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

type Shared = (Arc<Mutex<Inner>>, Duration);

fn error(status: StatusCode, code: &str, description: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({"error": code, "error_description": description})),
    )
}

fn issue(inner: &mut Inner, lifetime: Duration, user: &str) -> String {
    inner.counter += 1;
    let token = format!("at-{}-{}", inner.counter, crate::helpers::rand_suffix());
    inner
        .access
        .insert(token.clone(), (user.to_owned(), Instant::now() + lifetime));
    token
}

fn new_refresh(inner: &mut Inner, user: &str) -> String {
    inner.counter += 1;
    let token = format!("rt-{}-{}", inner.counter, crate::helpers::rand_suffix());
    inner.refresh.insert(token.clone(), user.to_owned());
    token
}

async fn token(
    State((inner, lifetime)): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let mut inner = inner.lock().expect("lock");
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client");
    }
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    inner.grants.push(grant.clone());
    let expires_in = lifetime.as_secs();
    match grant.as_str() {
        "refresh_token" => {
            let given = form.get("refresh_token").cloned().unwrap_or_default();
            let Some(user) = inner.refresh.get(&given).cloned() else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "AADSTS70000: The provided grant has been revoked.",
                );
            };
            let access = issue(&mut inner, lifetime, &user);
            let mut answer = json!({"token_type": "Bearer", "access_token": access,
                "expires_in": expires_in, "scope": form.get("scope")});
            if inner.rotate {
                // Microsoft's rotation: a new refresh token, and the old one stops working.
                inner.refresh.remove(&given);
                answer["refresh_token"] = json!(new_refresh(&mut inner, &user));
            }
            (StatusCode::OK, Json(answer))
        }
        "client_credentials" => {
            if form.get("client_secret").map(String::as_str) != Some("app-secret") {
                return error(StatusCode::UNAUTHORIZED, "invalid_client", "bad secret");
            }
            let access = issue(&mut inner, lifetime, crate::mail_peers::MAILBOX_USER);
            (
                StatusCode::OK,
                Json(
                    json!({"token_type": "Bearer", "access_token": access, "expires_in": expires_in}),
                ),
            )
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = form.get("device_code").cloned().unwrap_or_default();
            let Some(user) = inner.device_codes.get(&code).cloned() else {
                return error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown code");
            };
            let poll = inner.device_polls.len();
            inner.device_polls.push(code);
            if inner.deny_device {
                return error(StatusCode::BAD_REQUEST, "access_denied", "the user said no");
            }
            if poll < inner.pending_polls {
                let code = if poll == 1 {
                    "slow_down"
                } else {
                    "authorization_pending"
                };
                return error(StatusCode::BAD_REQUEST, code, "waiting for the user");
            }
            let access = issue(&mut inner, lifetime, &user);
            let refresh = new_refresh(&mut inner, &user);
            (
                StatusCode::OK,
                Json(json!({"token_type": "Bearer", "access_token": access,
                    "expires_in": expires_in, "refresh_token": refresh})),
            )
        }
        "authorization_code" => {
            let code = form.get("code").cloned().unwrap_or_default();
            // A code is good once (RFC 6749 §4.1.2), and only with the verifier whose S256
            // is the challenge it was issued for (RFC 7636 §4.6).
            let Some(challenge) = inner.codes.remove(&code) else {
                return error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown code");
            };
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
            if computed != challenge
                || form.get("redirect_uri").map(String::as_str) != Some("http://localhost")
            {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "PKCE check failed",
                );
            }
            let user = crate::mail_peers::MAILBOX_USER;
            let access = issue(&mut inner, lifetime, user);
            let refresh = new_refresh(&mut inner, user);
            (
                StatusCode::OK,
                Json(json!({"token_type": "Bearer", "access_token": access,
                    "expires_in": expires_in, "refresh_token": refresh})),
            )
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "not this one",
        ),
    }
}

async fn devicecode(
    State((inner, _)): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let mut inner = inner.lock().expect("lock");
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client");
    }
    inner.counter += 1;
    let code = format!("dc-{}", inner.counter);
    inner
        .device_codes
        .insert(code.clone(), crate::mail_peers::MAILBOX_USER.to_owned());
    (
        StatusCode::OK,
        Json(json!({
            "device_code": code,
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code WDJB-MJHT to authenticate."
        })),
    )
}

/// RFC 7662 introspection, as Dovecot's oauth2 passdb asks (`introspection_mode = post`).
async fn introspect(
    State((inner, _)): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Json<Value> {
    let token = form.get("token").cloned().unwrap_or_default();
    let mut inner = inner.lock().expect("lock");
    match live_user(&inner, &token) {
        Some(user) => {
            inner.accepted.push(token);
            Json(json!({"active": true, "username": user}))
        }
        None => {
            inner.refused += 1;
            Json(json!({"active": false}))
        }
    }
}

fn live_user(inner: &Inner, token: &str) -> Option<String> {
    inner
        .access
        .get(token)
        .filter(|(_, until)| Instant::now() < *until)
        .map(|(user, _)| user.clone())
}

impl OAuthProvider {
    /// Starts with access tokens living `lifetime`.
    pub async fn start(lifetime: Duration) -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/token", post(token))
            .route("/devicecode", post(devicecode))
            .route("/introspect", post(introspect))
            .with_state((inner.clone(), lifetime));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, inner }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A refresh token for the mailbox, as an operator's earlier authorization left.
    pub fn grant_refresh_token(&self) -> String {
        new_refresh(
            &mut self.inner.lock().expect("lock"),
            crate::mail_peers::MAILBOX_USER,
        )
    }

    /// Revokes every refresh and access token (the user changed the password, an admin
    /// revoked the app).
    pub fn revoke_all(&self) {
        let mut inner = self.inner.lock().expect("lock");
        inner.refresh.clear();
        inner.access.clear();
    }

    /// Invalidates the access tokens issued so far, keeping the refresh tokens: a server
    /// then refuses a token before its stated expiry.
    pub fn revoke_access_tokens(&self) {
        self.inner.lock().expect("lock").access.clear();
    }

    /// Makes every refresh grant return a new refresh token and retire the old one.
    pub fn rotate(&self) {
        self.inner.lock().expect("lock").rotate = true;
    }

    /// Device flow: answer `pending` polls (the second is `slow_down`) before approving, or deny.
    pub fn script_device(&self, pending: usize, deny: bool) {
        let mut inner = self.inner.lock().expect("lock");
        inner.pending_polls = pending;
        inner.deny_device = deny;
    }

    /// What the authorization endpoint does when the user signs in: a code for the PKCE
    /// `challenge` the browser brought.
    pub fn authorize_browser(&self, challenge: &str) -> String {
        let mut inner = self.inner.lock().expect("lock");
        inner.counter += 1;
        let code = format!("ac/{}", inner.counter);
        inner.codes.insert(code.clone(), challenge.to_owned());
        code
    }

    pub fn device_polls(&self) -> usize {
        self.inner.lock().expect("lock").device_polls.len()
    }

    /// The grants served, by type, in order.
    pub fn grants(&self) -> Vec<String> {
        self.inner.lock().expect("lock").grants.clone()
    }

    /// Access tokens servers refused so far.
    pub fn refused(&self) -> usize {
        self.inner.lock().expect("lock").refused
    }

    /// Access tokens servers accepted, in order.
    pub fn accepted(&self) -> Vec<String> {
        self.inner.lock().expect("lock").accepted.clone()
    }

    /// The refresh tokens that work now.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        self.inner
            .lock()
            .expect("lock")
            .refresh
            .keys()
            .cloned()
            .collect()
    }

    /// True once `token` is past its lifetime.
    pub fn has_expired(&self, token: &str) -> bool {
        live_user(&self.inner.lock().expect("lock"), token).is_none()
    }

    fn check(&self, user: &str, token: &str) -> bool {
        let mut inner = self.inner.lock().expect("lock");
        if live_user(&inner, token).as_deref() == Some(user) {
            inner.accepted.push(token.to_owned());
            true
        } else {
            inner.refused += 1;
            false
        }
    }

    /// Waits (bounded) until `condition` holds, checking every 20 ms.
    pub async fn wait_until(&self, what: &str, condition: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !condition(self) {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An SMTP server that takes mail only after `AUTH XOAUTH2` with a live token of `provider`,
/// one mail per session. A refused token gets Gmail's answer: a 334 with a JSON error, then
/// 535 after the client's empty line.
pub struct OAuthSmtp {
    pub port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

impl OAuthSmtp {
    pub async fn start(provider: OAuthProvider) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(smtp_session(stream, provider.clone(), store.clone()));
            }
        });
        Self { port, received }
    }

    pub fn received(&self) -> Vec<String> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits (bounded) until `count` mails have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "{count} mails expected, {} arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    provider: OAuthProvider,
    received: Arc<Mutex<Vec<String>>>,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut authenticated = false;
    let reply = |text: &str| format!("{text}\r\n");
    if write
        .write_all(reply("220 localhost ESMTP stand-in").as_bytes())
        .await
        .is_err()
    {
        return;
    }
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-localhost\r\n250-AUTH XOAUTH2\r\n250 8BITMIME".to_owned()
        } else if let Some(initial) = command
            .strip_prefix("AUTH XOAUTH2 ")
            .or_else(|| command.strip_prefix("auth xoauth2 "))
        {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(initial.trim())
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&decoded).into_owned();
            let user = text
                .split('\u{1}')
                .find_map(|part| part.strip_prefix("user="))
                .unwrap_or_default()
                .to_owned();
            let token = text
                .split('\u{1}')
                .find_map(|part| part.strip_prefix("auth=Bearer "))
                .unwrap_or_default()
                .to_owned();
            if provider.check(&user, &token) {
                authenticated = true;
                "235 2.7.0 Accepted".to_owned()
            } else {
                let challenge = base64::engine::general_purpose::STANDARD.encode(
                    r#"{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}"#,
                );
                if write
                    .write_all(reply(&format!("334 {challenge}")).as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                let mut empty = String::new();
                if lines.read_line(&mut empty).await.unwrap_or(0) == 0 {
                    return;
                }
                "535 5.7.8 Username and Password not accepted".to_owned()
            }
        } else if upper.starts_with("MAIL FROM") && !authenticated {
            "530 5.7.0 Authentication Required".to_owned()
        } else if upper.starts_with("MAIL FROM") || upper.starts_with("RCPT TO") {
            "250 2.1.0 OK".to_owned()
        } else if upper == "DATA" {
            if write
                .write_all(reply("354 Go ahead").as_bytes())
                .await
                .is_err()
            {
                return;
            }
            let mut body = String::new();
            loop {
                let mut data = String::new();
                if lines.read_line(&mut data).await.unwrap_or(0) == 0 {
                    return;
                }
                if data == ".\r\n" || data == ".\n" {
                    break;
                }
                body.push_str(&data);
            }
            received.lock().expect("lock").push(body);
            // Then the session ends, as an idle timeout would end it: every mail signs in
            // again, with whatever token the client holds by then. The mail is recorded, so a
            // client gone before the answer changes nothing here.
            let _ = write
                .write_all(reply("250 2.0.0 OK queued").as_bytes())
                .await;
            return;
        } else if upper == "QUIT" {
            let _ = write.write_all(reply("221 2.0.0 Bye").as_bytes()).await;
            return;
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 OK".to_owned()
        } else {
            "502 5.5.1 Unrecognized command".to_owned()
        };
        if write.write_all(reply(&answer).as_bytes()).await.is_err() {
            return;
        }
    }
}
