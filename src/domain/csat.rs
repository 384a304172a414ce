//! A conversation's satisfaction survey (CSAT) and its answer, as the store keeps them.

use chrono::{DateTime, Utc};

use super::ConversationId;

/// The survey of one conversation (there is at most one).
#[derive(Debug, Clone, PartialEq)]
pub struct CsatSurvey {
    pub conversation: ConversationId,
    pub channel: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The latest answer, 1 to 5; `None` until the customer answers.
    pub rating: Option<u8>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// Who gives an answer, which decides whether it may.
#[derive(Debug, Clone, PartialEq)]
pub enum CsatRespondent {
    /// Whoever holds the survey's signed link (the page, an integrator of the webhook channel).
    LinkHolder,
    /// A channel identity (the person who pressed a Telegram button): it must be one of the
    /// surveyed contact's identities.
    Identity { scope: String, external_id: String },
}

/// What became of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsatOutcome {
    /// Stored; `previous` is the rating it replaced.
    Recorded { previous: Option<u8>, rating: u8 },
    /// The conversation was never surveyed.
    NotSurveyed,
    /// The survey expired.
    Expired,
    /// The respondent is not the surveyed contact.
    NotTheirs,
}

/// Longest comment kept with an answer, in characters; the rest is cut.
pub const MAX_COMMENT_CHARS: usize = 2000;
