//! Marketers' audience: marketing consent, CSV import rows, saved segments and their live
//! preview, and benchmark seeding. (Compiled once per backend.)

use std::collections::HashSet;

use serde_json::json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, insert_events};
use crate::domain::{ContactId, Event, EventKind, Filter, Millis, Segment, SegmentId};
use crate::store::audience::{Consent, ConsentChange, ImportOutcome, ImportRow};
use crate::store::rows::NewEvent;
use crate::store::segment_sql::{bind_compiled, compile};
use crate::store::{StoreError, StoreResult};

/// An event about a contact.
pub fn contact_event(kind: EventKind, contact: i64, data: serde_json::Value) -> NewEvent {
    NewEvent {
        kind,
        conversation_id: None,
        contact_id: Some(ContactId::new(contact)),
        message_id: None,
        agent_id: None,
        data,
    }
}

// ----- consent -----

type ConsentRow = (String, String, String, Option<String>, i64);

/// A contact's consents.
pub async fn list_consents(pool: &Pool, contact: ContactId) -> StoreResult<Vec<Consent>> {
    let rows: Vec<ConsentRow> = sqlx::query_as(
        "SELECT channel, status, source, proof, changed_at FROM contact_consents \
         WHERE contact_id = $1 ORDER BY channel",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(channel, status, source, proof, changed_at)| Consent {
            channel,
            granted: status == "granted",
            source,
            proof,
            changed_at: Millis(changed_at).to_datetime(),
        })
        .collect())
}

