#![allow(dead_code)] // the fake speaks more of the protocol than every test uses
//! In-process fake of Discord (REST API v10 + gateway WebSocket) for integration tests.
//!
//! The fake listens on `127.0.0.1:<random port>` and serves:
//!
//! * REST under `/api/v10/...` (plain HTTP). Point serenity at it with
//!   `HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true)`; serenity only
//!   honours the proxy when its ratelimiter is disabled.
//! * The gateway at `ws://127.0.0.1:<port>/gw` (returned by `GET /api/v10/gateway`), speaking JSON
//!   text frames: Hello (op 10) → Identify (op 2) → READY (op 0, s = 1) → dispatches.
//!
//! Ids handed out by the fake (messages, threads) start at 5000 and increase; pick ids below 5000
//! for the channels, guilds and users your tests invent. A DM channel created through
//! `POST /users/@me/channels` for a user that has no DM channel yet gets id
//! [`FakeDiscord::DM_CHANNEL_BASE`]` + user_id` (see [`FakeDiscord::dm_channel_id`]).
//!
//! A press of a message's button ([`FakeDiscord::press_button`]) is dispatched as
//! `INTERACTION_CREATE` (type 3, message component); its answer
//! (`POST /interactions/{id}/{token}/callback`) is checked like Discord does (the token must
//! match, one answer per interaction) and recorded ([`FakeDiscord::interaction_callbacks`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

/// Upper bound for every `wait_for_*` helper.
const WAIT_LIMIT: Duration = Duration::from_secs(20);

/// Gateway heartbeat interval announced in Hello (long, to keep tests quiet).
const HEARTBEAT_INTERVAL_MS: u64 = 45_000;

/// First id handed out for messages and threads.
const FIRST_ID: u64 = 5000;

/// One REST request received by the fake.
#[derive(Clone, Debug)]
pub struct Request {
    /// HTTP method, upper case (`"GET"`, `"POST"`, ...).
    pub method: String,
    /// Path including the query string, e.g. `/api/v10/channels/100/messages?after=5000&limit=100`.
    pub path: String,
    /// JSON body; `Value::Null` when the body was empty, a JSON string holding the raw text when it
    /// was not JSON (e.g. multipart uploads).
    pub body: Value,
}

/// Handle to a running fake Discord. Cheap to clone; all clones share the same state.
#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
}

struct Shared {
    addr: SocketAddr,
    inner: Mutex<Inner>,
    identify_notify: Notify,
    request_notify: Notify,
}

/// What the gateway connection task should do next.
enum Outgoing {
    /// Send this JSON text frame.
    Frame(String),
    /// Send close code 4000 and drop the socket.
    Close,
}

/// The identified gateway session (at most one at a time).
struct Session {
    conn: u64,
    seq: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

struct Failure {
    path_part: String,
    status: u16,
    body: Value,
}

struct Inner {
    next_id: u64,
    next_conn: u64,
    /// Known user names by id (authors of posted messages).
    users: HashMap<u64, String>,
    /// Channel objects by id.
    channels: HashMap<u64, Value>,
    /// Messages by channel, ascending by id.
    messages: HashMap<u64, Vec<Value>>,
    /// DM channel id by recipient user id.
    dm_by_user: HashMap<u64, u64>,
    requests: Vec<Request>,
    failures: Vec<Failure>,
    identifies: Vec<Value>,
    session: Option<Session>,
    /// Interactions dispatched: id → (token, answered).
    interactions: HashMap<u64, (String, bool)>,
    callbacks: Vec<InteractionCallback>,
}

/// An answer to an interaction (`POST /interactions/{id}/{token}/callback`) that the fake
/// accepted.
#[derive(Clone, Debug)]
pub struct InteractionCallback {
    pub interaction_id: u64,
    /// The interaction response: `{"type": 4, "data": {...}}`.
    pub body: Value,
}

/// Status plus optional JSON body (None = 204 No Content).
type Reply = (StatusCode, Option<Value>);

impl FakeDiscord {
    /// The bot user's id (`GET /users/@me`, READY, author of messages sent through REST).
    pub const BOT_ID: u64 = 1000;

    /// Base for DM channel ids created by the fake: `DM_CHANNEL_BASE + recipient_id`.
    pub const DM_CHANNEL_BASE: u64 = 9_000_000;

