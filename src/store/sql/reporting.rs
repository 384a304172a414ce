//! Reporting facts, written in the transactions of the events that cause them: each
//! conversation's record and the hourly rollups that reports read (docs/reports.md).
//! (Compiled once per backend.)
//!
//! Every event the log gets passes through [`on_events`]; it loads what it needs of the
//! conversations concerned in a few statements, works out the facts in memory, and writes
//! the records, the facts and the rollup deltas back in one statement each, so a batch of
//! inbound messages costs the same handful of statements as a single one.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use super::IS_POSTGRES;
use super::common::{Conn, Pool, begin, in_json_ids};
use crate::domain::report::{CsatFact, Dimension, Fact, duration_bin, hour_of};
use crate::domain::sla::{SlaState, Target};
use crate::domain::{ConversationId, ConversationStatus, Event, EventKind, Millis};
use crate::store::{CalendarSpans, RollupRow, SeedRecord, SeedShape, StoreResult};

/// One conversation's record, as stored in `report_conversations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
struct Record {
    conversation_id: i64,
    channel: String,
    created_at: i64,
    waiting_since: Option<i64>,
    first_response_at: Option<i64>,
    first_response_ms: Option<i64>,
    first_response_bh_ms: Option<i64>,
    resolved_at: Option<i64>,
    resolution_ms: Option<i64>,
    resolution_bh_ms: Option<i64>,
    replies: i64,
    reopenings: i64,
    /// Kept here once the conversation is gone; until then `conversations.messages_in`.
    messages_in: i64,
    messages_out: i64,
    sla_met: i64,
    sla_missed: i64,
    csat_rating: Option<i64>,
    /// A JSON array, as stored.
    labels: String,
}

impl Record {
    /// The record among a row's `r_`-prefixed columns, if the conversation has one.
    fn from_prefixed(
        row: &<super::Db as sqlx::Database>::Row,
    ) -> Result<Option<Self>, sqlx::Error> {
        let Some(conversation_id) = row.try_get::<Option<i64>, _>("r_conversation_id")? else {
            return Ok(None);
        };
        Ok(Some(Record {
            conversation_id,
            channel: row.try_get("r_channel")?,
            created_at: row.try_get("r_created_at")?,
            waiting_since: row.try_get("r_waiting_since")?,
            first_response_at: row.try_get("r_first_response_at")?,
            first_response_ms: row.try_get("r_first_response_ms")?,
            first_response_bh_ms: row.try_get("r_first_response_bh_ms")?,
            resolved_at: row.try_get("r_resolved_at")?,
            resolution_ms: row.try_get("r_resolution_ms")?,
            resolution_bh_ms: row.try_get("r_resolution_bh_ms")?,
            replies: row.try_get("r_replies")?,
            reopenings: row.try_get("r_reopenings")?,
            messages_in: row.try_get("r_messages_in")?,
            messages_out: row.try_get("r_messages_out")?,
            sla_met: row.try_get("r_sla_met")?,
            sla_missed: row.try_get("r_sla_missed")?,
            csat_rating: row.try_get("r_csat_rating")?,
            labels: row.try_get("r_labels")?,
        }))
    }
}

/// The columns of [`Record`] that a write of an existing record leaves alone: the ones its
/// first write sets for good, and the message count, which only the conversation-deletion
/// trigger writes (a record loaded in a batch holds a stale copy of it).
const RECORD_COLUMNS_KEPT: &[&str] = &["conversation_id", "channel", "created_at", "messages_in"];

/// The columns of [`Record`], in order.
const RECORD_COLUMNS: &[&str] = &[
    "conversation_id",
    "channel",
    "created_at",
    "waiting_since",
    "first_response_at",
    "first_response_ms",
    "first_response_bh_ms",
    "resolved_at",
    "resolution_ms",
    "resolution_bh_ms",
    "replies",
    "reopenings",
    "messages_in",
    "messages_out",
    "sla_met",
    "sla_missed",
    "csat_rating",
    "labels",
];

/// What a conversation is now, as the facts are counted under it.
#[derive(Debug, Clone)]
struct Now {
    channel: String,
    assignee: Option<i64>,
    team: Option<i64>,
    team_name: Option<String>,
    labels: Vec<String>,
    created_at: i64,
    waiting_since: Option<i64>,
    /// The calendar of its business hours, once looked up (`Some(None)`: none applies).
    calendar: Option<Option<String>>,
}

/// A fact as kept per conversation (`report_facts`).
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct FactRow {
    conversation_id: i64,
    fact: String,
    hour: i64,
    bin: i64,
    value: i64,
    agent_id: Option<i64>,
    team_id: Option<i64>,
}

/// A rollup row's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RollupKey {
    fact: &'static str,
    dimension: &'static str,
    hour: i64,
    key: String,
    bin: i64,
}

/// What one call adds up before writing it.
#[derive(Default)]
struct Batch {
    now: HashMap<i64, Now>,
    records: BTreeMap<i64, Record>,
    /// The records as stored, so that one left as it was is not written again.
    loaded: HashMap<i64, Record>,
    /// Records that may have changed and must be written if they did.
    touched: std::collections::BTreeSet<i64>,
    facts: Vec<FactRow>,
    /// Facts to delete (a CSAT answer replaced).
    dropped_facts: Vec<(i64, String)>,
    rollups: BTreeMap<RollupKey, (i64, i64)>,
}

