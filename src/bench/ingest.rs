//! `switchboard bench ingest`: the inbound webhook path under load, measured against the
//! ceiling of the same load generator hitting a no-op endpoint in the same run.
//!
//! The service runs in-process on a fresh database with real durability settings, or, with
//! `--nodes N`, as N `switchboard serve` processes on one database (see [`super::nodes`]) with
//! the load spread round-robin over them; the load generator is a keep-alive HTTP/1.1 client
//! over loopback with many connections. Bodies are built and signed before the clock starts,
//! so the generator costs the same in both runs.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::nodes::Nodes;
use crate::app::{App, Workers};
use crate::config::{Config, SqliteSynchronous};
use crate::metrics::Metrics;
use crate::store::{ConnectOptions, Store};

/// Options of `switchboard bench ingest`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Run on this PostgreSQL server (a scratch database is created and dropped);
    /// default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Messages in the throughput run.
    #[arg(long, default_value_t = 100_000)]
    pub messages: usize,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Distinct senders (each is a contact with one conversation).
    #[arg(long, default_value_t = 10_000)]
    pub contacts: usize,
    /// Rate of the latency run, in messages per second.
    #[arg(long, default_value_t = 5_000)]
    pub paced_rate: u64,
    /// Length of the latency run, in seconds.
    #[arg(long, default_value_t = 5)]
    pub paced_seconds: u64,
    /// SQLite durability: `full` (fsync per commit) or `normal`.
    #[arg(long, default_value = "full")]
    pub sqlite_synchronous: String,
    /// SQLite: checkpoint the log inside the commits that fill it, as SQLite does by itself,
    /// instead of from the store's background task (to measure the difference).
    #[arg(long)]
    pub inline_checkpoints: bool,
    /// Inbound writer tasks (default: 1 on SQLite; on PostgreSQL the machine's cores, 2 to 4).
    #[arg(long)]
    pub writers: Option<usize>,
    /// Run the service as this many `switchboard serve` processes on one database and spread
    /// the load round-robin over them; more than one needs PostgreSQL (--database-url).
    /// Default: one service inside the benchmark's own process.
    #[arg(long)]
    pub nodes: Option<usize>,
}

/// One load run's figures.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub requests: usize,
    pub failures: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

