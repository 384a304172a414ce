//! The inbound pipeline's write: dedupe → contact → conversation → message → reopen → events.
//! (Compiled once per backend.)
//!
//! Built for group commit: a batch costs a handful of statements, not a handful per message.
//! One lookup answers for every message at once (seen before? known sender? latest conversation
//! of the thread?), the common case (known sender, existing conversation) is then written with one
//! multi-row insert of messages, one multi-row update of conversations and one multi-row insert of
//! events. First contacts with senders (`first_contacts`) and threads seen for the first time
//! (`open_conversations`) cost a few statements for the whole batch, not a few per message.

use std::collections::{HashMap, HashSet};

use connector_sdk::{
    Checkpoint, DeliveryState, DeliveryUpdate, InboundEvent, InboundMessage, MessageEdit, Receipt,
};
use serde_json::json;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, insert_events_as};
use crate::domain::{
    ContactId, ConversationId, ConversationStatus, Event, EventKind, MessageId, Millis,
};
use crate::store::rows::NewEvent;
use crate::store::{StoreError, StoreResult};

/// Longest preview kept on the conversation row for list views.
const PREVIEW_CHARS: usize = 280;

/// What the batch lookup knows about one message before anything is written.
#[derive(sqlx::FromRow)]
struct Lookup {
    idx: i64,
    existing_message: Option<i64>,
    existing_conversation: Option<i64>,
    identity_id: Option<i64>,
    contact_id: Option<i64>,
    conversation_id: Option<i64>,
    conversation_status: Option<String>,
}

/// Where each message of the batch ends up.
enum Outcome {
    /// Stored before this batch.
    Stored { message: i64, conversation: i64 },
    /// A repeat of an earlier message of this batch (by position).
    RepeatOf(usize),
    /// New: goes into the multi-row insert.
    New { conversation: i64, contact: i64 },
}

fn thread_key(message: &InboundMessage) -> &str {
    message
        .thread
        .as_deref()
        .unwrap_or(&message.sender.external_id)
}

