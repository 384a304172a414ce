//! `[assist]`: the OpenAI-compatible model agent assist talks to, and what it may send there.

use serde::{Deserialize, Serialize};

/// `[assist]`. Off until `base_url` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssistConfig {
    /// The API's base URL, up to and including `/v1` (`https://api.openai.com/v1`, a local
    /// Ollama's `http://127.0.0.1:11434/v1`); `POST {base_url}/chat/completions` is called.
    /// Empty: assist is off.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …`; empty sends none (local servers). Best given as
    /// `"${NAME}"` or `SWITCHBOARD_ASSIST_API_KEY`.
    pub api_key: String,
    /// The model's name as the API knows it (`gpt-4o-mini`, `llama3.2`).
    pub model: String,
    /// The hosts requests may go to; `base_url`'s host must be one of them, so a mistyped
    /// URL cannot send customer data elsewhere.
    pub allow_hosts: Vec<String>,
    /// Allow loopback and private addresses (a model server on this machine or network).
    pub allow_private_targets: bool,
    /// The channels whose conversations may be sent to the model (`"*"`: every channel).
    pub channels: Vec<String>,
    /// Longest wait for one answer, in seconds.
    pub timeout_secs: u64,
    /// Requests to the model at the same time, from this node; more wait for a turn (at most
    /// `timeout_secs`).
    pub max_concurrent: usize,
    /// Requests to the model per minute, from this node (retries included); over it, callers
    /// are told when to try again.
    pub requests_per_minute: u32,
    /// Further attempts after a 429 or a 5xx answer, or a lost connection.
    pub max_retries: u32,
    /// The newest messages of a conversation a summary reads.
    pub max_messages: usize,
    /// The agents' language (ISO 639-1, `cs`, `en`): customer messages are translated into
    /// it, and replies written in it are translated into the customer's.
    pub language: String,
    /// Channels whose customer messages in another language are translated at once, without
    /// an agent asking (each must also be in `channels`; `"*"`: every channel assist covers).
    pub translate_channels: Vec<String>,
    /// A conversation with at least this many messages that passes from one agent to another
    /// gets a summary note for the new agent; the inbox shows the newest summary at the top of
    /// such conversations. 0: no summary on hand-over.
    pub handover_summary_messages: usize,
}

impl Default for AssistConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            api_key: String::new(),
            model: String::new(),
            allow_hosts: Vec::new(),
            allow_private_targets: false,
            channels: Vec::new(),
            timeout_secs: 60,
            max_concurrent: 4,
            requests_per_minute: 60,
            max_retries: 2,
            max_messages: 100,
            language: "en".to_owned(),
            translate_channels: Vec::new(),
            handover_summary_messages: 10,
        }
    }
}

/// The key never reaches a log.
impl std::fmt::Debug for AssistConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssistConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &if self.api_key.is_empty() { "" } else { "***" })
            .field("model", &self.model)
            .field("allow_hosts", &self.allow_hosts)
            .field("allow_private_targets", &self.allow_private_targets)
            .field("channels", &self.channels)
            .field("timeout_secs", &self.timeout_secs)
            .field("max_concurrent", &self.max_concurrent)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("max_retries", &self.max_retries)
            .field("max_messages", &self.max_messages)
            .field("language", &self.language)
            .field("translate_channels", &self.translate_channels)
            .field("handover_summary_messages", &self.handover_summary_messages)
            .finish()
    }
}

impl AssistConfig {
    /// True when a model is configured.
    pub fn is_on(&self) -> bool {
        !self.base_url.is_empty()
    }

