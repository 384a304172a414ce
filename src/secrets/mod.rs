//! The secret store: values the service keeps between runs (an email channel's OAuth2 refresh
//! token) sealed with ChaCha20-Poly1305 under a key that lives outside the database, so a copy
//! of the database (or a backup) alone reveals nothing. Owns keys and sealing; the rows are
//! `store::secrets`'s, and connectors reach it through [`connector_sdk::secrets::SecretStore`].
//!
//! Each value gets a fresh random nonce, and its owner and name are bound in as associated
//! data, so a sealed value copied to another slot does not open there.
//!
//! Values that live in their own tables' columns (webhook subscriptions' signing secrets, the
//! campaign link key) are sealed inline: [`Vault::seal_value`] turns them into text
//! (`sealed:v1:` and base64 of nonce and ciphertext) that [`Vault::open_value`] opens; text
//! without the prefix is a value stored before sealing (or on PostgreSQL without a key) and
//! opens as itself, until [`Vault::seal_plain_values`] seals it at the next start.

mod rotation;
pub mod settings;

use std::path::{Path, PathBuf};

use base64::Engine;
use connector_sdk::secrets::{SecretError, SecretStore};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::store::{SealedSecret, Store};
pub use rotation::Rotation;
pub use settings::{MasterKey, SecretsConfig};

/// Bytes in a key.
const KEY_LEN: usize = 32;

/// The start of an inline sealed value.
const SEALED_PREFIX: &str = "sealed:v1:";

/// Inline slots: what a value is, bound in as associated data.
pub mod slot {
    /// A webhook subscription's signing secret.
    pub const WEBHOOK_SECRET: &str = "webhook_subscriptions.secret";
    /// The key that signs campaigns' unsubscribe and tracking links.
    pub const LINK_KEY: &str = "campaign_settings.link_key";
}

/// Where the key comes from.
#[derive(Debug, Clone)]
enum KeySource {
    /// `SWITCHBOARD_MASTER_KEY`.
    Environment,
    /// `[secrets] key_file`.
    Configured(PathBuf),
    /// SQLite without a configured key: `<database>.key`, made on first use.
    BesideDatabase(PathBuf),
    /// PostgreSQL (or an in-memory database) without a configured key.
    Missing,
}

/// The secret store over the database.
pub struct Vault {
    store: Store,
    source: KeySource,
    key: tokio::sync::OnceCell<LessSafeKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn error(message: impl Into<String>) -> SecretError {
    SecretError(message.into())
}

impl Vault {
    /// A store sealing with the key of `config`; a configured key file is read now, so a
    /// bad one stops start-up.
    ///
    /// # Errors
    /// The configured key file cannot be read or holds no 32-byte key.
    pub fn open(store: Store, config: &SecretsConfig) -> Result<Self, SecretError> {
        let key = tokio::sync::OnceCell::new();
        if let Some(master) = &config.master_key {
            let loaded = parse_key(master.expose().as_bytes())
                .map_err(|err| error(format!("SWITCHBOARD_MASTER_KEY: {err}")))?;
            key.set(loaded)
                .map_err(|_| error("the key was loaded twice"))?;
            return Ok(Self {
                store,
                source: KeySource::Environment,
                key,
            });
        }
        let source = match (&config.key_file, store.database_file()) {
            (Some(path), _) => KeySource::Configured(path.clone()),
            (None, Some(database)) => {
                let mut name = database.into_os_string();
                name.push(".key");
                KeySource::BesideDatabase(PathBuf::from(name))
            }
            (None, None) => KeySource::Missing,
        };
        if let KeySource::Configured(path) = &source {
            let loaded = read_key(path).map_err(|err| error(format!("secrets.key_file: {err}")))?;
            key.set(loaded)
                .map_err(|_| error("the key was loaded twice"))?;
        }
        Ok(Self { store, source, key })
    }

    /// The key, read or (beside an SQLite database, when `create`) made on first use.
    async fn key(&self, create: bool) -> Result<&LessSafeKey, SecretError> {
        if let Some(key) = self.key.get() {
            return Ok(key);
        }
        match &self.source {
            KeySource::Environment => Err(error("SWITCHBOARD_MASTER_KEY was not loaded")),
            KeySource::Configured(path) => Err(error(format!(
                "secrets.key_file: {} was not loaded",
                path.display()
            ))),
            KeySource::Missing => Err(error(
                "no key to seal secrets with: set SWITCHBOARD_MASTER_KEY (64 hex digits) or \
                 [secrets] key_file (or SWITCHBOARD_SECRETS__KEY_FILE) to a file of 32 random \
                 bytes; PostgreSQL keeps no key beside the database",
            )),
            KeySource::BesideDatabase(path) => {
                let path = path.clone();
                self.key
                    .get_or_try_init(|| async move {
                        tokio::task::spawn_blocking(move || key_beside_database(&path, create))
                            .await
                            .map_err(|err| error(format!("reading the key: {err}")))?
                    })
                    .await
            }
        }
    }

