//! Contacts, their identities and tags. (Compiled once per backend.)

use serde_json::json;

use super::common::{Conn, Pool, begin, insert_events};
use crate::domain::{Contact, ContactId, Event, EventKind, Millis};
use crate::store::rows::{
    ContactRow, IdentityRow, NewEvent, decode_cursor, encode_cursor, split_page,
};
use crate::store::{
    Conflict, ContactPatch, NewContact, Page, PageRequest, StoreError, StoreResult,
};

const CONTACT_COLUMNS: &str =
    "id, name, email, phone, attributes, created_at, updated_at, merged_into";

fn normalise_email(email: &Option<String>) -> Option<String> {
    email
        .as_deref()
        .map(|email| email.trim().to_lowercase())
        .filter(|email| !email.is_empty())
}

fn contact_event(kind: EventKind, id: ContactId, data: serde_json::Value) -> NewEvent {
    NewEvent {
        kind,
        conversation_id: None,
        contact_id: Some(id),
        message_id: None,
        agent_id: None,
        data,
    }
}

/// Loads a contact with tags and identities.
pub async fn load(conn: &mut Conn, id: ContactId) -> StoreResult<Contact> {
    let row: ContactRow = sqlx::query_as(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1"
    ))
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let tags: Vec<String> =
        sqlx::query_scalar("SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag")
            .bind(id.get())
            .fetch_all(&mut *conn)
            .await?;
    let identities: Vec<IdentityRow> = sqlx::query_as(
        "SELECT scope, external_id, unreachable_reason FROM contact_identities \
         WHERE contact_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(&mut *conn)
    .await?;
    Ok(row.into_contact(tags, identities))
}

/// The contact with `id`.
pub async fn get(pool: &Pool, id: ContactId) -> StoreResult<Contact> {
    let mut conn = pool.acquire().await?;
    load(&mut conn, id).await
}

async fn add_identity(
    conn: &mut Conn,
    contact: i64,
    scope: &str,
    value: &str,
    now: Millis,
) -> StoreResult<()> {
    let owner: Option<i64> = sqlx::query_scalar(
        "SELECT contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
    )
    .bind(scope)
    .bind(value)
    .fetch_optional(&mut *conn)
    .await?;
    match owner {
        Some(owner) if owner == contact => Ok(()),
        Some(_) => Err(StoreError::Conflict {
            constraint: Conflict::ContactIdentity,
        }),
        None => {
            sqlx::query(
                "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(contact)
            .bind(scope)
            .bind(value)
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
    }
}

async fn replace_tags(conn: &mut Conn, contact: i64, tags: &[String]) -> StoreResult<()> {
    sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1")
        .bind(contact)
        .execute(&mut *conn)
        .await?;
    for tag in tags {
        sqlx::query(
            "INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(contact)
        .bind(tag)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Creates a contact; its email and phone become identities too.
pub async fn create(
    pool: &Pool,
    new: &NewContact,
    now: Millis,
) -> StoreResult<(Contact, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let email = normalise_email(&new.email);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&new.name)
    .bind(&email)
    .bind(&new.phone)
    .bind(sqlx::types::Json(&new.attributes))
    .bind(now.0)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(email) = &email {
        add_identity(&mut tx, id, "email", email, now).await?;
    }
    if let Some(phone) = &new.phone {
        add_identity(&mut tx, id, "phone", phone, now).await?;
    }
    for (scope, value) in &new.identities {
        add_identity(&mut tx, id, scope, value, now).await?;
    }
    replace_tags(&mut tx, id, &new.tags).await?;
    let contact = load(&mut tx, ContactId::new(id)).await?;
    let events = insert_events(
        &mut tx,
        vec![contact_event(
            EventKind::ContactCreated,
            contact.id,
            json!({"source": "api"}),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((contact, events))
}

/// Applies a patch; a new email or phone is added as an identity.
pub async fn update(
    pool: &Pool,
    id: ContactId,
    patch: &ContactPatch,
    now: Millis,
) -> StoreResult<(Contact, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let mut contact = load(&mut tx, id).await?;
    if contact.merged_into.is_some() {
        return Err(StoreError::Conflict {
            constraint: Conflict::ContactMerged,
        });
    }
    if let Some(name) = &patch.name {
        contact.name = name.clone();
    }
    if let Some(email) = &patch.email {
        contact.email = normalise_email(email);
        if let Some(email) = &contact.email {
            add_identity(&mut tx, id.get(), "email", email, now).await?;
        }
    }
    if let Some(phone) = &patch.phone {
        contact.phone = phone.clone();
        if let Some(phone) = &contact.phone {
            add_identity(&mut tx, id.get(), "phone", phone, now).await?;
        }
    }
    if let Some(attributes) = &patch.attributes {
        for (key, value) in attributes {
            if value.is_null() {
                contact.attributes.remove(key);
            } else {
                contact.attributes.insert(key.clone(), value.clone());
            }
        }
    }
    sqlx::query(
        "UPDATE contacts SET name = $2, email = $3, phone = $4, attributes = $5, updated_at = $6 \
         WHERE id = $1",
    )
    .bind(id.get())
    .bind(&contact.name)
    .bind(&contact.email)
    .bind(&contact.phone)
    .bind(sqlx::types::Json(&contact.attributes))
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    if let Some(tags) = &patch.tags {
        replace_tags(&mut tx, id.get(), tags).await?;
    }
    let contact = load(&mut tx, id).await?;
    let events = insert_events(
        &mut tx,
        vec![contact_event(EventKind::ContactUpdated, id, json!({}))],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((contact, events))
}

/// Contacts matching `query` in name, email or phone (substring) or a channel id (exact),
/// newest first.
pub async fn search(
    pool: &Pool,
    query: Option<&str>,
    page: PageRequest,
    visibility: &crate::domain::access::Visibility,
) -> StoreResult<Page<Contact>> {
    let limit = page.limit();
    let after = page.cursor.as_deref().map(decode_cursor).transpose()?;
    let mut sql = sqlx::QueryBuilder::<Db>::new(format!(
        // A contact merged into another is found as that one.
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE merged_into IS NULL"
    ));
    if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!(
            "%{}%",
            query
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push(" AND (lower(coalesce(name, '')) LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR lower(coalesce(email, '')) LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR coalesce(phone, '') LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\' OR id IN (SELECT contact_id FROM contact_identities WHERE external_id = ")
            .push_bind(query.to_owned())
            .push("))");
    }
    if *visibility != crate::domain::access::Visibility::All {
        // A limited agent sees a contact through a conversation it may see.
        sql.push(" AND EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = contacts.id")
            .push(super::access::visible_sql("c", visibility))
            .push(")");
    }
    if let Some((_, id)) = after {
        sql.push(" AND id < ").push_bind(id);
    }
    sql.push(" ORDER BY id DESC LIMIT ").push_bind(limit + 1);
    let mut conn = pool.acquire().await?;
    let mut rows: Vec<ContactRow> = sql.build_query_as().fetch_all(&mut *conn).await?;
    let next_cursor = split_page(&mut rows, limit, |row| encode_cursor(0, row.id));
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(load(&mut conn, ContactId::new(row.id)).await?);
    }
    Ok(Page { items, next_cursor })
}

/// Marks `(scope, external_id)` unreachable with `reason`.
pub async fn mark_unreachable(
    pool: &Pool,
    scope: &str,
    external_id: &str,
    reason: &str,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE contact_identities SET unreachable_reason = $3 WHERE scope = $1 AND external_id = $2",
    )
    .bind(scope)
    .bind(external_id)
    .bind(reason)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

use super::Db;
