//! The outbox: claiming due sends with a lease, recording outcomes, manual retry.
//! (Compiled once per backend.)

use std::time::Duration;

use connector_sdk::{Attachment, Recipient};
use serde_json::json;

use super::common::{Pool, begin, insert_events};
use super::queue_claims::{self, Queue};
use crate::domain::{AgentId, ConversationId, Event, EventKind, MessageId, Millis};
use crate::store::rows::{DeliveryRow, NewEvent, decode_cursor, encode_cursor, split_page};
use crate::store::{
    DeliveryEntry, OutboxJob, OutboxState, Page, PageRequest, SendOutcome, StoreError, StoreResult,
};

/// The outbox as a claimed queue: the reply lane always goes first.
const OUTBOX: Queue = Queue {
    table: "outbox",
    order: "CASE lane WHEN 'reply' THEN 0 ELSE 1 END, next_attempt_at, id",
};

/// Claims due jobs. The reply lane always goes first, so agents' answers never wait behind a
/// campaign. A claim is a lease: if the worker dies, the job becomes due again at
/// `claimed_until` (the connector's idempotency per message id makes the resend safe).
pub async fn claim(
    pool: &Pool,
    worker: &str,
    now: Millis,
    lease: Duration,
    limit: i64,
) -> StoreResult<Vec<OutboxJob>> {
    let mut tx = begin(pool).await?;
    let ids = queue_claims::claim(&mut tx, &OUTBOX, worker, now, lease, limit).await?;
    let mut jobs = Vec::with_capacity(ids.len());
    for id in ids {
        let row: JobRow = sqlx::query_as(
            "SELECT o.id AS outbox_id, o.attempts, m.id AS message_id, m.conversation_id, \
                 m.channel, m.author_type, m.author_id, a.name AS author_name, m.text, m.html, \
                 m.markup, m.attachments, m.created_at, m.template, i.external_id AS recipient, c.thread_key, \
                 ct.name AS contact_name, s.expires_at AS csat_expires_at, \
                 (SELECT p.external_id FROM messages p WHERE p.conversation_id = m.conversation_id \
                    AND p.direction = 'in' AND p.id < m.id ORDER BY p.id DESC LIMIT 1) AS in_reply_to \
             FROM outbox o \
             JOIN messages m ON m.id = o.message_id \
             JOIN conversations c ON c.id = m.conversation_id \
             LEFT JOIN contact_identities i ON i.id = c.identity_id \
             LEFT JOIN contacts ct ON ct.id = c.contact_id \
             LEFT JOIN agents a ON a.id = m.author_id AND m.author_type = 'agent' \
             LEFT JOIN csat_surveys s ON s.message_id = m.id \
             WHERE o.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        jobs.push(row.into_job());
    }
    tx.commit().await?;
    Ok(jobs)
}

#[derive(sqlx::FromRow)]
struct JobRow {
    outbox_id: i64,
    attempts: i64,
    message_id: i64,
    conversation_id: i64,
    channel: String,
    author_type: String,
    author_id: Option<i64>,
    author_name: Option<String>,
    text: String,
    html: Option<String>,
    markup: Option<String>,
    attachments: sqlx::types::Json<Vec<Attachment>>,
    created_at: i64,
    template: Option<sqlx::types::Json<connector_sdk::Template>>,
    recipient: Option<String>,
    thread_key: String,
    contact_name: Option<String>,
    in_reply_to: Option<String>,
    csat_expires_at: Option<i64>,
}

impl JobRow {
    fn into_job(self) -> OutboxJob {
        let mut recipient =
            Recipient::new(self.recipient.unwrap_or_default()).in_thread(Some(self.thread_key));
        recipient.name = self.contact_name;
        let author = match (self.author_type.as_str(), self.author_id, self.author_name) {
            ("agent", Some(id), Some(name)) => Some((AgentId::new(id), name)),
            _ => None,
        };
        OutboxJob {
            outbox_id: self.outbox_id,
            message_id: MessageId::new(self.message_id),
            conversation_id: ConversationId::new(self.conversation_id),
            channel: self.channel,
            recipient,
            author,
            text: self.text,
            html: self.html,
            markup: self.markup,
            attachments: self.attachments.0,
            in_reply_to: self.in_reply_to,
            template: self.template.map(|t| t.0),
            csat_expires_at: self.csat_expires_at.map(Millis),
            attempts: self.attempts,
            created_at: Millis(self.created_at).to_datetime(),
        }
    }
}

fn delivery_event(job: &OutboxJob, status: &str, error: Option<&str>) -> NewEvent {
    NewEvent {
        kind: EventKind::MessageUpdated,
        conversation_id: Some(job.conversation_id),
        contact_id: None,
        message_id: Some(job.message_id),
        agent_id: None,
        data: json!({"delivery_status": status, "error": error}),
    }
}

/// Records one attempt's outcome on the outbox row and the message.
pub async fn finish(
    pool: &Pool,
    job: &OutboxJob,
    outcome: &SendOutcome,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    let mut tx = begin(pool).await?;
    let mut events = Vec::new();
    match outcome {
        SendOutcome::Sent { external_id } => {
            sqlx::query(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, claimed_until = NULL, \
                     last_error = NULL, updated_at = $2 WHERE id = $1",
            )
            .bind(job.outbox_id)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE messages SET delivery_status = 'sent', external_id = $2, sent_at = $3, \
                     delivery_error = NULL WHERE id = $1",
            )
            .bind(job.message_id.get())
            .bind(external_id)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            events.push(delivery_event(job, "sent", None));
        }
        SendOutcome::Retry { at, error } => {
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, claimed_until = NULL, \
                     next_attempt_at = $2, last_error = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(job.outbox_id)
            .bind(at.timestamp_millis())
            .bind(error)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE messages SET delivery_error = $2 WHERE id = $1")
                .bind(job.message_id.get())
                .bind(error)
                .execute(&mut *tx)
                .await?;
        }
        SendOutcome::Failed { error, dead } => {
            let state = if *dead { "dead" } else { "failed" };
            sqlx::query(
                "UPDATE outbox SET state = $2, attempts = attempts + 1, claimed_until = NULL, \
                     last_error = $3, updated_at = $4 WHERE id = $1",
            )
            .bind(job.outbox_id)
            .bind(state)
            .bind(error)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE messages SET delivery_status = $2, delivery_error = $3 WHERE id = $1",
            )
            .bind(job.message_id.get())
            .bind(state)
            .bind(error)
            .execute(&mut *tx)
            .await?;
            events.push(delivery_event(job, state, Some(error)));
        }
    }
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok(events)
}

