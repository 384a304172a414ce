//! Migrations: both folders hold the same versions, and an upgrade carries old data over.

use std::collections::BTreeSet;

fn versions(folder: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    std::fs::read_dir(&dir)
        .expect("migrations folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".sql"))
        .collect()
}

#[test]
fn sqlite_and_postgres_migrations_have_the_same_versions() {
    let sqlite = versions("sqlite");
    let postgres = versions("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must match"
    );
}

/// The migration that made leases records of their own, applied over a ledger an older
/// version left with rows marked `leased` (a crash, or a stop mid-campaign, before the
/// upgrade): nobody knows whether those messages went out, so they are held in doubt.
mod upgrade_to_lease_records {
    use std::borrow::Cow;

    use sqlx::migrate::Migrator;

    use switchboard::store::Backend;

    use crate::helpers::{TestDb, backends};

    /// The last version that marked ledger rows `leased`.
    const BEFORE: i64 = 20261124000014;

    /// The migrations of `folder` up to [`BEFORE`]. (`migrations` is sqlx's own field,
    /// exempt from semver; the lock file pins the version.)
    async fn migrator_before(folder: &str) -> Migrator {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder);
        let mut migrator = Migrator::new(dir).await.expect("migrations");
        migrator.migrations = Cow::Owned(
            migrator
                .iter()
                .filter(|migration| migration.version <= BEFORE)
                .cloned()
                .collect(),
        );
        migrator
    }

    const SEED: [&str; 3] = [
        "INSERT INTO contacts (id, created_at, updated_at) VALUES (1, 0, 0), (2, 0, 0)",
        "INSERT INTO campaigns (id, name, filter, spec, state, created_at, updated_at) \
         VALUES (1, 'old', '{\"op\": \"everyone\"}', '{\"channels\": []}', 'running', 0, 0)",
        "INSERT INTO campaign_sends (campaign_id, contact_id, channel, address, state, leased_until) \
         VALUES (1, 1, 'shop', 'a', 'leased', 5), (1, 2, 'shop', 'b', 'pending', NULL)",
    ];

    #[tokio::test]
    async fn rows_an_older_version_had_leased_are_held_in_doubt() {
        for backend in backends() {
            let db = TestDb::new(backend).await;
            match backend {
                Backend::Sqlite => {
                    let options: sqlx::sqlite::SqliteConnectOptions = db.url.parse().expect("url");
                    let pool = sqlx::SqlitePool::connect_with(options.create_if_missing(true))
                        .await
                        .expect("connect");
                    migrator_before("sqlite")
                        .await
                        .run(&pool)
                        .await
                        .expect("migrate");
                    for sql in SEED {
                        sqlx::query(sql).execute(&pool).await.expect(sql);
                    }
                    pool.close().await;
                }
                Backend::Postgres => {
                    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
                    migrator_before("postgres")
                        .await
                        .run(&pool)
                        .await
                        .expect("migrate");
                    for sql in SEED {
                        sqlx::query(sql).execute(&pool).await.expect(sql);
                    }
                    pool.close().await;
                }
            }
            // Opening the store applies the rest.
            let store = db.store().await;
            let funnel = store
                .campaign_funnel(switchboard::domain::CampaignId::new(1))
                .await
                .expect("funnel");
            assert_eq!(
                (funnel.total.in_doubt, funnel.total.pending),
                (1, 1),
                "{backend:?}: {funnel:?}"
            );
            store.close().await;
            db.cleanup().await;
        }
    }
}
