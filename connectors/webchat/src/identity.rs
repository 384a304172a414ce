//! Who a visitor is. An anonymous visitor is a random id the widget keeps; a user of the host
//! site is known by the host's own user id, proven by `hash = hex(HMAC-SHA256(identity_secret,
//! id))`, which only the host's backend can compute. The proof is compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Longest host user id accepted (they are database keys or emails in practice).
pub const MAX_USER_ID_CHARS: usize = 256;

/// A visitor of one web chat channel, as kept in its session token and as the external id of
/// the contact identity (scope `web_chat:<channel>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VisitorId {
    /// A browser without a proven identity: `anon:<32 hex digits>`.
    Anonymous(String),
    /// A user of the host site proven by the identity hash: `user:<host id>`.
    User(String),
}

impl VisitorId {
    /// A fresh anonymous visitor with 128 random bits.
    pub fn new_anonymous() -> Self {
        Self::Anonymous(hex::encode(rand_bytes()))
    }

    /// The stored form (`anon:…` / `user:…`).
    pub fn external_id(&self) -> String {
        match self {
            Self::Anonymous(id) => format!("anon:{id}"),
            Self::User(id) => format!("user:{id}"),
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        if let Some(id) = text.strip_prefix("anon:") {
            (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| Self::Anonymous(id.to_owned()))
        } else {
            text.strip_prefix("user:")
                .filter(|id| valid_user_id(id))
                .map(|id| Self::User(id.to_owned()))
        }
    }

    /// True for a proven user of the host site.
    pub fn is_verified(&self) -> bool {
        matches!(self, Self::User(_))
    }
}

/// A host user id: 1 to [`MAX_USER_ID_CHARS`] characters, none of them control characters.
pub fn valid_user_id(id: &str) -> bool {
    let count = id.chars().count();
    (1..=MAX_USER_ID_CHARS).contains(&count) && !id.chars().any(char::is_control)
}

/// The hash the host's backend computes for `id`: lowercase hex of HMAC-SHA256.
pub fn identity_hash(secret: &[u8], id: &str) -> String {
    hex::encode(mac(secret, id.as_bytes()))
}

/// True when `hash` (hex, either case) proves `id` under `secret`; compared in constant time.
pub fn verify_identity(secret: &[u8], id: &str, hash: &str) -> bool {
    let Ok(given) = hex::decode(hash.trim().to_ascii_lowercase()) else {
        return false;
    };
    let expected = mac(secret, id.as_bytes());
    given.len() == expected.len() && bool::from(given.ct_eq(&expected))
}

pub(crate) fn mac(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn rand_bytes() -> [u8; 16] {
    // `rand`'s thread generator is a CSPRNG seeded from the OS: fit for a credential.
    rand::random()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_hex_hmac_sha256_of_the_id() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            identity_hash(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_right_hash_verifies() {
        let hash = identity_hash(b"secret", "user-42");
        assert!(verify_identity(b"secret", "user-42", &hash));
        assert!(verify_identity(b"secret", "user-42", &hash.to_uppercase()));
        assert!(!verify_identity(b"secret", "user-43", &hash));
        assert!(!verify_identity(b"other", "user-42", &hash));
        assert!(!verify_identity(b"secret", "user-42", &hash[..62]));
        assert!(!verify_identity(b"secret", "user-42", "not hex"));
        assert!(!verify_identity(b"secret", "user-42", ""));
    }

    #[test]
    fn visitor_ids_round_trip_and_refuse_junk() {
        let anonymous = VisitorId::new_anonymous();
        assert_eq!(
            VisitorId::parse(&anonymous.external_id()),
            Some(anonymous.clone())
        );
        assert_ne!(anonymous, VisitorId::new_anonymous());
        let user = VisitorId::User("42".into());
        assert_eq!(VisitorId::parse("user:42"), Some(user));
        for junk in ["anon:xyz", "user:", "user:a\nb", "42", "anon:", ""] {
            assert_eq!(VisitorId::parse(junk), None, "{junk:?}");
        }
    }
}
