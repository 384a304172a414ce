//! Store methods of the sealed secrets table (sealing and keys are `crate::secrets`'s).

use std::path::PathBuf;

use super::{Pool, Store, StoreResult, postgres, sqlite};

/// A value sealed with an AEAD: the nonce it was sealed with and the ciphertext with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSecret {
    pub nonce: Vec<u8>,
    pub sealed: Vec<u8>,
}

/// The name of the campaign setting holding the key that signs unsubscribe and tracking links.
pub const LINK_KEY: &str = "link_key";

/// Every secret the database keeps, as stored (see [`Store::stored_secrets`]).
#[derive(Debug, Clone, Default)]
pub struct StoredSecrets {
    /// The sealed table: owner, name, value.
    pub sealed: Vec<(String, String, SealedSecret)>,
    /// Webhook subscriptions' signing secrets by subscription id: sealed text, or plain.
    pub webhooks: Vec<(i64, String)>,
    /// The campaign link key (sealed text, or plain), once made.
    pub link_key: Option<String>,
}

/// One stored secret to replace, with the value it was read with.
#[derive(Debug, Clone)]
pub enum SecretChange {
    Sealed {
        owner: String,
        name: String,
        old: SealedSecret,
        new: SealedSecret,
    },
    Webhook {
        id: i64,
        old: String,
        new: String,
    },
    LinkKey {
        old: String,
        new: String,
    },
}

impl Store {
    /// Every secret the database keeps, as stored, to re-seal them.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn stored_secrets(&self) -> StoreResult<StoredSecrets> {
        on_backend!(self, secrets::all())
    }

    /// Replaces stored secrets in one transaction, each only if it still holds the value it
    /// was read with.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when one changed meanwhile (nothing is written), or the
    /// database fails.
    pub async fn replace_secrets(&self, changes: &[SecretChange]) -> StoreResult<()> {
        on_backend!(self, secrets::replace(changes, self.now()))
    }

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
        on_backend!(self, secrets::put(owner, name, secret, self.now()))
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
