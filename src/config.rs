//! The whole configuration tree: defaults, then `switchboard.toml`, then `SWITCHBOARD_*`
//! environment overrides. The only module that reads the environment.
//!
//! Every error names the file (or variable) and the key, e.g.
//! `switchboard.toml: channels[0].kind: unknown channel kind "fax"`.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use connector_sdk::ChannelKind;
use serde::Deserialize;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "switchboard.toml";
/// The database used when none is configured: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://switchboard.db";
const ENV_PREFIX: &str = "SWITCHBOARD_";

/// A configuration problem, with where it is.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    /// The file or environment variable at fault.
    pub source_name: String,
    /// What is wrong, starting with the key.
    pub message: String,
}

impl ConfigError {
    fn new(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            source_name: source_name.into(),
            message: message.into(),
        }
    }
}

/// Everything Switchboard can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub ingest: IngestConfig,
    /// `[workers]`: restarting background workers that stop unexpectedly.
    #[serde(default)]
    pub workers: crate::supervisor::WorkersConfig,
    #[serde(default)]
    pub dispatch: DispatchConfig,
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    #[serde(default)]
    pub routing: RoutingConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub templates: TemplatesConfig,
    #[serde(default)]
    pub channels: Vec<ChannelConfig>,
    /// `[[business_hours]]`: opening hours per channel or team (see `automation::calendar`).
    #[serde(default)]
    pub business_hours: Vec<BusinessHoursConfig>,
    /// `[automation]`: the rule engine and its acknowledgement bots.
    #[serde(default)]
    pub automation: crate::automation::settings::AutomationConfig,
    /// `[[rules]]`: automation rules, evaluated in this order before rules made through the API.
    #[serde(default)]
    pub rules: Vec<crate::automation::rule::RuleSpec>,
    /// `[[sla]]`: SLA policies that rules start with `set_sla`.
    #[serde(default)]
    pub sla: Vec<crate::automation::sla::SlaPolicy>,
    /// `[campaigns]`: the campaign worker and its public links.
    #[serde(default)]
    pub campaigns: crate::campaigns::settings::CampaignsConfig,
    /// `[remote_images]`: remote images of email, loaded through the server on request.
    #[serde(default)]
    pub remote_images: RemoteImagesConfig,
}

/// `[remote_images]`: the inbox never loads a sender's images directly (they track when and
/// where agents read); "Load images" fetches them through the server, held to these limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteImagesConfig {
    /// Lets image URLs point at loopback and private addresses (a private test setup only:
    /// the URLs come from outside).
    pub allow_private_targets: bool,
    /// Largest image fetched, in bytes.
    pub max_bytes: u64,
    /// Longest one image fetch may take, redirects included.
    pub timeout_secs: u64,
}

impl Default for RemoteImagesConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            max_bytes: 5 * 1024 * 1024,
            timeout_secs: 10,
        }
    }
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Largest request body accepted on hooks and the API (413 above it).
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered 408.
    pub request_timeout_secs: u64,
    /// How long shutdown waits for in-flight work.
    pub shutdown_grace_secs: u64,
    /// Proxies (CIDR networks) whose `Forwarded` / `X-Forwarded-For` headers name the
    /// client; from any other peer those headers are ignored.
    pub trusted_proxies: Vec<crate::http::client_addr::Cidr>,
    /// A connection must deliver each request head within this time, or it is closed (also
    /// the longest an idle keep-alive connection is kept).
    pub header_read_timeout_secs: u64,
    /// A request body must arrive completely within this time after its head.
    pub body_read_timeout_secs: u64,
    /// Open connections at most; more are answered 503 and closed.
    pub max_connections: usize,
    /// Open connections per client address at most (trusted proxies count only globally).
    pub max_connections_per_client: usize,
    /// How often an open event stream checks that its token or session is still valid.
    pub stream_recheck_secs: u64,
    /// `[server.sign_in]`: password checks and guessing limits of the web sign-in.
    pub sign_in: SignInConfig,
}

