//! Switchboard: an omnichannel customer-communication gateway.
//!
//! Architecture map (dependencies point down):
//! - [`domain`]: pure types and rules (contacts, conversations, messages, agents, events).
//! - [`store`]: all SQL, over SQLite and PostgreSQL.
//! - [`pipeline`]: the inbound door: group-committed writes of channel messages.
//! - [`router`]: assigns waiting conversations to online agents within their capacity.
//! - [`automation`]: rules, bots, business hours and SLA.
//! - [`dispatch`]: the outbox worker that sends replies through connectors.
//! - [`campaigns`]: contacts import, consent, segments, and the campaign worker that sends
//!   through its send ledger at a throttled pace (a lane apart from replies).
//! - [`csat`]: customer satisfaction surveys: signed tokens and links (answers are filed by
//!   the store, the page is `http::csat`).
//! - [`templates`]: message templates (minijinja) per channel and locale, checked at start-up.
//! - [`event_webhooks`]: outbound event webhooks to integrators: signed, retried, logged,
//!   SSRF-guarded (apart from the webhook channel, whose door is `http::hooks`).
//! - [`http`]: the REST API, channel hooks, event stream, health and metrics, and the agent
//!   web inbox (`http::web`) with its sessions ([`passwords`] hashes sign-in secrets).
//! - [`secrets`]: values kept between runs (OAuth2 refresh tokens), sealed under a key kept
//!   outside the database.
//! - [`audit`]: the audit log's retention job (recording is `http::audit`'s).
//! - [`redaction`]: replaces card numbers, IBANs, birth numbers and operator patterns in
//!   message text by `[redacted]`.
//! - [`retention`]: deletes what has outlived its `[retention]` period, in short batches on
//!   one node at a time.
//! - [`supervisor`]: job isolation (a panic fails one job) and restarts of stopped workers.
//! - [`app`]: the composition root that wires config, store, connectors and workers.
//! - [`config`], [`cli`], [`bench`]: configuration, the command line and the built-in benchmarks.

pub mod access;
pub mod app;
pub mod assist;
pub mod audit;
pub mod automation;
pub mod bench;
pub mod campaigns;
pub mod channel_state;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod contacts;
pub mod csat;
pub mod dispatch;
pub mod domain;
pub mod event_webhooks;
pub mod events;
#[cfg(test)]
mod fuzz_props;
pub mod http;
pub mod memory;
pub mod metrics;
pub mod passwords;
pub mod pipeline;
pub mod privacy;
pub mod redaction;
pub mod reports;
pub mod retention;
pub mod router;
pub mod secrets;
pub mod store;
pub mod supervisor;
pub mod templates;
pub mod tokens;
