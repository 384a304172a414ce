//! Merging one contact into another, and undoing it. (Compiled once per backend.)
//!
//! A merge moves the other contact's identities, conversations (with the authorship of its
//! messages), campaign history and automatic-reply records to the survivor, fills in the
//! survivor's missing fields, unites the tags and settles consents; the contact merged away
//! keeps its own profile, tags and consents and points at the survivor (`merged_into`). The
//! record of the merge lists what moved and what was added, and the undo puts exactly that
//! back — plus whatever arrived since through the identities that go back.
//!
//! Inbound messages must not resolve a sender to a contact that a merge is moving away (the
//! message would land on the tombstone). On SQLite every write transaction runs alone; on
//! PostgreSQL an ingest transaction holds the gate shared from its `BEGIN` ([`begin_ingest`])
//! and a merge takes it exclusively, so one waits for the other to commit.

use serde_json::json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, in_json_ids, insert_events};
use crate::domain::{AgentId, ContactId, ConversationId, EventKind, Millis};
use crate::store::merges::{
    AddedFields, ConsentRow, ContactMerge, MergeOutcome, MergeRecord, MergeRefused,
};
use crate::store::rows::NewEvent;
use crate::store::{StoreError, StoreResult};

/// The advisory lock key ingest and merges meet on (PostgreSQL): "SBMERGE" in ASCII.
const MERGE_GATE: i64 = 0x53_42_4d_45_52_47_45;

/// Begins an ingest transaction holding ingest's side of the gate (shared, until commit). On
/// PostgreSQL the lock travels with `BEGIN` in one round trip (measured with pgbench: about
/// 0.03 ms a transaction this way, 0.1–0.2 ms as a statement of its own).
///
/// The transaction also plans each statement for the tables as they are now
/// (`plan_cache_mode`). A prepared statement otherwise keeps, after five runs, a generic plan
/// made for the tables' sizes at that moment. On a fresh database that is ten pages; until
/// statistics arrive (never, with autovacuum off) every commit hashed every conversation and
/// report record: 1.6 ms each of a 32-message commit at 10,000 conversations, growing with
/// the inbox. Planning them costs a few hundredths of a millisecond.
pub async fn begin_ingest(pool: &Pool) -> StoreResult<sqlx::Transaction<'static, super::Db>> {
    if IS_POSTGRES {
        let begin = format!(
            "BEGIN; SET LOCAL plan_cache_mode = force_custom_plan; \
             SELECT pg_advisory_xact_lock_shared({MERGE_GATE})"
        );
        Ok(pool.begin_with(begin).await?)
    } else {
        begin(pool).await
    }
}

