//! Values that used to pass start-up and fail (or misbehave) only when used: each is now
//! refused at load, naming the file and the key.

use super::*;

fn refused(text: &str) -> String {
    let err = load(text).expect_err(text).to_string();
    assert!(err.starts_with("switchboard.toml: "), "{err:?}");
    err
}

#[test]
fn the_log_level_must_be_a_level_or_filter_directives() {
    for good in [
        "info",
        "WARN",
        "off",
        "info,sqlx=warn",
        "warn,switchboard::router=trace",
        "switchboard=debug, sqlx=warn",
    ] {
        let config = load(&format!("[log]\nlevel = \"{good}\"\n")).expect(good);
        assert_eq!(config.log.level, good);
    }
    for bad in ["loud", "info,loud", "sqlx=loud", "", "switchboard=debug,["] {
        let err = refused(&format!("[log]\nlevel = \"{bad}\"\n"));
        assert!(err.contains("log.level: "), "{err}");
        assert!(
            err.contains("off, error, warn, info, debug, trace"),
            "{err} should list the levels"
        );
    }
}

#[test]
fn the_database_url_must_name_a_supported_database() {
    for good in [
        "sqlite://a.db",
        "sqlite::memory:",
        "sqlite:a.db",
        "postgres://u@h/d",
        "postgresql://u:pw@h:5432/d",
        "plain-file.db",
    ] {
        load(&format!("[database]\nurl = \"{good}\"\n")).expect(good);
    }
    for bad in ["mysql://x", "postgres:x", "http://db", ""] {
        let err = refused(&format!("[database]\nurl = \"{bad}\"\n"));
        assert!(err.contains("database.url: "), "{err}");
        assert!(
            err.contains("sqlite:") && err.contains("postgres://"),
            "{err} should name what works"
        );
    }
    // The password stays out of the message.
    let err = refused("[database]\nurl = \"mysql://u:secret@h/d\"\n");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn campaign_links_and_pace_are_checked_at_load() {
    let cases = [
        ("public_url = \"not a url\"", "campaigns.public_url"),
        (
            "public_url = \"ftp://sb.example.com\"",
            "campaigns.public_url",
        ),
        ("public_url = \"sb.example.com\"", "campaigns.public_url"),
        (
            "unsubscribe_mailto = \"nobody\"",
            "campaigns.unsubscribe_mailto",
        ),
        (
            "unsubscribe_mailto = \"a@b.c?subject=x\"",
            "campaigns.unsubscribe_mailto",
        ),
        (
            "default_rate_per_sec = 0.0",
            "campaigns.default_rate_per_sec",
        ),
        (
            "default_rate_per_sec = -1.0",
            "campaigns.default_rate_per_sec",
        ),
        (
            "default_rate_per_sec = nan",
            "campaigns.default_rate_per_sec",
        ),
        ("batch_size = 0", "campaigns.batch_size"),
        ("parallel_batches = 0", "campaigns.parallel_batches"),
        ("lease_secs = 0", "campaigns.lease_secs"),
        ("max_attempts = 0", "campaigns.max_attempts"),
        ("poll_interval_ms = 0", "campaigns.poll_interval_ms"),
        (
            "stop_keywords = [\"STOP\", \" \"]",
            "campaigns.stop_keywords[1]",
        ),
        ("stop_confirmation = \"\"", "campaigns.stop_confirmation"),
    ];
    for (line, key) in cases {
        let err = refused(&format!("[campaigns]\n{line}\n"));
        assert!(err.contains(&format!("{key}: ")), "{err} should name {key}");
    }
    let config = load(
        "[campaigns]\npublic_url = \"https://sb.example.com/base/\"\n\
         unsubscribe_mailto = \"unsubscribe@example.com\"\ndefault_rate_per_sec = 0.5\n",
    )
    .expect("valid");
    assert_eq!(config.campaigns.public_url, "https://sb.example.com/base/");
}

#[test]
fn intervals_and_leases_of_zero_are_refused() {
    let cases = [
        ("[dispatch]\nlease_secs = 0\n", "dispatch.lease_secs"),
        (
            "[dispatch]\npoll_interval_ms = 0\n",
            "dispatch.poll_interval_ms",
        ),
        (
            "[webhooks]\npoll_interval_ms = 0\n",
            "webhooks.poll_interval_ms",
        ),
        (
            "[routing]\npoll_interval_secs = 0\n",
            "routing.poll_interval_secs",
        ),
        (
            "[server]\nrequest_timeout_secs = 0\n",
            "server.request_timeout_secs",
        ),
        (
            "[server]\nshutdown_grace_secs = 0\n",
            "server.shutdown_grace_secs",
        ),
    ];
    for (text, key) in cases {
        let err = refused(text);
        assert!(err.contains(&format!("{key}: ")), "{err} should name {key}");
    }
}

#[test]
fn connector_urls_and_ids_are_checked_when_channels_build() {
    let cases = [
        (
            "kind = \"webhook\"\nsecret = \"s\"\ncallback_url = \"not a url\"\n",
            "callback_url: must be an http:// or https:// URL",
        ),
        (
            "kind = \"webhook\"\nsecret = \"s\"\ncallback_url = \"shop.example.com/replies\"\n",
            "callback_url: must be an ",
        ),
        (
            "kind = \"telegram\"\ntoken = \"t\"\nmode = \"webhook\"\nsecret_token = \"x\"\n\
             webhook_url = \"ftp://bot.example.com\"\n",
            "webhook_url: must be an http:// or https:// URL, not ftp:",
        ),
        (
            "kind = \"discord\"\ntoken = \"t\"\napi_url = \"fake\"\n",
            "api_url: must be an absolute http:// or https:// URL",
        ),
        (
            "kind = \"discord\"\ntoken = \"t\"\nwatch_channels = [1, \"general\"]\n",
            "watch_channels[1]: \"general\" is not a channel id",
        ),
    ];
    for (keys, expected) in cases {
        let config = load(&format!("[[channels]]\nname = \"c\"\n{keys}")).expect("generic part");
        let err = match crate::app::build_connectors(&config.channels) {
            Err(err) => err.to_string(),
            Ok(_) => panic!("{keys} must be refused"),
        };
        assert!(
            err.starts_with("switchboard.toml: channels[0]: ") && err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
    }
    let config = load(
        "[[channels]]\nname = \"c\"\nkind = \"discord\"\ntoken = \"t\"\n\
         watch_channels = [123456789012345678, \"223456789012345678\"]\n",
    )
    .expect("valid");
    crate::app::build_connectors(&config.channels).expect("quoted ids are ids");
}

#[test]
fn bots_may_only_name_configured_channels() {
    let shop = "[[channels]]\nname = \"shop\"\nkind = \"webhook\"\nsecret = \"s\"\n";
    load(&format!(
        "[automation.bots.ack]\nchannels = [\"shop\"]\n{shop}"
    ))
    .expect("valid");
    let err = refused(&format!(
        "[automation.bots.greeting]\nchannels = [\"shop\", \"shpo\"]\n{shop}"
    ));
    assert!(
        err.contains(
            "automation.bots.greeting.channels[1]: no [[channels]] entry is named \"shpo\""
        ),
        "{err}"
    );
}

#[test]
fn cluster_lease_times_out_of_range_and_blank_addresses_are_refused() {
    for text in [
        "[cluster]\nlease_ttl_ms = 0\n",
        "[cluster]\nlease_ttl_ms = 100\n",
        "[cluster]\nlease_ttl_ms = 3600000\n",
    ] {
        let err = refused(text);
        assert!(err.contains("cluster.lease_ttl_ms: "), "{err}");
    }
    let err = refused("[cluster]\nadvertise_address = \" \"\n");
    assert!(err.contains("cluster.advertise_address: "), "{err}");
    let config = load("[cluster]\nlease_ttl_ms = 3000\n").expect("in range");
    assert_eq!(config.cluster.lease_ttl_ms, 3000);
}

#[test]
fn erasure_batches_pauses_and_claims_out_of_range_are_refused() {
    for (text, key) in [
        ("[privacy]\nerasure_batch = 0\n", "privacy.erasure_batch: "),
        (
            "[privacy]\nerasure_batch = 10001\n",
            "privacy.erasure_batch: ",
        ),
        (
            "[privacy]\nerasure_pause_ms = 60001\n",
            "privacy.erasure_pause_ms: ",
        ),
        (
            "[privacy]\nerasure_claim_ms = 999\n",
            "privacy.erasure_claim_ms: ",
        ),
        (
            "[privacy]\nerasure_claim_ms = 3600001\n",
            "privacy.erasure_claim_ms: ",
        ),
    ] {
        let err = refused(text);
        assert!(err.contains(key), "{err}");
    }
    let config = load("[privacy]\nerasure_batch = 1\nerasure_pause_ms = 5\n").expect("in range");
    assert_eq!(config.privacy.erasure_batch, 1);
    assert_eq!(config.privacy.erasure_pause_ms, 5);
}

#[test]
fn the_phone_region_is_a_region_code_libphonenumber_knows() {
    let config = load("[contacts]\ndefault_region = \"sk\"\n").expect("sk");
    assert_eq!(config.contacts.default_region.code(), "SK");
    assert_eq!(
        load("").expect("defaults").contacts.default_region.code(),
        "CZ"
    );
    for bad in ["Czechia", "QQ", ""] {
        let err = load(&format!("[contacts]\ndefault_region = \"{bad}\"\n"))
            .expect_err(bad)
            .to_string();
        assert!(err.contains("contacts.default_region"), "{bad}: {err}");
        assert!(err.contains("region"), "{bad}: {err}");
    }
}

#[test]
fn mailbox_domains_are_domain_names_and_gmail_by_default() {
    assert_eq!(
        load("").expect("defaults").contacts.mailbox_domains,
        vec!["gmail.com", "googlemail.com"]
    );
    let config = load("[contacts]\nmailbox_domains = []\n").expect("none");
    assert!(config.contacts.mailbox_domains.is_empty());
    for bad in ["user@gmail.com", "Gmail.com", "gmail", ".gmail.com"] {
        let err = load(&format!("[contacts]\nmailbox_domains = [\"{bad}\"]\n"))
            .expect_err(bad)
            .to_string();
        assert!(err.contains("contacts.mailbox_domains"), "{bad}: {err}");
    }
}

#[test]
fn the_assist_key_reads_the_environment_and_the_model_host_must_be_allowed() {
    let text = "[assist]\nbase_url = \"https://api.example.com/v1\"\napi_key = \"${MODEL_KEY}\"\n\
                model = \"small\"\nallow_hosts = [\"api.example.com\"]\n";
    let config = Config::from_parts(Some(("f.toml".into(), text)), Vec::new(), |name| {
        (name == "MODEL_KEY").then(|| "sk-from-env".to_owned())
    })
    .expect("valid");
    assert_eq!(config.assist.api_key, "sk-from-env");
    assert!(config.assist.is_on());
    let unset = Config::from_parts(Some(("f.toml".into(), text)), Vec::new(), |_| None)
        .expect_err("unset")
        .to_string();
    assert!(
        unset.contains("assist.api_key") && unset.contains("MODEL_KEY"),
        "{unset}"
    );
    let elsewhere = text.replace("allow_hosts = [\"api.example.com\"]", "allow_hosts = []");
    let err = Config::from_parts(Some(("f.toml".into(), &elsewhere)), Vec::new(), |_| {
        Some("k".to_owned())
    })
    .expect_err("host")
    .to_string();
    assert!(
        err.contains("f.toml") && err.contains("assist.allow_hosts"),
        "{err}"
    );
    assert!(!load("").expect("defaults").assist.is_on());
}
