//! Erasure jobs and their steps (see `domain::erasure`). Each step is one short transaction
//! that also moves the job on, and only while this node holds the job's claim: a node that
//! lost it (it stalled past `claimed_until`) commits nothing. (Compiled once per backend.)

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, insert_events};
use crate::domain::erasure::{
    ERASED_TEXT, ErasureJob, ErasureStep, scrub_event_data, tombstone_name,
};
use crate::domain::{AgentId, ContactId, ErasureId, Event, EventKind, Millis};
use crate::store::privacy::{ErasureProgress, StoredAttachments};
use crate::store::rows::NewEvent;
use crate::store::{StoreError, StoreResult};
use connector_sdk::Attachment;

const JOB_COLUMNS: &str = "id, contact_id, reason, requested_by, state, step, cursor, \
     files_deleted, files_kept, messages, events, attempts, last_error, created_at, finished_at";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    contact_id: i64,
    reason: String,
    requested_by: Option<i64>,
    state: String,
    step: String,
    cursor: i64,
    files_deleted: i64,
    files_kept: i64,
    messages: i64,
    events: i64,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    finished_at: Option<i64>,
}

impl TryFrom<JobRow> for ErasureJob {
    type Error = StoreError;

    fn try_from(row: JobRow) -> Result<Self, Self::Error> {
        Ok(ErasureJob {
            id: ErasureId::new(row.id),
            contact_id: ContactId::new(row.contact_id),
            reason: row.reason,
            requested_by: row.requested_by.map(AgentId::new),
            state: row.state.parse()?,
            step: row.step.parse()?,
            cursor: row.cursor,
            files_deleted: row.files_deleted,
            files_kept: row.files_kept,
            messages: row.messages,
            events: row.events,
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: Millis(row.created_at).to_datetime(),
            finished_at: row.finished_at.map(|at| Millis(at).to_datetime()),
        })
    }
}

async fn job_of_contact(conn: &mut Conn, contact: ContactId) -> StoreResult<ErasureJob> {
    let row: JobRow = sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM erasure_jobs WHERE contact_id = $1"
    ))
    .bind(contact.get())
    .fetch_one(&mut *conn)
    .await?;
    row.try_into()
}

/// Starts erasing `contacts` (one job each) in one transaction, or returns the job a contact
/// already has. `NotFound` (and nothing written) when one of them does not exist.
pub async fn request(
    pool: &Pool,
    contacts: &[ContactId],
    reason: &str,
    by: Option<AgentId>,
    now: Millis,
) -> StoreResult<Vec<ErasureJob>> {
    let mut tx = begin(pool).await?;
    let mut jobs = Vec::with_capacity(contacts.len());
    for &contact in contacts {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
            .bind(contact.get())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO erasure_jobs (contact_id, reason, requested_by, state, step, created_at, updated_at) \
             VALUES ($1, $2, $3, 'running', 'detach', $4, $4) ON CONFLICT (contact_id) DO NOTHING",
        )
        .bind(contact.get())
        .bind(reason)
        .bind(by.map(AgentId::get))
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        jobs.push(job_of_contact(&mut tx, contact).await?);
        // Contacts merged into this one are the same person: their tombstones still hold a
        // profile, tags and consents, so they are erased with it (without a job of their own
        // in the answer).
        let mut merged: Vec<i64> = vec![contact.get()];
        while let Some(into) = merged.pop() {
            let sources: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM contacts WHERE merged_into = $1")
                    .bind(into)
                    .fetch_all(&mut *tx)
                    .await?;
            for source in sources {
                sqlx::query(
                    "INSERT INTO erasure_jobs (contact_id, reason, requested_by, state, step, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'running', 'detach', $4, $4) ON CONFLICT (contact_id) DO NOTHING",
                )
                .bind(source)
                .bind(reason)
                .bind(by.map(AgentId::get))
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
                merged.push(source);
            }
        }
    }
    tx.commit().await?;
    Ok(jobs)
}

