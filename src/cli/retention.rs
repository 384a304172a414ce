//! `switchboard retention [--dry-run]`: one retention pass now, or what it would delete.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::domain::Millis;
use crate::domain::retention::RetentionCounts;
use crate::retention::{LEASE, Retention};
use crate::store::Store;

/// How long the command's hold on the retention lease lasts; a pass that outlives it is
/// refused by the fence (and the next pass goes on where it stopped).
const LEASE_TTL: Duration = Duration::from_secs(15 * 60);

/// Runs `switchboard retention`.
///
/// # Errors
/// Bad channel configuration, a database failure, or the lease held by a running service.
pub async fn run(config: &Config, store: Store, dry_run: bool) -> anyhow::Result<()> {
    if !config.retention.deletes_anything() && !dry_run {
        println!("[retention] sets no period: only expired sessions are deleted");
    }
    let connectors: crate::dispatch::Connectors = crate::app::build_connectors(&config.channels)?
        .into_iter()
        .map(|connector| (connector.name().to_owned(), connector))
        .collect();
    let retention = Retention::new(
        store.clone(),
        config.retention.clone(),
        Arc::new(connectors),
    );
    let now = Millis::now();
    if dry_run {
        let counts = retention.preview(now).await?;
        print!("{}", render(&counts, "would delete"));
        return Ok(());
    }
    let holder = format!("cli-{}", std::process::id());
    let Some(fence) = store.acquire_lease(LEASE, &holder, LEASE_TTL).await? else {
        anyhow::bail!(
            "another node holds the {LEASE:?} lease: a running service does this job (see GET /api/v1/cluster)"
        );
    };
    let outcome = retention
        .run_once(
            now,
            Some(&fence),
            &tokio_util::sync::CancellationToken::new(),
        )
        .await;
    store.release_lease(&fence).await?;
    let counts = outcome?;
    print!("{}", render(&counts, "deleted"));
    println!("blob files deleted: {}", counts.blob_files);
    Ok(())
}

/// One line per category and channel.
fn render(counts: &RetentionCounts, verb: &str) -> String {
    let mut rows = Vec::new();
    for (category, map) in [
        ("conversations", &counts.conversations),
        ("messages", &counts.messages),
        ("attachments", &counts.expired_attachments),
    ] {
        for (channel, count) in map {
            rows.push([category.to_owned(), channel.clone(), count.to_string()]);
        }
        if map.is_empty() {
            rows.push([category.to_owned(), "-".into(), "0".into()]);
        }
    }
    for (category, count) in [
        ("events", counts.events),
        ("webhook_deliveries", counts.webhook_deliveries),
        ("sessions", counts.sessions),
    ] {
        rows.push([category.to_owned(), "-".into(), count.to_string()]);
    }
    super::table::render(["category", "channel", verb], [false, false, true], &rows)
}
