//! Signed campaign links: unsubscribe (RFC 8058 one-click and the confirmation page), the
//! open-tracking pixel and click redirects. A token names (campaign, contact, channel kind)
//! and carries an HMAC-SHA256, so links need no database lookup to be trusted and cannot be
//! forged or pointed at someone else.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::CampaignId;

type HmacSha256 = Hmac<Sha256>;

/// What a link is for; part of the signed text, so a pixel token cannot unsubscribe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Unsubscribe,
    Open,
    Click,
}

impl Purpose {
    fn tag(self) -> &'static str {
        match self {
            Purpose::Unsubscribe => "u",
            Purpose::Open => "o",
            Purpose::Click => "c",
        }
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaims {
    pub campaign: CampaignId,
    pub contact: i64,
    /// The channel kind the message went out on.
    pub kind: String,
}

/// Signs and checks link tokens with one key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(..)")
    }
}

impl LinkSigner {
    /// A signer with `key` (the stored campaign link key).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, purpose: Purpose, body: &str, extra: &str) -> HmacSha256 {
        // Any key length is valid for HMAC, so this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(purpose.tag().as_bytes());
        mac.update(b"|");
        mac.update(body.as_bytes());
        mac.update(b"|");
        mac.update(extra.as_bytes());
        mac
    }

    /// A key for another use of this server secret (web chat session tokens), derived so
    /// that no token of that use can pass for a link and the other way round.
    pub fn derive_key(&self, label: &str) -> Vec<u8> {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(b"derived key|");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A token for `claims`; `extra` (the target of a click link) is signed with it.
    pub fn sign(&self, purpose: Purpose, claims: &LinkClaims, extra: &str) -> String {
        let body = format!("{}.{}.{}", claims.campaign, claims.contact, claims.kind);
        let tag = self.mac(purpose, &body, extra).finalize().into_bytes();
        // 16 bytes of the MAC are plenty against forgery and keep links short.
        format!("{body}.{}", hex::encode(&tag[..16]))
    }

    /// The claims of a token made by [`LinkSigner::sign`] with the same purpose and extra.
    pub fn verify(&self, purpose: Purpose, token: &str, extra: &str) -> Option<LinkClaims> {
        let (body, tag) = token.rsplit_once('.')?;
        let tag = hex::decode(tag).ok()?;
        if tag.len() != 16 {
            return None;
        }
        let mut parts = body.splitn(3, '.');
        let campaign = parts.next()?.parse().ok()?;
        let contact = parts.next()?.parse().ok()?;
        let kind = parts.next()?;
        if kind.is_empty() || !kind.chars().all(|ch| ch.is_ascii_lowercase()) {
            return None;
        }
        self.mac(purpose, body, extra)
            .verify_truncated_left(&tag)
            .ok()?;
        Some(LinkClaims {
            campaign,
            contact,
            kind: kind.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_with_their_key_purpose_and_target() {
        let signer = LinkSigner::new(b"key one");
        let claims = LinkClaims {
            campaign: CampaignId::new(7),
            contact: 42,
            kind: "email".into(),
        };
        let token = signer.sign(Purpose::Unsubscribe, &claims, "");
        assert_eq!(
            signer.verify(Purpose::Unsubscribe, &token, ""),
            Some(claims.clone())
        );
        assert_eq!(signer.verify(Purpose::Open, &token, ""), None);
        assert_eq!(
            LinkSigner::new(b"key two").verify(Purpose::Unsubscribe, &token, ""),
            None
        );
        let forged = token.replacen("7.42", "7.43", 1);
        assert_eq!(signer.verify(Purpose::Unsubscribe, &forged, ""), None);
        let click = signer.sign(Purpose::Click, &claims, "https://shop.example/a");
        assert!(
            signer
                .verify(Purpose::Click, &click, "https://shop.example/a")
                .is_some()
        );
        assert!(
            signer
                .verify(Purpose::Click, &click, "https://evil.example/")
                .is_none()
        );
        assert_eq!(signer.verify(Purpose::Unsubscribe, "garbage", ""), None);
    }
}