/// `[server.sign_in]`: the web sign-in's limits. Failures are counted per (address, client)
/// with growing waits, so guessing from one client never locks the account for others.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignInConfig {
    /// Password checks (argon2, ~19 MiB each) that may run at once.
    pub max_concurrent_hashes: usize,
    /// How long a sign-in waits for a free check before it is answered 503.
    pub hash_wait_ms: u64,
    /// Failed sign-ins for one address from one client before each next one must wait.
    pub free_failures: u32,
    /// The first wait after the free failures; it doubles with each further failure.
    pub first_delay_secs: u64,
    /// The longest wait between two attempts of one address from one client.
    pub max_delay_secs: u64,
    /// Failed sign-ins from one client, whatever the address, within `window_secs`.
    pub failures_per_client: u32,
    /// The window of `failures_per_client`; also how long failures are remembered.
    pub window_secs: u64,
}

impl Default for SignInConfig {
    fn default() -> Self {
        Self {
            max_concurrent_hashes: 2,
            hash_wait_ms: 2000,
            free_failures: 5,
            first_delay_secs: 2,
            max_delay_secs: 900,
            failures_per_client: 100,
            window_secs: 900,
        }
    }
}

impl ServerConfig {
    /// The first connection or sign-in limit that is out of range, as `key: problem`.
    fn check_limits(&self) -> Option<String> {
        let sign_in = &self.sign_in;
        let checks: [(&str, bool, &str); 10] = [
            (
                "header_read_timeout_secs",
                self.header_read_timeout_secs > 0,
                "must be above 0",
            ),
            (
                "body_read_timeout_secs",
                self.body_read_timeout_secs > 0,
                "must be above 0",
            ),
            (
                "max_connections",
                self.max_connections > 0,
                "must be above 0",
            ),
            (
                "max_connections_per_client",
                (1..=self.max_connections).contains(&self.max_connections_per_client),
                "must be between 1 and max_connections",
            ),
            (
                "stream_recheck_secs",
                (1..=60).contains(&self.stream_recheck_secs),
                "must be between 1 and 60",
            ),
            (
                "sign_in.max_concurrent_hashes",
                (1..=64).contains(&sign_in.max_concurrent_hashes),
                "must be between 1 and 64",
            ),
            (
                "sign_in.free_failures",
                sign_in.free_failures > 0,
                "must be above 0",
            ),
            (
                "sign_in.max_delay_secs",
                sign_in.max_delay_secs >= sign_in.first_delay_secs,
                "must be at least first_delay_secs",
            ),
            (
                "sign_in.failures_per_client",
                sign_in.failures_per_client > 0,
                "must be above 0",
            ),
            (
                "sign_in.window_secs",
                sign_in.window_secs > 0,
                "must be above 0",
            ),
        ];
        checks
            .iter()
            .find(|(_, ok, _)| !ok)
            .map(|(key, _, rule)| format!("server.{key}: {rule}"))
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 15,
            trusted_proxies: Vec::new(),
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            max_connections: 2048,
            max_connections_per_client: 256,
            stream_recheck_secs: 2,
            sign_in: SignInConfig::default(),
        }
    }
}

/// `[database]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://file.db` or `postgres://user@host/db`.
    pub url: String,
    /// SQLite durability: `full` (fsync per commit, survives power loss) or `normal`
    /// (survives a crash of the process only).
    pub sqlite_synchronous: SqliteSynchronous,
    pub max_connections: u32,
    /// SQLite page cache per connection, in MiB.
    pub sqlite_cache_mib: u32,
    /// How long a statement waits for a database connection before the request is answered
    /// 503 with `Retry-After` (the database is down, restarting or saturated).
    pub acquire_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: DEFAULT_DATABASE_URL.into(),
            sqlite_synchronous: SqliteSynchronous::Full,
            max_connections: 16,
            sqlite_cache_mib: 8,
            acquire_timeout_ms: 10_000,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .field("max_connections", &self.max_connections)
            .field("sqlite_cache_mib", &self.sqlite_cache_mib)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .finish()
    }
}

/// Hides the password of a database URL for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}

/// `[ingest]`: the inbound pipeline's writers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Parallel writer tasks. SQLite has one writer by nature; PostgreSQL gains from several.
    /// Default: 1 on SQLite, 4 on PostgreSQL.
    pub writers: Option<usize>,
    /// Most messages committed in one transaction.
    pub max_batch: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            writers: None,
            max_batch: 512,
        }
    }
}

