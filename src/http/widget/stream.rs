//! `GET /widget/{channel}/stream`: the visitor's live connection, as server-sent events read
//! with `fetch` (an `EventSource` cannot send the token header). With `Last-Event-ID` (the last
//! message id the widget has) it first replays what the visitor missed from the store, then
//! goes live; it registers with the hub before replaying, so a message committed in between
//! comes either way and is sent once.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::json;
use tokio::sync::mpsc;

use super::Visiting;
use super::hub::{Push, Registration};
use super::views::MessageView;
use crate::domain::MessageId;
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::store::WebChatVisitorKey;

/// Messages read from the store per replay query.
const REPLAY_BATCH: i64 = 200;
/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Connection {
    state: AppState,
    channel: String,
    scope: String,
    visitor: connector_webchat::VisitorId,
    _registration: Registration,
    live: mpsc::Receiver<Push>,
    /// Replayed messages not sent yet.
    backlog: VecDeque<SseEvent>,
    /// The highest message id sent: live copies up to it were already sent.
    sent_up_to: i64,
    replaying: bool,
    /// The newest visitor message reported seen, so a repeat is not sent again.
    last_seen: i64,
}

/// `GET /widget/{channel}/stream`
pub async fn stream(
    State(state): State<AppState>,
    visiting: Visiting,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let Visiting { context, visitor } = visiting;
    let after = match headers.get("last-event-id") {
        None => 0,
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok())
            .filter(|id| *id >= 0)
            .ok_or_else(|| ApiError::BadRequest("Last-Event-ID: expected a message id".into()))?,
    };
    let external = visitor.external_id();
    let (registration, live) = state.widgets.hub.register(context.name(), &external);
    let connection = Connection {
        channel: context.name().to_owned(),
        scope: context.channel.scope().to_owned(),
        visitor,
        state: state.clone(),
        _registration: registration,
        live,
        backlog: VecDeque::new(),
        sent_up_to: after,
        replaying: true,
        last_seen: 0,
    };
    let shutdown = state.shutdown.clone();
    let events = futures_util::stream::unfold(connection, |mut connection| async move {
        let event = connection.next().await?;
        Some((Ok(event), connection))
    });
    let events = futures_util::StreamExt::take_until(events, shutdown.cancelled_owned());
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

impl Connection {
    /// The next event for the widget; `None` ends the stream (dropped by the hub, database
    /// gone), and the widget reconnects.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                return Some(event);
            }
            if self.replaying {
                self.replay().await?;
                continue;
            }
            match self.live.recv().await? {
                Push::Message(message) => {
                    if message.id.get() <= self.sent_up_to {
                        continue;
                    }
                    return Some(self.message_event(&message).await);
                }
                Push::Status {
                    conversation,
                    status,
                } => {
                    return Some(named(
                        "status",
                        &json!({"conversation_id": conversation.get(), "status": status}),
                    ));
                }
                Push::Typing { typing, name } => {
                    return Some(named("typing", &json!({"typing": typing, "name": name})));
                }
                Push::Seen { up_to } => {
                    if self.last_seen < up_to.get() {
                        self.last_seen = up_to.get();
                        return Some(named("seen", &json!({"up_to": up_to.get()})));
                    }
                }
            }
        }
    }

    /// Reads the next batch the visitor missed into the backlog.
    async fn replay(&mut self) -> Option<()> {
        let key = WebChatVisitorKey {
            channel: &self.channel,
            scope: &self.scope,
            visitor: &self.visitor.external_id(),
        };
        let history = match self
            .state
            .store
            .web_chat_history(&key, MessageId::new(self.sent_up_to), REPLAY_BATCH)
            .await
        {
            Ok(history) => history,
            Err(err) => {
                tracing::warn!(error = %err, "web chat stream: replay failed");
                return None;
            }
        };
        self.replaying = history.messages.len() as i64 == REPLAY_BATCH;
        for message in &history.messages {
            let event = self.message_event(message).await;
            self.backlog.push_back(event);
        }
        Some(())
    }

    async fn message_event(&mut self, message: &crate::domain::Message) -> SseEvent {
        self.sent_up_to = self.sent_up_to.max(message.id.get());
        let view: Option<MessageView> = self
            .state
            .widgets
            .views(&self.state, std::slice::from_ref(message), &self.visitor)
            .await
            .pop();
        SseEvent::default()
            .id(message.id.get().to_string())
            .event("message")
            .json_data(&view)
            .unwrap_or_else(|_| SseEvent::default().comment("unencodable message"))
    }
}

fn named(name: &str, data: &serde_json::Value) -> SseEvent {
    SseEvent::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| SseEvent::default().comment("unencodable event"))
}
