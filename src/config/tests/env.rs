//! `SWITCHBOARD_*` overrides: every section of the tree is reachable, values are typed like
//! the key they set, and an error names the variable that caused it.

use super::*;

#[test]
fn environment_overrides_the_file() {
    let env = vec![
        (
            "SWITCHBOARD_DATABASE_URL".to_owned(),
            "postgres://u:pw@db/x".to_owned(),
        ),
        (
            "SWITCHBOARD_SERVER__BIND".to_owned(),
            "0.0.0.0:9000".to_owned(),
        ),
        (
            "SWITCHBOARD_DISPATCH_MAX_ATTEMPTS".to_owned(),
            "3".to_owned(),
        ),
        ("SWITCHBOARD_CONFIG".to_owned(), "ignored.toml".to_owned()),
        ("OTHER".to_owned(), "x".to_owned()),
    ];
    let text = "[database]\nurl = \"sqlite://a.db\"\n";
    let config = Config::from_parts(Some(("f.toml".into(), text)), env, |_| None).expect("valid");
    assert_eq!(config.database.url, "postgres://u:pw@db/x");
    assert!(config.is_postgres());
    assert_eq!(config.server.bind.port(), 9000);
    assert_eq!(config.dispatch.max_attempts, 3);
    assert!(
        !format!("{:?}", config.database).contains("pw"),
        "password must be masked"
    );
}

fn from_env(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env = vars
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()));
    Config::from_parts(None, env, |_| None)
}

/// The example file's tables (not its `[[lists]]`), each with its path and keys.
fn example_sections() -> Vec<(Vec<String>, toml::Table)> {
    fn walk(path: &[String], table: &toml::Table, out: &mut Vec<(Vec<String>, toml::Table)>) {
        let keys: toml::Table = table
            .iter()
            .filter(|(_, value)| !value.is_table())
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if !path.is_empty() && !keys.is_empty() {
            out.push((path.to_vec(), keys));
        }
        for (key, value) in table {
            if let toml::Value::Table(inner) = value {
                let mut path = path.to_vec();
                path.push(key.clone());
                walk(&path, inner, out);
            }
        }
    }
    let text = include_str!("../../../switchboard.example.toml");
    let mut table: toml::Table = text.parse().expect("the example parses");
    table.retain(|_, value| !value.is_array());
    let mut out = Vec::new();
    walk(&[], &table, &mut out);
    out
}

