//! Automation: rules, acknowledgement bots, business hours and SLA timers.
//!
//! The engine tails the event log from a cursor stored in the database, so it never misses
//! an event across restarts and never acts twice: what a batch of events makes rules do is
//! written in the same transaction that moves the cursor. Rules are evaluated in memory, in
//! order (config rules, then API rules, then the bots), each rule's actions applied
//! all-or-nothing. Idle conversations and SLA targets run on exact timers: a timer task
//! sleeps until the earliest due time and is woken when an earlier one is set; fired timers
//! become `conversation.idle` and `sla.breached` events that the engine evaluates like any
//! other.

pub mod calendar;
pub mod condition;
pub mod rule;
pub mod settings;
pub mod sla;
pub mod text;
pub mod timers;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use connector_sdk::ChannelKind;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use self::calendar::{Calendar, Calendars};
use self::condition::Facts;
use self::rule::{Action, ReplySpec, RuleSpec, Trigger};
use self::settings::{AutomationConfig, describe_span};
use self::sla::SlaPolicy;
use crate::domain::{
    Contact, Conversation, ConversationStatus, Event, EventId, EventKind, Millis, RuleId, SlaState,
    Team,
};
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::automation::{ConversationWork, PlannedAction, ReplyGuard, RulePlan, SlaWrite};
use crate::store::{PageRequest, Store, StoreResult};
use crate::supervisor::isolate;
use crate::templates::{TemplateContext, Templates};

pub use self::timers::Clock;

/// The cursor's name in `worker_cursors`.
const CURSOR: &str = "automation";
/// Events read per pass.
const BATCH: i64 = 500;
/// When nothing was applied, the cursor is written at most this often: re-reading a few
/// seconds of events after a crash is harmless, since rules that did something moved the
/// cursor themselves, and it keeps the engine off SQLite's write lock under inbound load.
const CURSOR_SAVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Where the engine is in the event log.
#[derive(Clone, Copy)]
struct Position {
    /// The last event evaluated.
    after: EventId,
    /// The last event the stored cursor covers.
    saved: EventId,
    saved_at: std::time::Instant,
}

/// Where rules come from, for the API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleSource {
    Config,
    Api,
    Bot,
}

/// A rule in the evaluation order, with where it came from.
#[derive(Debug, Clone)]
pub struct ActiveRule {
    pub spec: RuleSpec,
    pub source: RuleSource,
    /// The API rule's id.
    pub id: Option<RuleId>,
}

/// Everything the engine is configured with.
pub struct AutomationParts {
    pub store: Store,
    pub events: EventBus,
    pub templates: Arc<Templates>,
    pub config: AutomationConfig,
    pub rules: Vec<RuleSpec>,
    pub sla: Vec<SlaPolicy>,
    pub calendars: Arc<Calendars>,
    pub channel_kinds: HashMap<String, ChannelKind>,
    /// Notified when rules let the router take new conversations.
    pub router_wake: Arc<Notify>,
    /// Counts evaluations and timer passes that panicked.
    pub metrics: Arc<Metrics>,
}

/// Pause after a timer pass panicked: the same timers are still due, and firing them again at
/// once would spin.
const TIMER_PANIC_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// The rule engine; cheap to clone.
#[derive(Clone)]
pub struct Automation {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    metrics: Arc<Metrics>,
    events: EventBus,
    templates: Arc<Templates>,
    config: AutomationConfig,
    config_rules: Vec<RuleSpec>,
    bot_rules: Vec<RuleSpec>,
    sla: HashMap<String, SlaPolicy>,
    calendars: Arc<Calendars>,
    channel_kinds: HashMap<String, ChannelKind>,
    router_wake: Arc<Notify>,
    /// Woken when a timer may now be due earlier than the timer task thinks.
    timer_wake: Arc<Notify>,
    /// Whether new conversations are held for triage (rules act on their first message).
    holding: std::sync::atomic::AtomicBool,
    /// Serialises passes (the worker, tests and API-triggered passes).
    pass: tokio::sync::Mutex<Option<Position>>,
}

