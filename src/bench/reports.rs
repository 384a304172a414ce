//! `switchboard bench reports`: seeds a year of support history (by default a million
//! conversations with ten million messages across 50 agents, 5 teams, 10 channels and a dozen
//! labels) and times every report over a week, a month and the year in every grouping; then
//! measures what writing the facts costs ingest, as the ratio of two runs in the same process
//! with the facts on and off.
//!
//! The conversations and messages are bulk-inserted; their reporting records and rollups are
//! worked out here, with the bins and groupings the service uses, and written in bulk, since
//! pushing ten million messages through the webhook path would take the benchmark hours.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::ingest::{RunReport, SECRET, bodies, client, drive};
use crate::app::{App, Workers};
use crate::config::Config;
use crate::domain::Millis;
use crate::domain::report::{Dimension, Fact, Interval, Metric, duration_bin, hour_of};
use crate::reports::{ReportRequest, Reports};
use crate::store::{RollupRow, SeedRecord, SeedShape, Store};

/// Options of `switchboard bench reports`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Run on this PostgreSQL server (a scratch database is created and dropped);
    /// default: a temporary SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Conversations seeded over the year.
    #[arg(long, default_value_t = 1_000_000)]
    pub conversations: i64,
    /// Messages per conversation.
    #[arg(long, default_value_t = 10)]
    pub messages_per_conversation: i64,
    /// Agents (and 5 teams, 10 channels).
    #[arg(long, default_value_t = 50)]
    pub agents: i64,
    /// Times each report is run.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Messages in each ingest run (facts on, facts off).
    #[arg(long, default_value_t = 20_000)]
    pub ingest_messages: usize,
    /// Concurrent client connections of the ingest runs.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Seed this SQLite file instead of a temporary one, and keep it; a file an earlier run
    /// seeded is used as it is, without seeding again, so that the reports and the facts'
    /// cost can be measured again in minutes.
    #[arg(long, conflicts_with = "database_url")]
    pub sqlite_file: Option<std::path::PathBuf>,
    /// Run in the PostgreSQL database `--database-url` names, not a scratch one, and keep it:
    /// as `--sqlite-file` does, a database an earlier run seeded is used as it is.
    #[arg(long, requires = "database_url")]
    pub keep_database: bool,
}

const TEAMS: i64 = 5;
const CHANNELS: i64 = 10;
const LABELS: [&str; 12] = [
    "billing", "bug", "delivery", "refund", "vip", "feature", "login", "invoice", "returns",
    "spam", "urgent", "feedback",
];
/// Conversations seeded per transaction.
const CHUNK: i64 = 20_000;
const YEAR_MS: i64 = 365 * 86_400_000;
const MINUTE: i64 = 60_000;

/// Runs the benchmark and prints its report.
///
/// # Errors
/// When the service cannot start or seeding fails.
pub async fn run(options: Options) -> anyhow::Result<()> {
    anyhow::ensure!(options.conversations > 0, "--conversations: at least 1");
    anyhow::ensure!(options.agents > 0, "--agents: at least 1");
    anyhow::ensure!(
        options.messages_per_conversation >= 2,
        "--messages-per-conversation: at least 2"
    );
    let options = &options;
    if let Some(file) = &options.sqlite_file {
        return measure(options, &format!("sqlite://{}", file.display())).await;
    }
    if let (Some(url), true) = (&options.database_url, options.keep_database) {
        return measure(options, url).await;
    }
    super::on_scratch_database(
        options.database_url.as_deref(),
        |database_url, _| async move { measure(options, &database_url).await },
    )
    .await
}

/// The start of the year a kept database was seeded with, if it was: the oldest record's
/// creation (the seeded year's first conversation starts it).
async fn seeded_year(store: &Store) -> anyhow::Result<Option<i64>> {
    let oldest = store
        .report_conversations(Millis(0), Millis(i64::MAX), None, None, 1)
        .await?;
    Ok(oldest.first().map(|record| record.created_at))
}

