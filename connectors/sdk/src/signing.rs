//! The one signing scheme for everything Switchboard signs (event webhooks, the webhook
//! channel's callbacks): `X-Switchboard-Timestamp: <unix seconds>` and
//! `X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
//! Signing the timestamp with the body lets a receiver refuse a captured request replayed later.
//! Also verifies the older body-only form that the webhook channel still accepts inbound.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature header: `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Switchboard-Signature";
/// When the request was signed, in Unix seconds; part of the signed text.
pub const TIMESTAMP_HEADER: &str = "X-Switchboard-Timestamp";
/// How far a signed timestamp may be from the receiver's clock, either way, in seconds.
pub const REPLAY_TOLERANCE_SECS: i64 = 300;

const PREFIX: &str = "sha256=";

/// Why a signature was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the timestamp is outside the accepted window")]
    Stale,
    #[error("the signature is not sha256=<hex>")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
}

fn keyed(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

fn timestamped(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = keyed(secret);
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn encode(mac: Hmac<Sha256>) -> String {
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

fn decode(signature: &str) -> Result<Vec<u8>, SignatureError> {
    signature
        .trim()
        .strip_prefix(PREFIX)
        .and_then(|hex| hex::decode(hex).ok())
        .ok_or(SignatureError::Malformed)
}

/// The `X-Switchboard-Signature` value of `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    encode(timestamped(secret, &timestamp.to_string(), body))
}

/// Checks a timestamped request as a receiver should: the timestamp within `tolerance_secs`
/// of `now` (Unix seconds, either direction), then the signature over `"<timestamp>.<body>"`
/// in constant time.
///
/// # Errors
/// A [`SignatureError`] saying what is wrong.
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if now.saturating_sub(sent).saturating_abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let tag = decode(signature)?;
    // verify_slice compares in constant time.
    timestamped(secret, timestamp.trim(), body)
        .verify_slice(&tag)
        .map_err(|_| SignatureError::Mismatch)
}

/// The body-only signature `sha256=<hex HMAC-SHA256(secret, body)>` of integrations written
/// before requests carried a timestamp. It can be replayed forever, so Switchboard never
/// produces it; only the webhook channel's inbound side still accepts it, unless the channel
/// sets `require_timestamp`.
///
/// # Errors
/// [`SignatureError::Malformed`] or [`SignatureError::Mismatch`].
pub fn verify_body_only(secret: &[u8], body: &[u8], signature: &str) -> Result<(), SignatureError> {
    let tag = decode(signature)?;
    let mut mac = keyed(secret);
    mac.update(body);
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_documented_algorithm_and_verify() {
        let body = br#"{"id":1,"kind":"message.created"}"#;
        let signature = sign(b"secret", 1_700_000_000, body);
        let mut expected = Hmac::<Sha256>::new_from_slice(b"secret").expect("key");
        expected.update(b"1700000000.");
        expected.update(body);
        assert_eq!(
            signature,
            format!("sha256={}", hex::encode(expected.finalize().into_bytes()))
        );
        assert_eq!(
            verify(
                b"secret",
                "1700000000",
                body,
                &signature,
                1_700_000_100,
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn the_readme_example_matches_openssl() {
        // printf '%s.%s' 1700000000 '<body>' | openssl dgst -sha256 -hmac whsec_test
        let body = br#"{"delivery_id":5,"id":7,"kind":"message.created"}"#;
        assert_eq!(
            sign(b"whsec_test", 1_700_000_000, body),
            "sha256=1d894542405d36b864cd3026c3f11f248a6f4ea13e3aca784b9765207c22e146"
        );
    }

    #[test]
    fn tampering_staleness_in_either_direction_and_garbage_are_refused() {
        let body = b"{}";
        let signature = sign(b"secret", 1000, body);
        assert_eq!(
            verify(b"other", "1000", body, &signature, 1000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"secret", "1000", b"{ }", &signature, 1000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"secret", "1001", body, &signature, 1000, 300),
            Err(SignatureError::Mismatch),
            "the timestamp is signed"
        );
        assert_eq!(
            verify(b"secret", "1000", body, &signature, 1301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"secret", "1000", body, &signature, 699, 300),
            Err(SignatureError::Stale),
            "a timestamp from the future is as stale as one from the past"
        );
        assert_eq!(
            verify(b"secret", "soon", body, &signature, 1000, 300),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            verify(b"secret", "1000", body, "md5=abc", 1000, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(
                b"secret",
                "-9223372036854775808",
                body,
                &signature,
                i64::MAX,
                300
            ),
            Err(SignatureError::Stale),
            "extreme timestamps do not overflow"
        );
    }

    #[test]
    fn the_body_only_form_verifies_and_is_not_the_timestamped_one() {
        let body = b"{}";
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").expect("key");
        mac.update(body);
        let body_only = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(verify_body_only(b"secret", body, &body_only), Ok(()));
        assert_eq!(
            verify_body_only(b"secret", body, &sign(b"secret", 1000, body)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_body_only(b"secret", body, "sha256=zz"),
            Err(SignatureError::Malformed)
        );
    }
}
