//! The live side of the widget on this node: which visitors have a stream open, and what of
//! the event bus and of presence reaches them. One task reads the bus and presence for all
//! connections, so an idle connection costs a map entry and a small channel, not a
//! subscription of its own; a connection that cannot keep up is dropped, and the widget
//! reconnects and replays what it missed from the store (`Last-Event-ID`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::domain::{ConversationId, ConversationStatus, EventKind, Message, MessageKind};
use crate::http::AppState;
use crate::http::presence::PresenceView;

/// Pushes waiting per connection before it counts as stuck and is dropped.
const CONNECTION_BUFFER: usize = 32;
/// Conversations whose visitor is remembered before the cache starts over.
const CACHE_LIMIT: usize = 100_000;

/// Something for one visitor's open widget.
#[derive(Debug, Clone)]
pub enum Push {
    Message(Arc<Message>),
    Status {
        conversation: ConversationId,
        status: ConversationStatus,
    },
    /// Agents typing in the visitor's conversation (the first one's name).
    Typing {
        typing: bool,
        name: Option<String>,
    },
    /// An agent has the conversation open: what the visitor sent up to this message is seen.
    Seen {
        up_to: crate::domain::MessageId,
    },
}

/// `(channel, visitor id)`.
type VisitorKey = (String, String);
/// A visitor's open connections: (connection id, its channel).
type Senders = Vec<(u64, mpsc::Sender<Push>)>;

/// The open widget connections of this node.
#[derive(Default)]
pub struct Hub {
    connections: Mutex<HashMap<VisitorKey, Senders>>,
    /// Which visitor a conversation belongs to (`None`: not a web chat conversation).
    owners: Mutex<HashMap<ConversationId, Option<VisitorKey>>>,
    next_id: AtomicU64,
    /// Typing state last pushed per conversation, so a presence change that is not about
    /// typing does not repeat it.
    typing: Mutex<HashMap<ConversationId, bool>>,
}

/// An open connection's place in the hub; leaving drops it.
pub struct Registration {
    hub: Arc<Hub>,
    key: VisitorKey,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Ok(mut connections) = self.hub.connections.lock()
            && let Some(list) = connections.get_mut(&self.key)
        {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                connections.remove(&self.key);
            }
        }
    }
}