/// The job with `id`.
pub async fn get(pool: &Pool, id: ErasureId) -> StoreResult<ErasureJob> {
    let row: JobRow = sqlx::query_as(&format!(
        "SELECT {JOB_COLUMNS} FROM erasure_jobs WHERE id = $1"
    ))
    .bind(id.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// The job of `contact`, if it has one.
pub async fn find_by_contact(pool: &Pool, contact: ContactId) -> StoreResult<Option<ErasureJob>> {
    let mut conn = pool.acquire().await?;
    match job_of_contact(&mut conn, contact).await {
        Ok(job) => Ok(Some(job)),
        Err(StoreError::NotFound) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Claims the oldest running job that `node` holds already or nobody holds (or whose
/// holder's claim ran out) for `node` until `until`; each claim renews it.
pub async fn claim(
    pool: &Pool,
    node: &str,
    now: Millis,
    until: Millis,
) -> StoreResult<Option<ErasureJob>> {
    // PostgreSQL: SKIP LOCKED lets nodes claim different jobs at once; SQLite has one writer.
    let lock = if IS_POSTGRES {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let row: Option<JobRow> = sqlx::query_as(&format!(
        "UPDATE erasure_jobs SET claimed_by = $1, claimed_until = $2, updated_at = $3 \
         WHERE id = (SELECT id FROM erasure_jobs WHERE state = 'running' \
                     AND (claimed_until IS NULL OR claimed_until < $3 OR claimed_by = $1) \
                     ORDER BY id LIMIT 1{lock}) \
         RETURNING {JOB_COLUMNS}"
    ))
    .bind(node)
    .bind(until.0)
    .bind(now.0)
    .fetch_optional(pool)
    .await?;
    row.map(ErasureJob::try_from).transpose()
}

/// Moves job `id` on, in `conn`'s transaction, if `node` still holds it; otherwise fails with
/// `LeaseLost` so the transaction rolls back.
async fn advance(
    conn: &mut Conn,
    id: ErasureId,
    node: &str,
    progress: &ErasureProgress,
    now: Millis,
) -> StoreResult<()> {
    let done = progress.step == ErasureStep::Done;
    let updated = sqlx::query(
        "UPDATE erasure_jobs SET step = $1, cursor = $2, files_deleted = files_deleted + $3, \
         files_kept = files_kept + $4, messages = messages + $5, events = events + $6, \
         state = CASE WHEN $7 THEN 'done' ELSE state END, \
         finished_at = CASE WHEN $7 THEN $8 ELSE finished_at END, \
         claimed_by = CASE WHEN $7 THEN NULL ELSE claimed_by END, \
         claimed_until = CASE WHEN $7 THEN NULL ELSE claimed_until END, \
         attempts = 0, last_error = NULL, updated_at = $8 \
         WHERE id = $9 AND claimed_by = $10 AND state = 'running'",
    )
    .bind(progress.step.as_str())
    .bind(progress.cursor)
    .bind(progress.files_deleted)
    .bind(progress.files_kept)
    .bind(progress.messages)
    .bind(progress.events)
    .bind(done)
    .bind(now.0)
    .bind(id.get())
    .bind(node)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost(format!("erasure job {id}")))
    }
}

/// Records the progress of a step that wrote nothing else (the files step).
pub async fn record_progress(
    pool: &Pool,
    id: ErasureId,
    node: &str,
    progress: &ErasureProgress,
    now: Millis,
) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    advance(&mut tx, id, node, progress, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Records that a step of job `id` failed; it is tried again after a growing pause, and
/// after `max_attempts` failures in a row the job fails for good (the others go on).
pub async fn record_failure(
    pool: &Pool,
    id: ErasureId,
    error: &str,
    max_attempts: i64,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE erasure_jobs SET attempts = attempts + 1, last_error = $1, \
         state = CASE WHEN attempts + 1 >= $2 THEN 'failed' ELSE state END, \
         claimed_by = NULL, claimed_until = $3 + 10000 * (attempts + 1), updated_at = $3 \
         WHERE id = $4",
    )
    .bind(error)
    .bind(max_attempts)
    .bind(now.0)
    .bind(id.get())
    .execute(pool)
    .await?;
    Ok(())
}

/// Step `detach`: the contact's identities go and its conversations get thread keys no
/// channel will produce, so new messages from the same address start a new contact; nothing
/// unsent goes out to it any more.
pub async fn detach(pool: &Pool, job: &ErasureJob, node: &str, now: Millis) -> StoreResult<()> {
    let contact = job.contact_id.get();
    let mut tx = begin(pool).await?;
    // What a web chat visitor told the widget, and the address their chats went to by email.
    sqlx::query(
        "DELETE FROM web_chat_visitors WHERE EXISTS (SELECT 1 FROM contact_identities i \
         WHERE i.contact_id = $1 AND i.scope = 'web_chat:' || web_chat_visitors.channel \
         AND i.external_id = web_chat_visitors.visitor)",
    )
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    // SMS parts still waiting for their siblings (or kept to spot redeliveries).
    sqlx::query(
        "DELETE FROM message_parts WHERE EXISTS (SELECT 1 FROM contact_identities i \
         WHERE i.contact_id = $1 AND i.scope = message_parts.sender_scope \
         AND i.external_id = message_parts.sender_id)",
    )
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM web_chat_continuations WHERE conversation_id IN \
         (SELECT id FROM conversations WHERE contact_id = $1)",
    )
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    // The survey rows name the contact; the reporting facts (aggregates) stay.
    sqlx::query(
        "DELETE FROM csat_surveys WHERE conversation_id IN \
         (SELECT id FROM conversations WHERE contact_id = $1)",
    )
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE conversations SET identity_id = NULL WHERE contact_id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM contact_identities WHERE contact_id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    let erased_key = if IS_POSTGRES {
        "'erased:' || id::text"
    } else {
        "'erased:' || id"
    };
    sqlx::query(&format!(
        "UPDATE conversations SET thread_key = {erased_key}, subject = NULL, last_message = NULL, \
         unanswerable_reason = NULL WHERE contact_id = $1"
    ))
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    // Nothing more goes out to the person: unsent replies die, unsent campaign messages are
    // suppressed (the campaign's figures count them as such).
    sqlx::query(
        "UPDATE outbox SET state = 'dead', last_error = 'contact erased', updated_at = $2 \
         WHERE state = 'pending' AND message_id IN (SELECT m.id FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = $1)",
    )
    .bind(contact)
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE campaign_sends SET state = 'suppressed' WHERE contact_id = $1 AND state = 'pending'",
    )
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    advance(
        &mut tx,
        job.id,
        node,
        &ErasureProgress::to(ErasureStep::Files),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Up to `limit` messages of the contact with attachments, after message id `after`.
pub async fn attachments_after(
    pool: &Pool,
    contact: ContactId,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<StoredAttachments>> {
    let rows: Vec<(i64, String, sqlx::types::Json<Vec<Attachment>>)> = sqlx::query_as(
        "SELECT m.id, m.channel, m.attachments FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.contact_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3",
    )
    .bind(contact.get())
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, channel, attachments)| StoredAttachments {
            message_id: crate::domain::MessageId::new(id),
            channel,
            attachments: attachments.0,
        })
        .collect())
}

/// True when a message of another contact refers to file `file_id` (blobs are shared by
/// content, so two people who sent the same file share one).
pub async fn is_file_shared(pool: &Pool, contact: ContactId, file_id: &str) -> StoreResult<bool> {
    // The attachment list is JSON text; the reference is hex with a fixed prefix, so a
    // substring match cannot hit anything but the reference itself.
    let pattern = format!("%\"{}\"%", file_id.replace(['%', '_', '\\', '"'], ""));
    let attachments = if IS_POSTGRES {
        "m.attachments::text"
    } else {
        "m.attachments"
    };
    let shared: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.contact_id <> $1 AND {attachments} LIKE $2 LIMIT 1"
    ))
    .bind(contact.get())
    .bind(pattern)
    .fetch_optional(pool)
    .await?;
    Ok(shared.is_some())
}

