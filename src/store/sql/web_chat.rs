//! Website chat: the visitors' details before they are contacts, what a visitor may read of
//! their conversations, and the email continuation's progress. (Compiled once per backend.)

use serde_json::{Map, Value};
use sqlx::types::Json;

use super::common::{Conn, Pool, begin};
use crate::domain::{ConversationId, ConversationStatus, Message, MessageId, Millis};
use crate::store::rows::{MessageRow, message_columns};
use crate::store::{
    ContinuationClock, ContinuationDue, StoreResult, VisitorPatch, WebChatHistory, WebChatVisitor,
    WebChatVisitorKey,
};

/// What the visitor told the widget, if anything.
pub async fn visitor(
    pool: &Pool,
    key: &WebChatVisitorKey<'_>,
) -> StoreResult<Option<WebChatVisitor>> {
    let mut conn = pool.acquire().await?;
    read_visitor(&mut conn, key).await
}

async fn read_visitor(
    conn: &mut Conn,
    key: &WebChatVisitorKey<'_>,
) -> StoreResult<Option<WebChatVisitor>> {
    let row: Option<(Option<String>, Option<String>, Json<Value>)> = sqlx::query_as(
        "SELECT name, email, attributes FROM web_chat_visitors WHERE channel = $1 AND visitor = $2",
    )
    .bind(key.channel)
    .bind(key.visitor)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(name, email, attributes)| WebChatVisitor {
        name,
        email,
        attributes: match attributes.0 {
            Value::Object(map) => map,
            _ => Map::new(),
        },
    }))
}

