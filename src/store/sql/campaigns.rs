//! Campaigns' lifecycle: the campaign rows, drafts and their edits, the moves between states
//! and the campaign settings. Planning and sending are in `campaign_ledger.rs`, counting in
//! `campaign_funnel.rs`. (Compiled once per backend.)

use serde_json::json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, insert_events};
use crate::domain::{Campaign, CampaignId, CampaignState, Event, EventKind, Filter, Millis};
use crate::store::rows::NewEvent;
use crate::store::{StoreError, StoreResult};

/// An event about a campaign.
pub fn campaign_event(kind: EventKind, data: serde_json::Value) -> NewEvent {
    NewEvent {
        kind,
        conversation_id: None,
        contact_id: None,
        message_id: None,
        agent_id: None,
        data,
    }
}

// ----- campaigns -----

const CAMPAIGN_COLUMNS: &str = "id, name, filter, spec, state, scheduled_at, planned_at, targeted, \
     started_at, finished_at, created_at";

type CampaignRow = (
    i64,
    String,
    sqlx::types::Json<Filter>,
    sqlx::types::Json<serde_json::Value>,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
);

fn campaign(row: CampaignRow) -> StoreResult<Campaign> {
    let (
        id,
        name,
        filter,
        spec,
        state,
        scheduled_at,
        planned_at,
        targeted,
        started_at,
        finished_at,
        created_at,
    ) = row;
    Ok(Campaign {
        id: CampaignId::new(id),
        name,
        filter: filter.0,
        spec: spec.0,
        state: state
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("campaign {id}: state {state:?}")))?,
        scheduled_at: scheduled_at.map(Millis),
        planned_at: planned_at.map(Millis),
        targeted,
        started_at: started_at.map(Millis),
        finished_at: finished_at.map(Millis),
        created_at: Millis(created_at),
    })
}

