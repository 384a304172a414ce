//! A campaign's funnel: its ledger counted per channel and in total, and the live progress
//! events that carry it. (Compiled once per backend.)

use std::collections::BTreeMap;

use serde_json::json;

use super::campaigns::{campaign_event, load_campaign};
use super::common::{Conn, Pool, begin, insert_events};
use crate::domain::{CampaignId, Event, EventKind, Funnel, FunnelCounts, Millis};
use crate::store::StoreResult;

/// What the funnel counts per channel, as SQL over one ledger row, in [`funnel_counts`] order.
const FUNNEL_TERMS: [&str; 12] = [
    "1",
    "CASE WHEN state = 'pending' THEN 1 ELSE 0 END",
    "CASE WHEN state = 'in_doubt' THEN 1 ELSE 0 END",
    "CASE WHEN state = 'suppressed' THEN 1 ELSE 0 END",
    "CASE WHEN state = 'failed' THEN 1 ELSE 0 END",
    "CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN read_at IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN clicked_at IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN replied_at IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN unsubscribed_at IS NOT NULL THEN 1 ELSE 0 END",
];

fn funnel_counts(values: &[i64]) -> FunnelCounts {
    let value = |n: usize| values.get(n).copied().unwrap_or(0);
    FunnelCounts {
        targeted: value(0),
        pending: value(1),
        in_doubt: value(2),
        suppressed: value(3),
        failed: value(4),
        sent: value(5),
        delivered: value(6),
        read: value(7),
        opened: value(8),
        clicked: value(9),
        replied: value(10),
        unsubscribed: value(11),
    }
}

/// The funnel of each of `names` and of none, in one pass over the ledger, and how many rows
/// name a channel outside `names`. A column per channel and figure rather than GROUP BY:
/// SQLite has no hash aggregate, so grouping sorted the campaign's whole ledger (a temporary
/// B-tree as large as the page cache) every time live progress was reported.
async fn count_funnel(
    conn: &mut Conn,
    id: i64,
    names: &[String],
) -> StoreResult<(BTreeMap<String, FunnelCounts>, i64)> {
    use sqlx::Row;
    let listed: Vec<String> = (0..names.len()).map(|n| format!("${}", n + 2)).collect();
    let unlisted = if listed.is_empty() {
        "channel IS NOT NULL".to_owned()
    } else {
        format!("channel NOT IN ({})", listed.join(", "))
    };
    let mut columns = Vec::new();
    for slot in 0..=names.len() {
        let channel = listed.get(slot).map_or_else(
            || "channel IS NULL".to_owned(),
            |bind| format!("channel = {bind}"),
        );
        for term in FUNNEL_TERMS {
            columns.push(format!(
                "COALESCE(sum(CASE WHEN {channel} THEN {term} ELSE 0 END), 0)"
            ));
        }
    }
    columns.push(format!(
        "COALESCE(sum(CASE WHEN {unlisted} THEN 1 ELSE 0 END), 0)"
    ));
    let sql = format!(
        "SELECT {} FROM campaign_sends WHERE campaign_id = $1",
        columns.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(id);
    for name in names {
        query = query.bind(name);
    }
    let row = query.fetch_one(&mut *conn).await?;
    let values = (0..columns.len())
        .map(|n| row.try_get::<i64, usize>(n))
        .collect::<Result<Vec<i64>, _>>()?;
    let mut channels = BTreeMap::new();
    let none = "none".to_owned();
    for (name, values) in names
        .iter()
        .chain([&none])
        .zip(values.chunks(FUNNEL_TERMS.len()))
    {
        let counts = funnel_counts(values);
        if counts.targeted > 0 {
            channels.insert(name.clone(), counts);
        }
    }
    Ok((channels, values.last().copied().unwrap_or(0)))
}

/// The funnel of campaign `id`, inside the caller's transaction.
pub async fn funnel_in(conn: &mut Conn, id: i64) -> StoreResult<Funnel> {
    // The ledger's channels are the campaign's (planning writes no other), plus none for
    // contacts no channel could reach; should the ledger name another, it is counted again
    // with the channels it really holds.
    let campaign = load_campaign(conn, id).await?;
    let mut names: Vec<String> = campaign
        .spec
        .get("channels")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|plan| plan.get("channel")?.as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    let (mut channels, unlisted) = count_funnel(conn, id, &names).await?;
    if unlisted > 0 {
        names = sqlx::query_scalar(
            "SELECT DISTINCT channel FROM campaign_sends \
             WHERE campaign_id = $1 AND channel IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        channels = count_funnel(conn, id, &names).await?.0;
    }
    Ok(Funnel::of_channels(channels))
}

/// A campaign's funnel.
pub async fn funnel(pool: &Pool, id: CampaignId) -> StoreResult<Funnel> {
    let id = id.get();
    let mut conn = pool.acquire().await?;
    load_campaign(&mut conn, id).await?;
    funnel_in(&mut conn, id).await
}

/// Appends a `campaign.progress` event with the campaign's funnel totals.
pub async fn progress(pool: &Pool, id: CampaignId, now: Millis) -> StoreResult<Vec<Event>> {
    let id = id.get();
    let mut tx = begin(pool).await?;
    let funnel = funnel_in(&mut tx, id).await?;
    let events = insert_events(
        &mut tx,
        vec![campaign_event(
            EventKind::CampaignProgress,
            json!({"campaign": id, "state": "running", "funnel": funnel.total}),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(events)
}
