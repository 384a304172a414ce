//! In-process fake of Meta's Graph API: the `…/messages` edge (WhatsApp and Messenger/Instagram
//! answer shapes), media lookup and download, and scripted errors in Meta's error format.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// One request to the `/messages` edge.
#[derive(Debug, Clone)]
pub struct Sent {
    pub account: String,
    pub authorization: String,
    pub body: Value,
}

#[derive(Default)]
struct State_ {
    sent: Vec<Sent>,
    failures: Vec<(u16, Value)>,
    media: Vec<(String, Vec<u8>)>,
    /// Media whose download answers `302 Found` to this location.
    moved: Vec<(String, String)>,
    counter: u64,
}

/// The fake server.
#[derive(Clone)]
pub struct FakeGraph {
    pub url: String,
    state: Arc<Mutex<State_>>,
}

type Shared = Arc<Mutex<State_>>;

async fn messages(
    State(state): State<Shared>,
    Path((_version, account)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut state = state.lock().expect("lock");
    if !state.failures.is_empty() {
        let (status, error) = state.failures.remove(0);
        return (
            StatusCode::from_u16(status).expect("status"),
            Json(json!({"error": error})),
        );
    }
    state.counter += 1;
    let n = state.counter;
    let authorization = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let answer = if body.get("messaging_product").is_some() {
        json!({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
               "messages": [{"id": format!("wamid.OUT{n}")}]})
    } else {
        json!({"recipient_id": body["recipient"]["id"], "message_id": format!("m_out{n}")})
    };
    state.sent.push(Sent {
        account,
        authorization,
        body,
    });
    (StatusCode::OK, Json(answer))
}

async fn media_info(
    State(state): State<Shared>,
    Path((_version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let base = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
    );
    let state = state.lock().expect("lock");
    let known = |id: &String| {
        state.media.iter().any(|(known, _)| known == id)
            || state.moved.iter().any(|(known, _)| known == id)
    };
    if known(&id) {
        (
            StatusCode::OK,
            Json(json!({"url": format!("{base}/media/{id}"), "mime_type": "image/jpeg", "id": id})),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "Unsupported get request", "code": 100}})),
        )
    }
}

async fn media_bytes(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    if headers.get("authorization").is_none() {
        return (StatusCode::UNAUTHORIZED, HeaderMap::new(), Vec::new());
    }
    let state = state.lock().expect("lock");
    if let Some((_, location)) = state.moved.iter().find(|(known, _)| *known == id) {
        let mut headers = HeaderMap::new();
        headers.insert("location", location.parse().expect("location"));
        return (StatusCode::FOUND, headers, Vec::new());
    }
    match state.media.iter().find(|(known, _)| *known == id) {
        Some((_, bytes)) => (StatusCode::OK, HeaderMap::new(), bytes.clone()),
        None => (StatusCode::NOT_FOUND, HeaderMap::new(), Vec::new()),
    }
}

impl FakeGraph {
    /// Starts on a random loopback port.
    pub async fn start() -> Self {
        let state: Shared = Arc::default();
        let router = Router::new()
            .route("/media/{id}", get(media_bytes))
            .route("/{version}/{account}/messages", post(messages))
            .route("/{version}/{id}", get(media_info))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, state }
    }

    /// Every `/messages` request, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().expect("lock").sent.clone()
    }

    /// The next `/messages` request fails with `status` and this Graph `error` object.
    pub fn fail_next(&self, status: u16, error: Value) {
        self.state
            .lock()
            .expect("lock")
            .failures
            .push((status, error));
    }

    /// Makes the download of media `id` redirect to `location`.
    pub fn move_media(&self, id: &str, location: &str) {
        self.state
            .lock()
            .expect("lock")
            .moved
            .push((id.to_owned(), location.to_owned()));
    }

    /// Makes media `id` downloadable.
    pub fn add_media(&self, id: &str, bytes: Vec<u8>) {
        self.state
            .lock()
            .expect("lock")
            .media
            .push((id.to_owned(), bytes));
    }
}
