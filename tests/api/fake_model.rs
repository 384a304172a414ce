//! An in-process stand-in of an OpenAI-compatible chat-completions server
//! (`POST /v1/chat/completions`, JSON in and out, `usage` with token counts, errors as
//! `{"error": {"message", "type"}}`; with `"stream": true`, server-sent events of
//! `chat.completion.chunk` objects with `delta.content`, a last chunk with `usage` when
//! `stream_options.include_usage` asks, and `data: [DONE]`), written from the public API
//! reference. Answers are
//! deterministic: keyed by a word of the prompt, else a fixed text. It can answer 429 or 500
//! on demand, and hold requests until released, to test retries and the concurrency cap.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::{Notify, Semaphore};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
}

impl Received {
    /// Every message's content, joined: what left Switchboard.
    pub fn prompt(&self) -> String {
        self.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|message| message["content"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answers to give before the normal one: (status, Retry-After seconds).
    failures: Vec<(u16, Option<u64>)>,
    /// (word in the prompt, answer).
    answers: Vec<(String, String)>,
    in_flight: usize,
    most_in_flight: usize,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    /// Requests wait for a permit when held (see [`FakeModel::hold`]).
    gate: Arc<Semaphore>,
    held: Arc<Mutex<bool>>,
    arrived: Arc<Notify>,
}

/// The stand-in server.
#[derive(Clone)]
pub struct FakeModel {
    /// The base URL, `http://127.0.0.1:<port>/v1`.
    pub base_url: String,
    shared: Shared,
}

/// The text answered when no keyed answer matches.
pub const DEFAULT_ANSWER: &str =
    "Wants: an answer.\nDone: nothing.\nOpen: everything.\nMood: calm.";

async fn completions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let received = Received {
        authorization: headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body,
    };
    let prompt = received.prompt();
    let failure = {
        let mut inner = shared.inner.lock().expect("lock");
        inner.received.push(received.clone());
        inner.in_flight += 1;
        inner.most_in_flight = inner.most_in_flight.max(inner.in_flight);
        (!inner.failures.is_empty()).then(|| inner.failures.remove(0))
    };
    shared.arrived.notify_waiters();
    let held = *shared.held.lock().expect("lock");
    if held {
        // Released by the test, one permit per request.
        let permit = shared.gate.acquire().await.expect("gate");
        permit.forget();
    }
    let answer = {
        let mut inner = shared.inner.lock().expect("lock");
        inner.in_flight -= 1;
        inner
            .answers
            .iter()
            .find(|(word, _)| prompt.contains(word.as_str()))
            .map(|(_, answer)| answer.clone())
            .unwrap_or_else(|| DEFAULT_ANSWER.to_owned())
    };
    if let Some((status, retry_after)) = failure {
        let status = StatusCode::from_u16(status).expect("status");
        let mut response = (
            status,
            Json(json!({"error": {"message": "stand-in failure", "type": "server_error"}})),
        )
            .into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", secs.to_string().parse().expect("digits"));
        }
        return response;
    }
    let model = received.body["model"]
        .as_str()
        .unwrap_or("unknown")
        .to_owned();
    let usage = json!({"prompt_tokens": prompt.split_whitespace().count(),
                       "completion_tokens": answer.split_whitespace().count(),
                       "total_tokens": 0});
    if received.body["stream"] == true {
        return streamed(
            &model,
            &answer,
            usage,
            received.body["stream_options"]["include_usage"] == true,
        );
    }
    Json(json!({
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": answer}}],
        "usage": {"prompt_tokens": prompt.split_whitespace().count(),
                  "completion_tokens": answer.split_whitespace().count(),
                  "total_tokens": 0},
    }))
    .into_response()
}

/// The answer as a stream: one chunk per word (with its following space), then the usage
/// when asked, then `[DONE]`.
fn streamed(model: &str, answer: &str, usage: Value, include_usage: bool) -> Response {
    let mut body = String::new();
    let mut event = |chunk: Value| body.push_str(&format!("data: {chunk}\n\n"));
    event(
        json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": model,
                 "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
    );
    for piece in answer.split_inclusive(' ') {
        event(
            json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": {"content": piece}}]}),
        );
    }
    event(
        json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "model": model,
                 "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
    );
    if include_usage {
        event(
            json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk",
                     "model": model, "choices": [], "usage": usage}),
        );
    }
    body.push_str("data: [DONE]\n\n");
    ([("content-type", "text/event-stream")], body).into_response()
}

impl FakeModel {
    pub async fn start() -> Self {
        let shared = Shared {
            inner: Arc::default(),
            gate: Arc::new(Semaphore::new(0)),
            held: Arc::new(Mutex::new(false)),
            arrived: Arc::new(Notify::new()),
        };
        let router = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}/v1", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base_url, shared }
    }

    /// Every request, in order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.inner.lock().expect("lock").received.clone()
    }

    /// The next requests answer these statuses (with `Retry-After` seconds), in order.
    pub fn fail_next(&self, failures: &[(u16, Option<u64>)]) {
        self.shared
            .inner
            .lock()
            .expect("lock")
            .failures
            .extend_from_slice(failures);
    }

    /// Prompts containing `word` are answered `answer`.
    pub fn answer(&self, word: &str, answer: &str) {
        self.shared
            .inner
            .lock()
            .expect("lock")
            .answers
            .push((word.to_owned(), answer.to_owned()));
    }

    /// From now on requests wait until [`Self::release`].
    pub fn hold(&self) {
        *self.shared.held.lock().expect("lock") = true;
    }

    /// From now on requests answer at once.
    pub fn stop_holding(&self) {
        *self.shared.held.lock().expect("lock") = false;
    }

    /// Lets `count` held requests answer.
    pub fn release(&self, count: usize) {
        self.shared.gate.add_permits(count);
    }

    /// Waits until `count` requests have arrived in all.
    pub async fn wait_for_requests(&self, count: usize) {
        loop {
            // Registered before the count is read, so an arrival in between is not missed.
            let arrived = self.shared.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if self.received().len() >= count {
                return;
            }
            arrived.await;
        }
    }

    /// The most requests it was answering at one time.
    pub fn most_in_flight(&self) -> usize {
        self.shared.inner.lock().expect("lock").most_in_flight
    }
}