/// A TOML value written as an environment variable would carry it.
fn as_env_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        toml::Value::Array(items) => items.iter().map(as_env_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

#[test]
fn every_section_of_the_example_can_be_set_from_the_environment() {
    let sections = example_sections();
    assert!(sections.len() > 10, "{sections:?}");
    let mut file = toml::Table::new();
    let mut env = Vec::new();
    for (path, keys) in &sections {
        let mut table = &mut file;
        for part in path {
            table = table
                .entry(part.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("a table");
        }
        for (key, value) in keys {
            table.insert(key.clone(), value.clone());
            // Top-level sections take the documented `SECTION_KEY` form, nested ones the
            // explicit `__` path (both forms are tested on their own below).
            let name = if path.len() == 1 {
                format!("SWITCHBOARD_{}_{key}", path[0])
            } else {
                format!("SWITCHBOARD_{}__{key}", path.join("__"))
            };
            env.push((name.to_ascii_uppercase(), as_env_text(value)));
        }
    }
    let text = toml::to_string(&file).expect("serialise");
    let from_file = Config::from_parts(Some(("f.toml".into(), &text)), Vec::new(), |_| None)
        .expect("the example's sections load");
    for (name, value) in &env {
        Config::from_parts(None, vec![(name.clone(), value.clone())], |_| None)
            .unwrap_or_else(|err| panic!("{name}={value}: {err}"));
    }
    let from_env = Config::from_parts(None, env, |_| None).expect("all at once");
    assert_eq!(format!("{from_env:?}"), format!("{from_file:?}"));
}

#[test]
fn nested_and_underscored_sections_take_the_single_underscore_form() {
    let config = from_env(&[
        ("SWITCHBOARD_SERVER_SIGN_IN_FREE_FAILURES", "3"),
        ("SWITCHBOARD_REMOTE_IMAGES_MAX_BYTES", "1000"),
        ("SWITCHBOARD_CAMPAIGNS_TEST_SENDS_PER_MINUTE", "7"),
        ("SWITCHBOARD_CAMPAIGNS_PUBLIC_URL", "https://sb.example.com"),
        ("SWITCHBOARD_WORKERS_RESTART_PAUSE_MS", "250"),
        ("SWITCHBOARD_AUTOMATION_CHAT_COOLDOWN", "2h"),
        ("SWITCHBOARD_ROUTING__TEAMS__BILLING__POLICY", "manual"),
        ("SWITCHBOARD_AUTOMATION__BOTS__ACK__EXPECTED_RESPONSE", "4h"),
    ])
    .expect("valid");
    assert_eq!(config.server.sign_in.free_failures, 3);
    assert_eq!(config.remote_images.max_bytes, 1000);
    assert_eq!(config.campaigns.test_sends_per_minute, 7);
    assert_eq!(config.campaigns.public_url, "https://sb.example.com");
    assert_eq!(config.workers.restart_pause_ms, 250);
    assert_eq!(config.automation.chat_cooldown.0.as_secs(), 7200);
    assert_eq!(
        config.routing.teams["billing"].policy,
        Some(crate::domain::RoutingPolicy::Manual)
    );
    assert!(config.automation.bots.ack.is_some());
}

#[test]
fn values_are_read_as_the_type_of_their_key() {
    let config = from_env(&[
        ("SWITCHBOARD_CAMPAIGNS_DEFAULT_RATE_PER_SEC", "2.5"),
        ("SWITCHBOARD_CAMPAIGNS_STOP_KEYWORDS", "STOP, HALT"),
        ("SWITCHBOARD_SERVER_TRUSTED_PROXIES", "10.0.0.0/8,::1"),
        // A string key keeps digits as text.
        ("SWITCHBOARD_CAMPAIGNS_STOP_CONFIRMATION", "123"),
        ("SWITCHBOARD_TEMPLATES_DEFAULT_LOCALE", "cs"),
    ])
    .expect("valid");
    assert!((config.campaigns.default_rate_per_sec - 2.5).abs() < f64::EPSILON);
    assert_eq!(config.campaigns.stop_keywords, ["STOP", "HALT"]);
    assert_eq!(config.server.trusted_proxies.len(), 2);
    assert_eq!(config.campaigns.stop_confirmation, "123");
    let config = from_env(&[("SWITCHBOARD_SERVER_TRUSTED_PROXIES", "")]).expect("valid");
    assert!(config.server.trusted_proxies.is_empty());
}

#[test]
fn an_error_names_the_variable_that_caused_it() {
    let file = "[server]\nmax_body_bytes = 100\n";
    let cases = [
        ("SWITCHBOARD_SERVER_BIND", "nonsense", "server.bind"),
        ("SWITCHBOARD_SERVER__BIND", "nonsense", "server.bind"),
        (
            "SWITCHBOARD_DISPATCH_MAX_ATTEMPTS",
            "0",
            "dispatch.max_attempts",
        ),
        (
            "SWITCHBOARD_DISPATCH_MAX_ATTEMPTS",
            "many",
            "dispatch.max_attempts",
        ),
        (
            "SWITCHBOARD_SERVER_BINDD",
            "x",
            "server.bindd: unknown field",
        ),
        ("SWITCHBOARD_LOG_LEVEL", "loud", "log.level"),
        ("SWITCHBOARD_DATABASE_URL", "mysql://x", "database.url"),
        (
            "SWITCHBOARD_SERVER_SIGN_IN_FREE_FAILURES",
            "0",
            "server.sign_in.free_failures",
        ),
    ];
    for (name, value, key) in cases {
        for file in [None, Some(("switchboard.toml".to_owned(), file))] {
            let err = Config::from_parts(file, vec![(name.to_owned(), value.to_owned())], |_| None)
                .expect_err(name);
            assert_eq!(err.source_name, name, "{err}");
            assert!(err.message.starts_with(key), "{err} should name {key}");
        }
    }
    // A key the file set keeps the file as its source, whatever else the environment sets.
    let err = Config::from_parts(
        Some(("switchboard.toml".into(), "[server]\nbind = \"x\"\n")),
        vec![("SWITCHBOARD_DISPATCH_MAX_ATTEMPTS".into(), "3".into())],
        |_| None,
    )
    .expect_err("bad bind");
    assert_eq!(err.source_name, "switchboard.toml", "{err}");
}

#[test]
fn unknown_sections_and_lists_are_refused_by_name() {
    let err = from_env(&[("SWITCHBOARD_NOPE_X", "1")]).expect_err("unknown section");
    assert!(
        err.to_string()
            .starts_with("SWITCHBOARD_NOPE_X: unknown section"),
        "{err}"
    );
    assert!(err.message.contains("campaigns"), "{err}");
    let err = from_env(&[("SWITCHBOARD_CHANNELS_NAME", "x")]).expect_err("a list");
    assert!(err.message.contains("[[channels]]"), "{err}");
    let err = from_env(&[("SWITCHBOARD_SERVER", "x")]).expect_err("no key");
    assert!(err.message.contains("SWITCHBOARD_<SECTION>_<KEY>"), "{err}");
}

/// The dotted paths of every key (not table) in `table`.
fn key_paths(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => key_paths(&path, inner, out),
            _ => out.push(path),
        }
    }
}

#[test]
fn the_example_shows_every_key_that_has_a_default() {
    // Keys are walked from the serialised defaults, so a key added to any section must be
    // added to the example too (keys without a default appear there as comments).
    let defaults = Config::defaults_table().expect("defaults");
    let example: toml::Table = include_str!("../../../switchboard.example.toml")
        .parse()
        .expect("the example parses");
    let (mut wanted, mut shown) = (Vec::new(), Vec::new());
    key_paths("", &defaults, &mut wanted);
    key_paths("", &example, &mut shown);
    let missing: Vec<&String> = wanted.iter().filter(|key| !shown.contains(key)).collect();
    assert!(
        missing.is_empty(),
        "switchboard.example.toml lacks {missing:?}"
    );
}