/// Records what the visitor told the widget (given fields replace, attributes merge), and
/// copies it to their contact once they have one, in one transaction.
pub async fn save_visitor(
    pool: &Pool,
    key: &WebChatVisitorKey<'_>,
    patch: &VisitorPatch,
    now: Millis,
) -> StoreResult<WebChatVisitor> {
    let mut tx = begin(pool).await?;
    let mut current = read_visitor(&mut tx, key).await?.unwrap_or_default();
    if let Some(name) = &patch.name {
        current.name = Some(name.clone());
    }
    if let Some(email) = &patch.email {
        current.email = Some(email.clone());
    }
    current
        .attributes
        .extend(patch.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
    sqlx::query(
        "INSERT INTO web_chat_visitors (channel, visitor, name, email, attributes, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (channel, visitor) DO UPDATE SET name = excluded.name, \
         email = excluded.email, attributes = excluded.attributes, updated_at = excluded.updated_at",
    )
    .bind(key.channel)
    .bind(key.visitor)
    .bind(&current.name)
    .bind(&current.email)
    .bind(Json(&current.attributes))
    .bind(now.0)
    .execute(&mut *tx)
    .await?;
    let contact: Option<i64> = sqlx::query_scalar(
        "SELECT contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
    )
    .bind(key.scope)
    .bind(key.visitor)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(contact) = contact {
        copy_to_contact(&mut tx, contact, patch, now).await?;
    }
    tx.commit().await?;
    Ok(current)
}

/// The visitor's details on their contact: a given name and email replace the contact's,
/// attributes merge.
async fn copy_to_contact(
    conn: &mut Conn,
    contact: i64,
    patch: &VisitorPatch,
    now: Millis,
) -> StoreResult<()> {
    let stored: Json<Value> = sqlx::query_scalar("SELECT attributes FROM contacts WHERE id = $1")
        .bind(contact)
        .fetch_one(&mut *conn)
        .await?;
    let mut attributes = match stored.0 {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    attributes.extend(patch.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
    sqlx::query(
        "UPDATE contacts SET name = COALESCE($2, name), email = COALESCE($3, email), \
         attributes = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(contact)
    .bind(&patch.name)
    .bind(&patch.email)
    .bind(Json(&attributes))
    .bind(now.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The messages (no notes, no activity lines) of the visitor's conversations on the channel
/// after `after`, oldest first, and the state of the latest conversation.
pub async fn history(
    pool: &Pool,
    key: &WebChatVisitorKey<'_>,
    after: MessageId,
    limit: i64,
) -> StoreResult<WebChatHistory> {
    let mut conn = pool.acquire().await?;
    let identity: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
    )
    .bind(key.scope)
    .bind(key.visitor)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((identity, contact)) = identity else {
        return Ok(WebChatHistory::default());
    };
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "SELECT ",
        message_columns!(),
        " FROM messages m WHERE m.conversation_id IN (SELECT id FROM conversations \
             WHERE contact_id = $1 AND identity_id = $2 AND channel = $3) \
           AND m.id > $4 AND m.kind = 'message' ORDER BY m.id LIMIT $5"
    ))
    .bind(contact)
    .bind(identity)
    .bind(key.channel)
    .bind(after.get())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let messages = rows
        .into_iter()
        .map(Message::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let latest: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, status FROM conversations WHERE contact_id = $1 AND identity_id = $2 \
         AND channel = $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(contact)
    .bind(identity)
    .bind(key.channel)
    .fetch_optional(&mut *conn)
    .await?;
    let latest = match latest {
        Some((id, status)) => Some((
            ConversationId::new(id),
            status.parse::<ConversationStatus>()?,
        )),
        None => None,
    };
    Ok(WebChatHistory { messages, latest })
}

/// The channel and visitor of a web chat conversation: `(channel, scope, visitor)`; `None`
/// for a conversation of another kind (whose identity scope is not `web_chat:`).
pub async fn conversation_visitor(
    pool: &Pool,
    conversation: ConversationId,
) -> StoreResult<Option<(String, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT c.channel, i.scope, i.external_id FROM conversations c \
         JOIN contact_identities i ON i.id = c.identity_id \
         WHERE c.id = $1 AND i.scope LIKE 'web_chat:%'",
    )
    .bind(conversation.get())
    .fetch_optional(pool)
    .await?)
}

/// Claims up to `limit` conversations of `channel` with answers the visitor has not read
/// within the delay (sent at or before `due`, active since `since`) that were not emailed
/// yet, and whose contact has an email address. Each claim holds until `claim_until`, so no
/// other node emails the same answers meanwhile.
pub async fn claim_due_continuations(
    pool: &Pool,
    channel: &str,
    email_channel: &str,
    clock: ContinuationClock,
    limit: i64,
) -> StoreResult<Vec<ContinuationDue>> {
    let ContinuationClock {
        due,
        since,
        now,
        claim_until,
    } = clock;
    let candidates: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT c.id, ct.email, max(m.id) FROM conversations c \
         JOIN contacts ct ON ct.id = c.contact_id \
         JOIN messages m ON m.conversation_id = c.id \
         LEFT JOIN web_chat_continuations w ON w.conversation_id = c.id \
         WHERE c.channel = $1 AND c.last_activity_at >= $2 AND c.last_activity_at <= $3 \
           AND ct.email IS NOT NULL AND ct.email <> '' \
           AND m.direction = 'out' AND m.kind = 'message' \
           AND m.delivery_status IN ('sent', 'delivered') AND m.created_at <= $3 \
           AND m.id > COALESCE(w.emailed_up_to, 0) \
           AND (w.claimed_until IS NULL OR w.claimed_until < $4) \
         GROUP BY c.id, ct.email ORDER BY c.id LIMIT $5",
    )
    .bind(channel)
    .bind(since.0)
    .bind(due.0)
    .bind(now.0)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::new();
    for (conversation, address, up_to) in candidates {
        let mut tx = begin(pool).await?;
        let done = sqlx::query(
            "INSERT INTO web_chat_continuations (conversation_id, email_channel, address, \
             emailed_up_to, claimed_until, updated_at) VALUES ($1, $2, $3, 0, $4, $5) \
             ON CONFLICT (conversation_id) DO UPDATE SET claimed_until = excluded.claimed_until, \
             email_channel = excluded.email_channel, address = excluded.address, \
             updated_at = excluded.updated_at \
             WHERE web_chat_continuations.claimed_until IS NULL \
                OR web_chat_continuations.claimed_until < $5",
        )
        .bind(conversation)
        .bind(email_channel)
        .bind(&address)
        .bind(claim_until.0)
        .bind(now.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            continue;
        }
        let emailed_up_to: i64 = sqlx::query_scalar(
            "SELECT emailed_up_to FROM web_chat_continuations WHERE conversation_id = $1",
        )
        .bind(conversation)
        .fetch_one(&mut *tx)
        .await?;
        let rows: Vec<MessageRow> = sqlx::query_as(concat!(
            "SELECT ",
            message_columns!(),
            " FROM messages m WHERE m.conversation_id = $1 AND m.id > $2 AND m.id <= $3 \
               AND m.direction = 'out' AND m.kind = 'message' \
               AND m.delivery_status IN ('sent', 'delivered') ORDER BY m.id"
        ))
        .bind(conversation)
        .bind(emailed_up_to)
        .bind(up_to)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let messages = rows
            .into_iter()
            .map(Message::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        if messages.is_empty() {
            release_continuation(pool, ConversationId::new(conversation), None, now).await?;
            continue;
        }
        claimed.push(ContinuationDue {
            conversation: ConversationId::new(conversation),
            address,
            up_to: MessageId::new(up_to),
            messages,
        });
    }
    Ok(claimed)
}

/// Ends a claim: with `emailed_up_to`, those answers went out by email; without, the
/// claim is dropped for a later try.
pub async fn release_continuation(
    pool: &Pool,
    conversation: ConversationId,
    emailed_up_to: Option<MessageId>,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE web_chat_continuations SET claimed_until = NULL, updated_at = $3, \
         emailed_up_to = COALESCE($2, emailed_up_to) WHERE conversation_id = $1",
    )
    .bind(conversation.get())
    .bind(emailed_up_to.map(MessageId::get))
    .bind(now.0)
    .execute(pool)
    .await?;
    Ok(())
}

/// Lets the contact's email identity stand for them: `address` becomes an identity of the
/// conversation's contact unless another contact already owns it (then nothing changes: an
/// address the visitor typed never takes over someone else's profile).
pub async fn claim_email_identity(
    pool: &Pool,
    conversation: ConversationId,
    address: &str,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO contact_identities (contact_id, scope, external_id, created_at) \
         SELECT contact_id, 'email', $2, $3 FROM conversations WHERE id = $1 \
         ON CONFLICT (scope, external_id) DO NOTHING",
    )
    .bind(conversation.get())
    .bind(address.trim().to_lowercase())
    .bind(now.0)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest message the customer sent in a conversation.
pub async fn last_inbound(pool: &Pool, conversation: ConversationId) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT max(id) FROM messages WHERE conversation_id = $1 AND direction = 'in' \
         AND kind = 'message'",
    )
    .bind(conversation.get())
    .fetch_one(pool)
    .await?)
}