async fn measure(options: &Options, database_url: &str) -> anyhow::Result<()> {
    let text = format!(
        "[database]\nurl = {database_url:?}\n\n[log]\nlevel = \"warn\"\n\n\
         [[channels]]\nname = \"bench\"\nkind = \"webhook\"\nsecret = {SECRET:?}\n"
    );
    let config = Config::from_parts(Some(("bench config".into(), &text)), Vec::new(), |_| None)?;
    let backend = if config.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = App::build(config, Vec::new()).await?;
    let store = app.state.store.clone();

    let seeding = Instant::now();
    let year_start = match seeded_year(&store).await? {
        Some(year_start) => {
            println!("switchboard bench reports — {backend}: the database seeded before, as it is");
            year_start
        }
        None => {
            let year_start = Millis::now().0 - YEAR_MS;
            seed(&store, options, year_start).await?;
            println!(
                "switchboard bench reports — {backend}: {} conversations, {} messages, {} agents, \
                 {TEAMS} teams, {CHANNELS} channels over a year, seeded in {:.1} s",
                options.conversations,
                options.conversations * options.messages_per_conversation,
                options.agents,
                seeding.elapsed().as_secs_f64()
            );
            year_start
        }
    };
    time_reports(&store, options, year_start).await?;
    ingest_cost(app, options).await
}

/// Seeds the conversations and messages, then their records and rollups.
async fn seed(store: &Store, options: &Options, year_start: i64) -> anyhow::Result<()> {
    let mut first_agent = None;
    for index in 0..options.agents {
        let agent = store
            .create_agent(&crate::store::NewAgent {
                name: format!("Agent {index:02}"),
                email: format!("agent{index:02}@bench.test"),
                role: crate::domain::Role::Agent,
                capacity: 20,
            })
            .await?;
        first_agent.get_or_insert(agent.id.get());
    }
    let mut first_team = None;
    for index in 0..TEAMS {
        let team = store.create_team(&format!("Team {index}"), &[]).await?;
        first_team.get_or_insert(team.id.get());
    }
    let (first_agent, first_team) = (
        first_agent.context("no agent")?,
        first_team.context("no team")?,
    );
    let step = (YEAR_MS / options.conversations).max(1);
    let mut seeded = 0;
    while seeded < options.conversations {
        let count = CHUNK.min(options.conversations - seeded);
        let shape = SeedShape {
            count,
            start_at: year_start + seeded * step,
            step_ms: step,
            per_conversation: options.messages_per_conversation,
            channels: CHANNELS,
            first_agent,
            agents: options.agents,
            first_team,
            teams: TEAMS,
        };
        let first_id = store
            .seed_report_conversations(shape)
            .await
            .context("seeding conversations")?;
        let (records, rollups) = synthesize(&shape, first_id, options.messages_per_conversation);
        store
            .seed_report_history(&records, &rollups)
            .await
            .context("seeding reporting facts")?;
        seeded += count;
    }
    Ok(())
}

/// A small deterministic generator (SplitMix64), so every run seeds the same history.
pub(super) fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A duration between `low` and `high` minutes, skewed toward the short end as support
/// times are.
fn minutes(seed: u64, low: i64, high: i64) -> i64 {
    let unit = (mix(seed) % 10_000) as f64 / 10_000.0;
    let span = (high - low) as f64;
    (low as f64 + span * unit * unit * unit) as i64 * MINUTE
}

/// A rollup row's key: fact, grouping, hour, key, bin.
type RollupKey = (Fact, Dimension, i64, String, i64);