    /// Checks the limits always, and the model's address when assist is on; `channels` are
    /// the configured channel names.
    pub fn validate(&self, channels: &[&str]) -> Result<(), String> {
        if !(1..=600).contains(&self.timeout_secs) {
            return Err("assist.timeout_secs: must be between 1 and 600".into());
        }
        if !(1..=64).contains(&self.max_concurrent) {
            return Err("assist.max_concurrent: must be between 1 and 64".into());
        }
        if !(1..=10_000).contains(&self.requests_per_minute) {
            return Err("assist.requests_per_minute: must be between 1 and 10000".into());
        }
        if self.max_retries > 5 {
            return Err("assist.max_retries: must be at most 5".into());
        }
        if !(1..=1_000).contains(&self.max_messages) {
            return Err("assist.max_messages: must be between 1 and 1000".into());
        }
        if self.handover_summary_messages > 10_000 {
            return Err("assist.handover_summary_messages: must be at most 10000".into());
        }
        if !is_language_code(&self.language) {
            return Err(format!(
                "assist.language: {:?} is not a two-letter ISO 639-1 code like \"cs\" or \"en\"",
                self.language
            ));
        }
        for (index, channel) in self.channels.iter().enumerate() {
            if channel != "*" && !channels.contains(&channel.as_str()) {
                return Err(format!(
                    "assist.channels[{index}]: {channel:?} is not a configured channel"
                ));
            }
        }
        for (index, channel) in self.translate_channels.iter().enumerate() {
            let covered = if channel == "*" {
                !self.channels.is_empty()
            } else {
                self.covers_channel(channel)
            };
            if !covered {
                return Err(format!(
                    "assist.translate_channels[{index}]: {channel:?} is not in assist.channels, \
                     so its messages may not be sent to the model"
                ));
            }
        }
        if !self.is_on() {
            return Ok(());
        }
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|err| format!("assist.base_url: not a URL ({err})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("assist.base_url: must be an http or https URL".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "assist.base_url: must not hold credentials (set assist.api_key instead)".into(),
            );
        }
        let host = url
            .host_str()
            .ok_or("assist.base_url: has no host")?
            .to_ascii_lowercase();
        if !self.allows_host(&host) {
            return Err(format!(
                "assist.allow_hosts: must list {host:?}, the host of assist.base_url, so that \
                 customer data goes only where it is meant to"
            ));
        }
        if self.model.trim().is_empty() {
            return Err("assist.model: must name the model when assist.base_url is set".into());
        }
        Ok(())
    }

    /// True when `host` is one of `allow_hosts` (letter case aside; an IPv6 literal with or
    /// without brackets).
    pub fn allows_host(&self, host: &str) -> bool {
        let bare = |name: &str| {
            name.trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase()
        };
        let host = bare(host);
        self.allow_hosts.iter().any(|allowed| bare(allowed) == host)
    }

    /// True when customer messages of `channel` are translated without an agent asking.
    pub fn translates_channel(&self, channel: &str) -> bool {
        self.covers_channel(channel)
            && self
                .translate_channels
                .iter()
                .any(|listed| listed == "*" || listed == channel)
    }

    /// True when conversations of `channel` may be sent to the model.
    pub fn covers_channel(&self, channel: &str) -> bool {
        self.channels
            .iter()
            .any(|listed| listed == "*" || listed == channel)
    }
}

/// Two lowercase ASCII letters: the form of an ISO 639-1 code, as languages are told here.
pub fn is_language_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> AssistConfig {
        AssistConfig {
            base_url: "https://api.example.com/v1".into(),
            model: "small".into(),
            allow_hosts: vec!["API.example.com".into()],
            channels: vec!["shop".into()],
            ..AssistConfig::default()
        }
    }

    #[test]
    fn the_model_host_must_be_allowed_and_the_key_is_never_printed() {
        assert_eq!(on().validate(&["shop"]), Ok(()));
        let elsewhere = AssistConfig {
            base_url: "https://api.example.org/v1".into(),
            ..on()
        };
        let err = elsewhere.validate(&["shop"]).expect_err("other host");
        assert!(err.starts_with("assist.allow_hosts:"), "{err}");
        let nameless = AssistConfig {
            model: " ".into(),
            ..on()
        };
        assert!(
            nameless
                .validate(&["shop"])
                .expect_err("model")
                .starts_with("assist.model:")
        );
        let unknown = on().validate(&["mail"]).expect_err("channel");
        assert!(unknown.starts_with("assist.channels[0]:"), "{unknown}");
        let keyed = AssistConfig {
            api_key: "sk-very-secret".into(),
            ..on()
        };
        assert!(!format!("{keyed:?}").contains("sk-very-secret"));
        // Off: only the limits are checked.
        assert_eq!(AssistConfig::default().validate(&[]), Ok(()));
        assert!(on().covers_channel("shop") && !on().covers_channel("mail"));
    }

    #[test]
    fn automatic_translation_needs_a_covered_channel_and_a_language_code() {
        let translating = AssistConfig {
            translate_channels: vec!["shop".into()],
            language: "cs".into(),
            ..on()
        };
        assert_eq!(translating.validate(&["shop", "mail"]), Ok(()));
        assert!(translating.translates_channel("shop") && !translating.translates_channel("mail"));
        let uncovered = AssistConfig {
            translate_channels: vec!["mail".into()],
            ..on()
        };
        let err = uncovered
            .validate(&["shop", "mail"])
            .expect_err("uncovered");
        assert!(err.starts_with("assist.translate_channels[0]:"), "{err}");
        for bad in ["", "CS", "cze", "c1"] {
            let wrong = AssistConfig {
                language: bad.into(),
                ..on()
            };
            let err = wrong.validate(&["shop"]).expect_err("language");
            assert!(err.starts_with("assist.language:"), "{bad:?}: {err}");
        }
    }
}
