//! `[[channels]]`: each channel's name and kind, and its kind-specific keys, which the
//! connector crate parses (see `app::build_connectors`). Secrets come in as `${NAME}`
//! references to the environment, expanded here.

use std::fmt;

use connector_sdk::ChannelKind;
use serde::Deserialize;

/// One `[[channels]]` table: its name and kind, and the kind-specific keys, which the
/// connector parses (see `app::build_connectors`). `${ENV}` references are already expanded.
#[derive(Clone)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    pub settings: toml::Table,
    /// The largest body `POST /hooks/{name}` accepts; `None` for the kind's default (the
    /// server's `max_body_bytes`, raw mail 50 MiB).
    pub max_body_bytes: Option<usize>,
    /// `csat = true`: a resolved conversation's customer gets the satisfaction survey.
    pub csat: bool,
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
        let max_body_bytes = match settings.remove("max_body_bytes") {
            Some(toml::Value::Integer(bytes)) if bytes > 0 => Some(
                usize::try_from(bytes)
                    .map_err(|_| D::Error::custom("max_body_bytes: too large for this machine"))?,
            ),
            Some(_) => {
                return Err(D::Error::custom(
                    "max_body_bytes: must be a number of bytes above 0",
                ));
            }
            None => None,
        };
        let csat = match settings.remove("csat") {
            Some(toml::Value::Boolean(on)) => on,
            Some(_) => return Err(D::Error::custom("csat: must be true or false")),
            None => false,
        };
        Ok(ChannelConfig {
            name,
            kind,
            settings,
            max_body_bytes,
            csat,
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

/// Replaces string values of the exact form `${NAME}` with the environment variable `NAME`.
pub(super) fn expand_env_refs(
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
