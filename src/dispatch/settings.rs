//! `[dispatch]`: how the outbox worker claims, sends and retries replies.

use serde::{Deserialize, Serialize};

/// `[dispatch]`: the outbox workers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchConfig {
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Attempts before a message is dead.
    pub max_attempts: u32,
    /// How long a claimed send is reserved for its worker.
    pub lease_secs: u64,
    /// First retry delay; doubles per attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_secs: u64,
    /// How often the queue is checked when nothing wakes the worker.
    pub poll_interval_ms: u64,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            max_attempts: 8,
            lease_secs: 60,
            backoff_base_ms: 1000,
            backoff_max_secs: 3600,
            poll_interval_ms: 1000,
        }
    }
}

impl DispatchConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// `dispatch.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        if self.concurrency == 0 {
            return Err("dispatch.concurrency: must be above 0".into());
        }
        if self.max_attempts == 0 {
            return Err("dispatch.max_attempts: must be above 0".into());
        }
        // A zero lease lets the next pass claim a send still in flight: sent twice.
        if self.lease_secs == 0 {
            return Err("dispatch.lease_secs: must be above 0".into());
        }
        // Zero would spin: an idle worker polling the database without pause.
        if self.poll_interval_ms == 0 {
            return Err("dispatch.poll_interval_ms: must be above 0".into());
        }
        Ok(())
    }
}
