//! Property tests of the update parser (fuzz target `telegram`) and the HTML splitter (fuzz
//! target `splitter`): no panic, only precise "malformed" answers, parts within the limit.

use std::sync::LazyLock;

use connector_sdk::fuzzing::{assert_parts, mutated, mutated_text};
use connector_sdk::{Connector, WebhookError};
use proptest::prelude::*;

use crate::format::{MAX_MESSAGE_CHARS, split_escaped};
use crate::{SECRET_HEADER, Telegram};

const SECRET: &str = "fuzz-secret";

static CHANNEL: LazyLock<Telegram> = LazyLock::new(|| {
    let config = serde_json::from_value(serde_json::json!({
        "token": "1:fuzz",
        "api_url": "http://127.0.0.1:9/",
        "mode": "webhook",
        "secret_token": SECRET,
    }))
    .expect("config");
    Telegram::new("tg", config).expect("channel")
});

proptest! {
    #[test]
    fn telegram_updates_parse_or_are_malformed(body in mutated("telegram")) {
        let mut headers = http::HeaderMap::new();
        headers.insert(SECRET_HEADER, http::HeaderValue::from_static(SECRET));
        match CHANNEL.parse_webhook(&headers, &body) {
            Ok(_) | Err(WebhookError::Malformed(_)) => {}
            Err(other) => prop_assert!(false, "update refused as {other:?}"),
        }
    }

    #[test]
    fn splitter_telegram_parts_are_within_the_limit(
        text in mutated_text("splitter"),
        limit in 0..64usize,
    ) {
        assert_parts(&split_escaped(&text, limit), limit);
        assert_parts(&split_escaped(&text, MAX_MESSAGE_CHARS), MAX_MESSAGE_CHARS);
    }
}
