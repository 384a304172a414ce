//! `[ingest]`: the inbound pipeline's writers.

use serde::{Deserialize, Serialize};

/// `[ingest]`: the inbound pipeline's writers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Parallel writer tasks. SQLite has one writer by nature; PostgreSQL gains from several.
    /// Default: 1 on SQLite, 4 on PostgreSQL.
    pub writers: Option<usize>,
    /// Most messages committed in one transaction.
    pub max_batch: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            writers: None,
            max_batch: 512,
        }
    }
}

impl IngestConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// `ingest.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_batch == 0 {
            return Err("ingest.max_batch: must be above 0".into());
        }
        if self.writers == Some(0) {
            return Err("ingest.writers: must be above 0".into());
        }
        Ok(())
    }
}
