//! Outbound event webhooks: subscriptions, the exactly-once fan-out of the event log into
//! deliveries, leased claims, outcomes with their attempt log, and replay.
//! (Compiled once per backend.)

use std::collections::HashMap;
use std::time::Duration;

use sqlx::types::Json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin};
use super::queue_claims::{self, Queue};
use crate::domain::{
    Event, EventKind, EventSelection, Millis, WebhookAttempt, WebhookDelivery, WebhookDeliveryId,
    WebhookDeliveryState, WebhookId, WebhookSubscription,
};
use crate::store::event_cursor::EventCursor;
use crate::store::rows::{EventRow, decode_cursor, encode_cursor, split_page};
use crate::store::{
    FanOut, NewWebhook, Page, PageRequest, StoreError, StoreResult, WebhookJob, WebhookOutcome,
    WebhookPatch,
};

/// Where the fan-out position is kept in `channel_checkpoints`.
const CURSOR_CHANNEL: &str = "event-webhooks";
const CURSOR_KEY: &str = "event_cursor";

fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    Millis(ms).to_datetime()
}

// ----- subscriptions -----

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: i64,
    url: String,
    events: Json<Vec<String>>,
    active: bool,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SubscriptionRow> for WebhookSubscription {
    type Error = StoreError;

    fn try_from(row: SubscriptionRow) -> Result<Self, Self::Error> {
        Ok(WebhookSubscription {
            id: WebhookId::new(row.id),
            url: row.url,
            events: EventSelection::parse(&row.events.0)?,
            active: row.active,
            created_at: time(row.created_at),
            updated_at: time(row.updated_at),
        })
    }
}

/// Stores a new, active subscription.
pub async fn create(
    pool: &Pool,
    new: &NewWebhook,
    now: Millis,
) -> StoreResult<WebhookSubscription> {
    let mut tx = begin(pool).await?;
    start_listening(&mut tx, None, now).await?;
    let row: SubscriptionRow = sqlx::query_as(
        "INSERT INTO webhook_subscriptions (url, secret, events, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         RETURNING id, url, events, active, created_at, updated_at",
    )
    .bind(&new.url)
    .bind(&new.secret)
    .bind(Json(new.events.names()))
    .bind(true)
    .bind(now.0)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    row.try_into()
}

