//! `[automation]`, `[[rules]]`, `[[sla]]` and `[[business_hours]]`: how the rule engine and
//! its bots behave, and the checks that run on them at start-up.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::condition::Condition;
use super::rule::{Action, ReplySpec, RuleSpec, Span, Trigger};
use super::sla::SlaPolicy;

/// `[automation]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutomationConfig {
    /// Runs rules, bots and SLA timers. Off: events are not evaluated at all.
    pub enabled: bool,
    /// No automatic reply when a person answered the conversation within this span.
    pub human_reply_window: Span,
    /// Circuit breaker: automatic messages per conversation per hour.
    pub max_auto_replies_per_hour: u32,
    /// The same automatic reply goes to a contact on a chat channel at most once per span.
    pub chat_cooldown: Span,
    /// ... and on email at most once per span.
    pub email_cooldown: Span,
    /// Ready-made acknowledgement bots; each is on when its table is present.
    pub bots: BotsConfig,
}

impl Default for AutomationConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            human_reply_window: Span(Duration::from_secs(5 * 60)),
            max_auto_replies_per_hour: 3,
            chat_cooldown: Span(Duration::from_secs(24 * 3_600)),
            email_cooldown: Span(Duration::from_secs(7 * 24 * 3_600)),
            bots: BotsConfig::default(),
        }
    }
}

/// `[automation.bots.*]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotsConfig {
    /// Greets a customer who opens a new conversation (template `greeting`).
    pub greeting: Option<BotConfig>,
    /// "We got your message", with the expected response time (template `ack`).
    pub ack: Option<BotConfig>,
    /// Outside business hours: when we are back (template `out_of_office`). With it on, the
    /// greeting and the acknowledgement only answer within business hours.
    pub out_of_office: Option<BotConfig>,
}

/// One bot.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    /// Only on these channels; all channels when empty.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Another template than the bot's own.
    pub template: Option<String>,
    /// The response time promised by the acknowledgement.
    pub expected_response: Option<Span>,
    /// Overrides the channel's default cooldown.
    pub cooldown: Option<Span>,
}

impl AutomationConfig {
    /// Checks that every channel a bot is limited to is one of `channels` (the configured
    /// channel names): a misspelt one would leave the bot silent there.
    ///
    /// # Errors
    /// `automation.bots.<bot>.channels[<index>]: <problem>`.
    pub fn validate(&self, channels: &[&str]) -> Result<(), String> {
        let bots = &self.bots;
        let named = [
            ("greeting", &bots.greeting),
            ("ack", &bots.ack),
            ("out_of_office", &bots.out_of_office),
        ];
        for (bot, config) in named {
            let Some(config) = config else { continue };
            if let Some((index, name)) = config
                .channels
                .iter()
                .enumerate()
                .find(|(_, name)| !channels.contains(&name.as_str()))
            {
                return Err(format!(
                    "automation.bots.{bot}.channels[{index}]: no [[channels]] entry is named \
                     {name:?}"
                ));
            }
        }
        Ok(())
    }
}

impl BotsConfig {
    /// The bots as ordinary rules, evaluated after every other rule.
    pub fn rules(&self) -> Vec<RuleSpec> {
        let office_hours_only = self.out_of_office.is_some();
        let mut rules = Vec::new();
        let mut add = |name: &str, on: Trigger, bot: &BotConfig, extra: Option<Condition>| {
            let mut all = vec![
                Condition::Not(Box::new(Condition::Automated(true))),
                Condition::Not(Box::new(Condition::AuthorIsBot(true))),
            ];
            if !bot.channels.is_empty() {
                all.push(Condition::Any(
                    bot.channels
                        .iter()
                        .cloned()
                        .map(Condition::Channel)
                        .collect(),
                ));
            }
            all.extend(extra);
            let mut values = serde_json::Map::new();
            if let Some(span) = bot.expected_response {
                values.insert(
                    "expected_response_secs".into(),
                    serde_json::json!(span.0.as_secs()),
                );
            }
            rules.push(RuleSpec {
                name: format!("bot:{name}"),
                on,
                idle_for: None,
                when: Some(Condition::All(all)),
                actions: vec![Action::Reply(ReplySpec::Detailed {
                    template: bot.template.clone().unwrap_or_else(|| name.to_owned()),
                    values,
                    cooldown: bot.cooldown,
                })],
                stop: false,
                enabled: true,
            });
        };
        let open_only = office_hours_only.then_some(Condition::WithinBusinessHours(true));
        if let Some(bot) = &self.out_of_office {
            add(
                "out_of_office",
                Trigger::MessageReceived,
                bot,
                Some(Condition::WithinBusinessHours(false)),
            );
        }
        if let Some(bot) = &self.greeting {
            add(
                "greeting",
                Trigger::ConversationCreated,
                bot,
                open_only.clone(),
            );
        }
        if let Some(bot) = &self.ack {
            add("ack", Trigger::ConversationCreated, bot, open_only);
        }
        rules
    }
}