/// Step `messages`, one batch: up to `limit` messages after the job's cursor lose their text,
/// HTML, full text, revisions, attachment names and references, reactions and delivery errors;
/// their unsent outbox rows are dropped from sending. Returns true when the step is finished.
pub async fn scrub_messages(
    pool: &Pool,
    job: &ErasureJob,
    node: &str,
    limit: i64,
    now: Millis,
) -> StoreResult<bool> {
    let batch = attachments_after(pool, job.contact_id, job.cursor, limit).await?;
    let mut tx = begin(pool).await?;
    for message in &batch {
        let kept: Vec<Attachment> = message
            .attachments
            .iter()
            .map(|attachment| {
                // Only what a report could count: the kind of file and its size.
                let mut kept = attachment.clone();
                kept.name = None;
                kept.url = None;
                kept.file_id = None;
                kept.content_id = None;
                kept
            })
            .collect();
        sqlx::query("DELETE FROM message_revisions WHERE message_id = $1")
            .bind(message.message_id.get())
            .execute(&mut *tx)
            .await?;
        super::assist::delete_translations_in(&mut tx, message.message_id).await?;
        sqlx::query("DELETE FROM assist_jobs WHERE message_id = $1")
            .bind(message.message_id.get())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE messages SET text = $1, html = NULL, full_text = NULL, attachments = $2, \
             delivery_error = NULL, reactions = '[]' WHERE id = $3",
        )
        .bind(ERASED_TEXT)
        .bind(sqlx::types::Json(&kept))
        .bind(message.message_id.get())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE outbox SET last_error = NULL, \
             state = CASE WHEN state = 'pending' THEN 'dead' ELSE state END, \
             claimed_until = NULL, updated_at = $1 WHERE message_id = $2",
        )
        .bind(now.0)
        .bind(message.message_id.get())
        .execute(&mut *tx)
        .await?;
    }
    let (finished, step) = ErasureProgress::after_batch(
        ErasureStep::Messages,
        ErasureStep::Events,
        batch.len(),
        limit,
        batch.last().map_or(job.cursor, |m| m.message_id.get()),
    );
    let progress = ErasureProgress {
        messages: i64::try_from(batch.len()).unwrap_or(0),
        ..step
    };
    advance(&mut tx, job.id, node, &progress, now).await?;
    tx.commit().await?;
    Ok(finished)
}

