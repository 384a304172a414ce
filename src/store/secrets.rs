//! Store methods of the sealed secrets table (sealing and keys are `crate::secrets`'s).

use std::path::PathBuf;

use super::{Pool, Store, StoreResult, postgres, sqlite};
use crate::domain::Millis;

/// A value sealed with an AEAD: the nonce it was sealed with and the ciphertext with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret {
    pub nonce: Vec<u8>,
    pub sealed: Vec<u8>,
}

impl Store {
    /// The sealed secret `name` of `owner`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn find_secret(&self, owner: &str, name: &str) -> StoreResult<Option<SealedSecret>> {
        on_backend!(self, secrets::find(owner, name))
    }

    /// Stores the sealed secret `name` of `owner`, replacing the old one.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn put_secret(
        &self,
        owner: &str,
        name: &str,
        secret: &SealedSecret,
    ) -> StoreResult<()> {
        on_backend!(self, secrets::put(owner, name, secret, Millis::now()))
    }

    /// The SQLite database's file, `None` on PostgreSQL or for an in-memory database: the
    /// secrets key is kept beside it when none is configured.
    pub fn database_file(&self) -> Option<PathBuf> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let options = pool.connect_options();
                let filename = options.get_filename();
                let in_memory = filename.as_os_str().is_empty()
                    || filename.to_string_lossy().starts_with("file:")
                    || filename.to_string_lossy().contains(":memory:");
                (!in_memory).then(|| filename.to_path_buf())
            }
            Pool::Postgres(_) => None,
        }
    }
}
