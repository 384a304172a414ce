//! Satisfaction surveys (CSAT): one per conversation, sent by automation in the transaction
//! that queues its message, answered in the transaction that files the answer's reporting
//! fact (and, with a comment, the comment's message). Tokens are checked before this layer.
//! (Compiled once per backend.)

use serde_json::json;

use super::common::{Conn, Pool, begin, conversation, conversation_event, insert_events};
use super::messages::{add_reply_in, message_event};
use super::reporting::record_csat;
use crate::domain::csat::{CsatOutcome, CsatRespondent, CsatSurvey, MAX_COMMENT_CHARS};
use crate::domain::report::CsatFact;
use crate::domain::{ConversationId, Event, EventKind, Millis, Rendered};
use crate::store::rows::NewEvent;
use crate::store::{Lane, NewReply, ReplyAuthor, StoreResult};

type SurveyRow = (i64, String, i64, i64, Option<i64>, Option<i64>);

fn survey(row: SurveyRow) -> CsatSurvey {
    let (conversation, channel, sent_at, expires_at, rating, answered_at) = row;
    CsatSurvey {
        conversation: ConversationId::new(conversation),
        channel,
        sent_at: Millis(sent_at).to_datetime(),
        expires_at: Millis(expires_at).to_datetime(),
        rating: rating.and_then(|r| u8::try_from(r).ok()),
        answered_at: answered_at.map(|at| Millis(at).to_datetime()),
    }
}

/// The survey of `conversation`, if one was sent.
pub async fn find(pool: &Pool, conversation: ConversationId) -> StoreResult<Option<CsatSurvey>> {
    let row: Option<SurveyRow> = sqlx::query_as(
        "SELECT conversation_id, channel, sent_at, expires_at, rating, answered_at \
         FROM csat_surveys WHERE conversation_id = $1",
    )
    .bind(conversation.get())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(survey))
}

/// The survey that message `message` carried, with the conversation's id.
pub async fn find_by_message(pool: &Pool, message: i64) -> StoreResult<Option<CsatSurvey>> {
    let row: Option<SurveyRow> = sqlx::query_as(
        "SELECT conversation_id, channel, sent_at, expires_at, rating, answered_at \
         FROM csat_surveys WHERE message_id = $1",
    )
    .bind(message)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(survey))
}

/// Queues the survey message of `id`, unless the conversation had one already (then `None`
/// and nothing is written): the survey row, its message with the outbox row, and the
/// `csat_sent` fact, in the caller's transaction.
pub async fn send_in(
    conn: &mut Conn,
    id: ConversationId,
    rendered: &Rendered,
    expires_at: Millis,
    now: Millis,
) -> StoreResult<Option<Vec<Event>>> {
    let conv = conversation(conn, id).await?;
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO csat_surveys (conversation_id, channel, sent_at, expires_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (conversation_id) DO NOTHING \
         RETURNING conversation_id",
    )
    .bind(id.get())
    .bind(&conv.channel)
    .bind(now.0)
    .bind(expires_at.0)
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok(None);
    }
    let reply = NewReply::from_rendered(rendered.clone(), id, ReplyAuthor::Bot, Lane::Reply);
    let (message, events) = add_reply_in(conn, &reply, now).await?;
    sqlx::query("UPDATE csat_surveys SET message_id = $2 WHERE conversation_id = $1")
        .bind(id.get())
        .bind(message.id.get())
        .execute(&mut *conn)
        .await?;
    record_csat(conn, id, CsatFact::Sent, now).await?;
    Ok(Some(events))
}

/// Files an answer to the survey of `id` (a later answer replaces an earlier one), with an
/// optional comment stored as the customer's message, in one transaction.
pub async fn answer(
    pool: &Pool,
    id: ConversationId,
    rating: u8,
    comment: Option<&str>,
    respondent: &CsatRespondent,
    now: Millis,
) -> StoreResult<(CsatOutcome, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let mut events = Vec::new();
    let outcome = answer_in(&mut tx, id, rating, comment, respondent, now, &mut events).await?;
    let events = insert_events(&mut tx, events, now).await?;
    tx.commit().await?;
    Ok((outcome, events))
}

/// [`answer`] in the caller's transaction; the events go to `events`. Only
/// [`CsatOutcome::Recorded`] writes anything.
pub async fn answer_in(
    conn: &mut Conn,
    id: ConversationId,
    rating: u8,
    comment: Option<&str>,
    respondent: &CsatRespondent,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<CsatOutcome> {
    if !connector_sdk::csat::RATINGS.contains(&rating) {
        return Err(crate::store::StoreError::Invalid(
            "rating: must be 1 to 5".into(),
        ));
    }
    let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.contact_id, s.expires_at, s.rating FROM csat_surveys s \
         JOIN conversations c ON c.id = s.conversation_id WHERE s.conversation_id = $1",
    )
    .bind(id.get())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((contact, expires_at, previous)) = row else {
        return Ok(CsatOutcome::NotSurveyed);
    };
    if expires_at <= now.0 {
        return Ok(CsatOutcome::Expired);
    }
    if let CsatRespondent::Identity { scope, external_id } = respondent {
        let owner: Option<i64> = sqlx::query_scalar(
            "SELECT contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
        )
        .bind(scope)
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?;
        if owner != Some(contact) {
            return Ok(CsatOutcome::NotTheirs);
        }
    }
    let previous = previous.and_then(|r| u8::try_from(r).ok());
    let comment: Option<String> = comment
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| text.chars().take(MAX_COMMENT_CHARS).collect());
    let comment_message = match &comment {
        Some(text) => Some(add_comment(conn, id, contact, text, now, events).await?),
        None => None,
    };
    sqlx::query(
        "UPDATE csat_surveys SET rating = $2, answered_at = $3, \
             comment_message_id = COALESCE($4, comment_message_id) WHERE conversation_id = $1",
    )
    .bind(id.get())
    .bind(i64::from(rating))
    .bind(now.0)
    .bind(comment_message)
    .execute(&mut *conn)
    .await?;
    if previous != Some(rating) {
        record_csat(conn, id, CsatFact::Answered { previous, rating }, now).await?;
        events.push(conversation_event(
            EventKind::ConversationUpdated,
            id,
            None,
            json!({"csat": {"rating": rating, "previous": previous}}),
        ));
    }
    Ok(CsatOutcome::Recorded { previous, rating })
}

/// Stores a survey comment as the customer's message. Unlike an inbound message it leaves
/// the conversation's status and waiting time alone: a resolved conversation stays resolved.
async fn add_comment(
    conn: &mut Conn,
    id: ConversationId,
    contact: i64,
    text: &str,
    now: Millis,
    events: &mut Vec<NewEvent>,
) -> StoreResult<i64> {
    let conv = conversation(conn, id).await?;
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
             text, created_at) VALUES ($1, $2, 'in', 'message', 'contact', $3, $4, $5) RETURNING id",
    )
    .bind(id.get())
    .bind(&conv.channel)
    .bind(contact)
    .bind(text)
    .bind(now.0)
    .fetch_one(&mut *conn)
    .await?;
    // Counted like any message the customer wrote (the ingest's bump counts those).
    sqlx::query("UPDATE conversations SET messages_in = messages_in + 1 WHERE id = $1")
        .bind(id.get())
        .execute(&mut *conn)
        .await?;
    let message = super::common::message(conn, message_id).await?;
    let mut event = message_event(&message, Some(conv.contact_id), None);
    if let Some(data) = event.data.as_object_mut() {
        data.insert("csat_comment".into(), json!(true));
    }
    events.push(event);
    Ok(message_id)
}
