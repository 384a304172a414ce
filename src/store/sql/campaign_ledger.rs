//! The send ledger of campaigns (`campaign_sends`): planning the audience into it, leasing
//! due rows to workers, recording what became of each send, and what a crash or a cancel
//! leaves behind. (Compiled once per backend.)
//!
//! The ledger is keyed (campaign, contact): planning inserts each contact at most once,
//! workers lease rows with a deadline and mark them sent only after the channel accepted the
//! message, so a crash at any point leaves every row either still due or done.

use serde_json::json;

use super::IS_POSTGRES;
use super::campaign_funnel::funnel_in;
use super::campaigns::{CANCELLED, campaign_event, load_campaign};
use super::common::{Conn, Pool, begin, in_json_ids, insert_events};
use crate::domain::{
    Campaign, CampaignId, CampaignState, ContactId, Event, EventKind, LeaseId, Millis,
};
use crate::store::campaigns::{Lease, LeasedSend, PlanChannel, SendResult};
use crate::store::segment_sql::{bind_compiled, compile};
use crate::store::{StoreError, StoreResult};

/// Materialises the audience into the ledger and starts the campaign (see
/// `Store::plan_campaign`).
pub async fn plan(
    pool: &Pool,
    id: CampaignId,
    channels: &[PlanChannel],
    now: Millis,
) -> StoreResult<(Campaign, Vec<Event>)> {
    let id = id.get();
    if IS_POSTGRES {
        // Fresh statistics first: right after a large import they still describe the old,
        // small tables, and PostgreSQL then plans the per-contact lookups below as scans of
        // a whole scope or consent list per contact (minutes for 200,000 contacts instead of
        // seconds). ANALYZE samples a bounded number of rows, and outside the transaction its
        // lock is released at once.
        sqlx::query("ANALYZE contacts, contact_identities, contact_consents, suppressions")
            .execute(pool)
            .await?;
    }
    let mut tx = begin(pool).await?;
    let current = load_campaign(&mut tx, id).await?;
    if current.planned_at.is_some() {
        return Ok((current, Vec::new()));
    }
    // One pass over the audience: per channel, in preference order, the contact's reachable,
    // unsuppressed address if they consented to that channel's kind; the first one found wins,
    // and a contact with none is recorded as suppressed so the funnel shows who was held back.
    // (One INSERT per channel plus one for the rest evaluated the segment once per statement.)
    // Each channel binds its name, scope and kind, from $2 on.
    let mut picks = String::new();
    let mut arms = String::new();
    let mut found: Vec<String> = Vec::new();
    let mut binds: Vec<&str> = Vec::new();
    for (n, channel) in channels.iter().enumerate() {
        let name = binds.len() + 2;
        let (scope, kind) = (name + 1, name + 2);
        picks.push_str(&format!(
            ", CASE WHEN EXISTS (SELECT 1 FROM contact_consents k WHERE k.contact_id = c.id \
                                 AND k.channel = ${kind} AND k.status = 'granted') \
               THEN (SELECT i.external_id FROM contact_identities i \
                     WHERE i.contact_id = c.id AND i.scope = ${scope} \
                     AND i.unreachable_reason IS NULL \
                     AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.scope = i.scope \
                                     AND s.address = lower(i.external_id)) LIMIT 1) END AS a{n}"
        ));
        arms.push_str(&format!(
            " WHEN a{n} IS NOT NULL THEN CAST(${name} AS TEXT)"
        ));
        found.push(format!("a{n}"));
        binds.extend([
            channel.name.as_str(),
            channel.scope.as_str(),
            channel.kind.as_str(),
        ]);
    }
    let (channel, address) = match found.as_slice() {
        [] => (
            "CAST(NULL AS TEXT)".to_owned(),
            "CAST(NULL AS TEXT)".to_owned(),
        ),
        [only] => (format!("CASE{arms} END"), only.clone()),
        _ => (
            format!("CASE{arms} END"),
            format!("COALESCE({})", found.join(", ")),
        ),
    };
    let compiled = compile(&current.filter, IS_POSTGRES, binds.len() + 2, now)?;
    // The audience is materialised so each pick runs once per contact: inlined, SQLite would
    // evaluate it again for every column that mentions it. (An ordered pick such as `min()`
    // made SQLite walk the scope's whole identity index per contact.) In contact order, the
    // ledger's key grows at its end instead of being written all over. `WHERE true`: without
    // it SQLite would read `ON CONFLICT` as a join constraint.
    let sql = format!(
        "WITH audience AS MATERIALIZED (SELECT c.id{picks} FROM contacts c WHERE ({}) ORDER BY c.id) \
         INSERT INTO campaign_sends (campaign_id, contact_id, channel, address, state, error, next_attempt_at) \
         SELECT $1, id, {channel}, {address}, \
                CASE WHEN {address} IS NULL THEN 'suppressed' ELSE 'pending' END, \
                CASE WHEN {address} IS NULL THEN 'no reachable channel with consent' END, 0 \
         FROM audience WHERE true ON CONFLICT DO NOTHING",
        compiled.condition
    );
    let mut query = sqlx::query(&sql).bind(id);
    for bind in binds {
        query = query.bind(bind);
    }
    bind_compiled!(query, &compiled.binds)
        .execute(&mut *tx)
        .await?;
    let targeted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM campaign_sends WHERE campaign_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "UPDATE campaigns SET planned_at = $2, targeted = $3, state = 'running', \
         started_at = COALESCE(started_at, $2), updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now.0)
    .bind(targeted)
    .execute(&mut *tx)
    .await?;
    let campaign = load_campaign(&mut tx, id).await?;
    let events = insert_events(
        &mut tx,
        vec![campaign_event(
            EventKind::CampaignStarted,
            json!({"campaign": id, "name": campaign.name, "targeted": targeted}),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((campaign, events))
}

/// A leased row with its contact, as one element of the JSON array the contact query returns:
/// contact id, name, email, phone, attributes, allowed (0/1), address, attempts.
type LeasedRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    serde_json::Map<String, serde_json::Value>,
    i64,
    Option<String>,
    i64,
);

/// Leases due rows of one channel as one lease record (see `Store::lease_sends`).
pub async fn lease(
    pool: &Pool,
    campaign: CampaignId,
    channel: &PlanChannel,
    limit: i64,
    now: Millis,
    lease_ms: i64,
) -> StoreResult<Option<Lease>> {
    let campaign = campaign.get();
    let mut tx = begin(pool).await?;
    if IS_POSTGRES {
        // Picks of one campaign take turns, so two nodes never lease the same rows: the next
        // batch starts after the furthest live lease, which must be committed before another
        // pick reads it. (SQLite's write lock, taken by `begin`, does the same there.)
        sqlx::query("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE")
            .bind(campaign)
            .execute(&mut *tx)
            .await?;
    }
    let until = now.0 + lease_ms;
    let taken = match take_over_expired(&mut tx, campaign, channel, now, until).await? {
        Some(lease) => Some(lease),
        None => take_due(&mut tx, campaign, &channel.name, limit, now, until).await?,
    };
    tx.commit().await?;
    let Some((id, contacts)) = taken else {
        return Ok(None);
    };
    // Read after the commit, outside the write lock: the rows are ours until the deadline, and
    // on SQLite another batch can take its lease while this one reads its contacts.
    let mut conn = pool.acquire().await?;
    let sends = leased_contacts(&mut conn, campaign, channel, &contacts).await?;
    Ok(Some(Lease {
        id: LeaseId::new(id),
        sends,
    }))
}

/// Deals with the channel's leases that ran out (their worker died or stalled), oldest first.
/// A receiver that drops repeats gets the lease's unfinished rows again: they are taken over
/// as a new lease and returned. Otherwise the message may already be with the receiver, which
/// would show it twice, so those rows are held "in doubt" for a person to decide (a late
/// result of a stalled worker still settles them, see `finish`).
async fn take_over_expired(
    conn: &mut Conn,
    campaign: i64,
    channel: &PlanChannel,
    now: Millis,
    until: i64,
) -> StoreResult<Option<(i64, Vec<i64>)>> {
    let expired: Vec<(i64, sqlx::types::Json<Vec<i64>>)> = sqlx::query_as(
        "SELECT id, contacts FROM campaign_leases \
         WHERE campaign_id = $1 AND channel = $2 AND expires_at < $3 ORDER BY id",
    )
    .bind(campaign)
    .bind(&channel.name)
    .bind(now.0)
    .fetch_all(&mut *conn)
    .await?;
    for (lease, contacts) in expired {
        let unfinished: Vec<i64> = if channel.receiver_deduplicates {
            sqlx::query_scalar(&format!(
                "SELECT contact_id FROM campaign_sends WHERE campaign_id = $1 \
                 AND {} AND state = 'pending' ORDER BY contact_id",
                in_json_ids("contact_id", "$2")
            ))
            .bind(campaign)
            .bind(&contacts)
            .fetch_all(&mut *conn)
            .await?
        } else {
            sqlx::query(&format!(
                "UPDATE campaign_sends SET state = 'in_doubt', error = $3 \
                 WHERE campaign_id = $1 AND {} AND state = 'pending'",
                in_json_ids("contact_id", "$2")
            ))
            .bind(campaign)
            .bind(&contacts)
            .bind(IN_DOUBT)
            .execute(&mut *conn)
            .await?;
            Vec::new()
        };
        // The new lease keeps the old one's place in due order, so the next pick still
        // starts after it.
        let renewed: Option<i64> = if unfinished.is_empty() {
            None
        } else {
            sqlx::query_scalar(
                "INSERT INTO campaign_leases \
                   (campaign_id, channel, contacts, last_due, last_contact, expires_at) \
                 SELECT campaign_id, channel, $2, last_due, last_contact, $3 \
                 FROM campaign_leases WHERE id = $1 RETURNING id",
            )
            .bind(lease)
            .bind(sqlx::types::Json(&unfinished))
            .bind(until)
            .fetch_optional(&mut *conn)
            .await?
        };
        sqlx::query("DELETE FROM campaign_leases WHERE id = $1")
            .bind(lease)
            .execute(&mut *conn)
            .await?;
        if let Some(renewed) = renewed {
            return Ok(Some((renewed, unfinished)));
        }
    }
    Ok(None)
}

/// Records a lease of up to `limit` due rows after the furthest live lease, until `until`;
/// returns its id and contact ids in due order.
async fn take_due(
    conn: &mut Conn,
    campaign: i64,
    channel: &str,
    limit: i64,
    now: Millis,
    until: i64,
) -> StoreResult<Option<(i64, Vec<i64>)>> {
    // Every live lease lies before the newest one in due order (next attempt, contact), so
    // rows after it are free; with no live lease, everything due is. A row that becomes due
    // again lands after them (its next attempt is later than any picked row's), except one
    // released by hand behind a lease, which waits until the live leases are done.
    let after: Option<(i64, i64)> = sqlx::query_as(
        "SELECT last_due, last_contact FROM campaign_leases WHERE campaign_id = $1 \
         AND channel = $2 ORDER BY last_due DESC, last_contact DESC LIMIT 1",
    )
    .bind(campaign)
    .bind(channel)
    .fetch_optional(&mut *conn)
    .await?;
    let (after_due, after_contact) = after.unwrap_or((i64::MIN, i64::MIN));
    // One range of the (campaign, state, channel, next attempt, contact) index.
    let pick = "SELECT next_attempt_at, contact_id FROM campaign_sends \
                WHERE campaign_id = $1 AND state = 'pending' AND channel = $2 \
                AND next_attempt_at <= $3 AND (next_attempt_at, contact_id) > ($4, $5) \
                ORDER BY next_attempt_at, contact_id LIMIT $6";
    // The rows come back as one JSON array: sqlx hands every SQLite result row from its
    // thread to the runtime separately, which cost more than the query itself.
    let aggregate = if IS_POSTGRES {
        "COALESCE(json_agg(json_build_array(next_attempt_at, contact_id)), '[]')"
    } else {
        "json_group_array(json_array(next_attempt_at, contact_id))"
    };
    let rows: sqlx::types::Json<Vec<(i64, i64)>> =
        sqlx::query_scalar(&format!("SELECT {aggregate} FROM ({pick}) AS picked"))
            .bind(campaign)
            .bind(channel)
            .bind(now.0)
            .bind(after_due)
            .bind(after_contact)
            .bind(limit)
            .fetch_one(&mut *conn)
            .await?;
    let rows = rows.0;
    let Some(&(last_due, last_contact)) = rows.iter().max() else {
        return Ok(None);
    };
    let contacts: Vec<i64> = rows.iter().map(|&(_, contact)| contact).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaign_leases \
           (campaign_id, channel, contacts, last_due, last_contact, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign)
    .bind(channel)
    .bind(sqlx::types::Json(&contacts))
    .bind(last_due)
    .bind(last_contact)
    .bind(until)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some((id, contacts)))
}

/// Why a campaign message to contact `c` at `address` may not go out, as a SQL expression
/// that is NULL when it may: the address is on the suppression list of its identity scope
/// (`scope`), the contact has not granted consent for the channel kind (`kind`), or the
/// identity is unreachable. The one definition of "may receive campaigns", used by the worker
/// for every leased send and by test sends.
fn held_back(kind: &str, scope: &str, address: &str) -> String {
    // The address's identity is found through its contact (an identity never changes contact):
    // a batch is in contact order, so these lookups walk one index in order, where the
    // (scope, external id) key would jump all over it. SQLite would pick that unique key, so
    // its columns are hidden from the planner there with a unary `+`.
    let hidden = if IS_POSTGRES { "" } else { "+" };
    format!(
        "(CASE WHEN EXISTS (SELECT 1 FROM suppressions x WHERE x.scope = {scope} \
                            AND x.address = lower({address})) \
          THEN 'suppressed: ' || (SELECT x.reason FROM suppressions x WHERE x.scope = {scope} \
                                  AND x.address = lower({address})) \
          WHEN NOT EXISTS (SELECT 1 FROM contact_consents k WHERE k.contact_id = c.id \
                           AND k.channel = {kind} AND k.status = 'granted') \
          THEN CASE WHEN EXISTS (SELECT 1 FROM contact_consents k WHERE k.contact_id = c.id \
                                 AND k.channel = {kind}) \
               THEN 'consent withdrawn' ELSE 'no consent' END \
          WHEN EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id \
                       AND {hidden}i.scope = {scope} AND {hidden}i.external_id = {address} \
                       AND i.unreachable_reason IS NOT NULL) \
          THEN 'unreachable' END)"
    )
}

/// Why a campaign message on a channel of `kind` (identity `scope`) to `address` of `contact`
/// would be held back now (see [`held_back`]), `None` when it may go out.
pub async fn send_held_back(
    pool: &Pool,
    contact: ContactId,
    kind: &str,
    scope: &str,
    address: &str,
) -> StoreResult<Option<String>> {
    let sql = format!(
        "SELECT {} FROM contacts c WHERE c.id = $1",
        held_back("$2", "$3", "$4")
    );
    let reason: Option<Option<String>> = sqlx::query_scalar(&sql)
        .bind(contact.get())
        .bind(kind)
        .bind(scope)
        .bind(address)
        .fetch_optional(pool)
        .await?;
    reason.ok_or(StoreError::NotFound)
}

/// Most leased rows whose contacts are read in one statement.
const READ_SLICE: usize = 1_000;

/// The leased rows `ids` with what rendering needs, in contact order; `allowed` is checked
/// again now, so an opt-out that arrived after planning wins over the ledger.
async fn leased_contacts(
    conn: &mut Conn,
    campaign: i64,
    channel: &PlanChannel,
    ids: &[i64],
) -> StoreResult<Vec<LeasedSend>> {
    // Each slice comes back as one row holding a JSON array, for the reason given in
    // `take_due`; the ids travel as one JSON array too.
    let aggregate = if IS_POSTGRES {
        "json_agg(json_build_array(c.id, c.name, c.email, c.phone, c.attributes, \
         {allowed}, s.address, s.attempts))"
    } else {
        "json_group_array(json_array(c.id, c.name, c.email, c.phone, json(c.attributes), \
         {allowed}, s.address, s.attempts))"
    };
    let allowed = format!(
        "CASE WHEN {} IS NULL THEN 1 ELSE 0 END",
        held_back("$2", "$3", "s.address")
    );
    let sql = format!(
        "SELECT {} FROM campaign_sends s JOIN contacts c ON c.id = s.contact_id \
         WHERE s.campaign_id = $1 AND {}",
        aggregate.replace("{allowed}", &allowed),
        in_json_ids("s.contact_id", "$4")
    );
    // In slices of `READ_SLICE`: one large batch read at once is a string of megabytes, which
    // the allocator keeps around after it is freed.
    let mut leased: Vec<LeasedSend> = Vec::with_capacity(ids.len());
    for slice in ids.chunks(READ_SLICE) {
        let rows: Option<sqlx::types::Json<Vec<LeasedRow>>> = sqlx::query_scalar(&sql)
            .bind(campaign)
            .bind(&channel.kind)
            .bind(&channel.scope)
            .bind(sqlx::types::Json(slice))
            .fetch_one(&mut *conn)
            .await?;
        leased.extend(rows.map(|rows| rows.0).unwrap_or_default().into_iter().map(
            |(contact, name, email, phone, attributes, allowed, address, attempts)| LeasedSend {
                contact: ContactId::new(contact),
                address: address.unwrap_or_default(),
                attempts,
                name,
                email,
                phone,
                attributes,
                allowed: allowed != 0,
            },
        ));
    }
    leased.sort_by_key(|send| send.contact.get());
    Ok(leased)
}

/// Records the results of a lease's sends and ends the lease. Only rows still open change
/// (pending, or in doubt after the lease ran out): one another worker already settled keeps
/// its state.
pub async fn finish(
    pool: &Pool,
    campaign: CampaignId,
    lease: LeaseId,
    results: &[(ContactId, SendResult)],
    now: Millis,
) -> StoreResult<()> {
    let campaign = campaign.get();
    let lease = lease.get();
    let mut tx = begin(pool).await?;
    // Gone already when the lease ran out and was dealt with; the results still count.
    sqlx::query("DELETE FROM campaign_leases WHERE id = $1")
        .bind(lease)
        .execute(&mut *tx)
        .await?;
    // The common outcome in one statement for the whole batch.
    let sent: Vec<(i64, Option<&str>)> = results
        .iter()
        .filter_map(|(contact, result)| match result {
            SendResult::Sent { external_id } => Some((contact.get(), external_id.as_deref())),
            _ => None,
        })
        .collect();
    if !sent.is_empty() {
        // One JSON object {contact: external id}: the rows are found by key among its keys
        // (see `in_json_ids`), and each looks its external id up by key. (An UPDATE … FROM
        // join made SQLite walk the campaign's whole ledger, and PostgreSQL too while the
        // ledger had no statistics; a correlated subquery over an array cost 90 µs a row.)
        let rows: serde_json::Map<String, serde_json::Value> = sent
            .iter()
            .map(|(contact, external_id)| (contact.to_string(), json!(external_id)))
            .collect();
        let sql = if IS_POSTGRES {
            "UPDATE campaign_sends SET state = 'sent', sent_at = $2, \
             external_id = $3 ->> contact_id::text, attempts = attempts + 1, error = NULL \
             WHERE campaign_id = $1 \
             AND contact_id = ANY(ARRAY(SELECT jsonb_object_keys($3)::bigint)) \
             AND state IN ('pending', 'in_doubt')"
        } else {
            "UPDATE campaign_sends SET state = 'sent', sent_at = $2, \
             external_id = $3 ->> ('$.\"' || contact_id || '\"'), \
             attempts = attempts + 1, error = NULL \
             WHERE campaign_id = $1 AND contact_id IN (SELECT key FROM json_each($3)) \
             AND state IN ('pending', 'in_doubt')"
        };
        sqlx::query(sql)
            .bind(campaign)
            .bind(now.0)
            .bind(sqlx::types::Json(rows))
            .execute(&mut *tx)
            .await?;
    }
    for (contact, result) in results {
        let contact = contact.get();
        match result {
            SendResult::Sent { .. } => {}
            SendResult::Retry { at, error } => {
                sqlx::query(
                    "UPDATE campaign_sends SET state = 'pending', attempts = attempts + 1, \
                     next_attempt_at = $3, error = $4 \
                     WHERE campaign_id = $1 AND contact_id = $2 AND state IN ('pending', 'in_doubt')",
                )
                .bind(campaign)
                .bind(contact)
                .bind(at.0)
                .bind(error)
                .execute(&mut *tx)
                .await?;
            }
            SendResult::Defer { at } => {
                sqlx::query(
                    "UPDATE campaign_sends SET state = 'pending', next_attempt_at = $3 \
                     WHERE campaign_id = $1 AND contact_id = $2 AND state IN ('pending', 'in_doubt')",
                )
                .bind(campaign)
                .bind(contact)
                .bind(at.0)
                .execute(&mut *tx)
                .await?;
            }
            SendResult::Failed { error } => {
                sqlx::query(
                    "UPDATE campaign_sends SET state = 'failed', attempts = attempts + 1, \
                     error = $3 \
                     WHERE campaign_id = $1 AND contact_id = $2 AND state IN ('pending', 'in_doubt')",
                )
                .bind(campaign)
                .bind(contact)
                .bind(error)
                .execute(&mut *tx)
                .await?;
            }
            SendResult::Suppressed { reason, suppress } => {
                sqlx::query(
                    "UPDATE campaign_sends SET state = 'suppressed', error = $3 \
                     WHERE campaign_id = $1 AND contact_id = $2 AND state IN ('pending', 'in_doubt')",
                )
                .bind(campaign)
                .bind(contact)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                if let Some((scope, address)) = suppress {
                    let channel: Option<Option<String>> = sqlx::query_scalar(
                        "SELECT channel FROM campaign_sends WHERE campaign_id = $1 AND contact_id = $2",
                    )
                    .bind(campaign)
                    .bind(contact)
                    .fetch_optional(&mut *tx)
                    .await?;
                    suppress_in(
                        &mut tx,
                        scope,
                        address,
                        reason,
                        &channel.flatten().unwrap_or_default(),
                        now,
                    )
                    .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

pub async fn suppress_in(
    conn: &mut Conn,
    scope: &str,
    address: &str,
    reason: &str,
    channel: &str,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO suppressions (scope, address, reason, channel, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, address) DO NOTHING",
    )
    .bind(scope)
    .bind(address.trim().to_lowercase())
    .bind(reason)
    .bind(channel)
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Finishes a running campaign whose ledger has nothing left to send.
pub async fn finish_if_done(
    pool: &Pool,
    id: CampaignId,
    now: Millis,
) -> StoreResult<Option<Vec<Event>>> {
    let id = id.get();
    let mut tx = begin(pool).await?;
    // An index probe, not a count: the ledger may hold millions of rows.
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT contact_id FROM campaign_sends WHERE campaign_id = $1 \
         AND state = 'pending' LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if open.is_some() {
        tx.commit().await?;
        return Ok(None);
    }
    let done = sqlx::query(
        "UPDATE campaigns SET state = 'finished', finished_at = $2, updated_at = $2 \
         WHERE id = $1 AND state = 'running'",
    )
    .bind(id)
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        tx.commit().await?;
        return Ok(None);
    }
    let funnel = funnel_in(&mut tx, id).await?;
    let events = insert_events(
        &mut tx,
        vec![campaign_event(
            EventKind::CampaignFinished,
            json!({"campaign": id, "funnel": funnel.total}),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(events))
}

/// The earliest time a pending row of a running campaign is due.
pub async fn next_due(pool: &Pool) -> StoreResult<Option<Millis>> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT min(s.next_attempt_at) FROM campaign_sends s \
         JOIN campaigns c ON c.id = s.campaign_id \
         WHERE c.state = 'running' AND s.state = 'pending'",
    )
    .fetch_one(pool)
    .await?;
    Ok(at.map(Millis))
}

/// Ends the leases of cancelled campaigns that ran out (their worker stopped after the
/// cancel, before recording what it sent): their rows fail as cancelled, saying the message
/// may have arrived. Returns how many rows were settled.
pub async fn settle_cancelled(pool: &Pool, now: Millis) -> StoreResult<u64> {
    let expired: Vec<(i64, i64, sqlx::types::Json<Vec<i64>>)> = sqlx::query_as(
        "SELECT l.id, l.campaign_id, l.contacts FROM campaign_leases l \
         JOIN campaigns c ON c.id = l.campaign_id \
         WHERE c.state = 'cancelled' AND l.expires_at < $1",
    )
    .bind(now.0)
    .fetch_all(pool)
    .await?;
    let mut settled = 0;
    for (lease, campaign, contacts) in expired {
        let mut tx = begin(pool).await?;
        settled += sqlx::query(&format!(
            "UPDATE campaign_sends SET state = 'failed', \
             error = '{CANCELLED}; its sender stopped while sending, so it may have arrived' \
             WHERE campaign_id = $1 AND {} AND state = 'pending'",
            in_json_ids("contact_id", "$2")
        ))
        .bind(campaign)
        .bind(&contacts)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM campaign_leases WHERE id = $1")
            .bind(lease)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(settled)
}

/// Why a row is in doubt (shown in the ledger and the API).
const IN_DOUBT: &str = "in doubt: the sender stopped while this message was with the channel, \
                        which cannot drop a repeat; held so the contact is not messaged twice";

/// Puts a campaign's in-doubt rows back to pending and the campaign back to running when it
/// had finished (see `Store::resend_in_doubt`).
pub async fn resend_in_doubt(
    pool: &Pool,
    id: CampaignId,
    now: Millis,
) -> StoreResult<(u64, Vec<Event>)> {
    let id = id.get();
    let mut tx = begin(pool).await?;
    let current = load_campaign(&mut tx, id).await?;
    if matches!(current.state, CampaignState::Cancelled) {
        return Err(StoreError::Invalid(format!("campaign {id} is cancelled")));
    }
    let released = sqlx::query(
        "UPDATE campaign_sends SET state = 'pending', next_attempt_at = $2, error = NULL \
         WHERE campaign_id = $1 AND state = 'in_doubt'",
    )
    .bind(id)
    .bind(now.0)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if released == 0 {
        tx.commit().await?;
        return Ok((0, Vec::new()));
    }
    sqlx::query(
        "UPDATE campaigns SET state = 'running', finished_at = NULL, updated_at = $2 \
         WHERE id = $1 AND state = 'finished'",
    )
    .bind(id)
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    let events = insert_events(
        &mut tx,
        vec![campaign_event(
            EventKind::CampaignProgress,
            json!({"campaign": id, "resent_in_doubt": released}),
        )],
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((released, events))
}
