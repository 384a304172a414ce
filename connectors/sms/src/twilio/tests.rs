use super::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The vector of twilio-python's `tests/unit/test_request_validator.py` (auth token
/// `12345`): the expected values there were computed by Twilio, not by this code.
const SDK_URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

fn sdk_params() -> Vec<(String, String)> {
    pairs(&[
        ("CallSid", "CA1234567890ABCDE"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
        ("Caller", "+14158675309"),
    ])
}

#[test]
fn signature_matches_twilios_own_test_vector() {
    assert_eq!(
        signature("12345", SDK_URL, &sdk_params()),
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    );
    assert!(is_valid(
        "12345",
        SDK_URL,
        &sdk_params(),
        b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    assert!(!is_valid(
        "12346",
        SDK_URL,
        &sdk_params(),
        b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    let mut changed = sdk_params();
    changed[1].1 = "1235".into();
    assert!(!is_valid(
        "12345",
        SDK_URL,
        &changed,
        b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
}

#[test]
fn repeated_names_sort_their_values() {
    let params = pairs(&[
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
    ]);
    assert_eq!(
        signature("12345", SDK_URL, &params),
        "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    );
}

#[test]
fn the_url_is_accepted_with_and_without_its_port() {
    // Twilio signed the URL with :443 while we know it without (and the other way round).
    assert!(is_valid(
        "12345",
        SDK_URL,
        &sdk_params(),
        b"kvajT1Ptam85bY51eRf/AJRuM3w="
    ));
    let with_port = SDK_URL.replace(".com", ".com:1234");
    assert!(is_valid(
        "12345",
        &with_port,
        &sdk_params(),
        b"RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    let http = SDK_URL.replace("https", "http");
    assert!(is_valid(
        "12345",
        &http,
        &sdk_params(),
        b"0ZXoZLH/DfblKGATFgpif+LLRf4="
    ));
    let http_port = with_port.replace("https", "http");
    assert!(is_valid(
        "12345",
        &http_port,
        &sdk_params(),
        b"Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
    ));
    assert_eq!(
        url_forms("https://[::1]/a?b"),
        ["https://[::1]/a?b", "https://[::1]:443/a?b"]
    );
    assert_eq!(
        url_forms("http://u:p@h:8080/x"),
        ["http://u:p@h:8080/x", "http://u:p@h/x"]
    );
}

fn channel(public_url: &str) -> Twilio {
    Twilio::new(
        "sms",
        Config {
            account_sid: "AC0123456789abcdef".into(),
            auth_token: "token".into(),
            from: Some("+15005550006".into()),
            messaging_service_sid: None,
            public_url: public_url.into(),
            api_url: "https://api.twilio.com".into(),
            messages_per_second: 1,
            transliterate: false,
            media_max_bytes: 1024,
            media_timeout_secs: 5,
        },
    )
    .unwrap()
}

fn signed_headers(twilio: &Twilio, target: &str, body: &[u8]) -> http::HeaderMap {
    let params = parse_form(body).unwrap();
    let mut headers = http::HeaderMap::new();
    headers.insert(
        SIGNATURE_HEADER,
        signature("token", &format!("{}{target}", twilio.base_url), &params)
            .parse()
            .unwrap(),
    );
    headers
}

#[test]
fn inbound_mms_parses_with_its_media() {
    let twilio = channel("https://sb.example.com/hooks/sms");
    assert_eq!(twilio.hook_url(), "https://sb.example.com/hooks/sms");
    let body = b"MessageSid=MM1&From=%2B420601000001&To=%2B15005550006&Body=Ahoj&NumMedia=1\
&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2F1&MediaContentType0=image%2Fjpeg&NewField=x";
    let headers = signed_headers(&twilio, "/hooks/sms", body);
    let events = twilio
        .parse_webhook_at("/hooks/sms", &headers, body)
        .unwrap();
    let [InboundEvent::Message(message)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(message.external_id, "MM1");
    assert_eq!(message.text, "Ahoj");
    assert_eq!(message.sender.scope, "sms:+15005550006");
    assert_eq!(message.sender.phone.as_deref(), Some("+420601000001"));
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(
        message.attachments[0].file_id.as_deref(),
        Some("https://api.twilio.com/m/1")
    );
    assert_eq!(
        message.attachments[0].mime_type.as_deref(),
        Some("image/jpeg")
    );
    // Another path or query is another URL: the signature no longer fits.
    assert!(matches!(
        twilio.parse_webhook_at("/hooks/sms?x=1", &headers, body),
        Err(WebhookError::Unauthenticated(_))
    ));
    assert!(matches!(
        twilio.parse_webhook_at("/hooks/sms", &http::HeaderMap::new(), body),
        Err(WebhookError::Unauthenticated(_))
    ));
}

#[test]
fn bad_forms_are_refused_by_field() {
    let twilio = channel("https://sb.example.com");
    for (body, field) in [
        (&b"From=%2B1&Body=x"[..], "MessageSid"),
        (b"MessageSid=SM1&Body=x", "From"),
        (b"MessageSid=SM1&From=%2B1&Body=x&NumMedia=11", "NumMedia"),
        (b"MessageSid=SM1&From=%2B1&Body=x&NumMedia=1", "MediaUrl0"),
        (b"MessageSid=..%2F&From=%2B1&Body=x", "MessageSid"),
    ] {
        let headers = signed_headers(&twilio, "/hooks/sms", body);
        match twilio.parse_webhook_at("/hooks/sms", &headers, body) {
            Err(WebhookError::Malformed(message)) => assert!(message.contains(field), "{message}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    let mut headers = signed_headers(&twilio, "/hooks/sms", b"MessageSid=SM1");
    headers.insert(
        http::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    assert!(matches!(
        twilio.parse_webhook_at("/hooks/sms", &headers, b"MessageSid=SM1"),
        Err(WebhookError::Malformed(_))
    ));
}

#[test]
fn status_callbacks_become_delivery_updates() {
    let twilio = channel("https://sb.example.com");
    let body = b"MessageSid=SM9&MessageStatus=delivered&To=%2B420601000001";
    let headers = signed_headers(&twilio, "/hooks/sms", body);
    let events = twilio
        .parse_webhook_at("/hooks/sms", &headers, body)
        .unwrap();
    let [InboundEvent::Delivery(update)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(
        (update.external_id.as_str(), update.state),
        ("SM9", DeliveryState::Delivered)
    );

    let body = b"MessageSid=SM9&MessageStatus=queued";
    let headers = signed_headers(&twilio, "/hooks/sms", body);
    assert!(
        twilio
            .parse_webhook_at("/hooks/sms", &headers, body)
            .unwrap()
            .is_empty()
    );

    let body = b"MessageSid=SM9&MessageStatus=undelivered&ErrorCode=21610&To=%2B420601000001";
    let headers = signed_headers(&twilio, "/hooks/sms", body);
    let events = twilio
        .parse_webhook_at("/hooks/sms", &headers, body)
        .unwrap();
    assert_eq!(events.len(), 3, "{events:?}");
    let InboundEvent::Delivery(update) = &events[0] else {
        panic!()
    };
    assert_eq!(update.state, DeliveryState::Failed);
    assert!(update.error.as_deref().unwrap().contains("21610"));
    let InboundEvent::Reachability(mark) = &events[1] else {
        panic!()
    };
    assert_eq!(
        (mark.scope.as_str(), mark.address.as_str()),
        ("sms:+15005550006", "+420601000001")
    );
}

#[test]
fn api_errors_are_classified() {
    let error = |status, code| {
        classify(
            status,
            &serde_json::json!({"code": code, "message": "m", "status": status}),
            None,
        )
    };
    assert!(matches!(
        error(400, 21610),
        ConnectorError::Rejected {
            unreachable: true,
            ..
        }
    ));
    assert!(matches!(
        error(400, 21211),
        ConnectorError::Rejected {
            unreachable: true,
            ..
        }
    ));
    assert!(matches!(
        error(400, 21602),
        ConnectorError::Rejected {
            unreachable: false,
            ..
        }
    ));
    assert!(matches!(error(401, 20003), ConnectorError::Unauthorized));
    assert!(matches!(
        error(429, 20429),
        ConnectorError::Unavailable { .. }
    ));
    assert!(matches!(error(503, 0), ConnectorError::Unavailable { .. }));
}

#[test]
fn configuration_is_checked() {
    let base = || Config {
        account_sid: "AC1".into(),
        auth_token: "t".into(),
        from: Some("+15005550006".into()),
        messaging_service_sid: None,
        public_url: "https://sb.example.com".into(),
        api_url: default_api_url(),
        messages_per_second: 1,
        transliterate: false,
        media_max_bytes: 1,
        media_timeout_secs: 1,
    };
    assert!(Twilio::new("sms", base()).is_ok());
    let mut both = base();
    both.messaging_service_sid = Some("MG1".into());
    assert!(Twilio::new("sms", both).is_err());
    let mut neither = base();
    neither.from = None;
    assert!(Twilio::new("sms", neither).is_err());
    let mut sid = base();
    sid.account_sid = "XX1".into();
    assert!(Twilio::new("sms", sid).is_err());
    let mut url = base();
    url.public_url = "ftp://x".into();
    assert!(Twilio::new("sms", url).is_err());
}