/// Stores a batch of channel events in one transaction (group commit): one fsync for many
/// messages, and every caller is answered only after this commit. Checkpoints commit with them.
pub async fn record_events(
    pool: &Pool,
    batch: &[InboundEvent],
    checkpoints: &[Checkpoint],
    fences: &[crate::store::cluster::Fence],
    now: Millis,
    triage: bool,
    schema: crate::store::schema::SchemaFeatures,
) -> StoreResult<(Vec<Receipt>, Vec<Event>)> {
    let count_messages = schema.counts_messages_on_conversations;
    // Holds the merge gate until commit: a merge moving one of these senders' contacts waits
    // for this transaction, or this one for it (see `merges`).
    let mut tx = super::merges::begin_ingest(pool).await?;
    for fence in fences {
        super::cluster::check_fence(&mut tx, fence).await?;
    }
    let mut events = Vec::new();
    // Moves first, so that messages of the same batch already find the thread under its new key.
    for event in batch {
        if let InboundEvent::ThreadMoved { channel, from, to } = event {
            sqlx::query(
                "UPDATE conversations SET thread_key = $3 WHERE channel = $1 AND thread_key = $2",
            )
            .bind(channel)
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
        }
    }
    let messages: Vec<&InboundMessage> = batch
        .iter()
        .filter_map(|event| match event {
            InboundEvent::Message(message) => Some(message),
            _ => None,
        })
        .collect();
    let receipts = record_messages(&mut tx, &messages, now, count_messages, &mut events).await?;
    // Parts of long messages wait for their siblings; a completed message is stored like any
    // other, but gets no receipt (callers count one receipt per `Message` event).
    let mut joined = Vec::new();
    for event in batch {
        if let InboundEvent::Part(part) = event
            && let Some(message) = super::message_parts::add_part(&mut tx, part, now).await?
        {
            joined.push(message);
        }
    }
    if !joined.is_empty() {
        let joined: Vec<&InboundMessage> = joined.iter().collect();
        record_messages(&mut tx, &joined, now, count_messages, &mut events).await?;
    }
    if triage {
        hold_for_triage(&mut tx, &events).await?;
    }
    for event in batch {
        match event {
            InboundEvent::Edited(edit) => apply_edit(&mut tx, edit, now, &mut events).await?,
            InboundEvent::Delivery(update) => {
                apply_delivery(&mut tx, update, now, &mut events).await?;
                // Campaign messages are not in `messages`: their reports go to the ledger.
                super::campaign_feedback::delivery_in(&mut tx, update, now).await?;
            }
            InboundEvent::Suppressed(suppression) => {
                super::email::suppress(&mut tx, suppression, now).await?
            }
            InboundEvent::Reaction(reaction) => {
                super::chat_feedback::apply_reaction(&mut tx, reaction, now, &mut events).await?
            }
            InboundEvent::Read(receipt) => {
                super::chat_feedback::apply_read(&mut tx, receipt, &mut events).await?
            }
            InboundEvent::Reachability(change) => {
                super::chat_feedback::apply_reachability(&mut tx, change, &mut events).await?
            }
            InboundEvent::ThreadAccess(access) => {
                super::chat_feedback::apply_thread_access(&mut tx, access, &mut events).await?
            }
            InboundEvent::CsatAnswer(answer) => {
                apply_csat_answer(&mut tx, answer, now, &mut events).await?
            }
            _ => {}
        }
    }
    for checkpoint in checkpoints {
        sqlx::query(
            "INSERT INTO channel_checkpoints (channel, key, value, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (channel, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(&checkpoint.channel)
        .bind(&checkpoint.key)
        .bind(&checkpoint.value)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
    }
    let events = insert_events_as(&mut tx, events, now, schema).await?;
    tx.commit().await?;
    Ok((receipts, events))
}

/// Files a survey answer pressed on a channel. Only answers whose token the pipeline checked
/// arrive with a conversation; an answer that cannot count (a survey gone, expired, or
/// pressed by someone other than the surveyed contact) is logged and dropped: the channel
/// has nobody to tell but the presser, whom the connector answers either way.
async fn apply_csat_answer(
    conn: &mut Conn,
    answer: &connector_sdk::csat::CsatAnswer,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    let (Some(conversation), Some((rating, _))) =
        (answer.verified_conversation, answer.rating_and_token())
    else {
        return Ok(());
    };
    let respondent = crate::domain::csat::CsatRespondent::Identity {
        scope: answer.from.scope.clone(),
        external_id: answer.from.external_id.clone(),
    };
    let outcome = super::csat::answer_in(
        conn,
        ConversationId::new(conversation),
        rating,
        None,
        &respondent,
        now,
        events,
    )
    .await?;
    if !matches!(outcome, crate::domain::csat::CsatOutcome::Recorded { .. }) {
        tracing::info!(channel = %answer.channel, conversation, ?outcome, "survey answer not counted");
    }
    Ok(())
}

/// Keeps the batch's new conversations away from the router until the rule engine has run
/// their `conversation.created` rules (which may route them elsewhere).
async fn hold_for_triage(conn: &mut Conn, events: &[NewEvent]) -> StoreResult<()> {
    let created: Vec<i64> = events
        .iter()
        .filter(|event| event.kind == EventKind::ConversationCreated)
        .filter_map(|event| event.conversation_id.map(|id| id.get()))
        .collect();
    if created.is_empty() {
        return Ok(());
    }
    sqlx::query(&format!(
        "UPDATE conversations SET triage_pending = TRUE WHERE {}",
        super::common::in_json_ids("id", "$1")
    ))
    .bind(sqlx::types::Json(&created))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The committed checkpoint `key` of `channel`.
pub async fn checkpoint(pool: &Pool, channel: &str, key: &str) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM channel_checkpoints WHERE channel = $1 AND key = $2")
            .bind(channel)
            .bind(key)
            .fetch_optional(pool)
            .await?,
    )
}

