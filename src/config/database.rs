//! `[database]`: which database and how it is used. Kept here rather than in `store`, which
//! imports only the domain: `app` turns these keys into the store's `ConnectOptions`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The database used when none is configured: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://switchboard.db";

/// `[database]`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://file.db` or `postgres://user@host/db`.
    pub url: String,
    /// SQLite durability: `full` (fsync per commit, survives power loss) or `normal`
    /// (survives a crash of the process only).
    pub sqlite_synchronous: SqliteSynchronous,
    pub max_connections: u32,
    /// SQLite page cache per connection, in MiB.
    pub sqlite_cache_mib: u32,
    /// How long a statement waits for a database connection before the request is answered
    /// 503 with `Retry-After` (the database is down, restarting or saturated).
    pub acquire_timeout_ms: u64,
    /// Not a key: `switchboard bench ingest --inline-checkpoints` sets it to measure SQLite's
    /// own checkpoints (inside commits) against the store's background ones.
    #[serde(skip)]
    pub sqlite_inline_checkpoints: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: DEFAULT_DATABASE_URL.into(),
            sqlite_synchronous: SqliteSynchronous::Full,
            max_connections: 16,
            sqlite_cache_mib: 8,
            acquire_timeout_ms: 10_000,
            sqlite_inline_checkpoints: false,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("max_connections", &self.max_connections)
            .field("sqlite_cache_mib", &self.sqlite_cache_mib)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .finish()
    }
}

impl DatabaseConfig {
    /// True when the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres://") || self.url.starts_with("postgresql://")
    }

    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// `database.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        check_url(&self.url).map_err(|problem| {
            format!(
                "database.url: {problem} (use sqlite:FILE, e.g. sqlite://switchboard.db, or \
                 postgres://user:password@host/database)"
            )
        })?;
        if self.max_connections < 2 {
            return Err("database.max_connections: must be at least 2".into());
        }
        if !(1..=4096).contains(&self.sqlite_cache_mib) {
            return Err("database.sqlite_cache_mib: must be between 1 and 4096".into());
        }
        if !(1..=300_000).contains(&self.acquire_timeout_ms) {
            return Err("database.acquire_timeout_ms: must be between 1 and 300000".into());
        }
        Ok(())
    }
}

/// Checks that `url` names a database the store can open: PostgreSQL by `postgres://` or
/// `postgresql://`, SQLite by `sqlite:` or a bare file path. Anything else would reach the
/// store as a file name and fail there with an unrelated SQLite error.
fn check_url(url: &str) -> Result<(), String> {
    if url.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            // RFC 3986 scheme syntax; a one-letter "scheme" is a Windows drive, i.e. a path.
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    match scheme {
        None | Some("sqlite") => Ok(()),
        Some(scheme @ ("postgres" | "postgresql")) if url[scheme.len()..].starts_with("://") => {
            Ok(())
        }
        Some("postgres" | "postgresql") => Err("a PostgreSQL URL starts with postgres://".into()),
        Some(other) => Err(format!("unknown database {other:?}")),
    }
}

/// Hides the password of a database URL for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}
