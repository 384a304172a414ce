//! Who is looking at which conversation, who is typing, and which agents have the web inbox
//! open. Viewers are ephemeral by design: kept in memory, broadcast on the event stream as
//! `presence` events, never written to the event log. Agents' availability follows their
//! inbox heartbeats, kept in the database: an agent whose heartbeats stop is set offline, so
//! the router stops giving them work.
//!
//! With several nodes (PostgreSQL) each change, and each change of an agent's availability,
//! is relayed to the other nodes with `NOTIFY` ([`run_relay`]), so every node knows every
//! viewer and streams the same presence and availability; the
//! heartbeats are one table, swept by one statement that hands each lapsed agent to one node.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::response::sse::Event as SseEvent;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::BroadcastStream;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use super::AppState;
use crate::domain::{AgentId, Availability, ConversationId};
use crate::store::AgentPatch;

/// A viewer who sent nothing for this long has left (the inbox refreshes every 15 s).
pub const VIEWER_TTL: Duration = Duration::from_secs(45);
/// "Typing" ends this long after the last keystroke report.
pub const TYPING_TTL: Duration = Duration::from_secs(8);
/// An agent whose inbox sent no heartbeat for this long is set offline.
pub const HEARTBEAT_TTL: Duration = Duration::from_secs(90);
/// How often expired entries are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(3);

/// What an agent is doing in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    Typing,
    Left,
}

/// One agent in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ViewerView {
    pub agent_id: AgentId,
    pub name: String,
    pub typing: bool,
}

/// The agents in a conversation now; also the data of the `presence` stream event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenceView {
    pub conversation_id: ConversationId,
    pub viewers: Vec<ViewerView>,
    /// The customer is typing in the website chat widget.
    #[serde(default)]
    pub visitor_typing: bool,
}

struct Viewer {
    name: String,
    seen: Instant,
    typing_until: Option<Instant>,
}

#[derive(Default)]
struct Inner {
    conversations: HashMap<ConversationId, HashMap<AgentId, Viewer>>,
    /// Until when the website chat visitor of a conversation is typing.
    visitors_typing: HashMap<ConversationId, Instant>,
}

/// One presence change, as relayed between nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresenceNote {
    /// The node where the agent reported it.
    pub node: String,
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub name: String,
    pub state: PresenceState,
    /// The change is the website chat visitor's (`agent` is then unused): `typing` or `left`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub visitor: bool,
}

/// A change reported on this node, waiting to be relayed (the last field: the visitor's).
type Change = (ConversationId, AgentId, String, PresenceState, bool);

/// What this node tells the others.
enum Outgoing {
    Presence(Change),
    Availability(AvailabilityView),
}

/// An agent's availability changed on another node, as relayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityNote {
    /// The node where it changed.
    pub node: String,
    pub agent_id: AgentId,
    pub availability: Availability,
}

/// The `LISTEN`/`NOTIFY` channel of presence changes.
pub const RELAY_CHANNEL: &str = "switchboard_presence";

/// The `LISTEN`/`NOTIFY` channel of availability changes (its own, so a node of an earlier
/// release, which does not listen to it, is not sent notes it cannot read).
pub const AVAILABILITY_CHANNEL: &str = "switchboard_availability";

/// An agent's availability (or capacity) changed; the data of the `availability` stream
/// event, which tells live boards to look again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityView {
    pub agent_id: AgentId,
    pub availability: Availability,
}

/// The in-memory presence registry and its broadcast.
pub struct Presence {
    inner: Mutex<Inner>,
    sender: broadcast::Sender<Arc<PresenceView>>,
    /// Changes of agents' availability, made on this node or relayed from another.
    availability: broadcast::Sender<AvailabilityView>,
    /// Changes reported on this node, for the relay to the others (several nodes only).
    relay: Mutex<Option<mpsc::UnboundedSender<Outgoing>>>,
}

