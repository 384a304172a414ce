//! The message splitters: the shared one and each channel's (Discord 2,000 characters after
//! Markdown escaping, Telegram 4,096 after HTML escaping, Meta 2,000/4,096), at the channel's
//! limit and at a small limit taken from the input so that cuts happen often.
#![no_main]

use connector_sdk::fuzzing::assert_parts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let small = usize::from(selector);
    let sdk =
        |limit| connector_sdk::text::split_message(text, limit, connector_sdk::text::no_escapes);
    let discord = |limit| {
        connector_discord::format::split(&connector_discord::format::escape_markdown(text), limit)
    };
    let telegram = |limit| connector_telegram::format::split_escaped(text, limit);
    let meta = |limit| connector_meta::outbound::split(text, limit);
    for limit in [
        small,
        connector_discord::format::MAX_MESSAGE_CHARS,
        connector_telegram::format::MAX_MESSAGE_CHARS,
    ] {
        assert_parts(&sdk(limit), limit);
        assert_parts(&discord(limit), limit);
        assert_parts(&telegram(limit), limit);
        assert_parts(&meta(limit), limit);
    }
});
