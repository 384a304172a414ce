//! Switchboard: an omnichannel customer-communication gateway.
//!
//! Architecture map (dependencies point down):
//! - [`domain`]: pure types and rules (contacts, conversations, messages, agents, events).
//! - [`store`]: all SQL, over SQLite and PostgreSQL.
//! - [`pipeline`]: the inbound door: group-committed writes of channel messages.
//! - [`router`]: assigns waiting conversations to online agents within their capacity.
//! - [`dispatch`]: the outbox worker that sends replies through connectors.
//! - [`webhooks`]: outbound event webhooks to integrators: signed, retried, logged, SSRF-guarded.
//! - [`http`]: the REST API, channel hooks, event stream, health and metrics.
//! - [`app`]: the composition root that wires config, store, connectors and workers.
//! - [`config`], [`cli`], [`bench`]: configuration, the command line and the built-in benchmarks.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod dispatch;
pub mod domain;
pub mod events;
pub mod http;
pub mod metrics;
pub mod pipeline;
pub mod router;
pub mod store;
pub mod tokens;
pub mod webhooks;