/// Files the facts of `events` (stored in this transaction) in the conversations' records
/// and the rollups: as pending deltas, or with `pending` false (a schema from before them)
/// in the rollups themselves.
pub async fn on_events(conn: &mut Conn, events: &[Event], pending: bool) -> StoreResult<()> {
    if !crate::store::reports::report_facts_on() {
        return Ok(());
    }
    let conversations: Vec<i64> = events
        .iter()
        .filter(|event| counts(event))
        .filter_map(|event| event.conversation_id.map(|id| id.get()))
        .collect();
    if conversations.is_empty() {
        return Ok(());
    }
    let mut batch = Batch::load(conn, &conversations).await?;
    for event in events.iter().filter(|event| counts(event)) {
        batch.apply(conn, event).await?;
    }
    batch.write(conn, pending).await
}

/// Whether the customer of conversation `id` wrote at all: only then is an answer a response.
async fn has_customer_messages(conn: &mut Conn, id: i64) -> StoreResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 \
           AND direction = 'in' AND kind = 'message')",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Whether an event is one reports count.
fn counts(event: &Event) -> bool {
    match event.kind {
        EventKind::ConversationCreated
        | EventKind::ConversationStatusChanged
        | EventKind::ConversationUpdated => true,
        EventKind::MessageCreated => {
            event.data.get("kind").and_then(|kind| kind.as_str()) == Some("message")
        }
        _ => false,
    }
}

/// Files a CSAT survey sent, or an answer given or changed, for `conversation`.
pub async fn record_csat(
    conn: &mut Conn,
    conversation: ConversationId,
    fact: CsatFact,
    at: Millis,
) -> StoreResult<()> {
    let id = conversation.get();
    let mut batch = Batch::load(conn, &[id]).await?;
    if !batch.now.contains_key(&id) {
        return Ok(());
    }
    match fact {
        CsatFact::Sent => batch.add(id, Fact::CsatSent, at.0, 0, 0, None),
        CsatFact::Answered { rating, .. } => {
            // The answer it replaces leaves every figure it was counted in.
            let earlier: Vec<FactRow> = sqlx::query_as(
                "SELECT conversation_id, fact, hour, bin, value, agent_id, team_id \
                 FROM report_facts WHERE conversation_id = $1 AND fact = $2",
            )
            .bind(id)
            .bind(Fact::CsatAnswer.as_str())
            .fetch_all(&mut *conn)
            .await?;
            for row in &earlier {
                batch.withdraw(row);
            }
            if !earlier.is_empty() {
                batch
                    .dropped_facts
                    .push((id, Fact::CsatAnswer.as_str().to_owned()));
            }
            batch.add(id, Fact::CsatAnswer, at.0, i64::from(rating), 0, None);
            if let Some(record) = batch.records.get_mut(&id) {
                record.csat_rating = Some(i64::from(rating));
            }
        }
    }
    batch.write(conn, true).await
}

/// Files the SLA targets that the change from `before` to `after` met or missed.
pub async fn record_sla(
    conn: &mut Conn,
    conversation: ConversationId,
    before: Option<&SlaState>,
    after: &SlaState,
    at: Millis,
) -> StoreResult<()> {
    let outcomes = sla_outcomes(before, after);
    if outcomes.is_empty() {
        return Ok(());
    }
    let id = conversation.get();
    let mut batch = Batch::load(conn, &[id]).await?;
    if !batch.now.contains_key(&id) {
        return Ok(());
    }
    for (target, met) in outcomes {
        let (fact, bin) = if met {
            (Fact::SlaMet, target_bin(target))
        } else {
            (Fact::SlaMissed, target_bin(target))
        };
        batch.add(id, fact, at.0, bin, 0, None);
        if let Some(record) = batch.records.get_mut(&id) {
            if met {
                record.sla_met += 1;
            } else {
                record.sla_missed += 1;
            }
        }
    }
    batch.write(conn, true).await
}

/// The targets newly met (`true`) or missed (`false`) between two states of one SLA.
fn sla_outcomes(before: Option<&SlaState>, after: &SlaState) -> Vec<(Target, bool)> {
    after
        .targets
        .iter()
        .filter_map(|(target, clock)| {
            let earlier = before
                .filter(|state| state.policy == after.policy)
                .and_then(|state| state.targets.get(target));
            let newly = |now: Option<i64>, then: Option<i64>| now.is_some() && now != then;
            if newly(clock.met_at, earlier.and_then(|c| c.met_at)) {
                Some((*target, true))
            } else if newly(clock.breached_at, earlier.and_then(|c| c.breached_at)) {
                Some((*target, false))
            } else {
                None
            }
        })
        .collect()
}

/// The bin that keeps an SLA outcome's target apart.
fn target_bin(target: Target) -> i64 {
    match target {
        Target::FirstResponse => 0,
        Target::NextResponse => 1,
        Target::Resolution => 2,
    }
}

