//! Secrets a connector keeps between runs (an OAuth2 refresh token), stored by the core
//! encrypted at rest. The connector sees only plain values through [`SecretStore`]; how they
//! are sealed and where the key lives is the core's business.

use std::sync::Arc;

/// Where a connector reads and writes its secrets: `(owner, name) → value`. A channel uses
/// its own name as the owner; other owners (an agent, a feature) may share the store.
#[async_trait::async_trait]
pub trait SecretStore: Send + Sync + 'static {
    /// The value stored under `(owner, name)`, decrypted.
    ///
    /// # Errors
    /// The store cannot be read, the key is missing, or the value does not decrypt.
    async fn secret(&self, owner: &str, name: &str) -> Result<Option<String>, SecretError>;

    /// Stores `value` under `(owner, name)`, replacing what was there.
    ///
    /// # Errors
    /// The store cannot be written or no key is configured.
    async fn put_secret(&self, owner: &str, name: &str, value: &str) -> Result<(), SecretError>;
}

/// A shared handle to the core's secret store, handed to [`crate::Connector::use_secrets`].
pub type Secrets = Arc<dyn SecretStore>;

/// Why a secret could not be read or written; the text names the cause for an operator and
/// never holds the value.
#[derive(Debug, thiserror::Error)]
#[error("secret store: {0}")]
pub struct SecretError(pub String);

/// Secrets in memory, for tests of connectors.
#[cfg(any(test, feature = "testing"))]
#[derive(Default)]
pub struct MemorySecrets {
    values: std::sync::Mutex<std::collections::HashMap<(String, String), String>>,
}

#[cfg(any(test, feature = "testing"))]
#[async_trait::async_trait]
impl SecretStore for MemorySecrets {
    async fn secret(&self, owner: &str, name: &str) -> Result<Option<String>, SecretError> {
        let values = self
            .values
            .lock()
            .map_err(|_| SecretError("poisoned".into()))?;
        Ok(values.get(&(owner.to_owned(), name.to_owned())).cloned())
    }

    async fn put_secret(&self, owner: &str, name: &str, value: &str) -> Result<(), SecretError> {
        self.values
            .lock()
            .map_err(|_| SecretError("poisoned".into()))?
            .insert((owner.to_owned(), name.to_owned()), value.to_owned());
        Ok(())
    }
}