/// Queues a failed or dead message again, with a fresh attempt budget.
pub async fn retry(
    pool: &Pool,
    id: MessageId,
    now: Millis,
) -> StoreResult<(crate::domain::Message, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM outbox WHERE message_id = $1")
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await?;
    match state.as_deref() {
        None => return Err(StoreError::NotFound),
        Some("failed" | "dead") => {}
        Some(other) => {
            return Err(StoreError::Invalid(format!(
                "message: only failed or dead messages can be retried (this one is {other})"
            )));
        }
    }
    sqlx::query(
        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, \
             claimed_until = NULL, last_error = NULL, updated_at = $2 WHERE message_id = $1",
    )
    .bind(id.get())
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE messages SET delivery_status = 'queued', delivery_error = NULL WHERE id = $1",
    )
    .bind(id.get())
    .execute(&mut *tx)
    .await?;
    let message = super::common::message(&mut tx, id.get()).await?;
    let events = insert_events(
        &mut tx,
        vec![NewEvent {
            kind: EventKind::MessageUpdated,
            conversation_id: Some(message.conversation_id),
            contact_id: None,
            message_id: Some(message.id),
            agent_id: None,
            data: json!({"delivery_status": "queued", "error": null}),
        }],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((message, events))
}

/// Outbox entries, newest first, optionally only those in `state`.
pub async fn list(
    pool: &Pool,
    state: Option<OutboxState>,
    page: PageRequest,
    visibility: &crate::domain::access::Visibility,
) -> StoreResult<Page<DeliveryEntry>> {
    let limit = page.limit();
    let before = match &page.cursor {
        Some(cursor) => decode_cursor(cursor)?.1,
        None => i64::MAX,
    };
    let sql = format!(
        "SELECT o.id, o.message_id, m.conversation_id, o.channel, o.state, o.attempts, \
             o.last_error, o.next_attempt_at, o.updated_at, m.delivery_status \
         FROM outbox o JOIN messages m ON m.id = o.message_id \
         JOIN conversations c ON c.id = m.conversation_id \
         WHERE ($1 IS NULL OR o.state = $1) AND o.id < $2{} ORDER BY o.id DESC LIMIT $3",
        super::access::visible_sql("c", visibility)
    );
    let mut rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
        .bind(state.map(OutboxState::as_str))
        .bind(before)
        .bind(limit + 1)
        .fetch_all(pool)
        .await?;
    let next_cursor = split_page(&mut rows, limit, |row| encode_cursor(0, row.id));
    let items = rows
        .into_iter()
        .map(DeliveryEntry::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

/// When the earliest pending job becomes due (a retry time or an expiring lease).
pub async fn next_due(pool: &Pool) -> StoreResult<Option<Millis>> {
    queue_claims::next_due(pool, &OUTBOX).await
}