impl Batch {
    /// Loads the conversations' present state and records; moves the facts of any whose
    /// labels changed since they were counted.
    async fn load(conn: &mut Conn, ids: &[i64]) -> StoreResult<Self> {
        let mut batch = Batch::default();
        // One statement for all three (a statement is most of what a batch costs on the hot
        // path): the conversation, its labels as a JSON array, and its record if it has one.
        let labels = if IS_POSTGRES {
            "(SELECT COALESCE(json_agg(l.label), '[]')::text FROM conversation_labels l \
              WHERE l.conversation_id = c.id)"
        } else {
            "(SELECT json_group_array(l.label) FROM conversation_labels l \
              WHERE l.conversation_id = c.id)"
        };
        let record_columns = RECORD_COLUMNS
            .iter()
            .map(|column| format!("r.{column} AS r_{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT c.id, c.channel, c.assignee_id, c.team_id, t.name AS team_name, c.created_at, \
                 c.waiting_since, {labels} AS labels_now, {record_columns} \
             FROM conversations c LEFT JOIN teams t ON t.id = c.team_id \
                 LEFT JOIN report_conversations r ON r.conversation_id = c.id \
             WHERE {}",
            in_json_ids("c.id", "$1")
        ))
        .bind(sqlx::types::Json(ids))
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let labels_now: Option<String> = row.try_get("labels_now")?;
            let mut labels: Vec<String> = labels_now
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default();
            labels.sort();
            batch.now.insert(
                id,
                Now {
                    channel: row.try_get("channel")?,
                    assignee: row.try_get("assignee_id")?,
                    team: row.try_get("team_id")?,
                    team_name: row.try_get("team_name")?,
                    labels,
                    created_at: row.try_get("created_at")?,
                    waiting_since: row.try_get("waiting_since")?,
                    calendar: None,
                },
            );
            if let Some(record) = Record::from_prefixed(&row)? {
                batch.loaded.insert(id, record.clone());
                batch.records.insert(id, record);
            }
        }
        // A conversation from before reporting began gets its record now, counted under its
        // present labels from here on.
        let fresh: Vec<(i64, Now)> = batch
            .now
            .iter()
            .filter(|(id, _)| !batch.records.contains_key(id))
            .map(|(id, now)| (*id, now.clone()))
            .collect();
        for (id, now) in fresh {
            batch.records.insert(
                id,
                Record {
                    conversation_id: id,
                    channel: now.channel.clone(),
                    created_at: now.created_at,
                    labels: labels_json(&now.labels),
                    ..Record::default()
                },
            );
            batch.touched.insert(id);
        }
        let relabelled: Vec<(i64, Vec<String>, Vec<String>)> = batch
            .records
            .iter()
            .filter_map(|(id, record)| {
                let now = batch.now.get(id)?;
                let counted: Vec<String> = serde_json::from_str(&record.labels).unwrap_or_default();
                (counted != now.labels).then(|| (*id, counted, now.labels.clone()))
            })
            .collect();
        for (id, counted, present) in relabelled {
            batch.move_labels(conn, id, &counted, &present).await?;
        }
        Ok(batch)
    }

    /// Takes a conversation's facts out of the labels it lost and into those it gained.
    async fn move_labels(
        &mut self,
        conn: &mut Conn,
        id: i64,
        counted: &[String],
        present: &[String],
    ) -> StoreResult<()> {
        let facts: Vec<FactRow> = sqlx::query_as(
            "SELECT conversation_id, fact, hour, bin, value, agent_id, team_id \
             FROM report_facts WHERE conversation_id = $1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        for row in &facts {
            let Ok(fact) = row.fact.parse::<Fact>() else {
                continue;
            };
            for label in counted.iter().filter(|label| !present.contains(label)) {
                self.delta(fact, Dimension::Label, row, label.clone(), -1);
            }
            for label in present.iter().filter(|label| !counted.contains(label)) {
                self.delta(fact, Dimension::Label, row, label.clone(), 1);
            }
        }
        if let Some(record) = self.records.get_mut(&id) {
            record.labels = labels_json(present);
            self.touched.insert(id);
        }
        Ok(())
    }

    /// Adds one fact row's contribution to one rollup key, `sign` times.
    fn delta(&mut self, fact: Fact, dimension: Dimension, row: &FactRow, key: String, sign: i64) {
        let entry = self
            .rollups
            .entry(RollupKey {
                fact: fact.as_str(),
                dimension: dimension.as_str(),
                hour: row.hour,
                key,
                bin: row.bin,
            })
            .or_default();
        entry.0 += sign;
        entry.1 += sign * row.value;
    }

    /// Counts a fact of conversation `id` at `at` under every grouping it belongs to. `agent`
    /// is who did it; by default the conversation's assignee.
    fn add(&mut self, id: i64, fact: Fact, at: i64, bin: i64, value: i64, agent: Option<i64>) {
        let Some(now) = self.now.get(&id) else {
            return;
        };
        let row = FactRow {
            conversation_id: id,
            fact: fact.as_str().to_owned(),
            hour: hour_of(at),
            bin,
            value,
            agent_id: agent.or(now.assignee),
            team_id: now.team,
        };
        let labels = now.labels.clone();
        let channel = now.channel.clone();
        self.spread(fact, &row, &channel, &labels, 1);
        if fact.follows_labels() {
            self.facts.push(row);
        }
    }

    /// Takes back a fact counted before.
    fn withdraw(&mut self, row: &FactRow) {
        let Ok(fact) = row.fact.parse::<Fact>() else {
            return;
        };
        let Some(now) = self.now.get(&row.conversation_id) else {
            return;
        };
        let channel = now.channel.clone();
        let labels: Vec<String> = self
            .records
            .get(&row.conversation_id)
            .and_then(|record| serde_json::from_str(&record.labels).ok())
            .unwrap_or_default();
        self.spread(fact, row, &channel, &labels, -1);
    }

    /// Adds a fact row, `sign` times, to its rollups of every grouping.
    fn spread(&mut self, fact: Fact, row: &FactRow, channel: &str, labels: &[String], sign: i64) {
        self.delta(fact, Dimension::All, row, String::new(), sign);
        self.delta(fact, Dimension::Channel, row, channel.to_owned(), sign);
        if let Some(agent) = row.agent_id {
            self.delta(fact, Dimension::Agent, row, agent.to_string(), sign);
        }
        if let Some(team) = row.team_id {
            self.delta(fact, Dimension::Team, row, team.to_string(), sign);
        }
        for label in labels {
            self.delta(fact, Dimension::Label, row, label.clone(), sign);
        }
    }

    /// Works out what one event adds.
    async fn apply(&mut self, conn: &mut Conn, event: &Event) -> StoreResult<()> {
        let Some(id) = event.conversation_id.map(|id| id.get()) else {
            return Ok(());
        };
        if !self.now.contains_key(&id) {
            return Ok(());
        }
        let at = event.created_at.timestamp_millis();
        match event.kind {
            EventKind::ConversationCreated => {
                self.add(id, Fact::ConversationCreated, at, 0, 0, None);
            }
            EventKind::MessageCreated => {
                let inbound = event.data.get("direction").and_then(|d| d.as_str()) == Some("in");
                if inbound {
                    self.customer_wrote(id, at);
                } else {
                    self.we_wrote(conn, id, at, event.agent_id.map(|a| a.get()))
                        .await?;
                }
            }
            EventKind::ConversationStatusChanged => {
                let status = |field: &str| {
                    event
                        .data
                        .get(field)
                        .and_then(|value| value.as_str())
                        .and_then(|value| value.parse::<ConversationStatus>().ok())
                };
                let (from, to) = (status("from"), status("to"));
                if to == Some(ConversationStatus::Resolved) {
                    self.resolved(conn, id, at).await?;
                } else if from == Some(ConversationStatus::Resolved) {
                    self.add(id, Fact::ConversationReopened, at, 0, 0, None);
                    if let Some(record) = self.records.get_mut(&id) {
                        record.reopenings += 1;
                    }
                }
            }
            // Labels moved in `load`; nothing else to count.
            _ => {}
        }
        self.touched.insert(id);
        Ok(())
    }

    fn customer_wrote(&mut self, id: i64, at: i64) {
        self.add(id, Fact::MessageIncoming, at, 0, 0, None);
        let waiting = self.now.get(&id).and_then(|now| now.waiting_since);
        // The count of them is kept on the conversation (see `ingest`), not on the record:
        // a record is then written only when a message starts a wait.
        if let Some(record) = self.records.get_mut(&id) {
            // The conversation's own clock decides whether this message waits for an answer
            // (mail written by a machine does not); the record keeps the earliest one.
            record.waiting_since = record.waiting_since.or(waiting);
        }
    }

    async fn we_wrote(
        &mut self,
        conn: &mut Conn,
        id: i64,
        at: i64,
        agent: Option<i64>,
    ) -> StoreResult<()> {
        self.add(id, Fact::MessageOutgoing, at, 0, 0, agent);
        let Some(record) = self.records.get_mut(&id) else {
            return Ok(());
        };
        record.messages_out += 1;
        // Only a person's answer is a response; a bot's acknowledgement leaves the clock running.
        if agent.is_none() {
            return Ok(());
        }
        let waited_from = record.waiting_since.take();
        let unanswered = record.first_response_at.is_none();
        let created_at = record.created_at;
        // Asked only until the first response is found (an agent's reply, not the hot path).
        let first = unanswered && has_customer_messages(conn, id).await?;
        if first {
            let wall = (at - created_at).max(0);
            let business = self.business_ms(conn, id, created_at, at).await?;
            self.add(id, Fact::FirstResponse, at, duration_bin(wall), wall, agent);
            self.add(
                id,
                Fact::FirstResponseBusiness,
                at,
                duration_bin(business),
                business,
                agent,
            );
            if let Some(record) = self.records.get_mut(&id) {
                record.first_response_at = Some(at);
                record.first_response_ms = Some(wall);
                record.first_response_bh_ms = Some(business);
            }
        }
        if let Some(since) = waited_from {
            let wall = (at - since).max(0);
            let business = self.business_ms(conn, id, since, at).await?;
            self.add(id, Fact::Reply, at, duration_bin(wall), wall, agent);
            self.add(
                id,
                Fact::ReplyBusiness,
                at,
                duration_bin(business),
                business,
                agent,
            );
            if let Some(record) = self.records.get_mut(&id) {
                record.replies += 1;
            }
        }
        Ok(())
    }

    async fn resolved(&mut self, conn: &mut Conn, id: i64, at: i64) -> StoreResult<()> {
        let Some(created_at) = self.records.get(&id).map(|record| record.created_at) else {
            return Ok(());
        };
        let wall = (at - created_at).max(0);
        let business = self.business_ms(conn, id, created_at, at).await?;
        self.add(id, Fact::ConversationResolved, at, 0, 0, None);
        self.add(id, Fact::Resolution, at, duration_bin(wall), wall, None);
        self.add(
            id,
            Fact::ResolutionBusiness,
            at,
            duration_bin(business),
            business,
            None,
        );
        if let Some(record) = self.records.get_mut(&id) {
            record.resolved_at = Some(at);
            record.resolution_ms = Some(wall);
            record.resolution_bh_ms = Some(business);
            // Nobody waits for an answer in a resolved conversation.
            record.waiting_since = None;
        }
        Ok(())
    }

    /// The open time of the conversation's business hours between two instants; the wall
    /// time when no calendar applies.
    async fn business_ms(
        &mut self,
        conn: &mut Conn,
        id: i64,
        from: i64,
        to: i64,
    ) -> StoreResult<i64> {
        let Some(now) = self.now.get_mut(&id) else {
            return Ok((to - from).max(0));
        };
        if now.calendar.is_none() {
            // A team's calendar wins over its channel's, which wins over the default.
            let team_scope = now.team_name.as_ref().map(|name| format!("team:{name}"));
            let calendar: Option<String> = sqlx::query_scalar(
                "SELECT calendar FROM report_calendars WHERE scope IN ($1, $2, 'default') \
                 ORDER BY CASE WHEN scope = $1 THEN 0 WHEN scope = $2 THEN 1 ELSE 2 END LIMIT 1",
            )
            .bind(team_scope.unwrap_or_default())
            .bind(format!("channel:{}", now.channel))
            .fetch_optional(&mut *conn)
            .await?;
            now.calendar = Some(calendar);
        }
        let Some(Some(calendar)) = now.calendar.clone() else {
            return Ok((to - from).max(0));
        };
        let open_to = open_before(conn, &calendar, to).await?;
        let open_from = open_before(conn, &calendar, from).await?;
        Ok((open_to - open_from).max(0))
    }

    /// Writes the records, facts and rollup deltas (`pending`: see [`on_events`]).
    async fn write(self, conn: &mut Conn, pending: bool) -> StoreResult<()> {
        let records: Vec<&Record> = self
            .touched
            .iter()
            .filter_map(|id| self.records.get(id))
            .filter(|record| self.loaded.get(&record.conversation_id) != Some(*record))
            .collect();
        for (id, fact) in &self.dropped_facts {
            sqlx::query("DELETE FROM report_facts WHERE conversation_id = $1 AND fact = $2")
                .bind(id)
                .bind(fact)
                .execute(&mut *conn)
                .await?;
        }
        // In key order, so that two transactions never take the same rows in opposite orders
        // (PostgreSQL would abort one of them as a deadlock). Writers of the same hour queue
        // on its rows from here until they commit.
        let hourly: Vec<RollupRow> = self
            .rollups
            .iter()
            .filter(|(_, (n, total))| *n != 0 || *total != 0)
            .map(|(key, (n, total))| RollupRow {
                fact: key.fact.to_owned(),
                dimension: key.dimension.to_owned(),
                hour: key.hour,
                key: key.key.clone(),
                bin: key.bin,
                n: *n,
                total: *total,
            })
            .collect();
        write_all(
            conn,
            Writes {
                records: &records,
                facts: &self.facts,
                hourly: &hourly,
                pending,
            },
        )
        .await?;
        if pending && !hourly.is_empty() && fold_due() {
            fold_pending(conn).await?;
        }
        Ok(())
    }
}