impl Default for Presence {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(1024);
        let (availability, _) = broadcast::channel(256);
        Self {
            inner: Mutex::default(),
            sender,
            availability,
            relay: Mutex::new(None),
        }
    }
}

impl Presence {
    /// Records what `agent` is doing in `conversation` (reported on this node), broadcasts
    /// the change if it is one, relays it to the other nodes, and returns who is there now.
    pub fn update(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        name: &str,
        state: PresenceState,
    ) -> PresenceView {
        if let Ok(relay) = self.relay.lock()
            && let Some(relay) = relay.as_ref()
        {
            // A refresh is relayed too: it keeps the viewer alive on the other nodes.
            let _ = relay.send(Outgoing::Presence((
                conversation,
                agent,
                name.to_owned(),
                state,
                false,
            )));
        }
        self.apply(conversation, agent, name, state)
    }

    /// Records that the website chat visitor of `conversation` is typing (or stopped),
    /// reported on this node; broadcasts and relays it like an agent's change.
    pub fn visitor_typing(&self, conversation: ConversationId, typing: bool) -> PresenceView {
        let state = if typing {
            PresenceState::Typing
        } else {
            PresenceState::Left
        };
        if let Ok(relay) = self.relay.lock()
            && let Some(relay) = relay.as_ref()
        {
            let _ = relay.send(Outgoing::Presence((
                conversation,
                AgentId::new(0),
                String::new(),
                state,
                true,
            )));
        }
        self.apply_visitor(conversation, typing)
    }

    fn apply_visitor(&self, conversation: ConversationId, typing: bool) -> PresenceView {
        let now = Instant::now();
        let (view, changed) = {
            let Ok(mut inner) = self.inner.lock() else {
                return empty_view(conversation);
            };
            let before = inner.snapshot(conversation, now);
            if typing {
                inner.visitors_typing.insert(conversation, now + TYPING_TTL);
            } else {
                inner.visitors_typing.remove(&conversation);
            }
            let after = inner.snapshot(conversation, now);
            let changed = before != after;
            (after, changed)
        };
        if changed {
            let _ = self.sender.send(Arc::new(view.clone()));
        }
        view
    }

    /// Records a change reported on another node.
    pub fn apply_remote(&self, note: &PresenceNote) {
        if note.visitor {
            self.apply_visitor(note.conversation, note.state == PresenceState::Typing);
        } else {
            self.apply(note.conversation, note.agent, &note.name, note.state);
        }
    }

    fn apply(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        name: &str,
        state: PresenceState,
    ) -> PresenceView {
        let now = Instant::now();
        let (view, changed) = {
            let Ok(mut inner) = self.inner.lock() else {
                return empty_view(conversation);
            };
            let before = inner.snapshot(conversation, now);
            let viewers = inner.conversations.entry(conversation).or_default();
            match state {
                PresenceState::Left => {
                    viewers.remove(&agent);
                }
                PresenceState::Viewing | PresenceState::Typing => {
                    let viewer = viewers.entry(agent).or_insert_with(|| Viewer {
                        name: name.to_owned(),
                        seen: now,
                        typing_until: None,
                    });
                    viewer.seen = now;
                    viewer.name = name.to_owned();
                    viewer.typing_until =
                        (state == PresenceState::Typing).then(|| now + TYPING_TTL);
                }
            }
            if viewers.is_empty() {
                inner.conversations.remove(&conversation);
            }
            let after = inner.snapshot(conversation, now);
            let changed = before != after;
            (after, changed)
        };
        if changed {
            // Nobody listening is fine: presence is only for those looking.
            let _ = self.sender.send(Arc::new(view.clone()));
        }
        view
    }

    /// Who is in `conversation` now.
    pub fn viewers(&self, conversation: ConversationId) -> PresenceView {
        let now = Instant::now();
        match self.inner.lock() {
            Ok(inner) => inner.snapshot(conversation, now),
            Err(_) => empty_view(conversation),
        }
    }

