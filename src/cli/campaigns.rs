//! The command line of campaigns: `switchboard contacts import` and `switchboard campaign …`.
//! Commands work on the database directly (like `agent add`); a running server's campaign
//! worker picks up started, paused and resumed campaigns within its poll interval.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;

use crate::campaigns::import::ImportOptions;
use crate::config::Config;
use crate::dispatch::Connectors;
use crate::domain::campaign::DefinitionError;
use crate::domain::quiet_hours::QuietHours;
use crate::domain::{
    Audience, CampaignDefinition, CampaignId, CampaignSpec, CampaignState, ChannelPlan, Filter,
    Funnel, Millis, SegmentId,
};
use crate::store::Store;

/// `switchboard contacts …`
#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Import contacts from a CSV file (header row first), with a progress bar and a report
    /// of rejected rows.
    Import {
        /// The CSV file to import.
        file: PathBuf,
        /// `column=target`, repeatable (targets: name, email, phone, tags, timezone,
        /// attribute:<key>, identity:<scope>, consent:<channel>, ignore).
        #[arg(long = "map", value_name = "COLUMN=TARGET")]
        map: Vec<String>,
        /// Proof recorded with the file's consents.
        #[arg(long)]
        consent_proof: Option<String>,
        /// Import nothing when any row is invalid.
        #[arg(long)]
        strict: bool,
    },
}

/// `switchboard campaign …`
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a draft from a JSON file shaped like the body of `POST /api/v1/campaigns`.
    Create {
        /// The JSON file with the campaign's definition.
        file: PathBuf,
    },
    /// Start a draft now, or at `--at` (RFC 3339).
    Start {
        /// The campaign's id (see `switchboard campaign list`).
        id: CampaignId,
        /// When to start, e.g. 2030-01-31T09:00:00Z (default: now).
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Stop leasing new sends; sends in flight finish.
    Pause {
        /// The campaign's id (see `switchboard campaign list`).
        id: CampaignId,
    },
    /// Continue a paused campaign.
    Resume {
        /// The campaign's id (see `switchboard campaign list`).
        id: CampaignId,
    },
    /// Send nothing more.
    Cancel {
        /// The campaign's id (see `switchboard campaign list`).
        id: CampaignId,
    },
    /// Send again what a crash left in doubt (handed to a channel that cannot drop a repeat,
    /// outcome unknown): some of those contacts may get the message twice.
    ResendInDoubt {
        /// The campaign's id (see `switchboard campaign list`).
        id: CampaignId,
    },
    /// The funnel with a progress bar; `--watch` follows it until the campaign ends.
    Status {
        /// The campaign's id (see `switchboard campaign list`).
        id: CampaignId,
        /// Keep printing the funnel until the campaign ends.
        #[arg(long)]
        watch: bool,
    },
    /// List campaigns.
    List,
}

/// The file of `campaign create`: shaped like the body of `POST /api/v1/campaigns`, and
/// validated the same way ([`CampaignDefinition::validate`]).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignFile {
    name: String,
    #[serde(default)]
    segment_id: Option<SegmentId>,
    #[serde(default)]
    filter: Option<Filter>,
    channels: Vec<ChannelPlan>,
    #[serde(default)]
    quiet_hours: Option<QuietHours>,
    #[serde(default)]
    track_opens: bool,
    #[serde(default)]
    track_clicks: bool,
    #[serde(default)]
    locale: Option<String>,
}

impl TryFrom<CampaignFile> for CampaignDefinition {
    type Error = DefinitionError;

    fn try_from(file: CampaignFile) -> Result<Self, Self::Error> {
        let spec = CampaignSpec {
            channels: file.channels,
            quiet_hours: file.quiet_hours,
            track_opens: file.track_opens,
            track_clicks: file.track_clicks,
            locale: file.locale,
        };
        CampaignDefinition::validate(&file.name, file.segment_id, file.filter, spec)
    }
}

/// A text progress bar on one line.
fn bar(done: u64, total: u64) -> String {
    let width = 30u64;
    let done = done.min(total);
    // An empty job is complete.
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!(
        "[{}{}] {percent:>3}% {done}/{total}",
        "#".repeat(usize::try_from(filled).unwrap_or(0)),
        " ".repeat(usize::try_from(width - filled).unwrap_or(0))
    )
}

/// Runs `switchboard contacts …`.
///
/// # Errors
/// An unreadable file, a bad mapping or a database error.
pub async fn contacts(
    command: ContactsCommand,
    store: &Store,
    region: crate::domain::phone::PhoneRegion,
) -> anyhow::Result<()> {
    let ContactsCommand::Import {
        file,
        map,
        consent_proof,
        strict,
    } = command;
    let data = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut options = ImportOptions {
        consent_proof,
        strict,
        ..ImportOptions::default()
    };
    for pair in map {
        let (column, target) = pair
            .split_once('=')
            .with_context(|| format!("--map {pair:?}: write COLUMN=TARGET"))?;
        options
            .mapping
            .insert(column.trim().into(), target.trim().into());
    }
    let parsed = crate::campaigns::import::parse(&data, &options, region)
        .map_err(|err| anyhow::anyhow!(err))?;
    let mut rejected = parsed.rejected;
    let (mut created, mut updated) = (0, 0);
    if !strict || rejected.is_empty() {
        // Chunks of rows, each written whole in one transaction, so the bar moves; a row is
        // never half-imported. `--strict` writes one transaction for the whole file.
        let chunk = if strict {
            parsed.rows.len().max(1)
        } else {
            1000
        };
        let total = parsed.rows.len() as u64;
        let mut done = 0u64;
        for rows in parsed.rows.chunks(chunk) {
            let (outcome, _) = store
                .import_contacts(rows, "import", strict)
                .await
                .context("writing contacts")?;
            created += outcome.created;
            updated += outcome.updated;
            rejected.extend(outcome.rejected);
            done += rows.len() as u64;
            eprint!("\r{}", bar(done, total));
            std::io::stderr().flush().ok();
        }
        eprintln!();
    }
    rejected.sort_by_key(|(line, _)| *line);
    println!(
        "{created} created, {updated} updated, {} rejected{}",
        rejected.len(),
        if strict && !rejected.is_empty() {
            " (strict: nothing imported)"
        } else {
            ""
        }
    );
    for (line, reason) in &rejected {
        println!("  line {line}: {reason}");
    }
    Ok(())
}