/// How often the pending rollup deltas are folded in: at full ingest a quarter of a second's
/// deltas fold into a few hundred rollup rows, where writing each batch's own would upsert
/// some twenty rows per message.
const FOLD_EVERY_MS: i64 = 250;

/// When the next fold is due (milliseconds since the epoch), for this process's writers.
static NEXT_FOLD_AT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Takes the next fold's turn if it has come. Per process: on several nodes each folds now and
/// then, and a fold that finds another under way skips (PostgreSQL) or waits its turn (SQLite).
fn fold_due() -> bool {
    use std::sync::atomic::Ordering;
    let now = Millis::now().0;
    let due = NEXT_FOLD_AT.load(Ordering::Relaxed);
    now >= due
        && NEXT_FOLD_AT
            .compare_exchange(
                due,
                now + FOLD_EVERY_MS,
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
}

/// The advisory lock key that keeps two folds apart (PostgreSQL): "SBFOLD" in ASCII.
const FOLD_LOCK: i64 = 0x53_42_46_4f_4c_44;

/// Adds every pending rollup delta into the hourly and daily rollups (whose triggers carry
/// them on to the weekly and monthly ones) and deletes them, in the caller's transaction.
/// Rows summing to nothing (a label taken and given back) are dropped on the way.
async fn fold_pending(conn: &mut Conn) -> StoreResult<()> {
    if IS_POSTGRES {
        // One fold at a time: a second would wait for the first's rows and find them gone.
        let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(FOLD_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        if !ours {
            return Ok(());
        }
        // Rows of transactions still open are not seen, so not deleted: the next fold takes them.
        sqlx::query(&format!(
            "WITH gone AS (DELETE FROM report_pending \
               RETURNING fact, dimension, hour, key, bin, n, total), \
             hourly AS ({} RETURNING 1) {}",
            fold_sql("report_rollups", "hour", "gone", "hour"),
            fold_sql("report_daily", "day", "gone", "hour / 24"),
        ))
        .execute(&mut *conn)
        .await?;
    } else {
        // The write lock this transaction holds keeps every other writer out.
        sqlx::query(&format!(
            "{};\n{};\nDELETE FROM report_pending",
            fold_sql("report_rollups", "hour", "report_pending", "hour"),
            fold_sql("report_daily", "day", "report_pending", "hour / 24"),
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What a batch writes: whole records (new, or replacing the stored ones), the facts kept per
/// conversation, and rollup rows (sorted by key): appended to the pending deltas, or with
/// `pending` false added to the hourly rollups and, by their days, to the daily ones.
#[derive(Default)]
struct Writes<'a> {
    records: &'a [&'a Record],
    facts: &'a [FactRow],
    hourly: &'a [RollupRow],
    pending: bool,
}

/// Writes `writes` in one statement: on SQLite one call running a statement per table (the
/// hand-off to the database's thread, not SQLite, is most of what a statement costs here), on
/// PostgreSQL one statement of data-modifying WITHs (one round trip).
async fn write_all(conn: &mut Conn, writes: Writes<'_>) -> StoreResult<()> {
    const FACT_COLUMNS: &[&str] = &[
        "conversation_id",
        "fact",
        "hour",
        "bin",
        "value",
        "agent_id",
        "team_id",
    ];
    let daily = if writes.pending {
        Vec::new()
    } else {
        days_of(writes.hourly)
    };
    let mut parts = Vec::new();
    if !writes.records.is_empty() {
        // Leaving out what never changes spares SQLite rewriting the creation index's entry of
        // every record written; leaving out the count keeps a batch's stale copy off the row.
        let updates = RECORD_COLUMNS
            .iter()
            .filter(|column| !RECORD_COLUMNS_KEPT.contains(column))
            .map(|column| format!("{column} = excluded.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(format!(
            "INSERT INTO report_conversations ({columns}) {select} \
             ON CONFLICT (conversation_id) DO UPDATE SET {updates}",
            columns = RECORD_COLUMNS.join(", "),
            select = select_from_json_in(RECORD_COLUMNS, &["channel", "labels"], "$1"),
        ));
    }
    if !writes.facts.is_empty() {
        parts.push(format!(
            "INSERT INTO report_facts ({}) {}",
            FACT_COLUMNS.join(", "),
            select_from_json_in(FACT_COLUMNS, &["fact"], "$2")
        ));
    }
    if !writes.hourly.is_empty() {
        parts.push(if writes.pending {
            format!(
                "INSERT INTO report_pending ({}) {}",
                ROLLUP_COLUMNS.join(", "),
                select_from_json_in(ROLLUP_COLUMNS, ROLLUP_TEXT_COLUMNS, "$3")
            )
        } else {
            upsert_rollups_sql("report_rollups", "hour", "$3")
        });
    }
    if !daily.is_empty() {
        parts.push(upsert_rollups_sql("report_daily", "day", "$4"));
    }
    let Some(last) = parts.pop() else {
        return Ok(());
    };
    let sql = if IS_POSTGRES {
        let firsts: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(index, part)| format!("w{index} AS ({part} RETURNING 1)"))
            .collect();
        if firsts.is_empty() {
            last
        } else {
            format!("WITH {} {last}", firsts.join(", "))
        }
    } else {
        parts.push(last);
        parts.join(";\n")
    };
    // Every parameter is bound whether its statement is there or not: each keeps its number.
    sqlx::query(&sql)
        .bind(sqlx::types::Json(writes.records))
        .bind(sqlx::types::Json(writes.facts))
        .bind(sqlx::types::Json(writes.hourly))
        .bind(sqlx::types::Json(&daily))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The fields of a [`RollupRow`] as the statements writing them read them from JSON.
const ROLLUP_COLUMNS: &[&str] = &["fact", "dimension", "hour", "key", "bin", "n", "total"];
/// Those of [`ROLLUP_COLUMNS`] that are text.
const ROLLUP_TEXT_COLUMNS: &[&str] = &["fact", "dimension", "key"];

/// The daily rows of hourly rollup rows (their `hour` holds the day), in key order.
fn days_of(rows: &[RollupRow]) -> Vec<RollupRow> {
    // (fact, grouping, day, key, bin) → (count, sum)
    type DayKey<'a> = (&'a str, &'a str, i64, &'a str, i64);
    let mut days: BTreeMap<DayKey<'_>, (i64, i64)> = BTreeMap::new();
    for row in rows {
        let day = row.hour.div_euclid(24);
        let entry = days
            .entry((&row.fact, &row.dimension, day, &row.key, row.bin))
            .or_default();
        entry.0 += row.n;
        entry.1 += row.total;
    }
    days.into_iter()
        .filter(|(_, (n, total))| *n != 0 || *total != 0)
        .map(|((fact, dimension, day, key, bin), (n, total))| RollupRow {
            fact: fact.to_owned(),
            dimension: dimension.to_owned(),
            hour: day,
            key: key.to_owned(),
            bin,
            n,
            total,
        })
        .collect()
}

/// The statement adding the rows of the JSON parameter `param` to `table`, whose time column
/// is `period` (`hour` of the rows holds its value).
fn upsert_rollups_sql(table: &str, period: &str, param: &str) -> String {
    format!(
        "INSERT INTO {table} (fact, dimension, {period}, key, bin, n, total) {} \
         ON CONFLICT (fact, dimension, {period}, key, bin) DO UPDATE \
         SET n = {table}.n + excluded.n, total = {table}.total + excluded.total",
        select_from_json_in(ROLLUP_COLUMNS, ROLLUP_TEXT_COLUMNS, param)
    )
}

/// The statement adding up the deltas of `from` into `table`, whose time column is `period`,
/// worked out from a delta's hour by `period_of`. (A function, not a closure: a closure over
/// `&str` kept across an await makes the caller's future not `Send` for every lifetime.)
fn fold_sql(table: &str, period: &str, from: &str, period_of: &str) -> String {
    format!(
        "INSERT INTO {table} (fact, dimension, {period}, key, bin, n, total) \
         SELECT fact, dimension, {period_of}, key, bin, CAST(SUM(n) AS BIGINT), \
           CAST(SUM(total) AS BIGINT) FROM {from} \
         GROUP BY fact, dimension, {period_of}, key, bin \
         HAVING SUM(n) <> 0 OR SUM(total) <> 0 \
         ORDER BY fact, dimension, {period_of}, key, bin \
         ON CONFLICT (fact, dimension, {period}, key, bin) DO UPDATE \
         SET n = {table}.n + excluded.n, total = {table}.total + excluded.total"
    )
}

/// [`fold_pending`] in a transaction of its own.
pub async fn fold_pending_now(pool: &Pool) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    fold_pending(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// How many rollup deltas wait to be folded in.
pub async fn pending_deltas(pool: &Pool) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM report_pending")
        .fetch_one(pool)
        .await?)
}

/// Writes a synthetic history's records and rollups (`switchboard bench reports`).
pub async fn seed(pool: &Pool, records: &[SeedRecord], rollups: &[RollupRow]) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    let records: Vec<Record> = records
        .iter()
        .map(|seed| Record {
            conversation_id: seed.conversation_id,
            channel: seed.channel.clone(),
            created_at: seed.created_at,
            first_response_at: seed.first_response_ms.map(|ms| seed.created_at + ms),
            first_response_ms: seed.first_response_ms,
            first_response_bh_ms: seed.first_response_bh_ms,
            resolved_at: seed.resolution_ms.map(|ms| seed.created_at + ms),
            resolution_ms: seed.resolution_ms,
            resolution_bh_ms: seed.resolution_bh_ms,
            replies: seed.replies,
            reopenings: seed.reopenings,
            messages_in: seed.messages_in,
            messages_out: seed.messages_out,
            csat_rating: seed.csat_rating,
            labels: labels_json(&seed.labels),
            ..Record::default()
        })
        .collect();
    for chunk in records.chunks(5_000) {
        let chunk: Vec<&Record> = chunk.iter().collect();
        write_all(
            &mut tx,
            Writes {
                records: &chunk,
                ..Writes::default()
            },
        )
        .await?;
    }
    for chunk in rollups.chunks(10_000) {
        write_all(
            &mut tx,
            Writes {
                hourly: chunk,
                ..Writes::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    if IS_POSTGRES {
        // A PostgreSQL in service has its tables vacuumed and their statistics kept by
        // autovacuum; tables filled a moment ago have neither, and the reports would be timed
        // on the planner's guesses (and on setting the new rows' hint bits) instead.
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    }
    Ok(())
}

/// Writes `shape.count` conversations with their contacts and messages in bulk; returns the
/// first conversation's id (`switchboard bench reports`).
pub async fn seed_conversations(pool: &Pool, shape: SeedShape) -> StoreResult<i64> {
    let series = |bound: &str| {
        if IS_POSTGRES {
            format!("SELECT generate_series(1, {bound}) AS i")
        } else {
            format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {bound}) \
                 SELECT i FROM s"
            )
        }
    };
    let mut tx = begin(pool).await?;
    let (contacts_before, conversations_before) =
        super::common::last_contact_and_conversation_ids(&mut tx).await?;
    sqlx::query(&format!(
        "INSERT INTO contacts (name, created_at, updated_at) \
         SELECT 'Seeded customer', $2, $2 FROM ({}) AS n",
        series("$1")
    ))
    .bind(shape.count)
    .bind(shape.start_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO conversations (channel, contact_id, thread_key, status, assignee_id, team_id, \
           created_at, last_activity_at, messages_in) \
         SELECT 'channel-' || ((id - $1) % $3), id, 'seed-' || id, 'open', \
           $4 + (id - $1) % $5, $6 + ((id - $1) % $5) % $7, \
           $2 + (id - $1 - 1) * $8, $2 + (id - $1 - 1) * $8, ($9 + 1) / 2 \
         FROM contacts WHERE id > $1 ORDER BY id",
    )
    .bind(contacts_before)
    .bind(shape.start_at)
    .bind(shape.channels)
    .bind(shape.first_agent)
    .bind(shape.agents)
    .bind(shape.first_team)
    .bind(shape.teams)
    .bind(shape.step_ms)
    // The odd messages below are the customer's.
    .bind(shape.per_conversation)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, author_id, \
           text, created_at) \
         SELECT c.id, c.channel, CASE WHEN n.i % 2 = 1 THEN 'in' ELSE 'out' END, 'message', \
           CASE WHEN n.i % 2 = 1 THEN 'contact' ELSE 'agent' END, \
           CASE WHEN n.i % 2 = 1 THEN c.contact_id ELSE c.assignee_id END, \
           'Seeded message ' || n.i || ' about order ' || c.id, c.created_at + n.i * 600000 \
         FROM conversations c CROSS JOIN ({}) AS n WHERE c.id > $2 ORDER BY c.id, n.i",
        series("$1")
    ))
    .bind(shape.per_conversation)
    .bind(conversations_before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(conversations_before + 1)
}