/// A merge's side of the gate: waits for ingest transactions in flight, holds new ones back.
async fn close_ingest_gate(conn: &mut Conn) -> StoreResult<()> {
    if IS_POSTGRES {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MERGE_GATE)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The columns of a contact a merge reads and writes.
#[derive(Debug, sqlx::FromRow)]
struct ContactState {
    id: i64,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    attributes: sqlx::types::Json<serde_json::Value>,
    updated_at: i64,
    merged_into: Option<i64>,
    erased_at: Option<i64>,
}

impl ContactState {
    fn attributes(&self) -> serde_json::Map<String, serde_json::Value> {
        match &self.attributes.0 {
            serde_json::Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        }
    }
}

async fn contact_state(conn: &mut Conn, id: i64) -> StoreResult<ContactState> {
    let lock = if IS_POSTGRES { " FOR UPDATE" } else { "" };
    sqlx::query_as(&format!(
        "SELECT id, name, email, phone, attributes, updated_at, merged_into, erased_at \
         FROM contacts WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)
}

/// Refuses a contact that is erased, being erased, or merged away.
async fn usable(conn: &mut Conn, contact: &ContactState) -> StoreResult<Option<MergeRefused>> {
    if let Some(into) = contact.merged_into {
        return Ok(Some(MergeRefused::AlreadyMerged {
            contact: contact.id,
            into,
        }));
    }
    if is_erased(conn, contact).await? {
        return Ok(Some(MergeRefused::Erased(contact.id)));
    }
    Ok(None)
}

/// Whether `contact` is erased or has an erasure under way.
async fn is_erased(conn: &mut Conn, contact: &ContactState) -> StoreResult<bool> {
    let erasing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM erasure_jobs WHERE contact_id = $1")
            .bind(contact.id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(contact.erased_at.is_some() || erasing.is_some())
}

/// Locks the survivor's and the other contact's rows (in id order, so two merges or undos of
/// the same pair cannot deadlock) and returns them as (survivor, other).
async fn lock_pair(
    conn: &mut Conn,
    target: i64,
    source: i64,
) -> StoreResult<(ContactState, ContactState)> {
    let low = contact_state(conn, target.min(source)).await?;
    let high = contact_state(conn, target.max(source)).await?;
    Ok(if low.id == target {
        (low, high)
    } else {
        (high, low)
    })
}

async fn ids(conn: &mut Conn, sql: &str, contact: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(sql)
        .bind(contact)
        .fetch_all(&mut *conn)
        .await?)
}

async fn tags_of(conn: &mut Conn, contact: i64) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag")
            .bind(contact)
            .fetch_all(&mut *conn)
            .await?,
    )
}

async fn consents_of(conn: &mut Conn, contact: i64) -> StoreResult<Vec<ConsentRow>> {
    Ok(sqlx::query_as(
        "SELECT channel, status, source, proof, changed_at FROM contact_consents \
         WHERE contact_id = $1 ORDER BY channel",
    )
    .bind(contact)
    .fetch_all(&mut *conn)
    .await?)
}

async fn write_consent(conn: &mut Conn, contact: i64, row: &ConsentRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO contact_consents (contact_id, channel, status, source, proof, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (contact_id, channel) DO UPDATE SET status = excluded.status, \
             source = excluded.source, proof = excluded.proof, changed_at = excluded.changed_at",
    )
    .bind(contact)
    .bind(&row.channel)
    .bind(&row.status)
    .bind(&row.source)
    .bind(&row.proof)
    .bind(row.changed_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The consent that holds for one channel when two contacts become one: a withdrawal always
/// survives (the latest one, if both withdrew); otherwise the most recent decision. `None`
/// when the survivor's own record stands.
fn settled_consent<'a>(
    target: Option<&'a ConsentRow>,
    source: &'a ConsentRow,
) -> Option<&'a ConsentRow> {
    let Some(target) = target else {
        return Some(source);
    };
    let withdrawn = |row: &ConsentRow| row.status == "withdrawn";
    let source_wins = match (withdrawn(target), withdrawn(source)) {
        (true, false) => false,
        (false, true) => true,
        _ => source.changed_at > target.changed_at,
    };
    source_wins.then_some(source)
}

/// The name an activity line gives the one who acted.
async fn actor_name(conn: &mut Conn, by: Option<AgentId>) -> StoreResult<String> {
    let name: Option<String> = match by {
        Some(agent) => {
            sqlx::query_scalar("SELECT name FROM agents WHERE id = $1")
                .bind(agent.get())
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    Ok(name.unwrap_or_else(|| "An API client".to_owned()))
}

fn contact_label(contact: &ContactState) -> String {
    match &contact.name {
        Some(name) => format!("contact #{} ({name})", contact.id),
        None => format!("contact #{}", contact.id),
    }
}

/// Writes `text` as an activity line into each of `conversations`; returns their events.
async fn activity_lines(
    conn: &mut Conn,
    conversations: &[i64],
    text: &str,
    now: Millis,
) -> StoreResult<Vec<NewEvent>> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, text, \
             created_at) \
         SELECT id, channel, 'out', 'activity', 'system', $2, $3 FROM conversations \
         WHERE {} RETURNING id, conversation_id, channel",
        in_json_ids("id", "$1")
    ))
    .bind(sqlx::types::Json(conversations))
    .bind(text)
    .bind(now.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(message, conversation, channel)| NewEvent {
            kind: EventKind::MessageCreated,
            conversation_id: Some(ConversationId::new(conversation)),
            contact_id: None,
            message_id: Some(crate::domain::MessageId::new(message)),
            agent_id: None,
            data: json!({"direction": "out", "kind": "activity", "channel": channel}),
        })
        .collect())
}

