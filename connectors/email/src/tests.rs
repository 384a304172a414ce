//! Connector-level unit tests: configuration and hook authentication.

use super::*;

fn config() -> Config {
    toml::from_str(
        r#"
        address = "support@example.test"
        display_name = "ACME Support"
        domain = "example.test"
        secret = "0123456789abcdef-secret"
        smtp_host = "127.0.0.1"
        smtp_tls = "none"
        "#,
    )
    .expect("config")
}

#[test]
fn config_defaults_and_checks() {
    let email = Email::new("mail", config()).expect("valid");
    assert!(email.imap.is_none());
    assert_eq!(email.config.imap_folder, "INBOX");
    let mut short = config();
    short.secret = "short".into();
    let refused = Email::new("mail", short).err().map(|err| err.to_string());
    // One message, naming the key: not "… not supported by this channel" run on after it.
    assert_eq!(
        refused.as_deref(),
        Some("secret: use at least 16 characters (it signs reply addresses)")
    );
    let mut no_password = config();
    no_password.imap_host = Some("imap.example.test".into());
    assert!(Email::new("mail", no_password).is_err());
    let mut with_imap = config();
    with_imap.imap_host = Some("imap.example.test".into());
    with_imap.imap_password = Some("pw".into());
    let email = Email::new("mail", with_imap).expect("valid");
    let imap = email.imap.as_ref().expect("imap");
    assert_eq!(
        (imap.port, imap.user.as_str()),
        (993, "support@example.test")
    );
}

#[tokio::test]
async fn a_channel_may_only_receive() {
    let config: Config = toml::from_str(
        r#"
        address = "support@example.test"
        domain = "example.test"
        secret = "0123456789abcdef-secret"
        "#,
    )
    .expect("no smtp_host, no display_name");
    let email = Email::new("mail", config).expect("valid");
    let raw = b"From: jane@customer.test\r\nSubject: hi\r\nMessage-ID: <1@c>\r\n\r\nhello\r\n";
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "authorization",
        "Bearer 0123456789abcdef-secret".parse().expect("header"),
    );
    assert_eq!(email.parse_webhook(&headers, raw).expect("parsed").len(), 1);
    let reply = OutboundMessage::text(
        "1",
        "mail",
        1,
        connector_sdk::Recipient::new("jane@customer.test"),
        "hello",
    );
    match email.send(&reply).await {
        Err(ConnectorError::Rejected { reason, .. }) => {
            assert!(reason.contains("only receives"), "{reason}")
        }
        other => panic!("a receive-only channel sent: {other:?}"),
    }
}

#[test]
fn hooks_need_the_secret() {
    let email = Email::new("mail", config()).expect("valid");
    let raw = b"From: jane@customer.test\r\nSubject: hi\r\nMessage-ID: <1@c>\r\n\r\nhello\r\n";
    let mut headers = http::HeaderMap::new();
    assert!(matches!(
        email.parse_webhook(&headers, raw),
        Err(WebhookError::Unauthenticated(_))
    ));
    headers.insert("authorization", "Bearer wrong".parse().expect("header"));
    assert!(matches!(
        email.parse_webhook(&headers, raw),
        Err(WebhookError::Unauthenticated(_))
    ));
    headers.insert(
        "authorization",
        "Bearer 0123456789abcdef-secret".parse().expect("header"),
    );
    assert_eq!(email.parse_webhook(&headers, raw).expect("parsed").len(), 1);
    let basic = base64::engine::general_purpose::STANDARD.encode("mta:0123456789abcdef-secret");
    headers.insert(
        "authorization",
        format!("Basic {basic}").parse().expect("header"),
    );
    assert!(email.parse_webhook(&headers, raw).is_ok());
    let mut signed = http::HeaderMap::new();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"0123456789abcdef-secret").expect("key");
    mac.update(raw);
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    signed.insert(SIGNATURE_HEADER, signature.parse().expect("header"));
    assert!(email.parse_webhook(&signed, raw).is_ok());
    assert!(matches!(
        email.parse_webhook(&signed, b"From: x@y.test\r\n\r\ntampered"),
        Err(WebhookError::Unauthenticated(_))
    ));
    headers.insert(
        "authorization",
        "Bearer 0123456789abcdef-secret".parse().expect("header"),
    );
    assert!(matches!(
        email.parse_webhook(&headers, b""),
        Err(WebhookError::Malformed(_))
    ));
}
