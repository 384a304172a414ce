//! Outbound event webhooks as data: an integrator's subscription, which events it selects, and
//! the log of deliveries and attempts. Sending them is the event webhook worker's job.

use chrono::{DateTime, Utc};

use super::ParseError;
use super::event::EventKind;
use super::ids::{EventId, WebhookDeliveryId, WebhookId};
use super::string_enum;

/// Which events a subscription receives: every event (`["*"]`) or the listed kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSelection {
    All,
    /// Sorted by name, without duplicates, never empty.
    Only(Vec<EventKind>),
}

impl EventSelection {
    /// The name that selects every event, now and as new kinds are added.
    pub const WILDCARD: &'static str = "*";

    /// Parses a list of event names; `*` anywhere selects everything.
    ///
    /// # Errors
    /// A name that is neither `*` nor an [`EventKind`], or an empty list.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, ParseError> {
        if names.is_empty() {
            return Err(ParseError {
                what: "event selection",
                value: "[]".into(),
            });
        }
        let mut kinds = Vec::with_capacity(names.len());
        let mut all = false;
        for name in names {
            match name.as_ref() {
                Self::WILDCARD => all = true,
                other => kinds.push(other.parse::<EventKind>()?),
            }
        }
        if all {
            return Ok(Self::All);
        }
        kinds.sort_by_key(|kind| kind.as_str());
        kinds.dedup();
        Ok(Self::Only(kinds))
    }

    /// True when events of `kind` are selected.
    pub fn matches(&self, kind: EventKind) -> bool {
        match self {
            Self::All => true,
            Self::Only(kinds) => kinds.contains(&kind),
        }
    }

    /// The names, as stored and shown: `["*"]` or the kinds.
    pub fn names(&self) -> Vec<String> {
        match self {
            Self::All => vec![Self::WILDCARD.to_owned()],
            Self::Only(kinds) => kinds.iter().map(|kind| kind.as_str().to_owned()).collect(),
        }
    }
}

/// An integrator's subscription. Its signing secret is not part of it: the API shows the
/// secret once, at creation, and only the sender reads it back.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSubscription {
    pub id: WebhookId,
    pub url: String,
    pub events: EventSelection,
    /// Paused subscriptions receive nothing, not even later: events are not queued for them.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

string_enum! {
    /// Where a delivery stands: waiting (first try or a retry), done, or given up.
    WebhookDeliveryState, "webhook delivery state" {
        Pending => "pending", Delivered => "delivered", Failed => "failed",
    }
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookAttempt {
    /// The receiver's HTTP status; `None` when no response came (timeout, refused connection,
    /// refused target).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: DateTime<Utc>,
}

/// One event's delivery to one subscription, with every attempt made for it.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub subscription_id: WebhookId,
    pub event_id: EventId,
    pub event_kind: EventKind,
    pub state: WebhookDeliveryState,
    /// Attempts in the current round; a replay starts a new round.
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first, across replays.
    pub history: Vec<WebhookAttempt>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_parse_normalise_and_match() {
        let only =
            EventSelection::parse(&["message.created", "conversation.created", "message.created"])
                .expect("valid");
        assert_eq!(only.names(), ["conversation.created", "message.created"]);
        assert!(only.matches(EventKind::MessageCreated));
        assert!(!only.matches(EventKind::ContactCreated));

        let all = EventSelection::parse(&["message.created", "*"]).expect("valid");
        assert_eq!(all, EventSelection::All);
        assert_eq!(all.names(), ["*"]);
        assert!(all.matches(EventKind::ContactUpdated));

        assert!(EventSelection::parse::<&str>(&[]).is_err());
        let err = EventSelection::parse(&["message.sent"]).expect_err("unknown");
        assert_eq!(err.value, "message.sent");
    }
}
