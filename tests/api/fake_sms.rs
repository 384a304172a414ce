//! In-process stand-ins of the two SMS providers, written from their public API references:
//! Twilio's Messages resource (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form in,
//! JSON out, errors as `{"code", "message", "status"}`) and MMS media behind HTTP Basic, and
//! the Vonage SMS API (`POST /sms/json`, credentials in the form, a `status` per part).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The account the Twilio stand-in knows.
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
pub const AUTH_TOKEN: &str = "twilio-auth-token";
pub const VONAGE_KEY: &str = "vkey";
pub const VONAGE_SECRET: &str = "vsecret";

/// One send request, with its form parameters in order.
#[derive(Debug, Clone)]
pub struct Sent {
    pub provider: &'static str,
    pub form: Vec<(String, String)>,
    pub at: Instant,
}

impl Sent {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Inner {
    sent: Vec<Sent>,
    twilio_failures: Vec<(u16, Value)>,
    vonage_failures: Vec<Value>,
    media: Vec<(String, Vec<u8>)>,
    media_requests: Vec<Option<String>>,
    counter: u64,
}

type Shared = Arc<Mutex<Inner>>;

/// The stand-in server for both providers.
#[derive(Clone)]
pub struct FakeSms {
    pub url: String,
    state: Shared,
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    connector_sms::parse_form(body).expect("the connector sends a well-formed form")
}

async fn twilio_messages(
    State(state): State<Shared>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    use base64::Engine as _;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    let authorized = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h == expected);
    if !authorized || account != ACCOUNT_SID {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
        );
    }
    let form = form(&body);
    let mut state = state.lock().expect("lock");
    if !state.twilio_failures.is_empty() {
        let (status, error) = state.twilio_failures.remove(0);
        return (StatusCode::from_u16(status).expect("status"), Json(error));
    }
    let to = form.iter().find(|(k, _)| k == "To").map(|(_, v)| v.clone());
    if to.is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"code": 21604, "message": "A 'To' phone number is required.", "status": 400}),
            ),
        );
    }
    state.counter += 1;
    let sid = format!("SM{:032}", state.counter);
    state.sent.push(Sent {
        provider: "twilio",
        form,
        at: Instant::now(),
    });
    (
        StatusCode::CREATED,
        Json(json!({"sid": sid, "status": "queued", "to": to, "num_segments": "1"})),
    )
}

async fn twilio_media(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, Vec<u8>) {
    let mut state = state.lock().expect("lock");
    let authorization = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    state.media_requests.push(authorization.clone());
    if authorization.is_none() {
        return (StatusCode::UNAUTHORIZED, Vec::new());
    }
    match state.media.iter().find(|(known, _)| *known == id) {
        Some((_, bytes)) => (StatusCode::OK, bytes.clone()),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

async fn vonage_send(State(state): State<Shared>, body: Bytes) -> (StatusCode, Json<Value>) {
    let form = form(&body);
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if get("api_key") != VONAGE_KEY || get("api_secret") != VONAGE_SECRET {
        return (
            StatusCode::OK,
            Json(
                json!({"message-count": "1", "messages": [{"status": "4", "error-text": "Bad Credentials"}]}),
            ),
        );
    }
    let mut state = state.lock().expect("lock");
    if !state.vonage_failures.is_empty() {
        let failure = state.vonage_failures.remove(0);
        return (
            StatusCode::OK,
            Json(json!({"message-count": "1", "messages": [failure]})),
        );
    }
    state.counter += 1;
    let id = format!("VM{:016}", state.counter);
    let to = get("to");
    state.sent.push(Sent {
        provider: "vonage",
        form,
        at: Instant::now(),
    });
    (
        StatusCode::OK,
        Json(
            json!({"message-count": "1", "messages": [{"to": to, "message-id": id, "status": "0",
            "remaining-balance": "10.0", "message-price": "0.03", "network": "23003"}]}),
        ),
    )
}

impl FakeSms {
    /// Starts on a random loopback port.
    pub async fn start() -> Self {
        let state: Shared = Arc::default();
        let router = Router::new()
            .route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                post(twilio_messages),
            )
            .route("/media/{id}", get(twilio_media))
            .route("/sms/json", post(vonage_send))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, state }
    }

    /// Every send request, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().expect("lock").sent.clone()
    }

    /// The next Twilio send answers `status` with this error body.
    pub fn fail_twilio(&self, status: u16, error: Value) {
        self.state
            .lock()
            .expect("lock")
            .twilio_failures
            .push((status, error));
    }

    /// The next Vonage send answers with this message entry (a non-zero `status`).
    pub fn fail_vonage(&self, entry: Value) {
        self.state.lock().expect("lock").vonage_failures.push(entry);
    }

    /// Makes MMS media `id` downloadable (with credentials) at `<url>/media/<id>`.
    pub fn add_media(&self, id: &str, bytes: &[u8]) {
        self.state
            .lock()
            .expect("lock")
            .media
            .push((id.to_owned(), bytes.to_vec()));
    }

    /// The `Authorization` header of every media download, in order.
    pub fn media_requests(&self) -> Vec<Option<String>> {
        self.state.lock().expect("lock").media_requests.clone()
    }
}
