//! Pure types and rules of the business: no I/O, no SQL, no HTTP.

pub mod access;
pub mod agent;
pub mod audit;
pub mod campaign;
pub mod canned;
pub mod contact;
pub mod conversation;
pub mod csat;
pub mod erasure;
pub mod event;
pub mod ids;
pub mod mailbox;
pub mod message;
pub mod phone;
pub mod quiet_hours;
pub mod rendered;
pub mod reply_window;
pub mod report;
pub mod retention;
pub mod routing;
pub mod segment;
pub mod sign_in;
pub mod sla;
pub mod time;
pub mod translation;
pub mod webhook;

pub use agent::{Agent, ApiToken, Availability, Role, RoutingPolicy, Team};
pub use campaign::{
    Audience, Campaign, CampaignDefinition, CampaignSpec, CampaignState, ChannelPlan, Funnel,
    FunnelCounts,
};
pub use canned::{CannedContent, CannedResponse};
pub use contact::{Contact, Identity};
pub use conversation::{Conversation, ConversationStatus, Priority};
pub use event::{Event, EventKind};
pub use ids::{
    AgentId, CampaignId, CannedResponseId, ContactId, ConversationId, ErasureId, EventId, LeaseId,
    MessageId, RuleId, SegmentId, TeamId, TokenId, WebhookDeliveryId, WebhookId,
};
pub use message::{
    AuthorType, DeliveryStatus, Direction, Message, MessageKind, Reaction, Redacted, Revision,
};
pub use rendered::Rendered;
pub use reply_window::ReplyWindow;
pub use routing::{EffectiveRouting, QueuedConversation, RoutingRules, RoutingScope};
pub use segment::{Filter, FilterError, Segment};
pub use sla::{SlaBreach, SlaState, SlaStatus};
pub use time::Millis;
pub use translation::{MessageTranslation, TranslationOrigin};
pub use webhook::{
    EventSelection, WebhookAttempt, WebhookDelivery, WebhookDeliveryState, WebhookSubscription,
};

/// A stored value that does not parse into its domain type (a bad row, not a bad request).
#[derive(Debug, thiserror::Error)]
#[error("invalid {what}: {value:?}")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
}

/// Declares a string-backed enum with `as_str`, `parse` (via `FromStr`) and serde in lowercase.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        // Written by hand: utoipa's derive does not see a `rename` that comes through a macro
        // fragment and documented the Rust variant names, which are not what the wire carries.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The lowercase name used in the database and the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::ParseError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::ParseError { what: $what, value: value.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;
