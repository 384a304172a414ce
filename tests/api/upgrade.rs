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

/// The expand-only rule for migrations, checked on their text: what nodes of the previous
/// release (running the same database during a rolling upgrade) survive.
mod expand_only {
    /// Migrations up to this one were written before the rule (the SQLite table rebuilds of
    /// that release are contractions).
    pub const LAST_VERSION_BEFORE_THE_RULE: i64 = 20261203000006;

    /// One statement of a migration: its code with comments removed (strings kept) and the
    /// comment lines right before it.
    #[derive(Debug, Default)]
    struct Statement {
        comments: Vec<String>,
        code: String,
    }

    /// The statements of `sql` that nodes of the previous release may not survive, each with
    /// why, unless a `-- contract: <why it is safe now>` comment line precedes it.
    pub fn contract_statements(sql: &str) -> Vec<String> {
        statements(sql)
            .into_iter()
            .filter(|statement| !statement.comments.iter().any(|line| says_why(line)))
            .filter_map(|statement| {
                let words = words(&statement.code);
                refusal(&words).map(|why| {
                    let head: Vec<&str> = words.iter().take(6).map(String::as_str).collect();
                    format!(
                        "`{} …` {why}; if it is safe for nodes of the previous release, say why \
                         in a `-- contract: <why>` comment line right before it",
                        head.join(" ")
                    )
                })
            })
            .collect()
    }

    fn says_why(comment: &str) -> bool {
        comment
            .strip_prefix("--")
            .map(str::trim_start)
            .and_then(|line| line.strip_prefix("contract:"))
            .is_some_and(|why| !why.trim().is_empty())
    }

    /// Why `words` (one statement, upper-cased) is not an expand operation, if it is not.
    fn refusal(words: &[String]) -> Option<String> {
        let word = |i: usize| words.get(i).map_or("", String::as_str);
        match word(0) {
            "CREATE" if word(1) == "OR" && word(2) == "REPLACE" => {
                Some("replaces an object older nodes may rely on".into())
            }
            // New tables, indexes, views, triggers, functions: older nodes do not know them.
            "CREATE" | "INSERT" | "SELECT" | "COMMENT" | "ANALYZE" => None,
            "DROP" => {
                let name = if word(2) == "IF" { word(4) } else { word(2) };
                Some(format!(
                    "drops {} {name}: older nodes may still use it",
                    word(1).to_lowercase()
                ))
            }
            "ALTER" if word(1) == "TABLE" => alter_table(&words[2..]),
            "UPDATE" | "DELETE" => Some("rewrites rows older nodes read and write".into()),
            other => Some(format!("`{other}` is not a known expand operation")),
        }
    }

    /// Why an `ALTER TABLE` (the words after `TABLE`) contracts, if it does.
    fn alter_table(words: &[String]) -> Option<String> {
        let mut rest = words;
        for skip in [&["IF", "EXISTS"][..], &["ONLY"][..]] {
            if rest
                .iter()
                .map(String::as_str)
                .take(skip.len())
                .eq(skip.iter().copied())
            {
                rest = &rest[skip.len()..];
            }
        }
        let rest = rest.get(1..).unwrap_or_default(); // the table's name
        clauses(rest).into_iter().find_map(alter_clause)
    }

