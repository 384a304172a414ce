//! `[ingest]`: the inbound pipeline's writers.

use serde::{Deserialize, Serialize};

/// The most writers PostgreSQL gets by default, however many cores the machine has: past
/// that, batches shrink faster than round trips overlap (8 writers measured below 4).
const MOST_DEFAULT_WRITERS: usize = 4;

/// `[ingest]`: the inbound pipeline's writers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Parallel writer tasks. SQLite has one writer by nature; PostgreSQL gains from several.
    /// Default: 1 on SQLite; on PostgreSQL this machine's cores, at least 2 and at most 4
    /// (see [`IngestConfig::writers_or_default`]).
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
    /// The writers to run: the configured number, else 1 on SQLite and, on PostgreSQL, the
    /// machine's cores between 2 and 4. More writers overlap more round trips, but each
    /// commits a smaller batch and pays its fixed statements; on a 2-core machine shared with
    /// the database 2 measured best (3,169 msg/s on average against 2,642 with 4, 2026-12-06),
    /// while a database on cores of its own serves the overlap of 4.
    pub fn writers_or_default(&self, postgres: bool) -> usize {
        self.writers.unwrap_or_else(|| {
            if postgres {
                std::thread::available_parallelism()
                    .map_or(MOST_DEFAULT_WRITERS, usize::from)
                    .clamp(2, MOST_DEFAULT_WRITERS)
            } else {
                1
            }
        })
    }

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

#[cfg(test)]
mod tests {
    use super::IngestConfig;

    #[test]
    fn configured_writers_win_and_postgres_defaults_to_two_to_four() {
        let default = IngestConfig::default();
        assert_eq!(default.writers_or_default(false), 1);
        let postgres = default.writers_or_default(true);
        assert!((2..=4).contains(&postgres), "{postgres} writers");
        let configured = IngestConfig {
            writers: Some(7),
            ..IngestConfig::default()
        };
        assert_eq!(configured.writers_or_default(true), 7);
        assert_eq!(configured.writers_or_default(false), 7);
    }
}
