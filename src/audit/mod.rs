//! The audit log's retention: a daily job, run by one node at a time under the
//! `audit_retention` lease, that deletes entries older than `[audit] retention_days` in small
//! batches. (What requests do is recorded by `http::audit`, changes of the configuration file
//! by [`config_changes`]; the SQL is the store's.)

pub mod config_changes;
pub mod settings;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use settings::AuditConfig;

use crate::domain::Millis;
use crate::store::{Store, StoreResult};

/// Rows deleted per statement: small, so each delete holds the write lock briefly.
const BATCH: u32 = 500;
/// How often the prune runs.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Deletes audit entries past their retention.
#[derive(Clone)]
pub struct AuditRetention {
    store: Store,
    retention_days: u32,
}

impl AuditRetention {
    /// The job for `config`.
    pub fn new(store: Store, config: &AuditConfig) -> Self {
        Self {
            store,
            retention_days: config.retention_days,
        }
    }

    /// Whether there is anything to do (a retention of 0 keeps entries forever).
    pub fn is_enabled(&self) -> bool {
        self.retention_days > 0
    }

    /// Deletes every entry older than the retention, batch by batch, stopping early at
    /// shutdown; returns how many. Running it twice (two nodes across a lease handover)
    /// deletes nothing twice, so it needs no fence.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn run_once(&self, shutdown: &CancellationToken) -> StoreResult<u64> {
        if !self.is_enabled() {
            return Ok(0);
        }
        let cutoff = Millis(Millis::now().0 - i64::from(self.retention_days) * DAY_MS);
        let mut total = 0;
        while !shutdown.is_cancelled() {
            let deleted = self.store.delete_audit_before(cutoff, BATCH).await?;
            total += deleted;
            if deleted < u64::from(BATCH) {
                break;
            }
        }
        Ok(total)
    }

    /// Prunes at once and then daily until `stop` (shutdown or a lost lease).
    ///
    /// # Errors
    /// When the database fails (the supervisor restarts the job).
    pub async fn run(self, stop: CancellationToken) -> anyhow::Result<()> {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stop.cancelled() => return Ok(()),
            }
            let deleted = self.run_once(&stop).await?;
            if deleted > 0 {
                tracing::info!(deleted, "audit entries past their retention deleted");
            }
        }
    }
}
