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

use super::smtp_sink::SmtpSink;
use crate::campaigns::settings::CampaignsConfig;
use crate::campaigns::{CampaignParts, CampaignRunner, Prepared, plan_channel};
use crate::dispatch::Connectors;
use crate::dispatch::settings::DispatchConfig;
use crate::domain::campaign::MAX_RATE_PER_SEC;
use crate::domain::{CampaignId, CampaignSpec, CampaignState, ChannelPlan, Filter, Millis};
use crate::events::EventBus;
use crate::store::campaigns::PlanChannel;
use crate::store::{ConnectOptions, Store, scratch};
use crate::templates::settings::TemplatesConfig;

/// Options of `switchboard bench campaign`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Contacts seeded and planned (and rendered).
    #[arg(long, default_value_t = 1_000_000)]
    pub recipients: i64,
    /// Recipients of the dispatch run.
    #[arg(long, default_value_t = 100_000)]
    pub dispatch_recipients: i64,
    /// Recipients of the run through the email channel into a local SMTP server (SMTP-bound:
    /// a few hundred per second).
    #[arg(long, default_value_t = 2_000)]
    pub smtp_recipients: i64,
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

/// Identity scopes of the seeded audiences: the planning run's, the webhook channel `hook`'s
/// (also used by the in-process sink's dispatch and throttle runs) and email's.
const PLAN_SCOPE: &str = "bench:plan";
const HOOK_SCOPE: &str = "webhook:hook";
const MAIL_SCOPE: &str = "email";

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
/// would (the text of a rendered campaign message, no ledger); returns the rate.
async fn bare_rate(
    connector: &dyn Connector,
    count: usize,
    concurrency: usize,
    address: impl Fn(usize) -> String,
) -> f64 {
    let clock = Instant::now();
    let mut sent = 0usize;
    while sent < count {
        let n = concurrency.min(count - sent);
        let messages: Vec<OutboundMessage> = (0..n)
            .map(|i| {
                let mut message = OutboundMessage::text(
                    format!("bare-{}", sent + i),
                    connector.name(),
                    0,
                    Recipient::new(address(sent + i + 1)),
                    "Hello Bench, our spring sale starts today.",
                );
                message.subject = Some("Spring sale".into());
                message
            })
            .collect();
        join_all(messages.iter().map(|message| connector.send(message))).await;
        sent += n;
    }
    sent as f64 / clock.elapsed().as_secs_f64().max(f64::EPSILON)
}

/// A channel that accepts everything at once and counts; first and last send times let the
/// throttle run measure the achieved rate where messages arrive.
struct Sink {
    name: &'static str,
    scope: &'static str,
    sent: AtomicUsize,
    first_us: AtomicU64,
    last_us: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
}

#[async_trait::async_trait]
impl Connector for Sink {
    fn name(&self) -> &str {
        self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Webhook
    }

