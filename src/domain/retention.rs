//! How long data is kept: the rule that decides when a resolved conversation may be deleted,
//! and the counts a retention pass reports. The deleting itself is `crate::retention`'s.

use std::collections::BTreeMap;

/// Milliseconds in a day.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// How long resolved conversations are kept, by channel and label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationRetention {
    /// Days after resolution for every channel without its own; `None` keeps them forever.
    pub days: Option<u32>,
    /// Per-channel days that replace `days` on that channel.
    pub channel_days: BTreeMap<String, u32>,
    /// Per-label days; a conversation is kept for the longest that applies to it.
    pub label_days: BTreeMap<String, u32>,
    /// Conversations with any of these labels are never deleted.
    pub keep_labels: Vec<String>,
}

impl ConversationRetention {
    /// How many days after its resolution a conversation of `channel` with `labels` is kept;
    /// `None` while nothing lets it go (no rule for its channel, or a keep label).
    pub fn days_for(&self, channel: &str, labels: &[String]) -> Option<u32> {
        if labels.iter().any(|label| self.keep_labels.contains(label)) {
            return None;
        }
        let base = self.channel_days.get(channel).copied().or(self.days)?;
        // Labels only ever lengthen: the longest applicable period wins.
        let longest_label = labels
            .iter()
            .filter_map(|label| self.label_days.get(label).copied())
            .max();
        Some(longest_label.map_or(base, |days| days.max(base)))
    }

    /// True when a conversation resolved at `resolved_at` has outlived its period at `now`.
    pub fn is_expired(&self, channel: &str, labels: &[String], resolved_at: i64, now: i64) -> bool {
        self.days_for(channel, labels)
            .is_some_and(|days| resolved_at < cutoff(now, days))
    }

    /// The shortest period any conversation can have: nothing resolved after `now` minus it
    /// can be due, so the search for candidates starts there. `None` when nothing expires.
    pub fn shortest_days(&self) -> Option<u32> {
        self.days
            .into_iter()
            .chain(self.channel_days.values().copied())
            .min()
    }
}

/// The moment `days` days before `now` (ms).
pub fn cutoff(now: i64, days: u32) -> i64 {
    now.saturating_sub(i64::from(days).saturating_mul(DAY_MS))
}

/// What a retention pass deleted (or, in a dry run, would delete).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionCounts {
    /// Resolved conversations deleted, per channel.
    pub conversations: BTreeMap<String, u64>,
    /// Their messages (text, HTML, revisions and search entries go with them), per channel.
    pub messages: BTreeMap<String, u64>,
    /// Messages whose attachments expired (the message stays), per channel.
    pub expired_attachments: BTreeMap<String, u64>,
    /// Attachment files removed from blob stores.
    pub blob_files: u64,
    /// Event log rows.
    pub events: u64,
    /// Finished event-webhook deliveries (their attempts go with them).
    pub webhook_deliveries: u64,
    /// Expired web sessions.
    pub sessions: u64,
}

impl RetentionCounts {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &RetentionCounts) {
        for (mine, theirs) in [
            (&mut self.conversations, &other.conversations),
            (&mut self.messages, &other.messages),
            (&mut self.expired_attachments, &other.expired_attachments),
        ] {
            for (channel, count) in theirs {
                *mine.entry(channel.clone()).or_default() += count;
            }
        }
        self.blob_files += other.blob_files;
        self.events += other.events;
        self.webhook_deliveries += other.webhook_deliveries;
        self.sessions += other.sessions;
    }

    /// Rows deleted or changed in all.
    pub fn total(&self) -> u64 {
        let sum = |map: &BTreeMap<String, u64>| map.values().sum::<u64>();
        sum(&self.conversations)
            + sum(&self.messages)
            + sum(&self.expired_attachments)
            + self.events
            + self.webhook_deliveries
            + self.sessions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ConversationRetention {
        ConversationRetention {
            days: Some(30),
            channel_days: BTreeMap::from([("mail".to_owned(), 365)]),
            label_days: BTreeMap::from([("complaint".to_owned(), 100), ("spam".to_owned(), 1)]),
            keep_labels: vec!["legal-hold".to_owned()],
        }
    }

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn channel_replaces_the_default_and_labels_only_lengthen() {
        let policy = policy();
        assert_eq!(policy.days_for("chat", &[]), Some(30));
        assert_eq!(policy.days_for("mail", &[]), Some(365));
        assert_eq!(policy.days_for("chat", &labels(&["complaint"])), Some(100));
        assert_eq!(policy.days_for("mail", &labels(&["complaint"])), Some(365));
        assert_eq!(policy.days_for("chat", &labels(&["spam"])), Some(30));
        assert_eq!(policy.shortest_days(), Some(30));
    }

    #[test]
    fn keep_labels_beat_everything() {
        let policy = policy();
        assert_eq!(
            policy.days_for("chat", &labels(&["complaint", "legal-hold"])),
            None
        );
        assert!(!policy.is_expired("chat", &labels(&["legal-hold"]), 0, 1000 * DAY_MS));
    }

    #[test]
    fn without_a_default_only_configured_channels_expire() {
        let policy = ConversationRetention {
            days: None,
            ..policy()
        };
        assert_eq!(policy.days_for("chat", &[]), None);
        assert_eq!(policy.days_for("mail", &[]), Some(365));
        let now = 1000 * DAY_MS;
        assert!(policy.is_expired("mail", &[], now - 366 * DAY_MS, now));
        assert!(!policy.is_expired("mail", &[], now - 364 * DAY_MS, now));
    }
}
