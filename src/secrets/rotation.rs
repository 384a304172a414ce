//! Re-sealing what the database keeps: values stored plain (before sealing existed, or on
//! PostgreSQL before a key was set) are sealed at start, and `switchboard secrets rotate`
//! re-seals everything under a new key.
//!
//! A rotation changes the database and a key file, which cannot share a transaction. Every
//! value is re-sealed in one database transaction; the new key is written first, beside the
//! old one (`<key>.next`), and moved into place after the commit. A crash in between leaves
//! both files: [`Vault::recover_rotation`] keeps the one that opens the database's values.

use std::path::{Path, PathBuf};

use connector_sdk::secrets::SecretError;
use ring::aead::LessSafeKey;

use super::{
    KeySource, Vault, associated, error, inline_text, key_beside_database, open_sealed,
    parse_inline, seal, slot,
};
use crate::store::{SealedSecret, SecretChange, StoredSecrets};

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// Values re-sealed.
    pub resealed: usize,
    /// The file holding the new key.
    pub key_file: PathBuf,
    /// Whether the service reads that file by itself; if not, the operator must point
    /// `SWITCHBOARD_MASTER_KEY` or `[secrets] key_file` at it before the next start.
    pub in_place: bool,
}

/// One stored value, opened.
enum Opened {
    Sealed {
        owner: String,
        name: String,
        old: SealedSecret,
        value: String,
    },
    Webhook {
        id: i64,
        old: String,
        value: String,
    },
    LinkKey {
        old: String,
        value: String,
    },
}

/// The file a rotation writes the new key to before the database commits.
fn next_file(key_file: &Path) -> PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".next");
    PathBuf::from(name)
}

/// The file the key before a rotation is kept in (backups made before it need it).
fn previous_file(key_file: &Path) -> PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".previous");
    PathBuf::from(name)
}

impl Vault {
    async fn stored(&self) -> Result<StoredSecrets, SecretError> {
        self.store
            .stored_secrets()
            .await
            .map_err(|err| error(format!("reading the stored secrets: {err}")))
    }

    /// Seals the values stored plain; returns how many. Nothing happens without a key.
    ///
    /// # Errors
    /// The key cannot be read or made, or the database fails.
    pub async fn seal_plain_values(&self) -> Result<usize, SecretError> {
        if !self.has_key() {
            return Ok(0);
        }
        let stored = self.stored().await?;
        let mut changes = Vec::new();
        for (id, old) in stored.webhooks {
            if parse_inline(&old).map_err(error)?.is_none() {
                let new = self.seal_value(slot::WEBHOOK_SECRET, &old).await?;
                changes.push(SecretChange::Webhook { id, old, new });
            }
        }
        if let Some(old) = stored.link_key
            && parse_inline(&old).map_err(error)?.is_none()
        {
            let new = self.seal_value(slot::LINK_KEY, &old).await?;
            changes.push(SecretChange::LinkKey { old, new });
        }
        if !changes.is_empty() {
            self.store
                .replace_secrets(&changes)
                .await
                .map_err(|err| error(format!("sealing stored secrets: {err}")))?;
        }
        Ok(changes.len())
    }

    /// Whether `key` opens the database's values (`None` when nothing sealed is stored).
    async fn opens_stored(&self, key: &LessSafeKey) -> Result<Option<bool>, SecretError> {
        let stored = self.stored().await?;
        if let Some((owner, name, sealed)) = stored.sealed.into_iter().next() {
            return Ok(Some(
                open_sealed(key, &associated(&owner, &name), sealed).is_ok(),
            ));
        }
        for (slot, text) in stored
            .webhooks
            .into_iter()
            .map(|(_, text)| (slot::WEBHOOK_SECRET, text))
            .chain(stored.link_key.map(|text| (slot::LINK_KEY, text)))
        {
            if let Some(sealed) = parse_inline(&text).map_err(error)? {
                return Ok(Some(open_sealed(key, slot.as_bytes(), sealed).is_ok()));
            }
        }
        Ok(None)
    }

    /// Settles a rotation that stopped between the database's commit and the key file's move
    /// (only the key kept beside an SQLite database is moved by the service). Call before
    /// the key is first used.
    ///
    /// # Errors
    /// The files cannot be read or moved, or the database fails.
    pub async fn recover_rotation(&self) -> Result<(), SecretError> {
        let KeySource::BesideDatabase(key_file) = &self.source else {
            return Ok(());
        };
        let next = next_file(key_file);
        if !next.exists() {
            return Ok(());
        }
        let new_key = key_beside_database(&next, false)?;
        if self.opens_stored(&new_key).await? == Some(true) {
            install(key_file, &next)?;
            tracing::warn!(key = %key_file.display(), "finished a key rotation that was interrupted after the database was re-sealed");
        } else {
            std::fs::remove_file(&next)
                .map_err(|err| error(format!("cannot remove {}: {err}", next.display())))?;
            tracing::warn!(key = %key_file.display(), "dropped the new key of a rotation that was interrupted before the database was re-sealed");
        }
        Ok(())
    }