/// Loads one campaign.
pub async fn load_campaign(conn: &mut Conn, id: i64) -> StoreResult<Campaign> {
    let row: CampaignRow = sqlx::query_as(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    campaign(row)
}

/// Stores a draft campaign.
pub async fn create_campaign(
    pool: &Pool,
    name: &str,
    filter: &Filter,
    spec: &serde_json::Value,
    scheduled_at: Option<Millis>,
    now: Millis,
) -> StoreResult<Campaign> {
    let row: CampaignRow = sqlx::query_as(&format!(
        "INSERT INTO campaigns (name, filter, spec, state, scheduled_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', $4, $5, $5) RETURNING {CAMPAIGN_COLUMNS}"
    ))
    .bind(name)
    .bind(sqlx::types::Json(filter))
    .bind(sqlx::types::Json(spec))
    .bind(scheduled_at.map(|at| at.0))
    .bind(now.0)
    .fetch_one(pool)
    .await?;
    campaign(row)
}

/// Every campaign, newest first.
pub async fn list_campaigns(pool: &Pool) -> StoreResult<Vec<Campaign>> {
    let rows: Vec<CampaignRow> = sqlx::query_as(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY id DESC"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(campaign).collect()
}

/// One campaign.
pub async fn get_campaign(pool: &Pool, id: CampaignId) -> StoreResult<Campaign> {
    let id = id.get();
    let mut conn = pool.acquire().await?;
    load_campaign(&mut conn, id).await
}

/// Moves a campaign to `to` under the write lock, when the lifecycle allows it from the state
/// it is in.
pub async fn transition(
    pool: &Pool,
    id: CampaignId,
    to: CampaignState,
    scheduled_at: Option<Millis>,
    now: Millis,
) -> StoreResult<(Campaign, Vec<Event>)> {
    let id = id.get();
    let mut tx = begin(pool).await?;
    let current = load_campaign(&mut tx, id).await?;
    if !current.state.can_become(to) {
        return Err(StoreError::Invalid(format!(
            "campaign {id} is {}; it cannot become {}",
            current.state.as_str(),
            to.as_str()
        )));
    }
    sqlx::query(
        "UPDATE campaigns SET state = $2, scheduled_at = COALESCE($3, scheduled_at), \
         finished_at = CASE WHEN $2 IN ('finished', 'cancelled') THEN $4 ELSE finished_at END, \
         updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(to.as_str())
    .bind(scheduled_at.map(|at| at.0))
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    if to == CampaignState::Cancelled {
        // Nothing more goes out. Rows of a live lease are with their channel right now: their
        // worker records what happened (a message that went out counts as sent), and
        // `settle_cancelled` ends them if it dies. Leases that ran out end here.
        let live = if IS_POSTGRES {
            "SELECT j.value::bigint FROM campaign_leases l \
             CROSS JOIN LATERAL jsonb_array_elements_text(l.contacts) j \
             WHERE l.campaign_id = $1 AND l.expires_at >= $2"
        } else {
            "SELECT j.value FROM campaign_leases l, json_each(l.contacts) j \
             WHERE l.campaign_id = $1 AND l.expires_at >= $2"
        };
        sqlx::query(&format!(
            "UPDATE campaign_sends SET state = 'failed', error = '{CANCELLED}' \
             WHERE campaign_id = $1 AND state = 'pending' AND contact_id NOT IN ({live})"
        ))
        .bind(id)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM campaign_leases WHERE campaign_id = $1 AND expires_at < $2")
            .bind(id)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
    }
    let campaign = load_campaign(&mut tx, id).await?;
    let events = insert_events(
        &mut tx,
        vec![campaign_event(
            EventKind::CampaignProgress,
            json!({"campaign": id, "state": to.as_str()}),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((campaign, events))
}

/// Scheduled campaigns that are due.
pub async fn due_campaigns(pool: &Pool, now: Millis) -> StoreResult<Vec<Campaign>> {
    let rows: Vec<CampaignRow> = sqlx::query_as(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'scheduled' \
         AND COALESCE(scheduled_at, 0) <= $1 ORDER BY id"
    ))
    .bind(now.0)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(campaign).collect()
}

/// Running campaigns.
pub async fn running_campaigns(pool: &Pool) -> StoreResult<Vec<Campaign>> {
    let rows: Vec<CampaignRow> = sqlx::query_as(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE state = 'running' ORDER BY id"
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(campaign).collect()
}

/// The value of a campaign setting, created from `generate` on first use. Concurrent first
/// uses agree: the first insert wins and everyone reads it back.
pub async fn setting_or_insert(pool: &Pool, name: &str, generated: &str) -> StoreResult<String> {
    sqlx::query(
        "INSERT INTO campaign_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(generated)
    .execute(pool)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT value FROM campaign_settings WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await?,
    )
}

/// Why a row of a cancelled campaign was not sent.
pub const CANCELLED: &str = "campaign cancelled";

/// Replaces a draft's definition (see `Store::update_campaign_draft`). One conditional UPDATE
/// decides; the read after a miss only explains it.
pub async fn update_draft(
    pool: &Pool,
    id: CampaignId,
    name: &str,
    filter: &Filter,
    spec: &serde_json::Value,
    now: Millis,
) -> StoreResult<Campaign> {
    let id = id.get();
    let row: Option<CampaignRow> = sqlx::query_as(&format!(
        "UPDATE campaigns SET name = $2, filter = $3, spec = $4, updated_at = $5 \
         WHERE id = $1 AND state = 'draft' RETURNING {CAMPAIGN_COLUMNS}"
    ))
    .bind(id)
    .bind(name)
    .bind(sqlx::types::Json(filter))
    .bind(sqlx::types::Json(spec))
    .bind(now.0)
    .fetch_optional(pool)
    .await?;
    if let Some(row) = row {
        return campaign(row);
    }
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    match state {
        None => Err(StoreError::NotFound),
        // A state move refused, like `transition`'s.
        Some(state) => Err(StoreError::Invalid(format!(
            "campaign {id} is {state}; only a draft can be edited"
        ))),
    }
}