    /// Binds `127.0.0.1:0` and starts serving REST and the gateway on a background task.
    ///
    /// # Panics
    /// Panics if the loopback listener cannot be bound (the test cannot proceed anyway).
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake discord: cannot bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("fake discord: bound listener has a local address");
        let fake = FakeDiscord {
            shared: Arc::new(Shared {
                addr,
                inner: Mutex::new(Inner {
                    next_id: FIRST_ID,
                    next_conn: 0,
                    users: HashMap::new(),
                    channels: HashMap::new(),
                    messages: HashMap::new(),
                    dm_by_user: HashMap::new(),
                    requests: Vec::new(),
                    failures: Vec::new(),
                    identifies: Vec::new(),
                    session: None,
                    interactions: HashMap::new(),
                    callbacks: Vec::new(),
                }),
                identify_notify: Notify::new(),
                request_notify: Notify::new(),
            }),
        };
        let app = Router::new()
            .route("/gw", get(gateway_upgrade))
            .fallback(rest_entry)
            .with_state(fake.clone());
        tokio::spawn(async move {
            // The server runs until the test runtime shuts down.
            let _ = axum::serve(listener, app).await;
        });
        fake
    }

    /// `"http://127.0.0.1:P"`: pass this to serenity's `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `"ws://127.0.0.1:P/gw"`: the gateway URL returned by `GET /api/v10/gateway`.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gw", self.shared.addr)
    }

    /// Puts a message into channel `channel_id` as if user `author_id` (name `author_name`) wrote
    /// it: it is stored in the channel's history (for `GET .../messages` backfill) AND, if a
    /// gateway session is connected, dispatched as `MESSAGE_CREATE` with the next sequence number.
    /// Returns the new message id (increasing, starting at 5000). `guild_id` is included in the
    /// dispatch when `Some` (guild channel) and omitted for DMs.
    ///
    /// The first message into an unknown channel registers it: as a guild text channel (type 0)
    /// when `guild_id` is `Some`, otherwise as the DM channel (type 1) with `author_id`.
    pub fn post_message(
        &self,
        channel_id: u64,
        guild_id: Option<u64>,
        author_id: u64,
        author_name: &str,
        content: &str,
    ) -> u64 {
        let mut g = self.lock();
        g.users.insert(author_id, author_name.to_string());
        g.ensure_channel(channel_id, guild_id, author_id);
        let msg = g.new_message(channel_id, guild_id, author_id, content, None);
        let id = id_of(&msg);
        g.dispatch("MESSAGE_CREATE", msg);
        id
    }

    /// Edits a stored message and dispatches `MESSAGE_UPDATE` (full message object including
    /// `edited_timestamp`).
    ///
    /// # Panics
    /// Panics if the message does not exist (a bug in the test).
    pub fn edit_message(&self, channel_id: u64, message_id: u64, content: &str) {
        let mut g = self.lock();
        let Some(msg) = g.edit(channel_id, message_id, content) else {
            panic!("fake discord: edit_message: no message {message_id} in channel {channel_id}");
        };
        g.dispatch("MESSAGE_UPDATE", msg);
    }

    /// Deletes a stored message and dispatches `MESSAGE_DELETE {id, channel_id, guild_id?}`.
    ///
    /// # Panics
    /// Panics if the message does not exist (a bug in the test).
    pub fn delete_message(&self, channel_id: u64, message_id: u64) {
        let mut g = self.lock();
        let Some(event) = g.delete(channel_id, message_id) else {
            panic!("fake discord: delete_message: no message {message_id} in channel {channel_id}");
        };
        g.dispatch("MESSAGE_DELETE", event);
    }

    /// User `user_id` presses the button `custom_id` under message `message_id` of channel
    /// `channel_id`: dispatches `INTERACTION_CREATE` (type 3, component type 2) the way Discord
    /// does, with `user` in a DM and `member.user` in a guild. Returns the interaction id.
    ///
    /// # Panics
    /// Panics if the message does not exist (a bug in the test).
    pub fn press_button(
        &self,
        channel_id: u64,
        message_id: u64,
        user_id: u64,
        custom_id: &str,
    ) -> u64 {
        let mut g = self.lock();
        let Some((_, message)) = g.find(channel_id, message_id) else {
            panic!("fake discord: press_button: no message {message_id} in channel {channel_id}");
        };
        let id = g.alloc_id();
        let token = format!("interaction-token-{id}");
        g.interactions.insert(id, (token.clone(), false));
        let user = g.user_json(user_id);
        let mut interaction = json!({
            "version": 1,
            "type": 3,
            "id": id.to_string(),
            "application_id": Self::BOT_ID.to_string(),
            "token": token,
            "channel_id": channel_id.to_string(),
            "channel": {"id": channel_id.to_string(), "type": g.channels.get(&channel_id).map_or(json!(1), |c| c["type"].clone())},
            "locale": "en-US",
            "app_permissions": "562949953601536",
            "entitlements": [],
            "authorizing_integration_owners": {"0": Self::BOT_ID.to_string()},
            "attachment_size_limit": 10_485_760,
            "message": message,
            "data": {"custom_id": custom_id, "component_type": 2},
        });
        match g.guild_of(channel_id) {
            Some(guild) => {
                interaction["guild_id"] = json!(guild.to_string());
                interaction["guild_locale"] = json!("en-US");
                interaction["context"] = json!(0);
                interaction["member"] = json!({
                    "user": user, "roles": [], "joined_at": now_rfc3339(), "premium_since": null,
                    "deaf": false, "mute": false, "flags": 0, "pending": false, "nick": null,
                    "avatar": null, "permissions": "2248473465835073",
                    "communication_disabled_until": null,
                });
            }
            None => {
                interaction["context"] = json!(1);
                interaction["user"] = user;
            }
        }
        g.dispatch("INTERACTION_CREATE", interaction);
        id
    }

    /// Every interaction answer the fake accepted, in order.
    pub fn interaction_callbacks(&self) -> Vec<InteractionCallback> {
        self.lock().callbacks.clone()
    }

    /// Closes the current gateway WebSocket abruptly (close code 4000) so the client must
    /// reconnect. Until the client identifies again, `post_message` only stores history.
    ///
    /// serenity reacts by resuming (op 6); the fake answers Invalid Session (op 9, `d: false`), so
    /// serenity re-identifies through its shard queuer (boots are spaced 5 s apart).
    pub fn drop_gateway(&self) {
        let mut g = self.lock();
        if let Some(session) = g.session.take() {
            let _ = session.tx.send(Outgoing::Close);
        }
    }

    /// True while an identified gateway session is live (dispatches are delivered).
    pub fn gateway_connected(&self) -> bool {
        self.lock().session.is_some()
    }

    /// Waits until the client has identified (op 2) at least `n` times in total.
    ///
    /// # Panics
    /// Panics after 20 s with the number of identifies seen so far.
    pub async fn wait_for_identify(&self, n: usize) {
        let waited = tokio::time::timeout(WAIT_LIMIT, async {
            loop {
                let notified = self.shared.identify_notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.lock().identifies.len() >= n {
                    return;
                }
                notified.await;
            }
        })
        .await;
        if waited.is_err() {
            let seen = self.lock().identifies.len();
            panic!(
                "fake discord: timed out after {WAIT_LIMIT:?} waiting for {n} identifies (saw {seen})"
            );
        }
    }

    /// Payloads (`d`) of every Identify (op 2) received, in order (token, intents, properties...).
    pub fn identifies(&self) -> Vec<Value> {
        self.lock().identifies.clone()
    }

    /// Every REST request received, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// Waits until at least `n` REST requests with method `method` and a path (incl. query)
    /// containing `path_part` exist; returns all matching requests.
    ///
    /// # Panics
    /// Panics after 20 s, listing the requests seen.
    pub async fn wait_for_requests(&self, method: &str, path_part: &str, n: usize) -> Vec<Request> {
        let matching = |fake: &Self| -> Vec<Request> {
            fake.lock()
                .requests
                .iter()
                .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.contains(path_part))
                .cloned()
                .collect()
        };
        let waited = tokio::time::timeout(WAIT_LIMIT, async {
            loop {
                let notified = self.shared.request_notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let found = matching(self);
                if found.len() >= n {
                    return found;
                }
                notified.await;
            }
        })
        .await;
        match waited {
            Ok(found) => found,
            Err(_) => {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.path))
                    .collect();
                panic!(
                    "fake discord: timed out after {WAIT_LIMIT:?} waiting for {n} x {method} *{path_part}*; saw {seen:#?}"
                );
            }
        }
    }

    /// The next REST call whose path contains `path_part` fails once with HTTP `status` and JSON
    /// `body`. For 429 the fake also sets `Retry-After` / `X-RateLimit-*` headers from the body's
    /// `retry_after` and `global`. Several failures may be queued; each is used once, in order.
    pub fn fail_next(&self, path_part: &str, status: u16, body: Value) {
        self.lock().failures.push(Failure {
            path_part: path_part.to_string(),
            status,
            body,
        });
    }

    /// Id of the DM channel with `user_id`, creating (registering) it if needed. Matches what
    /// `POST /users/@me/channels` returns for that user.
    pub fn dm_channel_id(&self, user_id: u64) -> u64 {
        let mut g = self.lock();
        id_of(&g.dm_channel(user_id))
    }

    /// Registers a guild text channel (type 0) so REST calls see it before any message exists.
    pub fn add_guild_channel(&self, channel_id: u64, guild_id: u64) {
        self.lock()
            .channels
            .insert(channel_id, text_channel_json(channel_id, guild_id));
    }

    /// Current stored history of a channel, oldest first.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.lock()
            .messages
            .get(&channel_id)
            .cloned()
            .unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    // ---------------------------------------------------------------- gateway

    async fn run_gateway(self, socket: WebSocket) {
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let conn = {
            let mut g = self.lock();
            g.next_conn += 1;
            g.next_conn
        };
        let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}});
        if sink
            .send(WsMessage::Text(hello.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(Outgoing::Frame(text)) => {
                        if sink.send(WsMessage::Text(text.into())).await.is_err() {
                            break;
                        }
                    }
                    Some(Outgoing::Close) | None => {
                        let close = CloseFrame { code: 4000, reason: "fake discord: dropped".into() };
                        let _ = sink.send(WsMessage::Close(Some(close))).await;
                        break;
                    }
                },
                incoming = stream.next() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => self.on_gateway_frame(conn, &tx, text.as_str()),
                    Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
            }
        }
        let mut g = self.lock();
        if g.session.as_ref().is_some_and(|s| s.conn == conn) {
            g.session = None;
        }
    }

    fn on_gateway_frame(&self, conn: u64, tx: &mpsc::UnboundedSender<Outgoing>, text: &str) {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            return;
        };
        match frame["op"].as_u64() {
            Some(1) => {
                let ack = json!({"op": 11, "s": null, "t": null, "d": null});
                let _ = tx.send(Outgoing::Frame(ack.to_string()));
            }
            Some(2) => {
                {
                    let mut g = self.lock();
                    g.identifies.push(frame["d"].clone());
                    let session_no = g.identifies.len();
                    let previous = g.session.replace(Session {
                        conn,
                        seq: 1,
                        tx: tx.clone(),
                    });
                    if let Some(old) = previous.filter(|old| old.conn != conn) {
                        let _ = old.tx.send(Outgoing::Close);
                    }
                    let ready = json!({
                        "op": 0, "s": 1, "t": "READY",
                        "d": {
                            "v": 10,
                            "user": g.user_json(Self::BOT_ID),
                            "guilds": [],
                            "session_id": format!("fake-session-{session_no}"),
                            "resume_gateway_url": self.gateway_url(),
                            "shard": [0, 1],
                            "application": {"id": Self::BOT_ID.to_string(), "flags": 0},
                        }
                    });
                    let _ = tx.send(Outgoing::Frame(ready.to_string()));
                }
                self.shared.identify_notify.notify_waiters();
            }
            Some(6) => {
                // Resume is not supported: make the client re-identify.
                let invalid = json!({"op": 9, "s": null, "t": null, "d": false});
                let _ = tx.send(Outgoing::Frame(invalid.to_string()));
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- REST

    fn handle_rest(&self, method: &str, uri: &Uri, body: Value) -> Response {
        let full_path = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string());
        let mut g = self.lock();
        g.requests.push(Request {
            method: method.to_string(),
            path: full_path.clone(),
            body: body.clone(),
        });
        if let Some(pos) = g
            .failures
            .iter()
            .position(|f| full_path.contains(&f.path_part))
        {
            let failure = g.failures.remove(pos);
            return failure_response(failure);
        }
        let Some(rest) = uri.path().strip_prefix("/api/v10") else {
            return reply(not_found());
        };
        let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let query = uri.query().unwrap_or("");
        let result = match (method, segs.as_slice()) {
            ("GET", ["gateway"]) => ok(json!({"url": self.gateway_url()})),
            ("GET", ["gateway", "bot"]) => ok(json!({
                "url": self.gateway_url(),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            })),
            ("GET", ["users", "@me"]) => ok(g.user_json(Self::BOT_ID)),
            ("POST", ["users", "@me", "channels"]) => match parse_id(&body["recipient_id"]) {
                Some(user) => ok(g.dm_channel(user)),
                None => invalid_form("recipient_id", "This field is required"),
            },
            ("GET", ["channels", ch]) => with_id(ch, |ch| match g.channels.get(&ch) {
                Some(channel) => ok(channel.clone()),
                None => unknown_channel(),
            }),
            ("GET", ["channels", ch, "messages"]) => with_id(ch, |ch| g.list_messages(ch, query)),
            ("GET", ["channels", ch, "messages", mid]) => with_id(ch, |ch| {
                with_id(mid, |mid| match g.find(ch, mid) {
                    Some((_, msg)) => ok(msg),
                    None => unknown_message(),
                })
            }),
            ("POST", ["channels", ch, "messages"]) => {
                with_id(ch, |ch| g.create_bot_message(ch, &body))
            }
            ("PATCH", ["channels", ch, "messages", mid]) => with_id(ch, |ch| {
                with_id(mid, |mid| {
                    let Some(content) = body["content"].as_str() else {
                        return match g.find(ch, mid) {
                            Some((_, msg)) => ok(msg),
                            None => unknown_message(),
                        };
                    };
                    match g.edit(ch, mid, content) {
                        Some(msg) => {
                            g.dispatch("MESSAGE_UPDATE", msg.clone());
                            ok(msg)
                        }
                        None => unknown_message(),
                    }
                })
            }),
            ("DELETE", ["channels", ch, "messages", mid]) => with_id(ch, |ch| {
                with_id(mid, |mid| match g.delete(ch, mid) {
                    Some(event) => {
                        g.dispatch("MESSAGE_DELETE", event);
                        (StatusCode::NO_CONTENT, None)
                    }
                    None => unknown_message(),
                })
            }),
            ("POST", ["channels", ch, "messages", mid, "threads"]) => with_id(ch, |ch| {
                with_id(mid, |mid| g.create_thread(ch, Some(mid), &body))
            }),
            ("POST", ["channels", ch, "threads"]) => {
                with_id(ch, |ch| g.create_thread(ch, None, &body))
            }
            ("POST", ["interactions", id, token, "callback"]) => {
                with_id(id, |id| g.answer_interaction(id, token, &body))
            }
            ("POST", ["channels", _, "typing"])
            | ("PUT" | "DELETE", ["channels", _, "messages", _, "reactions", ..]) => {
                (StatusCode::NO_CONTENT, None)
            }
            _ => not_found(),
        };
        reply(result)
    }
}

