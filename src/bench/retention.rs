//! `switchboard bench retention`: what the retention job costs ingest. Seeds a database with
//! old resolved conversations (bulk inserts), then runs the same paced ingest through the
//! real webhook path twice: once alone, once while a retention pass deletes, and prints the
//! latencies of both, their ratio and how fast retention deleted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::ingest::{RunReport, SECRET, bodies, client, drive};
use crate::app::{App, Workers};
use crate::config::Config;
use crate::domain::Millis;

/// Options of `switchboard bench retention`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Run on this PostgreSQL server (a scratch database is created and dropped);
    /// default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Messages seeded before the runs (nine in ten in old resolved conversations).
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: usize,
    /// Messages per seeded conversation.
    #[arg(long, default_value_t = 10)]
    pub per_conversation: usize,
    /// Rate of the paced ingest, in messages per second.
    #[arg(long, default_value_t = 2_000)]
    pub rate: u64,
    /// Length of each paced run, in seconds.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// `[retention] batch`: messages per deleting transaction.
    #[arg(long, default_value_t = 500)]
    pub batch: u32,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
}

/// Conversations seeded per transaction.
const SEED_CHUNK: usize = 20_000;

/// Runs the benchmark and prints its report.
///
/// # Errors
/// When the service cannot start, seeding fails, or messages are lost.
pub async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.per_conversation > 0,
        "--per-conversation: at least 1"
    );
    anyhow::ensure!(options.rate > 0, "--rate: at least 1");
    let options = &options;
    super::on_scratch_database(
        options.database_url.as_deref(),
        |database_url, _| async move { measure(options, &database_url).await },
    )
    .await
}

async fn measure(options: &Options, database_url: &str) -> anyhow::Result<()> {
    let text = format!(
        "[database]\nurl = {database_url:?}\n\n[log]\nlevel = \"warn\"\n\n\
         [retention]\nconversations_days = 30\nbatch = {}\n\n\
         [[channels]]\nname = \"bench\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n",
        options.batch
    );
    let config = Config::from_parts(Some(("bench config".into(), &text)), Vec::new(), |_| None)?;
    let backend = if config.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = App::build(config, Vec::new()).await?;
    let store = app.state.store.clone();
    let retention = app.retention.clone();

    let conversations = options.messages.div_ceil(options.per_conversation);
    let old_at = Millis::now().minus(Duration::from_secs(400 * 24 * 3600));
    let seeding = Instant::now();
    let mut seeded = 0;
    while seeded < conversations {
        let chunk = SEED_CHUNK.min(conversations - seeded);
        store
            .seed_retention_bench(
                "bench",
                i64::try_from(chunk)?,
                i64::try_from(options.per_conversation)?,
                old_at,
            )
            .await
            .context("seeding")?;
        seeded += chunk;
    }
    let seed_time = seeding.elapsed();

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://{}/hooks/bench", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    // Everything as in production except the retention job, which the benchmark starts itself.
    let workers = Workers {
        retention: false,
        ..Workers::all()
    };
    let server = tokio::spawn(app.serve(
        listener,
        async {
            let _ = stopped.await;
        },
        workers,
    ));
    let per_run = usize::try_from(options.rate * options.seconds)?;
    let client = client(options.connections);
    let urls = [hook];
    let senders = 2_000;

    // A warm-up, not reported: the seeding's aftermath (SQLite's write-ahead log folded back
    // into the database, cold caches) would otherwise land on the first measured run.
    let warm_up = usize::try_from(options.rate * 3)?;
    drive(
        &client,
        &urls,
        Arc::new(bodies(2 * per_run..2 * per_run + warm_up, senders)),
        options.connections,
        Some(options.rate),
    )
    .await?;
    let alone = drive(
        &client,
        &urls,
        Arc::new(bodies(0..per_run, senders)),
        options.connections,
        Some(options.rate),
    )
    .await?;

    let preview = retention.preview(Millis::now()).await?;
    let due: u64 =
        preview.messages.values().sum::<u64>() + preview.conversations.values().sum::<u64>();
    let stop_retention = CancellationToken::new();
    let deleting = {
        let (retention, stop_retention) = (retention.clone(), stop_retention.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let counts = retention
                .run_once(Millis::now(), None, &stop_retention)
                .await;
            (counts, started.elapsed())
        })
    };
    let during = drive(
        &client,
        &urls,
        Arc::new(bodies(per_run..2 * per_run, senders)),
        options.connections,
        Some(options.rate),
    )
    .await?;
    stop_retention.cancel();
    let (counts, deleting_for) = deleting.await.context("retention task panicked")?;
    let counts = counts?;
    let _ = stop.send(());
    server.await.context("server task panicked")??;

    let deleted =
        counts.messages.values().sum::<u64>() + counts.conversations.values().sum::<u64>();
    println!(
        "switchboard bench retention — {backend}, {} messages seeded in {:.1} s ({} conversations, 9 in 10 old and resolved), \
         paced ingest {} msg/s for {} s, batch {}",
        options.messages,
        seed_time.as_secs_f64(),
        conversations,
        options.rate,
        options.seconds,
        options.batch
    );
    print_report(&alone, &during);
    println!(
        "retention deleted {deleted} of {due} due rows (messages + conversations) in {:.1} s: {:.0} rows/s while ingest ran",
        deleting_for.as_secs_f64(),
        deleted as f64 / deleting_for.as_secs_f64().max(f64::EPSILON)
    );
    anyhow::ensure!(
        alone.failures == 0 && during.failures == 0,
        "{} requests failed",
        alone.failures + during.failures
    );
    Ok(())
}

fn print_report(alone: &RunReport, during: &RunReport) {
    println!("{}", alone.line("ingest alone"));
    println!("{}", during.line("ingest while retention runs"));
    let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64().max(f64::EPSILON);
    println!(
        "ratio (with retention / alone): p50 {:.2}×, p99 {:.2}×",
        ratio(alone.p50, during.p50),
        ratio(alone.p99, during.p99)
    );
}
