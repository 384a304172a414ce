#![allow(dead_code)] // the fake speaks more of the protocol than every test uses
//! In-process fake of the Telegram Bot API for integration tests.
//!
//! [`FakeBotApi::start`] serves a tiny axum app on `127.0.0.1:<random port>`; point a
//! teloxide `Bot` at it with `Bot::new(token).set_api_url(fake.url().parse()?)`.
//!
//! **Fakes:** `getMe`, `getWebhookInfo`, `setWebhook`, `deleteWebhook`, `getUpdates` (a real
//! long poll with `offset`/`limit`/`timeout`; `update_id < offset` confirms and forgets),
//! `sendMessage`, `sendPhoto`, `sendDocument` (teloxide-core 0.13 always sends the last two as
//! multipart/form-data, even for `InputFile::url`/`file_id`), `getFile` and file downloads
//! from `/file/bot<token>/<path>`. Two `getUpdates` of the bot at once conflict as on the real
//! API: the older one, still waiting, is answered `409 Conflict: terminated by other getUpdates
//! request; …` and the newer one is served; [`FakeBotApi::conflicts`] counts those answers and
//! [`FakeBotApi::max_concurrent_get_updates`] says how many polls were ever pending at once, so
//! a test can assert that only one poller ran. Method names match case-insensitively (teloxide sends
//! `GetMe`). Parameters may come as a JSON body, multipart/form-data or a query string.
//! Errors use 4xx codes, except [`Failure::ServerError`] (teloxide sleeps 10 s after any 5xx,
//! so a test should use it sparingly).
//!
//! **Does not fake:** any other method (they answer 404 `Not Found: method <m>`), webhook
//! delivery, url-encoded form bodies, `allowed_updates` filtering, negative `offset`s, the 409
//! conflict between a set webhook and `getUpdates`, real rate limits, entity/markup validation, or
//! a base URL with a path prefix.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// A canned failure returned once by the next call of a method, see [`FakeBotApi::fail_next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 429 with `parameters.retry_after` (teloxide: `RequestError::RetryAfter`).
    TooManyRequests {
        /// Seconds the client is told to wait.
        retry_after: u64,
    },
    /// HTTP 403 with this description, e.g. `"Forbidden: bot was blocked by the user"`.
    Forbidden(String),
    /// HTTP 400 with this description, e.g. `"Bad Request: chat not found"`.
    BadRequest(String),
    /// HTTP 500 with the Bot API's JSON error body (Telegram having a bad minute).
    ServerError,
}

/// One API call as the fake received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The method name, lowercased (`"sendmessage"`).
    pub method: String,
    /// The parameters as a JSON object. Multipart and query-string text fields are JSON strings;
    /// uploaded files are `{"file_name": .., "len": ..}`, placed under the field that referenced
    /// them via `attach://<part>` (teloxide's way), else under the part's own name.
    pub params: Value,
}

/// Mutable state behind one lock; never held across an `.await`.
#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    last_update_id: i64,
    last_message_id: i64,
    calls: Vec<Call>,
    sent: Vec<Call>,
    offsets: Vec<i64>,
    failures: HashMap<String, VecDeque<Failure>>,
    files: HashMap<String, (String, Vec<u8>)>,
    webhook_url: String,
    /// Numbers the `getUpdates` calls; a waiting one whose number is no longer the newest was
    /// superseded by another poller.
    newest_poll: u64,
    /// `getUpdates` calls being answered now, and the most there ever were at once.
    polling: usize,
    max_polling: usize,
    /// `getUpdates` calls answered 409 because a newer one arrived.
    conflicts: usize,
}

impl Inner {
    /// Registers a `getUpdates` call and returns its number.
    fn start_poll(&mut self) -> u64 {
        self.newest_poll += 1;
        self.polling += 1;
        self.max_polling = self.max_polling.max(self.polling);
        self.newest_poll
    }
}

/// Counts a `getUpdates` as pending until its answer is sent or its client goes away (axum
/// drops the handler then).
struct PendingPoll<'a>(&'a Shared);

impl Drop for PendingPoll<'_> {
    fn drop(&mut self) {
        self.0.lock().polling -= 1;
    }
}

/// The real API's answer to the older of two concurrent `getUpdates` of one bot.
pub const CONFLICT_DESCRIPTION: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