// -------------------------------------------------------------------- state helpers

impl Inner {
    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn user_json(&self, id: u64) -> Value {
        if id == FakeDiscord::BOT_ID {
            return json!({
                "id": id.to_string(), "username": "supportbot", "discriminator": "0",
                "global_name": null, "avatar": null, "bot": true
            });
        }
        let name = self
            .users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("user{id}"));
        json!({
            "id": id.to_string(), "username": name, "discriminator": "0",
            "global_name": null, "avatar": null, "bot": false
        })
    }

    fn ensure_channel(&mut self, channel_id: u64, guild_id: Option<u64>, author_id: u64) {
        if self.channels.contains_key(&channel_id) {
            return;
        }
        let channel = match guild_id {
            Some(guild) => text_channel_json(channel_id, guild),
            None => {
                self.dm_by_user.entry(author_id).or_insert(channel_id);
                json!({
                    "id": channel_id.to_string(), "type": 1, "last_message_id": null,
                    "recipients": [self.user_json(author_id)], "flags": 0
                })
            }
        };
        self.channels.insert(channel_id, channel);
    }

    fn dm_channel(&mut self, user_id: u64) -> Value {
        let channel_id = *self
            .dm_by_user
            .entry(user_id)
            .or_insert(FakeDiscord::DM_CHANNEL_BASE + user_id);
        self.ensure_channel(channel_id, None, user_id);
        self.channels
            .get(&channel_id)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn guild_of(&self, channel_id: u64) -> Option<u64> {
        self.channels
            .get(&channel_id)
            .and_then(|c| parse_id(&c["guild_id"]))
    }

    /// Builds, stores and returns a new message.
    fn new_message(
        &mut self,
        channel_id: u64,
        guild_id: Option<u64>,
        author_id: u64,
        content: &str,
        reference: Option<Value>,
    ) -> Value {
        let id = self.alloc_id();
        let mut msg = json!({
            "id": id.to_string(),
            "channel_id": channel_id.to_string(),
            "author": self.user_json(author_id),
            "content": content,
            "timestamp": now_rfc3339(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": false,
            "type": 0,
            "flags": 0,
        });
        if let Some(guild) = guild_id {
            msg["guild_id"] = json!(guild.to_string());
        }
        if let Some(reference) = reference {
            let referenced = parse_id(&reference["message_id"]).and_then(|mid| {
                let ref_channel = parse_id(&reference["channel_id"]).unwrap_or(channel_id);
                self.find(ref_channel, mid).map(|(_, m)| m)
            });
            let mut reference_json = json!({
                "message_id": reference["message_id"].clone(),
                "channel_id": reference.get("channel_id").cloned().unwrap_or_else(|| json!(channel_id.to_string())),
            });
            if let Some(guild) = guild_id {
                reference_json["guild_id"] = json!(guild.to_string());
            }
            msg["message_reference"] = reference_json;
            msg["referenced_message"] = referenced.unwrap_or(Value::Null);
            msg["type"] = json!(19);
        }
        self.messages
            .entry(channel_id)
            .or_default()
            .push(msg.clone());
        if let Some(channel) = self.channels.get_mut(&channel_id) {
            channel["last_message_id"] = json!(id.to_string());
        }
        msg
    }

    fn find(&self, channel_id: u64, message_id: u64) -> Option<(usize, Value)> {
        self.messages
            .get(&channel_id)?
            .iter()
            .enumerate()
            .find(|(_, m)| id_of(m) == message_id)
            .map(|(i, m)| (i, m.clone()))
    }

    fn edit(&mut self, channel_id: u64, message_id: u64, content: &str) -> Option<Value> {
        let (index, _) = self.find(channel_id, message_id)?;
        let msg = self.messages.get_mut(&channel_id)?.get_mut(index)?;
        msg["content"] = json!(content);
        msg["edited_timestamp"] = json!(now_rfc3339());
        Some(msg.clone())
    }

    /// Removes a message; returns the MESSAGE_DELETE payload.
    fn delete(&mut self, channel_id: u64, message_id: u64) -> Option<Value> {
        let (index, msg) = self.find(channel_id, message_id)?;
        self.messages.get_mut(&channel_id)?.remove(index);
        let mut event = json!({"id": message_id.to_string(), "channel_id": channel_id.to_string()});
        if let Some(guild) = msg.get("guild_id").filter(|g| !g.is_null()) {
            event["guild_id"] = guild.clone();
        }
        Some(event)
    }

    /// Sends an op 0 dispatch on the live session, if any.
    fn dispatch(&mut self, event_name: &str, data: Value) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.seq += 1;
        let frame = json!({"op": 0, "s": session.seq, "t": event_name, "d": data});
        if session.tx.send(Outgoing::Frame(frame.to_string())).is_err() {
            self.session = None;
        }
    }

    fn list_messages(&self, channel_id: u64, query: &str) -> Reply {
        let Some(all) = self.messages.get(&channel_id) else {
            return if self.channels.contains_key(&channel_id) {
                ok(json!([]))
            } else {
                unknown_channel()
            };
        };
        let limit = query_param(query, "limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(50)
            .clamp(1, 100);
        let after = query_param(query, "after").and_then(|v| v.parse::<u64>().ok());
        let before = query_param(query, "before").and_then(|v| v.parse::<u64>().ok());
        // `all` is oldest first; Discord answers newest first.
        let mut selected: Vec<Value> = if let Some(after) = after {
            all.iter()
                .filter(|m| id_of(m) > after)
                .take(limit)
                .cloned()
                .collect()
        } else {
            let older: Vec<&Value> = all
                .iter()
                .filter(|m| before.is_none_or(|b| id_of(m) < b))
                .collect();
            let start = older.len().saturating_sub(limit);
            older[start..].iter().map(|m| (*m).clone()).collect()
        };
        selected.reverse();
        ok(Value::Array(selected))
    }

    fn create_bot_message(&mut self, channel_id: u64, body: &Value) -> Reply {
        let content = body["content"].as_str().unwrap_or("");
        let non_empty = |key: &str| body[key].as_array().is_some_and(|a| !a.is_empty());
        if content.is_empty()
            && !non_empty("embeds")
            && !non_empty("attachments")
            && !non_empty("sticker_ids")
        {
            return (
                StatusCode::BAD_REQUEST,
                Some(json!({"message": "Cannot send an empty message", "code": 50006})),
            );
        }
        if content.chars().count() > 2000 {
            return invalid_form_with(
                "content",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 2000 or fewer in length.",
            );
        }
        let reference = body
            .get("message_reference")
            .filter(|r| r.is_object())
            .cloned();
        let guild_id = self.guild_of(channel_id);
        let msg = self.new_message(
            channel_id,
            guild_id,
            FakeDiscord::BOT_ID,
            content,
            reference,
        );
        self.dispatch("MESSAGE_CREATE", msg.clone());
        ok(msg)
    }

    /// An interaction response: 204 once per interaction with its token; Discord's errors
    /// otherwise (10062 unknown or expired, 40060 already acknowledged, 50035 bad body).
    fn answer_interaction(&mut self, id: u64, token: &str, body: &Value) -> Reply {
        let Some((expected, answered)) = self.interactions.get_mut(&id) else {
            return (
                StatusCode::NOT_FOUND,
                Some(json!({"message": "Unknown interaction", "code": 10062})),
            );
        };
        if expected != token {
            return (
                StatusCode::UNAUTHORIZED,
                Some(json!({"message": "Invalid interaction token", "code": 50027})),
            );
        }
        if *answered {
            return (
                StatusCode::BAD_REQUEST,
                Some(
                    json!({"message": "Interaction has already been acknowledged.", "code": 40060}),
                ),
            );
        }
        if !matches!(body["type"].as_u64(), Some(1 | 4..=9 | 12)) {
            return invalid_form_with(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 4, 5, 6, 7, 8, 9, 12}.",
            );
        }
        *answered = true;
        self.callbacks.push(InteractionCallback {
            interaction_id: id,
            body: body.clone(),
        });
        (StatusCode::NO_CONTENT, None)
    }

    fn create_thread(&mut self, parent_id: u64, message_id: Option<u64>, body: &Value) -> Reply {
        let Some(name) = body["name"].as_str().filter(|n| !n.is_empty()) else {
            return invalid_form("name", "This field is required");
        };
        let Some(guild_id) = self.guild_of(parent_id) else {
            return match self.channels.get(&parent_id) {
                Some(_) => (
                    StatusCode::BAD_REQUEST,
                    Some(
                        json!({"message": "Cannot execute action on this channel type", "code": 50024}),
                    ),
                ),
                None => unknown_channel(),
            };
        };
        let (thread_id, kind) = match message_id {
            Some(mid) => {
                if self.find(parent_id, mid).is_none() {
                    return unknown_message();
                }
                if self.channels.contains_key(&mid) {
                    return (
                        StatusCode::BAD_REQUEST,
                        Some(
                            json!({"message": "A thread has already been created for this message", "code": 160004}),
                        ),
                    );
                }
                // Discord gives a thread started from a message the message's id.
                (mid, 11)
            }
            None => (self.alloc_id(), body["type"].as_u64().unwrap_or(12)),
        };
        let archive = body["auto_archive_duration"].as_u64().unwrap_or(1440);
        let now = now_rfc3339();
        let thread = json!({
            "id": thread_id.to_string(),
            "type": kind,
            "guild_id": guild_id.to_string(),
            "parent_id": parent_id.to_string(),
            "owner_id": FakeDiscord::BOT_ID.to_string(),
            "name": name,
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": false,
                "auto_archive_duration": archive,
                "archive_timestamp": now,
                "locked": false,
                "create_timestamp": now,
            },
        });
        self.channels.insert(thread_id, thread.clone());
        if let Some(mid) = message_id
            && let Some((index, _)) = self.find(parent_id, mid)
            && let Some(msg) = self
                .messages
                .get_mut(&parent_id)
                .and_then(|v| v.get_mut(index))
        {
            msg["thread"] = thread.clone();
        }
        let mut event = thread.clone();
        event["newly_created"] = json!(true);
        self.dispatch("THREAD_CREATE", event);
        (StatusCode::CREATED, Some(thread))
    }
}

