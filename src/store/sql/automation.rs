//! Automation: API rules, the rule engine's cursor in the event log, exact timers, and applying
//! what rules decided: each rule's actions all-or-nothing inside a savepoint, every action
//! recorded as an activity line, automatic replies behind the loop guards.
//! (Compiled once per backend.)

use serde_json::json;
use sqlx::Connection;

use super::IS_POSTGRES;
use super::common::message;
use super::common::{Conn, Pool, begin, conversation, conversation_event, insert_events};
use super::conversations::{assign_in, set_status_in, update_in};
use super::messages::{add_note_in, add_reply_in, message_event};
use crate::domain::{
    AgentId, ConversationId, ConversationStatus, Event, EventId, EventKind, Millis, RuleId,
    SlaBreach, SlaState, TeamId,
};
use crate::store::automation::{
    ConversationWork, PlannedAction, ReplyGuard, RuleOutcome, SlaJudge, StoredRule, TimerFired,
};
use crate::store::rows::NewEvent;
use crate::store::{
    Assignment, ConversationPatch, Lane, NewReply, ReplyAuthor, StatusChange, StoreError,
    StoreResult,
};

// ----- API rules -----

type RuleRow = (
    i64,
    String,
    i64,
    sqlx::types::Json<serde_json::Value>,
    i64,
    i64,
);

fn stored_rule(row: RuleRow) -> StoredRule {
    let (id, name, position, definition, created_at, updated_at) = row;
    StoredRule {
        id: RuleId::new(id),
        name,
        position,
        definition: definition.0,
        created_at: Millis(created_at).to_datetime(),
        updated_at: Millis(updated_at).to_datetime(),
    }
}

const RULE_COLUMNS: &str = "id, name, position, definition, created_at, updated_at";