/// Replaces a stored inbound message's text, keeping the old one as a revision. An edit of a
/// message we never stored (sent before the channel was connected) is ignored.
async fn apply_edit(
    conn: &mut Conn,
    edit: &MessageEdit,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    let current: Option<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT id, conversation_id, text, html FROM messages \
         WHERE channel = $1 AND external_id = $2 AND direction = 'in'",
    )
    .bind(&edit.channel)
    .bind(&edit.external_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, conversation, text, html)) = current else {
        return Ok(());
    };
    if text == edit.text && html == edit.html {
        return Ok(()); // a redelivered edit
    }
    sqlx::query("INSERT INTO message_revisions (message_id, text, html, replaced_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(&text)
        .bind(&html)
        .bind(now.0)
        .execute(&mut *conn)
        .await?;
    let edited_at = edit.edited_at.map_or(now.0, |at| at.timestamp_millis());
    sqlx::query("UPDATE messages SET text = $2, html = $3, edited_at = $4 WHERE id = $1")
        .bind(id)
        .bind(&edit.text)
        .bind(&edit.html)
        .bind(edited_at)
        .execute(&mut *conn)
        .await?;
    events.push(NewEvent::message_updated(
        conversation,
        id,
        json!({"edited": true}),
    ));
    Ok(())
}

/// Records a channel's status callback on our outbound message. Statuses only move forward
/// (sent → delivered → read; callbacks arrive out of order), except that a failure always wins.
async fn apply_delivery(
    conn: &mut Conn,
    update: &DeliveryUpdate,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<()> {
    let rank = "CASE delivery_status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 \
                WHEN 'read' THEN 3 ELSE 4 END";
    let new_rank = match update.state {
        DeliveryState::Sent => 1,
        DeliveryState::Delivered => 2,
        DeliveryState::Read => 3,
        DeliveryState::Failed => 5,
    };
    let sql = format!(
        "UPDATE messages SET delivery_status = $3, delivery_error = COALESCE($4, delivery_error) \
         WHERE channel = $1 AND external_id = $2 AND direction = 'out' AND {rank} < $5 \
         RETURNING id, conversation_id"
    );
    let changed: Option<(i64, i64)> = sqlx::query_as(&sql)
        .bind(&update.channel)
        .bind(&update.external_id)
        .bind(update.state.as_str())
        .bind(&update.error)
        .bind(new_rank)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id, conversation)) = changed {
        if update.state == DeliveryState::Failed {
            // A failure reported after the send (a bounce) is a failed delivery like one the
            // send itself reported: agents find it in `GET /deliveries?state=failed` with its
            // reason, and may retry it.
            sqlx::query(
                "UPDATE outbox SET state = 'failed', last_error = $2, updated_at = $3 \
                 WHERE message_id = $1 AND state = 'sent'",
            )
            .bind(id)
            .bind(
                update
                    .error
                    .as_deref()
                    .unwrap_or("the channel reported a failure"),
            )
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
        }
        events.push(NewEvent::message_updated(
            conversation,
            id,
            json!({"delivery_status": update.state.as_str(), "error": update.error}),
        ));
    } else if let Some(note) = &update.note {
        // A notice that changes no state (a delay): shown on the message while it is still
        // on its way; a later failure or delivery replaces it.
        let noted: Option<(i64, i64, String)> = sqlx::query_as(
            "UPDATE messages SET delivery_error = $3 \
             WHERE channel = $1 AND external_id = $2 AND direction = 'out' \
               AND delivery_status IN ('queued', 'sent') \
             RETURNING id, conversation_id, delivery_status",
        )
        .bind(&update.channel)
        .bind(&update.external_id)
        .bind(note)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((id, conversation, status)) = noted {
            events.push(NewEvent::message_updated(
                conversation,
                id,
                json!({"delivery_status": status, "note": note}),
            ));
        }
    }
    Ok(())
}