    /// The secret `name` of `owner`, opened.
    ///
    /// # Errors
    /// The database fails, the key is missing or wrong, or the value was tampered with.
    pub async fn get(&self, owner: &str, name: &str) -> Result<Option<String>, SecretError> {
        let Some(sealed) = self
            .store
            .find_secret(owner, name)
            .await
            .map_err(|err| error(format!("reading {owner}/{name}: {err}")))?
        else {
            return Ok(None);
        };
        let key = self.key(false).await?;
        open_sealed(key, &associated(owner, name), sealed)
            .map(Some)
            .map_err(|err| error(format!("{owner}/{name}{err}")))
    }

    /// Seals `value` and stores it as the secret `name` of `owner`.
    ///
    /// # Errors
    /// No key can be had, or the database fails.
    pub async fn put(&self, owner: &str, name: &str, value: &str) -> Result<(), SecretError> {
        let key = self.key(true).await?;
        let sealed = seal(key, &associated(owner, name), value)?;
        self.store
            .put_secret(owner, name, &sealed)
            .await
            .map_err(|err| error(format!("storing {owner}/{name}: {err}")))
    }

    /// Whether values can be sealed: a key is configured, or can be kept beside the SQLite
    /// database. Without one (PostgreSQL with no key set) inline values are kept as given.
    pub fn has_key(&self) -> bool {
        !matches!(self.source, KeySource::Missing)
    }

    /// `value` sealed for the inline `slot` (see [`slot`]); kept as given when there is no
    /// key ([`Vault::has_key`]), which start-up warns about.
    ///
    /// # Errors
    /// The key cannot be read or made.
    pub async fn seal_value(&self, slot: &str, value: &str) -> Result<String, SecretError> {
        if !self.has_key() {
            return Ok(value.to_owned());
        }
        let key = self.key(true).await?;
        Ok(inline_text(&seal(key, slot.as_bytes(), value)?))
    }

    /// The value of the inline `slot` stored as `stored`: opened when sealed, as it is when
    /// plain.
    ///
    /// # Errors
    /// The key is missing or wrong, or the value was altered.
    pub async fn open_value(&self, slot: &str, stored: &str) -> Result<String, SecretError> {
        let Some(sealed) = parse_inline(stored).map_err(|err| error(format!("{slot}: {err}")))?
        else {
            return Ok(stored.to_owned());
        };
        let key = self.key(false).await?;
        open_sealed(key, slot.as_bytes(), sealed).map_err(|err| error(format!("{slot}{err}")))
    }
}

/// Seals `value` under `key` with a fresh nonce, binding `associated` in.
fn seal(key: &LessSafeKey, associated: &[u8], value: &str) -> Result<SealedSecret, SecretError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| error("no randomness for a nonce"))?;
    let mut sealed = value.as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(associated),
        &mut sealed,
    )
    .map_err(|_| error("sealing failed"))?;
    Ok(SealedSecret {
        nonce: nonce.to_vec(),
        sealed,
    })
}

/// Opens `sealed`; the error completes a sentence that starts with the value's name.
fn open_sealed(
    key: &LessSafeKey,
    associated: &[u8],
    sealed: SealedSecret,
) -> Result<String, String> {
    let nonce = Nonce::try_assume_unique_for_key(&sealed.nonce)
        .map_err(|_| ": the stored nonce is damaged".to_owned())?;
    let mut buffer = sealed.sealed;
    let plain = key
        .open_in_place(nonce, Aad::from(associated), &mut buffer)
        .map_err(|_| {
            " does not open with this key (another key file or SWITCHBOARD_MASTER_KEY, or \
             the value was altered)"
                .to_owned()
        })?;
    String::from_utf8(plain.to_vec()).map_err(|_| ": not text".to_owned())
}

