//! Redacting a stored message: its new text written, its revisions removed, the
//! conversation's preview and the search index following, all in one transaction with the
//! events that tell of it. (Compiled once per backend.)

use sqlx::types::Json;

use super::IS_POSTGRES;
use super::common::{Pool, begin, insert_events};
use crate::domain::{AgentId, ConversationId, EventKind, MessageId, Millis};
use crate::store::redaction::{MessageRedaction, RedactionOutcome};
use crate::store::rows::NewEvent;
use crate::store::{StoreError, StoreResult};

/// The conversation preview's length, as ingest and replies cut it.
const PREVIEW_CHARS: usize = 280;

/// Applies `redaction` to message `id` if its text is still `redaction.expected_text`
/// (`Conflict`-free retry is the caller's: `Ok(None)` when it changed meanwhile).
pub async fn redact(
    pool: &Pool,
    id: MessageId,
    redaction: &MessageRedaction,
    agent: Option<AgentId>,
    now: Millis,
) -> StoreResult<Option<RedactionOutcome>> {
    let mut tx = begin(pool).await?;
    let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
    let current: Option<(i64, String, Json<serde_json::Value>)> = sqlx::query_as(&format!(
        "SELECT conversation_id, text, attachments FROM messages WHERE id = $1{lock}"
    ))
    .bind(id.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((conversation, text, Json(attachments))) = current else {
        return Err(StoreError::NotFound);
    };
    if text != redaction.expected_text {
        return Ok(None);
    }
    let new_attachments = if redaction.attachments {
        serde_json::json!([])
    } else {
        attachments.clone()
    };
    sqlx::query(
        "UPDATE messages SET text = $2, html = $3, full_text = $4, attachments = $5, \
         redacted = 'agent' WHERE id = $1",
    )
    .bind(id.get())
    .bind(&redaction.text)
    .bind(&redaction.html)
    .bind(&redaction.full_text)
    .bind(Json(&new_attachments))
    .execute(&mut *tx)
    .await?;
    // Earlier versions hold the same data: a redaction that kept them would redact nothing.
    sqlx::query("DELETE FROM message_revisions WHERE message_id = $1")
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    // So do its translations.
    super::assist::delete_translations_in(&mut tx, id).await?;
    let old_preview: String = text.chars().take(PREVIEW_CHARS).collect();
    let new_preview: String = redaction.text.chars().take(PREVIEW_CHARS).collect();
    sqlx::query("UPDATE conversations SET last_message = $3 WHERE id = $1 AND last_message = $2")
        .bind(conversation)
        .bind(&old_preview)
        .bind(&new_preview)
        .execute(&mut *tx)
        .await?;
    let mut activity = NewEvent::conversation(
        EventKind::MessageRedacted,
        ConversationId::new(conversation),
        serde_json::json!({
            "whole": redaction.whole,
            "parts": redaction.parts,
            "attachments": redaction.attachments,
        }),
    );
    activity.message_id = Some(id);
    activity.agent_id = agent;
    let events = insert_events(
        &mut tx,
        vec![
            NewEvent::message_updated(
                conversation,
                id.get(),
                serde_json::json!({"redacted": true}),
            ),
            activity,
        ],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(RedactionOutcome {
        conversation: ConversationId::new(conversation),
        removed_attachments: if redaction.attachments {
            attachments
        } else {
            serde_json::json!([])
        },
        events,
    }))
}