    /// Forgets `agent` in every conversation (signed out): broadcasts and relays the
    /// conversations they left.
    pub fn forget(&self, agent: AgentId) {
        let left: Vec<ConversationId> = match self.inner.lock() {
            Ok(inner) => inner
                .conversations
                .iter()
                .filter(|(_, viewers)| viewers.contains_key(&agent))
                .map(|(id, _)| *id)
                .collect(),
            Err(_) => Vec::new(),
        };
        for conversation in left {
            self.update(conversation, agent, "", PresenceState::Left);
        }
    }

    /// Drops expired viewers and typing marks, broadcasting the changes.
    fn sweep(&self, now: Instant) {
        // A lapse is a change by itself: the last broadcast still says "typing" (or lists the
        // viewer), whatever a snapshot taken now would say.
        let mut changes = Vec::new();
        if let Ok(mut inner) = self.inner.lock() {
            let lapsed: Vec<ConversationId> = inner
                .visitors_typing
                .iter()
                .filter(|(_, until)| **until <= now)
                .map(|(conversation, _)| *conversation)
                .collect();
            for conversation in &lapsed {
                inner.visitors_typing.remove(conversation);
            }
            let visitors = inner.visitors_typing.clone();
            inner.conversations.retain(|conversation, viewers| {
                let before = viewers.len();
                viewers.retain(|_, viewer| now.duration_since(viewer.seen) < VIEWER_TTL);
                let mut changed = viewers.len() != before || lapsed.contains(conversation);
                for viewer in viewers.values_mut() {
                    if viewer.typing_until.is_some_and(|until| until <= now) {
                        viewer.typing_until = None;
                        changed = true;
                    }
                }
                if changed {
                    let visitor = visitors.get(conversation).copied();
                    changes.push(snapshot(*conversation, viewers, visitor, now));
                }
                !viewers.is_empty()
            });
            for conversation in lapsed {
                if !changes
                    .iter()
                    .any(|view| view.conversation_id == conversation)
                {
                    changes.push(inner.snapshot(conversation, now));
                }
            }
        }
        for view in changes {
            let _ = self.sender.send(Arc::new(view));
        }
    }

    /// A new listener for presence changes.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<PresenceView>> {
        self.sender.subscribe()
    }

    /// Tells the event streams of every node that `agent` is now `availability` (or that
    /// something else the live board shows of them changed): this node's at once, the
    /// others' through the relay.
    pub fn availability_changed(&self, agent: AgentId, availability: Availability) {
        let view = AvailabilityView {
            agent_id: agent,
            availability,
        };
        if let Ok(relay) = self.relay.lock()
            && let Some(relay) = relay.as_ref()
        {
            let _ = relay.send(Outgoing::Availability(view.clone()));
        }
        // Nobody listening is fine: the board reads the database when it is opened.
        let _ = self.availability.send(view);
    }

    /// An availability change relayed from another node: told to this node's streams only.
    fn apply_remote_availability(&self, note: &AvailabilityNote) {
        let _ = self.availability.send(AvailabilityView {
            agent_id: note.agent_id,
            availability: note.availability,
        });
    }
}

impl Inner {
    fn snapshot(&self, conversation: ConversationId, now: Instant) -> PresenceView {
        let visitor = self.visitors_typing.get(&conversation).copied();
        match self.conversations.get(&conversation) {
            Some(viewers) => snapshot(conversation, viewers, visitor, now),
            None => snapshot(conversation, &HashMap::new(), visitor, now),
        }
    }
}

fn empty_view(conversation: ConversationId) -> PresenceView {
    PresenceView {
        conversation_id: conversation,
        viewers: Vec::new(),
        visitor_typing: false,
    }
}

