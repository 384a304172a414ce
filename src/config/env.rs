//! `SWITCHBOARD_*` environment overrides, applied over the file before it is parsed.

use super::ConfigError;

const ENV_PREFIX: &str = "SWITCHBOARD_";

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
pub(super) fn apply_env(
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
