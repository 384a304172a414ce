//! `[webhooks]`: delivery of outbound event webhooks (the subscriptions live in the database).

use serde::{Deserialize, Serialize};

/// `[webhooks]`: outbound event webhooks to integrators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Allows subscription URLs on loopback, private (RFC 1918, `fc00::/7`), link-local,
    /// CGNAT and cloud-metadata addresses. Off by default: an API caller must not be able to
    /// make the server reach its own network (SSRF).
    pub allow_private_targets: bool,
    /// How long a failing delivery keeps being retried before it is `failed`.
    pub retry_for_hours: u64,
    /// Timeout of one delivery request.
    pub timeout_secs: u64,
    /// How often the event log and the retry queue are checked when nothing wakes the worker.
    pub poll_interval_ms: u64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// First retry delay; doubles per attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_secs: u64,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            retry_for_hours: 26,
            timeout_secs: 10,
            poll_interval_ms: 1000,
            concurrency: 8,
            backoff_base_ms: 10_000,
            backoff_max_secs: 3600,
        }
    }
}

impl WebhooksConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// `webhooks.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        if self.retry_for_hours == 0 {
            return Err("webhooks.retry_for_hours: must be above 0".into());
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err("webhooks.timeout_secs: must be between 1 and 300".into());
        }
        if self.concurrency == 0 {
            return Err("webhooks.concurrency: must be above 0".into());
        }
        // Zero would spin: an idle worker polling the database without pause.
        if self.poll_interval_ms == 0 {
            return Err("webhooks.poll_interval_ms: must be above 0".into());
        }
        Ok(())
    }
}
