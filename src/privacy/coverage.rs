//! Every table of the schema, and whether a contact's export carries its rows (and by which
//! key) or why it holds nothing about a contact. A test compares this list with the tables
//! the database reports, on both backends: a new table fails it until it is listed here, so
//! no feature can forget the export (and the erasure, which follows the same keys).

/// How a table relates to a contact's export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Exported, found by this key (`contact_id`, `conversation_id`, `message_id`,
    /// `event_id`, or the contact's addresses).
    Exported(&'static str),
    /// Holds no data about a contact, for this reason.
    NoContactData(&'static str),
}

/// Every table of both schemas (SQLite's internal ones included).
pub const TABLES: &[(&str, Coverage)] = &[
    (
        "contacts",
        Coverage::Exported("id: the profile, tombstone fields included"),
    ),
    ("contact_identities", Coverage::Exported("contact_id")),
    (
        "contact_merges",
        Coverage::Exported("target_id or source_id: the merges the contact took part in"),
    ),
    ("contact_tags", Coverage::Exported("contact_id")),
    (
        "contact_consents",
        Coverage::Exported("contact_id: consents with their proof"),
    ),
    (
        "suppressions",
        Coverage::Exported("the contact's identities, email and phone"),
    ),
    ("conversations", Coverage::Exported("contact_id")),
    ("conversation_labels", Coverage::Exported("conversation_id")),
    ("messages", Coverage::Exported("conversation_id")),
    ("message_revisions", Coverage::Exported("message_id")),
    (
        "message_translations",
        Coverage::Exported(
            "message_id: what agent assist translated, and replies as the agent wrote them",
        ),
    ),
    (
        "assist_jobs",
        Coverage::Exported(
            "conversation_id: agent assist's work on the conversation, queued or done in the last two days (ids with a language or a rule's name; texts are read when a job runs)",
        ),
    ),
    (
        "message_parts",
        Coverage::Exported(
            "the contact's identities (sender_scope, sender_id): SMS parts awaiting their siblings, and joined ones for two days",
        ),
    ),
    (
        "outbox",
        Coverage::Exported("message_id: delivery state and errors"),
    ),
    (
        "automation_timers",
        Coverage::Exported("conversation_id: pending rule timers"),
    ),
    ("auto_replies", Coverage::Exported("contact_id")),
    (
        "web_chat_visitors",
        Coverage::Exported("the contact's web chat identities: what the visitor told the widget"),
    ),
    (
        "web_chat_continuations",
        Coverage::Exported("conversation_id: where unseen web chat answers were emailed"),
    ),
    (
        "report_conversations",
        Coverage::Exported(
            "conversation_id: each conversation's reporting record (kept at erasure: it names no one and the contact is a tombstone then)",
        ),
    ),
    (
        "report_facts",
        Coverage::Exported("conversation_id: what each conversation added to the reports"),
    ),
    (
        "report_rollups",
        Coverage::NoContactData("hourly totals per agent, team, channel and label"),
    ),
    (
        "pending_upkeep",
        Coverage::NoContactData("names of one-time rewrites a migration asked for"),
    ),
    (
        "report_pending",
        Coverage::NoContactData(
            "hourly totals per agent, team, channel and label not yet added up",
        ),
    ),
    (
        "report_daily",
        Coverage::NoContactData("daily totals per agent, team, channel and label"),
    ),
    (
        "report_monthly",
        Coverage::NoContactData("monthly totals per agent, team, channel and label"),
    ),
    (
        "report_weekly",
        Coverage::NoContactData("weekly totals per agent, team, channel and label"),
    ),
    (
        "report_calendars",
        Coverage::NoContactData("which business hours apply to which channel or team"),
    ),
    (
        "report_calendar_spans",
        Coverage::NoContactData("the business hours' open spans"),
    ),
    (
        "report_calendar_versions",
        Coverage::NoContactData("fingerprints of the business hours written"),
    ),
    (
        "csat_surveys",
        Coverage::Exported("conversation_id: satisfaction surveys and their latest ratings"),
    ),
    (
        "campaign_sends",
        Coverage::Exported("contact_id: sends and funnel times"),
    ),
    (
        "events",
        Coverage::Exported("contact_id or conversation_id"),
    ),
    (
        "webhook_deliveries",
        Coverage::Exported("event_id of an exported event"),
    ),
    (
        "audit_log",
        Coverage::Exported("contact_id: who viewed, exported or erased their data"),
    ),
    (
        "erasure_jobs",
        Coverage::Exported("contact_id: the erasure, when there is one"),
    ),
    (
        "webhook_attempts",
        Coverage::NoContactData(
            "HTTP status and receiver's error of a delivery (in the export as the delivery's last status)",
        ),
    ),
    (
        "webhook_subscriptions",
        Coverage::NoContactData("integrators' endpoints"),
    ),
    ("agents", Coverage::NoContactData("staff, not customers")),
    ("teams", Coverage::NoContactData("staff")),
    ("team_members", Coverage::NoContactData("staff")),
    (
        "api_tokens",
        Coverage::NoContactData("staff credentials (hashed)"),
    ),
    (
        "web_sessions",
        Coverage::NoContactData("staff sign-in sessions"),
    ),
    (
        "login_attempts",
        Coverage::NoContactData("staff sign-in attempts"),
    ),
    (
        "sign_in_pairs",
        Coverage::NoContactData("staff sign-in rate limits (hashed)"),
    ),
    (
        "sign_in_clients",
        Coverage::NoContactData("staff sign-in rate limits by client"),
    ),
    (
        "agent_heartbeats",
        Coverage::NoContactData("staff presence"),
    ),
    (
        "canned_responses",
        Coverage::NoContactData("staff's prepared answers"),
    ),
    ("rules", Coverage::NoContactData("automation rules")),
    (
        "worker_cursors",
        Coverage::NoContactData("workers' positions in the event log"),
    ),
    (
        "segments",
        Coverage::NoContactData("saved audience filters"),
    ),
    (
        "campaigns",
        Coverage::NoContactData("campaign definitions and totals"),
    ),
    (
        "campaign_settings",
        Coverage::NoContactData("campaign link-signing settings"),
    ),
    (
        "campaign_leases",
        Coverage::NoContactData("ledger batches leased to workers (ids only)"),
    ),
    (
        "channel_checkpoints",
        Coverage::NoContactData("channels' stream positions"),
    ),
    (
        "secrets",
        Coverage::NoContactData("sealed channel credentials"),
    ),
    (
        "cluster_nodes",
        Coverage::NoContactData("the service's nodes"),
    ),
    ("leases", Coverage::NoContactData("nodes' work leases")),
    ("rate_buckets", Coverage::NoContactData("send rate budgets")),
    (
        "_sqlx_migrations",
        Coverage::NoContactData("applied schema versions"),
    ),
    (
        "sqlite_sequence",
        Coverage::NoContactData("SQLite's id high-water marks"),
    ),
    (
        "messages_fts",
        Coverage::NoContactData(
            "SQLite's search index of messages.text (exported as the messages; erased with them)",
        ),
    ),
    (
        "messages_fts_config",
        Coverage::NoContactData("SQLite's search index settings"),
    ),
    (
        "messages_fts_data",
        Coverage::NoContactData("SQLite's search index (see messages_fts)"),
    ),
    (
        "messages_fts_docsize",
        Coverage::NoContactData("SQLite's search index (see messages_fts)"),
    ),
    (
        "messages_fts_idx",
        Coverage::NoContactData("SQLite's search index (see messages_fts)"),
    ),
];

/// Tables only SQLite has (its bookkeeping and the FTS5 search index; PostgreSQL keeps the
/// search vector in a column of `messages`).
pub const SQLITE_ONLY: &[&str] = &[
    "sqlite_sequence",
    "messages_fts",
    "messages_fts_config",
    "messages_fts_data",
    "messages_fts_docsize",
    "messages_fts_idx",
];

/// Columns that tie a row to a contact: a table with one of them must be exported.
pub const CONTACT_KEYS: &[&str] = &["contact_id", "conversation_id", "message_id"];

/// The coverage of `table`, `None` when it is not listed.
pub fn of(table: &str) -> Option<Coverage> {
    TABLES
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, coverage)| *coverage)
}
