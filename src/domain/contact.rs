//! Contacts: one customer with all the ways of reaching them.

use chrono::{DateTime, Utc};

use super::ids::ContactId;

/// One way of reaching a contact: a channel scope with the channel's id for them.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// `telegram`, `webhook:shop`, `email`, `phone`, …
    pub scope: String,
    pub external_id: String,
    /// Set when the channel said the contact cannot be reached (blocked bot, hard bounce).
    pub unreachable_reason: Option<String>,
}

/// A customer, across every channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Free-form attributes (plan, company, …) as a JSON object.
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub tags: Vec<String>,
    pub identities: Vec<Identity>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when this contact was merged into another: it is only a pointer to that one now
    /// (the merge can be undone).
    pub merged_into: Option<ContactId>,
}