/// Merges channel-reported facts into a contact's attributes.
async fn merge_contact_attributes(
    conn: &mut Conn,
    contact: i64,
    attributes: &serde_json::Map<String, serde_json::Value>,
    now: Millis,
) -> StoreResult<()> {
    let stored: sqlx::types::Json<serde_json::Value> =
        sqlx::query_scalar("SELECT attributes FROM contacts WHERE id = $1")
            .bind(contact)
            .fetch_one(&mut *conn)
            .await?;
    let mut merged = match stored.0 {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let before = merged.clone();
    merged.extend(attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
    if merged != before {
        sqlx::query("UPDATE contacts SET attributes = $2, updated_at = $3 WHERE id = $1")
            .bind(contact)
            .bind(sqlx::types::Json(&merged))
            .bind(now.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The new-message part of [`record_events`].
async fn record_messages(
    tx: &mut Conn,
    batch: &[&InboundMessage],
    now: Millis,
    count_messages: bool,
    events: &mut Vec<NewEvent>,
) -> StoreResult<Vec<Receipt>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let lookups = lookup(tx, batch).await?;
    let newcomers =
        super::first_contacts::resolve(tx, &unknown_senders(batch, &lookups), now, events).await?;

    let mut outcomes = Vec::with_capacity(batch.len());
    // What earlier messages of this batch created or found, so later ones reuse it. A message
    // is a repeat only of one with the same id from the same contact: anyone can put another
    // sender's id (an email Message-ID) on their own message, and must not hide it that way.
    let mut first_seen: HashMap<(&str, &str, i64), usize> = HashMap::new();
    let mut senders: HashMap<(&str, &str), (i64, i64)> = HashMap::new();
    let mut threads: HashMap<(&str, &str), i64> = HashMap::new();
    // New messages with threading hints (email), for replies later in the same batch.
    let mut hinted: super::email::BatchThreads<'_> = HashMap::new();
    // Conversations to bump after the insert: id → their latest message's preview and how
    // many new messages they got.
    let mut touched: HashMap<i64, (String, i64)> = HashMap::new();
    // Those of them a person wrote to: they reopen and wait for an answer. Mail written by a
    // machine (an auto-reply, a bounce we could not match) is stored and shown, but never
    // reopens a conversation or makes one wait.
    let mut waking: HashSet<i64> = HashSet::new();
    // Threads seen for the first time: (first message, contact, identity).
    let mut opening: Vec<(&InboundMessage, i64, i64)> = Vec::new();

    for (position, (&message, found)) in batch.iter().zip(&lookups).enumerate() {
        let key = (message.channel.as_str(), message.external_id.as_str());
        if let (Some(id), Some(conversation)) =
            (found.existing_message, found.existing_conversation)
        {
            outcomes.push(Outcome::Stored {
                message: id,
                conversation,
            });
            continue;
        }
        let sender_key = (
            message.sender.scope.as_str(),
            message.sender.external_id.as_str(),
        );
        let (contact, identity) = match (
            senders.get(&sender_key),
            found.contact_id,
            found.identity_id,
        ) {
            (Some(&known), _, _) => known,
            (None, Some(contact), Some(identity)) => (contact, identity),
            _ => *newcomers.get(&sender_key).ok_or_else(|| {
                StoreError::Corrupt("a new sender of the batch was not resolved".into())
            })?,
        };
        senders.insert(sender_key, (contact, identity));
        if let Some(&earlier) = first_seen.get(&(key.0, key.1, contact)) {
            outcomes.push(Outcome::RepeatOf(earlier));
            continue;
        }
        first_seen.insert((key.0, key.1, contact), position);
        if !message.contact_attributes.is_empty() {
            merge_contact_attributes(tx, contact, &message.contact_attributes, now).await?;
        }

        if let Some(hints) = &message.threading {
            // Email-style: no thread key; the hints are resolved within the sender's contact.
            let placement =
                super::email::place(tx, &message.channel, hints, contact, &hinted).await?;
            let conversation = match placement {
                super::email::Placement::InBatch(id) => id,
                super::email::Placement::Stored(id, status) => {
                    if status.reopens_on_inbound() && !message.automated && !waking.contains(&id) {
                        events.push(NewEvent::conversation(
                            EventKind::ConversationStatusChanged,
                            ConversationId::new(id),
                            json!({"from": status.as_str(), "to": "open", "reason": "inbound message"}),
                        ));
                    }
                    id
                }
                super::email::Placement::New => {
                    open_later(&mut opening, message, contact, identity)
                }
            };
            hinted.insert(key, (conversation, contact));
            touch(&mut touched, &mut waking, conversation, message);
            outcomes.push(Outcome::New {
                conversation,
                contact,
            });
            continue;
        }

        let thread = (message.channel.as_str(), thread_key(message));
        let conversation = match (
            threads.get(&thread),
            found.conversation_id,
            &found.conversation_status,
        ) {
            (Some(&known), _, _) => known,
            (None, Some(id), Some(status)) => {
                let status: ConversationStatus = status.parse()?;
                if status.reopens_on_inbound() && !message.automated {
                    events.push(NewEvent::conversation(
                        EventKind::ConversationStatusChanged,
                        ConversationId::new(id),
                        json!({"from": status.as_str(), "to": "open", "reason": "inbound message"}),
                    ));
                }
                id
            }
            _ => open_later(&mut opening, message, contact, identity),
        };
        threads.insert(thread, conversation);
        touch(&mut touched, &mut waking, conversation, message);
        outcomes.push(Outcome::New {
            conversation,
            contact,
        });
    }

    if !opening.is_empty() {
        let opened = open_conversations(tx, &opening, now, events).await?;
        let real = |id: i64| match usize::try_from(-id) {
            Ok(n) if n >= 1 => opened[n - 1],
            _ => id,
        };
        for outcome in &mut outcomes {
            if let Outcome::New { conversation, .. } = outcome {
                *conversation = real(*conversation);
            }
        }
        touched = touched
            .into_iter()
            .map(|(id, bump)| (real(id), bump))
            .collect();
        waking = waking.into_iter().map(real).collect();
    }
    let new_ids = insert_messages(tx, batch, &outcomes, now).await?;
    for (position, &message) in batch.iter().enumerate() {
        if let (Some(full_text), Outcome::New { .. }) = (&message.full_text, &outcomes[position]) {
            super::email::set_full_text(tx, new_ids[position], full_text).await?;
        }
    }
    let links: Vec<super::chat_feedback::ReplyLink<'_>> = batch
        .iter()
        .zip(&outcomes)
        .zip(&new_ids)
        .filter_map(|((&message, outcome), &id)| match outcome {
            Outcome::New { conversation, .. } => Some(super::chat_feedback::ReplyLink {
                message: id,
                conversation: *conversation,
                channel: &message.channel,
                reply_to: message.reply_to.as_deref()?,
            }),
            _ => None,
        })
        .collect();
    super::chat_feedback::link_replies(tx, &links).await?;
    bump_conversations(tx, &touched, &waking, now, count_messages).await?;

    let mut receipts = Vec::with_capacity(batch.len());
    for (position, (&message, outcome)) in batch.iter().zip(&outcomes).enumerate() {
        let receipt = match outcome {
            Outcome::Stored {
                message: id,
                conversation,
            } => Receipt::new(message.external_id.clone(), *id, *conversation, true),
            Outcome::RepeatOf(earlier) => {
                let id = new_ids[*earlier];
                let Outcome::New { conversation, .. } = outcomes[*earlier] else {
                    return Err(StoreError::Corrupt(
                        "batch repeat of a non-new message".into(),
                    ));
                };
                Receipt::new(message.external_id.clone(), id, conversation, true)
            }
            Outcome::New {
                conversation,
                contact,
            } => {
                let id = new_ids[position];
                events.push(NewEvent {
                    kind: EventKind::MessageCreated,
                    conversation_id: Some(ConversationId::new(*conversation)),
                    contact_id: Some(ContactId::new(*contact)),
                    message_id: Some(MessageId::new(id)),
                    agent_id: None,
                    data: json!({"direction": "in", "kind": "message", "channel": message.channel}),
                });
                Receipt::new(message.external_id.clone(), id, *conversation, false)
            }
        };
        receipts.push(receipt);
    }
    Ok(receipts)
}

/// The first message of each sender of `batch` that no identity knows, in batch order. A
/// message stored before needs no sender.
fn unknown_senders<'a>(
    batch: &[&'a InboundMessage],
    lookups: &[Lookup],
) -> Vec<&'a InboundMessage> {
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    batch
        .iter()
        .zip(lookups)
        .filter(|(_, found)| {
            (found.existing_message.is_none() || found.existing_conversation.is_none())
                && (found.contact_id.is_none() || found.identity_id.is_none())
        })
        .map(|(&message, _)| message)
        .filter(|message| {
            seen.insert((
                message.sender.scope.as_str(),
                message.sender.external_id.as_str(),
            ))
        })
        .collect()
}

/// Records that `message` lands in `conversation`: its preview, one more message, and
/// whether it wakes it.
fn touch(
    touched: &mut HashMap<i64, (String, i64)>,
    waking: &mut HashSet<i64>,
    conversation: i64,
    message: &InboundMessage,
) {
    let entry = touched.entry(conversation).or_default();
    entry.0 = preview(&message.text);
    entry.1 += 1;
    if !message.automated {
        waking.insert(conversation);
    }
}

fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_CHARS).collect()
}

/// One statement for the whole batch: for each message, whether it is stored already, whether
/// its sender is known, and the latest conversation of its thread.
async fn lookup(conn: &mut Conn, batch: &[&InboundMessage]) -> StoreResult<Vec<Lookup>> {
    let keys: Vec<serde_json::Value> = batch
        .iter()
        .map(|m| {
            json!([
                m.channel,
                m.external_id,
                m.sender.scope,
                m.sender.external_id,
                thread_key(m)
            ])
        })
        .collect();
    let input = if IS_POSTGRES {
        "SELECT (n - 1) AS idx, e->>0 AS channel, e->>1 AS external_id, e->>2 AS scope, \
                e->>3 AS sender, e->>4 AS thread_key \
         FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, n)"
    } else {
        "SELECT CAST(key AS INTEGER) AS idx, value->>0 AS channel, value->>1 AS external_id, \
                value->>2 AS scope, value->>3 AS sender, value->>4 AS thread_key \
         FROM json_each($1)"
    };
    // PostgreSQL's planner cannot know the input is small and may hash-join whole tables; a
    // LATERAL join pins it to one index probe per message. SQLite always probes per row.
    let sql = if IS_POSTGRES {
        format!(
            "WITH input AS ({input}) \
             SELECT input.idx, m.id AS existing_message, m.conversation_id AS existing_conversation, \
                    i.id AS identity_id, i.contact_id, c.id AS conversation_id, \
                    c.status AS conversation_status \
             FROM input \
             LEFT JOIN LATERAL (SELECT id, contact_id FROM contact_identities \
                  WHERE scope = input.scope AND external_id = input.sender LIMIT 1) i ON true \
             LEFT JOIN LATERAL (SELECT id, conversation_id FROM messages \
                  WHERE channel = input.channel AND external_id = input.external_id \
                    AND direction = 'in' AND author_id = i.contact_id LIMIT 1) m ON true \
             LEFT JOIN LATERAL (SELECT id, status FROM conversations \
                  WHERE channel = input.channel AND thread_key = input.thread_key \
                  ORDER BY id DESC LIMIT 1) c ON true \
             ORDER BY input.idx"
        )
    } else {
        format!(
            "WITH input AS ({input}) \
             SELECT input.idx, m.id AS existing_message, m.conversation_id AS existing_conversation, \
                    i.id AS identity_id, i.contact_id, c.id AS conversation_id, \
                    c.status AS conversation_status \
             FROM input \
             LEFT JOIN contact_identities i ON i.scope = input.scope \
                  AND i.external_id = input.sender \
             LEFT JOIN messages m ON m.channel = input.channel \
                  AND m.external_id = input.external_id AND m.direction = 'in' \
                  AND m.author_id = i.contact_id \
             LEFT JOIN conversations c ON c.id = (SELECT max(id) FROM conversations \
                  WHERE channel = input.channel AND thread_key = input.thread_key) \
             ORDER BY input.idx"
        )
    };
    let rows: Vec<Lookup> = sqlx::query_as(&sql)
        .bind(sqlx::types::Json(&keys))
        .fetch_all(&mut *conn)
        .await?;
    let in_order = rows.len() == batch.len()
        && rows
            .iter()
            .enumerate()
            .all(|(i, row)| usize::try_from(row.idx).ok() == Some(i));
    if !in_order {
        return Err(StoreError::Corrupt(
            "inbound lookup returned rows out of order".into(),
        ));
    }
    Ok(rows)
}

/// Inserts every new message of the batch in one statement; returns each position's new id
/// (0 for positions that are not new).
async fn insert_messages(
    conn: &mut Conn,
    batch: &[&InboundMessage],
    outcomes: &[Outcome],
    now: Millis,
) -> StoreResult<Vec<i64>> {
    let mut rows = Vec::new();
    let mut positions: HashMap<(&str, &str, i64), usize> = HashMap::new();
    for (position, (&message, outcome)) in batch.iter().zip(outcomes).enumerate() {
        if let Outcome::New {
            conversation,
            contact,
        } = outcome
        {
            let author_type = if message.sender.is_bot {
                "bot"
            } else {
                "contact"
            };
            let attachments = serde_json::to_string(&message.attachments)
                .map_err(|err| StoreError::Invalid(format!("attachments: {err}")))?;
            rows.push(json!([
                conversation,
                message.channel,
                author_type,
                contact,
                message.text,
                message.html,
                attachments,
                message.external_id,
                message.sent_at.map(|at| at.timestamp_millis()),
                message.automated,
                message.redacted.then_some("auto"),
            ]));
            positions.insert(
                (
                    message.channel.as_str(),
                    message.external_id.as_str(),
                    *contact,
                ),
                position,
            );
        }
    }
    let mut ids = vec![0; batch.len()];
    if rows.is_empty() {
        return Ok(ids);
    }
    let sql = if IS_POSTGRES {
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
             text, html, attachments, external_id, sent_at, automated, redacted, created_at) \
         SELECT (e->>0)::bigint, e->>1, 'in', 'message', e->>2, (e->>3)::bigint, e->>4, e->>5, \
             (e->>6)::jsonb, e->>7, (e->>8)::bigint, (e->>9)::boolean, e->>10, $2 \
         FROM jsonb_array_elements($1) WITH ORDINALITY AS t(e, n) ORDER BY n \
         RETURNING id, channel, external_id, author_id"
    } else {
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
             text, html, attachments, external_id, sent_at, automated, redacted, created_at) \
         SELECT value->>0, value->>1, 'in', 'message', value->>2, value->>3, value->>4, \
             value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, $2 \
         FROM json_each($1) ORDER BY key \
         RETURNING id, channel, external_id, author_id"
    };
    let inserted: Vec<(i64, String, Option<String>, Option<i64>)> = sqlx::query_as(sql)
        .bind(sqlx::types::Json(&rows))
        .bind(now.0)
        .fetch_all(&mut *conn)
        .await?;
    // RETURNING order is not guaranteed: match rows back by their unique key.
    for (id, channel, external_id, author) in inserted {
        let external_id = external_id.unwrap_or_default();
        let position = positions
            .get(&(
                channel.as_str(),
                external_id.as_str(),
                author.unwrap_or_default(),
            ))
            .ok_or_else(|| StoreError::Corrupt("inserted message not in batch".into()))?;
        ids[*position] = id;
    }
    Ok(ids)
}