/// Replaces the calendars' scopes, and the spans of each calendar whose fingerprint changed;
/// calendars no longer configured go.
pub async fn replace_calendars(
    pool: &Pool,
    scopes: &[(String, String)],
    calendars: &[CalendarSpans],
) -> StoreResult<()> {
    let mut tx = begin(pool).await?;
    // Nodes may publish the same calendars at once: every write converges on the same rows.
    let kept: Vec<&str> = scopes.iter().map(|(scope, _)| scope.as_str()).collect();
    sqlx::query(&format!(
        "DELETE FROM report_calendars WHERE scope NOT IN (SELECT value FROM {})",
        if IS_POSTGRES {
            "jsonb_array_elements_text($1) AS t(value)"
        } else {
            "json_each($1)"
        }
    ))
    .bind(sqlx::types::Json(&kept))
    .execute(&mut *tx)
    .await?;
    for (scope, calendar) in scopes {
        sqlx::query(
            "INSERT INTO report_calendars (scope, calendar) VALUES ($1, $2) \
             ON CONFLICT (scope) DO UPDATE SET calendar = excluded.calendar",
        )
        .bind(scope)
        .bind(calendar)
        .execute(&mut *tx)
        .await?;
    }
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT calendar, fingerprint FROM report_calendar_versions")
            .fetch_all(&mut *tx)
            .await?;
    for (name, _) in stored
        .iter()
        .filter(|(name, _)| !calendars.iter().any(|c| &c.name == name))
    {
        forget_calendar(&mut tx, name).await?;
    }
    for calendar in calendars {
        let current = stored
            .iter()
            .any(|(name, print)| name == &calendar.name && print == &calendar.fingerprint);
        if current {
            continue;
        }
        forget_calendar(&mut tx, &calendar.name).await?;
        let mut open = 0_i64;
        let rows: Vec<serde_json::Value> = calendar
            .spans
            .iter()
            .map(|(start, end)| {
                let row = serde_json::json!({
                    "calendar": calendar.name, "start_at": start, "end_at": end, "open_before": open,
                });
                open += end - start;
                row
            })
            .collect();
        const COLUMNS: &[&str] = &["calendar", "start_at", "end_at", "open_before"];
        for chunk in rows.chunks(2_000) {
            sqlx::query(&format!(
                "INSERT INTO report_calendar_spans ({}) {} ON CONFLICT (calendar, start_at) DO NOTHING",
                COLUMNS.join(", "),
                select_from_json(COLUMNS, &["calendar"])
            ))
            .bind(sqlx::types::Json(chunk))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO report_calendar_versions (calendar, fingerprint) VALUES ($1, $2) \
             ON CONFLICT (calendar) DO UPDATE SET fingerprint = excluded.fingerprint",
        )
        .bind(&calendar.name)
        .bind(&calendar.fingerprint)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn forget_calendar(conn: &mut Conn, name: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM report_calendar_spans WHERE calendar = $1")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM report_calendar_versions WHERE calendar = $1")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Open milliseconds of `calendar` before `at` (from its first span).
async fn open_before(conn: &mut Conn, calendar: &str, at: i64) -> StoreResult<i64> {
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT open_before + (CASE WHEN $2 < end_at THEN $2 - start_at ELSE end_at - start_at END) \
         FROM report_calendar_spans WHERE calendar = $1 AND start_at <= $2 \
         ORDER BY start_at DESC LIMIT 1",
    )
    .bind(calendar)
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(open.unwrap_or(0))
}

/// The stored form of a label list.
fn labels_json(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".into())
}

/// `SELECT` of the named fields of each object of the JSON array parameter `$1`, in order;
/// `text` fields stay text, the rest are numbers (or null).
fn select_from_json(columns: &[&str], text: &[&str]) -> String {
    select_from_json_in(columns, text, "$1")
}

/// [`select_from_json`] of the JSON array parameter `param`.
fn select_from_json_in(columns: &[&str], text: &[&str], param: &str) -> String {
    let fields = columns
        .iter()
        .map(|column| {
            if IS_POSTGRES {
                if text.contains(column) {
                    format!("e->>'{column}'")
                } else {
                    format!("(e->>'{column}')::bigint")
                }
            } else {
                format!("e.value->>'{column}'")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if IS_POSTGRES {
        format!(
            "SELECT {fields} FROM jsonb_array_elements({param}) WITH ORDINALITY AS t(e, i) ORDER BY i"
        )
    } else {
        // `WHERE true` keeps SQLite from reading a following ON CONFLICT as a join clause.
        format!("SELECT {fields} FROM json_each({param}) AS e WHERE true ORDER BY e.key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::TargetState;

    fn state(policy: &str, targets: &[(Target, Option<i64>, Option<i64>)]) -> SlaState {
        SlaState {
            policy: policy.into(),
            targets: targets
                .iter()
                .map(|(target, met_at, breached_at)| {
                    (
                        *target,
                        TargetState {
                            due_at: 10,
                            warn_at: 5,
                            met_at: *met_at,
                            breached_at: *breached_at,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn only_new_outcomes_count() {
        let before = state("gold", &[(Target::FirstResponse, None, None)]);
        let after = state(
            "gold",
            &[
                (Target::FirstResponse, Some(3), None),
                (Target::Resolution, None, Some(11)),
            ],
        );
        assert_eq!(
            sla_outcomes(Some(&before), &after),
            vec![(Target::FirstResponse, true), (Target::Resolution, false)]
        );
        assert!(sla_outcomes(Some(&after), &after).is_empty());
        // A new policy's outcomes are new even where the old one had the same times.
        let other = state("silver", &[(Target::FirstResponse, Some(3), None)]);
        assert_eq!(
            sla_outcomes(Some(&after), &other),
            vec![(Target::FirstResponse, true)]
        );
    }
}