/// When no other subscription is active, moves the fan-out cursor to the end of the log: the
/// fan-out does not write while nobody listens (idle passes stay read-only), and a new
/// listener only wants events from now on anyway.
async fn start_listening(
    conn: &mut Conn,
    except: Option<WebhookId>,
    now: Millis,
) -> StoreResult<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM webhook_subscriptions WHERE active = $1 AND id <> $2",
    )
    .bind(true)
    .bind(except.map_or(0, WebhookId::get))
    .fetch_one(&mut *conn)
    .await?;
    if others > 0 {
        return Ok(());
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
        .fetch_one(&mut *conn)
        .await?;
    let mut cursor = EventCursor::default();
    cursor.skip_to(newest.unwrap_or(0));
    sqlx::query(
        "INSERT INTO channel_checkpoints (channel, key, value, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(CURSOR_CHANNEL)
    .bind(CURSOR_KEY)
    .bind(cursor.to_json())
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every subscription, by id.
pub async fn list(pool: &Pool) -> StoreResult<Vec<WebhookSubscription>> {
    let rows: Vec<SubscriptionRow> = sqlx::query_as(
        "SELECT id, url, events, active, created_at, updated_at \
         FROM webhook_subscriptions ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(WebhookSubscription::try_from)
        .collect()
}

/// One subscription.
pub async fn get(pool: &Pool, id: WebhookId) -> StoreResult<WebhookSubscription> {
    let row: SubscriptionRow = sqlx::query_as(
        "SELECT id, url, events, active, created_at, updated_at \
         FROM webhook_subscriptions WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// Pauses or resumes a subscription, or changes its events.
pub async fn update(
    pool: &Pool,
    id: WebhookId,
    patch: &WebhookPatch,
    now: Millis,
) -> StoreResult<WebhookSubscription> {
    let mut tx = begin(pool).await?;
    let was_active: bool =
        sqlx::query_scalar("SELECT active FROM webhook_subscriptions WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    if patch.active == Some(true) && !was_active {
        start_listening(&mut tx, Some(id), now).await?;
    }
    let row: SubscriptionRow = sqlx::query_as(
        "UPDATE webhook_subscriptions SET active = COALESCE($2, active), \
             events = COALESCE($3, events), updated_at = $4 WHERE id = $1 \
         RETURNING id, url, events, active, created_at, updated_at",
    )
    .bind(id.get())
    .bind(patch.active)
    .bind(patch.events.as_ref().map(|events| Json(events.names())))
    .bind(now.0)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    row.try_into()
}

/// Deletes a subscription with its deliveries and their attempts (the foreign keys cascade),
/// so nothing more is sent to it.
pub async fn delete(pool: &Pool, id: WebhookId) -> StoreResult<()> {
    let done = sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1")
        .bind(id.get())
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ----- fan-out -----

#[derive(sqlx::FromRow)]
struct LogEntry {
    id: i64,
    kind: String,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct ActiveRow {
    id: i64,
    events: Json<Vec<String>>,
    created_at: i64,
}

async fn read_cursor(conn: &mut Conn, lock: bool) -> StoreResult<Option<EventCursor>> {
    // FOR UPDATE serialises fan-out passes of several nodes; SQLite's BEGIN IMMEDIATE already has.
    let sql = if IS_POSTGRES && lock {
        "SELECT value FROM channel_checkpoints WHERE channel = $1 AND key = $2 FOR UPDATE"
    } else {
        "SELECT value FROM channel_checkpoints WHERE channel = $1 AND key = $2"
    };
    let value: Option<String> = sqlx::query_scalar(sql)
        .bind(CURSOR_CHANNEL)
        .bind(CURSOR_KEY)
        .fetch_optional(&mut *conn)
        .await?;
    value.as_deref().map(EventCursor::parse).transpose()
}

/// Turns events appended since the last pass into pending deliveries, one per matching active
/// subscription, and moves the cursor past them, all in one transaction: a crash repeats the
/// pass as a whole, and the unique `(subscription_id, event_id)` makes any repeat a no-op.
/// A subscription receives only events created after it.
pub async fn fan_out(pool: &Pool, limit: i64, now: Millis) -> StoreResult<FanOut> {
    // A cheap look without the write lock first: idle polls must not serialise SQLite writers.
    // Without an active subscription nothing is written at all (see `start_listening`).
    {
        let mut conn = pool.acquire().await?;
        let active: i64 =
            sqlx::query_scalar("SELECT count(*) FROM webhook_subscriptions WHERE active = $1")
                .bind(true)
                .fetch_one(&mut *conn)
                .await?;
        if active == 0 {
            return Ok(FanOut::default());
        }
        let cursor = read_cursor(&mut conn, false).await?.unwrap_or_default();
        let newest: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
            .fetch_one(&mut *conn)
            .await?;
        if cursor.gaps.is_empty() && newest.unwrap_or(0) <= cursor.after {
            return Ok(FanOut::default());
        }
    }
    let mut tx = begin(pool).await?;
    sqlx::query(
        "INSERT INTO channel_checkpoints (channel, key, value, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (channel, key) DO NOTHING",
    )
    .bind(CURSOR_CHANNEL)
    .bind(CURSOR_KEY)
    .bind(EventCursor::default().to_json())
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    let before = read_cursor(&mut tx, true).await?.unwrap_or_default();
    let mut cursor = before.clone();
    cursor.expire(now);

    let active: Vec<ActiveRow> = sqlx::query_as(
        "SELECT id, events, created_at FROM webhook_subscriptions WHERE active = $1",
    )
    .bind(true)
    .fetch_all(&mut *tx)
    .await?;
    let subscriptions = active
        .into_iter()
        .map(|row| {
            Ok((
                row.id,
                EventSelection::parse(&row.events.0)?,
                row.created_at,
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;

    let mut outcome = FanOut::default();
    let mut pairs: Vec<(i64, i64, &'static str)> = Vec::new();
    if subscriptions.is_empty() {
        // The last listener left since the look above: skip ahead, as `start_listening` would.
        let newest: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
            .fetch_one(&mut *tx)
            .await?;
        cursor.skip_to(newest.unwrap_or(0));
    } else {
        let mut entries: Vec<LogEntry> = Vec::new();
        for gap in &cursor.gaps {
            let late: Vec<LogEntry> = sqlx::query_as(
                "SELECT id, kind, created_at FROM events WHERE id >= $1 AND id <= $2 ORDER BY id",
            )
            .bind(gap.from)
            .bind(gap.to)
            .fetch_all(&mut *tx)
            .await?;
            entries.extend(late);
        }
        let late_ids: Vec<i64> = entries.iter().map(|entry| entry.id).collect();
        cursor.fill(&late_ids);
        let fresh: Vec<LogEntry> = sqlx::query_as(
            "SELECT id, kind, created_at FROM events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(cursor.after)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let fresh_ids: Vec<i64> = fresh.iter().map(|entry| entry.id).collect();
        cursor.advance(&fresh_ids, now);
        entries.extend(fresh);
        outcome.events = entries.len();
        for entry in &entries {
            // A kind this build does not know was written by a newer one: skip it rather than
            // stall every subscriber behind it.
            let Ok(kind) = entry.kind.parse::<EventKind>() else {
                continue;
            };
            for (subscription, events, created_at) in &subscriptions {
                if events.matches(kind) && entry.created_at >= *created_at {
                    pairs.push((*subscription, entry.id, kind.as_str()));
                }
            }
        }
    }
    if !pairs.is_empty() {
        // One statement for the whole pass: the pairs travel as one JSON array parameter.
        let sql = if IS_POSTGRES {
            "INSERT INTO webhook_deliveries (subscription_id, event_id, event_kind, state, attempts, \
                 next_attempt_at, queued_at, created_at, updated_at) \
             SELECT (d->>0)::bigint, (d->>1)::bigint, d->>2, 'pending', 0, $2, $2, $2, $2 \
             FROM jsonb_array_elements($1) AS t(d) \
             ON CONFLICT (subscription_id, event_id) DO NOTHING"
        } else {
            // `WHERE true` keeps SQLite from reading ON CONFLICT as part of a join.
            "INSERT INTO webhook_deliveries (subscription_id, event_id, event_kind, state, attempts, \
                 next_attempt_at, queued_at, created_at, updated_at) \
             SELECT value->>0, value->>1, value->>2, 'pending', 0, $2, $2, $2, $2 \
             FROM json_each($1) WHERE true \
             ON CONFLICT (subscription_id, event_id) DO NOTHING"
        };
        let inserted = sqlx::query(sql)
            .bind(Json(&pairs))
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
        outcome.deliveries = usize::try_from(inserted.rows_affected()).unwrap_or(usize::MAX);
    }
    if cursor != before {
        sqlx::query(
            "UPDATE channel_checkpoints SET value = $3, updated_at = $4 \
             WHERE channel = $1 AND key = $2",
        )
        .bind(CURSOR_CHANNEL)
        .bind(CURSOR_KEY)
        .bind(cursor.to_json())
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

// ----- sending -----

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    subscription_id: i64,
    attempts: i64,
    queued_at: i64,
    url: String,
    secret: String,
    event_id: Option<i64>,
    kind: Option<String>,
    conversation_id: Option<i64>,
    contact_id: Option<i64>,
    message_id: Option<i64>,
    agent_id: Option<i64>,
    data: Option<Json<serde_json::Value>>,
    event_created_at: Option<i64>,
}

impl JobRow {
    fn into_job(self) -> StoreResult<WebhookJob> {
        let event = match (self.event_id, self.kind, self.data, self.event_created_at) {
            (Some(id), Some(kind), Some(data), Some(created_at)) => {
                Some(Event::try_from(EventRow {
                    id,
                    kind,
                    conversation_id: self.conversation_id,
                    contact_id: self.contact_id,
                    message_id: self.message_id,
                    agent_id: self.agent_id,
                    data,
                    created_at,
                })?)
            }
            _ => None,
        };
        Ok(WebhookJob {
            delivery_id: WebhookDeliveryId::new(self.id),
            subscription_id: WebhookId::new(self.subscription_id),
            url: self.url,
            secret: self.secret,
            attempts: self.attempts,
            queued_at: time(self.queued_at),
            event,
        })
    }
}

/// The delivery queue as a claimed queue: oldest due first.
const DELIVERIES: Queue = Queue {
    table: "webhook_deliveries",
    order: "next_attempt_at, id",
};

/// Claims due deliveries for `worker` until `now + lease`. A claim is a lease: if the worker
/// dies, the delivery is due again at `claimed_until` (receivers deduplicate on the delivery id).
pub async fn claim(
    pool: &Pool,
    worker: &str,
    now: Millis,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<WebhookJob>> {
    let mut tx = begin(pool).await?;
    let ids = queue_claims::claim(&mut tx, &DELIVERIES, worker, now, lease, limit).await?;
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        let row: JobRow = sqlx::query_as(
            "SELECT d.id, d.subscription_id, d.attempts, d.queued_at, s.url, s.secret, \
                 e.id AS event_id, e.kind, e.conversation_id, e.contact_id, e.message_id, \
                 e.agent_id, e.data, e.created_at AS event_created_at \
             FROM webhook_deliveries d \
             JOIN webhook_subscriptions s ON s.id = d.subscription_id \
             LEFT JOIN events e ON e.id = d.event_id \
             WHERE d.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        jobs.push(row.into_job()?);
    }
    tx.commit().await?;
    Ok(jobs)
}

/// Records one attempt in the log and moves the delivery on. A delivery whose subscription
/// was deleted meanwhile is gone, and so is its log: nothing is recorded then.
pub async fn finish(
    pool: &Pool,
    id: WebhookDeliveryId,
    attempt: &WebhookAttempt,
    outcome: &WebhookOutcome,
    now: Millis,
) -> StoreResult<()> {
    let (state, next_attempt_at, delivered_at) = match outcome {
        WebhookOutcome::Delivered => (WebhookDeliveryState::Delivered, None, Some(now.0)),
        WebhookOutcome::Retry { at } => (
            WebhookDeliveryState::Pending,
            Some(at.timestamp_millis()),
            None,
        ),
        WebhookOutcome::Failed => (WebhookDeliveryState::Failed, None, None),
    };
    let status = attempt.status.map(i64::from);
    let mut tx = begin(pool).await?;
    let updated = sqlx::query(
        "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, \
             next_attempt_at = COALESCE($3, next_attempt_at), claimed_until = NULL, \
             claimed_by = NULL, last_status = $4, last_error = $5, updated_at = $6, \
             delivered_at = COALESCE($7, delivered_at) \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(id.get())
    .bind(state.as_str())
    .bind(next_attempt_at)
    .bind(status)
    .bind(attempt.error.as_deref())
    .bind(now.0)
    .bind(delivered_at)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 1 {
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms, attempted_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.get())
        .bind(status)
        .bind(attempt.error.as_deref())
        .bind(attempt.duration_ms)
        .bind(attempt.attempted_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// When the earliest pending delivery becomes due (a retry time or an expiring lease).
pub async fn next_due(pool: &Pool) -> StoreResult<Option<Millis>> {
    queue_claims::next_due(pool, &DELIVERIES).await
}

// ----- the delivery log -----

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    subscription_id: i64,
    event_id: i64,
    event_kind: String,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
    delivered_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: i64,
    status: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
    attempted_at: i64,
}

fn http_status(value: i64) -> StoreResult<u16> {
    u16::try_from(value).map_err(|_| StoreError::Corrupt(format!("HTTP status {value}")))
}

impl DeliveryRow {
    fn into_delivery(self, history: Vec<WebhookAttempt>) -> StoreResult<WebhookDelivery> {
        Ok(WebhookDelivery {
            id: WebhookDeliveryId::new(self.id),
            subscription_id: WebhookId::new(self.subscription_id),
            event_id: crate::domain::EventId::new(self.event_id),
            event_kind: self.event_kind.parse()?,
            state: self.state.parse()?,
            attempts: self.attempts,
            next_attempt_at: time(self.next_attempt_at),
            last_status: self.last_status.map(http_status).transpose()?,
            last_error: self.last_error,
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
            delivered_at: self.delivered_at.map(time),
            history,
        })
    }
}

impl TryFrom<AttemptRow> for WebhookAttempt {
    type Error = StoreError;

    fn try_from(row: AttemptRow) -> Result<Self, Self::Error> {
        Ok(WebhookAttempt {
            status: row.status.map(http_status).transpose()?,
            error: row.error,
            duration_ms: row.duration_ms,
            attempted_at: time(row.attempted_at),
        })
    }
}

const DELIVERY_COLUMNS: &str = "id, subscription_id, event_id, event_kind, state, attempts, \
     next_attempt_at, last_status, last_error, created_at, updated_at, delivered_at";

/// The deliveries of a subscription, newest first, each with its attempts.
pub async fn list_deliveries(
    pool: &Pool,
    subscription: WebhookId,
    state: Option<WebhookDeliveryState>,
    page: PageRequest,
) -> StoreResult<Page<WebhookDelivery>> {
    let limit = page.limit();
    let before = match &page.cursor {
        Some(cursor) => decode_cursor(cursor)?.1,
        None => i64::MAX,
    };
    // A missing subscription is a 404, not an empty log.
    get(pool, subscription).await?;
    let mut rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE subscription_id = $1 AND ($2 IS NULL OR state = $2) AND id < $3 \
         ORDER BY id DESC LIMIT $4"
    ))
    .bind(subscription.get())
    .bind(state.map(WebhookDeliveryState::as_str))
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let next_cursor = split_page(&mut rows, limit, |row| encode_cursor(0, row.id));
    let (Some(newest), Some(oldest)) = (rows.first().map(|r| r.id), rows.last().map(|r| r.id))
    else {
        return Ok(Page {
            items: Vec::new(),
            next_cursor,
        });
    };
    // The page is a range of ids within one subscription: one query fetches all its attempts.
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "SELECT a.delivery_id, a.status, a.error, a.duration_ms, a.attempted_at \
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE d.subscription_id = $1 AND d.id >= $2 AND d.id <= $3 \
         ORDER BY a.delivery_id, a.id",
    )
    .bind(subscription.get())
    .bind(oldest)
    .bind(newest)
    .fetch_all(pool)
    .await?;
    let mut history: HashMap<i64, Vec<WebhookAttempt>> = HashMap::new();
    for row in attempts {
        history
            .entry(row.delivery_id)
            .or_default()
            .push(WebhookAttempt::try_from(row)?);
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let attempts = history.remove(&row.id).unwrap_or_default();
            row.into_delivery(attempts)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

async fn load_delivery(conn: &mut Conn, id: WebhookDeliveryId) -> StoreResult<WebhookDelivery> {
    let row: DeliveryRow = sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
    ))
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "SELECT delivery_id, status, error, duration_ms, attempted_at \
         FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    let history = attempts
        .into_iter()
        .map(WebhookAttempt::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    row.into_delivery(history)
}

/// Queues a delivery again, due now, whatever its state: a new round with a fresh attempt
/// count and retry window. The attempt log keeps every earlier attempt. A delivery being sent
/// right now cannot be replayed until that attempt ends.
pub async fn replay(
    pool: &Pool,
    id: WebhookDeliveryId,
    now: Millis,
) -> StoreResult<WebhookDelivery> {
    let mut tx = begin(pool).await?;
    let current: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT state, claimed_until FROM webhook_deliveries WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?;
    match current {
        None => return Err(StoreError::NotFound),
        Some((state, Some(until))) if state == "pending" && until > now.0 => {
            return Err(StoreError::Invalid(
                "delivery: an attempt is in flight; replay it once that attempt has ended".into(),
            ));
        }
        Some(_) => {}
    }
    sqlx::query(
        "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $2, \
             queued_at = $2, claimed_until = NULL, claimed_by = NULL, updated_at = $2, \
             delivered_at = NULL \
         WHERE id = $1",
    )
    .bind(id.get())
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    let delivery = load_delivery(&mut tx, id).await?;
    tx.commit().await?;
    Ok(delivery)
}
