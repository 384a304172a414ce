//! First contact: the senders of a batch that no channel identity knows yet become contacts,
//! with their identities, in a few statements for the whole batch. One at a time this cost
//! three round trips a sender (contact, identity, then its addresses); the first 10,000
//! messages of a fresh inbox are mostly first contacts. (Compiled once per backend.)

use std::collections::{HashMap, HashSet};

use connector_sdk::InboundMessage;
use serde_json::json;

use super::IS_POSTGRES;
use super::common::Conn;
use crate::domain::{ContactId, EventKind, Millis};
use crate::store::rows::NewEvent;
use crate::store::{StoreError, StoreResult};

/// A sender as the batch names it: identity scope and the channel's id for them.
pub type SenderKey<'a> = (&'a str, &'a str);

/// One unknown sender, with the addresses that may tie them to a contact we know.
struct Newcomer<'a> {
    /// The sender's first message in the batch (its channel goes into the event).
    message: &'a InboundMessage,
    email: Option<String>,
    phone: Option<&'a str>,
}

impl<'a> Newcomer<'a> {
    fn new(message: &'a InboundMessage) -> Self {
        let sender = &message.sender;
        Self {
            message,
            email: sender
                .email
                .as_deref()
                .map(|email| email.trim().to_lowercase())
                .filter(|email| !email.is_empty()),
            phone: sender
                .phone
                .as_deref()
                .map(str::trim)
                .filter(|phone| !phone.is_empty()),
        }
    }

    fn key(&self) -> SenderKey<'a> {
        (
            self.message.sender.scope.as_str(),
            self.message.sender.external_id.as_str(),
        )
    }

    /// The addresses (identity scope, value) by which this sender can be found.
    fn addresses(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [("email", self.email.as_deref()), ("phone", self.phone)]
            .into_iter()
            .filter_map(|(scope, value)| Some((scope, value?)))
    }
}

/// Whose contact a newcomer becomes.
#[derive(Clone, Copy)]
enum Owner {
    /// A contact stored before this batch.
    Stored(i64),
    /// The `n`th contact this batch creates.
    Created(usize),
}

/// Finds or creates the contact of every sender in `firsts` (the first message of each sender
/// that no identity knows; one per sender) and records their identities. A sender whose email
/// or phone belongs to a contact (stored, or created earlier in this batch) joins it.
/// Returns each sender's `(contact, identity)`; `ContactCreated` goes into `events`.
pub async fn resolve<'a>(
    conn: &mut Conn,
    firsts: &[&'a InboundMessage],
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<HashMap<SenderKey<'a>, (i64, i64)>> {
    let mut resolved = HashMap::new();
    if firsts.is_empty() {
        return Ok(resolved);
    }
    let newcomers: Vec<Newcomer<'a>> = firsts
        .iter()
        .map(|&message| Newcomer::new(message))
        .collect();
    let stored = contacts_by_address(conn, &newcomers).await?;

    // Who joins whom, in batch order: what an earlier newcomer will be reachable by (its own
    // identity and its addresses) leads a later one to the same contact, as if one had been
    // written before the other was looked up.
    let mut owners = Vec::with_capacity(newcomers.len());
    let mut creating: Vec<usize> = Vec::new();
    let mut reachable: HashMap<(&str, &str), Owner> = HashMap::new();
    for (position, newcomer) in newcomers.iter().enumerate() {
        let owner = newcomer
            .addresses()
            .find_map(|(scope, value)| {
                stored
                    .get(&(scope, value))
                    .map(|&id| Owner::Stored(id))
                    .or_else(|| reachable.get(&(scope, value)).copied())
            })
            .unwrap_or_else(|| {
                creating.push(position);
                Owner::Created(creating.len() - 1)
            });
        for address in newcomer.addresses() {
            reachable.entry(address).or_insert(owner);
        }
        reachable.entry(newcomer.key()).or_insert(owner);
        owners.push(owner);
    }

    let created = insert_contacts(conn, &newcomers, &creating, now).await?;
    let contact_of = |owner: Owner| match owner {
        Owner::Stored(id) => id,
        Owner::Created(n) => created[n],
    };
    let contacts: Vec<i64> = owners.iter().map(|&owner| contact_of(owner)).collect();
    let identities = insert_channel_identities(conn, &newcomers, &contacts, now).await?;

    let mut kept: HashSet<i64> = HashSet::new();
    let mut with_addresses = Vec::new();
    for (position, newcomer) in newcomers.iter().enumerate() {
        let key = newcomer.key();
        match identities.get(&(key.0.to_owned(), key.1.to_owned())) {
            Some(&identity) => {
                kept.insert(contacts[position]);
                with_addresses.push(position);
                resolved.insert(key, (contacts[position], identity));
            }
            None => {
                // Another writer (another node on PostgreSQL) registered this sender first:
                // its contact is theirs, and their addresses were recorded with it.
                let (identity, existing): (i64, i64) = sqlx::query_as(
                    "SELECT id, contact_id FROM contact_identities \
                     WHERE scope = $1 AND external_id = $2",
                )
                .bind(key.0)
                .bind(key.1)
                .fetch_one(&mut *conn)
                .await?;
                resolved.insert(key, (existing, identity));
            }
        }
    }
    // A contact created for senders who all turned out registered elsewhere is left empty.
    let orphans: Vec<i64> = created
        .iter()
        .copied()
        .filter(|id| !kept.contains(id))
        .collect();
    if !orphans.is_empty() {
        sqlx::query(&format!(
            "DELETE FROM contacts WHERE {}",
            super::common::in_json_ids("id", "$1")
        ))
        .bind(sqlx::types::Json(&orphans))
        .execute(&mut *conn)
        .await?;
    }
    insert_addresses(conn, &newcomers, &contacts, &with_addresses, now).await?;
    for (&position, &id) in creating.iter().zip(&created) {
        if kept.contains(&id) {
            events.push(NewEvent {
                kind: EventKind::ContactCreated,
                conversation_id: None,
                contact_id: Some(ContactId::new(id)),
                message_id: None,
                agent_id: None,
                data: json!({"channel": newcomers[position].message.channel}),
            });
        }
    }
    Ok(resolved)
}

