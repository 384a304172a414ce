//! The generic webhook channel's body, through the same `parse_webhook` the hook calls, with a
//! valid signature computed here so every input reaches the JSON parser.
#![no_main]

use std::sync::LazyLock;

use connector_sdk::Connector;
use connector_webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Webhook, sign};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "fuzz-secret";

static CHANNEL: LazyLock<Webhook> = LazyLock::new(|| {
    let config = serde_json::from_value(serde_json::json!({ "secret": SECRET }))
        .expect("a valid webhook config");
    Webhook::new("api", config).expect("a valid webhook channel")
});

fuzz_target!(|body: &[u8]| {
    let mut headers = http::HeaderMap::new();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64);
    headers.insert(TIMESTAMP_HEADER, http::HeaderValue::from(timestamp));
    let signature = http::HeaderValue::from_str(&sign(SECRET.as_bytes(), timestamp, body))
        .expect("a hex signature is a valid header");
    headers.insert(SIGNATURE_HEADER, signature);
    // Errors are the expected answer to most inputs; only a panic or a hang is a finding.
    let _ = CHANNEL.parse_webhook(&headers, body);
});