fn snapshot(
    conversation: ConversationId,
    viewers: &HashMap<AgentId, Viewer>,
    visitor_typing_until: Option<Instant>,
    now: Instant,
) -> PresenceView {
    let mut list: Vec<ViewerView> = viewers
        .iter()
        .filter(|(_, viewer)| now.duration_since(viewer.seen) < VIEWER_TTL)
        .map(|(agent, viewer)| ViewerView {
            agent_id: *agent,
            name: viewer.name.clone(),
            typing: viewer.typing_until.is_some_and(|until| until > now),
        })
        .collect();
    list.sort_by_key(|viewer| viewer.agent_id);
    PresenceView {
        conversation_id: conversation,
        viewers: list,
        visitor_typing: visitor_typing_until.is_some_and(|until| until > now),
    }
}

/// The event stream `logged` with presence changes mixed in; it ends when `logged` ends
/// (shutdown, database gone), whatever presence does.
pub fn merge_into<S>(
    logged: S,
    state: &AppState,
) -> impl Stream<Item = Result<SseEvent, Infallible>> + use<S>
where
    S: Stream<Item = Result<SseEvent, Infallible>>,
{
    // `None` marks the end of the logged stream and stops the merged one.
    let logged = logged
        .map(Some)
        .chain(futures_util::stream::once(async { None }));
    futures_util::stream::select(logged, sse_stream(state).map(Some))
        .take_while(|item| std::future::ready(item.is_some()))
        .filter_map(std::future::ready)
}

/// Presence changes as server-sent events named `presence`, and agents' availability
/// changes named `availability`, without an id: they are not in the log, so they must not
/// move a client's `Last-Event-ID`.
pub fn sse_stream(state: &AppState) -> impl Stream<Item = Result<SseEvent, Infallible>> + use<> {
    let shutdown = state.shutdown.clone();
    let viewers = BroadcastStream::new(state.presence.subscribe())
        // A lagging listener skips stale presence: the next change carries the whole list.
        .filter_map(|item| async move { item.ok() })
        .map(|view| {
            Ok(SseEvent::default()
                .event("presence")
                .json_data(&*view)
                .unwrap_or_else(|_| SseEvent::default().comment("unencodable presence")))
        });
    let availability = BroadcastStream::new(state.presence.availability.subscribe())
        .filter_map(|item| async move { item.ok() })
        .map(|view| {
            Ok(SseEvent::default()
                .event("availability")
                .json_data(&view)
                .unwrap_or_else(|_| SseEvent::default().comment("unencodable availability")))
        });
    futures_util::stream::select(viewers, availability).take_until(shutdown.cancelled_owned())
}

/// Sets `agent` to `availability` if it is not already, and wakes the router when that may
/// let waiting conversations in.
pub async fn set_availability(state: &AppState, agent: AgentId, availability: Availability) {
    let current = match state.store.get_agent(agent).await {
        Ok(found) => found.availability,
        Err(err) => {
            tracing::warn!(error = %err, %agent, "could not read the agent's availability");
            return;
        }
    };
    if current == availability {
        return;
    }
    let patch = AgentPatch {
        availability: Some(availability),
        ..AgentPatch::default()
    };
    if let Err(err) = state.store.update_agent(agent, &patch).await {
        tracing::warn!(error = %err, %agent, "could not change the agent's availability");
        return;
    }
    state.presence.availability_changed(agent, availability);
    if let Err(err) = state
        .router
        .agent_changed(agent, Some(availability), None)
        .await
    {
        tracing::warn!(error = %err, %agent, "could not release conversations");
    }
}

