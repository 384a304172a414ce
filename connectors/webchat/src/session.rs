//! The visitor's session token: which visitor of which channel, since when, signed with a key
//! of the server (every node holds it), so any node can check a token without a lookup. The
//! widget keeps it in its own storage and sends it as a header (`X-Visitor-Token`): browsers
//! block third-party cookies, and a header cannot be sent by another site's form.

use subtle::ConstantTimeEq;

use crate::identity::{VisitorId, mac};

/// How long a session token is accepted after it was issued (then the widget starts a new
/// anonymous session, or the host identifies the user again).
pub const TOKEN_LIFETIME_SECS: i64 = 365 * 24 * 3_600;

/// Tokens longer than this are refused before any work.
const MAX_TOKEN_CHARS: usize = 1_200;

/// The server's signing key for one channel's session tokens.
#[derive(Clone)]
pub struct SessionKey(Vec<u8>);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl SessionKey {
    /// The key of `channel`, derived from the server's signing key: a token of one channel is
    /// worthless on another.
    pub fn derive(server_key: &[u8], channel: &str) -> Self {
        Self(mac(
            server_key,
            format!("web_chat session\n{channel}").as_bytes(),
        ))
    }

    /// A token for `visitor`, issued at `now` (Unix seconds).
    pub fn issue(&self, visitor: &VisitorId, now: i64) -> String {
        let body = format!("v1.{}.{now}", hex::encode(visitor.external_id()));
        let signature = hex::encode(mac(&self.0, body.as_bytes()));
        format!("{body}.{signature}")
    }

    /// `payload` with this key's signature for `purpose`: the widget may hold it and hand it
    /// back (an upload reference), and cannot change it.
    pub fn seal(&self, purpose: &str, payload: &str) -> String {
        let signature = mac(&self.0, format!("{purpose}\n{payload}").as_bytes());
        format!("{}.{}", hex::encode(payload), hex::encode(signature))
    }

    /// The payload of a [`SessionKey::seal`]ed text, when it is intact and sealed for `purpose`.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<String> {
        if sealed.len() > 4 * MAX_TOKEN_CHARS {
            return None;
        }
        let (payload, signature) = sealed.split_once('.')?;
        let payload = String::from_utf8(hex::decode(payload).ok()?).ok()?;
        let given = hex::decode(signature).ok()?;
        let expected = mac(&self.0, format!("{purpose}\n{payload}").as_bytes());
        (given.len() == expected.len() && bool::from(given.ct_eq(&expected))).then_some(payload)
    }

    /// The visitor of a token that this key signed and that has not expired at `now`.
    ///
    /// # Errors
    /// Why the token is refused, in words for the widget's developer.
    pub fn verify(&self, token: &str, now: i64) -> Result<VisitorId, &'static str> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err("the visitor token is too long");
        }
        let (body, signature) = token
            .rsplit_once('.')
            .ok_or("the visitor token is malformed")?;
        let given = hex::decode(signature).map_err(|_| "the visitor token is malformed")?;
        let expected = mac(&self.0, body.as_bytes());
        if given.len() != expected.len() || !bool::from(given.ct_eq(&expected)) {
            return Err("the visitor token is not valid for this channel");
        }
        let mut parts = body.split('.');
        let (Some("v1"), Some(visitor), Some(issued), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("the visitor token is malformed");
        };
        let issued: i64 = issued
            .parse()
            .map_err(|_| "the visitor token is malformed")?;
        if now.saturating_sub(issued) > TOKEN_LIFETIME_SECS {
            return Err("the visitor token has expired");
        }
        let visitor = hex::decode(visitor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| VisitorId::parse(&text))
            .ok_or("the visitor token is malformed")?;
        Ok(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_on_its_channel_until_it_expires() {
        let key = SessionKey::derive(b"server", "site");
        let visitor = VisitorId::User("a.b@example.com".into());
        let token = key.issue(&visitor, 1_000);
        assert_eq!(key.verify(&token, 1_000), Ok(visitor.clone()));
        assert_eq!(key.verify(&token, 1_000 + TOKEN_LIFETIME_SECS), Ok(visitor));
        assert!(key.verify(&token, 1_001 + TOKEN_LIFETIME_SECS).is_err());
        let other_channel = SessionKey::derive(b"server", "other");
        assert!(other_channel.verify(&token, 1_000).is_err());
        let other_server = SessionKey::derive(b"elsewhere", "site");
        assert!(other_server.verify(&token, 1_000).is_err());
    }

    #[test]
    fn a_sealed_text_opens_only_intact_and_for_its_purpose() {
        let key = SessionKey::derive(b"server", "site");
        let sealed = key.seal("upload", "sha256:ab|x.png");
        assert_eq!(
            key.open("upload", &sealed).as_deref(),
            Some("sha256:ab|x.png")
        );
        assert_eq!(key.open("other", &sealed), None);
        let forged = format!(
            "{}{}",
            hex::encode("sha256:cd|x.png"),
            &sealed[sealed.find('.').unwrap_or(0)..]
        );
        assert_eq!(key.open("upload", &forged), None);
        assert_eq!(
            SessionKey::derive(b"server", "b").open("upload", &sealed),
            None
        );
    }

    #[test]
    fn a_changed_token_is_refused() {
        let key = SessionKey::derive(b"server", "site");
        let token = key.issue(&VisitorId::new_anonymous(), 1_000);
        let forged_user = key
            .issue(&VisitorId::User("1".into()), 1_000)
            .replace(&hex::encode("user:1"), &hex::encode("user:2"));
        for bad in [
            forged_user,
            token.replacen("v1", "v2", 1),
            format!("{token}0"),
            token[..token.len() - 2].to_owned(),
            String::new(),
            "x".repeat(5_000),
        ] {
            assert!(key.verify(&bad, 1_000).is_err(), "{bad}");
        }
    }
}
