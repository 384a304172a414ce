//! Property tests of the inbound parser (fuzz target `webhook`): every correctly signed body
//! becomes a message or a precise "malformed" answer, never a panic.

use std::sync::LazyLock;

use connector_sdk::fuzzing::mutated;
use connector_sdk::{Connector, WebhookError};
use proptest::prelude::*;

use crate::{SIGNATURE_HEADER, TIMESTAMP_HEADER, Webhook, sign};

const SECRET: &str = "fuzz-secret";

static CHANNEL: LazyLock<Webhook> = LazyLock::new(|| {
    let config = serde_json::from_value(serde_json::json!({ "secret": SECRET })).expect("config");
    Webhook::new("api", config).expect("channel")
});

proptest! {
    #[test]
    fn webhook_signed_bodies_parse_or_are_malformed(body in mutated("webhook")) {
        let mut headers = http::HeaderMap::new();
        let timestamp = chrono::Utc::now().timestamp();
        headers.insert(TIMESTAMP_HEADER, http::HeaderValue::from(timestamp));
        headers.insert(
            SIGNATURE_HEADER,
            http::HeaderValue::from_str(&sign(SECRET.as_bytes(), timestamp, &body))
                .expect("header"),
        );
        match CHANNEL.parse_webhook(&headers, &body) {
            Ok(_) | Err(WebhookError::Malformed(_)) => {}
            Err(other) => prop_assert!(false, "signed body refused as {other:?}"),
        }
    }
}
