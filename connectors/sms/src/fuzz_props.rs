//! Property tests: the form decoder, both providers' webhook parsers and the segment counter
//! take any input without panicking, and a correctly signed Twilio request is never refused
//! as unauthenticated.

use connector_sdk::{Connector, WebhookError};
use proptest::prelude::*;

use crate::twilio::{self, Twilio};
use crate::vonage::{self, Vonage};
use crate::{parse_form, segments};

fn twilio_channel() -> Twilio {
    let config = serde_json::from_value(serde_json::json!({
        "account_sid": "AC0001",
        "auth_token": "fuzz-token",
        "from": "+15005550006",
        "public_url": "https://sb.example.com",
        "api_url": "http://127.0.0.1:9",
    }))
    .expect("config");
    Twilio::new("sms", config).expect("channel")
}

fn vonage_channel() -> Vonage {
    let config = serde_json::from_value(serde_json::json!({
        "api_key": "k",
        "api_secret": "s",
        "from": "447700900000",
        "api_url": "http://127.0.0.1:9",
    }))
    .expect("config");
    Vonage::new("vsms", config).expect("channel")
}

/// Parameter names Twilio and Vonage use, and some they do not.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("MessageSid".to_owned()),
        Just("From".to_owned()),
        Just("Body".to_owned()),
        Just("NumMedia".to_owned()),
        Just("MediaUrl0".to_owned()),
        Just("MessageStatus".to_owned()),
        Just("ErrorCode".to_owned()),
        Just("To".to_owned()),
        Just("msisdn".to_owned()),
        Just("messageId".to_owned()),
        Just("text".to_owned()),
        Just("concat".to_owned()),
        Just("concat-part".to_owned()),
        Just("concat-total".to_owned()),
        Just("concat-ref".to_owned()),
        Just("status".to_owned()),
        "[A-Za-z0-9-]{1,12}",
    ]
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((name(), any::<String>()), 0..12)
}

fn encode(params: &[(String, String)]) -> Vec<u8> {
    let mut out = String::new();
    for (index, (key, value)) in params.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        for (part, text) in [(0, key), (1, value)] {
            if part == 1 {
                out.push('=');
            }
            for byte in text.bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out.into_bytes()
}

proptest! {
    #[test]
    fn sms_any_bytes_decode_or_are_refused(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_form(&body);
        let _ = twilio_channel().parse_webhook_at("/hooks/sms", &http::HeaderMap::new(), &body);
        let _ = vonage_channel().parse_webhook(&http::HeaderMap::new(), &body);
    }

    #[test]
    fn sms_signed_twilio_requests_parse_or_are_malformed(params in params()) {
        let channel = twilio_channel();
        let signature = twilio::signature("fuzz-token", "https://sb.example.com/hooks/sms", &params);
        let mut headers = http::HeaderMap::new();
        headers.insert(twilio::SIGNATURE_HEADER, signature.parse().expect("header"));
        let body = encode(&params);
        prop_assert_eq!(parse_form(&body).expect("well-formed"), params.clone());
        match channel.parse_webhook_at("/hooks/sms", &headers, &body) {
            Ok(_) | Err(WebhookError::Malformed(_)) => {}
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn sms_vonage_forms_and_json_parse_or_are_refused(params in params()) {
        let channel = vonage_channel();
        let _ = channel.parse_webhook(&http::HeaderMap::new(), &encode(&params));
        let object: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut json = http::HeaderMap::new();
        json.insert(http::header::CONTENT_TYPE, "application/json".parse().expect("header"));
        let body = serde_json::to_vec(&object).expect("json");
        let _ = channel.parse_webhook(&json, &body);
        let _ = vonage::signature(vonage::SignatureMethod::Md5hash, "s", &params);
    }

    #[test]
    fn sms_segment_counts_stay_within_the_carriers_bounds(text in any::<String>()) {
        let cost = segments::count(&text);
        if text.is_empty() {
            prop_assert_eq!(cost.segments, 0);
        } else {
            let (single, part) = if cost.encoding == "gsm7" { (160, 153) } else { (70, 67) };
            if cost.units <= single {
                prop_assert_eq!(cost.segments, 1);
            } else {
                // Whole characters per part: at least the division, at most one unit lost per part.
                prop_assert!(cost.segments >= cost.units.div_ceil(part));
                prop_assert!(cost.segments <= cost.units.div_ceil(part - 1));
            }
        }
        // Transliteration never makes a text need UCS-2 that did not before.
        let plain = segments::count(&segments::transliterate(&text));
        if cost.encoding == "gsm7" {
            prop_assert_eq!(plain.encoding, "gsm7");
        }
    }
}
