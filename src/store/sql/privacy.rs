//! What the store holds about one contact, read for its export (right of access), and the
//! schema as the database reports it. (Compiled once per backend.)

use super::IS_POSTGRES;
use super::common::Pool;
use crate::domain::{ContactId, ConversationId, Event, Message, MessageId, Revision};
use crate::store::StoreResult;
use crate::store::privacy::{
    AssistJobRecord, AutoReplyRecord, CampaignSendRecord, ConsentRecord, OutboxRecord,
    ReportFactRecord, ReportRecord, SuppressionRecord, TableColumns, TimerRecord,
    WebChatContinuationRecord, WebChatVisitorRecord, WebhookDeliveryRecord,
};
use crate::store::rows::{EventRow, MessageRow, message_columns};

/// The conversations of `contact`, oldest first.
pub async fn conversation_ids(pool: &Pool, contact: ContactId) -> StoreResult<Vec<ConversationId>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id")
            .bind(contact.get())
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().map(ConversationId::new).collect())
}

/// Up to `limit` messages of `conversation` after message id `after`, oldest first.
pub async fn messages_after(
    pool: &Pool,
    conversation: ConversationId,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.conversation_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3"
    ))
    .bind(conversation.get())
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Message::try_from).collect()
}

/// Earlier texts of message `id`, oldest first.
pub async fn revisions(pool: &Pool, id: MessageId) -> StoreResult<Vec<Revision>> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT text, html, replaced_at FROM message_revisions WHERE message_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(text, html, at)| Revision {
            text,
            html,
            replaced_at: crate::domain::Millis(at).to_datetime(),
        })
        .collect())
}

/// The outbox rows of the messages of `conversation`.
pub async fn outbox(pool: &Pool, conversation: ConversationId) -> StoreResult<Vec<OutboxRecord>> {
    Ok(sqlx::query_as(
        "SELECT o.message_id, o.lane, o.state, o.attempts, o.last_error, o.created_at, o.updated_at \
         FROM outbox o JOIN messages m ON m.id = o.message_id \
         WHERE m.conversation_id = $1 ORDER BY o.message_id",
    )
    .bind(conversation.get())
    .fetch_all(pool)
    .await?)
}

/// The rule engine's pending timers of `conversation`.
pub async fn timers(pool: &Pool, conversation: ConversationId) -> StoreResult<Vec<TimerRecord>> {
    Ok(sqlx::query_as(
        "SELECT kind, due_at FROM automation_timers WHERE conversation_id = $1 ORDER BY due_at",
    )
    .bind(conversation.get())
    .fetch_all(pool)
    .await?)
}

/// Agent assist's jobs on `conversation`.
pub async fn assist_jobs(
    pool: &Pool,
    conversation: ConversationId,
) -> StoreResult<Vec<AssistJobRecord>> {
    Ok(sqlx::query_as(
        "SELECT kind, message_id, detail, attempts, last_error, created_at, done_at          FROM assist_jobs WHERE conversation_id = $1 ORDER BY id",
    )
    .bind(conversation.get())
    .fetch_all(pool)
    .await?)
}

