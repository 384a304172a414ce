//! The Discord channel: direct messages, and watched guild channels that work as a support desk
//! (a customer's first message gets a thread; the thread is the conversation). Inbound through
//! the serenity gateway client with REST backfill after every (re)connect; outbound through
//! serenity's HTTP client. Owns Discord's protocol and nothing else.

pub mod format;
#[cfg(test)]
mod fuzz_props;
mod gateway;
pub mod survey;

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::Arc;

use connector_sdk::{ChannelKind, Connector, ConnectorError, Delivery, Inbox, OutboundMessage};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serenity::builder::{CreateAllowedMentions, CreateMessage};
use serenity::http::{Http, HttpBuilder, HttpError};
use serenity::model::id::{ChannelId, MessageId};
use tokio_util::sync::CancellationToken;

/// The sender scope of Discord users: user ids are global to Discord.
pub const SCOPE: &str = "discord";
/// Requests per second per bot, on top of serenity's per-route limiter.
pub const BOT_REQUESTS_PER_SECOND: u32 = 50;

/// `[[channels]]` keys of a `discord` channel.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The bot token from the Developer Portal.
    pub token: String,
    /// Discord's base URL; only for tests (a local fake). When set, serenity's own rate limiter
    /// is off, because serenity sends through its limiter only to discord.com.
    #[serde(
        default,
        deserialize_with = "connector_sdk::settings::optional_http_url"
    )]
    pub api_url: Option<String>,
    /// Guild channel ids that work as support desks: numbers, or the quoted digits Discord's
    /// "Copy ID" gives (`"123456789012345678"`).
    #[serde(default, deserialize_with = "channel_ids")]
    pub watch_channels: Vec<u64>,
    /// Whether direct messages to the bot are accepted.
    #[serde(default = "default_true")]
    pub accept_dms: bool,
}

fn default_true() -> bool {
    true
}

/// Reads `watch_channels`: each id a number or a string of digits, never 0 (no Discord id
/// is, and serenity's id types cannot hold it).
fn channel_ids<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
    /// One id, as a number or as text.
    struct Id(u64);

    impl<'de> Deserialize<'de> for Id {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(IdVisitor)
        }
    }

    struct IdVisitor;

    impl serde::de::Visitor<'_> for IdVisitor {
        type Value = Id;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a channel id: a number or a string of digits")
        }

        fn visit_u64<E: serde::de::Error>(self, id: u64) -> Result<Id, E> {
            if id == 0 {
                return Err(E::custom("0 is not a channel id"));
            }
            Ok(Id(id))
        }

        fn visit_i64<E: serde::de::Error>(self, id: i64) -> Result<Id, E> {
            let id = u64::try_from(id)
                .map_err(|_| E::custom(format!("{id} is not a channel id (it is negative)")))?;
            self.visit_u64(id)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Id, E> {
            let digits = text.trim();
            match digits.parse::<u64>() {
                Ok(id) if digits.bytes().all(|b| b.is_ascii_digit()) => self.visit_u64(id),
                _ => Err(E::custom(format!(
                    "{text:?} is not a channel id (digits only, as Discord's \"Copy ID\" gives)"
                ))),
            }
        }
    }

    let ids = Vec::<Id>::deserialize(deserializer)?;
    Ok(ids.into_iter().map(|Id(id)| id).collect())
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url)
            .field("watch_channels", &self.watch_channels)
            .field("accept_dms", &self.accept_dms)
            .finish()
    }
}

/// A configured Discord bot.
pub struct Discord {
    name: String,
    config: Config,
    http: Arc<Http>,
    watched: HashSet<ChannelId>,
    limiter: DefaultDirectRateLimiter,
}

impl Discord {
    /// Builds the bot `name` from its config.
    ///
    /// # Errors
    /// `Unsupported` when the token is empty.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConnectorError> {
        if config.token.trim().is_empty() {
            return Err(ConnectorError::Config("token: must not be empty"));
        }
        let mut builder = HttpBuilder::new(&config.token);
        if let Some(url) = &config.api_url {
            builder = builder
                .proxy(url.trim_end_matches('/'))
                .ratelimiter_disabled(true);
        }
        let watched = config
            .watch_channels
            .iter()
            .map(|id| ChannelId::new(*id))
            .collect();
        let rate = NonZeroU32::new(BOT_REQUESTS_PER_SECOND).unwrap_or(NonZeroU32::MIN);
        Ok(Self {
            name: name.into(),
            http: Arc::new(builder.build()),
            watched,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            config,
        })
    }
}

