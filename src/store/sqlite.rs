//! The SQLite copy of the portable SQL in `sql/` (see the module docs of `store`).

// Every file of `sql/` is declared here and again in `postgres.rs`, so each statement has one
// source compiled once per backend against that backend's `Db`. That double declaration is
// the point, not a slip, hence the allowance. (Modules rather than `include!`, so rustfmt,
// the IDE and `//!` docs see the files.)
#![allow(clippy::duplicate_mod)]

/// The database this copy is compiled for.
pub type Db = sqlx::Sqlite;
/// Lets the shared SQL branch where the dialects differ.
pub const IS_POSTGRES: bool = false;

/// SQLite has no arrays: the shared SQL reads one only on PostgreSQL (`IS_POSTGRES`).
pub fn bigint_array(
    _row: &sqlx::sqlite::SqliteRow,
    column: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    Err(sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: "SQLite has no arrays".into(),
    })
}

#[path = "sql/access.rs"]
pub mod access;
#[path = "sql/agents.rs"]
pub mod agents;
#[path = "sql/assist.rs"]
pub mod assist;
#[path = "sql/audience.rs"]
pub mod audience;
#[path = "sql/audit.rs"]
pub mod audit;
#[path = "sql/automation.rs"]
pub mod automation;
#[path = "sql/campaign_feedback.rs"]
pub mod campaign_feedback;
#[path = "sql/campaign_funnel.rs"]
pub mod campaign_funnel;
#[path = "sql/campaign_ledger.rs"]
pub mod campaign_ledger;
#[path = "sql/campaigns.rs"]
pub mod campaigns;
#[path = "sql/canned.rs"]
pub mod canned;
#[path = "sql/chat_feedback.rs"]
pub mod chat_feedback;
#[path = "sql/cluster.rs"]
pub mod cluster;
#[path = "sql/common.rs"]
pub mod common;
#[path = "sql/contacts.rs"]
pub mod contacts;
#[path = "sql/conversations.rs"]
pub mod conversations;
#[path = "sql/csat.rs"]
pub mod csat;
#[path = "sql/duplicates.rs"]
pub mod duplicates;
#[path = "sql/email.rs"]
pub mod email;
#[path = "sql/erasure.rs"]
pub mod erasure;
#[path = "sql/event_webhooks.rs"]
pub mod event_webhooks;
#[path = "sql/events.rs"]
pub mod events;
#[path = "sql/first_contacts.rs"]
pub mod first_contacts;
#[path = "sql/health.rs"]
pub mod health;
#[path = "sql/ingest.rs"]
pub mod ingest;
#[path = "sql/merges.rs"]
pub mod merges;
#[path = "sql/message_parts.rs"]
pub mod message_parts;
#[path = "sql/messages.rs"]
pub mod messages;
#[path = "sql/outbox.rs"]
pub mod outbox;
#[path = "sql/phones.rs"]
pub mod phones;
#[path = "sql/privacy.rs"]
pub mod privacy;
#[path = "sql/queue_claims.rs"]
pub mod queue_claims;
#[path = "sql/redaction.rs"]
pub mod redaction;
#[path = "sql/report_live.rs"]
pub mod report_live;
#[path = "sql/report_queries.rs"]
pub mod report_queries;
#[path = "sql/reporting.rs"]
pub mod reporting;
#[path = "sql/retention.rs"]
pub mod retention;
#[path = "sql/routing.rs"]
pub mod routing;
#[path = "sql/search.rs"]
pub mod search;
#[path = "sql/search_seed.rs"]
pub mod search_seed;
#[path = "sql/secrets.rs"]
pub mod secrets;
#[path = "sql/sign_in.rs"]
pub mod sign_in;
#[path = "sql/tokens.rs"]
pub mod tokens;
#[path = "sql/web_chat.rs"]
pub mod web_chat;
#[path = "sql/web_sessions.rs"]
pub mod web_sessions;
