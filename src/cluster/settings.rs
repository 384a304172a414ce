//! `[cluster]`: how nodes sharing one PostgreSQL database coordinate.

use serde::{Deserialize, Serialize};

/// `[cluster]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// How long a lease (a channel listener, the rule engine) stays with a node that stopped
    /// renewing it. A node that dies is replaced within this plus a third of it.
    pub lease_ttl_ms: u64,
    /// The address other nodes and operators see for this node in `GET /api/v1/cluster`
    /// (default: the address it listens on).
    pub advertise_address: Option<String>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self {
            lease_ttl_ms: 6000,
            advertise_address: None,
        }
    }
}

/// Below this, renewing a third of the time would be mostly database round trips.
const MIN_LEASE_TTL_MS: u64 = 900;
/// Above this, a dead node's channel would stay silent for more than a few minutes.
const MAX_LEASE_TTL_MS: u64 = 300_000;

impl ClusterConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// A lease time out of range, or a blank advertised address.
    pub fn validate(&self) -> Result<(), String> {
        if !(MIN_LEASE_TTL_MS..=MAX_LEASE_TTL_MS).contains(&self.lease_ttl_ms) {
            return Err(format!(
                "cluster.lease_ttl_ms: must be between {MIN_LEASE_TTL_MS} and {MAX_LEASE_TTL_MS}"
            ));
        }
        if self
            .advertise_address
            .as_deref()
            .is_some_and(|address| address.trim().is_empty())
        {
            return Err("cluster.advertise_address: must not be blank".into());
        }
        Ok(())
    }
}
