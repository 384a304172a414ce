//! The whole configuration tree, composed of the sections each feature owns in its own
//! `settings.rs`: defaults, then `switchboard.toml`, then `SWITCHBOARD_*` environment
//! overrides. The only module that reads the environment.
//!
//! Every error names the file (or variable) and the key, e.g.
//! `switchboard.toml: channels[0].kind: unknown channel kind "fax"`.

mod channels;
mod database;
mod env;
mod log;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use self::channels::ChannelConfig;
pub use self::database::{DEFAULT_DATABASE_URL, DatabaseConfig, SqliteSynchronous, redact_url};
pub use self::log::{LogConfig, LogFormat};
use crate::automation::rule::RuleSpec;
use crate::automation::settings::{AutomationConfig, BusinessHoursConfig};
use crate::automation::sla::SlaPolicy;
use crate::campaigns::settings::CampaignsConfig;
use crate::cluster::ClusterConfig;
use crate::contacts::ContactsConfig;
use crate::dispatch::settings::DispatchConfig;
use crate::event_webhooks::settings::WebhooksConfig;
use crate::http::settings::{RemoteImagesConfig, ServerConfig};
use crate::pipeline::settings::IngestConfig;
use crate::privacy::PrivacyConfig;
use crate::redaction::RedactionConfig;
use crate::retention::RetentionConfig;
use crate::router::settings::RoutingConfig;
use crate::secrets::SecretsConfig;
use crate::supervisor::WorkersConfig;
use crate::templates::settings::TemplatesConfig;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "switchboard.toml";

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