    fn identity_scope(&self) -> String {
        self.scope.into()
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
    fn new(name: &'static str, scope: &'static str) -> Self {
        Self {
            name,
            scope,
            sent: AtomicUsize::new(0),
            first_us: AtomicU64::new(0),
            last_us: AtomicU64::new(0),
            epoch: std::sync::OnceLock::new(),
        }
    }

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
            subject: Some("Spring sale, {{ contact.first_name }}".into()),
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

/// Creates a campaign to everyone reachable in `scope` and schedules it for now.
async fn scheduled(
    store: &Store,
    name: &str,
    scope: &str,
    spec: &serde_json::Value,
) -> anyhow::Result<CampaignId> {
    let filter = Filter::HasIdentity {
        scope: scope.into(),
    };
    let campaign = store.create_campaign(name, &filter, spec, None).await?;
    store
        .transition_campaign(campaign.id, CampaignState::Scheduled, Some(Millis::now()))
        .await?;
    Ok(campaign.id)
}

/// Creates an unthrottled campaign to everyone reachable in `scope` on the configured channel
/// `name`, plans it, then runs the real worker (lease → render → send → record) until it
/// finishes; returns the rate at which its messages went out.
async fn dispatch(
    runner: &CampaignRunner,
    store: &Store,
    scope: &str,
    name: &str,
    connector: &dyn Connector,
) -> anyhow::Result<f64> {
    let spec = spec(name, MAX_RATE_PER_SEC);
    let id = scheduled(store, &format!("bench {name}"), scope, &spec).await?;
    let channel = plan_channel(name, connector);
    let (planned, _) = store
        .plan_campaign(id, std::slice::from_ref(&channel))
        .await?;
    let clock = Instant::now();
    loop {
        runner.run_once().await?;
        let campaign = store.get_campaign(id).await?;
        if campaign.state == CampaignState::Finished {
            break;
        }
    }
    let funnel = store.campaign_funnel(id).await?;
    anyhow::ensure!(
        funnel.total.sent == planned.targeted,
        "the dispatch run sent {} of {}: {funnel:?}",
        funnel.total.sent,
        planned.targeted
    );
    Ok(funnel.total.sent as f64 / clock.elapsed().as_secs_f64().max(f64::EPSILON))
}

/// Leases the campaign's rows in batches (without sending) and renders each message, until
/// none is left; returns how many messages were rendered.
async fn render_lane(
    runner: &CampaignRunner,
    store: &Store,
    prepared: &Prepared,
    id: CampaignId,
    channel: &PlanChannel,
) -> anyhow::Result<usize> {
    let mut rendered = 0usize;
    loop {
        let Some(lease) = store
            .lease_sends(id, channel, 10_000, Millis::now(), 3_600_000)
            .await?
        else {
            return Ok(rendered);
        };
        for send in &lease.sends {
            let message = runner.render(prepared, send)?;
            rendered += usize::from(!message.text.is_empty());
        }
    }
}

/// Runs the benchmark and prints its figures.
///
/// # Errors
/// When the database cannot be set up or a run fails.
pub async fn run(options: Options) -> anyhow::Result<()> {
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

/// The configured channels of the benchmark: the webhook channel `hook` calling `callback`
/// and the email channel `mail` sending to the SMTP server at `smtp`.
fn channels(callback: &str, smtp: std::net::SocketAddr) -> anyhow::Result<Vec<Arc<dyn Connector>>> {
    let text = format!(
        "[[channels]]\nname = \"hook\"\nkind = \"webhook\"\nsecret = \"bench\"\ncallback_url = {callback:?}\n\n\
         [[channels]]\nname = \"mail\"\nkind = \"email\"\naddress = \"news@example.test\"\ndisplay_name = \"Bench\"\n\
         domain = \"example.test\"\nsecret = \"bench-secret-0123456789\"\n\
         smtp_host = \"{}\"\nsmtp_port = {}\nsmtp_tls = \"none\"\n",
        smtp.ip(),
        smtp.port()
    );
    let channels =
        crate::config::Config::from_parts(Some(("bench".into(), &text)), Vec::new(), |_| None)?
            .channels;
    Ok(crate::app::build_connectors(&channels)?)
}

async fn measure(store: &Store, options: &Options) -> anyhow::Result<()> {
    let planner = Arc::new(Sink::new("plan", PLAN_SCOPE));
    let sink = Arc::new(Sink::new("sink", HOOK_SCOPE));
    let (callback, http_count) = spawn_http_sink().await?;
    let (smtp, smtp_address) = SmtpSink::start().await?;
    let mut connectors = Connectors::new();
    connectors.insert("plan".into(), planner.clone() as Arc<dyn Connector>);
    connectors.insert("sink".into(), sink.clone() as Arc<dyn Connector>);
    let mut configured = channels(&callback, smtp_address)?.into_iter();
    let hook = configured
        .next()
        .context("the benchmark's webhook channel")?;
    let mail = configured.next().context("the benchmark's email channel")?;
    connectors.insert("hook".into(), hook.clone());
    connectors.insert("mail".into(), mail.clone());
    let templates = Arc::new(crate::templates::Templates::load(
        &TemplatesConfig::default(),
    )?);
    let config = CampaignsConfig {
        batch_size: 500,
        ..CampaignsConfig::default()
    };
    // The worker keeps `parallel_batches` batches of `batch_size` sends in flight per channel;
    // the bare sender gets the same concurrency.
    let in_flight = config.batch_size * config.parallel_batches.max(1);
    let vault = Arc::new(
        crate::secrets::Vault::open(store.clone(), &crate::secrets::SecretsConfig::default())
            .map_err(|err| anyhow::anyhow!("{err}"))?,
    );
    let runner = CampaignRunner::new(CampaignParts {
        store: store.clone(),
        vault,
        connectors: Arc::new(connectors),
        templates,
        events: EventBus::new(),
        config,
        dispatch: DispatchConfig::default(),
        dispatch_wake: Arc::new(Notify::new()),
        metrics: Arc::default(),
    });

    let clock = Instant::now();
    let dispatch_size = options.dispatch_recipients;
    store
        .seed_campaign_contacts(options.recipients, PLAN_SCOPE, "webhook")
        .await?;
    store
        .seed_campaign_contacts(dispatch_size, HOOK_SCOPE, "webhook")
        .await?;
    store
        .seed_campaign_contacts(options.smtp_recipients, MAIL_SCOPE, "email")
        .await?;
    println!(
        "seeded {} contacts in {:.1} s",
        options.recipients + dispatch_size + options.smtp_recipients,
        clock.elapsed().as_secs_f64()
    );

    // Planning and rendering: the whole audience into the ledger, then every message rendered
    // (leased in batches, as the worker reads them; nothing sent).
    let plan_channel = plan_channel("plan", planner.as_ref());
    let id = scheduled(
        store,
        "bench plan",
        PLAN_SCOPE,
        &spec("plan", MAX_RATE_PER_SEC),
    )
    .await?;
    let clock = Instant::now();
    let (planned, _) = store
        .plan_campaign(id, std::slice::from_ref(&plan_channel))
        .await?;
    let plan_time = clock.elapsed();
    let render_clock = Instant::now();
    let planned_campaign = store.get_campaign(id).await?;
    let plan_spec: CampaignSpec = serde_json::from_value(planned_campaign.spec.clone())?;
    let prepared = runner
        .prepare(
            &planned_campaign,
            &plan_spec,
            &plan_spec.channels[0],
            &plan_channel,
            planner.kind(),
        )
        .await?;
    // Two batches at a time, as the worker keeps several in flight: one takes its lease while
    // the other reads its contacts and renders.
    let rendered: usize = futures_util::future::try_join_all(
        (0..2).map(|_| render_lane(&runner, store, &prepared, id, &plan_channel)),
    )
    .await?
    .into_iter()
    .sum();
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
        .transition_campaign(id, CampaignState::Cancelled, None)
        .await?;

    // Dispatch: the real worker into each sink, unthrottled, against a bare sender calling
    // the same sink with the same concurrency.
    let overall_rss = peak_rss_mib();
    let sending_rss_reset = reset_peak_rss();
    sink.reset();
    let worker = dispatch(&runner, store, HOOK_SCOPE, "sink", sink.as_ref()).await?;
    sink.reset();
    let sending_rss = peak_rss_mib().filter(|_| sending_rss_reset);
    let count = usize::try_from(dispatch_size).unwrap_or(usize::MAX);
    let bare = bare_rate(sink.as_ref(), count, in_flight, |n| n.to_string()).await;
    println!(
        "dispatch into an in-process sink: {worker:.0}/s; bare sender {bare:.0}/s; ratio {:.3} \
         (the sink costs nothing: this is the worker's own ceiling)",
        worker / bare.max(f64::EPSILON)
    );

    let worker = dispatch(&runner, store, HOOK_SCOPE, "hook", hook.as_ref()).await?;
    let before = http_count.load(Ordering::Relaxed);
    let bare = bare_rate(hook.as_ref(), count, in_flight, |n| n.to_string()).await;
    anyhow::ensure!(http_count.load(Ordering::Relaxed) - before == count);
    println!(
        "dispatch into a local HTTP peer (webhook connector): {worker:.0}/s; bare sender {bare:.0}/s; \
         ratio {:.3} (target ≥ 0.8)",
        worker / bare.max(f64::EPSILON)
    );

    let worker = dispatch(&runner, store, MAIL_SCOPE, "mail", mail.as_ref()).await?;
    let before = smtp.received();
    let mail_count = usize::try_from(options.smtp_recipients).unwrap_or(usize::MAX);
    let bare = bare_rate(mail.as_ref(), mail_count, in_flight, |n| {
        format!("bench{n}@example.test")
    })
    .await;
    anyhow::ensure!(
        smtp.received() - before == mail_count,
        "the SMTP sink missed mail"
    );
    println!(
        "dispatch into a local SMTP server (email connector): {worker:.0}/s; bare sender {bare:.0}/s; \
         ratio {:.3} (target ≥ 0.8)",
        worker / bare.max(f64::EPSILON)
    );

    // Throttle accuracy: a campaign at a configured rate for a fixed time, rate measured at
    // the sink between its first and last message.
    scheduled(
        store,
        "bench throttle",
        HOOK_SCOPE,
        &spec("sink", options.throttle_rate),
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
    match sending_rss {
        Some(rss) => println!(
            "peak RSS while the worker sent {dispatch_size} messages (in-process sink run): \
             {rss:.1} MiB (target ≤ 64 MB)"
        ),
        None => println!("peak RSS while sending: not measurable on this platform"),
    }
    if let Some(rss) = overall_rss {
        println!("peak RSS while seeding, planning and rendering: {rss:.1} MiB");
    }
    Ok(())
}