/// Merges `source` into `target`.
pub async fn merge(
    pool: &Pool,
    target: ContactId,
    source: ContactId,
    by: Option<AgentId>,
    now: Millis,
) -> StoreResult<MergeOutcome> {
    if target == source {
        return Ok(Err(MergeRefused::SameContact));
    }
    let mut tx = begin(pool).await?;
    close_ingest_gate(&mut tx).await?;
    let (kept, merged) = lock_pair(&mut tx, target.get(), source.get()).await?;
    for contact in [&kept, &merged] {
        if let Some(refused) = usable(&mut tx, contact).await? {
            return Ok(Err(refused));
        }
    }
    let sending: Option<i64> = sqlx::query_scalar(
        "SELECT campaign_id FROM campaign_sends WHERE contact_id = $1 \
         AND state IN ('pending', 'leased') LIMIT 1",
    )
    .bind(merged.id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(campaign) = sending {
        return Ok(Err(MergeRefused::CampaignSending {
            contact: merged.id,
            campaign,
        }));
    }

    let mut record = MergeRecord {
        identities: ids(
            &mut tx,
            "SELECT id FROM contact_identities WHERE contact_id = $1 ORDER BY id",
            merged.id,
        )
        .await?,
        conversations: ids(
            &mut tx,
            "SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id",
            merged.id,
        )
        .await?,
        conversation_watermark: sqlx::query_scalar(
            "SELECT coalesce(max(id), 0) FROM conversations",
        )
        .fetch_one(&mut *tx)
        .await?,
        target_updated_at: kept.updated_at,
        ..MergeRecord::default()
    };

    // The profile: the survivor's values win; what it lacks comes from the other contact.
    let mut attributes = kept.attributes();
    let mut added = AddedFields::default();
    for (key, value) in merged.attributes() {
        if let Some(own) = attributes.get(&key) {
            if *own != value {
                record.overridden_attributes.insert(key, value);
            }
        } else {
            attributes.insert(key.clone(), value.clone());
            added.attributes.insert(key, value);
        }
    }
    if kept.name.is_none() {
        added.name.clone_from(&merged.name);
    }
    if kept.email.is_none() {
        added.email.clone_from(&merged.email);
    }
    if kept.phone.is_none() {
        added.phone.clone_from(&merged.phone);
    }
    sqlx::query(
        "UPDATE contacts SET name = $2, email = $3, phone = $4, attributes = $5, updated_at = $6 \
         WHERE id = $1",
    )
    .bind(kept.id)
    .bind(kept.name.as_ref().or(added.name.as_ref()))
    .bind(kept.email.as_ref().or(added.email.as_ref()))
    .bind(kept.phone.as_ref().or(added.phone.as_ref()))
    .bind(sqlx::types::Json(&attributes))
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE contacts SET merged_into = $2 WHERE id = $1")
        .bind(merged.id)
        .bind(kept.id)
        .execute(&mut *tx)
        .await?;

    let own_tags = tags_of(&mut tx, kept.id).await?;
    for tag in tags_of(&mut tx, merged.id).await? {
        if !own_tags.contains(&tag) {
            sqlx::query("INSERT INTO contact_tags (contact_id, tag) VALUES ($1, $2)")
                .bind(kept.id)
                .bind(&tag)
                .execute(&mut *tx)
                .await?;
            added.tags.push(tag);
        }
    }
    record.added = added;

    let own_consents = consents_of(&mut tx, kept.id).await?;
    for theirs in consents_of(&mut tx, merged.id).await? {
        let own = own_consents
            .iter()
            .find(|row| row.channel == theirs.channel);
        if let Some(winner) = settled_consent(own, &theirs) {
            write_consent(&mut tx, kept.id, winner).await?;
            if let Some(own) = own {
                record.consents_before.push(own.clone());
            }
            record.consents_written.push(winner.clone());
        }
    }

    // Automatic-reply records keep the loop guards' memory of both.
    let copies: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT channel, template, sent_at FROM auto_replies a WHERE contact_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM auto_replies b WHERE b.contact_id = $2 \
             AND b.channel = a.channel AND b.template = a.template) ORDER BY channel, template",
    )
    .bind(merged.id)
    .bind(kept.id)
    .fetch_all(&mut *tx)
    .await?;
    for (channel, template, sent_at) in &copies {
        sqlx::query(
            "INSERT INTO auto_replies (contact_id, channel, template, sent_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(kept.id)
        .bind(channel)
        .bind(template)
        .bind(sent_at)
        .execute(&mut *tx)
        .await?;
    }
    record.auto_replies = copies;

    // Campaign history: a campaign the survivor has a record of keeps that one.
    record.campaign_sends = sqlx::query_scalar(
        "SELECT campaign_id FROM campaign_sends s WHERE contact_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM campaign_sends t WHERE t.campaign_id = s.campaign_id \
             AND t.contact_id = $2) ORDER BY campaign_id",
    )
    .bind(merged.id)
    .bind(kept.id)
    .fetch_all(&mut *tx)
    .await?;
    move_campaign_sends(&mut tx, &record.campaign_sends, merged.id, kept.id).await?;

    // Authorship first (while the conversations still say whose they are), then the
    // conversations, then the identities new messages are resolved by.
    move_authorship(&mut tx, merged.id, kept.id, merged.id).await?;
    sqlx::query("UPDATE conversations SET contact_id = $2 WHERE contact_id = $1")
        .bind(merged.id)
        .bind(kept.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE contact_identities SET contact_id = $2 WHERE contact_id = $1")
        .bind(merged.id)
        .bind(kept.id)
        .execute(&mut *tx)
        .await?;

    let record_json = serde_json::to_string(&record)
        .map_err(|err| StoreError::Corrupt(format!("merge record: {err}")))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contact_merges (target_id, source_id, merged_by, merged_at, record) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(kept.id)
    .bind(merged.id)
    .bind(by.map(AgentId::get))
    .bind(now.0)
    .bind(&record_json)
    .fetch_one(&mut *tx)
    .await?;

    let who = actor_name(&mut tx, by).await?;
    let line = format!(
        "{who} merged {} into contact #{} (merge #{id}); this conversation is now theirs.",
        contact_label(&merged),
        kept.id
    );
    let mut events = activity_lines(&mut tx, &record.conversations, &line, now).await?;
    events.push(NewEvent {
        kind: EventKind::ContactMerged,
        conversation_id: None,
        contact_id: Some(ContactId::new(kept.id)),
        message_id: None,
        agent_id: by,
        data: json!({
            "merge_id": id,
            "from": merged.id,
            "into": kept.id,
            "identities": record.identities.len(),
            "conversations": record.conversations.len(),
        }),
    });
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    let merge = ContactMerge {
        id,
        target: ContactId::new(kept.id),
        source: ContactId::new(merged.id),
        merged_by: by,
        merged_at: now,
        undone_by: None,
        undone_at: None,
        record,
    };
    Ok(Ok((merge, events)))
}

async fn move_campaign_sends(
    conn: &mut Conn,
    campaigns: &[i64],
    from: i64,
    to: i64,
) -> StoreResult<()> {
    if campaigns.is_empty() {
        return Ok(());
    }
    sqlx::query(&format!(
        "UPDATE campaign_sends SET contact_id = $2 WHERE contact_id = $1 AND {}",
        in_json_ids("campaign_id", "$3")
    ))
    .bind(from)
    .bind(to)
    .bind(sqlx::types::Json(campaigns))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives `to` the messages `from` wrote in the conversations of `owner`, so a redelivery of
/// one is still recognised (the inbound key includes the author). A message whose channel id
/// `to` has stored from its own sender already stays `from`'s: the key must stay unique.
async fn move_authorship(conn: &mut Conn, from: i64, to: i64, owner: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE messages SET author_id = $2 \
         WHERE conversation_id IN (SELECT id FROM conversations WHERE contact_id = $3) \
           AND author_type = 'contact' AND author_id = $1 \
           AND NOT (direction = 'in' AND EXISTS (SELECT 1 FROM messages other \
               WHERE other.direction = 'in' AND other.channel = messages.channel \
                 AND other.external_id = messages.external_id AND other.author_id = $2))",
    )
    .bind(from)
    .bind(to)
    .bind(owner)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MergeRow {
    id: i64,
    target_id: i64,
    source_id: i64,
    merged_by: Option<i64>,
    merged_at: i64,
    record: String,
    undone_by: Option<i64>,
    undone_at: Option<i64>,
}

impl TryFrom<MergeRow> for ContactMerge {
    type Error = StoreError;

    fn try_from(row: MergeRow) -> StoreResult<Self> {
        let record: MergeRecord = serde_json::from_str(&row.record)
            .map_err(|err| StoreError::Corrupt(format!("merge {} record: {err}", row.id)))?;
        Ok(ContactMerge {
            id: row.id,
            target: ContactId::new(row.target_id),
            source: ContactId::new(row.source_id),
            merged_by: row.merged_by.map(AgentId::new),
            merged_at: Millis(row.merged_at),
            undone_by: row.undone_by.map(AgentId::new),
            undone_at: row.undone_at.map(Millis),
            record,
        })
    }
}

const MERGE_COLUMNS: &str =
    "id, target_id, source_id, merged_by, merged_at, record, undone_by, undone_at";

async fn load(conn: &mut Conn, id: i64) -> StoreResult<ContactMerge> {
    let row: MergeRow = sqlx::query_as(&format!(
        "SELECT {MERGE_COLUMNS} FROM contact_merges WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    row.try_into()
}

/// Merge `id`.
pub async fn get(pool: &Pool, id: i64) -> StoreResult<ContactMerge> {
    let mut conn = pool.acquire().await?;
    load(&mut conn, id).await
}

/// The merges `contact` took part in, newest first.
pub async fn of_contact(pool: &Pool, contact: ContactId) -> StoreResult<Vec<ContactMerge>> {
    let rows: Vec<MergeRow> = sqlx::query_as(&format!(
        "SELECT {MERGE_COLUMNS} FROM contact_merges WHERE target_id = $1 OR source_id = $1 \
         ORDER BY id DESC"
    ))
    .bind(contact.get())
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(ContactMerge::try_from).collect()
}

/// The contact `id` was merged into, if it was.
pub async fn merged_into(pool: &Pool, id: ContactId) -> StoreResult<Option<ContactId>> {
    let into: Option<Option<i64>> =
        sqlx::query_scalar("SELECT merged_into FROM contacts WHERE id = $1")
            .bind(id.get())
            .fetch_optional(pool)
            .await?;
    Ok(into.ok_or(StoreError::NotFound)?.map(ContactId::new))
}

/// Undoes merge `id`: the contact merged away gets back its identities and conversations
/// (and those that arrived since through its identities), its campaign history, and stops
/// pointing at the survivor; the survivor loses what the merge added, unless it changed
/// since.
pub async fn undo(
    pool: &Pool,
    id: i64,
    by: Option<AgentId>,
    now: Millis,
) -> StoreResult<MergeOutcome> {
    let mut tx = begin(pool).await?;
    close_ingest_gate(&mut tx).await?;
    let merge = load(&mut tx, id).await?;
    if merge.undone_at.is_some() {
        return Ok(Err(MergeRefused::AlreadyUndone(id)));
    }
    let (kept, merged) = lock_pair(&mut tx, merge.target.get(), merge.source.get()).await?;
    if kept.merged_into.is_some() {
        let later: i64 = sqlx::query_scalar(
            "SELECT max(id) FROM contact_merges WHERE source_id = $1 AND undone_at IS NULL",
        )
        .bind(kept.id)
        .fetch_one(&mut *tx)
        .await?;
        return Ok(Err(MergeRefused::MergedSince {
            contact: kept.id,
            merge: later,
        }));
    }
    for contact in [&kept, &merged] {
        if is_erased(&mut tx, contact).await? {
            return Ok(Err(MergeRefused::Erased(contact.id)));
        }
    }
    let record = &merge.record;
    let identities = sqlx::types::Json(&record.identities);

    sqlx::query(&format!(
        "UPDATE contact_identities SET contact_id = $2 WHERE contact_id = $1 AND {}",
        in_json_ids("id", "$3")
    ))
    .bind(kept.id)
    .bind(merged.id)
    .bind(identities)
    .execute(&mut *tx)
    .await?;
    let returning: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM conversations WHERE contact_id = $1 AND ({} OR (id > $3 AND {})) \
         ORDER BY id",
        in_json_ids("id", "$2"),
        in_json_ids("identity_id", "$4")
    ))
    .bind(kept.id)
    .bind(sqlx::types::Json(&record.conversations))
    .bind(record.conversation_watermark)
    .bind(identities)
    .fetch_all(&mut *tx)
    .await?;
    if !returning.is_empty() {
        sqlx::query(&format!(
            "UPDATE conversations SET contact_id = $2 WHERE contact_id = $1 AND {}",
            in_json_ids("id", "$3")
        ))
        .bind(kept.id)
        .bind(merged.id)
        .bind(sqlx::types::Json(&returning))
        .execute(&mut *tx)
        .await?;
        move_authorship(&mut tx, kept.id, merged.id, merged.id).await?;
    }
    move_campaign_sends(&mut tx, &record.campaign_sends, kept.id, merged.id).await?;
    for (channel, template, sent_at) in &record.auto_replies {
        sqlx::query(
            "DELETE FROM auto_replies WHERE contact_id = $1 AND channel = $2 AND template = $3 \
             AND sent_at = $4",
        )
        .bind(kept.id)
        .bind(channel)
        .bind(template)
        .bind(sent_at)
        .execute(&mut *tx)
        .await?;
    }

    // The survivor's profile loses what the merge gave it, where nobody changed it since.
    let added = &record.added;
    let mut attributes = kept.attributes();
    for (key, value) in &added.attributes {
        if attributes.get(key) == Some(value) {
            attributes.remove(key);
        }
    }
    let unless_changed = |current: &Option<String>, given: &Option<String>| {
        if given.is_some() && current == given {
            None
        } else {
            current.clone()
        }
    };
    let touched_since = kept.updated_at != merge.merged_at.0;
    sqlx::query(
        "UPDATE contacts SET name = $2, email = $3, phone = $4, attributes = $5, updated_at = $6 \
         WHERE id = $1",
    )
    .bind(kept.id)
    .bind(unless_changed(&kept.name, &added.name))
    .bind(unless_changed(&kept.email, &added.email))
    .bind(unless_changed(&kept.phone, &added.phone))
    .bind(sqlx::types::Json(&attributes))
    .bind(if touched_since {
        now.0
    } else {
        record.target_updated_at
    })
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE contacts SET merged_into = NULL WHERE id = $1")
        .bind(merged.id)
        .execute(&mut *tx)
        .await?;
    for tag in &added.tags {
        sqlx::query("DELETE FROM contact_tags WHERE contact_id = $1 AND tag = $2")
            .bind(kept.id)
            .bind(tag)
            .execute(&mut *tx)
            .await?;
    }
    restore_consents(&mut tx, &merge, &kept, &merged).await?;

    sqlx::query("UPDATE contact_merges SET undone_by = $2, undone_at = $3 WHERE id = $1")
        .bind(id)
        .bind(by.map(AgentId::get))
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    let who = actor_name(&mut tx, by).await?;
    let line = format!(
        "{who} undid merge #{id}; this conversation is {}'s again.",
        contact_label(&merged)
    );
    let mut events = activity_lines(&mut tx, &returning, &line, now).await?;
    events.push(NewEvent {
        kind: EventKind::ContactMergeUndone,
        conversation_id: None,
        contact_id: Some(ContactId::new(merged.id)),
        message_id: None,
        agent_id: by,
        data: json!({
            "merge_id": id,
            "from": merged.id,
            "into": kept.id,
            "conversations": returning.len(),
        }),
    });
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    let mut merge = merge;
    merge.undone_by = by;
    merge.undone_at = Some(now);
    Ok(Ok((merge, events)))
}

/// Consents after an undo: where the survivor still has what the merge wrote, its own earlier
/// record comes back (or none, if it had none). Where it changed since, the change stands —
/// and a withdrawal made since applies to both contacts, for it was the person's.
async fn restore_consents(
    conn: &mut Conn,
    merge: &ContactMerge,
    kept: &ContactState,
    merged: &ContactState,
) -> StoreResult<()> {
    let current = consents_of(conn, kept.id).await?;
    let record = &merge.record;
    for written in &record.consents_written {
        let now_held = current.iter().find(|row| row.channel == written.channel);
        if now_held == Some(written) {
            match record
                .consents_before
                .iter()
                .find(|row| row.channel == written.channel)
            {
                Some(before) => write_consent(conn, kept.id, before).await?,
                None => {
                    sqlx::query(
                        "DELETE FROM contact_consents WHERE contact_id = $1 AND channel = $2",
                    )
                    .bind(kept.id)
                    .bind(&written.channel)
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
    }
    for row in &current {
        if row.status == "withdrawn" && row.changed_at > merge.merged_at.0 {
            write_consent(conn, merged.id, row).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(status: &str, changed_at: i64) -> ConsentRow {
        ConsentRow {
            channel: "email".into(),
            status: status.into(),
            source: "api".into(),
            proof: None,
            changed_at,
        }
    }

    #[test]
    fn a_withdrawal_survives_a_later_grant_and_otherwise_the_latest_decision_wins() {
        let old_withdrawal = consent("withdrawn", 1);
        let new_grant = consent("granted", 2);
        assert_eq!(settled_consent(Some(&old_withdrawal), &new_grant), None);
        assert_eq!(
            settled_consent(Some(&new_grant), &old_withdrawal),
            Some(&old_withdrawal)
        );
        let newer_grant = consent("granted", 3);
        assert_eq!(
            settled_consent(Some(&new_grant), &newer_grant),
            Some(&newer_grant)
        );
        assert_eq!(settled_consent(Some(&newer_grant), &new_grant), None);
        assert_eq!(settled_consent(None, &new_grant), Some(&new_grant));
    }
}
