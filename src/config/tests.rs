use connector_sdk::fuzzing::mutated_text;
use proptest::prelude::*;

use super::*;

mod env;
mod values;

pub(super) fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_parts(Some(("switchboard.toml".into(), text)), Vec::new(), |_| {
        None
    })
}

#[test]
fn no_file_gives_the_documented_defaults() {
    let config = Config::from_parts(None, Vec::new(), |_| None).expect("defaults");
    assert_eq!(config.server.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(config.database.url, DEFAULT_DATABASE_URL);
    assert!(config.channels.is_empty());
    assert!(!config.is_postgres());
}

#[test]
fn unknown_keys_and_bad_values_name_the_key() {
    let cases = [
        (
            "[server]\nbindd = \"x\"\n",
            "server.bindd: unknown field `bindd`",
        ),
        ("[server]\nbind = \"nonsense\"\n", "server.bind"),
        ("[dispatch]\nmax_attempts = 0\n", "dispatch.max_attempts"),
        (
            "[[channels]]\nname = \"a\"\nkind = \"fax\"\n",
            "kind: unknown channel kind \"fax\"",
        ),
        ("[[channels]]\nkind = \"webhook\"\n", "name: missing"),
        (
            "[[channels]]\nname = \"Bad Name\"\nkind = \"webhook\"\n",
            "name: \"Bad Name\"",
        ),
        (
            "[[channels]]\nname = \"a\"\nkind = \"webhook\"\nsecret = \"s\"\n[[channels]]\nname = \"a\"\nkind = \"webhook\"\nsecret = \"s\"\n",
            "channels[1].name: \"a\" is used twice",
        ),
        ("[server\n", "switchboard.toml"),
    ];
    for (text, expected) in cases {
        let err = load(text).expect_err(text).to_string();
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
        assert!(
            err.starts_with("switchboard.toml"),
            "{err:?} should name the file"
        );
    }
}

#[test]
fn secrets_come_from_the_environment() {
    let text = "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"${SHOP_SECRET}\"\n";
    let config = Config::from_parts(Some(("f.toml".into(), text)), Vec::new(), |name| {
        (name == "SHOP_SECRET").then(|| "s3cret".to_owned())
    })
    .expect("valid");
    assert_eq!(
        config.channels[0].settings["secret"].as_str(),
        Some("s3cret")
    );
    assert!(
        !format!("{config:?}").contains("s3cret"),
        "secrets must not be printed"
    );
    let err = load(text).expect_err("unset variable");
    assert!(
        err.to_string()
            .contains("channels[0].secret: environment variable SHOP_SECRET is not set"),
        "{err}"
    );
}

#[test]
fn the_example_file_parses_and_builds_its_channels() {
    let text = include_str!("../../switchboard.example.toml");
    let config = Config::from_parts(
        Some(("switchboard.example.toml".into(), text)),
        Vec::new(),
        |name| Some(format!("value-of-{name}")),
    )
    .expect("the example config must stay valid");
    assert!(!config.channels.is_empty());
    let connectors = crate::app::build_connectors(&config.channels).expect("channels build");
    assert_eq!(connectors.len(), config.channels.len());
}

#[test]
fn connector_keys_are_checked_with_their_path() {
    let text =
        "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s\"\ncallback = \"x\"\n";
    let config = load(text).expect("generic part is valid");
    let err = match crate::app::build_connectors(&config.channels) {
        Err(err) => err.to_string(),
        Ok(_) => panic!("unknown key must fail"),
    };
    assert!(err.contains("switchboard.toml: channels[0]"), "{err}");
    assert!(err.contains("unknown field `callback`"), "{err}");
}

#[test]
fn a_web_chat_email_channel_must_be_an_email_channel() {
    let widget = "[[channels]]\nname = \"site\"\nkind = \"web_chat\"\n\
                  allowed_origins = [\"https://shop.example\"]\nemail_channel = \"shop\"\n";
    for (extra, expected) in [
        ("", "email_channel: no channel is named \"shop\""),
        (
            "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s\"\n",
            "email_channel: \"shop\" is a webhook channel, not email",
        ),
    ] {
        let config = load(&format!("{widget}{extra}")).expect("generic part is valid");
        let err = match crate::app::build_connectors(&config.channels) {
            Err(err) => err.to_string(),
            Ok(_) => panic!("a web chat must continue by email through an email channel"),
        };
        assert!(err.contains("switchboard.toml: channels[0]"), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn webhooks_default_to_guarded_targets_and_a_day_of_retries() {
    let config = Config::from_parts(None, Vec::new(), |_| None).expect("defaults");
    assert!(!config.webhooks.allow_private_targets);
    assert!(config.webhooks.retry_for_hours >= 24);
    let env = vec![(
        "SWITCHBOARD_WEBHOOKS_ALLOW_PRIVATE_TARGETS".to_owned(),
        "true".to_owned(),
    )];
    let config = Config::from_parts(None, env, |_| None).expect("valid");
    assert!(config.webhooks.allow_private_targets);
    let err = load("[webhooks]\ntimeout_secs = 0\n").expect_err("invalid");
    assert!(err.to_string().contains("webhooks.timeout_secs"), "{err}");
}

#[test]
fn the_sqlite_cache_is_bounded_and_configurable() {
    let config = Config::from_parts(None, Vec::new(), |_| None).expect("defaults");
    assert_eq!(config.database.sqlite_cache_mib, 8);
    let config = load("[database]\nsqlite_cache_mib = 64\n").expect("valid");
    assert_eq!(config.database.sqlite_cache_mib, 64);
    for bad in ["0", "5000"] {
        let err = load(&format!("[database]\nsqlite_cache_mib = {bad}\n")).expect_err("invalid");
        assert!(
            err.to_string().contains("database.sqlite_cache_mib"),
            "{err}"
        );
    }
}

#[test]
fn the_database_acquire_timeout_is_bounded_and_configurable() {
    let config = Config::from_parts(None, Vec::new(), |_| None).expect("defaults");
    assert_eq!(config.database.acquire_timeout_ms, 10_000);
    let config = load("[database]\nacquire_timeout_ms = 500\n").expect("valid");
    assert_eq!(config.database.acquire_timeout_ms, 500);
    for bad in ["0", "300001"] {
        let err = load(&format!("[database]\nacquire_timeout_ms = {bad}\n")).expect_err("invalid");
        assert!(
            err.to_string().contains("database.acquire_timeout_ms"),
            "{err}"
        );
    }
}

const SHOP: &str = "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s\"\n";

#[test]
fn routing_scopes_by_channel_and_team() {
    let text = format!(
        "[routing]\npolicy = \"least_loaded\"\nsticky_fallback = \"round_robin\"\n\
         [routing.channels.shop]\npolicy = \"manual\"\n\
         [routing.teams.billing]\npolicy = \"sticky\"\nsticky_fallback = \"manual\"\n\
         reassign_when_offline = true\n{SHOP}"
    );
    let config = load(&text).expect("valid");
    let rules = config.routing.rules();
    use crate::domain::RoutingPolicy;
    assert_eq!(
        rules.resolve("shop", None, None).policy,
        RoutingPolicy::Manual
    );
    let billing = rules.resolve("shop", Some("billing"), None);
    assert_eq!(billing.policy, RoutingPolicy::Sticky);
    assert_eq!(billing.sticky_fallback, RoutingPolicy::Manual);
    assert!(billing.reassign_when_offline);
    let other = rules.resolve("mail", None, None);
    assert_eq!(other.policy, RoutingPolicy::LeastLoaded);
    assert_eq!(other.sticky_fallback, RoutingPolicy::RoundRobin);
    assert!(!other.reassign_when_offline);
}

#[test]
fn bad_routing_scopes_name_the_key() {
    let cases = [
        (
            format!("[routing.channels.shop]\npolcy = \"manual\"\n{SHOP}"),
            "routing.channels.shop.polcy: unknown field `polcy`",
        ),
        (
            format!("[routing.teams.billing]\npolicy = \"fastest\"\n{SHOP}"),
            "routing.teams.billing.policy: unknown variant `fastest`",
        ),
        (
            format!("[routing.channels.mail]\npolicy = \"manual\"\n{SHOP}"),
            "routing.channels.mail: no [[channels]] entry is named \"mail\"",
        ),
        (
            "[routing]\nsticky_fallback = \"sticky\"\n".to_owned(),
            "routing.sticky_fallback: must be least_loaded, round_robin or manual",
        ),
        (
            format!("[routing.teams.billing]\nsticky_fallback = \"sticky\"\n{SHOP}"),
            "routing.teams.billing.sticky_fallback: must be",
        ),
        (
            format!("[routing.teams.billing]\nreassign_when_offline = \"yes\"\n{SHOP}"),
            "routing.teams.billing.reassign_when_offline",
        ),
    ];
    for (text, expected) in cases {
        let err = load(&text).expect_err(&text).to_string();
        assert!(
            err.starts_with("switchboard.toml: ") && err.contains(expected),
            "{err:?} should name the file and contain {expected:?}"
        );
    }
}

#[test]
fn business_hours_are_read_and_checked() {
    let text = format!(
        "[[business_hours]]\nname = \"support\"\ntimezone = \"Europe/Prague\"\n\
         monday = \"09:00-12:00, 13:00-17:00\"\nholidays = [\"2026-12-24\"]\n\
         channels = [\"shop\"]\nteams = [\"billing\"]\n{SHOP}"
    );
    let config = load(&text).expect("valid");
    let calendars =
        crate::automation::calendar::Calendars::from_config(&config.business_hours).expect("ok");
    assert_eq!(
        calendars
            .for_conversation("shop", None)
            .map(|calendar| calendar.timezone()),
        Some("Europe/Prague")
    );

    let entry = "[[business_hours]]\nname = \"support\"\ntimezone = \"Europe/Prague\"\n";
    let cases = [
        (
            format!("{entry}mondy = \"09:00-17:00\"\n"),
            "business_hours[0].mondy: unknown field `mondy`",
        ),
        (
            format!("{entry}monday = \"09:00-17:00, 16:00-18:00\"\n"),
            "business_hours[0].monday: \"09:00-17:00\" overlaps \"16:00-18:00\"",
        ),
        (
            format!("{entry}friday = \"22:00-06:00\"\n"),
            "business_hours[0].friday: \"22:00-06:00\" crosses midnight",
        ),
        (
            "[[business_hours]]\nname = \"x\"\ntimezone = \"Moon/Base\"\n".to_owned(),
            "business_hours[0].timezone: unknown time zone \"Moon/Base\"",
        ),
        (
            format!("{entry}holidays = [\"24.12.2026\"]\n"),
            "business_hours[0].holidays[0]: \"24.12.2026\" is not a date",
        ),
        (
            format!("{entry}channels = [\"mail\"]\n{SHOP}"),
            "business_hours[0].channels[0]: no [[channels]] entry is named \"mail\"",
        ),
        (
            format!("{entry}{entry}"),
            "business_hours[1].name: \"support\" is already the name of business_hours[0]",
        ),
        (
            format!(
                "{entry}teams = [\"billing\"]\n\
                 [[business_hours]]\nname = \"other\"\ntimezone = \"UTC\"\nteams = [\"billing\"]\n"
            ),
            "business_hours[1].teams[0]: team \"billing\" already uses the business hours \"support\"",
        ),
    ];
    for (text, expected) in cases {
        let err = load(&text).expect_err(&text).to_string();
        assert!(
            err.starts_with("switchboard.toml: ") && err.contains(expected),
            "{err:?} should name the file and contain {expected:?}"
        );
    }
}

#[test]
fn connection_and_sign_in_limits_are_checked_by_key() {
    let config = load("[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n").expect("valid");
    assert_eq!(config.server.trusted_proxies.len(), 2);
    assert_eq!(config.server.sign_in.max_concurrent_hashes, 2);
    let cases = [
        (
            "[server]\ntrusted_proxies = [\"10.0.0.0/40\"]\n",
            "server.trusted_proxies[0]: \"10.0.0.0/40\": the prefix length must be 0 to 32",
        ),
        (
            "[server]\ntrusted_proxies = [\"proxy.local\"]\n",
            "server.trusted_proxies[0]",
        ),
        (
            "[server]\nmax_connections = 10\nmax_connections_per_client = 20\n",
            "server.max_connections_per_client: must be between 1 and max_connections",
        ),
        (
            "[server]\nheader_read_timeout_secs = 0\n",
            "server.header_read_timeout_secs",
        ),
        (
            "[server.sign_in]\nmax_concurrent_hashes = 0\n",
            "server.sign_in.max_concurrent_hashes",
        ),
        (
            "[server.sign_in]\nfrobnicate = 1\n",
            "server.sign_in.frobnicate",
        ),
    ];
    for (text, expected) in cases {
        let err = load(text).expect_err(text).to_string();
        assert!(err.starts_with("switchboard.toml"), "{err:?}");
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
    }
}

proptest! {
    /// The twin of the fuzz target `config`: seeds from `fuzz/corpus/config` with random
    /// edits load or name the problem, never panic.
    #[test]
    fn config_files_load_or_name_the_problem(text in mutated_text("config")) {
        if let Err(err) = Config::from_parts(Some(("fuzz.toml".into(), &text)), Vec::new(), |_| None) {
            prop_assert_eq!(err.source_name.as_str(), "fuzz.toml");
            prop_assert!(!err.message.is_empty());
        }
    }
}

#[test]
fn the_secrets_key_file_comes_from_the_file_or_the_environment() {
    let config = load("[secrets]\nkey_file = \"/etc/switchboard/secrets.key\"\n").expect("valid");
    assert_eq!(
        config.secrets.key_file.as_deref(),
        Some(std::path::Path::new("/etc/switchboard/secrets.key"))
    );
    let env = vec![(
        "SWITCHBOARD_SECRETS__KEY_FILE".to_owned(),
        "/run/keys/sb.key".to_owned(),
    )];
    let config = Config::from_parts(None, env, |_| None).expect("valid");
    assert_eq!(
        config.secrets.key_file.as_deref(),
        Some(std::path::Path::new("/run/keys/sb.key"))
    );
    let empty = load("[secrets]\nkey_file = \"\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        empty.contains("secrets.key_file: must not be empty"),
        "{empty}"
    );
    assert!(load("[secrets]\nkey = \"x\"\n").is_err());
}