// -------------------------------------------------------------------- axum handlers

async fn gateway_upgrade(State(fake): State<FakeDiscord>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| fake.run_gateway(socket))
}

async fn rest_entry(
    State(fake): State<FakeDiscord>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    let response = fake.handle_rest(method.as_str(), &uri, body);
    fake.shared.request_notify.notify_waiters();
    response
}

// -------------------------------------------------------------------- small helpers

fn ok(value: Value) -> Reply {
    (StatusCode::OK, Some(value))
}

fn not_found() -> Reply {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "404: Not Found", "code": 0})),
    )
}

fn unknown_channel() -> Reply {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "Unknown Channel", "code": 10003})),
    )
}

fn unknown_message() -> Reply {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "Unknown Message", "code": 10008})),
    )
}

fn invalid_form(field: &str, message: &str) -> Reply {
    invalid_form_with(field, "BASE_TYPE_REQUIRED", message)
}

fn invalid_form_with(field: &str, code: &str, message: &str) -> Reply {
    (
        StatusCode::BAD_REQUEST,
        Some(json!({
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {field: {"_errors": [{"code": code, "message": message}]}}
        })),
    )
}

/// Parses a snowflake path segment and runs `f`, or answers 404.
fn with_id(segment: &str, f: impl FnOnce(u64) -> Reply) -> Reply {
    match segment.parse::<u64>() {
        Ok(id) => f(id),
        Err(_) => not_found(),
    }
}

