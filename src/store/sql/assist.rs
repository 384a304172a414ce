//! Agent assist's tables: message translations and the job queue. (Compiled once per
//! backend.)

use serde_json::json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, conversation, insert_events};
use super::conversations::{assign_in, update_in};
use crate::domain::{ConversationId, Event, EventKind, MessageId, MessageTranslation, Millis};
use crate::store::StoreResult;
use crate::store::assist::{
    AppliedClassification, AssistJob, AssistJobKind, NewAssistJob, NewTranslation,
};
use crate::store::rows::NewEvent;
use crate::store::{Assignment, ConversationPatch};

type TranslationRow = (i64, String, String, String, String, i64);

const TRANSLATION_COLUMNS: &str =
    "t.message_id, t.language, t.text, t.origin, t.model, t.created_at";

fn translation(row: TranslationRow) -> StoreResult<MessageTranslation> {
    let (message, language, text, origin, model, created_at) = row;
    Ok(MessageTranslation {
        message_id: MessageId::new(message),
        language,
        text,
        origin: origin.parse()?,
        model,
        created_at: Millis(created_at).to_datetime(),
    })
}

pub async fn save_translation(
    pool: &Pool,
    new: &NewTranslation,
    now: Millis,
) -> StoreResult<Option<(MessageTranslation, Vec<Event>)>> {
    let mut tx = begin(pool).await?;
    // The message as it was translated, of a contact not being erased.
    let conversation: Option<i64> = sqlx::query_scalar(
        "SELECT m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.id = $1 AND m.text = $2 \
         AND NOT EXISTS (SELECT 1 FROM erasure_jobs e WHERE e.contact_id = c.contact_id)",
    )
    .bind(new.message.get())
    .bind(&new.source_text)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(conversation) = conversation else {
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO message_translations (message_id, language, text, origin, model, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, language) DO UPDATE SET \
         text = excluded.text, origin = excluded.origin, model = excluded.model, \
         created_at = excluded.created_at",
    )
    .bind(new.message.get())
    .bind(&new.language)
    .bind(&new.text)
    .bind(new.origin.as_str())
    .bind(&new.model)
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    let event = NewEvent {
        kind: EventKind::MessageTranslated,
        conversation_id: Some(ConversationId::new(conversation)),
        contact_id: None,
        message_id: Some(new.message),
        agent_id: new.by,
        data: json!({"language": new.language, "origin": new.origin, "model": new.model}),
    };
    let events = insert_events(&mut tx, vec![event], now).await?;
    tx.commit().await?;
    Ok(Some((
        MessageTranslation {
            message_id: new.message,
            language: new.language.clone(),
            text: new.text.clone(),
            origin: new.origin,
            model: new.model.clone(),
            created_at: now.to_datetime(),
        },
        events,
    )))
}

/// Stores what `by` wrote for reply `message` (which holds its translation), in the reply's
/// own transaction.
pub async fn save_authored_in(
    conn: &mut Conn,
    message: MessageId,
    language: &str,
    text: &str,
    model: &str,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO message_translations (message_id, language, text, origin, model, created_at) \
         VALUES ($1, $2, $3, 'author', $4, $5)",
    )
    .bind(message.get())
    .bind(language)
    .bind(text)
    .bind(model)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn conversation_translations(
    pool: &Pool,
    id: ConversationId,
) -> StoreResult<Vec<MessageTranslation>> {
    let rows: Vec<TranslationRow> = sqlx::query_as(&format!(
        "SELECT {TRANSLATION_COLUMNS} FROM message_translations t \
         JOIN messages m ON m.id = t.message_id WHERE m.conversation_id = $1 \
         ORDER BY t.message_id, t.language"
    ))
    .bind(id.get())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(translation).collect()
}

pub async fn message_translations(
    pool: &Pool,
    id: MessageId,
) -> StoreResult<Vec<MessageTranslation>> {
    let rows: Vec<TranslationRow> = sqlx::query_as(&format!(
        "SELECT {TRANSLATION_COLUMNS} FROM message_translations t WHERE t.message_id = $1 \
         ORDER BY t.language"
    ))
    .bind(id.get())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(translation).collect()
}

/// Deletes the translations of `message` (its text was redacted or erased), in `conn`'s
/// transaction.
pub async fn delete_translations_in(conn: &mut Conn, message: MessageId) -> StoreResult<()> {
    sqlx::query("DELETE FROM message_translations WHERE message_id = $1")
        .bind(message.get())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Queues `job` in `conn`'s transaction (a rule's action); true when it was new.
