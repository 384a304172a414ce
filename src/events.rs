//! The in-process fan-out of committed events to live listeners (the SSE stream).
//!
//! Events are published only after their transaction commits, so a listener never sees
//! something that was rolled back; a listener that falls behind catches up from the log.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::domain::Event;

/// How many events a slow listener may lag before it must catch up from the database.
const CHANNEL_CAPACITY: usize = 4096;

/// A broadcast of committed events.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// An empty bus.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self { sender }
    }

    /// Sends committed events to every listener.
    pub fn publish(&self, events: Vec<Event>) {
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
