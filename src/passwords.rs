//! Agent passwords for the web inbox: argon2id hashes in PHC form, and generated first-run
//! passwords. Hashing is deliberately slow, so callers run it on a blocking thread.

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

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough password").is_ok());
    }
}