/// Records activity on every touched conversation in one statement: last activity, preview,
/// count of customer messages, waiting clock, and reopening a snoozed or resolved one.
async fn bump_conversations(
    conn: &mut Conn,
    touched: &HashMap<i64, (String, i64)>,
    waking: &HashSet<i64>,
    now: Millis,
    count_messages: bool,
) -> StoreResult<()> {
    if touched.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = touched
        .iter()
        .map(|(id, (text, count))| json!([id, text, i32::from(waking.contains(id)), count]))
        .collect();
    let input = if IS_POSTGRES {
        "SELECT (e->>0)::bigint AS id, e->>1 AS preview, (e->>2)::int AS wakes, \
                (e->>3)::bigint AS count \
         FROM jsonb_array_elements($1) AS t(e)"
    } else {
        "SELECT value->>0 AS id, value->>1 AS preview, value->>2 AS wakes, value->>3 AS count \
         FROM json_each($1)"
    };
    // On PostgreSQL the id list keeps the planner on the primary key instead of a hash join
    // over the whole table.
    let only_these = if IS_POSTGRES {
        " AND conversations.id = ANY(ARRAY(SELECT (e->>0)::bigint FROM jsonb_array_elements($1) AS t(e)))"
    } else {
        ""
    };
    // A store acting as a release from before the count (the rolling-upgrade tests) has no
    // column to count in.
    let count = if count_messages {
        "messages_in = messages_in + u.count,"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE conversations SET last_activity_at = $2, last_message = u.preview, \
             {count} \
             waiting_since = CASE WHEN u.wakes = 1 THEN COALESCE(waiting_since, $2) ELSE waiting_since END, \
             status = CASE WHEN u.wakes = 1 AND status IN ('snoozed', 'resolved') THEN 'open' ELSE status END, \
             resolved_at = CASE WHEN u.wakes = 1 AND status IN ('snoozed', 'resolved') THEN NULL ELSE resolved_at END, \
             snoozed_until = CASE WHEN u.wakes = 1 AND status IN ('snoozed', 'resolved') THEN NULL ELSE snoozed_until END \
         FROM ({input}) AS u WHERE conversations.id = u.id{only_these}"
    );
    sqlx::query(&sql)
        .bind(sqlx::types::Json(&rows))
        .bind(now.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Puts `message`'s new thread on the list of conversations the batch opens after its loop
/// (one statement for all), and returns the stand-in id it goes by until then: the negative
/// of its place on the list, counted from 1.
fn open_later<'a>(
    opening: &mut Vec<(&'a InboundMessage, i64, i64)>,
    message: &'a InboundMessage,
    contact: i64,
    identity: i64,
) -> i64 {
    opening.push((message, contact, identity));
    -(opening.len() as i64)
}

/// Opens a conversation for each thread of `opening` (first message, contact, identity), in
/// one statement; returns their ids in the same order.
async fn open_conversations(
    conn: &mut Conn,
    opening: &[(&InboundMessage, i64, i64)],
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<Vec<i64>> {
    let rows: Vec<serde_json::Value> = opening
        .iter()
        .map(|(message, contact, identity)| {
            // Machine-written messages open a conversation to be seen, not one waiting for
            // an answer.
            let waiting_since = (!message.automated).then_some(now.0);
            json!([
                message.channel,
                contact,
                identity,
                opened_key(message),
                waiting_since,
                message
                    .threading
                    .as_ref()
                    .and_then(|hints| hints.subject.as_deref())
            ])
        })
        .collect();
    let sql = if IS_POSTGRES {
        "INSERT INTO conversations (channel, contact_id, identity_id, thread_key, status, \
             priority, created_at, last_activity_at, waiting_since, subject) \
         SELECT e->>0, (e->>1)::bigint, (e->>2)::bigint, e->>3, 'open', 'normal', $2, $2, \
             (e->>4)::bigint, e->>5 \
         FROM jsonb_array_elements($1) AS t(e) RETURNING id, channel, thread_key, contact_id"
    } else {
        "INSERT INTO conversations (channel, contact_id, identity_id, thread_key, status, \
             priority, created_at, last_activity_at, waiting_since, subject) \
         SELECT value->>0, value->>1, value->>2, value->>3, 'open', 'normal', $2, $2, \
             value->>4, value->>5 \
         FROM json_each($1) RETURNING id, channel, thread_key, contact_id"
    };
    let inserted: Vec<(i64, String, String, i64)> = sqlx::query_as(sql)
        .bind(sqlx::types::Json(&rows))
        .bind(now.0)
        .fetch_all(&mut *conn)
        .await?;
    // A batch opens a thread once, and an email's own id once per sender (a repeat from the
    // same contact never gets this far), so (channel, key, contact) names one row.
    let by_thread: HashMap<(&str, &str, i64), i64> = inserted
        .iter()
        .map(|(id, channel, key, contact)| ((channel.as_str(), key.as_str(), *contact), *id))
        .collect();
    let mut ids = Vec::with_capacity(opening.len());
    for (message, contact, _) in opening {
        let id = *by_thread
            .get(&(message.channel.as_str(), opened_key(message), *contact))
            .ok_or_else(|| {
                StoreError::Corrupt("an opened conversation came back missing".into())
            })?;
        let mut event = NewEvent::conversation(
            EventKind::ConversationCreated,
            ConversationId::new(id),
            json!({"channel": message.channel}),
        );
        event.contact_id = Some(ContactId::new(*contact));
        events.push(event);
        ids.push(id);
    }
    Ok(ids)
}

/// The thread key a conversation opened by `message` is stored under. A message with threading
/// hints (email) that joined nothing starts a thread of its own, keyed by its id (and named by
/// its subject); any other by its channel's thread key.
fn opened_key(message: &InboundMessage) -> &str {
    match &message.threading {
        Some(_) => message.external_id.as_str(),
        None => thread_key(message),
    }
}