/// Everything Switchboard can be told. Serialised, the defaults show the shape of the tree
/// (the lists of tables are left out: they have no defaults).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[server]`: the HTTP listener, its limits and the web sign-in's.
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub ingest: IngestConfig,
    /// `[workers]`: restarting background workers that stop unexpectedly.
    #[serde(default)]
    pub workers: WorkersConfig,
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
    #[serde(default, skip_serializing)]
    pub channels: Vec<ChannelConfig>,
    /// `[[business_hours]]`: opening hours per channel or team (see `automation::calendar`).
    #[serde(default, skip_serializing)]
    pub business_hours: Vec<BusinessHoursConfig>,
    /// `[automation]`: the rule engine and its acknowledgement bots.
    #[serde(default)]
    pub automation: AutomationConfig,
    /// `[[rules]]`: automation rules, evaluated in this order before rules made through the API.
    #[serde(default, skip_serializing)]
    pub rules: Vec<RuleSpec>,
    /// `[[sla]]`: SLA policies that rules start with `set_sla`.
    #[serde(default, skip_serializing)]
    pub sla: Vec<SlaPolicy>,
    /// `[campaigns]`: the campaign worker and its public links.
    #[serde(default)]
    pub campaigns: CampaignsConfig,
    /// `[remote_images]`: remote images of email, loaded through the server on request.
    #[serde(default)]
    pub remote_images: RemoteImagesConfig,
    /// `[cluster]`: how nodes sharing one PostgreSQL database coordinate.
    #[serde(default)]
    pub cluster: ClusterConfig,
    /// `[secrets]`: the key that seals stored secrets (OAuth2 refresh tokens).
    #[serde(default)]
    pub secrets: SecretsConfig,
    /// `[access]`: whether agents see every conversation or their teams' only.
    #[serde(default)]
    pub access: crate::access::AccessConfig,
    /// `[audit]`: how long the audit log is kept.
    #[serde(default)]
    pub audit: crate::audit::settings::AuditConfig,
    /// `[privacy]`: how contacts' erasures run.
    #[serde(default)]
    pub privacy: PrivacyConfig,
    /// `[retention]`: how long conversations, attachment files and logs are kept.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// `[redaction]`: personal numbers replaced by `[redacted]` before messages are stored.
    #[serde(default)]
    pub redaction: RedactionConfig,
    /// `[contacts]`: the region of phone numbers written without a country code.
    #[serde(default)]
    pub contacts: ContactsConfig,
    /// `[assist]`: the model agent assist uses, and what may be sent to it.
    #[serde(default)]
    pub assist: crate::assist::AssistConfig,
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
        let file_name = file.as_ref().map(|(name, _)| name.clone());
        let env: Vec<(String, String)> = env.into_iter().collect();
        let master_key = env
            .iter()
            .find(|(name, _)| name == env::MASTER_KEY_VARIABLE)
            .map(|(_, value)| crate::secrets::MasterKey::new(value.clone()));
        let mut table = match &file {
            Some((name, text)) => text
                .parse::<toml::Table>()
                .map_err(|err| ConfigError::new(name.clone(), err.to_string().trim().to_owned()))?,
            None => toml::Table::new(),
        };
        let overrides = env::apply_env(&mut table, env, &Self::defaults_table()?)?;
        // A key set from the environment is reported with its variable; anything else with
        // the file (or the defaults when there is none).
        let source_of = |key: &str| -> String {
            overrides
                .source_of(key)
                .map(str::to_owned)
                .or_else(|| file_name.clone())
                .unwrap_or_else(|| "defaults".into())
        };
        let file_source = file_name.clone().unwrap_or_else(|| "defaults".into());
        if let Some(assist) = table.get_mut("assist") {
            channels::expand_env_refs(assist, "assist", &lookup)
                .map_err(|message| ConfigError::new(file_source.clone(), message))?;
        }
        if let Some(toml::Value::Array(channels)) = table.get_mut("channels") {
            for (index, channel) in channels.iter_mut().enumerate() {
                channels::expand_env_refs(channel, &format!("channels[{index}]"), &lookup)
                    .map_err(|message| ConfigError::new(file_source.clone(), message))?;
            }
        }
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|err| {
                let path = err.path().to_string();
                // toml appends "in `section`" lines; the path already says where.
                let inner = err.into_inner().to_string();
                let inner = inner.lines().next().unwrap_or_default().to_owned();
                if path == "." {
                    ConfigError::new(file_source.clone(), inner)
                } else {
                    ConfigError::new(source_of(&path), format!("{path}: {inner}"))
                }
            })?;
        config.secrets.master_key = master_key;
        let mut names = HashSet::new();
        for (index, channel) in config.channels.iter_mut().enumerate() {
            channel.origin = format!("{file_source}: channels[{index}]");
            if !names.insert(channel.name.clone()) {
                return Err(ConfigError::new(
                    file_source,
                    format!("channels[{index}].name: {:?} is used twice", channel.name),
                ));
            }
        }
        config.validate().map_err(|message| {
            // Every check's message starts with the key it refuses.
            let key = message.split(": ").next().unwrap_or_default();
            if key == env::MASTER_KEY_VARIABLE {
                return ConfigError::new(
                    key,
                    message.trim_start_matches(key).trim_start_matches(": "),
                );
            }
            ConfigError::new(source_of(key), message)
        })?;
        Ok(config)
    }

    /// The default configuration as a TOML table: the sections and keys there are, and
    /// the type of each key's value.
    fn defaults_table() -> Result<toml::Table, ConfigError> {
        toml::Table::try_from(Self::default())
            .map_err(|err| ConfigError::new("defaults", format!("cannot be written out: {err}")))
    }

    /// Runs every section's own checks, then the ones across sections (names of channels).
    fn validate(&self) -> Result<(), String> {
        self.server.validate()?;
        self.ingest.validate()?;
        self.workers.validate()?;
        self.dispatch.validate()?;
        self.database.validate()?;
        self.log.validate()?;
        self.webhooks.validate()?;
        self.remote_images.validate()?;
        self.templates.validate()?;
        self.campaigns.validate()?;
        self.cluster.validate()?;
        self.secrets.validate()?;
        self.privacy.validate()?;
        self.redaction.validate()?;
        self.contacts.validate()?;
        let channels: Vec<&str> = self.channels.iter().map(|c| c.name.as_str()).collect();
        self.routing.validate(&channels)?;
        self.access.validate(&channels)?;
        self.audit.validate()?;
        self.automation.validate(&channels)?;
        self.retention.validate(&channels)?;
        self.assist.validate(&channels)?;
        crate::automation::settings::validate_rules(&self.rules)?;
        crate::automation::settings::validate_sla(&self.sla)?;
        crate::automation::settings::validate_business_hours(&self.business_hours, &channels)?;
        Ok(())
    }

    /// True when the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.is_postgres()
    }
}

#[cfg(test)]
mod tests;