/// Sweeps expired presence until shutdown and sets agents whose inbox went quiet offline;
/// also prunes ended sessions, old login attempts and spent sign-in counters every few
/// minutes.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            () = tokio::time::sleep(SWEEP_EVERY) => {}
            () = shutdown.cancelled() => return,
        }
        state.presence.sweep(Instant::now());
        let lapsed = match state
            .store
            .take_lapsed_heartbeats(crate::domain::Millis::now().minus(HEARTBEAT_TTL))
            .await
        {
            Ok(lapsed) => lapsed,
            Err(err) => {
                tracing::warn!(error = %err, "could not read the inbox heartbeats");
                Vec::new()
            }
        };
        for agent in lapsed {
            tracing::info!(%agent, "web inbox heartbeats stopped; agent set offline");
            // One agent's update panicking must not stop the sweep for the others; `isolate`
            // has logged and counted it, and the next sweep finds the agent again.
            let offline = set_availability(&state, agent, Availability::Offline);
            let _ = crate::supervisor::isolate("presence", &state.metrics, offline).await;
        }
        ticks += 1;
        if ticks.is_multiple_of(100)
            && let Err(err) = super::session::prune(&state.store).await
        {
            tracing::warn!(error = %err, "could not prune web sessions");
        }
        if ticks.is_multiple_of(100)
            && let Err(err) = state.sign_in.prune().await
        {
            tracing::warn!(error = %err, "could not prune sign-in counters");
        }
    }
}

