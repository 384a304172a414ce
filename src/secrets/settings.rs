//! `[secrets]`: where the key that seals stored secrets comes from.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[secrets]`: the key of the secret store (see `crate::secrets`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsConfig {
    /// A file holding 32 random bytes (raw, hex or base64). Without it, an SQLite database
    /// gets `<database file>.key` (0600) made beside it on first use; PostgreSQL requires it.
    pub key_file: Option<PathBuf>,
}

impl SecretsConfig {
    /// Checks the keys' shape (the file itself is read when the store opens).
    ///
    /// # Errors
    /// The key and what is wrong with it.
    pub fn validate(&self) -> Result<(), String> {
        if self
            .key_file
            .as_ref()
            .is_some_and(|path| path.as_os_str().is_empty())
        {
            return Err("secrets.key_file: must not be empty".into());
        }
        Ok(())
    }
}
