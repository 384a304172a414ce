//! `[privacy]`: how erasure jobs run.

use serde::{Deserialize, Serialize};

/// `[privacy]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Rows (messages, events) an erasure step changes in one transaction: small enough
    /// that the write lock is never held long while inbound mail waits.
    pub erasure_batch: u32,
    /// A pause between two batches of an erasure, so a big erasure leaves room for ingest.
    pub erasure_pause_ms: u64,
    /// How long a node keeps a claimed erasure job without progress before another node
    /// may take it over (PostgreSQL, several nodes).
    pub erasure_claim_ms: u64,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        Self {
            erasure_batch: 200,
            erasure_pause_ms: 0,
            erasure_claim_ms: 60_000,
        }
    }
}

impl PrivacyConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// A value out of range.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=10_000).contains(&self.erasure_batch) {
            return Err("privacy.erasure_batch: must be between 1 and 10000".into());
        }
        if self.erasure_pause_ms > 60_000 {
            return Err("privacy.erasure_pause_ms: must be at most 60000".into());
        }
        if !(1_000..=3_600_000).contains(&self.erasure_claim_ms) {
            return Err("privacy.erasure_claim_ms: must be between 1000 and 3600000".into());
        }
        Ok(())
    }
}
