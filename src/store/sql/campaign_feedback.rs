//! What comes back from a campaign: opt-outs (links and keywords), opens and clicks, channel
//! delivery reports, and replies linked to the campaign. (Compiled once per backend.)

use serde_json::json;

use super::audience::{contact_event, write_consent};
use super::campaign_ledger::suppress_in;
use super::common::{Conn, Pool, begin, conversation_event, insert_events};
use crate::domain::{CampaignId, ContactId, ConversationId, Event, EventId, EventKind, Millis};
use crate::store::StoreResult;
use crate::store::audience::ConsentChange;
use crate::store::campaigns::{Engagement, InboundSeen, OptOut, REPLY_WINDOW_MS};

/// The channel and address of a ledger row (see `Store::campaign_send_address`).
pub async fn send_address(
    pool: &Pool,
    campaign: CampaignId,
    contact: ContactId,
) -> StoreResult<Option<(String, String)>> {
    let campaign = campaign.get();
    Ok(sqlx::query_as(
        "SELECT channel, address FROM campaign_sends \
         WHERE campaign_id = $1 AND contact_id = $2 AND channel IS NOT NULL AND address IS NOT NULL",
    )
    .bind(campaign)
    .bind(contact.get())
    .fetch_optional(pool)
    .await?)
}

/// Withdraws consent and suppresses the address (see `Store::opt_out`).
pub async fn opt_out(
    pool: &Pool,
    opt_out: &OptOut,
    now: Millis,
) -> StoreResult<(bool, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let contact = opt_out.contact.get();
    let first = change_consent(&mut tx, opt_out, false, now).await?;
    if let Some((scope, address)) = &opt_out.suppress {
        suppress_in(&mut tx, scope, address, "unsubscribed", &opt_out.kind, now).await?;
    }
    let campaign =
        match opt_out.campaign {
            Some(campaign) => Some(campaign.get()),
            // A keyword names no campaign: it answers the latest one the contact received.
            None => sqlx::query_scalar(
                "SELECT campaign_id FROM campaign_sends WHERE contact_id = $1 AND sent_at >= $2 \
             ORDER BY sent_at DESC LIMIT 1",
            )
            .bind(contact)
            .bind(now.0 - REPLY_WINDOW_MS)
            .fetch_optional(&mut *tx)
            .await?,
        };
    if let Some(campaign) = campaign {
        sqlx::query(
            "UPDATE campaign_sends SET unsubscribed_at = COALESCE(unsubscribed_at, $3) \
             WHERE campaign_id = $1 AND contact_id = $2",
        )
        .bind(campaign)
        .bind(contact)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    }
    let events = if first {
        insert_events(
            &mut tx,
            vec![contact_event(
                EventKind::ContactUnsubscribed,
                contact,
                json!({"channel": opt_out.kind, "campaign": campaign, "source": opt_out.source}),
            )],
            now,
        )
        .await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok((first, events))
}

/// Grants consent again and lifts the suppression and the unreachable mark of the address
/// (an SMS `START`); returns whether consent was not granted before.
pub async fn opt_in(pool: &Pool, opt_in: &OptOut, now: Millis) -> StoreResult<(bool, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let contact = opt_in.contact.get();
    let first = change_consent(&mut tx, opt_in, true, now).await?;
    if let Some((scope, address)) = &opt_in.suppress {
        sqlx::query("DELETE FROM suppressions WHERE scope = $1 AND address = $2")
            .bind(scope)
            .bind(address.trim().to_lowercase())
            .execute(&mut *tx)
            .await?;
        // The customer asked for messages again: whatever made the number unreachable
        // (a refused send after STOP) no longer holds.
        sqlx::query(
            "UPDATE contact_identities SET unreachable_reason = NULL \
             WHERE scope = $1 AND external_id = $2 AND contact_id = $3",
        )
        .bind(scope)
        .bind(address)
        .bind(contact)
        .execute(&mut *tx)
        .await?;
    }
    let events = if first {
        insert_events(
            &mut tx,
            vec![contact_event(
                EventKind::ContactUpdated,
                contact,
                json!({"consent": {"channel": opt_in.kind, "status": "granted", "source": opt_in.source}}),
            )],
            now,
        )
        .await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok((first, events))
}

/// Writes the contact's consent for the change's channel kind as `granted` (or withdrawn) in
/// the ledger; returns whether it was not so before.
async fn change_consent(
    conn: &mut Conn,
    change: &OptOut,
    granted: bool,
    now: Millis,
) -> StoreResult<bool> {
    let contact = change.contact.get();
    let previous: Option<String> = sqlx::query_scalar(
        "SELECT status FROM contact_consents WHERE contact_id = $1 AND channel = $2",
    )
    .bind(contact)
    .bind(&change.kind)
    .fetch_optional(&mut *conn)
    .await?;
    let status = if granted { "granted" } else { "withdrawn" };
    write_consent(
        conn,
        contact,
        &ConsentChange {
            channel: change.kind.clone(),
            granted,
            source: change.source.clone(),
            proof: change.proof.clone(),
        },
        now,
    )
    .await?;
    Ok(previous.as_deref() != Some(status))
}

/// Records the first open or click.
pub async fn engagement(
    pool: &Pool,
    campaign: CampaignId,
    contact: ContactId,
    what: Engagement,
    now: Millis,
) -> StoreResult<()> {
    let campaign = campaign.get();
    // A click implies the message was opened, even when images were blocked.
    let sql = match what {
        Engagement::Opened => {
            "UPDATE campaign_sends SET opened_at = COALESCE(opened_at, $3) \
             WHERE campaign_id = $1 AND contact_id = $2 AND sent_at IS NOT NULL"
        }
        Engagement::Clicked => {
            "UPDATE campaign_sends SET clicked_at = COALESCE(clicked_at, $3), \
             opened_at = COALESCE(opened_at, $3) \
             WHERE campaign_id = $1 AND contact_id = $2 AND sent_at IS NOT NULL"
        }
    };
    sqlx::query(sql)
        .bind(campaign)
        .bind(contact.get())
        .bind(now.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a delivery or read report by the channel's message id.
pub async fn delivery(
    pool: &Pool,
    channel: &str,
    external_id: &str,
    read: bool,
    now: Millis,
) -> StoreResult<bool> {
    let mut conn = pool.acquire().await?;
    let state = if read {
        connector_sdk::DeliveryState::Read
    } else {
        connector_sdk::DeliveryState::Delivered
    };
    let update = connector_sdk::DeliveryUpdate::new(channel, external_id, state);
    delivery_in(&mut conn, &update, now).await
}

/// Applies a channel's delivery report to the campaign ledger (the inbound pipeline calls
/// this next to updating messages): delivered and read times, or a failure after sending.
/// Reports never move a row backwards. False when no ledger row has the id.
pub async fn delivery_in(
    conn: &mut Conn,
    update: &connector_sdk::DeliveryUpdate,
    now: Millis,
) -> StoreResult<bool> {
    let at = update.at.map_or(now.0, |at| at.timestamp_millis());
    let sql = match update.state {
        connector_sdk::DeliveryState::Sent => return Ok(false),
        connector_sdk::DeliveryState::Delivered => {
            "UPDATE campaign_sends SET delivered_at = COALESCE(delivered_at, $3), \
             state = CASE WHEN state = 'sent' THEN 'delivered' ELSE state END \
             WHERE channel = $1 AND external_id = $2 AND sent_at IS NOT NULL"
        }
        connector_sdk::DeliveryState::Read => {
            "UPDATE campaign_sends SET delivered_at = COALESCE(delivered_at, $3), \
             read_at = COALESCE(read_at, $3), \
             state = CASE WHEN state IN ('sent', 'delivered') THEN 'read' ELSE state END \
             WHERE channel = $1 AND external_id = $2 AND sent_at IS NOT NULL"
        }
        connector_sdk::DeliveryState::Failed => {
            "UPDATE campaign_sends SET state = 'failed', \
             error = COALESCE($3, 'the channel reported the delivery failed') \
             WHERE channel = $1 AND external_id = $2 AND sent_at IS NOT NULL \
             AND delivered_at IS NULL"
        }
    };
    let query = sqlx::query(sql)
        .bind(&update.channel)
        .bind(&update.external_id);
    let query = if update.state == connector_sdk::DeliveryState::Failed {
        query.bind(update.error.clone())
    } else {
        query.bind(at)
    };
    let done = query.execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

type InboundRow = (
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Inbound messages after `after` (see `Store::inbound_after`).
pub async fn inbound_after(
    pool: &Pool,
    after: EventId,
    limit: i64,
) -> StoreResult<(Vec<InboundSeen>, Option<EventId>)> {
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT max(id) FROM (SELECT id FROM events WHERE id > $1 ORDER BY id LIMIT $2) AS batch",
    )
    .bind(after.get())
    .bind(limit)
    .fetch_one(pool)
    .await?;
    let Some(last) = last else {
        return Ok((Vec::new(), None));
    };
    let rows: Vec<InboundRow> = sqlx::query_as(
        "SELECT e.id, v.contact_id, v.id, m.channel, m.text, i.scope, i.external_id \
         FROM events e JOIN messages m ON m.id = e.message_id \
         JOIN conversations v ON v.id = m.conversation_id \
         LEFT JOIN contact_identities i ON i.id = v.identity_id \
         WHERE e.id > $1 AND e.id <= $2 AND e.kind = 'message.created' \
         AND m.direction = 'in' AND m.kind = 'message' ORDER BY e.id",
    )
    .bind(after.get())
    .bind(last)
    .fetch_all(pool)
    .await?;
    let seen = rows
        .into_iter()
        .map(
            |(event, contact, conversation, channel, text, scope, external_id)| InboundSeen {
                event: EventId::new(event),
                contact,
                conversation,
                channel,
                text,
                identity: scope.zip(external_id),
            },
        )
        .collect();
    Ok((seen, Some(EventId::new(last))))
}

/// Links replies to campaigns and moves the tail's cursor (see `Store::link_replies`).
pub async fn link_replies(
    pool: &Pool,
    seen: &[InboundSeen],
    window_ms: i64,
    cursor: (&str, EventId),
    now: Millis,
) -> StoreResult<Vec<Event>> {
    // Read first, outside the write transaction: most inbound messages answer no campaign,
    // and SQLite's single write lock must not wait on a lookup per message.
    let mut contacts: Vec<i64> = seen.iter().map(|message| message.contact).collect();
    contacts.sort_unstable();
    contacts.dedup();
    let listed = super::common::in_json_ids("s.contact_id", "$1");
    let candidates: Vec<(i64, i64, String)> = if contacts.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(&format!(
            "SELECT s.contact_id, s.campaign_id, c.name FROM campaign_sends s \
             JOIN campaigns c ON c.id = s.campaign_id \
             WHERE {listed} AND s.sent_at >= $2 AND s.replied_at IS NULL"
        ))
        .bind(sqlx::types::Json(&contacts))
        .bind(now.0 - window_ms)
        .fetch_all(pool)
        .await?
    };
    let mut tx = begin(pool).await?;
    let mut events = Vec::new();
    for message in seen {
        let mut labels = Vec::new();
        for (_, campaign, name) in candidates
            .iter()
            .filter(|(contact, _, _)| *contact == message.contact)
        {
            // The guard makes a second message of the same contact (or a concurrent tail)
            // link nothing twice.
            let linked = sqlx::query(
                "UPDATE campaign_sends SET replied_at = $3 \
                 WHERE campaign_id = $1 AND contact_id = $2 AND replied_at IS NULL",
            )
            .bind(campaign)
            .bind(message.contact)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
            if linked.rows_affected() == 0 {
                continue;
            }
            let label = format!("campaign:{name}");
            sqlx::query(
                "INSERT INTO conversation_labels (conversation_id, label) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(message.conversation)
            .bind(&label)
            .execute(&mut *tx)
            .await?;
            labels.push(json!({"campaign": campaign, "label": label}));
        }
        if !labels.is_empty() {
            events.push(conversation_event(
                EventKind::ConversationUpdated,
                ConversationId::new(message.conversation),
                None,
                json!({"campaign_reply": labels}),
            ));
        }
    }
    let (name, at) = cursor;
    sqlx::query(
        "INSERT INTO worker_cursors (name, event_id) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id \
         WHERE worker_cursors.event_id < excluded.event_id",
    )
    .bind(name)
    .bind(at.get())
    .execute(&mut *tx)
    .await?;
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok(events)
}