/// Step `events`, one batch: the data of up to `limit` events about the contact after the
/// job's cursor is scrubbed (kind, ids and times stay). Returns true when the step is finished.
pub async fn scrub_events(
    pool: &Pool,
    job: &ErasureJob,
    node: &str,
    limit: i64,
    now: Millis,
) -> StoreResult<bool> {
    let batch = super::privacy::events_after(pool, job.contact_id, job.cursor, limit).await?;
    let mut tx = begin(pool).await?;
    for event in &batch {
        sqlx::query("UPDATE events SET data = $1 WHERE id = $2")
            .bind(sqlx::types::Json(scrub_event_data(&event.data)))
            .bind(event.id.get())
            .execute(&mut *tx)
            .await?;
    }
    let (finished, step) = ErasureProgress::after_batch(
        ErasureStep::Events,
        ErasureStep::Contact,
        batch.len(),
        limit,
        batch.last().map_or(job.cursor, |e| e.id.get()),
    );
    let progress = ErasureProgress {
        events: i64::try_from(batch.len()).unwrap_or(0),
        ..step
    };
    advance(&mut tx, job.id, node, &progress, now).await?;
    tx.commit().await?;
    Ok(finished)
}

/// Step `contact`, the last: the profile becomes a tombstone, tags and consent proof go, the
/// campaign ledger keeps only states and times, and `contact.erased` is logged with the job
/// done. Suppressions stay (an erased person must stay unsubscribed).
pub async fn tombstone(
    pool: &Pool,
    job: &ErasureJob,
    node: &str,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    let contact = job.contact_id.get();
    let mut tx = begin(pool).await?;
    // Identities once more: one may have been added between `detach` and now.
    sqlx::query("DELETE FROM contact_identities WHERE contact_id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    // A merge's record holds what it added to the survivor (profile fields, attributes).
    sqlx::query("DELETE FROM contact_merges WHERE target_id = $1 OR source_id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE contacts SET name = $1, email = NULL, phone = NULL, attributes = '{}', \
         erased_at = $2, erased_by = $3, erasure_reason = $4, updated_at = $2 WHERE id = $5",
    )
    .bind(tombstone_name(job.contact_id))
    .bind(now.0)
    .bind(job.requested_by.map(AgentId::get))
    .bind(&job.reason)
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE contact_consents SET proof = NULL WHERE contact_id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE campaign_sends SET address = NULL, error = NULL, external_id = NULL \
         WHERE contact_id = $1",
    )
    .bind(contact)
    .execute(&mut *tx)
    .await?;
    let event = NewEvent {
        kind: EventKind::ContactErased,
        conversation_id: None,
        contact_id: Some(job.contact_id),
        message_id: None,
        agent_id: job.requested_by,
        data: serde_json::json!({"erasure_id": job.id.get(), "reason": job.reason}),
    };
    let events = insert_events(&mut tx, vec![event], now).await?;
    advance(
        &mut tx,
        job.id,
        node,
        &ErasureProgress::to(ErasureStep::Done),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(events)
}
