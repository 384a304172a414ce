//! The built-in benchmarks behind `switchboard bench …`: each runs the real service code
//! (in-process, or as `serve` processes for `bench ingest --nodes` and `bench widget`) against
//! local peers and prints its figures. Owns the load generators and the stand-in peers they
//! need; nothing in the service depends on this module.
//!
//! - [`ingest`]: the inbound webhook path under load, against a no-op ceiling.
//! - [`nodes`]: the service as separate `serve` processes, for `bench ingest --nodes` and
//!   `bench widget`.
//! - [`retention`]: ingest latency with and without the retention job deleting.
//! - [`reports`]: every report over a seeded year, and what writing the facts costs ingest.
//! - [`search`]: searches and the conversation list over a seeded inbox of millions of
//!   messages.
//! - [`campaign`]: campaign planning, rendering, dispatch, throttle accuracy and peak RSS.
//! - [`widget`]: website chat visitors holding live streams: memory per idle connection and
//!   message latency to the visitor's stream.
//! - [`smtp_sink`]: the local SMTP server the campaign benchmark's email runs deliver into.

pub mod campaign;
pub mod ingest;
pub mod nodes;
pub mod reports;
pub mod retention;
pub mod search;
pub mod smtp_sink;
pub mod widget;
