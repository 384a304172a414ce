//! `switchboard bench campaign`: seeds contacts, then measures planning (audience → ledger)
//! and rendering, dispatch through the real campaign worker into an in-process sink against
//! a bare sender's rate on the same sink (the ceiling), throttle accuracy, and peak RSS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use connector_sdk::{ChannelKind, Connector, ConnectorError, Delivery, OutboundMessage, Recipient};
use futures_util::future::join_all;
use tokio::sync::Notify;

use super::segment::Filter;
use super::settings::CampaignsConfig;
use super::spec::{CampaignSpec, ChannelPlan};
use super::{CampaignParts, CampaignRunner};
use crate::config::{DispatchConfig, TemplatesConfig};
use crate::dispatch::Connectors;
use crate::domain::Millis;
use crate::events::EventBus;
use crate::store::campaigns::{CampaignState, PlanChannel};
use crate::store::{ConnectOptions, Store, scratch};

/// Options of `switchboard bench campaign`.
#[derive(Debug, Clone, clap::Args)]
pub struct CampaignBenchOptions {
    /// Contacts seeded and planned (and rendered).
    #[arg(long, default_value_t = 1_000_000)]
    pub recipients: i64,
    /// Recipients of the dispatch run.
    #[arg(long, default_value_t = 100_000)]
    pub dispatch_recipients: i64,
    /// Configured rate of the throttle run, messages per second.
    #[arg(long, default_value_t = 2_000.0)]
    pub throttle_rate: f64,
    /// Length of the throttle run, seconds.
    #[arg(long, default_value_t = 10)]
    pub throttle_seconds: u64,
    /// Run on this PostgreSQL server (a scratch database is created and dropped);
    /// default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// The identity scope of the seeded contacts: that of the webhook channel named `hook`.
const SCOPE: &str = "webhook:hook";

/// A local HTTP peer for the webhook connector: answers every callback 200 at once.
async fn spawn_http_sink() -> anyhow::Result<(String, Arc<AtomicUsize>)> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let router = axum::Router::new().route(
        "/cb",
        axum::routing::post(move || {
            let seen = seen.clone();
            async move {
                let n = seen.fetch_add(1, Ordering::Relaxed);
                axum::Json(serde_json::json!({ "id": format!("r{n}") }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/cb", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, count))
}

/// Sends `count` messages through `connector` with `concurrency` in flight, as a bare sender
/// would; returns the rate.
async fn bare_rate(connector: &dyn Connector, count: usize, concurrency: usize) -> f64 {
    let clock = Instant::now();
    let mut sent = 0usize;
    while sent < count {
        let n = concurrency.min(count - sent);
        let messages: Vec<OutboundMessage> = (0..n)
            .map(|i| {
                OutboundMessage::text(
                    format!("bare-{}", sent + i),
                    connector.name(),
                    0,
                    Recipient::new((sent + i + 1).to_string()),
                    "Hello Bench, our spring sale starts today.",
                )
            })
            .collect();
        join_all(messages.iter().map(|message| connector.send(message))).await;
        sent += n;
    }
    sent as f64 / clock.elapsed().as_secs_f64().max(f64::EPSILON)
}

/// A channel that accepts everything at once and counts; first and last send times let the
/// throttle run measure the achieved rate where messages arrive.
#[derive(Default)]
struct Sink {
    sent: AtomicUsize,
    first_us: AtomicU64,
    last_us: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
}

#[async_trait::async_trait]
impl Connector for Sink {
    fn name(&self) -> &str {
        "sink"
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn identity_scope(&self) -> String {
        // The same ids as the HTTP channel, so one seeded audience serves both runs.
        SCOPE.into()
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let epoch = *self.epoch.get_or_init(Instant::now);
        let at = u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        if self.sent.fetch_add(1, Ordering::Relaxed) == 0 {
            self.first_us.store(at, Ordering::Relaxed);
        }
        self.last_us.fetch_max(at, Ordering::Relaxed);
        Ok(Delivery::with_id(Some(msg.id.clone())))
    }
}

impl Sink {
    fn reset(&self) {
        self.sent.store(0, Ordering::Relaxed);
        self.last_us.store(0, Ordering::Relaxed);
    }
}

/// Starts a new peak-RSS measurement (Linux: writing 5 to `clear_refs` resets `VmHWM`).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size of this process, in MiB (Linux; `None` elsewhere).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn spec(channel: &str, rate: f64) -> serde_json::Value {
    serde_json::to_value(CampaignSpec {
        channels: vec![ChannelPlan {
            channel: channel.into(),
            template: None,
            body: Some("Hello {{ contact.first_name }}, our spring sale starts today. Unsubscribe: {{ custom.unsubscribe_url }}".into()),
            html: None,
            subject: None,
            whatsapp_template: None,
            rate_per_sec: Some(rate),
        }],
        quiet_hours: None,
        track_opens: false,
        track_clicks: false,
        locale: None,
    })
    .unwrap_or_default()
}

async fn drive(runner: &CampaignRunner, store: &Store, id: i64) -> anyhow::Result<()> {
    loop {
        runner.run_once().await?;
        let campaign = store.get_campaign(id).await?;
        if campaign.state == CampaignState::Finished {
            return Ok(());
        }
    }
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// When the database cannot be set up or a run fails.
pub async fn run(options: CampaignBenchOptions) -> anyhow::Result<()> {
    let workdir = tempfile::tempdir().context("creating a temporary directory")?;
    let (url, scratch_db) = match &options.database_url {
        Some(server) => {
            let (url, name) =
                scratch::create_postgres_database(server, "switchboard_bench_campaign").await?;
            (url, Some((server.clone(), name)))
        }
        None => (
            format!("sqlite://{}", workdir.path().join("bench.db").display()),
            None,
        ),
    };
    let mut connect = ConnectOptions::new(url);
    // A few connections, as a node sending campaigns needs; each SQLite connection keeps its
    // own page cache.
    connect.max_connections = 4;
    let store = Store::connect(&connect).await?;
    let result = measure(&store, &options).await;
    store.close().await;
    if let Some((server, name)) = scratch_db {
        scratch::drop_postgres_database(&server, &name).await?;
    }
    result
}

async fn measure(store: &Store, options: &CampaignBenchOptions) -> anyhow::Result<()> {
    let sink = Arc::new(Sink::default());
    let mut connectors = Connectors::new();
    connectors.insert("sink".into(), sink.clone() as Arc<dyn Connector>);
    let (callback, http_count) = spawn_http_sink().await?;
    let text = format!(
        "[[channels]]\nname = \"hook\"\nkind = \"webhook\"\nsecret = \"bench\"\ncallback_url = {callback:?}\n"
    );
    let channels =
        crate::config::Config::from_parts(Some(("bench".into(), &text)), Vec::new(), |_| None)?
            .channels;
    let hook = crate::app::build_connectors(&channels)?
        .into_iter()
        .next()
        .context("the benchmark's webhook channel")?;
    connectors.insert("hook".into(), hook.clone());
    let templates = Arc::new(crate::templates::Templates::load(
        &TemplatesConfig::default(),
    )?);
    let config = CampaignsConfig {
        batch_size: 500,
        ..CampaignsConfig::default()
    };
    let batch = config.batch_size;
    let runner = CampaignRunner::new(CampaignParts {
        store: store.clone(),
        connectors: Arc::new(connectors),
        templates,
        events: EventBus::new(),
        config,
        dispatch: DispatchConfig::default(),
        dispatch_wake: Arc::new(Notify::new()),
    });
    let channel = PlanChannel {
        name: "sink".into(),
        scope: SCOPE.into(),
        kind: "webhook".into(),
    };

    let clock = Instant::now();
    let first = store
        .seed_campaign_contacts(options.recipients, SCOPE, "webhook")
        .await?;
    println!(
        "seeded {} contacts in {:.1} s",
        options.recipients,
        clock.elapsed().as_secs_f64()
    );

    // Planning and rendering: the whole audience into the ledger, then every message rendered
    // (leased in batches, as the worker reads them; nothing sent).
    let everyone = Filter::Everyone;
    let campaign = store
        .create_campaign("bench plan", &everyone, &spec("sink", f64::MAX), None)
        .await?;
    store
        .transition_campaign(
            campaign.id,
            &[CampaignState::Draft],
            CampaignState::Scheduled,
            Some(Millis::now()),
        )
        .await?;
    let clock = Instant::now();
    let (planned, _) = store
        .plan_campaign(campaign.id, std::slice::from_ref(&channel))
        .await?;
    let plan_time = clock.elapsed();
    let render_clock = Instant::now();
    let planned_campaign = store.get_campaign(campaign.id).await?;
    let plan_spec: CampaignSpec = serde_json::from_value(planned_campaign.spec.clone())?;
    let mut rendered = 0usize;
    loop {
        let leased = store
            .lease_sends(campaign.id, &channel, 10_000, Millis::now(), 3_600_000)
            .await?;
        if leased.is_empty() {
            break;
        }
        for send in &leased {
            let message = runner
                .render(
                    &planned_campaign,
                    &plan_spec,
                    &plan_spec.channels[0],
                    sink.as_ref(),
                    &channel,
                    send,
                )
                .await?;
            rendered += usize::from(!message.text.is_empty());
        }
    }
    let render_time = render_clock.elapsed();
    let total = plan_time + render_time;
    println!(
        "planning: {} recipients into the ledger in {:.2} s ({:.0}/s); rendered in {:.2} s ({:.0}/s); \
         planned and rendered in {:.2} s (target ≤ 10 s)",
        planned.targeted,
        plan_time.as_secs_f64(),
        planned.targeted as f64 / plan_time.as_secs_f64().max(f64::EPSILON),
        render_time.as_secs_f64(),
        rendered as f64 / render_time.as_secs_f64().max(f64::EPSILON),
        total.as_secs_f64(),
    );
    store
        .transition_campaign(
            campaign.id,
            &[CampaignState::Running],
            CampaignState::Cancelled,
            None,
        )
        .await?;

    // Dispatch: the real worker (lease → render → send → record) into the sink, unthrottled,
    // against a bare sender calling the same sink with the same concurrency.
    let overall_rss = peak_rss_mib();
    let sending_rss_reset = reset_peak_rss();
    let dispatch_filter = Filter::Everyone;
    let bench_scope = options.dispatch_recipients.min(options.recipients);
    let dispatch = store
        .create_campaign(
            "bench dispatch",
            &dispatch_filter,
            &spec("sink", 1e12),
            None,
        )
        .await?;
    store
        .transition_campaign(
            dispatch.id,
            &[CampaignState::Draft],
            CampaignState::Scheduled,
            Some(Millis::now()),
        )
        .await?;
    // The dispatch run covers `dispatch_recipients`: the rest of the ledger is marked done
    // before the clock starts so the worker sends exactly that many.
    store
        .plan_campaign(dispatch.id, std::slice::from_ref(&channel))
        .await?;
    store
        .limit_ledger_for_bench(dispatch.id, first + bench_scope - 1)
        .await?;
    sink.reset();
    let clock = Instant::now();
    drive(&runner, store, dispatch.id).await?;
    let worker_time = clock.elapsed();
    let worker_sent = sink.sent.load(Ordering::Relaxed);
    let worker_rate = worker_sent as f64 / worker_time.as_secs_f64().max(f64::EPSILON);

    sink.reset();
    let bare = bare_rate(sink.as_ref(), worker_sent, batch).await;
    println!(
        "dispatch into an in-process sink: {worker_sent} in {:.2} s = {worker_rate:.0}/s; \
         bare sender {bare:.0}/s; ratio {:.3}",
        worker_time.as_secs_f64(),
        worker_rate / bare.max(f64::EPSILON)
    );

    // The same through the real webhook connector into a local HTTP peer: a sink that costs
    // what a channel costs, where the worker should keep up with a bare sender.
    let http_plan = PlanChannel {
        name: "hook".into(),
        ..channel.clone()
    };
    let over_http = store
        .create_campaign("bench http", &Filter::Everyone, &spec("hook", 1e12), None)
        .await?;
    store
        .transition_campaign(
            over_http.id,
            &[CampaignState::Draft],
            CampaignState::Scheduled,
            Some(Millis::now()),
        )
        .await?;
    store.plan_campaign(over_http.id, &[http_plan]).await?;
    store
        .limit_ledger_for_bench(over_http.id, first + bench_scope - 1)
        .await?;
    let before = http_count.load(Ordering::Relaxed);
    let clock = Instant::now();
    drive(&runner, store, over_http.id).await?;
    let http_sent = http_count.load(Ordering::Relaxed) - before;
    let http_rate = http_sent as f64 / clock.elapsed().as_secs_f64().max(f64::EPSILON);
    let http_bare = bare_rate(hook.as_ref(), http_sent, batch).await;
    println!(
        "dispatch into a local HTTP peer (webhook connector): {http_sent} at {http_rate:.0}/s; \
         bare sender {http_bare:.0}/s; ratio {:.3} (target ≥ 0.8)",
        http_rate / http_bare.max(f64::EPSILON)
    );

    // Throttle accuracy: a campaign at a configured rate for a fixed time, rate measured at
    // the sink between its first and last message.
    let throttled = store
        .create_campaign(
            "bench throttle",
            &Filter::Everyone,
            &spec("sink", options.throttle_rate),
            None,
        )
        .await?;
    store
        .transition_campaign(
            throttled.id,
            &[CampaignState::Draft],
            CampaignState::Scheduled,
            Some(Millis::now()),
        )
        .await?;
    sink.reset();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(runner.clone().run(shutdown.clone()));
    // Planning happens in the worker's first pass; wait for the first message.
    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.sent.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let start_count = sink.sent.load(Ordering::Relaxed);
    let start_us = sink.last_us.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(options.throttle_seconds)).await;
    let end_count = sink.sent.load(Ordering::Relaxed);
    let end_us = sink.last_us.load(Ordering::Relaxed);
    shutdown.cancel();
    worker.await.context("throttle worker")??;
    let span = Duration::from_micros(end_us.saturating_sub(start_us)).as_secs_f64();
    let achieved = (end_count - start_count) as f64 / span.max(f64::EPSILON);
    println!(
        "throttle: configured {:.0}/s, achieved {achieved:.1}/s over {span:.1} s, error {:.2} % (target ≤ 2 %)",
        options.throttle_rate,
        (achieved - options.throttle_rate).abs() / options.throttle_rate * 100.0
    );
    match (peak_rss_mib(), sending_rss_reset) {
        (Some(rss), true) => println!("peak RSS while sending: {rss:.1} MiB (target ≤ 64 MB)"),
        _ => println!("peak RSS while sending: not measurable on this platform"),
    }
    if let Some(rss) = overall_rss {
        println!("peak RSS while seeding, planning and rendering: {rss:.1} MiB");
    }
    Ok(())
}
