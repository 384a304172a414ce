//! The one predicate that limits conversations to what a caller may see (see
//! `domain::access::Visibility`), and the checks built on it. (Compiled once per backend.)

use super::Db;
use super::common::Pool;
use crate::domain::access::Visibility;
use crate::domain::{ContactId, ConversationId, MessageId};
use crate::store::StoreResult;

/// ` AND (…)`: the conversation whose columns are prefixed `alias.` is visible under
/// `visibility` (empty for `All`). Every query that lists or acts on conversations appends
/// this, so pages and counts are computed over visible rows only.
///
/// It is text rather than binds so that queries built with numbered parameters (the queue)
/// and with `QueryBuilder` use the very same predicate. Nothing from a request goes in: the
/// agent id is an integer, and team and channel names come from the configuration and are
/// quoted as SQL string literals.
pub fn visible_sql(alias: &str, visibility: &Visibility) -> String {
    let Visibility::OwnTeams {
        agent,
        team_channels,
    } = visibility
    else {
        return String::new();
    };
    let Some(agent) = agent else {
        return " AND 1 = 0".into();
    };
    let agent = agent.get();
    let mut sql = format!(
        " AND ({alias}.assignee_id = {agent} \
         OR {alias}.team_id IN (SELECT team_id FROM team_members WHERE agent_id = {agent})"
    );
    if !team_channels.is_empty() {
        let pairs: Vec<String> = team_channels
            .iter()
            .map(|(team, channel)| {
                format!(
                    "(t.name = {} AND {alias}.channel = {})",
                    literal(team),
                    literal(channel)
                )
            })
            .collect();
        sql.push_str(&format!(
            " OR EXISTS (SELECT 1 FROM team_members tm JOIN teams t ON t.id = tm.team_id \
             WHERE tm.agent_id = {agent} AND ({}))",
            pairs.join(" OR ")
        ));
    }
    sql.push(')');
    sql
}

/// `text` as an SQL string literal: quotes doubled, which both SQLite and PostgreSQL (with
/// its default `standard_conforming_strings`) read back as `text`.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Whether conversation `id` exists and is visible.
pub async fn conversation_visible(
    pool: &Pool,
    id: ConversationId,
    visibility: &Visibility,
) -> StoreResult<bool> {
    let mut sql =
        sqlx::QueryBuilder::<Db>::new("SELECT count(*) FROM conversations c WHERE c.id = ");
    sql.push_bind(id.get());
    sql.push(visible_sql("c", visibility));
    let count: i64 = sql.build_query_scalar().fetch_one(pool).await?;
    Ok(count > 0)
}

/// Whether message `id` exists and its conversation is visible.
pub async fn message_visible(
    pool: &Pool,
    id: MessageId,
    visibility: &Visibility,
) -> StoreResult<bool> {
    let mut sql = sqlx::QueryBuilder::<Db>::new(
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.id = ",
    );
    sql.push_bind(id.get());
    sql.push(visible_sql("c", visibility));
    let count: i64 = sql.build_query_scalar().fetch_one(pool).await?;
    Ok(count > 0)
}

/// Whether at least one conversation of `contact` is visible (a limited agent sees a contact
/// only through a conversation it may see).
pub async fn contact_visible(
    pool: &Pool,
    contact: ContactId,
    visibility: &Visibility,
) -> StoreResult<bool> {
    if *visibility == Visibility::All {
        return Ok(true);
    }
    let mut sql = sqlx::QueryBuilder::<Db>::new(
        "SELECT count(*) FROM (SELECT 1 FROM conversations c WHERE c.contact_id = ",
    );
    sql.push_bind(contact.get());
    sql.push(visible_sql("c", visibility));
    sql.push(" LIMIT 1) visible");
    let count: i64 = sql.build_query_scalar().fetch_one(pool).await?;
    Ok(count > 0)
}
