//! What a rule is: the event it listens to, a condition tree and ordered actions. The same
//! shape is read from `[[rules]]` in the config and from JSON on `/api/v1/rules`, so a rule
//! written in one place can be pasted into the other.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::condition::Condition;
use crate::domain::{ConversationStatus, Priority, RoutingPolicy};

/// The events rules listen to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Trigger {
    /// A customer's message was stored (new or existing conversation).
    #[serde(rename = "message.received")]
    MessageReceived,
    /// A conversation was opened by its first message.
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    /// A conversation was resolved (by an agent, the API or a rule).
    #[serde(rename = "conversation.resolved")]
    ConversationResolved,
    /// Nothing happened in an open conversation for the rule's `idle_for`.
    #[serde(rename = "conversation.idle")]
    ConversationIdle,
    /// An SLA target passed without being met.
    #[serde(rename = "sla.breached")]
    SlaBreached,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::MessageReceived => "message.received",
            Trigger::ConversationCreated => "conversation.created",
            Trigger::ConversationResolved => "conversation.resolved",
            Trigger::ConversationIdle => "conversation.idle",
            Trigger::SlaBreached => "sla.breached",
        }
    }
}

/// A span of time written as `90s`, `30m`, `4h`, `7d` or combinations like `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Span(pub Duration);

/// A span is a string of numbers with units; the pattern is what [`parse_span`] reads (with
/// numbers short enough never to overflow).
impl utoipa::PartialSchema for Span {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A span of time: numbers with units `s`, `m`, `h`, `d`, `w`, e.g. `30m`, `1h30m`.",
            ))
            .pattern(Some(r"^\s*([0-9]{1,9}[smhdw])+\s*$"))
            .examples(["30m"])
            .into()
    }
}

impl ToSchema for Span {}

impl Span {
    pub fn millis(self) -> i64 {
        i64::try_from(self.0.as_millis()).unwrap_or(i64::MAX)
    }
}

impl TryFrom<String> for Span {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        parse_span(&text).map(Span)
    }
}

impl From<Span> for String {
    fn from(span: Span) -> String {
        span.to_string()
    }
}

/// Most digits of one number in a span: the pattern of its schema, and what keeps a number
/// far from overflowing.
const MAX_SPAN_DIGITS: usize = 9;

/// Writes the span in days, hours, minutes and seconds; a number of days too long for one
/// group is written as several, so what is written always reads back (and matches the
/// schema's pattern).
impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LARGEST_GROUP: u64 = 999_999_999;
        let mut secs = self.0.as_secs();
        if secs == 0 {
            return f.write_str("0s");
        }
        let mut days = secs / 86_400;
        secs %= 86_400;
        while days > LARGEST_GROUP {
            write!(f, "{LARGEST_GROUP}d")?;
            days -= LARGEST_GROUP;
        }
        if days > 0 {
            write!(f, "{days}d")?;
        }
        for (unit, size) in [("h", 3_600), ("m", 60), ("s", 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        Ok(())
    }
}

/// Parses `1h30m`-style spans (units `s`, `m`, `h`, `d`, `w`).
pub fn parse_span(text: &str) -> Result<Duration, String> {
    let invalid = || format!("{text:?} is not a duration like \"30m\", \"4h\" or \"1d12h\"");
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let size = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(invalid()),
        };
        if number.len() > MAX_SPAN_DIGITS {
            return Err(invalid());
        }
        let value: u64 = number.parse().map_err(|_| invalid())?;
        number.clear();
        total = value
            .checked_mul(size)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(invalid)?;
    }
    if !number.is_empty() {
        return Err(invalid());
    }
    Ok(Duration::from_secs(total))
}

/// A reply with a template: `reply = "ack"` or `reply = { template = "ack", values = {...} }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ReplySpec {
    Template(String),
    Detailed {
        template: String,
        /// Custom values, available to the template as `custom.*`.
        #[serde(default)]
        #[schema(value_type = Object)]
        values: serde_json::Map<String, serde_json::Value>,
        /// At most one such reply per contact and channel within this span. Defaults to 24 h
        /// on chat channels and 7 days on email.
        #[serde(default)]
        cooldown: Option<Span>,
    },
}

impl ReplySpec {
    pub fn template(&self) -> &str {
        match self {
            ReplySpec::Template(name) | ReplySpec::Detailed { template: name, .. } => name,
        }
    }

    pub fn values(&self) -> serde_json::Map<String, serde_json::Value> {
        match self {
            ReplySpec::Template(_) => serde_json::Map::new(),
            ReplySpec::Detailed { values, .. } => values.clone(),
        }
    }

    pub fn cooldown(&self) -> Option<Span> {
        match self {
            ReplySpec::Template(_) => None,
            ReplySpec::Detailed { cooldown, .. } => *cooldown,
        }
    }
}

