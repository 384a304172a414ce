//! `GET /api/v1/events`: the event log as server-sent events.
//!
//! With `Last-Event-ID` the stream first replays what the client missed from the log, then
//! goes live; a client that falls behind the live broadcast is caught up from the log too, so
//! no event is skipped.
//!
//! Marketers get campaign events and opt-outs only (they may not read conversations), and no
//! presence.

use crate::domain::access::Visibility;
use crate::store::Store;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use tokio::sync::broadcast;

use super::views::EventView;
use crate::domain::{Event, EventId, EventKind, Role};
use crate::http::AppState;
use crate::http::auth::{Authorized, Everyone};
use crate::http::error::{ApiError, ApiResult};

/// Events fetched from the log per catch-up query.
const CATCH_UP_BATCH: i64 = 500;

struct Cursor {
    state: AppState,
    live: broadcast::Receiver<Arc<Event>>,
    backlog: VecDeque<Event>,
    /// The id of the last event sent; `None` before the first when the client gave no id.
    last: Option<i64>,
    /// True when the backlog must be refilled from the log before going live again.
    catching_up: bool,
    /// The highest id replayed from the log: live copies up to it were already sent.
    replayed_up_to: i64,
}

/// `GET /api/v1/events`
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id")),
    responses((status = 200, content_type = "text/event-stream", body = EventView,
        description = "Server-sent events, one per logged event: `id:` the event id, `event:` its kind, `data:` the event as JSON (schema `Event`, one of the `*Event` schemas by `kind`). Presence updates come as `event: presence`, and changes of an agent's availability or capacity as `event: availability` (`{agent_id, availability}`), both without an id. Comment lines keep the connection alive.")),
    security(("bearer" = ["admin", "agent", "marketer"])))]
pub async fn stream_events(
    caller: Authorized<Everyone>,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let last = match headers.get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::BadRequest("Last-Event-ID: expected an event id".into())
                })?,
        ),
    };
    let presence = state.clone();
    let recheck_state = state.clone();
    let visibility = state.visibility(&caller);
    let store = state.store.clone();
    // Subscribe before reading the log, so nothing committed in between is missed.
    let live = state.events.subscribe();
    let cursor = Cursor {
        state,
        live,
        backlog: VecDeque::new(),
        last,
        catching_up: last.is_some(),
        replayed_up_to: 0,
    };
    let role = caller.role;
    let stream = futures_util::stream::unfold(cursor, move |mut cursor| {
        let (visibility, store) = (visibility.clone(), store.clone());
        async move {
            loop {
                let event = cursor.next().await?;
                if is_visible_to(role, event.kind)
                    && is_within_reach(&store, &visibility, &event).await
                {
                    return Some((Ok(to_sse(&event)), cursor));
                }
            }
        }
    });
    let stream: BoxStream<'static, Result<SseEvent, Infallible>> = if role == Role::Marketer {
        Box::pin(stream)
    } else {
        // Presence (who is viewing or typing) rides along, unlogged and without ids.
        Box::pin(crate::http::presence::merge_into(stream, &presence))
    };
    // The stream ends when the credential it was opened with does (revoked, signed out, ...).
    let ended = crate::http::auth::credential_ended(recheck_state, headers, caller.0.clone());
    Ok(Sse::new(stream.take_until(ended)).keep_alive(KeepAlive::default()))
}

/// Whether the conversation or contact `event` is about is one `visibility` shows (an agent
/// limited to their teams gets no events of other teams' conversations). Asked of the
/// database per event, with the predicate the lists use, as an assignment can change what is
/// visible at any time. A database error hides the event: the stream must not leak.
async fn is_within_reach(store: &Store, visibility: &Visibility, event: &Event) -> bool {
    if *visibility == Visibility::All {
        return true;
    }
    let checked = match (event.conversation_id, event.contact_id) {
        (Some(conversation), _) => {
            store
                .is_conversation_visible(conversation, visibility)
                .await
        }
        (None, Some(contact)) => store.is_contact_visible(contact, visibility).await,
        (None, None) => Ok(true),
    };
    checked.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "event stream could not check visibility; event withheld");
        false
    })
}

/// Whether a caller with `role` may see events of `kind`: marketers see their campaigns'
/// progress, opt-outs, erasures and merges (to drop an erased contact from their own lists
/// and follow a merged one), not the conversations and contacts behind them.
fn is_visible_to(role: Role, kind: EventKind) -> bool {
    match role {
        Role::Admin | Role::Agent => true,
        Role::Marketer => matches!(
            kind,
            EventKind::CampaignStarted
                | EventKind::CampaignProgress
                | EventKind::CampaignFinished
                | EventKind::ContactUnsubscribed
                | EventKind::ContactErased
                | EventKind::ContactMerged
                | EventKind::ContactMergeUndone
        ),
    }
}

impl Cursor {
    /// The next event to send, or `None` when the stream must end (shutdown, database gone).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last = Some(event.id.get());
                self.replayed_up_to = self.replayed_up_to.max(event.id.get());
                return Some(event);
            }
            if self.catching_up {
                let after = EventId::new(self.last.unwrap_or(0));
                match self.state.store.list_events(after, CATCH_UP_BATCH).await {
                    Ok(events) => {
                        self.catching_up = events.len() as i64 == CATCH_UP_BATCH;
                        self.backlog.extend(events);
                        continue;
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "event stream catch-up failed");
                        return None;
                    }
                }
            }
            let received = tokio::select! {
                received = self.live.recv() => received,
                () = self.state.shutdown.cancelled() => return None,
            };
            match received {
                Ok(event) => {
                    // Skip what the catch-up already sent.
                    if event.id.get() <= self.replayed_up_to {
                        continue;
                    }
                    self.last = Some(event.id.get());
                    return Some(Event::clone(&event));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.catching_up = true;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn to_sse(event: &Event) -> SseEvent {
    let view = EventView::from(event);
    SseEvent::default()
        .id(view.id.to_string())
        .event(view.kind.clone())
        .json_data(&view)
        .unwrap_or_else(|_| SseEvent::default().comment("unencodable event"))
}