/// `[dispatch]`: the outbox workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DispatchConfig {
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Attempts before a message is dead.
    pub max_attempts: u32,
    /// How long a claimed send is reserved for its worker.
    pub lease_secs: u64,
    /// First retry delay; doubles per attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_secs: u64,
    /// How often the queue is checked when nothing wakes the worker.
    pub poll_interval_ms: u64,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            max_attempts: 8,
            lease_secs: 60,
            backoff_base_ms: 1000,
            backoff_max_secs: 3600,
            poll_interval_ms: 1000,
        }
    }
}

/// `[routing]`: automatic assignment of waiting conversations to agents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// `least_loaded` (default), `round_robin`, `sticky` or `manual` (nothing is assigned
    /// automatically): the policy of conversations no scope below configures.
    pub policy: crate::domain::RoutingPolicy,
    /// What `sticky` does when the contact's previous agent cannot take the conversation:
    /// `least_loaded` (default), `round_robin` or `manual`.
    pub sticky_fallback: crate::domain::RoutingPolicy,
    /// How often the queue is checked when nothing wakes the router. Only a safety net:
    /// arrivals and freed capacity wake it at once.
    pub poll_interval_secs: u64,
    /// When an agent goes offline, hand their open and pending conversations back to the
    /// queue so that online agents pick them up.
    pub reassign_when_offline: bool,
    /// `[routing.channels.<channel name>]`: settings for one channel's conversations.
    pub channels: std::collections::BTreeMap<String, crate::domain::RoutingScope>,
    /// `[routing.teams.<team name>]`: settings for conversations routed to a team; they win
    /// over the channel's. Teams are created through the API, so names are matched against
    /// the database when the router runs.
    pub teams: std::collections::BTreeMap<String, crate::domain::RoutingScope>,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self {
            policy: crate::domain::RoutingPolicy::LeastLoaded,
            sticky_fallback: crate::domain::RoutingPolicy::LeastLoaded,
            poll_interval_secs: 30,
            reassign_when_offline: false,
            channels: std::collections::BTreeMap::new(),
            teams: std::collections::BTreeMap::new(),
        }
    }
}

impl RoutingConfig {
    /// The scopes as the router and the store use them.
    pub fn rules(&self) -> crate::domain::RoutingRules {
        crate::domain::RoutingRules {
            default: crate::domain::EffectiveRouting {
                policy: self.policy,
                sticky_fallback: self.sticky_fallback,
                reassign_when_offline: self.reassign_when_offline,
            },
            channels: self.channels.clone(),
            teams: self.teams.clone(),
        }
    }

    fn validate(&self, channels: &[ChannelConfig]) -> Result<(), String> {
        let not_sticky = |key: &str, fallback: Option<crate::domain::RoutingPolicy>| {
            if fallback == Some(crate::domain::RoutingPolicy::Sticky) {
                Err(format!(
                    "{key}: must be least_loaded, round_robin or manual (sticky cannot fall \
                     back to itself)"
                ))
            } else {
                Ok(())
            }
        };
        not_sticky("routing.sticky_fallback", Some(self.sticky_fallback))?;
        for (name, scope) in &self.channels {
            if !channels.iter().any(|channel| &channel.name == name) {
                return Err(format!(
                    "routing.channels.{name}: no [[channels]] entry is named {name:?}"
                ));
            }
            not_sticky(
                &format!("routing.channels.{name}.sticky_fallback"),
                scope.sticky_fallback,
            )?;
        }
        for (name, scope) in &self.teams {
            if name.trim().is_empty() {
                return Err("routing.teams: a team name must not be empty".into());
            }
            not_sticky(
                &format!("routing.teams.{name}.sticky_fallback"),
                scope.sticky_fallback,
            )?;
        }
        Ok(())
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

/// `[webhooks]`: outbound event webhooks to integrators (subscriptions live in the database).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Allows subscription URLs on loopback, private (RFC 1918, `fc00::/7`), link-local,
    /// CGNAT and cloud-metadata addresses. Off by default: an API caller must not be able to
    /// make the server reach its own network (SSRF).
    pub allow_private_targets: bool,
    /// How long a failing delivery keeps being retried before it is `failed`.
    pub retry_for_hours: u64,
    /// Timeout of one delivery request.
    pub timeout_secs: u64,
    /// How often the event log and the retry queue are checked when nothing wakes the worker.
    pub poll_interval_ms: u64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// First retry delay; doubles per attempt, with jitter.
    pub backoff_base_ms: u64,
    /// Longest retry delay.
    pub backoff_max_secs: u64,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            allow_private_targets: false,
            retry_for_hours: 26,
            timeout_secs: 10,
            poll_interval_ms: 1000,
            concurrency: 8,
            backoff_base_ms: 10_000,
            backoff_max_secs: 3600,
        }
    }
}