impl RunReport {
    /// Requests per second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub(super) fn line(&self, label: &str) -> String {
        format!(
            "{label:<28} {:>9.0} req/s   p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {} failed)",
            self.rate(),
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            self.requests,
            self.failures
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(super) const SECRET: &str = "bench-secret";

/// A webhook body and its `X-Switchboard-Timestamp` and `X-Switchboard-Signature` values.
pub(super) type SignedBody = (Bytes, String, String);

/// Signed webhook bodies for messages `range`, from `contacts` distinct senders, stamped when
/// signed (a run is far shorter than the 5-minute replay window).
pub(super) fn bodies(range: std::ops::Range<usize>, contacts: usize) -> Vec<SignedBody> {
    let timestamp = chrono::Utc::now().timestamp();
    range
        .map(|i| {
            let body = format!(
                r#"{{"id":"m{i}","from":{{"id":"c{}","name":"Customer {}"}},"text":"Hello, I need help with order {i}. It has not arrived yet."}}"#,
                i % contacts,
                i % contacts
            );
            let signature = connector_webhook::sign(SECRET.as_bytes(), timestamp, body.as_bytes());
            (Bytes::from(body), timestamp.to_string(), signature)
        })
        .collect()
}

pub(super) type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub(super) fn client(connections: usize) -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build(connector)
}

/// Sends every body once from `connections` workers, body `i` to `urls[i % urls.len()]`.
/// With `rate`, request `i` is due at `start + i / rate` and its latency counts from then (so
/// queueing is not hidden).
pub(super) async fn drive(
    client: &HttpClient,
    urls: &[String],
    bodies: Arc<Vec<SignedBody>>,
    connections: usize,
    rate: Option<u64>,
) -> anyhow::Result<RunReport> {
    anyhow::ensure!(!urls.is_empty(), "no URL to send to");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (client, urls, bodies, next) =
            (client.clone(), urls.to_vec(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((body, timestamp, signature)) = bodies.get(i) else {
                    break;
                };
                let due = match rate {
                    Some(rate) => {
                        let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    None => Instant::now(),
                };
                let request = hyper::Request::post(urls[i % urls.len()].as_str())
                    .header("content-type", "application/json")
                    .header(connector_webhook::TIMESTAMP_HEADER, timestamp.as_str())
                    .header(connector_webhook::SIGNATURE_HEADER, signature.as_str())
                    .body(Full::new(body.clone()));
                let ok = match request {
                    Ok(request) => match client.request(request).await {
                        Ok(response) => {
                            let ok = response.status().is_success();
                            // Drain the body so the connection is reused.
                            let _ = response.into_body().collect().await;
                            ok
                        }
                        Err(_) => false,
                    },
                    Err(_) => false,
                };
                if !ok {
                    failures += 1;
                }
                latencies.push(due.elapsed());
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::with_capacity(bodies.len());
    let mut failures = 0;
    for worker in workers {
        let (mine, failed) = worker.await.context("load worker panicked")?;
        latencies.extend(mine);
        failures += failed;
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(RunReport {
        requests: latencies.len(),
        failures,
        elapsed,
        p50: pick(0.50),
        p95: pick(0.95),
        p99: pick(0.99),
    })
}

/// A server that reads the body and answers like the hook does, doing nothing else.
async fn spawn_noop() -> anyhow::Result<(String, oneshot::Sender<()>)> {
    async fn noop(body: Bytes) -> axum::Json<serde_json::Value> {
        axum::Json(serde_json::json!({"accepted": 1, "duplicates": 0, "bytes": body.len()}))
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/noop", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let router = axum::Router::new().route("/noop", axum::routing::post(noop));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((url, stop))
}

/// Runs the ingest benchmark and prints its report.
///
/// # Errors
/// When the options contradict each other, the service cannot start or messages are lost.
pub async fn run(options: Options) -> anyhow::Result<()> {
    let synchronous = match options.sqlite_synchronous.as_str() {
        "full" => SqliteSynchronous::Full,
        "normal" => SqliteSynchronous::Normal,
        other => anyhow::bail!("--sqlite-synchronous: {other:?} is not full or normal"),
    };
    match options.nodes {
        Some(0) => anyhow::bail!("--nodes: at least 1"),
        Some(nodes) if nodes > 1 && options.database_url.is_none() => anyhow::bail!(
            "--nodes {nodes}: several nodes need PostgreSQL (--database-url postgres://…); \
             an SQLite file serves one node"
        ),
        _ => {}
    }
    let options = &options;
    super::on_scratch_database(
        options.database_url.as_deref(),
        |database_url, workdir| async move {
            run_ingest(options, &database_url, synchronous, &workdir).await
        },
    )
    .await
}

/// The service under load: in this process, or separate `serve` processes.
enum Service {
    InProcess {
        stop: oneshot::Sender<()>,
        server: tokio::task::JoinHandle<anyhow::Result<()>>,
        metrics: Arc<Metrics>,
        base: String,
    },
    Nodes(Nodes),
}

impl Service {
    /// The hook of the benchmark's channel on every node.
    fn hook_urls(&self) -> Vec<String> {
        let bases = match self {
            Service::InProcess { base, .. } => vec![base.clone()],
            Service::Nodes(nodes) => nodes.bases(),
        };
        bases
            .into_iter()
            .map(|base| format!("{base}/hooks/bench"))
            .collect()
    }

    /// Group-commit transactions so far, over every node.
    async fn inbound_batches(&self) -> anyhow::Result<u64> {
        match self {
            Service::InProcess { metrics, .. } => {
                Ok(metrics.inbound_batches.load(Ordering::Relaxed))
            }
            Service::Nodes(nodes) => nodes.inbound_batches().await,
        }
    }

    async fn stop(self) -> anyhow::Result<()> {
        match self {
            Service::InProcess { stop, server, .. } => {
                let _ = stop.send(());
                server.await.context("service task panicked")?
            }
            Service::Nodes(nodes) => nodes.stop().await,
        }
    }
}

async fn run_ingest(
    options: &Options,
    database_url: &str,
    synchronous: SqliteSynchronous,
    workdir: &Path,
) -> anyhow::Result<()> {
    // Without `url`: the nodes get it from their environment.
    let settings = format!(
        "sqlite_synchronous = {:?}\n\n[log]\nlevel = \"warn\"\n\n{}[[channels]]\nname = \"bench\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n",
        match synchronous {
            SqliteSynchronous::Full => "full",
            SqliteSynchronous::Normal => "normal",
        },
        options
            .writers
            .map(|writers| format!("[ingest]\nwriters = {writers}\n\n"))
            .unwrap_or_default()
    );
    let text = format!("[database]\nurl = {database_url:?}\n{settings}");
    let mut config =
        Config::from_parts(Some(("bench config".into(), &text)), Vec::new(), |_| None)?;
    config.database.sqlite_inline_checkpoints = options.inline_checkpoints;
    let backend = if config.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let (service, store) = match options.nodes {
        None => {
            let app = App::build(config, Vec::new()).await?;
            let store = app.state.store.clone();
            let metrics = app.state.metrics.clone();
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            let (stop, stopped) = oneshot::channel::<()>();
            let server = tokio::spawn(app.serve(
                listener,
                async {
                    let _ = stopped.await;
                },
                Workers::all(),
            ));
            let service = Service::InProcess {
                stop,
                server,
                metrics,
                base,
            };
            (service, store)
        }
        Some(count) => {
            // The same configuration, read by each node from a file; the database comes
            // through the environment as an operator's deployment would set it.
            let config_file = workdir.join("switchboard.toml");
            std::fs::write(&config_file, format!("[database]\n{settings}"))
                .context("writing the nodes' configuration")?;
            let nodes = Nodes::start(count, database_url, &config_file, workdir).await?;
            // The benchmark's own pool, only to count what was committed.
            let mut connect = ConnectOptions::new(database_url);
            connect.max_connections = 2;
            let store = match Store::connect(&connect).await {
                Ok(store) => store,
                Err(err) => {
                    let _ = nodes.stop().await;
                    return Err(err.into());
                }
            };
            (Service::Nodes(nodes), store)
        }
    };
    let measured = measure(options, &service, &store).await;
    if matches!(service, Service::Nodes(_)) {
        store.close().await;
    }
    let stopped = service.stop().await;
    let report = measured?;
    stopped?;
    println!(
        "switchboard bench ingest — {backend}, {}, {} messages, {} connections, {} contacts",
        service_line(options),
        options.messages,
        options.connections,
        options.contacts
    );
    report.print(options)
}

/// How the service ran, for the report's first line.
fn service_line(options: &Options) -> String {
    match options.nodes {
        None if options.inline_checkpoints => {
            "service in-process, log checkpoints inside commits".into()
        }
        None => "service in-process".into(),
        Some(nodes) => {
            format!("{nodes} node(s) as `switchboard serve` processes, load round-robin")
        }
    }
}

/// The figures of one benchmark run.
struct Report {
    ceiling: RunReport,
    ingest: RunReport,
    paced: RunReport,
    stored: i64,
    batches: u64,
}

impl Report {
    fn print(&self, options: &Options) -> anyhow::Result<()> {
        let Report {
            ceiling,
            ingest,
            paced,
            stored,
            batches,
        } = self;
        println!("{}", ceiling.line("no-op endpoint (ceiling)"));
        println!("{}", ingest.line("webhook ingest"));
        println!(
            "{}",
            paced.line(&format!("paced at {} msg/s", options.paced_rate))
        );
        println!(
            "ratio ingest / ceiling: {:.2}",
            ingest.rate() / ceiling.rate()
        );
        println!(
            "group commit: {batches} transactions, {:.1} messages per commit on average",
            *stored as f64 / (*batches).max(1) as f64
        );
        println!(
            "committed: {stored} of {} acknowledged ({} failed requests)",
            ingest.requests - ingest.failures,
            ingest.failures
        );
        if *stored != (ingest.requests - ingest.failures) as i64 {
            anyhow::bail!(
                "stored {stored} messages but {} were acknowledged",
                ingest.requests - ingest.failures
            );
        }
        Ok(())
    }
}

/// The three runs against a started service: the no-op ceiling, throughput and paced latency.
async fn measure(options: &Options, service: &Service, store: &Store) -> anyhow::Result<Report> {
    let hooks = service.hook_urls();
    let throughput_bodies = Arc::new(bodies(0..options.messages, options.contacts));
    let client = client(options.connections);

    // Warm both servers' connection pools and caches a little before measuring.
    let (noop_url, stop_noop) = spawn_noop().await?;
    let noop = [noop_url];
    let warm = Arc::new(bodies(
        options.messages..options.messages + 2_000,
        options.contacts,
    ));
    drive(&client, &noop, warm.clone(), options.connections, None).await?;
    let ceiling = drive(
        &client,
        &noop,
        throughput_bodies.clone(),
        options.connections,
        None,
    )
    .await?;
    let _ = stop_noop.send(());

    drive(&client, &hooks, warm, options.connections, None).await?;
    let before = store.count_messages().await?;
    let batches_before = service.inbound_batches().await?;
    let ingest = drive(
        &client,
        &hooks,
        throughput_bodies,
        options.connections,
        None,
    )
    .await?;
    let stored = store.count_messages().await? - before;
    let batches = service.inbound_batches().await? - batches_before;

    let paced_count = (options.paced_rate * options.paced_seconds) as usize;
    let first = options.messages + 2_000;
    let paced_bodies = Arc::new(bodies(first..first + paced_count, options.contacts));
    let paced = drive(
        &client,
        &hooks,
        paced_bodies,
        options.connections,
        Some(options.paced_rate),
    )
    .await?;
    Ok(Report {
        ceiling,
        ingest,
        paced,
        stored,
        batches,
    })
}