/// One thing a rule does. Written as a one-key table: `{ add_label = "vip" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Assign to the agent with this email address.
    AssignAgent(String),
    /// Route to the team with this name (the router picks a member).
    AssignTeam(String),
    /// Route this conversation with a policy of its own.
    AssignPolicy(RoutingPolicy),
    AddLabel(String),
    RemoveLabel(String),
    SetPriority(Priority),
    /// `open`, `pending` or `resolved` (use `snooze_for` to snooze).
    SetStatus(ConversationStatus),
    /// Snooze for a span; a new customer message wakes the conversation earlier.
    SnoozeFor(Span),
    /// Snooze until the conversation's business hours open next (no-op when open).
    SnoozeUntilOpen(bool),
    /// Send a template to the customer, guarded against loops.
    Reply(ReplySpec),
    /// Add a private note (a template text, rendered with the same context as replies).
    Note(String),
    /// Publish an `automation.webhook` event with this name to event webhook subscribers.
    Webhook(String),
    /// Start the SLA policy with this name.
    SetSla(String),
    /// Send the customer the satisfaction survey (template `csat_request`) in their channel's
    /// own form, unless the conversation had one already. Written `{ send_csat = true }`.
    SendCsat(bool),
    /// Ask agent assist's model for labels, a priority and a team, and apply them (the team
    /// only while no agent has the conversation). Runs after the rule, when the model answers;
    /// once per conversation and rule. Written `{ assist_classify = true }`.
    AssistClassify(bool),
}

impl Action {
    /// Words for the activity line that records this action.
    pub fn describe(&self) -> String {
        match self {
            Action::AssignAgent(email) => format!("assigned to {email}"),
            Action::AssignTeam(team) => format!("routed to team {team}"),
            Action::AssignPolicy(policy) => format!("routing policy set to {}", policy.as_str()),
            Action::AddLabel(label) => format!("label {label} added"),
            Action::RemoveLabel(label) => format!("label {label} removed"),
            Action::SetPriority(priority) => format!("priority set to {}", priority.as_str()),
            Action::SetStatus(status) => format!("status set to {}", status.as_str()),
            Action::SnoozeFor(span) => format!("snoozed for {span}"),
            Action::SnoozeUntilOpen(_) => "snoozed until business hours".to_owned(),
            Action::Reply(spec) => format!("replied with template {}", spec.template()),
            Action::Note(_) => "note added".to_owned(),
            Action::Webhook(name) => format!("webhook event {name} sent"),
            Action::SetSla(name) => format!("SLA policy {name} started"),
            Action::SendCsat(_) => "satisfaction survey sent".to_owned(),
            Action::AssistClassify(_) => "classification asked of agent assist".to_owned(),
        }
    }
}

/// A rule as written by people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique; shown on every activity line the rule writes.
    #[schema(pattern = r"\S")]
    pub name: String,
    /// The event the rule listens to.
    pub on: Trigger,
    /// For `conversation.idle`: how long without activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_for: Option<Span>,
    /// The condition; absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Applied in order, all or nothing.
    #[schema(min_items = 1)]
    pub actions: Vec<Action>,
    /// When the rule applies, later rules are not evaluated for this event.
    #[serde(default)]
    pub stop: bool,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl RuleSpec {
    /// Checks what serde cannot: shape rules between fields.
    ///
    /// # Errors
    /// A message naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        if self.actions.is_empty() {
            return Err("actions: a rule needs at least one action".into());
        }
        match (self.on, self.idle_for) {
            (Trigger::ConversationIdle, None) => {
                return Err("idle_for: required with on = \"conversation.idle\"".into());
            }
            (Trigger::ConversationIdle, Some(span)) if span.0.is_zero() => {
                return Err("idle_for: must be longer than zero".into());
            }
            (Trigger::ConversationIdle, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err("idle_for: only allowed with on = \"conversation.idle\"".into());
            }
        }
        for (index, action) in self.actions.iter().enumerate() {
            match action {
                Action::SetStatus(ConversationStatus::Snoozed) => {
                    return Err(format!(
                        "actions[{index}]: use snooze_for or snooze_until_open to snooze"
                    ));
                }
                Action::SnoozeFor(span) if span.0.is_zero() => {
                    return Err(format!(
                        "actions[{index}].snooze_for: must be longer than zero"
                    ));
                }
                Action::Webhook(name) | Action::AddLabel(name) | Action::RemoveLabel(name)
                    if name.trim().is_empty() =>
                {
                    return Err(format!("actions[{index}]: must not be empty"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_and_print() {
        assert_eq!(parse_span("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_span("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_span("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(Span(Duration::from_secs(5_400)).to_string(), "1h30m");
        // Long spans read back, and every number keeps to the schema's nine digits.
        let long = Span(parse_span("999999999w").expect("a span"));
        assert_eq!(
            long.to_string(),
            "999999999d999999999d999999999d999999999d999999999d999999999d999999999d"
        );
        assert_eq!(parse_span(&long.to_string()), Ok(long.0));
        assert!(parse_span("1234567890s").is_err());
        for bad in ["", "5", "h", "1x", "-1h", "1.5h", "99999999999999999999d"] {
            assert!(parse_span(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_rule_reads_from_toml() {
        let rule: RuleSpec = toml::from_str(
            r#"
            name = "invoices"
            on = "message.received"
            stop = true
            when = { all = [ { channel_kind = "telegram" }, { text_contains = "faktura" } ] }
            actions = [ { add_label = "billing" }, { reply = { template = "ack", cooldown = "1h" } } ]
            "#,
        )
        .expect("rule");
        assert!(rule.stop);
        assert_eq!(rule.actions.len(), 2);
        assert_eq!(rule.validate(), Ok(()));
    }

    #[test]
    fn shape_mistakes_are_named() {
        let idle: RuleSpec = toml::from_str(
            r#"
            name = "idle"
            on = "conversation.idle"
            actions = [ { add_label = "stale" } ]
            "#,
        )
        .expect("rule");
        assert!(idle.validate().unwrap_err().starts_with("idle_for"));
        let err = toml::from_str::<RuleSpec>(
            r#"
            name = "x"
            on = "message.received"
            actions = [ { explode = true } ]
            "#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("explode"), "{err}");
    }
}