/// API rules in evaluation order.
pub async fn list_rules(pool: &Pool) -> StoreResult<Vec<StoredRule>> {
    let rows: Vec<RuleRow> = sqlx::query_as(&format!(
        "SELECT {RULE_COLUMNS} FROM rules ORDER BY position, id"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(stored_rule).collect())
}

/// One API rule.
pub async fn get_rule(pool: &Pool, id: RuleId) -> StoreResult<StoredRule> {
    let id = id.get();
    let row: RuleRow = sqlx::query_as(&format!("SELECT {RULE_COLUMNS} FROM rules WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(stored_rule(row))
}

/// Adds a rule at `position` (the end when `None`); a taken name is a conflict.
pub async fn create_rule(
    pool: &Pool,
    name: &str,
    definition: &serde_json::Value,
    position: Option<i64>,
    now: Millis,
) -> StoreResult<StoredRule> {
    let mut tx = begin(pool).await?;
    let position = match position {
        Some(position) => position,
        None => sqlx::query_scalar::<_, Option<i64>>("SELECT max(position) FROM rules")
            .fetch_one(&mut *tx)
            .await?
            .map_or(1, |last| last + 1),
    };
    let row: RuleRow = sqlx::query_as(&format!(
        "INSERT INTO rules (name, position, definition, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING {RULE_COLUMNS}"
    ))
    .bind(name)
    .bind(position)
    .bind(sqlx::types::Json(definition))
    .bind(now.0)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(stored_rule(row))
}

/// Replaces a rule's definition (and position, when given).
pub async fn update_rule(
    pool: &Pool,
    id: RuleId,
    name: &str,
    definition: &serde_json::Value,
    position: Option<i64>,
    now: Millis,
) -> StoreResult<StoredRule> {
    let id = id.get();
    let row: RuleRow = sqlx::query_as(&format!(
        "UPDATE rules SET name = $2, definition = $3, position = COALESCE($4, position), \
             updated_at = $5 WHERE id = $1 RETURNING {RULE_COLUMNS}"
    ))
    .bind(id)
    .bind(name)
    .bind(sqlx::types::Json(definition))
    .bind(position)
    .bind(now.0)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(stored_rule(row))
}

/// Deletes a rule.
pub async fn delete_rule(pool: &Pool, id: RuleId) -> StoreResult<()> {
    let id = id.get();
    let done = sqlx::query("DELETE FROM rules WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Lets the router take every conversation held for triage.
pub async fn release_triage(pool: &Pool) -> StoreResult<()> {
    sqlx::query("UPDATE conversations SET triage_pending = FALSE WHERE triage_pending")
        .execute(pool)
        .await?;
    Ok(())
}

// ----- the cursor -----

/// Creates the cursor of worker `name` at the end of the log, unless it exists: a new worker
/// acts on what happens from now on, not on years of history.
pub async fn init_cursor(pool: &Pool, name: &str) -> StoreResult<()> {
    // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.
    sqlx::query(
        "INSERT INTO worker_cursors (name, event_id) \
         SELECT $1, COALESCE(max(id), 0) FROM events WHERE true ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

/// How far the worker `name` got in the event log.
pub async fn cursor(pool: &Pool, name: &str) -> StoreResult<EventId> {
    let at: Option<i64> = sqlx::query_scalar("SELECT event_id FROM worker_cursors WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(EventId::new(at.unwrap_or(0)))
}

async fn save_cursor(conn: &mut Conn, name: &str, at: EventId) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO worker_cursors (name, event_id) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id \
         WHERE worker_cursors.event_id < excluded.event_id",
    )
    .bind(name)
    .bind(at.get())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The newest event's id.
pub async fn latest_event_id(pool: &Pool) -> StoreResult<Option<EventId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(id.map(EventId::new))
}

/// Advances the cursor alone (a batch in which no rule did anything).
pub async fn advance_cursor(pool: &Pool, name: &str, at: EventId) -> StoreResult<()> {
    let mut conn = pool.acquire().await?;
    save_cursor(&mut conn, name, at).await
}

// ----- applying what rules decided -----

/// Applies the work of one batch of events and moves the cursor, in one transaction. Each
/// rule runs inside a savepoint: a failing action rolls back that rule alone and leaves an
/// activity line saying why.
pub async fn apply(
    pool: &Pool,
    works: &[ConversationWork],
    cursor: Option<(&str, EventId)>,
    fence: Option<&crate::store::cluster::Fence>,
    now: Millis,
) -> StoreResult<(Vec<RuleOutcome>, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    if let Some(fence) = fence {
        super::cluster::check_fence(&mut tx, fence).await?;
    }
    let mut outcomes = Vec::new();
    let mut events = Vec::new();
    for work in works {
        let id = work.conversation;
        if work.clear_triage {
            sqlx::query(
                "UPDATE conversations SET triage_pending = FALSE WHERE id = $1 AND triage_pending",
            )
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
        }
        for (kind, due, span) in &work.arm_idle {
            sqlx::query(
                "INSERT INTO automation_timers (conversation_id, kind, due_at, span_ms) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (conversation_id, kind) DO NOTHING",
            )
            .bind(id.get())
            .bind(kind)
            .bind(due.0)
            .bind(span)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(sla) = &work.sla {
            write_sla(&mut tx, id, &sla.state, &sla.arm, &sla.cancel, now).await?;
        }
        for plan in &work.rules {
            let mut savepoint = (*tx).begin().await?;
            let mut produced = Vec::new();
            match apply_rule(
                &mut savepoint,
                id,
                &plan.rule,
                &plan.actions,
                now,
                &mut produced,
            )
            .await
            {
                Ok(skipped) => {
                    savepoint.commit().await?;
                    events.extend(produced);
                    outcomes.push(RuleOutcome::Applied {
                        conversation: id,
                        rule: plan.rule.clone(),
                        skipped,
                    });
                }
                Err(err @ (StoreError::Db(_) | StoreError::Corrupt(_))) => return Err(err),
                Err(err) => {
                    savepoint.rollback().await?;
                    let reason = err.to_string();
                    let text =
                        format!("Rule “{}” failed, nothing was changed: {reason}", plan.rule);
                    events.extend(activity(&mut tx, id, &text, now).await?);
                    events.extend(
                        insert_events(
                            &mut tx,
                            vec![conversation_event(
                                EventKind::RuleFailed,
                                id,
                                None,
                                json!({"rule": plan.rule, "error": reason}),
                            )],
                            now,
                        )
                        .await?,
                    );
                    outcomes.push(RuleOutcome::Failed {
                        conversation: id,
                        rule: plan.rule.clone(),
                        reason,
                    });
                }
            }
        }
    }
    if let Some((name, at)) = cursor {
        save_cursor(&mut tx, name, at).await?;
    }
    tx.commit().await?;
    events.sort_by_key(|event| event.id);
    Ok((outcomes, events))
}

/// Writes the conversation's SLA state and its timers.
async fn write_sla(
    conn: &mut Conn,
    id: ConversationId,
    state: &serde_json::Value,
    arm: &[(String, Millis)],
    cancel: &[String],
    now: Millis,
) -> StoreResult<()> {
    let before: Option<sqlx::types::Json<serde_json::Value>> =
        sqlx::query_scalar("SELECT sla FROM conversations WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    if let Some(after) = SlaState::from_json(state) {
        let before = before.and_then(|json| SlaState::from_json(&json.0));
        super::reporting::record_sla(conn, id, before.as_ref(), &after, now).await?;
    }
    sqlx::query("UPDATE conversations SET sla = $2 WHERE id = $1")
        .bind(id.get())
        .bind(sqlx::types::Json(state))
        .execute(&mut *conn)
        .await?;
    for kind in cancel {
        sqlx::query("DELETE FROM automation_timers WHERE conversation_id = $1 AND kind = $2")
            .bind(id.get())
            .bind(kind)
            .execute(&mut *conn)
            .await?;
    }
    for (kind, due) in arm {
        sqlx::query(
            "INSERT INTO automation_timers (conversation_id, kind, due_at) VALUES ($1, $2, $3) \
             ON CONFLICT (conversation_id, kind) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(id.get())
        .bind(kind)
        .bind(due.0)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Applies one rule's actions; returns the replies its guards held back (not failures).
async fn apply_rule(
    conn: &mut Conn,
    id: ConversationId,
    rule: &str,
    actions: &[(PlannedAction, String)],
    now: Millis,
    events: &mut Vec<Event>,
) -> StoreResult<Vec<String>> {
    let mut skipped = Vec::new();
    // Loaded once; the statements that change it hand back the new state.
    let mut current = conversation(conn, id).await?;
    for (action, description) in actions {
        let before = &current;
        let mut applied = true;
        match action {
            PlannedAction::AssignAgent(email) => {
                let agent: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM agents WHERE lower(email) = lower($1)")
                        .bind(email)
                        .fetch_optional(&mut *conn)
                        .await?;
                let agent = agent
                    .ok_or_else(|| StoreError::Invalid(format!("no agent with email {email}")))?;
                let assignment = Assignment {
                    agent: Some(AgentId::new(agent)),
                    team: before.team_id,
                };
                let (after, produced) = assign_in(conn, id, &assignment, None, now).await?;
                events.extend(produced);
                current = after;
            }
            PlannedAction::AssignTeam(name) => {
                let team: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *conn)
                    .await?;
                let team =
                    team.ok_or_else(|| StoreError::Invalid(format!("no team named {name}")))?;
                // Routed to the team: the router picks one of its members.
                let assignment = Assignment {
                    agent: None,
                    team: Some(TeamId::new(team)),
                };
                let (after, produced) = assign_in(conn, id, &assignment, None, now).await?;
                events.extend(produced);
                current = after;
            }
            PlannedAction::SetPolicy(policy) => {
                super::routing::set_policy(conn, id, Some(*policy)).await?;
            }
            PlannedAction::AddLabel(label) | PlannedAction::RemoveLabel(label) => {
                let mut labels = before.labels.clone();
                if matches!(action, PlannedAction::AddLabel(_)) {
                    applied = !labels.contains(label);
                    labels.push(label.clone());
                } else {
                    applied = labels.contains(label);
                    labels.retain(|l| l != label);
                }
                let patch = ConversationPatch {
                    labels: Some(labels),
                    priority: None,
                };
                let (after, produced) = update_in(conn, id, &patch, None, now).await?;
                events.extend(produced);
                current = after;
            }
            PlannedAction::SetPriority(priority) => {
                applied = before.priority != *priority;
                let patch = ConversationPatch {
                    labels: None,
                    priority: Some(*priority),
                };
                let (after, produced) = update_in(conn, id, &patch, None, now).await?;
                events.extend(produced);
                current = after;
            }
            PlannedAction::SetStatus(status) => {
                applied = before.status != *status;
                let change = StatusChange {
                    status: *status,
                    snoozed_until: None,
                };
                let (after, produced) = set_status_in(conn, id, &change, None, now).await?;
                events.extend(produced);
                current = after;
            }
            PlannedAction::SnoozeUntil(until) => {
                let change = StatusChange {
                    status: ConversationStatus::Snoozed,
                    snoozed_until: Some(until.to_datetime()),
                };
                let (after, produced) = set_status_in(conn, id, &change, None, now).await?;
                events.extend(produced);
                current = after;
            }
            PlannedAction::Reply {
                template,
                rendered,
                guard,
            } => {
                if let Some(reason) =
                    hold_back(conn, id, &before.channel, template, guard, now).await?
                {
                    if reason.visible {
                        let line =
                            format!("Rule “{rule}”: automatic reply held back: {}", reason.text);
                        events.extend(activity(conn, id, &line, now).await?);
                    }
                    skipped.push(reason.text);
                    continue;
                }
                let reply =
                    NewReply::from_rendered(rendered.clone(), id, ReplyAuthor::Bot, Lane::Reply);
                events.extend(add_reply_in(conn, &reply, now).await?.1);
                sqlx::query(
                    "INSERT INTO auto_replies (contact_id, channel, template, sent_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (contact_id, channel, template) \
                     DO UPDATE SET sent_at = excluded.sent_at",
                )
                .bind(guard.contact.get())
                .bind(&before.channel)
                .bind(template)
                .bind(now.0)
                .execute(&mut *conn)
                .await?;
            }
            PlannedAction::Note(text) => {
                // Without an agent the note is the system's.
                events.extend(add_note_in(conn, id, None, text, now).await?.1);
            }
            PlannedAction::Webhook(name) => {
                let event = conversation_event(
                    EventKind::AutomationWebhook,
                    id,
                    None,
                    json!({"name": name, "rule": rule, "conversation": {
                        "id": id, "channel": before.channel, "status": before.status,
                        "priority": before.priority, "labels": before.labels,
                        "contact_id": before.contact_id,
                    }}),
                );
                events.extend(insert_events(conn, vec![event], now).await?);
            }
            PlannedAction::AssistClassify => {
                let job = crate::store::assist::NewAssistJob {
                    key: format!("classify:{}:{rule}", id.get()),
                    conversation: id,
                    kind: crate::store::assist::AssistJobKind::Classify {
                        rule: rule.to_owned(),
                    },
                };
                if !super::assist::queue_in(conn, &job, now).await? {
                    skipped.push(
                        "the rule asked for this conversation's classification already".into(),
                    );
                    continue;
                }
            }
            PlannedAction::StartSla { state, arm } => {
                write_sla(conn, id, state, arm, &[], now).await?;
            }
            PlannedAction::SendCsat {
                rendered,
                expires_at,
            } => match super::csat::send_in(conn, id, rendered, *expires_at, now).await? {
                Some(produced) => events.extend(produced),
                // One survey per conversation: a resolve–reopen–resolve cycle sends no second.
                None => {
                    skipped.push("the conversation had its satisfaction survey already".into());
                    continue;
                }
            },
            PlannedAction::Fail(reason) => return Err(StoreError::Invalid(reason.clone())),
        }
        if applied {
            let line = format!("Rule “{rule}”: {description}");
            events.extend(activity(conn, id, &line, now).await?);
        }
    }
    Ok(skipped)
}

struct HeldBack {
    text: String,
    /// Shown in the conversation (the circuit breaker); the ordinary guards stay quiet.
    visible: bool,
}

/// Why an automatic reply must not go out now, if it must not. Checked inside the write
/// transaction, so two passes racing for the same conversation cannot both send.
async fn hold_back(
    conn: &mut Conn,
    id: ConversationId,
    channel: &str,
    template: &str,
    guard: &ReplyGuard,
    now: Millis,
) -> StoreResult<Option<HeldBack>> {
    let quiet = |text: &str| {
        Ok(Some(HeldBack {
            text: text.to_owned(),
            visible: false,
        }))
    };
    if guard.trigger_automated {
        return quiet("the message was sent by a machine or a bot");
    }
    let human_replied: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND direction = 'out' \
             AND kind = 'message' AND author_type = 'agent' AND created_at > $2)",
    )
    .bind(id.get())
    .bind(now.0 - guard.human_window_ms)
    .fetch_one(&mut *conn)
    .await?;
    if human_replied {
        return quiet("a person answered in the last minutes");
    }
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT sent_at FROM auto_replies WHERE contact_id = $1 AND channel = $2 AND template = $3",
    )
    .bind(guard.contact.get())
    .bind(channel)
    .bind(template)
    .fetch_optional(&mut *conn)
    .await?;
    if last.is_some_and(|last| last > now.0 - guard.cooldown_ms) {
        return quiet("this contact already got it on this channel within the cooldown");
    }
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND direction = 'out' \
             AND kind = 'message' AND author_type = 'bot' AND created_at > $2",
    )
    .bind(id.get())
    .bind(now.0 - 3_600_000)
    .fetch_one(&mut *conn)
    .await?;
    if recent >= guard.max_per_hour {
        return Ok(Some(HeldBack {
            text: format!(
                "{recent} automatic messages in this conversation in the last hour (the limit)"
            ),
            visible: true,
        }));
    }
    Ok(None)
}

/// Records an activity line (and its `message.created` event).
pub(super) async fn activity(
    conn: &mut Conn,
    id: ConversationId,
    text: &str,
    now: Millis,
) -> StoreResult<Vec<Event>> {
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO messages (conversation_id, channel, direction, kind, author_type, text, \
             created_at) \
         SELECT id, channel, 'out', 'activity', 'system', $2, $3 FROM conversations WHERE id = $1 \
         RETURNING id",
    )
    .bind(id.get())
    .bind(text)
    .bind(now.0)
    .fetch_one(&mut *conn)
    .await?;
    let line = message(conn, message_id).await?;
    insert_events(conn, vec![message_event(&line, None, None)], now).await
}

// ----- timers -----

/// The earliest timer, if any.
pub async fn next_timer_due(pool: &Pool) -> StoreResult<Option<Millis>> {
    let due: Option<i64> = sqlx::query_scalar("SELECT min(due_at) FROM automation_timers")
        .fetch_one(pool)
        .await?;
    Ok(due.map(Millis))
}

/// Fires every timer due at `now` (up to `limit`): an idle timer whose conversation saw
/// activity since it was armed moves to the new idle deadline instead; an SLA timer is a
/// breach only when `judge` says so (not when its target was met in the meantime). Fired timers become `conversation.idle` and
/// `sla.breached` events in the log, where the rule engine picks them up like any other.
pub async fn fire_timers(
    pool: &Pool,
    now: Millis,
    limit: i64,
    judge: &SlaJudge,
) -> StoreResult<(Vec<TimerFired>, Vec<Event>)> {
    let mut tx = begin(pool).await?;
    let lock = if IS_POSTGRES {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let due: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT conversation_id, kind, due_at, span_ms FROM automation_timers \
         WHERE due_at <= $1 ORDER BY due_at LIMIT $2{lock}"
    ))
    .bind(now.0)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut fired = Vec::new();
    let mut new_events: Vec<NewEvent> = Vec::new();
    for (conversation_id, kind, due_at, span) in due {
        let id = ConversationId::new(conversation_id);
        sqlx::query("DELETE FROM automation_timers WHERE conversation_id = $1 AND kind = $2")
            .bind(conversation_id)
            .bind(&kind)
            .execute(&mut *tx)
            .await?;
        let Ok(conv) = conversation(&mut tx, id).await else {
            continue;
        };
        if let Some(rule) = kind.strip_prefix("idle:") {
            let span = span.unwrap_or(0);
            if !matches!(
                conv.status,
                ConversationStatus::Open | ConversationStatus::Pending
            ) {
                continue;
            }
            let idle_deadline = Millis::from(conv.last_activity_at).0 + span;
            if idle_deadline > now.0 {
                // Activity since the timer was armed: wait for the new deadline.
                sqlx::query(
                    "INSERT INTO automation_timers (conversation_id, kind, due_at, span_ms) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(conversation_id)
                .bind(&kind)
                .bind(idle_deadline)
                .bind(span)
                .execute(&mut *tx)
                .await?;
                continue;
            }
            new_events.push(conversation_event(
                EventKind::ConversationIdle,
                id,
                None,
                json!({"rule": rule, "idle_ms": span, "last_activity_at": conv.last_activity_at}),
            ));
            fired.push(TimerFired::Idle {
                conversation: id,
                rule: rule.to_owned(),
            });
        } else if let Some(target) = kind.strip_prefix("sla:") {
            // Whether it is a breach is the automation's decision; the store records it.
            let Some(SlaBreach { state, target }) = judge(conv.sla.as_ref(), target, now) else {
                continue;
            };
            let before = conv.sla.as_ref().and_then(SlaState::from_json);
            super::reporting::record_sla(&mut tx, id, before.as_ref(), &state, now).await?;
            sqlx::query("UPDATE conversations SET sla = $2 WHERE id = $1")
                .bind(conversation_id)
                .bind(sqlx::types::Json(state.to_json()))
                .execute(&mut *tx)
                .await?;
            new_events.push(conversation_event(
                EventKind::SlaBreached,
                id,
                None,
                json!({"policy": state.policy, "target": target, "due_at": Millis(due_at).to_datetime()}),
            ));
            fired.push(TimerFired::SlaBreached {
                conversation: id,
                target: target.as_str().to_owned(),
            });
        }
    }
    let events = insert_events(&mut tx, new_events, now).await?;
    tx.commit().await?;
    Ok((fired, events))
}
