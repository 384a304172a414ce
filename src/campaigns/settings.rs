//! `[campaigns]`: the campaign worker's pace and the public base of its links.

use serde::{Deserialize, Serialize};

use crate::domain::campaign::MAX_RATE_PER_SEC;

/// `[campaigns]` in `switchboard.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignsConfig {
    /// The address customers reach this service at, for unsubscribe and tracking links
    /// (e.g. `https://switchboard.example.com`).
    pub public_url: String,
    /// A `mailto:` address for `List-Unsubscribe`, if mail to it is processed.
    pub unsubscribe_mailto: Option<String>,
    /// Most ledger rows leased (and sent concurrently) per batch.
    pub batch_size: usize,
    /// Batches in flight at once per channel.
    pub parallel_batches: usize,
    /// How long a leased batch is reserved for its worker. A lease that runs out means the
    /// worker died: its rows are taken over (receivers that drop repeats) or held in doubt.
    pub lease_secs: u64,
    /// Attempts before a transiently failing send is given up.
    pub max_attempts: u32,
    /// How often running campaigns are checked when nothing wakes the worker.
    pub poll_interval_ms: u64,
    /// Chat replies that opt a contact out (compared trimmed and case-insensitively).
    pub stop_keywords: Vec<String>,
    /// The one confirmation sent after an opt-out keyword.
    pub stop_confirmation: String,
    /// Throttle of channels a campaign sets none for, in messages per second.
    pub default_rate_per_sec: f64,
    /// Test sends (`POST /api/v1/campaigns/{id}/test`) one campaign may make per minute.
    pub test_sends_per_minute: u32,
}

impl Default for CampaignsConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            unsubscribe_mailto: None,
            batch_size: 100,
            parallel_batches: 4,
            lease_secs: 60,
            max_attempts: 6,
            poll_interval_ms: 500,
            stop_keywords: ["STOP", "UNSUBSCRIBE", "ODHLÁSIT", "ODHLASIT"]
                .map(String::from)
                .to_vec(),
            stop_confirmation: "You will receive no more campaign messages here. \
                                Nebudeme vám sem již posílat žádné kampaně."
                .into(),
            default_rate_per_sec: 20.0,
            test_sends_per_minute: 5,
        }
    }
}

impl CampaignsConfig {
    /// Checks the keys; the message names the one that is wrong.
    ///
    /// # Errors
    /// `campaigns.<key>: <problem>`.
    pub fn validate(&self) -> Result<(), String> {
        // Every unsubscribe and tracking link starts with it: a bad one breaks them all.
        connector_sdk::settings::check_http_url(&self.public_url)
            .map_err(|problem| format!("campaigns.public_url: {problem}"))?;
        if self.public_url.contains(['?', '#']) {
            return Err(
                "campaigns.public_url: must have no query or fragment (links are \
                        built by appending paths)"
                    .into(),
            );
        }
        if let Some(address) = &self.unsubscribe_mailto
            && !is_plain_address(address)
        {
            return Err(
                "campaigns.unsubscribe_mailto: must be a plain address like \
                        unsubscribe@example.com (the mailto: link is built from it)"
                    .into(),
            );
        }
        // A rate of zero (or less) would mean no throttle at all, not a stop.
        if !(self.default_rate_per_sec > 0.0 && self.default_rate_per_sec <= MAX_RATE_PER_SEC) {
            return Err(format!(
                "campaigns.default_rate_per_sec: must be above zero and at most \
                 {MAX_RATE_PER_SEC:e}"
            ));
        }
        let positive = [
            ("batch_size", self.batch_size == 0),
            ("parallel_batches", self.parallel_batches == 0),
            ("lease_secs", self.lease_secs == 0),
            ("max_attempts", self.max_attempts == 0),
            ("poll_interval_ms", self.poll_interval_ms == 0),
            ("test_sends_per_minute", self.test_sends_per_minute == 0),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, zero)| *zero) {
            return Err(format!("campaigns.{key}: must be above 0"));
        }
        // A blank keyword would opt out everyone who sends an empty message.
        if let Some(index) = self
            .stop_keywords
            .iter()
            .position(|keyword| keyword.trim().is_empty())
        {
            return Err(format!(
                "campaigns.stop_keywords[{index}]: must not be blank"
            ));
        }
        if self.stop_confirmation.trim().is_empty() {
            return Err("campaigns.stop_confirmation: must not be blank".into());
        }
        Ok(())
    }

    /// True when `text` is one of the opt-out keywords.
    pub fn is_stop_keyword(&self, text: &str) -> bool {
        let text = text.trim().trim_end_matches(['.', '!']);
        self.stop_keywords
            .iter()
            .any(|keyword| keyword.to_lowercase() == text.to_lowercase())
    }
}

/// True for `local@domain` with nothing a `mailto:` URL would read as more than the address.
fn is_plain_address(address: &str) -> bool {
    address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && !address
                .contains(|c: char| c.is_whitespace() || matches!(c, '?' | '&' | ':' | '<' | '>'))
    })
}
