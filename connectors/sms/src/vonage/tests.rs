use super::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn signatures_match_vonages_sdk_vectors() {
    // From Vonage's Python SDK tests (the expected digests were computed by Vonage's code).
    let params = pairs(&[("a", "1"), ("b", "2"), ("timestamp", "1461605396")]);
    assert_eq!(
        signature(SignatureMethod::Md5hash, "secret", &params),
        "6af838ef94998832dbfc29020b564830"
    );
    let params = pairs(&[
        ("param1", "value1"),
        ("param2", "value2"),
        ("timestamp", "1234567890"),
    ]);
    assert_eq!(
        signature(SignatureMethod::Sha256, "signature_secret", &params),
        "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
    );
    let params = pairs(&[
        ("param1", "value&1"),
        ("param2", "value=2"),
        ("timestamp", "1234567890"),
    ]);
    assert_eq!(
        signature(SignatureMethod::Md5, "signature_secret", &params),
        "2bbf0abafb2c55e5af6231513896a2ac"
    );
}

fn channel(secret: Option<&str>) -> Vonage {
    Vonage::new(
        "vsms",
        Config {
            api_key: "key1".into(),
            api_secret: "s".into(),
            signature_secret: secret.map(str::to_owned),
            signature_method: SignatureMethod::Sha256,
            signature_tolerance_secs: 300,
            from: "447700900000".into(),
            api_url: default_api_url(),
            public_url: Some("https://sb.example.com".into()),
            messages_per_second: 1,
            transliterate: false,
        },
    )
    .unwrap()
}

fn signed(
    secret: &str,
    mut params: Vec<(String, String)>,
    timestamp: u64,
) -> Vec<(String, String)> {
    params.push(("timestamp".into(), timestamp.to_string()));
    let sig = signature(SignatureMethod::Sha256, secret, &params);
    params.push(("sig".into(), sig));
    params
}

#[test]
fn signed_channels_check_sig_and_timestamp() {
    let vonage = channel(Some("sekret"));
    assert_eq!(
        vonage.callback.as_deref(),
        Some("https://sb.example.com/hooks/vsms")
    );
    let base = pairs(&[
        ("msisdn", "447700900001"),
        ("messageId", "ABC1"),
        ("text", "hi"),
    ]);
    let good = signed("sekret", base.clone(), 1_000_000);
    assert!(vonage.verify(&good, 1_000_100).is_ok());
    assert!(vonage.verify(&good, 1_000_400).is_err(), "too old");
    assert!(
        vonage
            .verify(&signed("other", base.clone(), 1_000_000), 1_000_000)
            .is_err()
    );
    assert!(vonage.verify(&base, 1_000_000).is_err(), "unsigned");
    let mut tampered = good.clone();
    tampered[2].1 = "bye".into();
    assert!(vonage.verify(&tampered, 1_000_000).is_err());
    assert!(channel(None).verify(&base, 0).is_ok());
}

#[test]
fn inbound_parts_and_receipts() {
    let vonage = channel(None);
    let events = vonage
        .events(&pairs(&[
            ("msisdn", "447700900001"),
            ("to", "447700900000"),
            ("messageId", "M1"),
            ("text", "Hello"),
            ("type", "text"),
        ]))
        .unwrap();
    let [InboundEvent::Message(message)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(message.sender.external_id, "+447700900001");
    assert_eq!(message.sender.scope, "sms:+447700900000");
    let events = vonage
        .events(&pairs(&[
            ("msisdn", "447700900001"),
            ("messageId", "M2"),
            ("text", "part two"),
            ("concat", "true"),
            ("concat-ref", "7"),
            ("concat-total", "2"),
            ("concat-part", "2"),
        ]))
        .unwrap();
    let [InboundEvent::Part(part)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        (part.group.as_str(), part.index, part.total),
        ("+447700900001/7", 2, 2)
    );
    for bad in [
        ("concat-part", "3"),
        ("concat-part", "0"),
        ("concat-total", "x"),
    ] {
        let mut params = pairs(&[
            ("msisdn", "447700900001"),
            ("messageId", "M2"),
            ("text", "x"),
            ("concat", "true"),
            ("concat-ref", "7"),
            ("concat-total", "2"),
            ("concat-part", "1"),
        ]);
        params.retain(|(name, _)| name != bad.0);
        params.push((bad.0.into(), bad.1.into()));
        assert!(
            matches!(vonage.events(&params), Err(WebhookError::Malformed(_))),
            "{bad:?}"
        );
    }
    let events = vonage
        .events(&pairs(&[
            ("msisdn", "447700900001"),
            ("messageId", "M3"),
            ("status", "rejected"),
            ("err-code", "6"),
        ]))
        .unwrap();
    let [InboundEvent::Delivery(update)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(update.state, DeliveryState::Failed);
    assert!(update.error.as_deref().unwrap().contains("error 6"));
    assert!(matches!(
        vonage.events(&pairs(&[
            ("api-key", "other"),
            ("messageId", "M4"),
            ("status", "delivered")
        ])),
        Err(WebhookError::Forbidden(_))
    ));
}

#[test]
fn json_and_form_bodies_read_alike() {
    let mut json = http::HeaderMap::new();
    json.insert(
        http::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    let mut params = body_params(
        &json,
        br#"{"msisdn":"1","concat-total":2,"concat":true,"x":{"y":1}}"#,
    )
    .unwrap();
    params.sort();
    assert_eq!(
        params,
        pairs(&[("concat", "true"), ("concat-total", "2"), ("msisdn", "1")])
    );
    assert!(body_params(&json, b"[1]").is_err());
    assert!(body_params(&json, b"{").is_err());
    let form = body_params(&http::HeaderMap::new(), b"msisdn=1&text=a+b").unwrap();
    assert_eq!(form, pairs(&[("msisdn", "1"), ("text", "a b")]));
    let mut xml = http::HeaderMap::new();
    xml.insert(http::header::CONTENT_TYPE, "text/xml".parse().unwrap());
    assert!(body_params(&xml, b"<a/>").is_err());
}

#[test]
fn send_errors_are_classified() {
    assert!(matches!(
        classify("1", "Throttled"),
        ConnectorError::Unavailable { .. }
    ));
    assert!(matches!(
        classify("4", "Bad Credentials"),
        ConnectorError::Unauthorized
    ));
    assert!(matches!(
        classify("7", "Number barred"),
        ConnectorError::Rejected {
            unreachable: true,
            ..
        }
    ));
    assert!(matches!(
        classify("3", "Invalid to"),
        ConnectorError::Rejected {
            unreachable: false,
            ..
        }
    ));
}