    /// Re-seals every stored secret under a new key: the one in `new_key_file` (made, 0600,
    /// when the file does not exist), or, for the key kept beside an SQLite database, a fresh
    /// one that replaces it (the old one is kept as `<key>.previous`). Run it with the
    /// service stopped: a running node keeps the old key until it restarts.
    ///
    /// # Errors
    /// No new key file is given where one is needed, a value does not open with the current
    /// key, the new key is the current one, or a file or the database fails.
    pub async fn rotate(&self, new_key_file: Option<&Path>) -> Result<Rotation, SecretError> {
        let (target, in_place) = match (new_key_file, &self.source) {
            (Some(path), _) => (path.to_path_buf(), false),
            (None, KeySource::BesideDatabase(key_file)) => {
                self.recover_rotation().await?;
                let next = next_file(key_file);
                if next.exists() {
                    std::fs::remove_file(&next)
                        .map_err(|err| error(format!("cannot remove {}: {err}", next.display())))?;
                }
                (next, true)
            }
            (None, KeySource::Environment) => {
                return Err(error(
                    "the key comes from SWITCHBOARD_MASTER_KEY: give --new-key-file PATH (made \
                     when missing), then set SWITCHBOARD_MASTER_KEY to its content",
                ));
            }
            (None, KeySource::Configured(_)) => {
                return Err(error(
                    "the key comes from [secrets] key_file: give --new-key-file PATH (made when \
                     missing), then point key_file at it",
                ));
            }
            (None, KeySource::Missing) => {
                return Err(error(
                    "there is no key yet: give --new-key-file PATH to seal the stored secrets \
                     under a new key, then set [secrets] key_file to it",
                ));
            }
        };
        let new_key = key_beside_database(&target, true)?;
        let opened = self.open_all().await?;
        if let Some(probe) = opened.iter().find_map(|value| match value {
            Opened::Sealed { owner, name, .. } => Some(associated(owner, name)),
            _ => None,
        }) {
            let sealed = seal(&new_key, &probe, "probe")?;
            if let Ok(current) = self.key(false).await
                && open_sealed(current, &probe, sealed).is_ok()
            {
                return Err(error(format!(
                    "{} holds the current key: give a new one",
                    target.display()
                )));
            }
        }
        let mut changes = Vec::with_capacity(opened.len());
        for value in opened {
            changes.push(match value {
                Opened::Sealed {
                    owner,
                    name,
                    old,
                    value,
                } => {
                    let new = seal(&new_key, &associated(&owner, &name), &value)?;
                    SecretChange::Sealed {
                        owner,
                        name,
                        old,
                        new,
                    }
                }
                Opened::Webhook { id, old, value } => SecretChange::Webhook {
                    id,
                    old,
                    new: inline_text(&seal(&new_key, slot::WEBHOOK_SECRET.as_bytes(), &value)?),
                },
                Opened::LinkKey { old, value } => SecretChange::LinkKey {
                    old,
                    new: inline_text(&seal(&new_key, slot::LINK_KEY.as_bytes(), &value)?),
                },
            });
        }
        let resealed = changes.len();
        self.store
            .replace_secrets(&changes)
            .await
            .map_err(|err| error(format!("re-sealing: {err}")))?;
        let key_file = match &self.source {
            KeySource::BesideDatabase(key_file) if in_place => {
                install(key_file, &target)?;
                key_file.clone()
            }
            _ => target,
        };
        Ok(Rotation {
            resealed,
            key_file,
            in_place,
        })
    }

    /// Every stored value, opened with the current key.
    async fn open_all(&self) -> Result<Vec<Opened>, SecretError> {
        let stored = self.stored().await?;
        let mut opened = Vec::new();
        for (owner, name, old) in stored.sealed {
            let key = self.key(false).await?;
            let value = open_sealed(key, &associated(&owner, &name), old.clone())
                .map_err(|err| error(format!("{owner}/{name}{err}")))?;
            opened.push(Opened::Sealed {
                owner,
                name,
                old,
                value,
            });
        }
        for (id, old) in stored.webhooks {
            let value = self.open_value(slot::WEBHOOK_SECRET, &old).await?;
            opened.push(Opened::Webhook { id, old, value });
        }
        if let Some(old) = stored.link_key {
            let value = self.open_value(slot::LINK_KEY, &old).await?;
            opened.push(Opened::LinkKey { old, value });
        }
        Ok(opened)
    }
}

/// Moves the new key into place, keeping the old one as `<key>.previous`.
fn install(key_file: &Path, next: &Path) -> Result<(), SecretError> {
    let previous = previous_file(key_file);
    if key_file.exists() {
        if previous.exists() {
            std::fs::remove_file(&previous)
                .map_err(|err| error(format!("cannot remove {}: {err}", previous.display())))?;
        }
        std::fs::hard_link(key_file, &previous).map_err(|err| {
            error(format!(
                "cannot keep the old key as {}: {err}",
                previous.display()
            ))
        })?;
    }
    std::fs::rename(next, key_file).map_err(|err| {
        error(format!(
            "cannot move {} to {}: {err}",
            next.display(),
            key_file.display()
        ))
    })
}
