//! `switchboard bench widget`: many website chat visitors, each holding the widget's live
//! stream open on one node, and sending at a paced rate. Measures what an idle connection
//! costs the server (its resident memory before and after the streams open) and how long a
//! visitor's message takes from the `POST` to its arrival on that visitor's stream.
//!
//! The service runs as one `switchboard serve` process (see [`super::nodes`]), so its memory is
//! its own; the visitors are this process, a reqwest HTTP/1.1 client with one connection per
//! stream.

mod ledger;
mod resources;
mod sse;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use tokio::task::JoinSet;

use self::ledger::{Book, Ledger};
use self::resources::{RSS_TIMEOUT, Rss, check_fd_limit, connect_error, rss_kib, settled_rss};
use super::nodes::Nodes;

/// Options of `switchboard bench widget`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Run on this PostgreSQL server (a scratch database is created and dropped);
    /// default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Visitors, each with a session and an open stream (one connection each).
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Visitor messages per second in the latency phase, over all visitors.
    #[arg(long, default_value_t = 200)]
    pub rate: u64,
    /// Length of the latency phase, in seconds.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

/// Sessions being created at once.
const SESSIONS_IN_FLIGHT: usize = 64;
/// Streams being opened at once (the server's accept backlog is larger).
const STREAMS_IN_FLIGHT: usize = 128;
/// Longest one stream may take to answer with its headers.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// A message not on its visitor's stream this long after its `POST` is lost.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(5);
/// File descriptors needed beyond one per connection (database, pools, listener, logs).
const SPARE_FDS: usize = 256;
/// Targets from the issue: bytes per idle connection and the p99 latency.
const TARGET_BYTES_PER_CONNECTION: f64 = 20_000.0;
const TARGET_P99: Duration = Duration::from_millis(100);

const CHANNEL: &str = "bench";

/// Runs the benchmark and prints its report.
///
/// # Errors
/// When the options are out of range, the file descriptor limit is too low, the service
/// cannot start, a session or stream cannot be opened, or messages were lost.
pub async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(options.connections > 0, "--connections: at least 1");
    anyhow::ensure!(options.rate > 0, "--rate: at least 1");
    anyhow::ensure!(options.seconds > 0, "--seconds: at least 1");
    check_fd_limit(options.connections)?;
    let options = &options;
    super::on_scratch_database(
        options.database_url.as_deref(),
        |database_url, workdir| async move { run_node(options, &database_url, &workdir).await },
    )
    .await
}

/// The node's configuration: a web chat channel whose abuse limits stay out of the way, and
/// connection caps above the benchmark's connections.
fn config_text(connections: usize) -> String {
    let cap = connections + SPARE_FDS;
    format!(
        "[log]\nlevel = \"warn\"\n\n[server]\nmax_connections = {cap}\nmax_connections_per_client = {cap}\n\n\
         [[channels]]\nname = \"{CHANNEL}\"\nkind = \"web_chat\"\nallowed_origins = [\"https://bench.example\"]\n\
         sessions_per_hour = 1000000000\nconversations_per_hour = 1000000000\nmessages_per_minute = 1000000000\n"
    )
}

async fn run_node(
    options: &Options,
    database_url: &str,
    workdir: &std::path::Path,
) -> anyhow::Result<()> {
    let config_file = workdir.join("switchboard.toml");
    std::fs::write(&config_file, config_text(options.connections))
        .context("writing the node's configuration")?;
    let nodes = Nodes::start(1, database_url, &config_file, workdir).await?;
    let measured = measure(options, &nodes).await;
    let stopped = nodes.stop().await;
    let report = measured?;
    stopped?;
    let backend = if options.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "switchboard bench widget — {backend}, 1 node as a `switchboard serve` process, {} connections, {} msg/s for {} s",
        options.connections, options.rate, options.seconds
    );
    report.print(options)
}

/// What one run measured.
struct Report {
    sessions_for: Duration,
    streams_for: Duration,
    rss_before: Rss,
    rss_after: Rss,
    client_rss_kib: Option<u64>,
    sent: usize,
    sending_for: Duration,
    book: Book,
}

