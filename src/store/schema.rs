//! The schema's migrations, applied when the store opens (at start-up and by `switchboard
//! migrate`), with the rule rolling upgrades need: a database a newer release has already
//! migrated still opens. Migrations are expand-only until a later release contracts (see
//! `docs/operations.md`), so this release's statements keep working on the newer schema. A
//! changed checksum of a migration this release knows, or an unknown migration older than its
//! newest (a deleted or renumbered file), is refused as before.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::migrate::{Migrate, MigrateError, Migration, Migrator};
use sqlx::{PgPool, SqlitePool};

use super::{ConnectOptions, Store, StoreResult};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens like [`Store::connect`], but applies migrations only up to `newest_migration`,
    /// as the binary of an older release would: the rolling-upgrade tests run an old node so.
    ///
    /// # Errors
    /// As [`Store::connect`].
    pub async fn connect_as_release_up_to(
        options: &ConnectOptions,
        newest_migration: i64,
    ) -> StoreResult<Self> {
        Self::open(options, Some(newest_migration)).await
    }
}

/// The migration that counts a conversation's customer messages on its row.
pub(super) const CONVERSATION_MESSAGE_COUNTS: i64 = 20261216000001;

/// The migration that keeps rollup deltas pending until they are folded in.
pub(super) const REPORT_PENDING: i64 = 20261217000001;

/// What of the newest schema a store's inbound writes rely on: all of it, except for a store
/// acting as an earlier release (`connect_as_release_up_to`), whose inbound path the rolling
/// upgrade tests drive on the schema that release knew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaFeatures {
    /// A conversation's customer messages are counted on its row.
    pub counts_messages_on_conversations: bool,
    /// Facts append rollup deltas to `report_pending` instead of updating the rollups.
    pub pending_report_deltas: bool,
}

impl SchemaFeatures {
    /// The features of the schema migrated up to `newest` (`None`: all of them).
    pub(super) fn up_to(newest: Option<i64>) -> Self {
        let has = |migration| newest.is_none_or(|level| level >= migration);
        Self {
            counts_messages_on_conversations: has(CONVERSATION_MESSAGE_COUNTS),
            pending_report_deltas: has(REPORT_PENDING),
        }
    }
}

impl Default for SchemaFeatures {
    fn default() -> Self {
        Self::up_to(None)
    }
}

/// How often an SQLite migration that lost the write lock to a running node is tried again.
const SQLITE_BUSY_ATTEMPTS: u32 = 30;

/// Brings an SQLite database up to this release's schema (or to `up_to`).
///
/// sqlx opens each migration's transaction deferred, so a migration that reads before it
/// writes (a table rebuild copies the rows first) holds a snapshot that any commit of a
/// running server makes stale, and SQLite then refuses the write at once: waiting
/// (`busy_timeout`) cannot help. The migration rolled back whole, so it is run again.
pub(super) async fn upgrade_sqlite(
    pool: &SqlitePool,
    up_to: Option<i64>,
) -> Result<(), MigrateError> {
    let mut attempt = 1;
    loop {
        let mut conn = pool.acquire().await?;
        match upgrade(&SQLITE, &mut *conn, up_to).await {
            Err(err) if is_sqlite_busy(&err) && attempt < SQLITE_BUSY_ATTEMPTS => {
                tracing::info!(
                    attempt,
                    "a migration lost the write lock to a running node; again"
                );
                // A short pause, growing, lets the other writer's burst pass.
                tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)))).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// True when SQLite refused a migration's write because another connection wrote first.
fn is_sqlite_busy(err: &MigrateError) -> bool {
    let (MigrateError::ExecuteMigration(sqlx::Error::Database(db), _)
    | MigrateError::Execute(sqlx::Error::Database(db))) = err
    else {
        return false;
    };
    // The primary result code is the low byte: 5 is SQLITE_BUSY, 517 BUSY_SNAPSHOT.
    db.code()
        .and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

/// Brings a PostgreSQL database up to this release's schema (or to `up_to`).
pub(super) async fn upgrade_postgres(
    pool: &PgPool,
    up_to: Option<i64>,
) -> Result<(), MigrateError> {
    let mut conn = pool.acquire().await?;
    upgrade(&POSTGRES, &mut *conn, up_to).await
}

async fn upgrade<C: Migrate>(
    known: &'static Migrator,
    conn: &mut C,
    up_to: Option<i64>,
) -> Result<(), MigrateError> {
    // Nodes starting together take turns (an advisory lock on PostgreSQL; SQLite's write lock
    // serialises them anyway), and the check below sees what the winner applied.
    conn.lock().await?;
    let result = upgrade_locked(known, conn, up_to).await;
    // Released on failure too: on PostgreSQL the lock belongs to the session, and this
    // connection goes back to the pool.
    let unlocked = conn.unlock().await;
    result.and(unlocked)
}

async fn upgrade_locked<C: Migrate>(
    known: &'static Migrator,
    conn: &mut C,
    up_to: Option<i64>,
) -> Result<(), MigrateError> {
    let migrations: Cow<'static, [Migration]> = match up_to {
        None => Cow::Borrowed(&known.migrations),
        Some(newest) => known
            .iter()
            .filter(|migration| migration.version <= newest)
            .cloned()
            .collect(),
    };
    conn.ensure_migrations_table().await?;
    let applied: Vec<i64> = conn
        .list_applied_migrations()
        .await?
        .into_iter()
        .map(|applied| applied.version)
        .collect();
    let newer = newer_than_known(&migrations, &applied)?;
    if !newer.is_empty() {
        tracing::info!(
            versions = ?newer,
            "the database has migrations newer than this release (a newer node applied them); \
             they are expand-only, so this node runs on that schema"
        );
    }
    // `migrations`, `ignore_missing`, `locking` and `no_tx` are sqlx's own fields (exempt from
    // semver; the lock file pins the version): the `migrate!` static cannot be told to ignore
    // missing versions, so a copy of it is. Checksums of known versions are still compared.
    let tolerant = Migrator {
        migrations,
        ignore_missing: true,
        locking: false,
        no_tx: known.no_tx,
    };
    tolerant.run_direct(conn).await
}

/// The applied versions this release does not know, all newer than its newest; an unknown one
/// among or before its own means the history differs, and is refused.
fn newer_than_known(known: &[Migration], applied: &[i64]) -> Result<Vec<i64>, MigrateError> {
    let newest_known = known.iter().map(|migration| migration.version).max();
    let mut newer = Vec::new();
    for &version in applied {
        if known.iter().any(|migration| migration.version == version) {
            continue;
        }
        match newest_known {
            Some(newest) if version < newest => {
                return Err(MigrateError::VersionMissing(version));
            }
            _ => newer.push(version),
        }
    }
    Ok(newer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(versions: &[i64]) -> Vec<Migration> {
        versions
            .iter()
            .map(|&version| {
                Migration::new(
                    version,
                    Cow::Borrowed("m"),
                    sqlx::migrate::MigrationType::Simple,
                    Cow::Borrowed("SELECT 1"),
                    false,
                )
            })
            .collect()
    }

    #[test]
    fn only_versions_after_the_newest_known_are_tolerated() {
        let known = known(&[1, 2, 5]);
        assert_eq!(newer_than_known(&known, &[1, 2]).ok(), Some(vec![]));
        assert_eq!(
            newer_than_known(&known, &[1, 2, 5, 7, 9]).ok(),
            Some(vec![7, 9])
        );
        assert!(matches!(
            newer_than_known(&known, &[1, 2, 3, 5]),
            Err(MigrateError::VersionMissing(3))
        ));
    }
}
