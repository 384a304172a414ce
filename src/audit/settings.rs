//! `[audit]`: how long the audit log is kept.

use serde::{Deserialize, Serialize};

/// `[audit]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Entries older than this many days are deleted by a daily job; 0 keeps them forever.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            retention_days: 365,
        }
    }
}

/// About 270 years: beyond it the cutoff would not fit the millisecond clock.
const MAX_RETENTION_DAYS: u32 = 100_000;

impl AuditConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// A retention beyond [`MAX_RETENTION_DAYS`].
    pub fn validate(&self) -> Result<(), String> {
        if self.retention_days > MAX_RETENTION_DAYS {
            return Err(format!(
                "audit.retention_days: must be at most {MAX_RETENTION_DAYS} (0 keeps entries forever)"
            ));
        }
        Ok(())
    }
}
