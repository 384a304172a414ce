//! Headers of event webhook deliveries and their secrets. The signature itself is the one
//! scheme of everything Switchboard signs, [`connector_sdk::signing`]:
//! `X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` next
//! to `X-Switchboard-Timestamp: <unix seconds>`.

use rand::RngCore;

pub use connector_sdk::signing::{
    SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, sign, verify,
};

/// The event's kind, e.g. `message.created`.
pub const EVENT_HEADER: &str = "X-Switchboard-Event";
/// The delivery id; retries and replays of a delivery carry the same one.
pub const DELIVERY_HEADER: &str = "X-Switchboard-Delivery";

/// Marks generated secrets so that secret scanners can spot them.
const SECRET_PREFIX: &str = "whsec_";

/// A new random signing secret: 32 random bytes, hex, with a recognisable prefix.
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_deliveries_keep_their_wire_format() {
        // The value receivers were told to expect before the scheme moved to the sdk:
        // printf '%s.%s' 1700000000 '<body>' | openssl dgst -sha256 -hmac whsec_test
        let body = br#"{"delivery_id":5,"id":7,"kind":"message.created"}"#;
        assert_eq!(
            sign(b"whsec_test", 1_700_000_000, body),
            "sha256=1d894542405d36b864cd3026c3f11f248a6f4ea13e3aca784b9765207c22e146"
        );
        assert_eq!(SIGNATURE_HEADER, "X-Switchboard-Signature");
        assert_eq!(TIMESTAMP_HEADER, "X-Switchboard-Timestamp");
    }

    #[test]
    fn secrets_are_long_random_and_recognisable() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 64);
    }
}