impl Report {
    fn print(&self, options: &Options) -> anyhow::Result<()> {
        let n = options.connections;
        println!(
            "command: switchboard bench widget --connections {n} --rate {} --seconds {}{}",
            options.rate,
            options.seconds,
            if options.database_url.is_some() {
                " --database-url postgres://…"
            } else {
                ""
            }
        );
        println!(
            "sessions: {n} created in {:.1} s; streams: {n} open (headers received) in {:.1} s",
            self.sessions_for.as_secs_f64(),
            self.streams_for.as_secs_f64()
        );
        let grown_bytes = (self.rss_after.kib as f64 - self.rss_before.kib as f64) * 1024.0;
        let per_connection = grown_bytes / n as f64;
        println!(
            "idle connections: {n}, server RSS {:.1} MiB -> {:.1} MiB, {:.1} KiB per connection (target ≤ 20 KB: {})",
            self.rss_before.kib as f64 / 1024.0,
            self.rss_after.kib as f64 / 1024.0,
            per_connection / 1024.0,
            mark(per_connection <= TARGET_BYTES_PER_CONNECTION)
        );
        for (label, rss) in [("before", &self.rss_before), ("after", &self.rss_after)] {
            if !rss.settled {
                println!(
                    "  note: server RSS {label} the streams did not settle within 1 % in {} s; the last reading is used",
                    RSS_TIMEOUT.as_secs()
                );
            }
        }
        if let Some(kib) = self.client_rss_kib {
            println!(
                "bench client RSS with every stream open: {:.1} MiB",
                kib as f64 / 1024.0
            );
        }
        let book = &self.book;
        let mut latencies = book.latencies.clone();
        latencies.sort_unstable();
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        let lost = self.sent - latencies.len();
        println!(
            "messages: {} sent in {:.1} s ({:.1} msg/s of {} asked), {} arrived, {lost} errors \
             ({} failed POSTs, {} not on the stream within {} s); {} streams closed early",
            self.sent,
            self.sending_for.as_secs_f64(),
            self.sent as f64 / self.sending_for.as_secs_f64().max(f64::EPSILON),
            options.rate,
            latencies.len(),
            book.failed_posts,
            lost - book.failed_posts,
            ARRIVAL_TIMEOUT.as_secs(),
            book.closed_streams
        );
        let p99 = pick(0.99);
        println!(
            "latency POST -> own stream: {} messages, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 ≤ 100 ms: {})",
            latencies.len(),
            ms(pick(0.50)),
            ms(pick(0.90)),
            ms(p99),
            ms(latencies.last().copied().unwrap_or_default()),
            mark(!latencies.is_empty() && p99 <= TARGET_P99)
        );
        anyhow::ensure!(lost == 0, "{lost} of {} messages were lost", self.sent);
        Ok(())
    }
}

fn mark(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(options: &Options, nodes: &Nodes) -> anyhow::Result<Report> {
    let base = nodes
        .bases()
        .into_iter()
        .next()
        .context("the node's address")?;
    let pid = nodes
        .pids()
        .into_iter()
        .next()
        .context("the node's process id")?;
    let widget = format!("{base}/widget/{CHANNEL}");

    let started = Instant::now();
    let tokens = {
        // Dropped before the first reading, so its idle connections are not counted.
        let client = post_client(SESSIONS_IN_FLIGHT)?;
        create_sessions(&client, &widget, options.connections).await?
    };
    let sessions_for = started.elapsed();
    let rss_before = settled_rss(pid).await?;

    let ledger = Arc::new(Ledger::default());
    let started = Instant::now();
    let mut readers = open_streams(&widget, &tokens, &ledger).await?;
    let streams_for = started.elapsed();
    let rss_after = settled_rss(pid).await?;
    let client_rss_kib = rss_kib("self").ok();

    let client = post_client(SESSIONS_IN_FLIGHT)?;
    let (sent, sending_for) = send_paced(&client, &widget, &tokens, options, &ledger).await;
    ledger.wait_for_arrivals().await;
    readers.shutdown().await;
    let book = ledger.take_book();
    Ok(Report {
        sessions_for,
        streams_for,
        rss_before,
        rss_after,
        client_rss_kib,
        sent,
        sending_for,
        book,
    })
}

/// The client for sessions and messages: keep-alive HTTP/1.1, idle connections closed before
/// the server's keep-alive timeout would close them under a request.
fn post_client(connections: usize) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(connections)
        .pool_idle_timeout(Duration::from_secs(5))
        .timeout(ARRIVAL_TIMEOUT)
        .build()
        .context("building the HTTP client")
}

/// `count` anonymous visitors' session tokens, in order.
async fn create_sessions(
    client: &reqwest::Client,
    widget: &str,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Session {
        token: String,
    }
    let url = format!("{widget}/sessions");
    let created: Vec<anyhow::Result<String>> = futures_util::stream::iter(0..count)
        .map(|index| {
            let request = client.post(&url).json(&serde_json::json!({}));
            async move {
                let response = request
                    .send()
                    .await
                    .map_err(|err| connect_error(err, "session", index))?;
                let status = response.status();
                anyhow::ensure!(
                    status == reqwest::StatusCode::CREATED,
                    "session {index}: {status} {}",
                    response.text().await.unwrap_or_default()
                );
                Ok(response
                    .json::<Session>()
                    .await
                    .with_context(|| format!("session {index}"))?
                    .token)
            }
        })
        .buffered(SESSIONS_IN_FLIGHT)
        .collect()
        .await;
    created.into_iter().collect()
}

