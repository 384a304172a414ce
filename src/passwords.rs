//! Agent passwords for the web inbox: argon2id hashes in PHC form, and generated first-run
//! passwords. Hashing is deliberately slow and takes ~19 MiB, so sign-ins verify through a
//! [`VerifyPool`]: a few checks at a time on blocking threads, never one per request.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;

/// Shortest password accepted when an agent chooses one.
pub const MIN_LENGTH: usize = 10;

/// Letters and digits that cannot be misread for one another (no 0/O, 1/l/I).
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new random password of 20 characters (about 115 bits), shown to a person once.
pub fn generate() -> String {
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The argon2id hash of `password` with a fresh salt, as a PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so parameters can be raised later without
/// invalidating stored hashes.
///
/// # Errors
/// Only when argon2 refuses its own parameters, which the defaults never make it do.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|err| anyhow::anyhow!("encoding the password salt: {err}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hashing the password: {err}"))
}

/// True when `password` matches the stored PHC hash. A malformed hash matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Checks a password an agent chose.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!(
            "password: must be at least {MIN_LENGTH} characters"
        ));
    }
    if password.chars().count() > 1024 {
        return Err("password: must be at most 1024 characters".into());
    }
    Ok(())
}

/// A valid hash of a random secret, verified against when the address is unknown, so a
/// failed sign-in takes as long whether or not the account exists.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

/// A bounded number of password checks running at once. Each argon2 check holds its memory
/// for its whole run, so this bound is what keeps memory flat under a flood of sign-ins.
#[derive(Debug)]
pub struct VerifyPool {
    slots: tokio::sync::Semaphore,
    size: usize,
    wait: std::time::Duration,
    running: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

/// No check slot freed up within the pool's wait.
#[derive(Debug, thiserror::Error)]
#[error("too many sign-ins are being checked; try again shortly")]
pub struct PoolBusy;

impl VerifyPool {
    /// A pool of `size` slots; a caller waits at most `wait` for one.
    pub fn new(size: usize, wait: std::time::Duration) -> Self {
        Self {
            slots: tokio::sync::Semaphore::new(size),
            size,
            wait,
            running: Default::default(),
            peak: Default::default(),
        }
    }

    /// True when `password` matches `stored`, or, when `stored` is `None` (no such account),
    /// checks the decoy hash so that the answer takes as long as for a real account.
    ///
    /// # Errors
    /// [`PoolBusy`] when no slot freed up in time; the password was not checked.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, PoolBusy> {
        use std::sync::atomic::Ordering;
        let _slot = tokio::time::timeout(self.wait, self.slots.acquire())
            .await
            .map_err(|_| PoolBusy)?
            .map_err(|_| PoolBusy)?;
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(running, Ordering::SeqCst);
        // The slot is held until the blocking check has finished, even when the caller gives
        // up (its future is dropped): awaiting the join handle keeps it, and a dropped caller
        // cannot free the slot early because the check itself is not cancelled.
        let check = tokio::task::spawn_blocking(move || match &stored {
            Some(hash) => verify(&password, hash),
            None => {
                // No account can match; the check runs only so that it takes the same time.
                let _ = verify(&password, decoy_hash());
                false
            }
        });
        let result = check.await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(result.unwrap_or(false))
    }

    /// The most checks that ever ran at once (for tests and diagnostics).
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The number of slots.
    pub fn size(&self) -> usize {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_argon2id_with_fresh_salts() {
        let password = generate();
        assert_eq!(password.len(), 20);
        let (a, b) = (hash(&password).unwrap(), hash(&password).unwrap());
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&password, &a));
        assert!(verify(&password, &b));
        assert!(!verify("wrong password", &a));
        assert!(!verify(&password, "not a hash"));
        assert!(verify("x", &hash("x").unwrap()));
    }

    #[tokio::test]
    async fn the_pool_runs_at_most_its_size_and_refuses_quickly_beyond() {
        let stored = hash("right password").unwrap();
        let pool = std::sync::Arc::new(VerifyPool::new(2, std::time::Duration::from_millis(1)));
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let (pool, stored) = (pool.clone(), stored.clone());
                tokio::spawn(async move {
                    let password = if i == 0 { "right password" } else { "wrong" };
                    pool.verify(password.into(), Some(stored)).await
                })
            })
            .collect();
        let mut busy = 0;
        for task in tasks {
            if task.await.unwrap().is_err() {
                busy += 1;
            }
        }
        assert!(
            busy >= 1,
            "12 checks at once on 2 slots: some must be refused"
        );
        assert!(
            pool.peak() <= 2,
            "peak {} above the pool's size",
            pool.peak()
        );
        assert!(pool.peak() >= 1);
        assert_eq!(pool.verify("x".into(), None).await.ok(), Some(false));
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough password").is_ok());
    }
}