    /// The comma-separated clauses of an `ALTER TABLE`, split outside parentheses.
    fn clauses(words: &[String]) -> Vec<&[String]> {
        let (mut clauses, mut start, mut depth) = (Vec::new(), 0, 0usize);
        for (i, word) in words.iter().enumerate() {
            match word.as_str() {
                "(" => depth += 1,
                ")" => depth = depth.saturating_sub(1),
                "," if depth == 0 => {
                    clauses.push(&words[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        clauses.push(&words[start..]);
        clauses
    }

    fn alter_clause(clause: &[String]) -> Option<String> {
        let word = |i: usize| clause.get(i).map_or("", String::as_str);
        let has = |a: &str, b: &str| clause.windows(2).any(|w| w[0] == a && w[1] == b);
        match word(0) {
            "ADD" => {
                let mut column = &clause[1..];
                if column.first().is_some_and(|w| w == "COLUMN") {
                    column = &column[1..];
                }
                let first = column.first().map_or("", String::as_str);
                if matches!(
                    first,
                    "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE"
                ) {
                    return Some("adds a constraint that older nodes' writes may break".into());
                }
                let defaulted = column.iter().any(|w| w == "DEFAULT" || w == "GENERATED");
                (has("NOT", "NULL") && !defaulted).then(|| {
                    "adds a NOT NULL column without a default: older nodes' inserts fail".into()
                })
            }
            "ALTER" => {
                if has("SET", "DEFAULT") {
                    None
                } else if has("SET", "NOT") {
                    Some("makes a column NOT NULL: older nodes may write NULL".into())
                } else if clause.iter().any(|w| w == "TYPE") {
                    Some("changes a column's type under older nodes".into())
                } else {
                    Some("changes a column older nodes use".into())
                }
            }
            "DROP" => Some("drops a column or constraint older nodes may use".into()),
            "RENAME" => Some("renames what older nodes still use by its old name".into()),
            other => Some(format!(
                "`ALTER TABLE … {other}` is not a known expand operation"
            )),
        }
    }

    /// Splits `sql` at semicolons outside strings, quoted names, comments, dollar-quoted
    /// bodies (PostgreSQL functions) and `BEGIN … END` bodies (SQLite triggers).
    fn statements(sql: &str) -> Vec<Statement> {
        let chars: Vec<char> = sql.chars().collect();
        let mut statements = Vec::new();
        let mut current = Statement::default();
        let mut i = 0;
        while i < chars.len() {
            let rest = &chars[i..];
            if rest.starts_with(&['-', '-']) {
                let end = rest.iter().position(|&c| c == '\n').unwrap_or(rest.len());
                if current.code.trim().is_empty() {
                    current
                        .comments
                        .push(rest[..end].iter().collect::<String>().trim().to_owned());
                }
                current.code.push(' ');
                i += end;
            } else if rest.starts_with(&['/', '*']) {
                let end = find(rest, &['*', '/'], 2).map_or(rest.len(), |at| at + 2);
                current.code.push(' ');
                i += end;
            } else if let Some(len) = quoted_len(rest) {
                current.code.extend(&rest[..len]);
                i += len;
            } else if rest[0] == ';' && !in_trigger_body(&current.code) {
                if !current.code.trim().is_empty() {
                    statements.push(std::mem::take(&mut current));
                }
                current = Statement::default();
                i += 1;
            } else {
                current.code.push(rest[0]);
                i += 1;
            }
        }
        if !current.code.trim().is_empty() {
            statements.push(current);
        }
        statements
    }

    /// The length of the string, quoted name or dollar-quoted body at the start of `text`.
    fn quoted_len(text: &[char]) -> Option<usize> {
        match text.first()? {
            &quote @ ('\'' | '"') => {
                let mut i = 1;
                while i < text.len() {
                    if text[i] == quote {
                        // A doubled quote is one quote inside the string.
                        if text.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        return Some(i + 1);
                    }
                    i += 1;
                }
                Some(text.len())
            }
            '$' => {
                let close = text[1..].iter().position(|&c| c == '$')? + 1;
                let tag = &text[..=close];
                if !tag[1..close]
                    .iter()
                    .all(|c| c.is_alphanumeric() || *c == '_')
                {
                    return None;
                }
                let end = find(text, tag, tag.len()).map_or(text.len(), |at| at + tag.len());
                Some(end)
            }
            _ => None,
        }
    }

    /// Where `needle` starts in `haystack`, looking from `from`.
    fn find(haystack: &[char], needle: &[char], from: usize) -> Option<usize> {
        (from..=haystack.len().checked_sub(needle.len())?)
            .find(|&at| haystack[at..].starts_with(needle))
    }

    /// True inside an SQLite trigger's `BEGIN … END`, whose statements end in semicolons.
    fn in_trigger_body(code: &str) -> bool {
        let words = words(code);
        let is_trigger = words.first().is_some_and(|w| w == "CREATE")
            && words.iter().take(4).any(|w| w == "TRIGGER");
        is_trigger && words.iter().any(|w| w == "BEGIN") && words.last().is_none_or(|w| w != "END")
    }

    /// The words of `code`, upper-cased: strings become `'…'`, dollar-quoted bodies `$$`,
    /// and `(`, `)` and `,` are words of their own.
    fn words(code: &str) -> Vec<String> {
        let chars: Vec<char> = code.chars().collect();
        let mut words = Vec::new();
        let mut word = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let quoted = quoted_len(&chars[i..]);
            let ends_word = c.is_whitespace() || matches!(c, '(' | ')' | ',') || quoted.is_some();
            if ends_word && !word.is_empty() {
                words.push(std::mem::take(&mut word).to_uppercase());
            }
            if let Some(len) = quoted {
                words.push(match c {
                    '\'' => "'…'".to_owned(),
                    '"' => chars[i..i + len].iter().collect(),
                    _ => "$$".to_owned(),
                });
                i += len;
                continue;
            }
            if matches!(c, '(' | ')' | ',') {
                words.push(c.to_string());
            } else if !c.is_whitespace() {
                word.push(c);
            }
            i += 1;
        }
        if !word.is_empty() {
            words.push(word.to_uppercase());
        }
        words
    }

    #[test]
    fn expand_operations_pass() {
        let sql = "-- A new table, and why.\n\
            CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL);\n\
            CREATE UNIQUE INDEX leases_holder ON leases (holder);\n\
            CREATE INDEX IF NOT EXISTS x ON leases (lower(name));\n\
            ALTER TABLE messages ADD COLUMN node TEXT;\n\
            ALTER TABLE messages ADD COLUMN tries BIGINT NOT NULL DEFAULT 0;\n\
            ALTER TABLE ONLY agents ADD seen BIGINT, ADD COLUMN IF NOT EXISTS away BOOLEAN NOT NULL DEFAULT FALSE;\n\
            ALTER TABLE agents ALTER COLUMN seen SET DEFAULT 0;\n\
            INSERT INTO leases (name, holder) VALUES ('drop table x; rename', 'it''s; DROP');\n\
            /* DROP TABLE in a block comment */ SELECT 1;\n\
            CREATE TRIGGER t AFTER INSERT ON messages BEGIN\n  DELETE FROM leases WHERE name = 'x';\n  UPDATE leases SET holder = '';\nEND;\n\
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN DROP TABLE y; END;\n$body$;\n\
            CREATE TRIGGER g BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION f();\n";
        assert_eq!(contract_statements(sql), Vec::<String>::new());
        assert_eq!(statements(sql).len(), 12, "{:#?}", statements(sql));
    }

    #[test]
    fn contract_operations_are_refused() {
        let refused = [
            ("DROP TABLE leases", "drops table LEASES"),
            (
                "DROP INDEX IF EXISTS leases_holder",
                "drops index LEASES_HOLDER",
            ),
            ("ALTER TABLE leases RENAME TO old_leases", "renames"),
            ("ALTER TABLE leases RENAME COLUMN holder TO node", "renames"),
            ("ALTER TABLE leases DROP COLUMN holder", "drops a column"),
            (
                "ALTER TABLE leases ALTER COLUMN holder TYPE BIGINT USING 0",
                "type",
            ),
            (
                "ALTER TABLE leases ALTER COLUMN holder SET DATA TYPE TEXT",
                "type",
            ),
            ("ALTER TABLE leases ALTER holder SET NOT NULL", "NOT NULL"),
            (
                "alter table leases add column node text not null",
                "without a default",
            ),
            (
                "ALTER TABLE leases ADD node TEXT, ADD CONSTRAINT u UNIQUE (node)",
                "constraint",
            ),
            ("UPDATE leases SET holder = 'x'", "rewrites rows"),
            ("DELETE FROM leases", "rewrites rows"),
            (
                "CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
                "replaces",
            ),
            ("PRAGMA foreign_keys = OFF", "not a known expand operation"),
        ];
        for (sql, why) in refused {
            let found = contract_statements(sql);
            assert_eq!(found.len(), 1, "{sql}: {found:?}");
            assert!(found[0].contains(why), "{sql}: {found:?}");
        }
    }

    #[test]
    fn a_table_rebuild_is_refused() {
        let rebuild = "CREATE TABLE leases_new (name TEXT PRIMARY KEY, holder TEXT);\n\
            INSERT INTO leases_new SELECT name, holder FROM leases;\n\
            DROP TABLE leases;\n\
            ALTER TABLE leases_new RENAME TO leases;\n";
        let found = contract_statements(rebuild);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].starts_with("`DROP TABLE LEASES …` drops"),
            "{found:#?}"
        );
        assert!(found[1].contains("renames"), "{found:#?}");
    }

    #[test]
    fn a_contract_comment_covers_the_statement_it_precedes() {
        let sql = "-- Old leases are gone.\n\
            -- contract: nothing has read old_leases since the release before last\n\
            DROP TABLE old_leases;\n\
            DROP TABLE other;\n\
            -- contract:\n\
            DROP TABLE third;\n";
        let found = contract_statements(sql);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("OTHER"), "{found:#?}");
        assert!(
            found[1].contains("THIRD"),
            "a contract without a reason: {found:#?}"
        );
    }
}