/// The records and rollups the service would have written for one chunk of conversations.
fn synthesize(
    shape: &SeedShape,
    first_id: i64,
    messages: i64,
) -> (Vec<SeedRecord>, Vec<RollupRow>) {
    let mut rollups: HashMap<RollupKey, (i64, i64)> = HashMap::new();
    let mut records = Vec::with_capacity(usize::try_from(shape.count).unwrap_or_default());
    for offset in 0..shape.count {
        let id = first_id + offset;
        // The same formulas as the seeded conversations' (`SeedShape`).
        let agent = shape.first_agent + offset % shape.agents;
        let team = shape.first_team + (offset % shape.agents) % shape.teams;
        let channel = format!("channel-{}", offset % shape.channels);
        let created = shape.start_at + offset * shape.step_ms;
        let seed = id as u64;
        let labels: Vec<String> = if mix(seed ^ 1) % 10 < 6 {
            vec![LABELS[(mix(seed ^ 2) % LABELS.len() as u64) as usize].to_owned()]
        } else {
            Vec::new()
        };
        let mut add = |fact: Fact, at: i64, bin: i64, value: i64, by: i64| {
            let hour = hour_of(at);
            let mut put = |dimension: Dimension, key: String| {
                let entry = rollups
                    .entry((fact, dimension, hour, key, bin))
                    .or_default();
                entry.0 += 1;
                entry.1 += value;
            };
            put(Dimension::All, String::new());
            put(Dimension::Channel, channel.clone());
            put(Dimension::Agent, by.to_string());
            put(Dimension::Team, team.to_string());
            for label in &labels {
                put(Dimension::Label, label.clone());
            }
        };
        add(Fact::ConversationCreated, created, 0, 0, agent);
        let first = minutes(seed ^ 3, 1, 600);
        let mut record = SeedRecord {
            conversation_id: id,
            channel: channel.clone(),
            created_at: created,
            first_response_ms: Some(first),
            first_response_bh_ms: Some(first / 2),
            labels: labels.clone(),
            ..SeedRecord::default()
        };
        for k in 1..=messages {
            let at = created + k * 10 * MINUTE;
            if k % 2 == 1 {
                add(Fact::MessageIncoming, at, 0, 0, agent);
                record.messages_in += 1;
            } else {
                add(Fact::MessageOutgoing, at, 0, 0, agent);
                record.messages_out += 1;
                let wait = if k == 2 {
                    first
                } else {
                    minutes(seed ^ (10 + k as u64), 1, 240)
                };
                add(Fact::Reply, at, duration_bin(wait), wait, agent);
                add(
                    Fact::ReplyBusiness,
                    at,
                    duration_bin(wait / 2),
                    wait / 2,
                    agent,
                );
                record.replies += 1;
            }
        }
        let answered = created + first;
        add(
            Fact::FirstResponse,
            answered,
            duration_bin(first),
            first,
            agent,
        );
        add(
            Fact::FirstResponseBusiness,
            answered,
            duration_bin(first / 2),
            first / 2,
            agent,
        );
        let met = first <= 60 * MINUTE;
        add(
            if met { Fact::SlaMet } else { Fact::SlaMissed },
            answered,
            0,
            0,
            agent,
        );
        if mix(seed ^ 4) % 10 < 9 {
            let resolution = (messages * 10 * MINUTE) + minutes(seed ^ 5, 10, 5_000);
            let at = created + resolution;
            add(Fact::ConversationResolved, at, 0, 0, agent);
            add(
                Fact::Resolution,
                at,
                duration_bin(resolution),
                resolution,
                agent,
            );
            add(
                Fact::ResolutionBusiness,
                at,
                duration_bin(resolution / 3),
                resolution / 3,
                agent,
            );
            record.resolution_ms = Some(resolution);
            record.resolution_bh_ms = Some(resolution / 3);
            if mix(seed ^ 6).is_multiple_of(20) {
                add(Fact::ConversationReopened, at + 60 * MINUTE, 0, 0, agent);
                record.reopenings = 1;
            }
            if mix(seed ^ 7).is_multiple_of(2) {
                add(Fact::CsatSent, at, 0, 0, agent);
                if mix(seed ^ 8) % 10 < 4 {
                    let rating = 1 + (mix(seed ^ 9) % 5) as i64;
                    add(Fact::CsatAnswer, at + 30 * MINUTE, rating, 0, agent);
                    record.csat_rating = Some(rating);
                }
            }
        }
        records.push(record);
    }
    let mut rows: Vec<RollupRow> = rollups
        .into_iter()
        .map(
            |((fact, dimension, hour, key, bin), (n, total))| RollupRow {
                fact: fact.as_str().to_owned(),
                dimension: dimension.as_str().to_owned(),
                hour,
                key,
                bin,
                n,
                total,
            },
        )
        .collect();
    rows.sort_by(|a, b| {
        (&a.fact, &a.dimension, a.hour, &a.key, a.bin).cmp(&(
            &b.fact,
            &b.dimension,
            b.hour,
            &b.key,
            b.bin,
        ))
    });
    (records, rows)
}