/// Marketing consents of `contact`, with their proof.
pub async fn consents(pool: &Pool, contact: ContactId) -> StoreResult<Vec<ConsentRecord>> {
    Ok(sqlx::query_as(
        "SELECT channel, status, source, proof, changed_at FROM contact_consents \
         WHERE contact_id = $1 ORDER BY channel",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// Suppressions of the contact's addresses: its identities and its profile email and phone.
pub async fn suppressions(pool: &Pool, contact: ContactId) -> StoreResult<Vec<SuppressionRecord>> {
    Ok(sqlx::query_as(
        "SELECT s.scope, s.address, s.reason, s.channel, s.created_at FROM suppressions s \
         WHERE EXISTS (SELECT 1 FROM contact_identities i \
                       WHERE i.contact_id = $1 AND i.scope = s.scope AND i.external_id = s.address) \
            OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = $1 \
                       AND ((s.scope = 'email' AND lower(s.address) = lower(c.email)) \
                         OR (s.scope = 'phone' AND s.address = c.phone))) \
         ORDER BY s.scope, s.address",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// The campaign ledger rows of `contact` (its sends and funnel times).
pub async fn campaign_sends(
    pool: &Pool,
    contact: ContactId,
) -> StoreResult<Vec<CampaignSendRecord>> {
    Ok(sqlx::query_as(
        "SELECT campaign_id, channel, address, state, attempts, external_id, error, sent_at, \
         delivered_at, read_at, opened_at, clicked_at, replied_at, unsubscribed_at \
         FROM campaign_sends WHERE contact_id = $1 ORDER BY campaign_id",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// The automatic replies sent to `contact`.
pub async fn auto_replies(pool: &Pool, contact: ContactId) -> StoreResult<Vec<AutoReplyRecord>> {
    Ok(sqlx::query_as(
        "SELECT channel, template, sent_at FROM auto_replies WHERE contact_id = $1 ORDER BY sent_at",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// A `message_parts` row as read for an export.
type MessagePartRow = (String, String, i64, i64, String, i64, Option<i64>);

/// Parts of long SMS messages sent from `contact`'s identities.
pub async fn message_parts(
    pool: &Pool,
    contact: ContactId,
) -> StoreResult<Vec<crate::store::privacy::MessagePartRecord>> {
    // The payload is JSON text on both backends (a TEXT column): decoded here.
    let rows: Vec<MessagePartRow> = sqlx::query_as(
        "SELECT p.channel, p.external_id, p.part_index, p.part_total, p.payload, p.received_at, \
         p.joined_at FROM message_parts p JOIN contact_identities i \
           ON i.scope = p.sender_scope AND i.external_id = p.sender_id \
         WHERE i.contact_id = $1 ORDER BY p.received_at, p.part_index",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(channel, external_id, part_index, part_total, payload, received_at, joined_at)| {
                let payload = serde_json::from_str(&payload).map_err(|err| {
                    crate::store::StoreError::Corrupt(format!("a stored message part: {err}"))
                })?;
                Ok(crate::store::privacy::MessagePartRecord {
                    channel,
                    external_id,
                    part_index,
                    part_total,
                    payload: sqlx::types::Json(payload),
                    received_at,
                    joined_at,
                })
            },
        )
        .collect()
}

/// What `contact` told website chat widgets (rows of their web chat identities).
pub async fn web_chat_visitors(
    pool: &Pool,
    contact: ContactId,
) -> StoreResult<Vec<WebChatVisitorRecord>> {
    Ok(sqlx::query_as(
        "SELECT v.channel, v.visitor, v.name, v.email, v.attributes, v.created_at, v.updated_at \
         FROM web_chat_visitors v JOIN contact_identities i \
           ON i.scope = 'web_chat:' || v.channel AND i.external_id = v.visitor \
         WHERE i.contact_id = $1 ORDER BY v.created_at",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// The satisfaction surveys of `contact`'s conversations.
pub async fn csat_surveys(
    pool: &Pool,
    contact: ContactId,
) -> StoreResult<Vec<crate::store::privacy::CsatSurveyRecord>> {
    Ok(sqlx::query_as(
        "SELECT s.conversation_id, s.channel, s.sent_at, s.expires_at, s.rating, s.answered_at \
         FROM csat_surveys s JOIN conversations c ON c.id = s.conversation_id \
         WHERE c.contact_id = $1 ORDER BY s.conversation_id",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// Where `contact`'s web chat answers went by email.
pub async fn web_chat_continuations(
    pool: &Pool,
    contact: ContactId,
) -> StoreResult<Vec<WebChatContinuationRecord>> {
    Ok(sqlx::query_as(
        "SELECT w.conversation_id, w.email_channel, w.address, w.emailed_up_to, w.updated_at \
         FROM web_chat_continuations w JOIN conversations c ON c.id = w.conversation_id \
         WHERE c.contact_id = $1 ORDER BY w.conversation_id",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// The reporting records of `contact`'s conversations.
pub async fn report_records(pool: &Pool, contact: ContactId) -> StoreResult<Vec<ReportRecord>> {
    Ok(sqlx::query_as(
        "SELECT r.conversation_id, r.channel, r.created_at, r.first_response_ms, \
           r.first_response_bh_ms, r.resolution_ms, r.resolution_bh_ms, r.replies, r.reopenings, \
           c.messages_in, r.messages_out, r.sla_met, r.sla_missed, r.csat_rating, r.labels \
         FROM report_conversations r JOIN conversations c ON c.id = r.conversation_id \
         WHERE c.contact_id = $1 ORDER BY r.conversation_id",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// The reporting facts of `contact`'s conversations.
pub async fn report_facts(pool: &Pool, contact: ContactId) -> StoreResult<Vec<ReportFactRecord>> {
    Ok(sqlx::query_as(
        "SELECT f.conversation_id, f.fact, f.hour, f.value \
         FROM report_facts f JOIN conversations c ON c.id = f.conversation_id \
         WHERE c.contact_id = $1 ORDER BY f.conversation_id, f.hour, f.fact",
    )
    .bind(contact.get())
    .fetch_all(pool)
    .await?)
}

/// The condition on `events e` that makes an event one about contact `$1`: it names the
/// contact or one of its conversations.
pub const ABOUT_CONTACT: &str = "(e.contact_id = $1 OR e.conversation_id IN \
     (SELECT id FROM conversations WHERE contact_id = $1))";

/// Up to `limit` events about `contact` after event id `after`, oldest first.
pub async fn events_after(
    pool: &Pool,
    contact: ContactId,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    let sql = format!(
        "SELECT e.id, e.kind, e.conversation_id, e.contact_id, e.message_id, e.agent_id, e.data, \
         e.created_at FROM events e WHERE {ABOUT_CONTACT} AND e.id > $2 ORDER BY e.id LIMIT $3"
    );
    let rows: Vec<EventRow> = sqlx::query_as(&sql)
        .bind(contact.get())
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(Event::try_from).collect()
}

/// Up to `limit` deliveries to event webhooks of events about `contact`, after delivery id
/// `after`.
pub async fn webhook_deliveries_after(
    pool: &Pool,
    contact: ContactId,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<WebhookDeliveryRecord>> {
    let sql = format!(
        "SELECT d.id, d.subscription_id, d.event_id, d.event_kind, d.state, d.attempts, \
         d.last_status, d.last_error, d.created_at, d.delivered_at \
         FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
         WHERE {ABOUT_CONTACT} AND d.id > $2 ORDER BY d.id LIMIT $3"
    );
    Ok(sqlx::query_as(&sql)
        .bind(contact.get())
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// Every table of the schema with its columns, as the database reports them (SQLite's
/// internal tables included: the export's coverage list must name them too).
pub async fn tables(pool: &Pool) -> StoreResult<Vec<TableColumns>> {
    let sql = if IS_POSTGRES {
        "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         ORDER BY c.table_name, c.ordinal_position"
    } else {
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' ORDER BY m.name, p.cid"
    };
    let rows: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(pool).await?;
    let mut tables: Vec<TableColumns> = Vec::new();
    for (table, column) in rows {
        match tables.last_mut() {
            Some(last) if last.table == table => last.columns.push(column),
            _ => tables.push(TableColumns {
                table,
                columns: vec![column],
            }),
        }
    }
    Ok(tables)
}
