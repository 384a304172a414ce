//! The PostgreSQL copy of the portable SQL in `sql/` (see the module docs of `store`).

/// The database this copy is compiled for.
pub type Db = sqlx::Postgres;
/// Lets the shared SQL branch where the dialects differ.
pub const IS_POSTGRES: bool = true;

pub mod common {
    include!("sql/common.rs");
}
pub mod health {
    include!("sql/health.rs");
}
pub mod ingest {
    include!("sql/ingest.rs");
}
pub mod email {
    include!("sql/email.rs");
}
pub mod contacts {
    include!("sql/contacts.rs");
}
pub mod conversations {
    include!("sql/conversations.rs");
}
pub mod messages {
    include!("sql/messages.rs");
}
pub mod outbox {
    include!("sql/outbox.rs");
}
pub mod agents {
    include!("sql/agents.rs");
}
pub mod tokens {
    include!("sql/tokens.rs");
}
pub mod events {
    include!("sql/events.rs");
}
pub mod webhooks {
    include!("sql/webhooks.rs");
}
pub mod automation {
    include!("sql/automation.rs");
}
pub mod audience {
    include!("sql/audience.rs");
}
pub mod campaigns {
    include!("sql/campaigns.rs");
}
pub mod campaign_feedback {
    include!("sql/campaign_feedback.rs");
}
pub mod routing {
    include!("sql/routing.rs");
}
pub mod canned {
    include!("sql/canned.rs");
}
pub mod web_sessions {
    include!("sql/web_sessions.rs");
}
