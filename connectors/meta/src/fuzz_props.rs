//! Property tests of the webhook parser (fuzz target `meta`) for a channel of each kind, and
//! the text splitter (fuzz target `splitter`).

use std::sync::LazyLock;

use connector_sdk::fuzzing::{assert_parts, mutated, mutated_text};
use connector_sdk::{ChannelKind, Connector, WebhookError};
use proptest::prelude::*;

use crate::outbound::{split, text_limit};
use crate::{Meta, SIGNATURE_HEADER, sign};

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
        .expect("config");
        Meta::new(kind.as_str(), kind, config).expect("channel")
    })
    .collect()
});

proptest! {
    #[test]
    fn meta_signed_payloads_parse_or_are_malformed(body in mutated("meta")) {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            SIGNATURE_HEADER,
            http::HeaderValue::from_str(&sign(APP_SECRET.as_bytes(), &body)).expect("header"),
        );
        for channel in CHANNELS.iter() {
            match channel.parse_webhook(&headers, &body) {
                Ok(_) | Err(WebhookError::Malformed(_)) => {}
                Err(other) => prop_assert!(false, "signed payload refused as {other:?}"),
            }
        }
    }

    #[test]
    fn splitter_meta_parts_are_within_the_limit(
        text in mutated_text("splitter"),
        limit in 0..64usize,
    ) {
        assert_parts(&split(&text, limit), limit);
        for kind in [ChannelKind::Whatsapp, ChannelKind::Messenger] {
            assert_parts(&split(&text, text_limit(kind)), text_limit(kind));
        }
    }
}
