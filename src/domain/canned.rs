//! Canned responses: an agent's shortcut to a prepared answer.

use chrono::{DateTime, Utc};

use super::ids::{AgentId, CannedResponseId};

/// What a canned response sends.
#[derive(Debug, Clone, PartialEq)]
pub enum CannedContent {
    /// A named template from `templates/`, rendered per channel and locale.
    Template(String),
    /// Template text of its own, rendered as plain text.
    Body(String),
}

/// A prepared answer an agent inserts by its shortcut (`/refund`).
#[derive(Debug, Clone, PartialEq)]
pub struct CannedResponse {
    pub id: CannedResponseId,
    /// Unique, e.g. `refund`.
    pub shortcut: String,
    pub title: String,
    pub content: CannedContent,
    pub created_by: Option<AgentId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
