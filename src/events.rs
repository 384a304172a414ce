//! The in-process fan-out of committed events to live listeners (the SSE stream, and the
//! workers that wake up on new events).
//!
//! Events are published only after their transaction commits, so a listener never sees
//! something that was rolled back; a listener that falls behind catches up from the log.
//!
//! With one node (SQLite) the writer publishes what it committed. When several nodes share
//! the database (PostgreSQL) a node cannot see the others' writes that way, so every node's
//! bus is fed from the log instead ([`crate::cluster::event_feed`]): publishing only wakes
//! the feed, and all nodes deliver the same events in log order.

use std::sync::Arc;

use tokio::sync::{Notify, broadcast};

use crate::domain::Event;

/// How many events a slow listener may lag before it must catch up from the database.
const CHANNEL_CAPACITY: usize = 4096;

/// A broadcast of committed events.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
    /// Set when the bus is fed from the log: what a writer publishes only wakes the feed.
    feed: Option<Arc<Notify>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// An empty bus to which writers publish directly (one node).
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self { sender, feed: None }
    }

    /// An empty bus fed from the event log: [`EventBus::publish`] wakes the returned
    /// notifier, whose reader delivers through [`EventBus::deliver`].
    pub fn fed_from_log() -> (Self, Arc<Notify>) {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let wake = Arc::new(Notify::new());
        (
            Self {
                sender,
                feed: Some(wake.clone()),
            },
            wake,
        )
    }

    /// Makes committed events known: sends them to every listener, or (fed from the log)
    /// wakes the reader that will.
    pub fn publish(&self, events: Vec<Event>) {
        if let Some(feed) = &self.feed {
            if !events.is_empty() {
                feed.notify_one();
            }
            return;
        }
        self.deliver(events);
    }

    /// Sends events to every listener of this process.
    pub fn deliver(&self, events: Vec<Event>) {
        for event in events {
            // No listener is not an error: the event is in the log either way.
            let _ = self.sender.send(Arc::new(event));
        }
    }

    /// A new listener, receiving events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }
}
