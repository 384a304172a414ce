//! Customer satisfaction surveys (CSAT) as channels carry them: the survey that goes out with
//! a message ([`CsatRequest`]) and the customer's answer that comes back ([`CsatAnswer`]).
//!
//! Every native control (a Telegram inline button, a Discord button, a WhatsApp list row, a
//! Messenger quick reply) carries the same short payload, `csat:<rating>:<token>`, which the
//! core checks: the token is signed, names the conversation and expires, so a forged, altered
//! or stale payload is refused there. Connectors only carry it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Sender;

/// What every survey payload starts with.
pub const PAYLOAD_PREFIX: &str = "csat:";

/// The lowest and highest rating.
pub const RATINGS: std::ops::RangeInclusive<u8> = 1..=5;

/// The payload a control for `rating` carries.
pub fn payload(rating: u8, token: &str) -> String {
    format!("{PAYLOAD_PREFIX}{rating}:{token}")
}

/// The rating and token of a survey payload; `None` for anything else (an ordinary button of
/// another feature, a rating outside 1–5).
pub fn parse_payload(payload: &str) -> Option<(u8, &str)> {
    let rest = payload.strip_prefix(PAYLOAD_PREFIX)?;
    let (rating, token) = rest.split_once(':')?;
    let rating: u8 = rating.parse().ok()?;
    (RATINGS.contains(&rating) && !token.is_empty()).then_some((rating, token))
}

/// One answer a survey offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct CsatChoice {
    /// 1 (poor) to 5 (excellent).
    pub rating: u8,
    /// What the control shows, e.g. `5 ★★★★★`.
    pub label: String,
    /// What the control sends back (`csat:<rating>:<token>`).
    pub payload: String,
    /// The survey page with this rating chosen (email links); opening it records nothing.
    pub url: String,
}

/// A satisfaction survey to show with an outbound message, in the channel's own form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct CsatRequest {
    /// The survey's signed token (it names the conversation and the expiry).
    pub token: String,
    /// Ratings 1 to 5, in order.
    pub choices: Vec<CsatChoice>,
    /// The page a person opens to confirm a rating and add a comment (email links).
    pub page_url: String,
    /// Where a program posts the answer: `POST` with JSON `{"rating": 1-5, "comment": "…"}`.
    pub answer_url: String,
    /// After this the token is refused.
    pub expires_at: DateTime<Utc>,
}

impl CsatRequest {
    /// A survey for `token` with its page at `page_url` (answered by programs at
    /// `<page_url>/answer`), with choices 1 to 5.
    pub fn new(
        token: impl Into<String>,
        page_url: impl Into<String>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        let token = token.into();
        let page_url = page_url.into();
        let choices = RATINGS
            .map(|rating| CsatChoice {
                rating,
                label: format!("{rating} {}", "★".repeat(usize::from(rating))),
                payload: payload(rating, &token),
                url: format!("{page_url}?rating={rating}"),
            })
            .collect();
        Self {
            token,
            choices,
            answer_url: format!("{page_url}/answer"),
            page_url,
            expires_at,
        }
    }
}

/// A customer pressed a survey control (or picked a row, or a quick reply) on a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CsatAnswer {
    pub channel: String,
    /// The channel's id of the press (a callback query id, an interaction id, a message id).
    pub external_id: String,
    /// Who pressed it, as in [`Sender`]: only the surveyed contact's answer counts.
    pub from: Sender,
    /// The control's payload as the channel returned it (`csat:<rating>:<token>`).
    pub payload: String,
    pub at: Option<DateTime<Utc>>,
    /// Set by the core, never by a channel: the conversation whose survey the payload's token
    /// names, once the token checked out (signature and expiry).
    #[serde(skip)]
    pub verified_conversation: Option<i64>,
}

impl CsatAnswer {
    /// `from` sent back survey payload `payload`.
    pub fn new(
        channel: impl Into<String>,
        external_id: impl Into<String>,
        from: Sender,
        payload: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            external_id: external_id.into(),
            from,
            payload: payload.into(),
            at: None,
            verified_conversation: None,
        }
    }

    /// The rating and token the payload carries, if it is a survey payload.
    pub fn rating_and_token(&self) -> Option<(u8, &str)> {
        parse_payload(&self.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_refuse_other_ratings() {
        let token = "42.1767225600.abcDEF_-";
        assert_eq!(parse_payload(&payload(5, token)), Some((5, token)));
        assert_eq!(parse_payload("csat:0:tok"), None);
        assert_eq!(parse_payload("csat:6:tok"), None);
        assert_eq!(parse_payload("csat:5:"), None);
        assert_eq!(parse_payload("other:5:tok"), None);
        let request = CsatRequest::new(token, "https://sb.example/csat/t", Utc::now());
        assert_eq!(request.choices.len(), 5);
        assert_eq!(request.choices[4].payload, payload(5, token));
        assert!(request.choices[0].url.ends_with("?rating=1"));
    }

    #[test]
    fn a_payload_fits_telegram_callback_data() {
        // 64 bytes is Telegram's limit; a token for a 12-digit conversation id still fits.
        let token = "999999999999.1767225600.AAAAAAAAAAAAAAAAAAAAAA";
        assert!(payload(5, token).len() <= 64);
    }
}