/// Relays this node's presence changes to the other nodes and applies theirs, until
/// `shutdown` (PostgreSQL; nothing to do on SQLite). A lost notification costs at most one
/// refresh period: the inbox reports what its agent views every 15 s.
///
/// # Errors
/// When the relay cannot listen at start (it is restarted by its supervisor).
pub async fn run_relay(state: AppState, shutdown: CancellationToken) -> anyhow::Result<()> {
    let Some(mut listener) = state
        .store
        .listen(&[RELAY_CHANNEL, AVAILABILITY_CHANNEL])
        .await?
    else {
        return Ok(());
    };
    let (sender, mut outbox) = mpsc::unbounded_channel();
    // A restarted relay replaces the sender of the run that failed.
    if let Ok(mut relay) = state.presence.relay.lock() {
        *relay = Some(sender);
    }
    let node = state.node.id().to_owned();
    loop {
        tokio::select! {
            change = outbox.recv() => {
                let (channel, payload) = match change {
                    None => return Ok(()),
                    Some(Outgoing::Presence((conversation, agent, name, presence, visitor))) => {
                        let note = PresenceNote {
                            node: node.clone(), conversation, agent, name, state: presence,
                            visitor,
                        };
                        (RELAY_CHANNEL, serde_json::to_string(&note)?)
                    }
                    Some(Outgoing::Availability(view)) => {
                        let note = AvailabilityNote {
                            node: node.clone(),
                            agent_id: view.agent_id,
                            availability: view.availability,
                        };
                        (AVAILABILITY_CHANNEL, serde_json::to_string(&note)?)
                    }
                };
                if let Err(err) = state.store.notify(channel, &payload).await {
                    tracing::warn!(error = %err, channel, "could not relay a change to the other nodes");
                }
            }
            received = listener.recv() => {
                let notification = received?;
                if notification.channel() == AVAILABILITY_CHANNEL {
                    match serde_json::from_str::<AvailabilityNote>(notification.payload()) {
                        Ok(note) if note.node != node => {
                            state.presence.apply_remote_availability(&note);
                        }
                        Ok(_) => {}
                        Err(err) => tracing::warn!(error = %err, "unreadable availability note"),
                    }
                    continue;
                }
                match serde_json::from_str::<PresenceNote>(notification.payload()) {
                    Ok(note) if note.node != node => state.presence.apply_remote(&note),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "unreadable presence note"),
                }
            }
            () = shutdown.cancelled() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_join_type_and_leave_with_one_broadcast_per_change() {
        let presence = Presence::default();
        let mut events = presence.subscribe();
        let (c, a, b) = (ConversationId::new(1), AgentId::new(1), AgentId::new(2));
        presence.update(c, a, "Ann", PresenceState::Viewing);
        presence.update(c, a, "Ann", PresenceState::Viewing);
        let view = presence.update(c, b, "Bob", PresenceState::Typing);
        assert_eq!(view.viewers.len(), 2);
        assert!(view.viewers[1].typing);
        assert_eq!(events.try_recv().unwrap().viewers.len(), 1);
        assert_eq!(events.try_recv().unwrap().viewers.len(), 2);
        assert!(
            events.try_recv().is_err(),
            "a repeated heartbeat is not a change"
        );
        presence.forget(a);
        assert_eq!(presence.viewers(c).viewers.len(), 1);
        assert_eq!(events.try_recv().unwrap().viewers[0].name, "Bob");
    }

    #[test]
    fn the_visitor_types_in_the_same_view_and_stops_by_word_or_by_time() {
        let presence = Presence::default();
        let mut events = presence.subscribe();
        let c = ConversationId::new(5);
        assert!(presence.visitor_typing(c, true).visitor_typing);
        assert!(events.try_recv().expect("typing").visitor_typing);
        presence.visitor_typing(c, true);
        assert!(events.try_recv().is_err(), "still typing is not a change");
        assert!(!presence.visitor_typing(c, false).visitor_typing);
        assert!(!events.try_recv().expect("stopped").visitor_typing);
        presence.visitor_typing(c, true);
        let start = Instant::now();
        presence.sweep(start + TYPING_TTL + Duration::from_millis(1));
        assert!(!presence.viewers(c).visitor_typing);
        let _typing = events.try_recv().expect("typing again");
        assert!(!events.try_recv().expect("lapsed").visitor_typing);
    }

    #[test]
    fn sweeping_expires_typing_and_viewers() {
        let presence = Presence::default();
        let (c, a) = (ConversationId::new(1), AgentId::new(1));
        presence.update(c, a, "Ann", PresenceState::Typing);
        let mut events = presence.subscribe();
        let start = Instant::now();
        presence.sweep(start);
        assert!(presence.viewers(c).viewers[0].typing);
        assert!(events.try_recv().is_err(), "nothing lapsed yet");
        presence.sweep(start + TYPING_TTL + Duration::from_millis(1));
        assert!(!presence.viewers(c).viewers[0].typing);
        // Those who saw "typing" learn that it stopped.
        assert!(!events.try_recv().expect("typing lapsed").viewers[0].typing);
        presence.sweep(start + VIEWER_TTL + Duration::from_secs(1));
        assert!(presence.viewers(c).viewers.is_empty());
        assert!(events.try_recv().expect("viewer left").viewers.is_empty());
    }

    #[test]
    fn changes_from_other_nodes_are_applied_and_broadcast_but_not_relayed_again() {
        let presence = Presence::default();
        let (sender, mut relayed) = mpsc::unbounded_channel();
        *presence.relay.lock().expect("lock") = Some(sender);
        let mut events = presence.subscribe();
        let note = PresenceNote {
            node: "other".into(),
            conversation: ConversationId::new(7),
            agent: AgentId::new(3),
            name: "Cy".into(),
            state: PresenceState::Viewing,
            visitor: false,
        };
        presence.apply_remote(&note);
        assert_eq!(presence.viewers(note.conversation).viewers[0].name, "Cy");
        assert_eq!(events.try_recv().expect("broadcast").viewers.len(), 1);
        assert!(
            relayed.try_recv().is_err(),
            "a remote change is not sent back"
        );
        presence.update(
            note.conversation,
            AgentId::new(4),
            "Di",
            PresenceState::Typing,
        );
        match relayed.try_recv().expect("relayed") {
            Outgoing::Presence(change) => assert_eq!(change.3, PresenceState::Typing),
            Outgoing::Availability(view) => panic!("relayed {view:?}"),
        }
        // An availability change is relayed; one from another node is not sent back.
        presence.availability_changed(AgentId::new(4), Availability::Busy);
        match relayed.try_recv().expect("relayed") {
            Outgoing::Availability(view) => assert_eq!(view.availability, Availability::Busy),
            Outgoing::Presence(change) => panic!("relayed {change:?}"),
        }
        presence.apply_remote_availability(&AvailabilityNote {
            node: "other".into(),
            agent_id: AgentId::new(5),
            availability: Availability::Offline,
        });
        assert!(
            relayed.try_recv().is_err(),
            "a remote change is not sent back"
        );
    }
}
