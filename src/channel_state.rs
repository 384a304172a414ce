//! What each channel's listener is doing now (running, restarting after an error, webhook
//! only, standby on another node) and its last error, for the admin pages. In memory: it
//! describes this process.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::Millis;

/// A channel listener's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerState {
    /// The listener runs (polling, a gateway socket, IMAP IDLE).
    Running,
    /// The listener failed and waits to start again.
    Restarting,
    /// Another node holds the channel's listener lease; this one waits to take over.
    Standby,
    /// The channel has no listener: it receives through `POST /hooks/{channel}`.
    Webhook,
    /// Shut down.
    Stopped,
}

impl ListenerState {
    /// The name shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerState::Running => "running",
            ListenerState::Restarting => "restarting",
            ListenerState::Standby => "standby",
            ListenerState::Webhook => "webhook",
            ListenerState::Stopped => "stopped",
        }
    }
}

/// One channel's state and last error.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelStatus {
    pub state: ListenerState,
    pub since: Millis,
    pub last_error: Option<String>,
    pub last_error_at: Option<Millis>,
}

/// The states of every channel's listener.
#[derive(Default)]
pub struct ChannelStates {
    inner: Mutex<HashMap<String, ChannelStatus>>,
}

impl ChannelStates {
    /// Records that `channel` is now in `state`.
    pub fn set(&self, channel: &str, state: ListenerState) {
        if let Ok(mut inner) = self.inner.lock() {
            let entry = inner
                .entry(channel.to_owned())
                .or_insert_with(|| ChannelStatus {
                    state,
                    since: Millis::now(),
                    last_error: None,
                    last_error_at: None,
                });
            if entry.state != state {
                entry.state = state;
                entry.since = Millis::now();
            }
        }
    }

    /// Records a listener failure of `channel`; it restarts after a pause.
    pub fn failed(&self, channel: &str, error: String) {
        self.set(channel, ListenerState::Restarting);
        if let Ok(mut inner) = self.inner.lock()
            && let Some(entry) = inner.get_mut(channel)
        {
            entry.last_error = Some(error);
            entry.last_error_at = Some(Millis::now());
        }
    }

    /// The state of `channel`, if its listener was ever started.
    pub fn get(&self, channel: &str) -> Option<ChannelStatus> {
        self.inner.lock().ok()?.get(channel).cloned()
    }
}

/// An error with its causes, `outer: inner`, as shown to admins.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_the_error_until_the_next_one() {
        let states = ChannelStates::default();
        assert!(states.get("tg").is_none());
        states.set("tg", ListenerState::Running);
        states.failed("tg", "peer unavailable".into());
        let status = states.get("tg").unwrap();
        assert_eq!(status.state, ListenerState::Restarting);
        assert_eq!(status.last_error.as_deref(), Some("peer unavailable"));
        states.set("tg", ListenerState::Running);
        let status = states.get("tg").unwrap();
        assert_eq!(status.state.as_str(), "running");
        assert_eq!(status.last_error.as_deref(), Some("peer unavailable"));
    }
}
