//! Bulk writes of `switchboard bench search` (see `store::search_seed`). (Compiled once per
//! backend.)
//!
//! Rows travel as one JSON document per table and are unpacked by the database, so a chunk
//! of tens of thousands of messages costs three statements.

use super::IS_POSTGRES;
use super::common::{Pool, begin};
use crate::store::search_seed::{SeedConversation, SeedMessage};
use crate::store::{StoreError, StoreResult};

/// Rows of a JSON array of objects, as a table with `columns` (`name type` pairs).
fn rows(columns: &[(&str, &str)]) -> String {
    if IS_POSTGRES {
        let typed: Vec<String> = columns
            .iter()
            .map(|(name, kind)| format!("{name} {kind}"))
            .collect();
        format!(
            "(SELECT * FROM jsonb_to_recordset($1::jsonb) AS r({}))",
            typed.join(", ")
        )
    } else {
        let extracted: Vec<String> = columns
            .iter()
            .map(|(name, _)| format!("json_extract(value, '$.{name}') AS {name}"))
            .collect();
        format!(
            "(SELECT key AS ordinal, {} FROM json_each($1))",
            extracted.join(", ")
        )
    }
}

pub async fn seed_chunk(
    pool: &Pool,
    conversations: &[SeedConversation],
    messages: &[SeedMessage],
) -> StoreResult<()> {
    let as_json = |value: serde_json::Result<String>| {
        value.map_err(|err| StoreError::Invalid(format!("seed rows: {err}")))
    };
    let conversation_rows = as_json(serde_json::to_string(conversations))?;
    let message_rows = as_json(serde_json::to_string(messages))?;
    let mut tx = begin(pool).await?;
    let (contacts_before, conversations_before) =
        super::common::last_contact_and_conversation_ids(&mut tx).await?;
    // One contact per conversation; ids follow one another (the benchmark writes alone).
    let ordinal = if IS_POSTGRES {
        "ROW_NUMBER() OVER () - 1"
    } else {
        "ordinal"
    };
    let source = rows(&[
        ("channel", "text"),
        ("status", "text"),
        ("assignee", "bigint"),
        ("label", "text"),
        ("created_at", "bigint"),
        ("last_activity_at", "bigint"),
    ]);
    sqlx::query(&format!(
        "INSERT INTO contacts (name, created_at, updated_at) \
         SELECT 'Seeded customer', created_at, created_at FROM {source} AS s"
    ))
    .bind(&conversation_rows)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO conversations (channel, contact_id, thread_key, status, assignee_id, \
           created_at, last_activity_at) \
         SELECT channel, $2 + n + 1, 'seed-' || ($2 + n + 1), status, assignee, created_at, \
           last_activity_at \
         FROM (SELECT {ordinal} AS n, * FROM {source} AS s) AS numbered ORDER BY n"
    ))
    .bind(&conversation_rows)
    .bind(contacts_before)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO conversation_labels (conversation_id, label) \
         SELECT $2 + n + 1, label FROM (SELECT {ordinal} AS n, * FROM {source} AS s) AS numbered \
         WHERE label IS NOT NULL"
    ))
    .bind(&conversation_rows)
    .bind(conversations_before)
    .execute(&mut *tx)
    .await?;
    let source = rows(&[
        ("conversation", "bigint"),
        ("channel", "text"),
        ("text", "text"),
        ("created_at", "bigint"),
        ("inbound", "boolean"),
    ]);
    let inbound = if IS_POSTGRES {
        "inbound"
    } else {
        "inbound = 1"
    };
    sqlx::query(&format!(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, text, \
           created_at) \
         SELECT $2 + conversation + 1, channel, CASE WHEN {inbound} THEN 'in' ELSE 'out' END, \
           'message', CASE WHEN {inbound} THEN 'contact' ELSE 'agent' END, text, created_at \
         FROM {source} AS s ORDER BY created_at"
    ))
    .bind(&message_rows)
    .bind(conversations_before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn settle(pool: &Pool) -> StoreResult<()> {
    if IS_POSTGRES {
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    }
    Ok(())
}
