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

/// Runs `measure` on a database of its own: a scratch database on the PostgreSQL server
/// `server` (created first, dropped afterwards whatever `measure` returned), or else an SQLite
/// file in a temporary directory. `measure` gets the database's URL and that directory (for
/// files of its own).
///
/// # Errors
/// When the directory or the scratch database cannot be made or dropped, or `measure` fails.
pub(crate) async fn on_scratch_database<F, Fut>(
    server: Option<&str>,
    measure: F,
) -> anyhow::Result<()>
where
    F: FnOnce(String, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    use anyhow::Context;
    let workdir = tempfile::tempdir().context("creating a temporary directory")?;
    let scratch_db = match server {
        Some(server) => Some((
            server.to_owned(),
            crate::store::scratch::create_postgres_database(server, "switchboard_bench").await?,
        )),
        None => None,
    };
    let database_url = match &scratch_db {
        Some((_, (url, _))) => url.clone(),
        None => format!("sqlite://{}", workdir.path().join("bench.db").display()),
    };
    let result = measure(database_url, workdir.path().to_owned()).await;
    if let Some((server, (_, name))) = scratch_db {
        crate::store::scratch::drop_postgres_database(&server, &name).await?;
    }
    result
}