/// The inline text of a sealed value.
fn inline_text(sealed: &SealedSecret) -> String {
    let mut bytes = sealed.nonce.clone();
    bytes.extend_from_slice(&sealed.sealed);
    format!(
        "{SEALED_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The sealed value in inline text; `None` for a plain value.
fn parse_inline(stored: &str) -> Result<Option<SealedSecret>, String> {
    let Some(encoded) = stored.strip_prefix(SEALED_PREFIX) else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| "the sealed value is damaged".to_owned())?;
    if bytes.len() < NONCE_LEN {
        return Err("the sealed value is damaged".into());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    Ok(Some(SealedSecret {
        nonce: nonce.to_vec(),
        sealed: sealed.to_vec(),
    }))
}

#[async_trait::async_trait]
impl SecretStore for Vault {
    async fn secret(&self, owner: &str, name: &str) -> Result<Option<String>, SecretError> {
        self.get(owner, name).await
    }

    async fn put_secret(&self, owner: &str, name: &str, value: &str) -> Result<(), SecretError> {
        self.put(owner, name, value).await
    }
}

/// The associated data of a value: its slot, so it opens only there.
fn associated(owner: &str, name: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(owner.len() + name.len() + 1);
    data.extend_from_slice(owner.as_bytes());
    data.push(0);
    data.extend_from_slice(name.as_bytes());
    data
}

fn make_key(bytes: &[u8]) -> Result<LessSafeKey, String> {
    UnboundKey::new(&CHACHA20_POLY1305, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| "not a 32-byte key".to_owned())
}

/// Reads a key file: 32 raw bytes, or 64 hex digits, or base64 of 32 bytes.
fn read_key(path: &Path) -> Result<LessSafeKey, String> {
    let bytes =
        std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    parse_key(&bytes).map_err(|err| format!("{}: {err}", path.display()))
}

fn parse_key(bytes: &[u8]) -> Result<LessSafeKey, String> {
    // Text first: 32 characters of hex or base64 are a short key typed by hand, not 32 raw
    // bytes (random raw bytes are almost never all hex or base64 characters).
    let decoded = std::str::from_utf8(bytes).ok().and_then(|text| {
        let text = text.trim();
        hex::decode(text)
            .ok()
            .or_else(|| base64::engine::general_purpose::STANDARD.decode(text).ok())
    });
    match decoded {
        Some(decoded) if decoded.len() == KEY_LEN => make_key(&decoded),
        Some(decoded) => Err(format!(
            "holds {} bytes; a key has {KEY_LEN} (e.g. `openssl rand -hex 32`)",
            decoded.len()
        )),
        None if bytes.len() == KEY_LEN => make_key(bytes),
        None => Err("holds neither 32 raw bytes nor hex or base64 text".to_owned()),
    }
}

/// The key beside the SQLite database: read when there, else made (hex, 0600) when `create`.
/// Two processes making it at once agree: the file is created exclusively and the loser
/// reads the winner's.
fn key_beside_database(path: &Path, create: bool) -> Result<LessSafeKey, SecretError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            return parse_key(&bytes).map_err(|err| error(format!("{}: {err}", path.display())));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && create => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(error(format!(
                "the secrets key {} is missing: the stored secrets cannot be opened (restore \
                 the file, or set [secrets] key_file)",
                path.display()
            )));
        }
        Err(err) => return Err(error(format!("cannot read {}: {err}", path.display()))),
    }
    let mut key = [0u8; KEY_LEN];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| error("no randomness for a key"))?;
    // Written under a temporary name, then linked into place: the link fails if another
    // process made the key first, and nobody ever reads a half-written key.
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    {
        use std::io::Write;
        let mut file = connector_sdk::private_files::create_new(&temporary)
            .map_err(|err| error(format!("cannot create {}: {err}", temporary.display())))?;
        file.write_all(hex::encode(key).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|err| error(format!("cannot write {}: {err}", temporary.display())))?;
    }
    let linked = std::fs::hard_link(&temporary, path);
    // The temporary name is only a step; failing to remove it leaves a copy of the same key
    // in a private file.
    if let Err(err) = std::fs::remove_file(&temporary) {
        tracing::warn!(path = %temporary.display(), error = %err, "cannot remove a temporary key file");
    }
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "made the key that seals stored secrets; back it up with the database");
            make_key(&key).map_err(error)
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let bytes = std::fs::read(path)
                .map_err(|err| error(format!("cannot read {}: {err}", path.display())))?;
            parse_key(&bytes).map_err(|err| error(format!("{}: {err}", path.display())))
        }
        Err(err) => Err(error(format!("cannot create {}: {err}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_raw_hex_or_base64() {
        let raw = [0xf7u8; 32];
        assert!(parse_key(&raw).is_ok());
        assert!(parse_key(hex::encode(raw).as_bytes()).is_ok());
        assert!(parse_key(format!("{}\n", hex::encode(raw)).as_bytes()).is_ok());
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        assert!(parse_key(b64.as_bytes()).is_ok());
        let short = parse_key(hex::encode([1u8; 16]).as_bytes()).unwrap_err();
        assert!(short.contains("holds 16 bytes"), "{short}");
        assert!(parse_key(b"not a key at all").is_err());
    }
}
