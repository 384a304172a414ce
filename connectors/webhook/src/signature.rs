//! `X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, both directions.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-switchboard-signature";

const PREFIX: &str = "sha256=";

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

/// The header value for `body` signed with `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = mac(secret);
    mac.update(body);
    format!("{PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a header value against the raw body in constant time.
///
/// # Errors
/// A message saying what is wrong with the header, for the 401 answer.
pub fn verify(secret: &[u8], body: &[u8], header: &[u8]) -> Result<(), String> {
    let header = std::str::from_utf8(header).map_err(|_| "signature is not ASCII".to_owned())?;
    let hex_digest = header
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| format!("signature must start with {PREFIX}"))?;
    let digest = hex::decode(hex_digest).map_err(|_| "signature is not hex".to_owned())?;
    let mut mac = mac(secret);
    mac.update(body);
    // verify_slice compares in constant time.
    mac.verify_slice(&digest)
        .map_err(|_| "signature does not match the body".to_owned())
}
