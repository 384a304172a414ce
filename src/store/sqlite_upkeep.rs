//! SQLite's upkeep, done by a task of its own rather than inside the commits of callers who
//! are waiting: the write-ahead log copied back into the database file, and the search index
//! merged.
//!
//! **Log.** Left to itself SQLite checkpoints inside the commit that takes the log past 1,000 pages:
//! that commit's callers then wait while 4 MB are copied and the database file is fsynced,
//! which under steady ingest is the latency tail. So every pooled connection has automatic
//! checkpoints off, and this task checkpoints on a connection of its own in `PASSIVE` mode,
//! which never waits for (nor holds up) readers and writers. A log that still outgrows
//! [`RESTART_ABOVE_PAGES`] (readers kept it from being rewound) gets one `RESTART`
//! checkpoint, which waits briefly for the writer so that the log starts over.
//!
//! **Search index.** FTS5 writes each transaction's words as a new segment and merges
//! segments only now and then, so a busy inbox's index is many segments deep; a search that
//! checks one message at a time then pays for a lookup in every segment (measured: 149 ms
//! with the index as bulk writes left it against 8 ms once merged, for the same search). So
//! this task merges the index a bounded amount ([`MERGE_PAGES`] pages) every [`MERGE_EVERY`]
//! once no message has come in for [`IDLE_AFTER`], until nothing is left to merge. Not under
//! load: a merge holds the write lock, and the inbound writer then waits in SQLite's busy
//! handler, whose sleeps overshoot (paced ingest p99 62–70 ms against 22–34 ms, whether the
//! merges ran here or as a step of one inbound transaction a second). Under steady load
//! FTS5's own merging inside each write keeps the depth bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio_util::sync::CancellationToken;

/// How often the log is copied back: at ingest's full rate this keeps it to a few MB.
const EVERY: Duration = Duration::from_millis(200);

/// A log this long (pages of 4 KiB: 64 MiB) is rewound even if that waits for the writer.
const RESTART_ABOVE_PAGES: i64 = 16_384;

/// How often a step of merging the search index runs.
const MERGE_EVERY: Duration = Duration::from_secs(1);

/// Pages of the search index one merge step of this task writes at most (negative: merge
/// whatever the segments' levels, down to one).
const MERGE_PAGES: i64 = -64;

/// No inbound commit for this long: this task may merge.
const IDLE_AFTER: Duration = Duration::from_secs(2);

/// When the last inbound commit and the last merge step happened (milliseconds since the
/// upkeep started), shared by the upkeep task and the store's inbound writes.
#[derive(Debug)]
struct MergeTurns {
    start: Instant,
    last_ingest_commit: AtomicU64,
    last_merge: AtomicU64,
}

impl MergeTurns {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ingest_commit: AtomicU64::new(0),
            last_merge: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Takes the next merge step's turn, if it has come.
    fn claim(&self, now: u64) -> bool {
        let last = self.last_merge.load(Ordering::Relaxed);
        let every = u64::try_from(MERGE_EVERY.as_millis()).unwrap_or(u64::MAX);
        now.saturating_sub(last) >= every
            && self
                .last_merge
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    fn ingest_commit(&self) {
        self.last_ingest_commit.store(self.now(), Ordering::Relaxed);
    }

    /// True when no inbound commit happened for [`IDLE_AFTER`] and a merge step's turn has
    /// come.
    fn idle_merge_due(&self) -> bool {
        let now = self.now();
        let idle = u64::try_from(IDLE_AFTER.as_millis()).unwrap_or(u64::MAX);
        now.saturating_sub(self.last_ingest_commit.load(Ordering::Relaxed)) >= idle
            && self.claim(now)
    }
}

/// Stops the upkeep task when dropped (with the last clone of the store) or told to.
#[derive(Debug)]
pub struct Upkeep {
    stop: CancellationToken,
    turns: Arc<MergeTurns>,
}

impl Upkeep {
    /// Starts the upkeep of the (migrated) database `connect` opens. Its pooled connections
    /// must have `wal_autocheckpoint = 0`.
    pub fn start(connect: SqliteConnectOptions) -> Self {
        let stop = CancellationToken::new();
        let turns = Arc::new(MergeTurns::new());
        tokio::spawn(run(connect, stop.clone(), turns.clone()));
        Self { stop, turns }
    }

    /// Called for each inbound transaction: merging waits until they stop for a while.
    pub fn note_inbound_commit(&self) {
        self.turns.ingest_commit();
    }

    /// Ends the task; a last checkpoint happens when SQLite closes the final connection.
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for Upkeep {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Merges up to `pages` pages of the search index on `connection`; returns whether there
/// was anything to merge.
///
/// # Errors
/// When the database fails.
pub async fn merge_search_index(
    connection: &mut SqliteConnection,
    pages: i64,
) -> sqlx::Result<bool> {
    let before: i64 = sqlx::query_scalar("SELECT total_changes()")
        .fetch_one(&mut *connection)
        .await?;
    sqlx::query("INSERT INTO messages_fts (messages_fts, rank) VALUES ('merge', $1)")
        .bind(pages)
        .execute(&mut *connection)
        .await?;
    let after: i64 = sqlx::query_scalar("SELECT total_changes()")
        .fetch_one(&mut *connection)
        .await?;
    // The merge itself counts as one change; more means it wrote something.
    Ok(after - before > 1)
}

async fn run(connect: SqliteConnectOptions, stop: CancellationToken, turns: Arc<MergeTurns>) {
    let mut connection: Option<SqliteConnection> = None;
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        if connection.is_none() {
            match connect.connect().await {
                Ok(opened) => connection = Some(opened),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot open a connection to checkpoint the database log");
                    continue;
                }
            }
        }
        let Some(open) = connection.as_mut() else {
            continue;
        };
        let done = match checkpoint(open).await {
            Ok(()) if turns.idle_merge_due() => {
                merge_search_index(open, MERGE_PAGES).await.map(drop)
            }
            other => other,
        };
        if let Err(err) = done {
            tracing::warn!(error = %err, "database upkeep (log checkpoint, index merge) failed");
            // Open a fresh connection next time.
            if let Some(broken) = connection.take() {
                let _ = broken.close().await;
            }
        }
    }
    if let Some(open) = connection {
        let _ = open.close().await;
    }
}

async fn checkpoint(connection: &mut SqliteConnection) -> sqlx::Result<()> {
    let (_busy, log_pages, _copied): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *connection)
            .await?;
    if log_pages > RESTART_ABOVE_PAGES {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}