/// One `[[business_hours]]` table: weekly opening ranges in a time zone, holidays, and the
/// channels and teams that keep these hours. Checked by `automation::calendar::Calendars`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursConfig {
    /// Unique; the calendar named `default` applies where no other one is claimed.
    pub name: String,
    /// An IANA time zone, e.g. `Europe/Prague`.
    pub timezone: String,
    /// Ranges such as `"09:00-12:00, 13:00-17:00"`, or `"closed"`; a missing day is closed.
    pub monday: Option<String>,
    pub tuesday: Option<String>,
    pub wednesday: Option<String>,
    pub thursday: Option<String>,
    pub friday: Option<String>,
    pub saturday: Option<String>,
    pub sunday: Option<String>,
    /// Local dates (`YYYY-MM-DD`) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Channel names that keep these hours.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Team names that keep these hours; a team's calendar wins over its channel's.
    #[serde(default)]
    pub teams: Vec<String>,
}

/// Checks `[[rules]]`: each rule on its own, and that no two share a name.
///
/// # Errors
/// `rules[<index>].<key>: <problem>`.
pub fn validate_rules(rules: &[RuleSpec]) -> Result<(), String> {
    let mut names = HashSet::new();
    for (index, rule) in rules.iter().enumerate() {
        rule.validate()
            .map_err(|message| format!("rules[{index}].{message}"))?;
        if !names.insert(rule.name.as_str()) {
            return Err(format!(
                "rules[{index}].name: another rule is named {:?}",
                rule.name
            ));
        }
    }
    Ok(())
}

/// Checks `[[sla]]`: each policy on its own, and that no two share a name.
///
/// # Errors
/// `sla[<index>].<key>: <problem>`.
pub fn validate_sla(policies: &[SlaPolicy]) -> Result<(), String> {
    let mut names = HashSet::new();
    for (index, policy) in policies.iter().enumerate() {
        policy
            .validate()
            .map_err(|message| format!("sla[{index}].{message}"))?;
        if !names.insert(policy.name.as_str()) {
            return Err(format!(
                "sla[{index}].name: another policy is named {:?}",
                policy.name
            ));
        }
    }
    Ok(())
}

/// Checks `[[business_hours]]`: the calendars build, and every channel they name is one of
/// `channels` (the configured channel names).
///
/// # Errors
/// `business_hours[<index>].<key>: <problem>`.
pub fn validate_business_hours(
    entries: &[BusinessHoursConfig],
    channels: &[&str],
) -> Result<(), String> {
    super::calendar::Calendars::from_config(entries)?;
    for (index, entry) in entries.iter().enumerate() {
        for (position, name) in entry.channels.iter().enumerate() {
            if !channels.contains(&name.as_str()) {
                return Err(format!(
                    "business_hours[{index}].channels[{position}]: no [[channels]] entry \
                     is named {name:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Words for a response time in the contact's language ("2 hours", "2 hodiny").
pub fn describe_span(span: Duration, locale: &str) -> String {
    let secs = span.as_secs();
    let (count, unit) = if secs >= 86_400 && secs.is_multiple_of(86_400) {
        (secs / 86_400, 'd')
    } else if secs >= 3_600 && secs.is_multiple_of(3_600) {
        (secs / 3_600, 'h')
    } else {
        ((secs / 60).max(1), 'm')
    };
    if locale.starts_with("cs") {
        let form = |one: &str, few: &str, many: &str| match count {
            1 => one.to_owned(),
            2..=4 => few.to_owned(),
            _ => many.to_owned(),
        };
        let word = match unit {
            'd' => form("den", "dny", "dní"),
            'h' => form("hodina", "hodiny", "hodin"),
            _ => form("minuta", "minuty", "minut"),
        };
        format!("{count} {word}")
    } else {
        let word = match unit {
            'd' => "day",
            'h' => "hour",
            _ => "minute",
        };
        let plural = if count == 1 { "" } else { "s" };
        format!("{count} {word}{plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_times_read_naturally() {
        assert_eq!(describe_span(Duration::from_secs(7_200), "en"), "2 hours");
        assert_eq!(describe_span(Duration::from_secs(3_600), "en"), "1 hour");
        assert_eq!(describe_span(Duration::from_secs(7_200), "cs"), "2 hodiny");
        assert_eq!(
            describe_span(Duration::from_secs(5 * 3_600), "cs"),
            "5 hodin"
        );
        assert_eq!(describe_span(Duration::from_secs(86_400), "cs"), "1 den");
        assert_eq!(
            describe_span(Duration::from_secs(90 * 60), "en"),
            "90 minutes"
        );
    }

    #[test]
    fn bots_become_rules_and_skip_machines() {
        let bots: BotsConfig =
            toml::from_str("[greeting]\nchannels = [\"tg\"]\n[out_of_office]\n").expect("bots");
        let rules = bots.rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].name, "bot:out_of_office");
        let greeting = &rules[1];
        assert_eq!(greeting.on, Trigger::ConversationCreated);
        let mut facts = super::super::condition::Facts {
            channel: "tg".into(),
            within_business_hours: true,
            ..Default::default()
        };
        let when = greeting.when.as_ref().expect("condition");
        assert!(when.matches(&facts));
        facts.automated = true;
        assert!(!when.matches(&facts));
        facts.automated = false;
        facts.within_business_hours = false;
        assert!(!when.matches(&facts));
    }
}
