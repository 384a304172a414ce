//! A Telegram update, through the webhook-mode `parse_webhook` (the polling loop parses each
//! update with the same `convert::Update` and `convert::events`).
#![no_main]

use std::sync::LazyLock;

use connector_sdk::Connector;
use connector_telegram::{SECRET_HEADER, Telegram};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret";

static CHANNEL: LazyLock<Telegram> = LazyLock::new(|| {
    let config = serde_json::from_value(serde_json::json!({
        "token": "1:fuzz",
        "api_url": "http://127.0.0.1:9/",
        "mode": "webhook",
        "secret_token": SECRET,
    }))
    .expect("a valid telegram config");
    Telegram::new("tg", config).expect("a valid telegram channel")
});

fuzz_target!(|body: &[u8]| {
    let mut headers = http::HeaderMap::new();
    headers.insert(SECRET_HEADER, http::HeaderValue::from_static(SECRET));
    let _ = CHANNEL.parse_webhook(&headers, body);
});
