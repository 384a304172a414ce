//! `[retention]`: how long conversations, attachment files, the event log, webhook delivery
//! logs and sessions are kept. Every period is optional; without one, data is kept forever.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::retention::ConversationRetention;

/// `[retention]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Delete conversations resolved more than this many days ago.
    pub conversations_days: Option<u32>,
    /// Delete attachment files of messages older than this many days (the message stays,
    /// its attachments are marked expired).
    pub attachments_days: Option<u32>,
    /// Delete event log rows older than this many days.
    pub events_days: Option<u32>,
    /// Delete finished event-webhook deliveries (and their attempts) older than this.
    pub webhook_deliveries_days: Option<u32>,
    /// Conversations with any of these labels are never deleted.
    pub keep_labels: Vec<String>,
    /// Rows (conversations are counted by their messages) per transaction.
    pub batch: u32,
    /// Seconds between passes.
    pub interval_secs: u64,
    /// Per-channel periods, replacing the ones above on that channel.
    pub channels: BTreeMap<String, ChannelRetention>,
    /// Per-label periods for conversations: the longest that applies wins.
    pub labels: BTreeMap<String, LabelRetention>,
}

/// `[retention.channels.<name>]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChannelRetention {
    pub conversations_days: Option<u32>,
    pub attachments_days: Option<u32>,
}

/// `[retention.labels.<label>]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LabelRetention {
    pub conversations_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            conversations_days: None,
            attachments_days: None,
            events_days: None,
            webhook_deliveries_days: None,
            keep_labels: Vec::new(),
            batch: 500,
            interval_secs: 3600,
            channels: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }
}

impl RetentionConfig {
    /// True when any period is set (otherwise the job has nothing to do but sessions).
    pub fn deletes_anything(&self) -> bool {
        self.conversations_days.is_some()
            || self.attachments_days.is_some()
            || self.events_days.is_some()
            || self.webhook_deliveries_days.is_some()
            || self.channels.values().any(|channel| {
                channel.conversations_days.is_some() || channel.attachments_days.is_some()
            })
    }

    /// The conversation rule in domain terms.
    pub fn conversations(&self) -> ConversationRetention {
        ConversationRetention {
            days: self.conversations_days,
            channel_days: self
                .channels
                .iter()
                .filter_map(|(name, channel)| Some((name.clone(), channel.conversations_days?)))
                .collect(),
            label_days: self
                .labels
                .iter()
                .map(|(label, rule)| (label.clone(), rule.conversations_days))
                .collect(),
            keep_labels: self.keep_labels.clone(),
        }
    }

    /// Days after which `channel`'s attachment files go, `None` to keep them.
    pub fn attachments_days_for(&self, channel: &str) -> Option<u32> {
        self.channels
            .get(channel)
            .and_then(|rule| rule.attachments_days)
            .or(self.attachments_days)
    }

    /// Checks the periods, the batch and the interval, and that overridden channels exist.
    ///
    /// # Errors
    /// `retention.<key>: what is wrong`.
    pub fn validate(&self, channels: &[&str]) -> Result<(), String> {
        // Zero days would delete a conversation the moment it is resolved: almost certainly
        // a slip for "never", which is written by leaving the key out.
        let days = |key: String, value: Option<u32>| match value {
            Some(0) => Err(format!(
                "{key}: must be at least 1 (leave the key out to keep forever)"
            )),
            _ => Ok(()),
        };
        days(
            "retention.conversations_days".into(),
            self.conversations_days,
        )?;
        days("retention.attachments_days".into(), self.attachments_days)?;
        days("retention.events_days".into(), self.events_days)?;
        days(
            "retention.webhook_deliveries_days".into(),
            self.webhook_deliveries_days,
        )?;
        for (name, channel) in &self.channels {
            if !channels.contains(&name.as_str()) {
                return Err(format!(
                    "retention.channels.{name}: no channel is named {name:?}"
                ));
            }
            days(
                format!("retention.channels.{name}.conversations_days"),
                channel.conversations_days,
            )?;
            days(
                format!("retention.channels.{name}.attachments_days"),
                channel.attachments_days,
            )?;
        }
        for (label, rule) in &self.labels {
            days(
                format!("retention.labels.{label}.conversations_days"),
                Some(rule.conversations_days),
            )?;
        }
        if self.keep_labels.iter().any(|label| label.trim().is_empty()) {
            return Err("retention.keep_labels: labels must not be empty".into());
        }
        if !(1..=100_000).contains(&self.batch) {
            return Err("retention.batch: must be between 1 and 100000".into());
        }
        if self.interval_secs == 0 {
            return Err("retention.interval_secs: must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> RetentionConfig {
        toml::from_str(toml_text).expect("parses")
    }

    #[test]
    fn the_documented_example_parses_and_validates() {
        let config = parse(
            "conversations_days = 730\nattachments_days = 180\nevents_days = 365\n\
             webhook_deliveries_days = 30\nkeep_labels = [\"legal-hold\"]\n\
             [channels.support-email]\nconversations_days = 3650\n\
             [labels.complaints]\nconversations_days = 1825\n",
        );
        assert_eq!(config.validate(&["support-email"]), Ok(()));
        let rule = config.conversations();
        assert_eq!(rule.days_for("support-email", &[]), Some(3650));
        assert_eq!(rule.days_for("chat", &["complaints".into()]), Some(1825));
        assert_eq!(config.attachments_days_for("support-email"), Some(180));
    }

    #[test]
    fn bad_values_name_their_key() {
        let zero = parse("events_days = 0\n");
        assert!(
            zero.validate(&[])
                .unwrap_err()
                .starts_with("retention.events_days:")
        );
        let unknown = parse("[channels.nope]\nconversations_days = 10\n");
        assert_eq!(
            unknown.validate(&["mail"]).unwrap_err(),
            "retention.channels.nope: no channel is named \"nope\""
        );
        let label = parse("[labels.vip]\nconversations_days = 0\n");
        assert!(
            label
                .validate(&[])
                .unwrap_err()
                .starts_with("retention.labels.vip.")
        );
        let batch = parse("batch = 0\n");
        assert!(
            batch
                .validate(&[])
                .unwrap_err()
                .starts_with("retention.batch:")
        );
        assert!(toml::from_str::<RetentionConfig>("conversation_days = 3\n").is_err());
    }
}
