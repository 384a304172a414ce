//! The SQLite database on disk holds customer data, webhook secrets and the link-signing key:
//! its file is created private (0600) before SQLite opens it, because SQLite gives the `-wal`
//! and `-shm` files it creates the database file's mode. Existing files that other users can
//! reach are named in a warning at start-up; they are not changed behind the operator's back.

use std::path::{Path, PathBuf};

use connector_sdk::private_files;
use sqlx::sqlite::SqliteConnectOptions;

/// Creates the database file of `options` (from `url`) private unless it exists, and warns
/// once about each of its files that other users can access. In-memory databases have none.
///
/// # Errors
/// When the file does not exist and cannot be created (a missing directory, no permission).
pub(super) fn prepare(url: &str, options: &SqliteConnectOptions) -> std::io::Result<()> {
    let Some(path) = on_disk(url, options) else {
        return Ok(());
    };
    private_files::ensure_file(&path)?;
    for file in [
        path.clone(),
        with_suffix(&path, "-wal"),
        with_suffix(&path, "-shm"),
    ] {
        if let Some(warning) = private_files::exposure_warning(&file) {
            tracing::warn!("{warning}");
        }
    }
    Ok(())
}

/// The database file, `None` for an in-memory database.
pub(super) fn on_disk(url: &str, options: &SqliteConnectOptions) -> Option<PathBuf> {
    let filename = options.get_filename();
    // sqlx names in-memory databases `file:sqlx-in-memory-<n>`; `mode=memory` keeps the name.
    let in_memory = url.contains(":memory:")
        || url.contains("mode=memory")
        || filename.to_string_lossy().starts_with("file:");
    (!in_memory).then(|| filename.to_path_buf())
}

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn only_databases_on_disk_have_a_file() {
        let path = |url: &str| on_disk(url, &SqliteConnectOptions::from_str(url).expect("url"));
        assert_eq!(
            path("sqlite://data/sb.db"),
            Some(PathBuf::from("data/sb.db"))
        );
        assert_eq!(path("sqlite::memory:"), None);
        assert_eq!(path("sqlite://x.db?mode=memory"), None);
        assert_eq!(
            with_suffix(Path::new("data/sb.db"), "-wal"),
            PathBuf::from("data/sb.db-wal")
        );
    }
}
