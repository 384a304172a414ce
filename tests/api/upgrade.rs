//! Rolling upgrades: nodes of two releases share one database for a while. A node opens a
//! database a newer release already migrated (but still refuses a changed or vanished migration
//! of its own), an old node keeps reading and writing while a new one upgrades the schema under
//! it, and new migrations only expand the schema unless they say why a contraction is safe.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use connector_sdk::{InboundMessage, Sender};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use switchboard::domain::ConversationId;
use switchboard::store::{Backend, ConnectOptions, ConversationFilter, PageRequest, Store};

use crate::helpers::{ServedBinary, TestDb, backends};
use crate::migrations::migrator_up_to;
use crate::node_lock::KillOnDrop;

mod expand_only;

/// A version no release has yet: the migration a newer node applied.
const FUTURE: i64 = 29991231000000;

/// A pool outside the store, as another release's migrator or an operator has one.
enum RawPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl RawPool {
    async fn connect(backend: Backend, url: &str) -> Self {
        match backend {
            Backend::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions = url.parse().expect("url");
                let pool = sqlx::SqlitePool::connect_with(options.create_if_missing(true))
                    .await
                    .expect("connect");
                Self::Sqlite(pool)
            }
            Backend::Postgres => Self::Postgres(sqlx::PgPool::connect(url).await.expect("connect")),
        }
    }

    async fn migrate(&self, migrator: &Migrator) {
        match self {
            Self::Sqlite(pool) => migrator.run(pool).await,
            Self::Postgres(pool) => migrator.run(pool).await,
        }
        .expect("migrate");
    }

    async fn execute(&self, sql: &str) {
        match self {
            Self::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
            Self::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        }
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    }

    async fn close(self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

fn folder(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// What a newer release does at its start: applies this release's migrations and one more of
/// its own (a new table), recording it in `_sqlx_migrations` as sqlx does.
async fn newer_release_migrates(backend: Backend, url: &str) {
    let mut migrator = migrator_up_to(folder(backend), i64::MAX).await;
    migrator.migrations.to_mut().push(Migration::new(
        FUTURE,
        Cow::Borrowed("a newer release"),
        MigrationType::Simple,
        Cow::Borrowed(
            "CREATE TABLE future_things (id BIGINT PRIMARY KEY, note TEXT);\n\
             CREATE INDEX future_things_note ON future_things (note);",
        ),
        false,
    ));
    let pool = RawPool::connect(backend, url).await;
    pool.migrate(&migrator).await;
    pool.close().await;
}

fn message(id: &str, from: &str) -> InboundMessage {
    InboundMessage::text(
        "shop",
        id,
        Sender::new("webhook:shop", from),
        "where is my order?",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_a_newer_release_migrated_still_opens_and_serves() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        newer_release_migrates(backend, &db.url).await;

        let store = Store::connect(&ConnectOptions::new(db.url.clone()))
            .await
            .unwrap_or_else(|err| panic!("{backend:?}: the store refuses a newer schema: {err}"));
        let (receipts, _) = store
            .record_inbound(&[message("m1", "ann")])
            .await
            .expect("write");
        assert!(!receipts[0].duplicate);
        store.close().await;

        let dir = tempfile::tempdir().expect("dir");
        let served = ServedBinary::start(dir.path(), &db.url);
        let token = served.token().expect("a first run prints a token");
        let ServedBinary { child, base, .. } = served;
        let served = KillOnDrop(child);
        let listed = reqwest::Client::new()
            .get(format!("{base}/api/v1/conversations"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(listed.status(), 200, "{backend:?}");
        let listed: serde_json::Value = listed.json().await.expect("json");
        assert_eq!(
            listed["items"].as_array().map(Vec::len),
            Some(1),
            "{listed}"
        );
        drop(served);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_changed_or_vanished_migration_of_this_release_is_still_refused() {
    for backend in backends() {
        let first = migrator_up_to(folder(backend), i64::MAX)
            .await
            .iter()
            .map(|migration| migration.version)
            .min()
            .expect("a migration");
        let other_bytes = match backend {
            Backend::Sqlite => "X'00'",
            Backend::Postgres => "'\\x00'::bytea",
        };
        let cases = [
            (
                format!(
                    "UPDATE _sqlx_migrations SET checksum = {other_bytes} WHERE version = {first}"
                ),
                format!("migration {first} was previously applied but has been modified"),
            ),
            (
                // Older than this release's newest: a migration file deleted or renumbered.
                format!(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES ({}, 'gone', TRUE, {other_bytes}, 0)",
                    first - 1
                ),
                format!(
                    "migration {} was previously applied but is missing",
                    first - 1
                ),
            ),
        ];
        for (change, refusal) in cases {
            let db = TestDb::new(backend).await;
            db.store().await.close().await;
            let pool = RawPool::connect(backend, &db.url).await;
            pool.execute(&change).await;
            pool.close().await;
            let err = match Store::connect(&ConnectOptions::new(db.url.clone())).await {
                Ok(_) => panic!("{backend:?}: opened after {change}"),
                Err(err) => err.to_string(),
            };
            assert!(err.contains(&refusal), "{backend:?}: {err}");
            db.cleanup().await;
        }
    }
}

/// The two newest versions of `folder`: the previous release's level and this one's.
fn last_two_versions(folder: &str) -> (i64, i64) {
    let mut versions: Vec<i64> = migration_files(folder)
        .iter()
        .map(|(version, _, _)| *version)
        .collect();
    versions.sort_unstable();
    match versions[..] {
        [.., before, newest] => (before, newest),
        _ => panic!("{folder} needs two migrations"),
    }
}

/// `(version, file name, text)` of every migration in `migrations/<folder>`.
fn migration_files(folder: &str) -> Vec<(i64, String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    let mut files: Vec<(i64, String, String)> = std::fs::read_dir(&dir)
        .expect("migrations folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let version = name
                .split('_')
                .next()
                .and_then(|version| version.parse().ok())
                .unwrap_or_else(|| panic!("{name}: no version"));
            let text = std::fs::read_to_string(&path).expect("read");
            (version, name, text)
        })
        .collect();
    files.sort();
    files
}

/// A conversation of the previous release's, written straight into its tables.
const SEED: [&str; 4] = [
    "INSERT INTO contacts (id, name, created_at, updated_at) VALUES (1000000, 'Seeded', 1, 1)",
    "INSERT INTO contact_identities (id, contact_id, scope, external_id, created_at) \
     VALUES (1000000, 1000000, 'webhook:shop', 'seeded', 1)",
    "INSERT INTO conversations (id, channel, contact_id, thread_key, identity_id, created_at, last_activity_at) \
     VALUES (1000000, 'shop', 1000000, 'seeded', 1000000, 1, 1)",
    "INSERT INTO messages (id, conversation_id, channel, direction, kind, author_type, author_id, text, external_id, created_at) \
     VALUES (1000000, 1000000, 'shop', 'in', 'message', 'contact', 1000000, 'written by the old release', 'seeded-1', 1)",
];

/// The new node upgrades the schema while an old node, its pool opened before, writes and
/// reads on; afterwards each reads what the other wrote and nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_node_keeps_working_while_a_new_one_upgrades_the_database() {
    for backend in backends() {
        let (before, newest) = last_two_versions(folder(backend));
        let db = TestDb::new(backend).await;
        let pool = RawPool::connect(backend, &db.url).await;
        pool.migrate(&migrator_up_to(folder(backend), before).await)
            .await;
        for sql in SEED {
            pool.execute(sql).await;
        }
        pool.close().await;

        let old = Store::connect_as_release_up_to(&ConnectOptions::new(db.url.clone()), before)
            .await
            .expect("the old node starts");
        // Its connections exist and its statements are prepared before the schema changes.
        old.record_inbound(&[message("old-0", "c0")])
            .await
            .expect("old node writes");
        let upgraded = Arc::new(AtomicBool::new(false));
        let writer = tokio::spawn({
            let (old, upgraded) = (old.clone(), upgraded.clone());
            async move {
                let mut acknowledged = 1usize;
                let mut after_upgrade = 0;
                let mut i = 1;
                while after_upgrade < 20 {
                    let id = format!("old-{i}");
                    old.record_inbound(&[message(&id, &format!("c{}", i % 7))])
                        .await
                        .unwrap_or_else(|err| panic!("old node writes {id}: {err}"));
                    acknowledged += 1;
                    old.list_conversations(&ConversationFilter::default(), PageRequest::first(20))
                        .await
                        .unwrap_or_else(|err| panic!("old node reads after {id}: {err}"));
                    if upgraded.load(Ordering::SeqCst) {
                        after_upgrade += 1;
                    }
                    i += 1;
                }
                acknowledged
            }
        });
        let new = db.store().await;
        upgraded.store(true, Ordering::SeqCst);
        let old_writes = writer.await.expect("old node's writer");

        let (receipts, _) = new
            .record_inbound(&[message("new-0", "zoe")])
            .await
            .expect("new node writes");
        let written_by_new = ConversationId::new(receipts[0].conversation_id);
        assert_eq!(
            old.get_conversation(written_by_new)
                .await
                .expect("the old node reads what the new one wrote")
                .id,
            written_by_new
        );
        let seeded = ConversationId::new(1000000);
        new.get_conversation(seeded)
            .await
            .expect("the seeded conversation");
        let texts: Vec<String> = new
            .list_messages(seeded, PageRequest::first(10))
            .await
            .expect("messages")
            .items
            .into_iter()
            .map(|message| message.text)
            .collect();
        assert_eq!(texts, ["written by the old release"], "{backend:?}");
        assert_eq!(
            new.count_messages().await.expect("count"),
            i64::try_from(1 + old_writes + 1).expect("small"),
            "{backend:?}: every acknowledged message is there (upgrade {before} → {newest})"
        );
        old.close().await;
        new.close().await;
        db.cleanup().await;
    }
}

#[test]
fn migrations_after_the_rule_only_expand() {
    let mut problems = Vec::new();
    for folder in ["sqlite", "postgres"] {
        for (version, name, text) in migration_files(folder) {
            if version <= expand_only::LAST_VERSION_BEFORE_THE_RULE {
                continue;
            }
            for refusal in expand_only::contract_statements(&text) {
                problems.push(format!("migrations/{folder}/{name}: {refusal}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "nodes of the previous release may still run on these migrations (see \"Rolling \
         upgrade\" in docs/operations.md):\n{}",
        problems.join("\n")
    );
}

/// On PostgreSQL each migration runs in one transaction, holding every lock it takes until it
/// commits; a migration that locks two busy tables can deadlock with a node still writing
/// them (found in the rolling-upgrade test above: foreign keys to `messages` and to
/// `conversations` in one migration failed one run in two).
#[test]
fn a_migration_locks_at_most_one_existing_table() {
    let mut problems = Vec::new();
    for (version, name, text) in migration_files("postgres") {
        if version <= expand_only::LAST_VERSION_BEFORE_THE_LOCK_RULE {
            continue;
        }
        let locked = expand_only::existing_tables_locked(&text);
        if locked.len() > 1 {
            problems.push(format!(
                "migrations/postgres/{name} locks {locked:?}: give each its own migration"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_the_last_table_rebuild() {
    let (_, _, rebuild) = migration_files("sqlite")
        .into_iter()
        .find(|(version, _, _)| *version == expand_only::LAST_VERSION_BEFORE_THE_RULE)
        .expect("the AUTOINCREMENT rebuild");
    let refusals = expand_only::contract_statements(&rebuild);
    assert!(
        refusals
            .iter()
            .any(|refusal| refusal.contains("DROP TABLE CANNED_RESPONSES")),
        "{refusals:#?}"
    );
}