fn reply((status, body): Reply) -> Response {
    match body {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    }
}

fn failure_response(failure: Failure) -> Response {
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = failure.body["retry_after"].as_f64();
    let global = failure.body["global"].as_bool().unwrap_or(false);
    let mut response = (status, axum::Json(failure.body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let headers = response.headers_mut();
        let secs = retry_after.unwrap_or(1.0);
        if let Ok(v) = HeaderValue::from_str(&format!("{}", secs.ceil())) {
            headers.insert(HeaderName::from_static("retry-after"), v);
        }
        if let Ok(v) = HeaderValue::from_str(&format!("{secs:.3}")) {
            headers.insert(HeaderName::from_static("x-ratelimit-reset-after"), v);
        }
        headers.insert(
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderValue::from(0u32),
        );
        headers.insert(
            HeaderName::from_static("x-ratelimit-scope"),
            HeaderValue::from_static(if global { "global" } else { "user" }),
        );
        if global {
            headers.insert(
                HeaderName::from_static("x-ratelimit-global"),
                HeaderValue::from_static("true"),
            );
        }
    }
    response
}

fn text_channel_json(channel_id: u64, guild_id: u64) -> Value {
    json!({
        "id": channel_id.to_string(),
        "type": 0,
        "guild_id": guild_id.to_string(),
        "name": format!("channel-{channel_id}"),
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "parent_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

/// Snowflake from a JSON string or number.
fn parse_id(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn id_of(msg: &Value) -> u64 {
    parse_id(&msg["id"]).unwrap_or(0)
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

/// Current time as Discord's RFC 3339 form, e.g. `2024-01-01T00:00:00.000000+00:00`.
fn now_rfc3339() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn query_parsing() {
        assert_eq!(
            query_param("after=5&limit=100", "limit").as_deref(),
            Some("100")
        );
        assert_eq!(query_param("after=5", "before"), None);
    }
}