/// `[templates]`: message templates (see `crate::templates`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplatesConfig {
    /// A folder of `*.j2` files that add templates or replace built-in ones of the same file
    /// name. Without it, the built-in templates are used.
    pub dir: Option<PathBuf>,
    /// The locale of files without a locale suffix (`ack.j2`), used for contacts whose
    /// language is unknown.
    pub default_locale: String,
    /// Work one render may do (minijinja fuel: an instruction costs 1, 64 bytes of data made
    /// or printed cost 1), so a loop or a huge string stops early with an error.
    pub fuel: u64,
    /// The most text one render may print.
    pub max_output_bytes: usize,
    /// How long an API request or test send waits for one render of user-written template
    /// text before answering that it took too long.
    pub render_timeout_ms: u64,
    /// Renders of user-written template text running at once, off the async workers; the
    /// others wait (within `render_timeout_ms`). Bounds the CPU and memory they can take.
    pub max_concurrent_renders: usize,
}

impl Default for TemplatesConfig {
    fn default() -> Self {
        Self {
            dir: None,
            default_locale: "en".into(),
            fuel: 100_000,
            max_output_bytes: 1024 * 1024,
            render_timeout_ms: 2000,
            max_concurrent_renders: 2,
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter, e.g. `info` or `switchboard=debug,sqlx=warn`.
    pub level: String,
    /// `text` for people, `json` for log shippers.
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info,sqlx=warn".into(),
            format: LogFormat::Text,
        }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// One `[[channels]]` table: its name and kind, and the kind-specific keys, which the
/// connector parses (see `app::build_connectors`). `${ENV}` references are already expanded.
#[derive(Clone)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    pub settings: toml::Table,
    /// Where the table came from, for error messages: `switchboard.toml: channels[2]`.
    pub origin: String,
}

impl fmt::Debug for ChannelConfig {
    // Settings hold secrets: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl<'de> Deserialize<'de> for ChannelConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut settings = toml::Table::deserialize(deserializer)?;
        let name = match settings.remove("name") {
            Some(toml::Value::String(name)) => name,
            Some(_) => return Err(D::Error::custom("name: must be a string")),
            None => return Err(D::Error::custom("name: missing")),
        };
        if !is_valid_channel_name(&name) {
            return Err(D::Error::custom(format!(
                "name: {name:?} must be 1-64 characters of a-z, 0-9, '-' and '_'"
            )));
        }
        let kind = match settings.remove("kind") {
            Some(toml::Value::String(kind)) => ChannelKind::parse(&kind).ok_or_else(|| {
                let known: Vec<_> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
                D::Error::custom(format!(
                    "kind: unknown channel kind {kind:?} (known: {})",
                    known.join(", ")
                ))
            })?,
            Some(_) => return Err(D::Error::custom("kind: must be a string")),
            None => return Err(D::Error::custom("kind: missing")),
        };
        Ok(ChannelConfig {
            name,
            kind,
            settings,
            origin: String::new(),
        })
    }
}

