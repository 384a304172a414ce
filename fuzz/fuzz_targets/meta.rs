//! A Meta webhook body (WhatsApp Cloud API, Messenger, Instagram), through `parse_webhook` of
//! a channel of each kind, signed here so every input reaches the parser.
#![no_main]

use std::sync::LazyLock;

use connector_meta::{Meta, SIGNATURE_HEADER, sign};
use connector_sdk::{ChannelKind, Connector};
use libfuzzer_sys::fuzz_target;

const APP_SECRET: &str = "fuzz-app-secret";

static CHANNELS: LazyLock<Vec<Meta>> = LazyLock::new(|| {
    [
        ChannelKind::Whatsapp,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
    ]
    .into_iter()
    .map(|kind| {
        let config = serde_json::from_value(serde_json::json!({
            "app_secret": APP_SECRET,
            "verify_token": "fuzz-verify",
            "access_token": "fuzz-access",
            "phone_number_id": "1000",
            "page_id": "2000",
            "graph_url": "http://127.0.0.1:9",
        }))
        .expect("a valid meta config");
        Meta::new(kind.as_str(), kind, config).expect("a valid meta channel")
    })
    .collect()
});

fuzz_target!(|body: &[u8]| {
    let mut headers = http::HeaderMap::new();
    let signature = http::HeaderValue::from_str(&sign(APP_SECRET.as_bytes(), body))
        .expect("a hex signature is a valid header");
    headers.insert(SIGNATURE_HEADER, signature);
    for channel in CHANNELS.iter() {
        let _ = channel.parse_webhook(&headers, body);
    }
});