/// Opens every visitor's stream, each on a connection of its own, and returns once each has
/// answered with its headers; the streams are read on from the returned tasks.
async fn open_streams(
    widget: &str,
    tokens: &[String],
    ledger: &Arc<Ledger>,
) -> anyhow::Result<JoinSet<()>> {
    // No pool reuse: a stream holds its connection for as long as it is read.
    let client = reqwest::Client::builder()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(0)
        .connect_timeout(OPEN_TIMEOUT)
        .build()
        .context("building the HTTP client")?;
    let url = format!("{widget}/stream");
    let mut opening = futures_util::stream::iter(tokens.iter().enumerate())
        .map(|(visitor, token)| {
            let request = client.get(&url).header(crate::http::widget::TOKEN_HEADER, token);
            async move {
                let response = tokio::time::timeout(OPEN_TIMEOUT, request.send())
                    .await
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "stream {visitor}: no response headers within {} s",
                            OPEN_TIMEOUT.as_secs()
                        )
                    })?
                    .map_err(|err| connect_error(err, "stream", visitor))?;
                let status = response.status();
                let is_stream = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|value| value.to_str().ok())
                    .is_some_and(|value| value.starts_with("text/event-stream"));
                if !status.is_success() || !is_stream {
                    anyhow::bail!(
                        "stream {visitor}: the server answered {status} {} (a 503 means [server] max_connections)",
                        response.text().await.unwrap_or_default()
                    );
                }
                Ok((visitor, response))
            }
        })
        .buffer_unordered(STREAMS_IN_FLIGHT);
    let mut readers = JoinSet::new();
    while let Some(opened) = opening.next().await {
        match opened {
            Ok((visitor, response)) => {
                readers.spawn(read_stream(visitor, response, ledger.clone()));
            }
            Err(err) => {
                return Err(err.context(format!(
                    "{} of {} streams were open",
                    readers.len(),
                    tokens.len()
                )));
            }
        }
    }
    Ok(readers)
}

/// Reads one visitor's stream until it ends, reporting their messages' arrivals.
async fn read_stream(visitor: usize, mut response: reqwest::Response, ledger: Arc<Ledger>) {
    #[derive(serde::Deserialize)]
    struct Message {
        client_id: Option<String>,
    }
    let mut parser = sse::Parser::default();
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) | Err(_) => break,
        };
        let at = Instant::now();
        let fed = parser.feed(&chunk, |event| {
            if event.name != "message" {
                return;
            }
            let client_id = serde_json::from_str::<Message>(&event.data)
                .ok()
                .and_then(|message| message.client_id);
            let number = client_id
                .as_deref()
                .and_then(|id| id.strip_prefix("bench-"))
                .and_then(|number| number.parse().ok());
            if let Some(number) = number {
                ledger.arrived(number, visitor, at);
            }
        });
        if fed.is_err() {
            break;
        }
    }
    ledger.with_book(|book| book.closed_streams += 1);
}

/// Sends `rate` messages a second for `seconds`, visitors round-robin; returns how many were
/// sent and over how long.
async fn send_paced(
    client: &reqwest::Client,
    widget: &str,
    tokens: &[String],
    options: &Options,
    ledger: &Arc<Ledger>,
) -> (usize, Duration) {
    let url = format!("{widget}/messages");
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / options.rate as f64));
    // A late tick is skipped, not made up for with a burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let length = Duration::from_secs(options.seconds);
    let mut posts = JoinSet::new();
    let mut sent = 0usize;
    let started = Instant::now();
    loop {
        ticks.tick().await;
        if started.elapsed() >= length {
            break;
        }
        let visitor = sent % tokens.len();
        let number = sent as u64;
        let request = client
            .post(&url)
            .header(crate::http::widget::TOKEN_HEADER, &tokens[visitor])
            .json(&serde_json::json!({
                "client_id": format!("bench-{number}"),
                "text": format!("Hello, where is my order {number}?"),
            }));
        let ledger = ledger.clone();
        posts.spawn(async move {
            ledger.sent(number, visitor, Instant::now());
            let created = matches!(
                request.send().await,
                Ok(response) if response.status() == reqwest::StatusCode::CREATED
            );
            if !created {
                ledger.failed(number);
            }
        });
        sent += 1;
    }
    let sending_for = started.elapsed();
    while posts.join_next().await.is_some() {}
    (sent, sending_for)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_node_config_parses_with_the_channel_and_caps() {
        let text = super::config_text(10_000);
        let config =
            crate::config::Config::from_parts(Some(("bench".into(), &text)), Vec::new(), |_| None)
                .expect("config");
        assert_eq!(config.server.max_connections, 10_256);
    }
}
