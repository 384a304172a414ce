//! The audit log: appending (with views coalesced), listing, the contact's entries, pruning.
//! (Compiled once per backend.)

use super::Db;
use super::common::Pool;
use crate::domain::audit::{AuditEntry, AuditFilter, NewAuditEntry, VIEW_COALESCE_WINDOW};
use crate::domain::{AgentId, ContactId, Millis};
use crate::store::rows::{decode_cursor, encode_cursor, split_page};
use crate::store::{Page, PageRequest, StoreError, StoreResult};

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor_kind: String,
    actor_id: Option<i64>,
    agent_id: Option<i64>,
    actor_label: Option<String>,
    action: String,
    subject_kind: Option<String>,
    subject_id: Option<String>,
    contact_id: Option<i64>,
    ip: Option<String>,
    detail: sqlx::types::Json<serde_json::Value>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;

    fn try_from(row: AuditRow) -> Result<Self, Self::Error> {
        Ok(AuditEntry {
            id: row.id,
            at: Millis(row.at),
            actor_kind: row.actor_kind.parse()?,
            actor_id: row.actor_id,
            agent_id: row.agent_id.map(AgentId::new),
            actor_label: row.actor_label,
            action: row.action.parse()?,
            subject_kind: row.subject_kind,
            subject_id: row.subject_id,
            contact_id: row.contact_id.map(ContactId::new),
            ip: row.ip,
            detail: row.detail.0,
        })
    }
}

const COLUMNS: &str = "id, at, actor_kind, actor_id, agent_id, actor_label, action, subject_kind, \
                       subject_id, contact_id, ip, detail";

/// Appends `entry` at `at`; returns false when it was a view coalesced into an earlier entry
/// of the same actor, action and subject (see `AuditAction::is_view`).
///
/// The actor's label and the subject's contact are looked up in the same statement, so the
/// caller needs no extra round trip and the row keeps them after the agent or token is gone.
pub async fn insert(pool: &Pool, entry: &NewAuditEntry, at: Millis) -> StoreResult<bool> {
    let window = i64::try_from(VIEW_COALESCE_WINDOW.as_millis()).unwrap_or(i64::MAX);
    let inserted = sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, agent_id, actor_label, action, \
             subject_kind, subject_id, contact_id, ip, detail) \
         SELECT $1, $2, $3, $4, \
             COALESCE($5, CASE $2 \
                 WHEN 'agent' THEN (SELECT name FROM agents WHERE id = $3) \
                 WHEN 'token' THEN (SELECT name FROM api_tokens WHERE id = $3) END), \
             $6, $7, $8, \
             CASE $7 \
                 WHEN 'contact' THEN CAST($8 AS BIGINT) \
                 WHEN 'conversation' THEN \
                     (SELECT contact_id FROM conversations WHERE id = CAST($8 AS BIGINT)) \
                 WHEN 'message' THEN (SELECT c.contact_id FROM messages m \
                     JOIN conversations c ON c.id = m.conversation_id \
                     WHERE m.id = CAST($8 AS BIGINT)) END, \
             $9, $10 \
         WHERE NOT ($11 AND EXISTS (SELECT 1 FROM audit_log \
             WHERE subject_kind = $7 AND subject_id = $8 AND at > $12 AND action = $6 \
               AND actor_kind = $2 AND actor_id = $3))",
    )
    .bind(at.0)
    .bind(entry.actor.kind.as_str())
    .bind(entry.actor.id)
    .bind(entry.actor.agent.map(AgentId::get))
    .bind(entry.actor.label.clone())
    .bind(entry.action.as_str())
    .bind(entry.subject.kind())
    .bind(entry.subject.id())
    .bind(entry.ip.clone())
    .bind(sqlx::types::Json(&entry.detail))
    .bind(entry.action.is_view())
    .bind(at.0.saturating_sub(window))
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() > 0)
}

/// Entries matching every given filter, newest first (keyset pagination on the id).
pub async fn list(
    pool: &Pool,
    filter: &AuditFilter,
    page: PageRequest,
) -> StoreResult<Page<AuditEntry>> {
    let limit = page.limit();
    let mut sql = sqlx::QueryBuilder::<Db>::new("SELECT ");
    sql.push(COLUMNS).push(" FROM audit_log WHERE 1 = 1");
    if let Some(agent) = filter.agent {
        sql.push(" AND agent_id = ").push_bind(agent.get());
    }
    if let Some(action) = filter.action {
        sql.push(" AND action = ").push_bind(action.as_str());
    }
    if let Some((kind, id)) = &filter.subject {
        sql.push(" AND subject_kind = ")
            .push_bind(kind.clone())
            .push(" AND subject_id = ")
            .push_bind(id.clone());
    }
    if let Some(contact) = filter.contact {
        sql.push(" AND contact_id = ").push_bind(contact.get());
    }
    if let Some(since) = filter.since {
        sql.push(" AND at >= ").push_bind(since.0);
    }
    if let Some(until) = filter.until {
        sql.push(" AND at < ").push_bind(until.0);
    }
    if let Some(cursor) = &page.cursor {
        let (_, id) = decode_cursor(cursor)?;
        sql.push(" AND id < ").push_bind(id);
    }
    sql.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
    let mut rows: Vec<AuditRow> = sql.build_query_as().fetch_all(pool).await?;
    let next_cursor = split_page(&mut rows, limit, |row| encode_cursor(row.at, row.id));
    let items = rows
        .into_iter()
        .map(AuditEntry::try_from)
        .collect::<StoreResult<_>>()?;
    Ok(Page { items, next_cursor })
}

/// Every entry about `contact` (the contact itself, their conversations and messages),
/// oldest first.
pub async fn about_contact(pool: &Pool, contact: ContactId) -> StoreResult<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE contact_id = $1 ORDER BY id");
    let rows: Vec<AuditRow> = sqlx::query_as(&sql)
        .bind(contact.get())
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(AuditEntry::try_from).collect()
}

/// Deletes up to `limit` entries older than `cutoff`, oldest first; returns how many. Small
/// batches keep each delete short, so the write lock is never held long.
pub async fn delete_before(pool: &Pool, cutoff: Millis, limit: u32) -> StoreResult<u64> {
    let deleted = sqlx::query(
        "DELETE FROM audit_log WHERE id IN \
         (SELECT id FROM audit_log WHERE at < $1 ORDER BY id LIMIT $2)",
    )
    .bind(cutoff.0)
    .bind(i64::from(limit))
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}