/// Validates a rule against what exists (templates, SLA policies, channels).
///
/// # Errors
/// A message naming the field.
pub fn check_rule(spec: &RuleSpec, templates: &Templates, sla: &[SlaPolicy]) -> Result<(), String> {
    spec.validate()?;
    for (index, action) in spec.actions.iter().enumerate() {
        match action {
            Action::Reply(reply) if !templates.exists(reply.template()) => {
                return Err(format!(
                    "actions[{index}].reply: no template named {:?}",
                    reply.template()
                ));
            }
            Action::SetSla(name) if !sla.iter().any(|policy| policy.name == *name) => {
                return Err(format!(
                    "actions[{index}].set_sla: no [[sla]] policy named {name:?}"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

impl Automation {
    /// The engine. Config rules and bots are checked here: a rule naming a missing template
    /// or SLA policy stops start-up.
    ///
    /// # Errors
    /// The first bad rule, by its position in the config.
    pub fn new(parts: AutomationParts) -> Result<Self, String> {
        for (index, rule) in parts.rules.iter().enumerate() {
            check_rule(rule, &parts.templates, &parts.sla)
                .map_err(|err| format!("rules[{index}] ({}): {err}", rule.name))?;
        }
        let bot_rules = parts.config.bots.rules();
        for rule in &bot_rules {
            check_rule(rule, &parts.templates, &parts.sla)
                .map_err(|err| format!("automation.bots ({}): {err}", rule.name))?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                store: parts.store,
                metrics: parts.metrics,
                events: parts.events,
                templates: parts.templates,
                config: parts.config,
                config_rules: parts.rules,
                bot_rules,
                sla: parts
                    .sla
                    .into_iter()
                    .map(|policy| (policy.name.clone(), policy))
                    .collect(),
                calendars: parts.calendars,
                channel_kinds: parts.channel_kinds,
                router_wake: parts.router_wake,
                timer_wake: Arc::new(Notify::new()),
                holding: std::sync::atomic::AtomicBool::new(false),
                pass: tokio::sync::Mutex::new(None),
            }),
        })
    }

    /// Places the engine's cursor at the end of the log on a new database, so that it acts
    /// on everything from now on and on nothing from before.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn init(&self) -> StoreResult<()> {
        self.inner.store.init_worker_cursor(CURSOR).await?;
        let rules = self.rules().await?;
        self.hold_for_triage(&rules).await
    }

    /// Holds new conversations back from the router while rules that may route them exist
    /// (they run on the first message); lets every held one go when there are none any more.
    async fn hold_for_triage(&self, rules: &[ActiveRule]) -> StoreResult<()> {
        let inner = &self.inner;
        let hold = inner.config.enabled
            && rules.iter().any(|rule| {
                rule.spec.enabled
                    && matches!(
                        rule.spec.on,
                        Trigger::ConversationCreated | Trigger::MessageReceived
                    )
            });
        inner.store.hold_new_conversations_for_triage(hold);
        let was = inner
            .holding
            .swap(hold, std::sync::atomic::Ordering::Relaxed);
        if !hold && (was || !inner.config.enabled) {
            inner.store.release_triage().await?;
            inner.router_wake.notify_one();
        }
        Ok(())
    }

    /// Every rule in evaluation order: config, API, bots.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn rules(&self) -> StoreResult<Vec<ActiveRule>> {
        let mut rules: Vec<ActiveRule> = self
            .inner
            .config_rules
            .iter()
            .map(|spec| ActiveRule {
                spec: spec.clone(),
                source: RuleSource::Config,
                id: None,
            })
            .collect();
        for stored in self.inner.store.list_rules().await? {
            match serde_json::from_value::<RuleSpec>(stored.definition) {
                Ok(spec) => rules.push(ActiveRule {
                    spec,
                    source: RuleSource::Api,
                    id: Some(stored.id),
                }),
                // Only possible after a downgrade that lost a feature: say so, keep going.
                Err(err) => {
                    tracing::error!(rule = %stored.name, error = %err, "stored rule no longer parses; skipped")
                }
            }
        }
        rules.extend(self.inner.bot_rules.iter().map(|spec| ActiveRule {
            spec: spec.clone(),
            source: RuleSource::Bot,
            id: None,
        }));
        Ok(rules)
    }

    /// Names taken by config rules and bots (API rules must not reuse them).
    pub fn reserved_names(&self) -> Vec<String> {
        self.inner
            .config_rules
            .iter()
            .chain(&self.inner.bot_rules)
            .map(|rule| rule.name.clone())
            .collect()
    }

    /// The configured SLA policies.
    pub fn sla_policies(&self) -> Vec<SlaPolicy> {
        self.inner.sla.values().cloned().collect()
    }

    /// The templates rules reply with.
    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    /// Evaluates every event logged since the last pass and applies what rules decide;
    /// returns how many rules applied (or failed visibly).
    ///
    /// # Errors
    /// When the store fails; nothing of the failing batch is applied and it is retried.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let inner = &self.inner;
        let mut pass = inner.pass.lock().await;
        let mut position = match *pass {
            Some(position) => position,
            None => {
                let at = inner.store.worker_cursor(CURSOR).await?;
                Position {
                    after: at,
                    saved: at,
                    saved_at: std::time::Instant::now(),
                }
            }
        };
        let mut outcomes = 0;
        loop {
            let rules = self.rules().await?;
            self.hold_for_triage(&rules).await?;
            if inner.sla.is_empty() && !rules.iter().any(|rule| rule.spec.enabled) {
                // Nothing could act: skip the events instead of reading them.
                if let Some(latest) = inner.store.latest_event_id().await? {
                    position.after = position.after.max(latest);
                }
                break;
            }
            let events = inner.store.list_events(position.after, BATCH).await?;
            let Some(last) = events.last().map(|event| event.id) else {
                break;
            };
            let teams = if inner.calendars.iter().next().is_some() {
                inner.store.list_teams().await?
            } else {
                Vec::new()
            };
            let mut works: Vec<ConversationWork> = Vec::new();
            let mut touched = HashSet::new();
            let mut previous = position.after;
            for event in &events {
                // One event whose evaluation panics is skipped (logged and counted); the
                // engine goes on with the next, and never meets it again.
                let evaluated = match isolate(
                    "automation",
                    &inner.metrics,
                    self.evaluate(event, &rules, &teams),
                )
                .await
                {
                    Ok(evaluated) => evaluated?,
                    Err(panic) => {
                        tracing::error!(event = ?event.id, %panic, "rule evaluation failed; event skipped");
                        None
                    }
                };
                if let Some(work) = evaluated {
                    // Facts were read before this batch applied anything: a second event
                    // of the same conversation must see what the first one changed.
                    if !touched.insert(work.conversation) {
                        outcomes += self.flush(&mut works, previous).await?;
                        position.saved = previous;
                        position.saved_at = std::time::Instant::now();
                        touched.clear();
                        touched.insert(work.conversation);
                    }
                    works.push(work);
                }
                previous = event.id;
            }
            if !works.is_empty() {
                outcomes += self.flush(&mut works, last).await?;
                position.saved = last;
                position.saved_at = std::time::Instant::now();
            }
            position.after = last;
            *pass = Some(position);
        }
        if position.after > position.saved && position.saved_at.elapsed() >= CURSOR_SAVE_INTERVAL {
            inner
                .store
                .advance_worker_cursor(CURSOR, position.after)
                .await?;
            position.saved = position.after;
            position.saved_at = std::time::Instant::now();
        }
        *pass = Some(position);
        Ok(outcomes)
    }

    /// Writes the cursor where the engine is (at shutdown).
    async fn save_position(&self) {
        let pass = self.inner.pass.lock().await;
        if let Some(position) = *pass
            && position.after > position.saved
            && let Err(err) = self
                .inner
                .store
                .advance_worker_cursor(CURSOR, position.after)
                .await
        {
            tracing::warn!(error = %err, "saving the automation cursor failed");
        }
    }

    /// Applies a batch's work and publishes its events.
    async fn flush(
        &self,
        works: &mut Vec<ConversationWork>,
        cursor: EventId,
    ) -> StoreResult<usize> {
        let inner = &self.inner;
        let batch = std::mem::take(works);
        let (outcomes, events) = inner
            .store
            .apply_automation(&batch, Some((CURSOR, cursor)), Millis::now())
            .await?;
        for outcome in &outcomes {
            if let crate::store::automation::RuleOutcome::Failed {
                conversation,
                rule,
                reason,
            } = outcome
            {
                tracing::warn!(%conversation, %rule, %reason, "rule failed and was rolled back");
            }
        }
        inner.events.publish(events);
        // Released conversations, new teams and policies: the router has work.
        if batch
            .iter()
            .any(|work| work.clear_triage || !work.rules.is_empty())
        {
            inner.router_wake.notify_one();
        }
        if batch
            .iter()
            .any(|work| !work.arm_idle.is_empty() || work.sla.is_some() || !work.rules.is_empty())
        {
            inner.timer_wake.notify_one();
        }
        Ok(outcomes.len())
    }

    /// What one event makes the engine do, if anything.
    async fn evaluate(
        &self,
        event: &Event,
        rules: &[ActiveRule],
        teams: &[Team],
    ) -> StoreResult<Option<ConversationWork>> {
        let inner = &self.inner;
        let Some(conversation_id) = event.conversation_id else {
            return Ok(None);
        };
        let direction = event.data.get("direction").and_then(|v| v.as_str());
        let message_kind = event.data.get("kind").and_then(|v| v.as_str());
        let is_message = event.kind == EventKind::MessageCreated && message_kind == Some("message");
        let trigger = match event.kind {
            EventKind::MessageCreated if is_message && direction == Some("in") => {
                Some(Trigger::MessageReceived)
            }
            EventKind::ConversationCreated => Some(Trigger::ConversationCreated),
            EventKind::ConversationStatusChanged
                if event.data.get("to").and_then(|v| v.as_str()) == Some("resolved") =>
            {
                Some(Trigger::ConversationResolved)
            }
            EventKind::ConversationIdle => Some(Trigger::ConversationIdle),
            EventKind::SlaBreached => Some(Trigger::SlaBreached),
            _ => None,
        };
        let idle_rule = event.data.get("rule").and_then(|v| v.as_str());
        let matching: Vec<&ActiveRule> = rules
            .iter()
            .filter(|rule| rule.spec.enabled && Some(rule.spec.on) == trigger)
            .filter(|rule| {
                trigger != Some(Trigger::ConversationIdle)
                    || Some(rule.spec.name.as_str()) == idle_rule
            })
            .collect();
        let idle_rules: Vec<&RuleSpec> = rules
            .iter()
            .filter(|rule| rule.spec.enabled && rule.spec.on == Trigger::ConversationIdle)
            .map(|rule| &rule.spec)
            .collect();
        let arms_idle =
            !idle_rules.is_empty() && (is_message || event.kind == EventKind::ConversationCreated);
        let sla_relevant =
            !inner.sla.is_empty() && (is_message || trigger == Some(Trigger::ConversationResolved));
        // A held conversation is released once its first message's rules ran (the
        // `conversation.created` ones come before it in the log).
        let releases = trigger == Some(Trigger::MessageReceived)
            && inner.holding.load(std::sync::atomic::Ordering::Relaxed);
        if matching.is_empty() && !arms_idle && !sla_relevant && !releases {
            return Ok(None);
        }
        let conversation = match inner.store.get_conversation(conversation_id).await {
            Ok(conversation) => conversation,
            Err(crate::store::StoreError::NotFound) => return Ok(None),
            Err(err) => return Err(err),
        };
        let now = Millis::now();
        let mut work = ConversationWork::new(conversation_id);
        work.clear_triage = releases;
        if arms_idle
            && matches!(
                conversation.status,
                ConversationStatus::Open | ConversationStatus::Pending
            )
        {
            for rule in &idle_rules {
                if let Some(span) = rule.idle_for {
                    work.arm_idle.push((
                        format!("idle:{}", rule.name),
                        now.plus(span.0),
                        span.millis(),
                    ));
                }
            }
        }
        let team_name = conversation
            .team_id
            .and_then(|id| teams.iter().find(|team| team.id == id))
            .map(|team| team.name.as_str());
        let calendar = inner
            .calendars
            .for_conversation(&conversation.channel, team_name);
        if sla_relevant {
            work.sla = self.track_sla(event, &conversation, is_message, direction, calendar);
        }
        if !matching.is_empty() {
            let contact = inner.store.get_contact(conversation.contact_id).await?;
            let message = match event.message_id {
                Some(id) if is_message => Some(inner.store.get_message(id).await?),
                // A new conversation is judged by the message that opened it: an auto-reply
                // or a bot opening one must not be greeted.
                _ if trigger == Some(Trigger::ConversationCreated) => {
                    let first = PageRequest {
                        cursor: None,
                        limit: Some(1),
                    };
                    inner
                        .store
                        .list_messages(conversation_id, first)
                        .await?
                        .items
                        .into_iter()
                        .next()
                }
                _ => None,
            };
            let kind = inner.channel_kinds.get(&conversation.channel).copied();
            let text = message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
            let mut facts = Facts {
                channel: conversation.channel.clone(),
                channel_kind: kind,
                language: text::detect_language(&text).map(str::to_owned),
                text,
                contact_attributes: contact.attributes.clone(),
                contact_tags: contact.tags.clone(),
                labels: conversation.labels.clone(),
                priority: Some(conversation.priority),
                status: Some(conversation.status),
                within_business_hours: calendar.is_none_or(|c| c.is_open(now.to_datetime())),
                automated: message.as_ref().is_some_and(|m| m.automated),
                author_is_bot: message
                    .as_ref()
                    .is_some_and(|m| m.author_type == crate::domain::AuthorType::Bot),
            };
            for rule in matching {
                // No condition means always; facts change as earlier rules apply.
                if rule
                    .spec
                    .when
                    .as_ref()
                    .is_none_or(|when| when.matches(&facts))
                {
                    let plan = self.plan(
                        &rule.spec,
                        &mut facts,
                        &conversation,
                        &contact,
                        kind,
                        calendar,
                        now,
                    );
                    work.rules.push(plan);
                    if rule.spec.stop {
                        break;
                    }
                }
            }
        }
        Ok((!work.is_empty()).then_some(work))
    }

    /// Keeps a conversation's SLA targets up to date with what just happened.
    fn track_sla(
        &self,
        event: &Event,
        conversation: &Conversation,
        is_message: bool,
        direction: Option<&str>,
        calendar: Option<&Calendar>,
    ) -> Option<SlaWrite> {
        let mut state = SlaState::from_json(conversation.sla.as_ref()?)?;
        let policy = self.inner.sla.get(&state.policy)?;
        let at = Millis::from(event.created_at);
        let change = if is_message && direction == Some("in") {
            state.customer_wrote(policy, at, calendar)
        } else if is_message && direction == Some("out") && event.agent_id.is_some() {
            state.agent_replied(at)
        } else if !is_message {
            state.resolved(at)
        } else {
            return None;
        };
        if change.is_empty() {
            return None;
        }
        Some(SlaWrite {
            state: state.to_json(),
            arm: change
                .arm
                .iter()
                .map(|(target, due)| (target.timer_kind(), *due))
                .collect(),
            cancel: change
                .cancel
                .iter()
                .map(|target| target.timer_kind())
                .collect(),
        })
    }

    /// Turns a matching rule into store actions, and updates the facts later rules see.
    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        rule: &RuleSpec,
        facts: &mut Facts,
        conversation: &Conversation,
        contact: &Contact,
        kind: Option<ChannelKind>,
        calendar: Option<&Calendar>,
        now: Millis,
    ) -> RulePlan {
        let inner = &self.inner;
        let mut actions = Vec::with_capacity(rule.actions.len());
        for action in &rule.actions {
            let planned = match action {
                Action::AssignAgent(email) => PlannedAction::AssignAgent(email.clone()),
                Action::AssignTeam(team) => PlannedAction::AssignTeam(team.clone()),
                Action::AssignPolicy(policy) => PlannedAction::SetPolicy(*policy),
                Action::AddLabel(label) => {
                    if !facts.labels.contains(label) {
                        facts.labels.push(label.clone());
                    }
                    PlannedAction::AddLabel(label.clone())
                }
                Action::RemoveLabel(label) => {
                    facts.labels.retain(|l| l != label);
                    PlannedAction::RemoveLabel(label.clone())
                }
                Action::SetPriority(priority) => {
                    facts.priority = Some(*priority);
                    PlannedAction::SetPriority(*priority)
                }
                Action::SetStatus(status) => {
                    facts.status = Some(*status);
                    PlannedAction::SetStatus(*status)
                }
                Action::SnoozeFor(span) => {
                    facts.status = Some(ConversationStatus::Snoozed);
                    PlannedAction::SnoozeUntil(now.plus(span.0))
                }
                Action::SnoozeUntilOpen(_) => {
                    let next = calendar.and_then(|c| c.next_open(now.to_datetime()));
                    match next.map(Millis::from) {
                        Some(next) if next > now => {
                            facts.status = Some(ConversationStatus::Snoozed);
                            PlannedAction::SnoozeUntil(next)
                        }
                        // Open now (or no calendar): nothing to wait for.
                        _ => continue,
                    }
                }
                Action::Reply(spec) => {
                    self.plan_reply(spec, facts, conversation, contact, kind, calendar, now)
                }
                Action::Note(text) => {
                    let context =
                        self.context(conversation, contact, kind, calendar, now, None, "");
                    match inner.templates.render_source(
                        &format!("rule {}", rule.name),
                        text,
                        &context,
                    ) {
                        Ok(rendered) => PlannedAction::Note(rendered.text),
                        Err(err) => PlannedAction::Fail(format!("note: {err}")),
                    }
                }
                Action::Webhook(name) => PlannedAction::Webhook(name.clone()),
                Action::SetSla(name) => match inner.sla.get(name) {
                    Some(policy) => {
                        let (state, change) = SlaState::start(
                            policy,
                            now,
                            conversation.first_reply_at.is_some(),
                            calendar,
                        );
                        PlannedAction::StartSla {
                            state: state.to_json(),
                            arm: change
                                .arm
                                .iter()
                                .map(|(target, due)| (target.timer_kind(), *due))
                                .collect(),
                        }
                    }
                    None => PlannedAction::Fail(format!("set_sla: no SLA policy named {name:?}")),
                },
            };
            actions.push((planned, action.describe()));
        }
        RulePlan {
            rule: rule.name.clone(),
            actions,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_reply(
        &self,
        spec: &ReplySpec,
        facts: &Facts,
        conversation: &Conversation,
        contact: &Contact,
        kind: Option<ChannelKind>,
        calendar: Option<&Calendar>,
        now: Millis,
    ) -> PlannedAction {
        let inner = &self.inner;
        let Some(kind) = kind else {
            return PlannedAction::Fail(format!(
                "reply: channel {:?} is not configured any more",
                conversation.channel
            ));
        };
        let locale = inner
            .templates
            .resolve_locale(&contact.attributes, facts.language.as_deref());
        let mut context = self.context(
            conversation,
            contact,
            Some(kind),
            calendar,
            now,
            Some(spec),
            &locale,
        );
        context.custom = spec.values();
        match inner
            .templates
            .render(spec.template(), kind, &locale, &context)
        {
            Ok(rendered) => {
                let cooldown = spec.cooldown().unwrap_or(if kind == ChannelKind::Email {
                    inner.config.email_cooldown
                } else {
                    inner.config.chat_cooldown
                });
                PlannedAction::Reply {
                    template: spec.template().to_owned(),
                    rendered,
                    guard: ReplyGuard {
                        contact: contact.id,
                        trigger_automated: facts.automated || facts.author_is_bot,
                        human_window_ms: inner.config.human_reply_window.millis(),
                        cooldown_ms: cooldown.millis(),
                        max_per_hour: i64::from(inner.config.max_auto_replies_per_hour),
                    },
                }
            }
            Err(err) => PlannedAction::Fail(format!("reply with {}: {err}", spec.template())),
        }
    }

    /// The template context of a conversation, with its business hours.
    #[allow(clippy::too_many_arguments)]
    fn context(
        &self,
        conversation: &Conversation,
        contact: &Contact,
        kind: Option<ChannelKind>,
        calendar: Option<&Calendar>,
        now: Millis,
        reply: Option<&ReplySpec>,
        locale: &str,
    ) -> TemplateContext {
        let kind = kind.unwrap_or(ChannelKind::Webhook);
        let mut context =
            TemplateContext::from_parts(contact, conversation, None, &conversation.channel, kind);
        let at = now.to_datetime();
        if let Some(calendar) = calendar {
            let open = calendar.is_open(at);
            context.business_hours.open = open;
            context.business_hours.timezone = calendar.timezone().to_owned();
            context.business_hours.next_open = if open {
                None
            } else {
                calendar.next_open(at).map(|next| next.to_rfc3339())
            };
        }
        // The promised response time: the bot's own, else the running SLA's first response.
        let promised = reply
            .and_then(|spec| match spec {
                ReplySpec::Detailed { values, .. } => values
                    .get("expected_response_secs")
                    .and_then(serde_json::Value::as_u64)
                    .map(std::time::Duration::from_secs),
                ReplySpec::Template(_) => None,
            })
            .or_else(|| {
                let state = SlaState::from_json(conversation.sla.as_ref()?)?;
                self.inner
                    .sla
                    .get(&state.policy)?
                    .first_response
                    .map(|span| span.0)
            });
        if let Some(span) = promised {
            context.business_hours.expected_response = describe_span(span, locale);
        }
        context
    }

    /// Fires the timers due at `now` and publishes their events; returns how many fired.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn fire_timers(&self, now: Millis) -> StoreResult<usize> {
        let mut total = 0;
        loop {
            let (fired, events) = self
                .inner
                .store
                .fire_timers(now, 200, &sla::judge_fired_timer)
                .await?;
            self.inner.events.publish(events);
            total += fired.len();
            if fired.len() < 200 {
                return Ok(total);
            }
        }
    }

    /// Runs the engine until `shutdown`: a pass whenever something is logged, and the timers.
    ///
    /// # Errors
    /// Never today; store failures are logged and retried.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        if !self.inner.config.enabled {
            return Ok(());
        }
        let timer_task = {
            let engine = self.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let wake = engine.inner.timer_wake.clone();
                timers::run(&engine, &Clock::System, &wake, shutdown).await;
            })
        };
        let mut bus = self.inner.events.subscribe();
        while !shutdown.is_cancelled() {
            if let Err(err) = self.run_once().await {
                tracing::error!(error = %err, "automation pass failed");
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    () = shutdown.cancelled() => break,
                }
                continue;
            }
            tokio::select! {
                received = bus.recv() => match received {
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                () = shutdown.cancelled() => break,
            }
            while bus.try_recv().is_ok() {}
        }
        self.save_position().await;
        let _ = timer_task.await;
        Ok(())
    }
}

impl timers::TimerSource for Automation {
    async fn next_due(&self) -> Option<Millis> {
        match self.inner.store.next_timer_due().await {
            Ok(due) => due,
            Err(err) => {
                tracing::error!(error = %err, "reading the next timer failed");
                // Look again soon rather than never.
                Some(Millis::now().plus(std::time::Duration::from_secs(5)))
            }
        }
    }

    async fn fire(&self, now: Millis) {
        match isolate(
            "automation_timers",
            &self.inner.metrics,
            self.fire_timers(now),
        )
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "firing timers failed"),
            Err(_) => tokio::time::sleep(TIMER_PANIC_PAUSE).await,
        }
    }
}