/// Upserts one decision; an unchanged status keeps its original time, source and proof.
pub async fn write_consent(
    conn: &mut Conn,
    contact: i64,
    change: &ConsentChange,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO contact_consents (contact_id, channel, status, source, proof, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (contact_id, channel) DO UPDATE SET status = excluded.status, \
         source = excluded.source, proof = excluded.proof, changed_at = excluded.changed_at \
         WHERE contact_consents.status <> excluded.status",
    )
    .bind(contact)
    .bind(&change.channel)
    .bind(if change.granted {
        "granted"
    } else {
        "withdrawn"
    })
    .bind(&change.source)
    .bind(&change.proof)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records consent decisions for an existing contact.
pub async fn set_consents(
    pool: &Pool,
    contact: ContactId,
    changes: &[ConsentChange],
    now: Millis,
) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM contacts WHERE id = $1")
        .bind(contact.get())
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    for change in changes {
        write_consent(&mut tx, contact.get(), change, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ----- import -----

/// The contacts that own any of `identities`.
async fn owners(conn: &mut Conn, identities: &[(String, String)]) -> StoreResult<Vec<i64>> {
    let mut found = Vec::new();
    for (scope, value) in identities {
        let owner: Option<i64> = sqlx::query_scalar(
            "SELECT contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
        )
        .bind(scope)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(owner) = owner
            && !found.contains(&owner)
        {
            found.push(owner);
        }
    }
    Ok(found)
}

async fn write_row(conn: &mut Conn, contact: i64, row: &ImportRow, now: Millis) -> StoreResult<()> {
    for (scope, value) in &row.identities {
        sqlx::query(
            "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (scope, external_id) DO NOTHING",
        )
        .bind(contact)
        .bind(scope)
        .bind(value)
        .bind(now.0)
        .execute(&mut *conn)
        .await?;
    }
    for tag in &row.tags {
        sqlx::query(
            "INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(contact)
        .bind(tag)
        .execute(&mut *conn)
        .await?;
    }
    for consent in &row.consents {
        write_consent(conn, contact, consent, now).await?;
    }
    Ok(())
}

/// Writes an import in one transaction (see `Store::import_contacts`). With `strict`, any
/// refused row rolls back everything.
pub async fn import(
    pool: &Pool,
    rows: &[ImportRow],
    source: &str,
    strict: bool,
    now: Millis,
) -> StoreResult<(ImportOutcome, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let mut outcome = ImportOutcome::default();
    let mut events = Vec::new();
    let mut touched = HashSet::new();
    for row in rows {
        let owners = owners(&mut tx, &row.identities).await?;
        match owners.as_slice() {
            [] => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                )
                .bind(&row.name)
                .bind(&row.email)
                .bind(&row.phone)
                .bind(sqlx::types::Json(&row.attributes))
                .bind(now.0)
                .fetch_one(&mut *tx)
                .await?;
                write_row(&mut tx, id, row, now).await?;
                touched.insert(id);
                outcome.created += 1;
                events.push(contact_event(
                    EventKind::ContactCreated,
                    id,
                    json!({"source": source}),
                ));
            }
            [id] => {
                let id = *id;
                let stored: sqlx::types::Json<serde_json::Map<String, serde_json::Value>> =
                    sqlx::query_scalar("SELECT attributes FROM contacts WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                let mut attributes = stored.0;
                attributes.extend(row.attributes.clone());
                // Known values win over blanks; a file never clears what the contact has.
                sqlx::query(
                    "UPDATE contacts SET name = COALESCE($2, name), email = COALESCE(email, $3), \
                     phone = COALESCE(phone, $4), attributes = $5, updated_at = $6 WHERE id = $1",
                )
                .bind(id)
                .bind(&row.name)
                .bind(&row.email)
                .bind(&row.phone)
                .bind(sqlx::types::Json(&attributes))
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
                write_row(&mut tx, id, row, now).await?;
                // A contact created earlier in this file counts once, as created.
                if touched.insert(id) {
                    outcome.updated += 1;
                    events.push(contact_event(
                        EventKind::ContactUpdated,
                        id,
                        json!({"source": source}),
                    ));
                }
            }
            _ => outcome.rejected.push((
                row.line,
                "its identities belong to different existing contacts".into(),
            )),
        }
    }
    if strict && !outcome.rejected.is_empty() {
        tx.rollback().await?;
        return Ok((
            ImportOutcome {
                created: 0,
                updated: 0,
                rejected: outcome.rejected,
            },
            Vec::new(),
        ));
    }
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok((outcome, events))
}

// ----- segments -----

type SegmentRow = (i64, String, sqlx::types::Json<Filter>, i64, i64);

fn segment(row: SegmentRow) -> Segment {
    let (id, name, filter, created_at, updated_at) = row;
    Segment {
        id: SegmentId::new(id),
        name,
        filter: filter.0,
        created_at: Millis(created_at).to_datetime(),
        updated_at: Millis(updated_at).to_datetime(),
    }
}

/// Saved segments by name.
pub async fn list_segments(pool: &Pool) -> StoreResult<Vec<Segment>> {
    let rows: Vec<SegmentRow> = sqlx::query_as(
        "SELECT id, name, filter, created_at, updated_at FROM segments ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(segment).collect())
}

/// One saved segment.
pub async fn get_segment(pool: &Pool, id: SegmentId) -> StoreResult<Segment> {
    let id = id.get();
    let row: SegmentRow = sqlx::query_as(
        "SELECT id, name, filter, created_at, updated_at FROM segments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(segment(row))
}

/// Saves a segment.
pub async fn create_segment(
    pool: &Pool,
    name: &str,
    filter: &Filter,
    now: Millis,
) -> StoreResult<Segment> {
    let row: SegmentRow = sqlx::query_as(
        "INSERT INTO segments (name, filter, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         RETURNING id, name, filter, created_at, updated_at",
    )
    .bind(name)
    .bind(sqlx::types::Json(filter))
    .bind(now.0)
    .fetch_one(pool)
    .await?;
    Ok(segment(row))
}

/// Replaces a segment.
pub async fn update_segment(
    pool: &Pool,
    id: SegmentId,
    name: &str,
    filter: &Filter,
    now: Millis,
) -> StoreResult<Segment> {
    let id = id.get();
    let row: SegmentRow = sqlx::query_as(
        "UPDATE segments SET name = $2, filter = $3, updated_at = $4 WHERE id = $1 \
         RETURNING id, name, filter, created_at, updated_at",
    )
    .bind(id)
    .bind(name)
    .bind(sqlx::types::Json(filter))
    .bind(now.0)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(segment(row))
}

/// Deletes a segment (campaigns keep their own copy of the filter).
pub async fn delete_segment(pool: &Pool, id: SegmentId) -> StoreResult<()> {
    let id = id.get();
    let done = sqlx::query("DELETE FROM segments WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The size of a filter's audience and a sample of it (lowest ids first).
pub async fn preview(
    pool: &Pool,
    filter: &Filter,
    sample: i64,
    now: Millis,
) -> StoreResult<(i64, Vec<ContactId>)> {
    let compiled = compile(filter, IS_POSTGRES, 1, now)?;
    let count_sql = format!(
        "SELECT count(*) FROM contacts c WHERE {}",
        compiled.condition
    );
    let count: i64 = bind_compiled!(sqlx::query_scalar(&count_sql), &compiled.binds)
        .fetch_one(pool)
        .await?;
    let limit = format!("${}", compiled.binds.len() + 1);
    let sample_sql = format!(
        "SELECT c.id FROM contacts c WHERE {} ORDER BY c.id LIMIT {limit}",
        compiled.condition
    );
    let ids: Vec<i64> = bind_compiled!(sqlx::query_scalar(&sample_sql), &compiled.binds)
        .bind(sample)
        .fetch_all(pool)
        .await?;
    Ok((count, ids.into_iter().map(ContactId::new).collect()))
}

/// Benchmark seeding: `count` contacts with an identity in `scope` and granted consent for
/// `kind`, in three set-based statements. Returns the first new contact id.
pub async fn seed(
    pool: &Pool,
    count: i64,
    scope: &str,
    kind: &str,
    now: Millis,
) -> StoreResult<i64> {
    let mut tx = begin(pool).await?;
    let before: i64 = sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM contacts")
        .fetch_one(&mut *tx)
        .await?;
    let insert = if IS_POSTGRES {
        "INSERT INTO contacts (name, email, attributes, created_at, updated_at) \
         SELECT 'Bench ' || n, 'bench' || n || '@example.test', '{}', $2, $2 \
         FROM generate_series(1, $1) AS n"
    } else {
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1) \
         INSERT INTO contacts (name, email, attributes, created_at, updated_at) \
         SELECT 'Bench ' || n, 'bench' || n || '@example.test', '{}', $2, $2 FROM seq"
    };
    sqlx::query(insert)
        .bind(count)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
         SELECT id, $1, CASE WHEN $1 = 'email' THEN email ELSE CAST(id AS TEXT) END, $2 \
         FROM contacts WHERE id > $3",
    )
    .bind(scope)
    .bind(now.0)
    .bind(before)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO contact_consents (contact_id, channel, status, source, changed_at) \
         SELECT id, $1, 'granted', 'bench', $2 FROM contacts WHERE id > $3",
    )
    .bind(kind)
    .bind(now.0)
    .bind(before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(before + 1)
}
