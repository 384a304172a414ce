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
//!
//! This file holds the engine's configuration and rule set; `engine` runs the loop over the
//! event log and the timers, `planning` turns one event into the work rules decide on, and
//! `context` builds the template context replies and notes render with.

pub mod calendar;
pub mod condition;
mod context;
mod engine;
mod planning;
pub mod rule;
pub mod settings;
pub mod sla;
pub mod text;
pub mod timers;

use std::collections::HashMap;
use std::sync::Arc;

use connector_sdk::ChannelKind;
use tokio::sync::Notify;

use self::calendar::Calendars;
use self::engine::{CURSOR, Position};
use self::rule::{Action, RuleSpec, Trigger};
use self::settings::AutomationConfig;
use self::sla::SlaPolicy;
use crate::domain::RuleId;
use crate::events::EventBus;
use crate::metrics::Metrics;
use crate::store::{Store, StoreResult};
use crate::templates::Templates;

pub use self::timers::Clock;

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
    /// Signs the links of satisfaction surveys (`send_csat`); `None` refuses that action.
    pub surveys: Option<Arc<crate::csat::Surveys>>,
    /// Channels whose conversations get the survey when resolved (`csat = true`).
    pub csat_channels: Vec<String>,
    /// Whether agent assist is on (`assist_classify` needs it).
    pub assist_on: bool,
}

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
    surveys: Option<Arc<crate::csat::Surveys>>,
    assist_on: bool,
    router_wake: Arc<Notify>,
    /// Woken when a timer may now be due earlier than the timer task thinks.
    timer_wake: Arc<Notify>,
    /// Whether new conversations are held for triage (rules act on their first message).
    holding: std::sync::atomic::AtomicBool,
    /// Serialises passes (the worker, tests and API-triggered passes).
    pass: tokio::sync::Mutex<Option<Position>>,
    /// The lease the engine runs under on several nodes: its writes commit only while held.
    fence: std::sync::Mutex<Option<crate::store::cluster::Fence>>,
}

/// Validates a rule against what exists (templates, SLA policies, agent assist).
///
/// # Errors
/// A message naming the field.
pub fn check_rule(
    spec: &RuleSpec,
    templates: &Templates,
    sla: &[SlaPolicy],
    assist_on: bool,
) -> Result<(), String> {
    spec.validate()?;
    for (index, action) in spec.actions.iter().enumerate() {
        match action {
            Action::Reply(reply) if !templates.exists(reply.template()) => {
                return Err(format!(
                    "actions[{index}].reply: no template named {:?}",
                    reply.template()
                ));
            }
            Action::SendCsat(_) if !templates.exists(crate::csat::TEMPLATE) => {
                return Err(format!(
                    "actions[{index}].send_csat: no template named {:?}",
                    crate::csat::TEMPLATE
                ));
            }
            Action::SetSla(name) if !sla.iter().any(|policy| policy.name == *name) => {
                return Err(format!(
                    "actions[{index}].set_sla: no [[sla]] policy named {name:?}"
                ));
            }
            Action::AssistClassify(_) if !assist_on => {
                return Err(format!(
                    "actions[{index}].assist_classify: agent assist is off ([assist] base_url is not set)"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The built-in rule of channels with `csat = true`: the survey when a conversation is
/// resolved (the store sends at most one per conversation).
fn csat_rule(channels: &[String]) -> RuleSpec {
    RuleSpec {
        name: "bot:csat".into(),
        on: Trigger::ConversationResolved,
        idle_for: None,
        when: Some(self::condition::Condition::Any(
            channels
                .iter()
                .cloned()
                .map(self::condition::Condition::Channel)
                .collect(),
        )),
        actions: vec![Action::SendCsat(true)],
        stop: false,
        enabled: true,
    }
}

impl Automation {
    /// The engine. Config rules and bots are checked here: a rule naming a missing template
    /// or SLA policy stops start-up.
    ///
    /// # Errors
    /// The first bad rule, by its position in the config.
    pub fn new(parts: AutomationParts) -> Result<Self, String> {
        for (index, rule) in parts.rules.iter().enumerate() {
            check_rule(rule, &parts.templates, &parts.sla, parts.assist_on)
                .map_err(|err| format!("rules[{index}] ({}): {err}", rule.name))?;
        }
        let mut bot_rules = parts.config.bots.rules();
        if !parts.csat_channels.is_empty() {
            bot_rules.push(csat_rule(&parts.csat_channels));
        }
        for rule in &bot_rules {
            check_rule(rule, &parts.templates, &parts.sla, parts.assist_on)
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
                surveys: parts.surveys,
                assist_on: parts.assist_on,
                router_wake: parts.router_wake,
                timer_wake: Arc::new(Notify::new()),
                holding: std::sync::atomic::AtomicBool::new(false),
                pass: tokio::sync::Mutex::new(None),
                fence: std::sync::Mutex::new(None),
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

    /// Whether agent assist is on (rules may then use `assist_classify`).
    pub fn assist_on(&self) -> bool {
        self.inner.assist_on
    }

    /// The configured SLA policies.
    pub fn sla_policies(&self) -> Vec<SlaPolicy> {
        self.inner.sla.values().cloned().collect()
    }

    /// The business-hours calendars (`[[business_hours]]`).
    pub fn calendars(&self) -> &Calendars {
        &self.inner.calendars
    }

    /// The templates rules reply with.
    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }
}
