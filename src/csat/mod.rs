//! Customer satisfaction surveys (CSAT): the signed survey token, the links and the survey
//! a message carries. Sending is a rule action (`send_csat`, and the built-in rule of channels
//! with `csat = true`); answers arrive from the channels' native controls (through the
//! pipeline), from the survey page (`http::csat`) and from the web chat widget. The store keeps
//! one survey per conversation and its latest answer; it does not sign or check tokens.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use connector_sdk::csat::CsatRequest;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{ConversationId, Millis};

type HmacSha256 = Hmac<Sha256>;

/// The template a survey's text is rendered from.
pub const TEMPLATE: &str = "csat_request";

/// How long a survey can be answered after it was sent, unless configured otherwise.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(30 * 24 * 3600);

/// Bytes of the MAC kept in a token: 128 bits, short enough for Telegram's 64-byte
/// `callback_data` together with the rating and the conversation id.
const MAC_BYTES: usize = 16;

/// Why a survey token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of ours, or altered: the signature does not match.
    #[error("the survey link is not valid")]
    Invalid,
    /// Genuine, but past its expiry.
    #[error("the survey has expired")]
    Expired,
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyClaims {
    pub conversation: ConversationId,
    pub expires_at: Millis,
}

/// Signs and checks survey tokens and builds the survey links; cheap to clone.
#[derive(Clone)]
pub struct Surveys {
    key: Vec<u8>,
    /// `[campaigns] public_url` without its trailing slash: where customers reach the page.
    public_url: String,
    validity: Duration,
}

impl std::fmt::Debug for Surveys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Surveys")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Surveys {
    /// Surveys signed with `key` (derived from the server's link key) and linked under
    /// `public_url`.
    pub fn new(key: Vec<u8>, public_url: &str, validity: Duration) -> Self {
        Self {
            key,
            public_url: public_url.trim_end_matches('/').to_owned(),
            validity,
        }
    }

    /// How long a survey stays answerable.
    pub fn validity(&self) -> Duration {
        self.validity
    }

    /// When a survey sent at `sent_at` expires (whole seconds, as the token carries it).
    pub fn expiry(&self, sent_at: Millis) -> Millis {
        let millis = sent_at.0 + i64::try_from(self.validity.as_millis()).unwrap_or(i64::MAX / 2);
        Millis(millis - millis.rem_euclid(1000))
    }

    fn mac(&self, body: &str) -> HmacSha256 {
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(b"csat|");
        mac.update(body.as_bytes());
        mac
    }

    /// The token of the survey of `conversation`, valid until `expires_at`.
    pub fn token(&self, conversation: ConversationId, expires_at: Millis) -> String {
        let body = format!("{}.{}", conversation.get(), expires_at.0.div_euclid(1000));
        let tag = self.mac(&body).finalize().into_bytes();
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES]))
    }

    /// What `token` says, if it is ours, unaltered and not expired at `now`.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for anything not signed by us, [`TokenError::Expired`] after
    /// the expiry.
    pub fn verify(&self, token: &str, now: Millis) -> Result<SurveyClaims, TokenError> {
        let (body, tag) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Invalid)?;
        if tag.len() != MAC_BYTES {
            return Err(TokenError::Invalid);
        }
        self.mac(body)
            .verify_truncated_left(&tag)
            .map_err(|_| TokenError::Invalid)?;
        let (conversation, expires) = body.split_once('.').ok_or(TokenError::Invalid)?;
        let conversation: i64 = conversation.parse().map_err(|_| TokenError::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        let expires_at = Millis(expires.saturating_mul(1000));
        if expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(SurveyClaims {
            conversation: ConversationId::new(conversation),
            expires_at,
        })
    }

    /// The survey page of `token`.
    pub fn page_url(&self, token: &str) -> String {
        format!("{}/csat/{token}", self.public_url)
    }

    /// The survey a message to `conversation` carries.
    pub fn request(&self, conversation: ConversationId, expires_at: Millis) -> CsatRequest {
        let token = self.token(conversation, expires_at);
        let url = self.page_url(&token);
        CsatRequest::new(token, url, expires_at.to_datetime())
    }

    /// Values for the `csat_request` template: `custom.survey_url` (the page) and
    /// `custom.rating_urls` (the page with each rating chosen, 1 to 5, in order: plain
    /// strings, so the start-up check of templates, whose `custom` values are placeholders,
    /// can walk them too).
    pub fn template_values(
        &self,
        conversation: ConversationId,
        expires_at: Millis,
    ) -> serde_json::Map<String, serde_json::Value> {
        let request = self.request(conversation, expires_at);
        let mut values = serde_json::Map::new();
        values.insert("survey_url".into(), request.page_url.clone().into());
        values.insert(
            "rating_urls".into(),
            request
                .choices
                .iter()
                .map(|choice| serde_json::Value::from(choice.url.clone()))
                .collect(),
        );
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surveys(key: &[u8]) -> Surveys {
        Surveys::new(key.to_vec(), "https://sb.example/", DEFAULT_VALIDITY)
    }

    #[test]
    fn tokens_verify_with_their_key_until_they_expire() {
        let surveys = surveys(b"key one");
        let now = Millis(1_767_225_600_123);
        let expires = surveys.expiry(now);
        let token = surveys.token(ConversationId::new(42), expires);
        let claims = surveys.verify(&token, now).expect("valid");
        assert_eq!(claims.conversation, ConversationId::new(42));
        assert_eq!(claims.expires_at, expires);
        assert_eq!(
            surveys.verify(&token, expires),
            Err(TokenError::Expired),
            "expired at the instant"
        );
        assert_eq!(
            Surveys::new(b"key two".to_vec(), "x", DEFAULT_VALIDITY).verify(&token, now),
            Err(TokenError::Invalid)
        );
        let other = token.replacen("42.", "43.", 1);
        assert_eq!(surveys.verify(&other, now), Err(TokenError::Invalid));
        let later = token.replacen(
            &format!(".{}.", expires.0 / 1000),
            &format!(".{}.", expires.0 / 1000 + 1),
            1,
        );
        assert_eq!(surveys.verify(&later, now), Err(TokenError::Invalid));
        for garbage in ["", "42", "42.1.", "a.b.c", "42.1.!!!!"] {
            assert_eq!(surveys.verify(garbage, now), Err(TokenError::Invalid));
        }
    }

    #[test]
    fn links_point_at_the_public_page() {
        let surveys = surveys(b"k");
        let request = surveys.request(ConversationId::new(7), Millis(2_000_000_000_000));
        assert!(request.page_url.starts_with("https://sb.example/csat/7."));
        assert_eq!(request.answer_url, format!("{}/answer", request.page_url));
        assert!(connector_sdk::csat::payload(5, &request.token).len() <= 64);
    }
}