pub async fn queue_in(conn: &mut Conn, job: &NewAssistJob, now: Millis) -> StoreResult<bool> {
    let (message, detail) = match &job.kind {
        AssistJobKind::Translate { message, language } => {
            (Some(message.get()), json!({"language": language}))
        }
        AssistJobKind::Summary => (None, json!({})),
        AssistJobKind::Classify { rule } => (None, json!({"rule": rule})),
    };
    let queued = sqlx::query(
        "INSERT INTO assist_jobs (job_key, kind, conversation_id, message_id, detail, run_after, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (job_key) DO NOTHING",
    )
    .bind(&job.key)
    .bind(job.kind.name())
    .bind(job.conversation.get())
    .bind(message)
    .bind(detail.to_string())
    .bind(now.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(queued > 0)
}

pub async fn queue(pool: &Pool, job: &NewAssistJob, now: Millis) -> StoreResult<bool> {
    let mut conn = pool.acquire().await?;
    queue_in(&mut conn, job, now).await
}

type JobRow = (i64, String, i64, Option<i64>, String, i64);

pub async fn claim(pool: &Pool, now: Millis, until: Millis) -> StoreResult<Option<AssistJob>> {
    // PostgreSQL: SKIP LOCKED lets nodes claim different jobs at once, and the outer
    // `run_after` check makes a node that waited on the same row skip it; SQLite has one writer.
    let lock = if IS_POSTGRES {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let row: Option<JobRow> = sqlx::query_as(&format!(
        "UPDATE assist_jobs SET run_after = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM assist_jobs WHERE done_at IS NULL AND run_after <= $1 \
                     ORDER BY run_after, id LIMIT 1{lock}) \
         AND done_at IS NULL AND run_after <= $1 \
         RETURNING id, kind, conversation_id, message_id, detail, attempts"
    ))
    .bind(now.0)
    .bind(until.0)
    .fetch_optional(pool)
    .await?;
    let Some((id, kind, conversation, message, detail, attempts)) = row else {
        return Ok(None);
    };
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
    let text = |key: &str| detail[key].as_str().unwrap_or_default().to_owned();
    let kind = match (kind.as_str(), message) {
        ("translate", Some(message)) => AssistJobKind::Translate {
            message: MessageId::new(message),
            language: text("language"),
        },
        ("summary", _) => AssistJobKind::Summary,
        ("classify", _) => AssistJobKind::Classify { rule: text("rule") },
        (other, _) => {
            return Err(crate::store::StoreError::Corrupt(format!(
                "assist job {id}: kind {other:?} without what it needs"
            )));
        }
    };
    Ok(Some(AssistJob {
        id,
        conversation: ConversationId::new(conversation),
        kind,
        attempts,
    }))
}

pub async fn finish(pool: &Pool, id: i64, error: Option<&str>, now: Millis) -> StoreResult<()> {
    sqlx::query("UPDATE assist_jobs SET done_at = $2, last_error = $3 WHERE id = $1")
        .bind(id)
        .bind(now.0)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn retry(pool: &Pool, id: i64, error: &str, at: Millis) -> StoreResult<()> {
    sqlx::query("UPDATE assist_jobs SET run_after = $2, last_error = $3 WHERE id = $1")
        .bind(id)
        .bind(at.0)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn purge(pool: &Pool, before: Millis) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM assist_jobs WHERE done_at IS NOT NULL AND done_at < $1")
            .bind(before.0)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Applies what the model suggested for conversation `id` in one transaction: the labels are
/// added, the priority set, and the team given the conversation when no agent has it yet; an
/// activity line says what changed and why. Returns the events.
pub async fn apply_classification(
    pool: &Pool,
    id: ConversationId,
    applied: &AppliedClassification,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    let mut tx = begin(pool).await?;
    let before = conversation(&mut tx, id).await?;
    let mut events = Vec::new();
    let mut done = Vec::new();
    let mut labels = before.labels.clone();
    let added: Vec<&String> = applied
        .labels
        .iter()
        .filter(|label| !before.labels.contains(label))
        .collect();
    labels.extend(added.iter().map(|label| (*label).clone()));
    let priority = applied
        .priority
        .filter(|priority| *priority != before.priority);
    if !added.is_empty() || priority.is_some() {
        let patch = ConversationPatch {
            labels: (!added.is_empty()).then_some(labels),
            priority,
        };
        events.extend(update_in(&mut tx, id, &patch, None, now).await?.1);
        if !added.is_empty() {
            let names: Vec<&str> = added.iter().map(|label| label.as_str()).collect();
            done.push(format!("labels {} added", names.join(", ")));
        }
        if let Some(priority) = priority {
            done.push(format!("priority set to {}", priority.as_str()));
        }
    }
    if let Some((team, name)) = &applied.team
        && before.assignee_id.is_none()
        && before.team_id != Some(*team)
    {
        let assignment = Assignment {
            agent: None,
            team: Some(*team),
        };
        events.extend(assign_in(&mut tx, id, &assignment, None, now).await?.1);
        done.push(format!("routed to team {name}"));
    }
    let line = if done.is_empty() {
        format!(
            "Rule “{}”: {} suggested nothing new",
            applied.rule, applied.model
        )
    } else {
        format!(
            "Rule “{}”: {} suggested; {}",
            applied.rule,
            applied.model,
            done.join("; ")
        )
    };
    events.extend(super::automation::activity(&mut tx, id, &line, now).await?);
    tx.commit().await?;
    Ok(events)
}

/// Adds an activity line to conversation `id` (what assist did or could not do on its own).
pub async fn add_activity(
    pool: &Pool,
    id: ConversationId,
    line: &str,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    let mut tx = begin(pool).await?;
    let events = super::automation::activity(&mut tx, id, line, now).await?;
    tx.commit().await?;
    Ok(events)
}