impl Hub {
    /// Opens a connection for `visitor` of `channel`: what arrives for them comes out of the
    /// receiver until the registration is dropped.
    pub fn register(
        self: &Arc<Self>,
        channel: &str,
        visitor: &str,
    ) -> (Registration, mpsc::Receiver<Push>) {
        let (sender, receiver) = mpsc::channel(CONNECTION_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let key = (channel.to_owned(), visitor.to_owned());
        if let Ok(mut connections) = self.connections.lock() {
            connections
                .entry(key.clone())
                .or_default()
                .push((id, sender));
        }
        (
            Registration {
                hub: self.clone(),
                key,
                id,
            },
            receiver,
        )
    }

    /// Open connections on this node.
    pub fn connection_count(&self) -> usize {
        self.connections
            .lock()
            .map(|connections| connections.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    fn has_connections(&self) -> bool {
        self.connections
            .lock()
            .map(|connections| !connections.is_empty())
            .unwrap_or(false)
    }

    /// Remembers a conversation's visitor (the widget just made it).
    pub fn learn(&self, conversation: ConversationId, channel: &str, visitor: &str) {
        if let Ok(mut owners) = self.owners.lock() {
            if owners.len() >= CACHE_LIMIT {
                owners.clear();
            }
            owners.insert(conversation, Some((channel.to_owned(), visitor.to_owned())));
        }
    }

    /// A visitor became another (an anonymous visitor signed in): their conversations' pushes
    /// go to the new id from now on.
    pub fn rename(&self, channel: &str, from: &str, to: &str) {
        if let Ok(mut owners) = self.owners.lock() {
            for owner in owners.values_mut().flatten() {
                if owner.0 == channel && owner.1 == from {
                    owner.1 = to.to_owned();
                }
            }
        }
    }

    /// Sends `push` to every connection of `key`; a full or closed one is dropped.
    fn send(&self, key: &VisitorKey, push: &Push) {
        let Ok(mut connections) = self.connections.lock() else {
            return;
        };
        if let Some(list) = connections.get_mut(key) {
            list.retain(|(_, sender)| sender.try_send(push.clone()).is_ok());
            if list.is_empty() {
                connections.remove(key);
            }
        }
    }

    fn is_connected(&self, key: &VisitorKey) -> bool {
        self.connections
            .lock()
            .map(|connections| connections.contains_key(key))
            .unwrap_or(false)
    }

    /// The visitor of `conversation` when it is a web chat conversation, from the cache or
    /// the store.
    async fn owner(&self, state: &AppState, conversation: ConversationId) -> Option<VisitorKey> {
        if let Ok(owners) = self.owners.lock()
            && let Some(known) = owners.get(&conversation)
        {
            return known.clone();
        }
        let found = match state
            .store
            .web_chat_conversation_visitor(conversation)
            .await
        {
            Ok(found) => found.map(|(channel, _scope, visitor)| (channel, visitor)),
            // Not cached: the next event asks again.
            Err(err) => {
                tracing::warn!(error = %err, "web chat: looking up a conversation's visitor");
                return None;
            }
        };
        if let Ok(mut owners) = self.owners.lock() {
            if owners.len() >= CACHE_LIMIT {
                owners.clear();
            }
            owners.insert(conversation, found.clone());
        }
        found
    }

    async fn on_event(&self, state: &AppState, event: &crate::domain::Event) {
        let Some(conversation) = event.conversation_id else {
            return;
        };
        if !matches!(
            event.kind,
            EventKind::MessageCreated
                | EventKind::MessageRedacted
                | EventKind::ConversationStatusChanged
        ) || !self.has_connections()
        {
            return;
        }
        let Some(key) = self.owner(state, conversation).await else {
            return;
        };
        if !self.is_connected(&key) {
            return;
        }
        match event.kind {
            EventKind::ConversationStatusChanged => {
                let status = event
                    .data
                    .get("to")
                    .and_then(|status| status.as_str())
                    .and_then(|status| status.parse::<ConversationStatus>().ok());
                if let Some(status) = status {
                    self.send(
                        &key,
                        &Push::Status {
                            conversation,
                            status,
                        },
                    );
                }
            }
            _ => {
                let Some(id) = event.message_id else {
                    return;
                };
                match state.store.get_message(id).await {
                    Ok(message) if message.kind == MessageKind::Message => {
                        self.send(&key, &Push::Message(Arc::new(message)));
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "web chat: reading a new message"),
                }
            }
        }
    }

    async fn on_presence(&self, state: &AppState, view: &PresenceView) {
        if !self.has_connections() {
            return;
        }
        let Some(key) = self.owner(state, view.conversation_id).await else {
            return;
        };
        let typist = view.viewers.iter().find(|viewer| viewer.typing);
        let typing = typist.is_some();
        let changed = self
            .typing
            .lock()
            .map(|mut pushed| {
                let before = pushed.insert(view.conversation_id, typing).unwrap_or(false);
                if !typing {
                    pushed.remove(&view.conversation_id);
                }
                before != typing
            })
            .unwrap_or(true);
        if changed {
            self.send(
                &key,
                &Push::Typing {
                    typing,
                    name: typist.map(|viewer| viewer.name.clone()),
                },
            );
        }
        if !view.viewers.is_empty() {
            match state.store.last_inbound_message(view.conversation_id).await {
                Ok(Some(up_to)) => self.send(&key, &Push::Seen { up_to }),
                Ok(None) => {}
                Err(err) => tracing::warn!(error = %err, "web chat: reading what was seen"),
            }
        }
    }
}

/// Feeds the hub from the event bus and presence until shutdown.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let hub = state.widgets.hub.clone();
    let mut events = state.events.subscribe();
    let mut presence = state.presence.subscribe();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => hub.on_event(&state, &event).await,
                // A lagging hub lost events: the connections are dropped so their widgets
                // reconnect and replay from the store rather than miss a message.
                Err(broadcast::error::RecvError::Lagged(_)) => hub.drop_all(),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            view = presence.recv() => match view {
                Ok(view) => hub.on_presence(&state, &view).await,
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            () = shutdown.cancelled() => return,
        }
    }
}

impl Hub {
    fn drop_all(&self) {
        if let Ok(mut connections) = self.connections.lock() {
            connections.clear();
        }
    }
}
