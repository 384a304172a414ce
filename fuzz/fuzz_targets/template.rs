//! Template text an operator or agent writes (canned responses, campaign bodies, rule notes):
//! checked the way the API checks it, then compiled and rendered with the sample context; and
//! the channel-markup readers that turn a rendered Telegram or Discord variant into plain text.
//!
//! Inputs are capped at `MAX_SOURCE` bytes: rendering cost is bounded by minijinja's own limits
//! (recursion depth, `range` length) plus the template fuel and output limits when the build has them.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use minijinja::value::{Serde, Value};
use switchboard::templates::settings::TemplatesConfig;
use switchboard::templates::{
    TemplateContext, Templates, discord_to_plain, escape_telegram, telegram_to_plain,
};

const MAX_SOURCE: usize = 4096;

static TEMPLATES: LazyLock<Templates> = LazyLock::new(|| {
    Templates::load(&TemplatesConfig::default()).expect("the shipped templates load")
});

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_SOURCE {
        return;
    }
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let _ = telegram_to_plain(source);
    let _ = discord_to_plain(source);
    assert_eq!(
        telegram_to_plain(&escape_telegram(source)),
        source,
        "escaping round-trips"
    );
    let _ = TEMPLATES.check_source("canned:fuzz", source);
    if let Ok(compiled) = TEMPLATES.compile("campaign:fuzz", source) {
        let _ = TEMPLATES.render_compiled(&compiled, Value::from(Serde(TemplateContext::sample())));
    }
});
