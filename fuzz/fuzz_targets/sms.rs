//! An SMS provider's webhook body: a Twilio form (signed here over the parameters it decodes
//! to, so every decodable input reaches the parser behind the signature check), the same bytes
//! as a Vonage form and as Vonage JSON, and the bytes as text through the segment counter.
#![no_main]

use std::sync::LazyLock;

use connector_sdk::Connector;
use connector_sms::{Twilio, Vonage, parse_form, segments, twilio};
use libfuzzer_sys::fuzz_target;

const AUTH_TOKEN: &str = "fuzz-auth-token";
const HOOK: &str = "/hooks/sms";

static TWILIO: LazyLock<Twilio> = LazyLock::new(|| {
    let config = serde_json::from_value(serde_json::json!({
        "account_sid": "AC0001",
        "auth_token": AUTH_TOKEN,
        "from": "+15005550006",
        "public_url": "https://sb.example.com",
        "api_url": "http://127.0.0.1:9",
    }))
    .expect("a valid twilio config");
    Twilio::new("sms", config).expect("a valid twilio channel")
});

static VONAGE: LazyLock<Vonage> = LazyLock::new(|| {
    let config = serde_json::from_value(serde_json::json!({
        "api_key": "fuzz-key",
        "api_secret": "fuzz-secret",
        "from": "447700900000",
        "api_url": "http://127.0.0.1:9",
    }))
    .expect("a valid vonage config");
    Vonage::new("vsms", config).expect("a valid vonage channel")
});

fuzz_target!(|body: &[u8]| {
    // Errors are the expected answer to most inputs; only a panic or a hang is a finding.
    let mut headers = http::HeaderMap::new();
    if let Ok(params) = parse_form(body) {
        let url = format!("https://sb.example.com{HOOK}");
        let signature = twilio::signature(AUTH_TOKEN, &url, &params);
        if let Ok(value) = http::HeaderValue::from_str(&signature) {
            headers.insert(twilio::SIGNATURE_HEADER, value);
        }
    }
    let _ = TWILIO.parse_webhook_at(HOOK, &headers, body);
    let _ = VONAGE.parse_webhook(&http::HeaderMap::new(), body);
    let mut json = http::HeaderMap::new();
    json.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let _ = VONAGE.parse_webhook(&json, body);
    let _ = segments::count(&String::from_utf8_lossy(body));
});