fn is_valid_channel_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Config {
    /// Loads the configuration from the process: `path` (or `switchboard.toml` if present)
    /// and the `SWITCHBOARD_*` environment.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the file or variable and the key.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match path {
            Some(path) => (path.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => None,
            Err(err) => {
                return Err(ConfigError::new(
                    path.display().to_string(),
                    format!("cannot read: {err}"),
                ));
            }
        };
        Self::from_parts(
            text.as_deref()
                .map(|text| (path.display().to_string(), text)),
            std::env::vars(),
            |name| std::env::var(name).ok(),
        )
    }

    /// Builds the configuration from a file's text, environment variables and a lookup for
    /// `${NAME}` references. The testable core of [`Config::load`].
    ///
    /// # Errors
    /// A [`ConfigError`] naming the file or variable and the key.
    pub fn from_parts(
        file: Option<(String, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let source_name = file
            .as_ref()
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| "defaults".into());
        let mut table = match &file {
            Some((name, text)) => text
                .parse::<toml::Table>()
                .map_err(|err| ConfigError::new(name.clone(), err.to_string().trim().to_owned()))?,
            None => toml::Table::new(),
        };
        apply_env(&mut table, env)?;
        if let Some(toml::Value::Array(channels)) = table.get_mut("channels") {
            for (index, channel) in channels.iter_mut().enumerate() {
                expand_env_refs(channel, &format!("channels[{index}]"), &lookup)
                    .map_err(|message| ConfigError::new(source_name.clone(), message))?;
            }
        }
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|err| {
                let path = err.path().to_string();
                // toml appends "in `section`" lines; the path already says where.
                let inner = err.into_inner().to_string();
                let inner = inner.lines().next().unwrap_or_default().to_owned();
                let message = if path == "." {
                    inner
                } else {
                    format!("{path}: {inner}")
                };
                ConfigError::new(source_name.clone(), message)
            })?;
        let mut names = HashSet::new();
        for (index, channel) in config.channels.iter_mut().enumerate() {
            channel.origin = format!("{source_name}: channels[{index}]");
            if !names.insert(channel.name.clone()) {
                return Err(ConfigError::new(
                    source_name,
                    format!("channels[{index}].name: {:?} is used twice", channel.name),
                ));
            }
        }
        config.validate(&source_name)?;
        Ok(config)
    }

    fn validate(&self, source_name: &str) -> Result<(), ConfigError> {
        let fail = |message: &str| Err(ConfigError::new(source_name, message));
        if self.server.max_body_bytes == 0 {
            return fail("server.max_body_bytes: must be above 0");
        }
        if let Some(message) = self.server.check_limits() {
            return fail(&message);
        }
        if self.ingest.max_batch == 0 {
            return fail("ingest.max_batch: must be above 0");
        }
        if self.ingest.writers == Some(0) {
            return fail("ingest.writers: must be above 0");
        }
        if let Err(message) = self.workers.validate() {
            return fail(&message);
        }
        if self.dispatch.concurrency == 0 {
            return fail("dispatch.concurrency: must be above 0");
        }
        if self.dispatch.max_attempts == 0 {
            return fail("dispatch.max_attempts: must be above 0");
        }
        if self.database.max_connections < 2 {
            return fail("database.max_connections: must be at least 2");
        }
        if !(1..=4096).contains(&self.database.sqlite_cache_mib) {
            return fail("database.sqlite_cache_mib: must be between 1 and 4096");
        }
        if !(1..=300_000).contains(&self.database.acquire_timeout_ms) {
            return fail("database.acquire_timeout_ms: must be between 1 and 300000");
        }
        if self.webhooks.retry_for_hours == 0 {
            return fail("webhooks.retry_for_hours: must be above 0");
        }
        if !(1..=300).contains(&self.webhooks.timeout_secs) {
            return fail("webhooks.timeout_secs: must be between 1 and 300");
        }
        if self.webhooks.concurrency == 0 {
            return fail("webhooks.concurrency: must be above 0");
        }
        if self.remote_images.max_bytes == 0 {
            return fail("remote_images.max_bytes: must be above 0");
        }
        if !(1..=120).contains(&self.remote_images.timeout_secs) {
            return fail("remote_images.timeout_secs: must be between 1 and 120");
        }
        if crate::templates::normalize_locale(&self.templates.default_locale).is_none() {
            return fail("templates.default_locale: must be a locale like `en` or `pt-br`");
        }
        if self.templates.fuel == 0 {
            return fail("templates.fuel: must be above 0");
        }
        if self.templates.max_output_bytes == 0 {
            return fail("templates.max_output_bytes: must be above 0");
        }
        if self.templates.render_timeout_ms == 0 {
            return fail("templates.render_timeout_ms: must be above 0");
        }
        if self.templates.max_concurrent_renders == 0 {
            return fail("templates.max_concurrent_renders: must be above 0");
        }
        if self.campaigns.test_sends_per_minute == 0 {
            return fail("campaigns.test_sends_per_minute: must be above 0");
        }
        self.routing
            .validate(&self.channels)
            .map_err(|message| ConfigError::new(source_name, message))?;
        crate::automation::calendar::Calendars::from_config(&self.business_hours)
            .map_err(|message| ConfigError::new(source_name, message))?;
        let mut names = HashSet::new();
        for (index, rule) in self.rules.iter().enumerate() {
            rule.validate().map_err(|message| {
                ConfigError::new(source_name, format!("rules[{index}].{message}"))
            })?;
            if !names.insert(rule.name.as_str()) {
                return fail(&format!(
                    "rules[{index}].name: another rule is named {:?}",
                    rule.name
                ));
            }
        }
        let mut names = HashSet::new();
        for (index, policy) in self.sla.iter().enumerate() {
            policy.validate().map_err(|message| {
                ConfigError::new(source_name, format!("sla[{index}].{message}"))
            })?;
            if !names.insert(policy.name.as_str()) {
                return fail(&format!(
                    "sla[{index}].name: another policy is named {:?}",
                    policy.name
                ));
            }
        }
        for (index, entry) in self.business_hours.iter().enumerate() {
            for (position, name) in entry.channels.iter().enumerate() {
                if !self.channels.iter().any(|channel| &channel.name == name) {
                    return fail(&format!(
                        "business_hours[{index}].channels[{position}]: no [[channels]] entry \
                         is named {name:?}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// True when the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://")
    }
}

/// The sections that `SWITCHBOARD_<SECTION>_<KEY>` may set.
const ENV_SECTIONS: &[&str] = &[
    "server",
    "database",
    "ingest",
    "dispatch",
    "webhooks",
    "routing",
    "log",
    "templates",
    "automation",
];
/// Variables with the prefix that are not settings (read by the CLI itself).
const ENV_NOT_SETTINGS: [&str; 1] = ["SWITCHBOARD_CONFIG"];

/// Applies `SWITCHBOARD_DATABASE_URL=…`-style overrides: the first `_` after the prefix splits
/// section and key (`SWITCHBOARD_SERVER__BIND` with a double underscore works as well).
fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConfigError> {
    for (name, value) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if ENV_NOT_SETTINGS.contains(&name.as_str()) {
            continue;
        }
        let rest = rest.to_ascii_lowercase();
        let (section, key) = match rest.split_once("__") {
            Some(parts) => parts,
            None => rest.split_once('_').ok_or_else(|| {
                ConfigError::new(
                    &name,
                    "not a setting (expected SWITCHBOARD_<SECTION>_<KEY>)",
                )
            })?,
        };
        if !ENV_SECTIONS.contains(&section) {
            return Err(ConfigError::new(
                &name,
                format!(
                    "unknown section {section:?} (known: {})",
                    ENV_SECTIONS.join(", ")
                ),
            ));
        }
        let entry = table
            .entry(section.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(section_table) = entry else {
            return Err(ConfigError::new(&name, format!("{section} is not a table")));
        };
        section_table.insert(key.to_owned(), env_value(&value));
    }
    Ok(())
}

/// An environment value as the TOML scalar it looks like (number, boolean), else a string.
fn env_value(value: &str) -> toml::Value {
    if let Ok(number) = value.parse::<i64>() {
        return toml::Value::Integer(number);
    }
    match value {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(value.to_owned()),
    }
}

/// Replaces string values of the exact form `${NAME}` with the environment variable `NAME`.
fn expand_env_refs(
    value: &mut toml::Value,
    path: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<(), String> {
    match value {
        toml::Value::String(text) => {
            if let Some(name) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
                *text = lookup(name)
                    .ok_or_else(|| format!("{path}: environment variable {name} is not set"))?;
            }
            Ok(())
        }
        toml::Value::Table(table) => {
            for (key, inner) in table.iter_mut() {
                expand_env_refs(inner, &format!("{path}.{key}"), lookup)?;
            }
            Ok(())
        }
        toml::Value::Array(items) => {
            for (index, inner) in items.iter_mut().enumerate() {
                expand_env_refs(inner, &format!("{path}[{index}]"), lookup)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
