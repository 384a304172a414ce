//! `SWITCHBOARD_*` environment overrides, applied over the file before it is parsed.
//!
//! The sections a variable may set are read from the serialised defaults, so every section
//! of the tree, present and future, is reachable without a list to keep up to date:
//! `SWITCHBOARD_<SECTION>_<KEY>` where the section may itself contain underscores
//! (`SWITCHBOARD_REMOTE_IMAGES_MAX_BYTES`, `SWITCHBOARD_SERVER_SIGN_IN_FREE_FAILURES`), or an
//! explicit path with `__` (`SWITCHBOARD_ROUTING__TEAMS__BILLING__POLICY`) for tables that
//! are not in the defaults (routing scopes, bots). Values take the type of the key's
//! default; lists are comma-separated.

use super::ConfigError;

const ENV_PREFIX: &str = "SWITCHBOARD_";
/// Variables with the prefix that are not settings (read by the CLI itself).
const ENV_NOT_SETTINGS: [&str; 2] = ["SWITCHBOARD_CONFIG", MASTER_KEY_VARIABLE];
/// The master key of the secret store: read by itself (see `Config::from_parts`), as a key
/// belongs in no file.
pub(super) const MASTER_KEY_VARIABLE: &str = "SWITCHBOARD_MASTER_KEY";

/// Which variable set which key, to name it when that key is refused.
#[derive(Debug, Default)]
pub(super) struct Overrides(Vec<(String, String)>);

impl Overrides {
    /// The variable that set `key` (a dotted path such as `server.bind` or
    /// `server.trusted_proxies[0]`) or a table holding it.
    pub(super) fn source_of(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(set, _)| {
                key == set
                    || key
                        .strip_prefix(set.as_str())
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
            .max_by_key(|(set, _)| set.len())
            .map(|(_, name)| name.as_str())
    }
}

/// One table of the defaults: its dotted path and the form a variable name spells it in.
struct Section {
    path: Vec<String>,
    spelled: String,
}

/// Every table in `defaults`, at any depth.
fn sections(defaults: &toml::Table) -> Vec<Section> {
    fn walk(path: &[String], table: &toml::Table, out: &mut Vec<Section>) {
        for (key, value) in table {
            if let toml::Value::Table(inner) = value {
                let mut path = path.to_vec();
                path.push(key.clone());
                out.push(Section {
                    spelled: path.join("_"),
                    path: path.clone(),
                });
                walk(&path, inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&[], defaults, &mut out);
    out
}

/// Applies the `SWITCHBOARD_*` variables of `env` to `table`, shaped by `defaults` (the
/// serialised default configuration).
///
/// # Errors
/// A [`ConfigError`] naming the variable, for a name that is no setting.
pub(super) fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
    defaults: &toml::Table,
) -> Result<Overrides, ConfigError> {
    let sections = sections(defaults);
    let mut overrides = Overrides::default();
    for (name, value) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if ENV_NOT_SETTINGS.contains(&name.as_str()) {
            continue;
        }
        let path = key_path(&rest.to_ascii_lowercase(), &sections)
            .map_err(|message| ConfigError::new(&name, message))?;
        let typed = typed_value(&value, lookup(defaults, &path));
        insert(table, &path, typed).map_err(|message| ConfigError::new(&name, message))?;
        overrides.0.push((path.join("."), name));
    }
    Ok(overrides)
}

/// The key a variable sets, from its name without the prefix, lowercased.
fn key_path(rest: &str, sections: &[Section]) -> Result<Vec<String>, String> {
    let unknown = |section: &str| {
        let known: Vec<String> = sections
            .iter()
            .map(|section| section.path.join("."))
            .collect();
        format!(
            "unknown section {section:?} (known: {}; lists such as [[channels]] are set in \
             the file, where values may be ${{NAME}} references to the environment)",
            known.join(", ")
        )
    };
    let not_a_setting = || {
        "not a setting (expected SWITCHBOARD_<SECTION>_<KEY>, or a path with __ such as \
         SWITCHBOARD_ROUTING__TEAMS__BILLING__POLICY)"
            .to_owned()
    };
    if let Some((first, rest)) = rest.split_once("__") {
        let section = sections
            .iter()
            .find(|section| section.spelled == first)
            .ok_or_else(|| unknown(first))?;
        let keys: Vec<&str> = rest.split("__").collect();
        if keys.iter().any(|key| key.is_empty()) {
            return Err(not_a_setting());
        }
        let mut path = section.path.clone();
        path.extend(keys.into_iter().map(str::to_owned));
        return Ok(path);
    }
    // The longest section the name starts with: `server_sign_in_free_failures` is
    // `free_failures` in `server.sign_in`, not `sign_in_free_failures` in `server`.
    let best = sections
        .iter()
        .filter(|section| {
            rest.strip_prefix(section.spelled.as_str())
                .and_then(|key| key.strip_prefix('_'))
                .is_some_and(|key| !key.is_empty())
        })
        .max_by_key(|section| section.spelled.len());
    match best {
        Some(section) => {
            let mut path = section.path.clone();
            path.push(rest[section.spelled.len() + 1..].to_owned());
            Ok(path)
        }
        None if sections.iter().any(|section| section.spelled == rest) => Err(not_a_setting()),
        None => Err(unknown(rest.split('_').next().unwrap_or(rest))),
    }
}

/// The value at `path` in `table`, if there is one.
fn lookup<'a>(table: &'a toml::Table, path: &[String]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut table = table;
    for part in parents {
        table = table.get(part)?.as_table()?;
    }
    table.get(last)
}

/// `text` as the TOML value a key whose default is `default` takes. Text that does not fit
/// the type stays text, so the key's parser names the problem; keys without a default
/// (optional ones) take what the text looks like.
fn typed_value(text: &str, default: Option<&toml::Value>) -> toml::Value {
    let text_value = || toml::Value::String(text.to_owned());
    match default {
        Some(toml::Value::String(_) | toml::Value::Datetime(_)) => text_value(),
        Some(toml::Value::Integer(_)) => text
            .parse()
            .map_or_else(|_| text_value(), toml::Value::Integer),
        Some(toml::Value::Float(_)) => text
            .parse()
            .map_or_else(|_| text_value(), toml::Value::Float),
        Some(toml::Value::Boolean(_)) => text
            .parse()
            .map_or_else(|_| text_value(), toml::Value::Boolean),
        Some(toml::Value::Array(items)) => {
            if text.trim().is_empty() {
                return toml::Value::Array(Vec::new());
            }
            let item = items.first();
            toml::Value::Array(
                text.split(',')
                    .map(|part| typed_value(part.trim(), item))
                    .collect(),
            )
        }
        Some(toml::Value::Table(_)) | None => guessed_value(text),
    }
}

/// An environment value as the TOML scalar it looks like (number, boolean), else a string.
fn guessed_value(text: &str) -> toml::Value {
    if let Ok(number) = text.parse::<i64>() {
        return toml::Value::Integer(number);
    }
    match text {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(text.to_owned()),
    }
}

/// Sets `path` in `table` to `value`, making the tables on the way.
fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("not a setting".into());
    };
    let mut table = table;
    for (depth, part) in parents.iter().enumerate() {
        let entry = table
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry
            .as_table_mut()
            .ok_or_else(|| format!("{} is not a table", path[..=depth].join(".")))?;
    }
    table.insert(last.clone(), value);
    Ok(())
}