fn print_funnel(name: &str, state: CampaignState, targeted: i64, funnel: &Funnel) {
    let total = &funnel.total;
    let done = (total.targeted - total.pending).max(0);
    println!(
        "{name} ({}): {}",
        state.as_str(),
        bar(
            u64::try_from(done).unwrap_or(0),
            u64::try_from(targeted).unwrap_or(0)
        )
    );
    println!(
        "  {:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "channel",
        "targeted",
        "pending",
        "suppress",
        "sent",
        "deliver",
        "read",
        "failed",
        "opened",
        "clicked",
        "replied"
    );
    for (channel, counts) in funnel.channels.iter().chain([(&"total".to_owned(), total)]) {
        println!(
            "  {:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            channel,
            counts.targeted,
            counts.pending,
            counts.suppressed,
            counts.sent,
            counts.delivered,
            counts.read,
            counts.failed,
            counts.opened,
            counts.clicked,
            counts.replied
        );
    }
    println!("  unsubscribed: {}", total.unsubscribed);
    if total.in_doubt > 0 {
        println!(
            "  in doubt: {} (sent when a crash stopped us, outcome unknown; held so nobody gets \
             it twice — `switchboard campaign resend-in-doubt` sends them again)",
            total.in_doubt
        );
    }
}

/// Runs `switchboard campaign …`.
///
/// # Errors
/// A bad file or campaign, a refused transition, or a database error.
pub async fn campaign(
    command: CampaignCommand,
    store: &Store,
    config: &Config,
) -> anyhow::Result<()> {
    let transition = |id: CampaignId, to: CampaignState, at: Option<Millis>| {
        let store = store.clone();
        async move {
            let (campaign, _) = store
                .transition_campaign(id, to, at)
                .await
                .with_context(|| format!("campaign {id}"))?;
            println!(
                "campaign {} is now {}",
                campaign.id,
                campaign.state.as_str()
            );
            anyhow::Ok(())
        }
    };
    match command {
        CampaignCommand::Create { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let written: CampaignFile =
                serde_json::from_str(&text).with_context(|| format!("{}", file.display()))?;
            let definition = CampaignDefinition::try_from(written)
                .with_context(|| format!("{}", file.display()))?;
            let filter = match definition.audience {
                Audience::Segment(id) => store.get_segment(id).await.context("the segment")?.filter,
                Audience::Filter(filter) => filter,
            };
            let templates = crate::templates::Templates::load(&config.templates)?;
            let mut connectors = Connectors::new();
            for connector in crate::app::build_connectors(&config.channels)? {
                connectors.insert(connector.name().to_owned(), Arc::clone(&connector));
            }
            crate::campaigns::spec::check(&definition.spec, &connectors, &templates)
                .map_err(|err| anyhow::anyhow!(err))?;
            let spec = serde_json::to_value(&definition.spec)?;
            let campaign = store
                .create_campaign(&definition.name, &filter, &spec, None)
                .await?;
            println!("created draft campaign {} ({})", campaign.id, campaign.name);
            Ok(())
        }
        CampaignCommand::Start { id, at } => {
            let at = at.map_or_else(Millis::now, |at| Millis(at.timestamp_millis()));
            transition(id, CampaignState::Scheduled, Some(at)).await
        }
        CampaignCommand::Pause { id } => transition(id, CampaignState::Paused, None).await,
        CampaignCommand::Resume { id } => transition(id, CampaignState::Running, None).await,
        CampaignCommand::Cancel { id } => transition(id, CampaignState::Cancelled, None).await,
        CampaignCommand::ResendInDoubt { id } => {
            let (released, _) = store
                .resend_in_doubt(id)
                .await
                .with_context(|| format!("campaign {id}"))?;
            println!("campaign {id}: {released} in-doubt sends will go out again");
            Ok(())
        }
        CampaignCommand::Status { id, watch } => loop {
            let campaign = store
                .get_campaign(id)
                .await
                .with_context(|| format!("campaign {id}"))?;
            let funnel = store.campaign_funnel(id).await?;
            print_funnel(&campaign.name, campaign.state, campaign.targeted, &funnel);
            if !watch || !campaign.state.is_open() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        },
        CampaignCommand::List => {
            println!(
                "{:>5}  {:<32} {:<10} {:>10}",
                "id", "name", "state", "targeted"
            );
            for campaign in store.list_campaigns().await? {
                println!(
                    "{:>5}  {:<32} {:<10} {:>10}",
                    campaign.id,
                    campaign.name,
                    campaign.state.as_str(),
                    campaign.targeted
                );
            }
            Ok(())
        }
    }
}