/// The stored contacts the newcomers' emails and phones belong to, by (scope, value).
async fn contacts_by_address<'n>(
    conn: &mut Conn,
    newcomers: &'n [Newcomer<'_>],
) -> StoreResult<HashMap<(&'n str, &'n str), i64>> {
    let mut wanted: Vec<(&'static str, &'n str)> =
        newcomers.iter().flat_map(Newcomer::addresses).collect();
    let mut found = HashMap::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    wanted.sort_unstable();
    wanted.dedup();
    let input = if IS_POSTGRES {
        "SELECT e->>0 AS scope, e->>1 AS value FROM jsonb_array_elements($1) AS t(e)"
    } else {
        "SELECT value->>0 AS scope, value->>1 AS value FROM json_each($1)"
    };
    let rows: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT i.scope, i.external_id, i.contact_id FROM ({input}) AS wanted \
         JOIN contact_identities i ON i.scope = wanted.scope AND i.external_id = wanted.value"
    ))
    .bind(sqlx::types::Json(&wanted))
    .fetch_all(&mut *conn)
    .await?;
    for (scope, value, contact) in rows {
        if let Some(&(scope, value)) = wanted
            .iter()
            .find(|(wanted_scope, wanted_value)| *wanted_scope == scope && *wanted_value == value)
        {
            found.insert((scope, value), contact);
        }
    }
    Ok(found)
}

/// Creates a contact for each newcomer at `creating` (positions), in one statement; returns
/// their ids in the same order.
async fn insert_contacts(
    conn: &mut Conn,
    newcomers: &[Newcomer<'_>],
    creating: &[usize],
    now: Millis,
) -> StoreResult<Vec<i64>> {
    if creating.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<serde_json::Value> = creating
        .iter()
        .map(|&position| {
            let newcomer = &newcomers[position];
            json!([newcomer.message.sender.name, newcomer.email, newcomer.phone])
        })
        .collect();
    let sql = if IS_POSTGRES {
        "INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at) \
         SELECT e->>0, e->>1, e->>2, '{}', $2, $2 \
         FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id"
    } else {
        "INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at) \
         SELECT value->>0, value->>1, value->>2, '{}', $2, $2 \
         FROM json_each($1) ORDER BY key RETURNING id"
    };
    let mut ids: Vec<i64> = sqlx::query_scalar(sql)
        .bind(sqlx::types::Json(&rows))
        .bind(now.0)
        .fetch_all(&mut *conn)
        .await?;
    // Rows are numbered in the order they are inserted (the ORDER BY), whatever order
    // RETURNING hands them back in.
    ids.sort_unstable();
    if ids.len() != creating.len() {
        return Err(StoreError::Corrupt(
            "contact insert returned another number of rows".into(),
        ));
    }
    Ok(ids)
}

/// Records each newcomer's channel identity with its contact; returns the identity ids of
/// those it recorded, by (scope, external id). One missing was registered by another writer.
async fn insert_channel_identities(
    conn: &mut Conn,
    newcomers: &[Newcomer<'_>],
    contacts: &[i64],
    now: Millis,
) -> StoreResult<HashMap<(String, String), i64>> {
    let rows: Vec<serde_json::Value> = newcomers
        .iter()
        .zip(contacts)
        .map(|(newcomer, contact)| {
            let (scope, external_id) = newcomer.key();
            json!([contact, scope, external_id])
        })
        .collect();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "{} ON CONFLICT (scope, external_id) DO NOTHING RETURNING id, scope, external_id",
        identities_insert()
    ))
    .bind(sqlx::types::Json(&rows))
    .bind(now.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, scope, external_id)| ((scope, external_id), id))
        .collect())
}

/// Records the email and phone identities of the newcomers at `positions`: each is how a
/// sender on another channel finds the same contact later. One taken already stays as it is.
async fn insert_addresses(
    conn: &mut Conn,
    newcomers: &[Newcomer<'_>],
    contacts: &[i64],
    positions: &[usize],
    now: Millis,
) -> StoreResult<()> {
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let rows: Vec<serde_json::Value> = positions
        .iter()
        .flat_map(|&position| {
            newcomers[position]
                .addresses()
                .map(move |(scope, value)| (position, scope, value))
        })
        .filter(|&(_, scope, value)| seen.insert((scope, value)))
        .map(|(position, scope, value)| json!([contacts[position], scope, value]))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(&format!(
        "{} ON CONFLICT (scope, external_id) DO NOTHING",
        identities_insert()
    ))
    .bind(sqlx::types::Json(&rows))
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `INSERT INTO contact_identities` of the `[contact, scope, external id]` rows of JSON array
/// `$1`, created at `$2`.
fn identities_insert() -> &'static str {
    if IS_POSTGRES {
        "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
         SELECT (e->>0)::bigint, e->>1, e->>2, $2 FROM jsonb_array_elements($1) AS t(e)"
    } else {
        // `WHERE true` lets SQLite read `ON CONFLICT` as the upsert clause, not a join's.
        "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
         SELECT value->>0, value->>1, value->>2, $2 FROM json_each($1) WHERE true"
    }
}