struct Shared {
    token: String,
    inner: Mutex<Inner>,
    /// Woken (all waiters) whenever an update is pushed.
    updates_changed: Notify,
    /// Woken (all waiters) whenever a call is recorded.
    calls_changed: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while holding the lock, and the data stays consistent if it did.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Aborts the server task when the last [`FakeBotApi`] clone is dropped.
struct ServerTask(JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running fake Bot API server. Cheap to clone (clones share state); the server stops when
/// the last clone is dropped.
#[derive(Clone)]
pub struct FakeBotApi {
    shared: Arc<Shared>,
    url: String,
    _server: Arc<ServerTask>,
}

impl FakeBotApi {
    /// Starts on 127.0.0.1:0 (random port) for bot token `token`.
    ///
    /// Panics if no loopback port can be bound (nothing a test could do about it).
    pub async fn start(token: &str) -> Self {
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            inner: Mutex::new(Inner::default()),
            updates_changed: Notify::new(),
            calls_changed: Notify::new(),
        });
        let app = Router::new()
            .route("/file/{bot}/{*path}", get(download))
            .route("/{bot}/{method}", any(api))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Bot API needs a free port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a bound TCP listener has a local address");
        let server = tokio::spawn(async move {
            // Only ends on an accept error or when aborted; nothing to report either way.
            let _ = axum::serve(listener, app).await;
        });
        Self {
            shared,
            url: format!("http://{addr}/"),
            _server: Arc::new(ServerTask(server)),
        }
    }

    /// Base URL to give teloxide: "http://127.0.0.1:PORT/" (with trailing slash).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Queues an update; assigns and returns its update_id (1, 2, 3, ...), inserting
    /// "update_id" into the JSON object (a non-object is wrapped as `{"update_id": ..}`);
    /// wakes long polls.
    pub fn push_update(&self, update: Value) -> i64 {
        let mut update = Value::Object(update.as_object().cloned().unwrap_or_default());
        let id = {
            let mut inner = self.shared.lock();
            inner.last_update_id += 1;
            update["update_id"] = json!(inner.last_update_id);
            inner.updates.push_back(update);
            inner.last_update_id
        };
        self.shared.updates_changed.notify_waiters();
        id
    }

    /// Every API call received, in order (method lowercased). Multipart text fields become
    /// JSON string fields; file parts become {"file_name": .., "len": ..}. Calls with a wrong
    /// token are not recorded; failed and unknown-method calls are.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Params of every successful sendmessage/sendphoto/senddocument, in order.
    pub fn sent(&self) -> Vec<Call> {
        self.shared.lock().sent.clone()
    }

    /// The `offset` values of every getUpdates call, in order (0 when absent).
    pub fn offsets(&self) -> Vec<i64> {
        self.shared.lock().offsets.clone()
    }

    /// How many `getUpdates` were answered 409 because another poller of the bot called it.
    pub fn conflicts(&self) -> usize {
        self.shared.lock().conflicts
    }

    /// The most `getUpdates` calls ever pending at once: 1 while a single poller runs.
    pub fn max_concurrent_get_updates(&self) -> usize {
        self.shared.lock().max_polling
    }

    /// Forgets the failures still queued for `method` (an outage ends).
    pub fn clear_failures(&self, method: &str) {
        self.shared
            .lock()
            .failures
            .remove(&method.to_ascii_lowercase());
    }

    /// Makes the next call of `method` (case-insensitive) fail once with `failure`.
    /// Several failures for one method are used up in the order given.
    pub fn fail_next(&self, method: &str, failure: Failure) {
        let mut inner = self.shared.lock();
        inner
            .failures
            .entry(method.to_ascii_lowercase())
            .or_default()
            .push_back(failure);
    }

    /// Registers a downloadable file for getFile and /file/bot<token>/<path>.
    pub fn add_file(&self, file_id: &str, file_path: &str, bytes: Vec<u8>) {
        let mut inner = self.shared.lock();
        inner
            .files
            .insert(file_id.to_owned(), (file_path.to_owned(), bytes));
    }

    /// Waits until at least `n` calls of `method` (case-insensitive) were received and returns
    /// all calls of that method. A call is recorded when it arrives, so a long-polling
    /// `getUpdates` counts while still in flight.
    ///
    /// Panics after 10 s with the calls seen so far.
    pub async fn wait_for_calls(&self, method: &str, n: usize) -> Vec<Call> {
        let method = method.to_ascii_lowercase();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.shared.calls_changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a call recorded in between still wakes us.
            notified.as_mut().enable();
            let matching = self.calls_of(&method);
            if matching.len() >= n {
                return matching;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let seen: Vec<String> = self.calls().into_iter().map(|c| c.method).collect();
                panic!(
                    "FakeBotApi::wait_for_calls: no {n} `{method}` call(s) in 10 s; saw {seen:?}"
                );
            }
        }
    }

    fn calls_of(&self, method: &str) -> Vec<Call> {
        let calls = self.calls().into_iter();
        calls.filter(|c| c.method == method).collect()
    }
}