/// Sorts a serenity error for the dispatcher.
pub fn classify(err: serenity::Error) -> ConnectorError {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let code = response.error.code;
            let status = response.status_code.as_u16();
            let reason = format!(
                "{} (Discord code {code}, HTTP {status})",
                response.error.message
            );
            match (status, code) {
                (401, _) => ConnectorError::Unauthorized,
                // 50007: cannot send messages to this user; 10003/10013: unknown channel/user.
                (_, 50007 | 10003 | 10013) => ConnectorError::Rejected {
                    reason,
                    unreachable: true,
                },
                // serenity's limiter waits out `retry_after` itself in production; a 429 that
                // still surfaces is retried through the outbox.
                (429, _) | (500..=599, _) => ConnectorError::unavailable(reason, None),
                _ => ConnectorError::rejected(reason),
            }
        }
        serenity::Error::Http(HttpError::Request(err)) => {
            ConnectorError::unavailable(err.without_url(), None)
        }
        other => ConnectorError::unavailable(other.to_string(), None),
    }
}

#[async_trait::async_trait]
impl Connector for Discord {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ChannelKind {
        ChannelKind::Discord
    }

    async fn send(&self, msg: &OutboundMessage) -> Result<Delivery, ConnectorError> {
        let channel: u64 = msg
            .to
            .thread
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(|_| ConnectorError::rejected("the conversation has no Discord channel"))?;
        let channel = ChannelId::new(channel.max(1));
        // A template written for Discord arrives as markdown with its values escaped already.
        let mut text = match &msg.markup {
            Some(markup) => markup.clone(),
            None => format::escape_markdown(&msg.text),
        };
        for attachment in &msg.attachments {
            if let Some(url) = &attachment.url {
                text.push_str(&format!("\n{url}"));
            }
        }
        let parts = format::split(&text, format::MAX_MESSAGE_CHARS);
        if parts.is_empty() {
            return Err(ConnectorError::rejected("nothing to send"));
        }
        // A survey's buttons go under its last part.
        let buttons = msg.csat.as_ref().and_then(survey::buttons);
        let last = parts.len() - 1;
        let mut first = None;
        for (index, part) in parts.into_iter().enumerate() {
            self.limiter.until_ready().await;
            // Customer-facing text never pings anyone, whatever it contains.
            let mut builder = CreateMessage::new()
                .content(part)
                .allowed_mentions(CreateAllowedMentions::new());
            if let (Some(row), true) = (&buttons, index == last) {
                builder = builder.components(vec![row.clone()]);
            }
            let sent = channel
                .send_message(&self.http, builder)
                .await
                .map_err(classify)?;
            first = first.or(Some(sent.id));
        }
        Ok(Delivery::with_id(first.map(|id: MessageId| id.to_string())))
    }

    fn account_send_rate(&self) -> Option<f64> {
        Some(f64::from(BOT_REQUESTS_PER_SECOND))
    }

    fn exclusive_listener(&self) -> bool {
        // One gateway session per bot token: a second one would receive every message again.
        true
    }

    async fn listen(
        &self,
        inbox: Inbox,
        shutdown: CancellationToken,
    ) -> Result<(), ConnectorError> {
        gateway::run(self, inbox, shutdown).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(keys: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(&format!("token = \"t\"\n{keys}"))
    }

    #[test]
    fn watch_channels_take_numbers_and_quoted_ids() {
        let config = read("watch_channels = [123456789012345678, \"223456789012345678\"]")
            .expect("both forms");
        assert_eq!(
            config.watch_channels,
            [123_456_789_012_345_678, 223_456_789_012_345_678]
        );
        assert!(read("").expect("absent").watch_channels.is_empty());
        let bot = Discord::new("dc", config).expect("builds");
        assert!(
            bot.watched
                .contains(&ChannelId::new(223_456_789_012_345_678))
        );
    }

    #[test]
    fn watch_channels_refuse_what_is_no_id() {
        for (list, expected) in [
            ("[\"general\"]", "\"general\" is not a channel id"),
            ("[\"12 34\"]", "\"12 34\" is not a channel id"),
            ("[\"+12\"]", "\"+12\" is not a channel id"),
            ("[-5]", "-5 is not a channel id"),
            ("[0]", "0 is not a channel id"),
            ("[\"0\"]", "0 is not a channel id"),
            ("[1.5]", "a channel id: a number or a string of digits"),
        ] {
            let err = read(&format!("watch_channels = {list}")).expect_err(list);
            assert!(err.to_string().contains(expected), "{list}: {err}");
        }
    }

    #[test]
    fn api_url_is_checked_when_read() {
        let err = read("api_url = \"discord fake\"").expect_err("not a URL");
        assert!(err.to_string().contains("http:// or https://"), "{err}");
        read("api_url = \"http://127.0.0.1:9\"").expect("a URL");
    }
}
