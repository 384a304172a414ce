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
    /// `SWITCHBOARD_MASTER_KEY`: the key itself (64 hex digits or base64 of 32 bytes), read
    /// from the environment only; it wins over `key_file`.
    #[serde(skip)]
    pub master_key: Option<MasterKey>,
}

/// The master key's text, kept out of logs and debug output.
#[derive(Clone, Default)]
pub struct MasterKey(String);

impl MasterKey {
    /// The key's text as given.
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The text, for parsing into a key.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
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
        if let Some(master) = &self.master_key {
            super::parse_key(master.expose().as_bytes())
                .map_err(|err| format!("SWITCHBOARD_MASTER_KEY: {err}"))?;
        }
        Ok(())
    }
}