/// `{"ok":true,"result":..}` with HTTP 200.
fn ok(result: Value) -> Response {
    Json(json!({"ok": true, "result": result})).into_response()
}

/// `{"ok":false,..}` with the HTTP status equal to `error_code`.
fn error(status: StatusCode, description: &str) -> Response {
    let body = json!({"ok": false, "error_code": status.as_u16(), "description": description});
    (status, Json(body)).into_response()
}

fn failure_response(failure: Failure) -> Response {
    match failure {
        Failure::TooManyRequests { retry_after } => {
            let body = json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after},
            });
            (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
        }
        Failure::Forbidden(description) => error(StatusCode::FORBIDDEN, &description),
        Failure::BadRequest(description) => error(StatusCode::BAD_REQUEST, &description),
        Failure::ServerError => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    }
}

/// A parameter as an integer, whether it came as a JSON number or a string (multipart, query).
fn int_param(params: &Value, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn str_param<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn bot_user() -> Value {
    json!({"id": 1, "is_bot": true, "first_name": "Switchboard", "username": "switchboard_bot"})
}

/// Reads the call's parameters from the query string plus the body (JSON or multipart).
async fn read_params(req: Request) -> Result<Value, String> {
    let mut params = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .map(|Query(q)| q.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
        .unwrap_or_else(|_| Map::new());
    let content_type = req.headers().get(header::CONTENT_TYPE);
    if content_type.is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data")) {
        params.extend(read_multipart(req).await?);
    } else {
        let body = Bytes::from_request(req, &())
            .await
            .map_err(|e| e.body_text())?;
        if !body.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice(&body).map_err(|e| format!("can't parse JSON: {e}"))? {
                Value::Object(map) => params.extend(map),
                _ => return Err("the JSON body must be an object".into()),
            }
        }
    }
    Ok(Value::Object(params))
}

/// Text parts become strings, file parts `{"file_name","len"}`; `attach://<part>` references
/// are replaced by the file they name.
async fn read_multipart(req: Request) -> Result<Map<String, Value>, String> {
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| e.body_text())?;
    let (mut fields, mut files) = (Map::new(), Map::new());
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let len = field.bytes().await.map_err(|e| e.body_text())?.len();
            files.insert(name, json!({"file_name": file_name, "len": len}));
        } else {
            fields.insert(
                name,
                Value::String(field.text().await.map_err(|e| e.body_text())?),
            );
        }
    }
    for value in fields.values_mut() {
        let attached = value.as_str().and_then(|s| s.strip_prefix("attach://"));
        if let Some(file) = attached.and_then(|part| files.remove(part)) {
            *value = file;
        }
    }
    fields.extend(files);
    Ok(fields)
}