/// Hands an anonymous visitor's identity, conversations and details to the verified user they
/// turned out to be (`to`), when that user has none yet and no other contact owns their email
/// address (then the user's first message joins that contact instead). Returns whether it did.
pub async fn adopt_visitor(
    pool: &Pool,
    key: &WebChatVisitorKey<'_>,
    to: &str,
    email: Option<&str>,
) -> StoreResult<bool> {
    let mut tx = begin(pool).await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM contact_identities WHERE scope = $1 AND external_id = $2",
    )
    .bind(key.scope)
    .bind(to)
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_some() {
        return Ok(false);
    }
    let identity: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, contact_id FROM contact_identities WHERE scope = $1 AND external_id = $2",
    )
    .bind(key.scope)
    .bind(key.visitor)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((identity, contact)) = identity else {
        return Ok(false);
    };
    if let Some(email) = email {
        let owner: Option<i64> = sqlx::query_scalar(
            "SELECT contact_id FROM contact_identities WHERE scope = 'email' AND external_id = $1",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&mut *tx)
        .await?;
        if owner.is_some_and(|owner| owner != contact) {
            return Ok(false);
        }
    }
    sqlx::query("UPDATE contact_identities SET external_id = $2 WHERE id = $1")
        .bind(identity)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    // A conversation of a sender without a thread of their own is keyed by the sender's id.
    sqlx::query("UPDATE conversations SET thread_key = $3 WHERE channel = $1 AND thread_key = $2")
        .bind(key.channel)
        .bind(key.visitor)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE web_chat_visitors SET visitor = $3 WHERE channel = $1 AND visitor = $2 \
         AND NOT EXISTS (SELECT 1 FROM web_chat_visitors o WHERE o.channel = $1 AND o.visitor = $3)",
    )
    .bind(key.channel)
    .bind(key.visitor)
    .bind(to)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