/// Times every metric over a week, a month, a quarter and the year in every grouping.
async fn time_reports(store: &Store, options: &Options, year_start: i64) -> anyhow::Result<()> {
    let reports = Reports::new(store.clone());
    let end = Millis(year_start + YEAR_MS).to_datetime();
    let periods: [(&str, i64, Interval); 4] = [
        ("week", 7, Interval::Day),
        ("month", 30, Interval::Day),
        ("quarter", 91, Interval::Week),
        ("year", 365, Interval::Month),
    ];
    let zone: chrono_tz::Tz = "Europe/Prague".parse().context("zone")?;
    let mut all = Vec::new();
    println!(
        "report times (ms) per period, over every metric and grouping, {} rounds:",
        options.rounds
    );
    for (name, days, interval) in periods {
        let since: DateTime<Utc> = end - chrono::Duration::days(days);
        let mut times = Vec::new();
        let mut slowest = (Duration::ZERO, String::new());
        for group_by in Dimension::ALL {
            let request = ReportRequest {
                since,
                until: end,
                interval,
                zone,
                group_by: *group_by,
                business_hours: false,
                only_agent: None,
            };
            for metric in Metric::ALL {
                for _ in 0..options.rounds {
                    let started = Instant::now();
                    let report = reports.report(*metric, &request).await?;
                    let took = started.elapsed();
                    anyhow::ensure!(
                        !report.groups.is_empty(),
                        "{metric} by {group_by}: no groups"
                    );
                    if took > slowest.0 {
                        slowest = (took, format!("{metric} by {group_by}"));
                    }
                    times.push(took);
                }
            }
            for _ in 0..options.rounds {
                let started = Instant::now();
                reports.summary(&request).await?;
                let took = started.elapsed();
                if took > slowest.0 {
                    slowest = (took, format!("summary by {group_by}"));
                }
                times.push(took);
            }
        }
        println!(
            "  {name:<7} ({interval} buckets): {}   slowest {:.1} ms ({})",
            percentiles(&mut times.clone()),
            slowest.0.as_secs_f64() * 1_000.0,
            slowest.1
        );
        all.extend(times);
    }
    println!("  all: {}", percentiles(&mut all));
    Ok(())
}

fn percentiles(times: &mut [Duration]) -> String {
    times.sort();
    let at = |percent: usize| {
        let index = (times.len() * percent).div_ceil(100).saturating_sub(1);
        times.get(index).map_or(0.0, |t| t.as_secs_f64() * 1_000.0)
    };
    format!(
        "p50 {:.1}  p95 {:.1}  max {:.1}  ({} reports)",
        at(50),
        at(95),
        at(100),
        times.len()
    )
}

/// Ingest throughput with the facts written and without, alternating, in this process.
async fn ingest_cost(app: App, options: &Options) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://{}/hooks/bench", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(
        listener,
        async {
            let _ = stopped.await;
        },
        Workers {
            retention: false,
            ..Workers::all()
        },
    ));
    let client = client(options.connections);
    let urls = [hook];
    let senders = 5_000;
    let per_run = options.ingest_messages;
    // Warm-up, not reported.
    drive(
        &client,
        &urls,
        Arc::new(bodies(10 * per_run..10 * per_run + per_run / 2, senders)),
        options.connections,
        None,
    )
    .await?;
    let mut with = Vec::new();
    let mut without = Vec::new();
    // On, off, off, on: a machine that speeds up or slows down during the runs (a database
    // still settling after seeding: its search index merging, its log being copied back)
    // weighs on both sides alike, where on, off, on, off charged the drift to the facts.
    let mut rates = Vec::new();
    for (run, facts) in [true, false, false, true].into_iter().enumerate() {
        crate::store::write_report_facts_for_benchmark(facts);
        let offset = run * per_run;
        let report: RunReport = drive(
            &client,
            &urls,
            Arc::new(bodies(offset..offset + per_run, senders)),
            options.connections,
            None,
        )
        .await?;
        anyhow::ensure!(report.failures == 0, "{} requests failed", report.failures);
        rates.push(format!(
            "{} {:.0}",
            if facts { "on" } else { "off" },
            report.rate()
        ));
        if facts {
            with.push(report)
        } else {
            without.push(report)
        }
    }
    println!("ingest runs (msg/s, in order): {}", rates.join(", "));
    crate::store::write_report_facts_for_benchmark(true);
    let _ = stop.send(());
    server.await.context("server task panicked")??;
    let rate =
        |runs: &[RunReport]| runs.iter().map(RunReport::rate).sum::<f64>() / runs.len() as f64;
    let (on, off) = (rate(&with), rate(&without));
    println!(
        "ingest with facts    {on:>9.0} msg/s (mean of {} runs of {per_run})",
        with.len()
    );
    println!("ingest without facts {off:>9.0} msg/s");
    println!(
        "facts cost ingest {:.1} % (1 − with/without; target ≤ 5 %)",
        (1.0 - on / off.max(f64::EPSILON)) * 100.0
    );
    Ok(())
}