async fn api(
    State(shared): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    req: Request,
) -> Response {
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let method = method.to_ascii_lowercase();
    let params = match read_params(req).await {
        Ok(params) => params,
        Err(why) => return error(StatusCode::BAD_REQUEST, &format!("Bad Request: {why}")),
    };
    let (failure, poll) = {
        let mut inner = shared.lock();
        inner.calls.push(Call {
            method: method.clone(),
            params: params.clone(),
        });
        if method == "getupdates" {
            let offset = int_param(&params, "offset").unwrap_or(0);
            inner.offsets.push(offset);
        }
        let failure = inner
            .failures
            .get_mut(&method)
            .and_then(VecDeque::pop_front);
        // Registered with the call, so a test that saw the call knows which poll is older.
        let poll = (method == "getupdates" && failure.is_none()).then(|| inner.start_poll());
        (failure, poll)
    };
    let _pending = poll.map(|_| PendingPoll(&shared));
    shared.calls_changed.notify_waiters();
    if poll.is_some() {
        // An older poll still waiting wakes up and finds itself superseded.
        shared.updates_changed.notify_waiters();
    }
    if let Some(failure) = failure {
        return failure_response(failure);
    }
    match method.as_str() {
        "getme" => ok(json!({
            "id": 1, "is_bot": true, "first_name": "Switchboard", "username": "switchboard_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "has_main_web_app": false,
        })),
        "getwebhookinfo" => {
            let url = shared.lock().webhook_url.clone();
            ok(json!({"url": url, "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "setwebhook" | "deletewebhook" => {
            let url = str_param(&params, "url").filter(|_| method == "setwebhook");
            shared.lock().webhook_url = url.unwrap_or_default().to_owned();
            ok(json!(true))
        }
        "getupdates" => get_updates(&shared, &params, poll.unwrap_or_default()).await,
        "sendmessage" | "sendphoto" | "senddocument" => send(&shared, &method, params),
        // The button press was seen; Telegram stops the button's spinner (and shows `text`).
        "answercallbackquery" => match str_param(&params, "callback_query_id") {
            Some(id) if !id.is_empty() => ok(json!(true)),
            _ => error(
                StatusCode::BAD_REQUEST,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            ),
        },
        "getfile" => {
            let file_id = str_param(&params, "file_id").unwrap_or_default();
            match shared.lock().files.get(file_id) {
                Some((path, bytes)) => ok(json!({
                    "file_id": file_id,
                    "file_unique_id": format!("U{file_id}"),
                    "file_size": bytes.len(),
                    "file_path": path,
                })),
                None => error(StatusCode::BAD_REQUEST, "Bad Request: invalid file_id"),
            }
        }
        other => error(StatusCode::NOT_FOUND, &format!("Not Found: method {other}")),
    }
}

/// Forgets confirmed updates, then returns pending ones at once or long-polls for new ones;
/// answers 409 once a newer poll (number `poll` is this one's) has arrived.
async fn get_updates(shared: &Shared, params: &Value, poll: u64) -> Response {
    let offset = int_param(params, "offset").unwrap_or(0);
    let limit = int_param(params, "limit").map_or(100, |l| l.clamp(1, 100));
    let timeout = int_param(params, "timeout").map_or(0, |t| t.clamp(0, 50)); // 50 s as Telegram
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout.unsigned_abs());
    loop {
        let notified = shared.updates_changed.notified();
        tokio::pin!(notified);
        // Register before looking, so an update pushed in between still wakes us.
        notified.as_mut().enable();
        let pending: Vec<Value> = {
            let mut inner = shared.lock();
            if inner.newest_poll != poll {
                inner.conflicts += 1;
                return error(StatusCode::CONFLICT, CONFLICT_DESCRIPTION);
            }
            inner
                .updates
                .retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            let limit = usize::try_from(limit).unwrap_or(100);
            inner.updates.iter().take(limit).cloned().collect()
        };
        if !pending.is_empty() || tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(Value::Array(pending));
        }
    }
}

/// sendMessage / sendPhoto / sendDocument: answers with a Message teloxide can deserialize.
fn send(shared: &Shared, method: &str, params: Value) -> Response {
    let Some(chat_id) = int_param(&params, "chat_id") else {
        return error(StatusCode::BAD_REQUEST, "Bad Request: chat not found");
    };
    let chat = if chat_id >= 0 {
        json!({"id": chat_id, "type": "private", "first_name": "Customer"})
    } else {
        json!({"id": chat_id, "type": "supergroup", "title": "Group"})
    };
    let date = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut message = json!({"date": date, "chat": chat, "from": bot_user()});
    match method {
        "sendmessage" => match str_param(&params, "text").filter(|t| !t.is_empty()) {
            Some(text) => message["text"] = json!(text),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: message text is empty",
                );
            }
        },
        "sendphoto" => {
            message["photo"] =
                json!([{"file_id": "P1", "file_unique_id": "UP1", "width": 1, "height": 1}]);
        }
        _ => {
            let file_name = params
                .pointer("/document/file_name")
                .and_then(Value::as_str)
                .unwrap_or("document");
            message["document"] =
                json!({"file_id": "D1", "file_unique_id": "UD1", "file_name": file_name});
        }
    }
    if let Some(caption) = str_param(&params, "caption").filter(|_| method != "sendmessage") {
        message["caption"] = json!(caption);
    }
    let mut inner = shared.lock();
    inner.last_message_id = inner.last_message_id.max(999) + 1;
    message["message_id"] = json!(inner.last_message_id);
    inner.sent.push(Call {
        method: method.to_owned(),
        params,
    });
    ok(message)
}

/// `GET /file/bot<token>/<path>`: the registered bytes, 404 if unknown, 401 on a wrong token.
async fn download(
    State(shared): State<Arc<Shared>>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    if bot.strip_prefix("bot") != Some(shared.token.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let files = shared.lock().files.clone();
    match files.values().find(|(file_path, _)| *file_path == path) {
        Some((_, bytes)) => bytes.clone().into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}
