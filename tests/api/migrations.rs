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

/// The migrations of `folder` up to `version`. (`migrations` is sqlx's own field, exempt
/// from semver; the lock file pins the version.)
pub(crate) async fn migrator_up_to(folder: &str, version: i64) -> sqlx::migrate::Migrator {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    let mut migrator = sqlx::migrate::Migrator::new(dir).await.expect("migrations");
    migrator.migrations = std::borrow::Cow::Owned(
        migrator
            .iter()
            .filter(|migration| migration.version <= version)
            .cloned()
            .collect(),
    );
    migrator
}

/// The migration that made leases records of their own, applied over a ledger an older
/// version left with rows marked `leased` (a crash, or a stop mid-campaign, before the
/// upgrade): nobody knows whether those messages went out, so they are held in doubt.
mod upgrade_to_lease_records {
    use switchboard::store::Backend;

    use crate::helpers::{TestDb, backends};

    /// The last version that marked ledger rows `leased`.
    const BEFORE: i64 = 20261124000014;

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
                    super::migrator_up_to("sqlite", BEFORE)
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
                    super::migrator_up_to("postgres", BEFORE)
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

/// SQLite tables rebuilt with AUTOINCREMENT keep every row, id and reference, and go on
/// counting from the highest id even after the newest row is deleted.
mod upgrade_to_ids_never_reused {
    use crate::helpers::TestDb;
    use switchboard::store::Backend;

    const BEFORE: i64 = 20261203000005;

    const SEED: [&str; 6] = [
        "INSERT INTO canned_responses (id, shortcut, title, body, created_at, updated_at) \
         VALUES (1, 'a', 'A', 'Hi', 0, 0), (2, 'b', 'B', 'Hi', 0, 0)",
        "INSERT INTO rules (id, name, position, definition, created_at, updated_at) \
         VALUES (4, 'r', 1, '{}', 0, 0)",
        "INSERT INTO segments (id, name, filter, created_at, updated_at) \
         VALUES (6, 's', '{\"op\": \"everyone\"}', 0, 0)",
        "INSERT INTO webhook_subscriptions (id, url, secret, events, created_at, updated_at) \
         VALUES (3, 'https://93.184.215.14/', 'k', '[\"*\"]', 0, 0)",
        "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_kind, state, \
         next_attempt_at, queued_at, created_at, updated_at) \
         VALUES (9, 3, 1, 'message.created', 'failed', 0, 0, 0, 0)",
        "INSERT INTO webhook_attempts (id, delivery_id, status, duration_ms, attempted_at) \
         VALUES (11, 9, 500, 12, 0)",
    ];

    async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
    }

    #[tokio::test]
    async fn rebuilt_tables_keep_their_rows_and_stop_reusing_ids() {
        let db = TestDb::new(Backend::Sqlite).await;
        let options: sqlx::sqlite::SqliteConnectOptions = db.url.parse().expect("url");
        let options = options.create_if_missing(true).foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options.clone())
            .await
            .expect("connect");
        super::migrator_up_to("sqlite", BEFORE)
            .await
            .run(&pool)
            .await
            .expect("migrate");
        for sql in SEED {
            sqlx::query(sql).execute(&pool).await.expect(sql);
        }
        super::migrator_up_to("sqlite", i64::MAX)
            .await
            .run(&pool)
            .await
            .expect("upgrade");

        let kept = [
            (
                "SELECT count(*) FROM canned_responses WHERE id IN (1, 2)",
                2,
            ),
            ("SELECT count(*) FROM rules WHERE id = 4", 1),
            ("SELECT count(*) FROM segments WHERE id = 6", 1),
            (
                "SELECT count(*) FROM webhook_deliveries WHERE id = 9 AND subscription_id = 3",
                1,
            ),
            (
                "SELECT count(*) FROM webhook_attempts WHERE id = 11 AND delivery_id = 9",
                1,
            ),
            ("SELECT count(*) FROM pragma_foreign_key_check", 0),
        ];
        for (sql, expected) in kept {
            assert_eq!(count(&pool, sql).await, expected, "{sql}");
        }
        // The references still cascade: deleting the subscription takes its log along.
        sqlx::query("DELETE FROM webhook_subscriptions WHERE id = 3")
            .execute(&pool)
            .await
            .expect("delete");
        assert_eq!(
            count(&pool, "SELECT count(*) FROM webhook_attempts").await,
            0
        );
        // The newest canned response goes; the next one gets a new id.
        sqlx::query("DELETE FROM canned_responses WHERE id = 2")
            .execute(&pool)
            .await
            .expect("delete");
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO canned_responses (shortcut, title, body, created_at, updated_at) \
             VALUES ('c', 'C', 'Hi', 0, 0) RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .expect("insert");
        assert_eq!(next, 3);
        pool.close().await;
        db.cleanup().await;
    }
}
