//! One `switchboard serve` per SQLite file. SQLite cannot coordinate several nodes (each would
//! run every worker, listener and lease on the same file), so `serve` holds an exclusive lock
//! on `<database file>.lock` for the life of its process; the operating system drops the lock
//! when the process ends, however it ends (kill -9 included), so a stale file never blocks a
//! restart. Other commands (`token create`, `agent add`, `migrate`) take no lock: they are meant
//! to run beside a live server. In-memory databases and PostgreSQL need none.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::str::FromStr;

use connector_sdk::private_files;
use sqlx::sqlite::SqliteConnectOptions;

/// The lock of a serving node on its SQLite file; released when dropped or when the process
/// ends.
#[derive(Debug)]
pub struct NodeLock {
    _file: File,
}

/// Why `serve` may not use the database file.
#[derive(Debug, thiserror::Error)]
pub enum NodeLockError {
    /// Another process serves this file.
    #[error(
        "the SQLite database {db} is already served by another `switchboard serve`{held_by} \
         (it holds the lock {lock_file}); one SQLite file serves one node: stop the other one, \
         or use PostgreSQL (database.url = \"postgres://…\") to run several nodes on one database",
        db = .database.display(),
        lock_file = .lock.display(),
        held_by = .holder.map(|pid| format!(" (process {pid})")).unwrap_or_default()
    )]
    Held {
        database: PathBuf,
        lock: PathBuf,
        /// The process id the holder wrote into the lock file, when it could be read.
        holder: Option<u32>,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock {}: {source}", lock.display())]
    Io {
        lock: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Takes the serving lock of the SQLite file `url` names (as `Store::connect` reads it); `None`
/// for PostgreSQL and in-memory databases.
///
/// # Errors
/// [`NodeLockError::Held`] while another process serves the same file; [`NodeLockError::Io`]
/// when the lock file cannot be created (a missing directory, no permission).
pub fn lock_for_serving(url: &str) -> Result<Option<NodeLock>, NodeLockError> {
    let Some(database) = sqlite_file(url) else {
        return Ok(None);
    };
    let lock = super::database_file::with_suffix(&database, ".lock");
    let io = |source| NodeLockError::Io {
        lock: lock.clone(),
        source,
    };
    // Private like the database beside it, though it only ever holds a process id.
    private_files::ensure_file(&lock).map_err(io)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(NodeLockError::Held {
                holder: holder_pid(&mut file),
                database,
                lock,
            });
        }
        Err(TryLockError::Error(source)) => return Err(io(source)),
    }
    // The process id is only a hint for the next operator who runs into the lock.
    record_pid(&mut file).map_err(io)?;
    Ok(Some(NodeLock { _file: file }))
}

/// The file of an SQLite URL (or bare path), `None` for PostgreSQL and in-memory databases.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    // The same reading as `Store::connect`: a bare path is a file.
    let url = if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    };
    // A URL SQLite cannot parse fails at connect with its own message; nothing to lock.
    let options = SqliteConnectOptions::from_str(&url).ok()?;
    super::database_file::on_disk(&url, &options)
}

fn record_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.sync_data()
}

fn holder_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_are_locked() {
        assert_eq!(
            sqlite_file("sqlite://data/sb.db"),
            Some(PathBuf::from("data/sb.db"))
        );
        assert_eq!(sqlite_file("sb.db"), Some(PathBuf::from("sb.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
        assert_eq!(sqlite_file("postgresql://u@h/db"), None);
    }

    #[test]
    fn a_second_lock_on_the_same_file_is_refused_until_the_first_goes() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("sb.db").display());
        let first = lock_for_serving(&url).expect("first").expect("a file");
        // Two handles of one process conflict like two processes: flock locks belong to
        // the open file, not to the process.
        let second = lock_for_serving(&url).expect_err("second");
        let message = second.to_string();
        assert!(message.contains("sb.db"), "{message}");
        assert!(message.contains("PostgreSQL"), "{message}");
        assert!(
            message.contains(&format!("(process {})", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(lock_for_serving(&url).expect("after release").is_some());
    }
}
