//! One id type per entity, so that a contact id can never be passed where a conversation id is due.

use serde::{Deserialize, Serialize};

macro_rules! entity_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a stored id.
            pub const fn new(id: i64) -> Self { Self(id) }
            /// The raw database id.
            pub const fn get(self) -> i64 { self.0 }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { self.0.fmt(f) }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> { s.parse().map(Self) }
        }
    )+};
}

entity_id! {
    /// A contact (a customer, across all their channels).
    ContactId,
    /// A conversation; also shown to customers as its ticket number.
    ConversationId,
    /// A message, note or activity in a conversation.
    MessageId,
    /// A support agent, admin or marketer.
    AgentId,
    /// A team of agents.
    TeamId,
    /// An API token.
    TokenId,
    /// An entry of the event log.
    EventId,
    /// An integrator's outbound event webhook subscription.
    WebhookId,
    /// One event's delivery to one webhook subscription.
    WebhookDeliveryId,
    /// A canned response (an agent's shortcut to a prepared answer).
    CannedResponseId,
    /// A marketing campaign.
    CampaignId,
    /// A saved segment (a named audience filter).
    SegmentId,
    /// An automation rule created through the API.
    RuleId,
    /// A batch of a campaign's send ledger leased to one worker until a deadline.
    LeaseId,
    /// A contact's erasure job.
    ErasureId,
}
